"""Encoder throughput: sequences/second at 128 and 512 tokens, fp32 vs int8, batch 1 and 8; then
the same for the encoder with its token states exposed plus both numpy heads (NER tags and the
label-attention classifier, ``server.models.heads``) — what ``NoteModel.run`` pays per chunk.

    python -m benchmarks.bench_models

int8 is the committed graph (model_repository/code_linker/1/model.onnx). fp32 is
build/linker/model.fp32.onnx when `make models` has run; otherwise the untuned base encoder is
exported here (needs torch) — throughput depends on the graph's shape, not its weights. Ratios are
int8 over fp32 measured in this run, on this machine's CPU, with ONNX Runtime's default thread count
capped at ``THREADS``.
"""
from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
INT8 = REPO / "model_repository" / "code_linker" / "1" / "model.onnx"
FP32 = REPO / "build" / "linker" / "model.fp32.onnx"
THREADS = int(os.environ.get("MEDCODER_BENCH_THREADS", "2"))
SHAPES = [(1, 128), (8, 128), (1, 512), (8, 512)]
BUDGET_S = 2.0


def _fp32_graph(tmp: Path) -> Path | None:
    if FP32.is_file():
        return FP32
    try:
        import torch

        from export.export_onnx import export
        from export.linker_model import EMBED_DIM, LinkerEncoder, load_base
    except ImportError:
        return None
    torch.set_num_threads(THREADS)
    return export(LinkerEncoder(load_base(), EMBED_DIM), tmp / "model.fp32.onnx")


def _session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = THREADS
    so.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def seqs_per_s(session, batch: int, seq: int) -> float:
    """Median of timed runs (after two warm-ups) within BUDGET_S, as sequences per second."""
    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(1000, 30000, (batch, seq)).astype(np.int64),
             "attention_mask": np.ones((batch, seq), np.int64)}
    for _ in range(2):
        session.run(None, feeds)
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < BUDGET_S or len(times) < 3:
        t0 = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t0)
    return batch / statistics.median(times)


def heads_seqs_per_s(session, weights, batch: int, seq: int) -> float:
    """As ``seqs_per_s``, for one token-state encoder call followed by ``heads_from_states``."""
    from server.models.heads import TOKEN_STATES, heads_from_states

    rng = np.random.default_rng(0)
    feeds = {"input_ids": rng.integers(1000, 30000, (batch, seq)).astype(np.int64),
             "attention_mask": np.ones((batch, seq), np.int64)}

    def once():
        (states,) = session.run([TOKEN_STATES], feeds)
        heads_from_states(states, feeds["attention_mask"], weights)

    for _ in range(2):
        once()
    times, start = [], time.perf_counter()
    while time.perf_counter() - start < BUDGET_S or len(times) < 3:
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return batch / statistics.median(times)


def bench_heads(graphs: dict[str, Path], encoder_rates: dict) -> None:
    """Encoder + heads per graph, with int8/fp32 and the heads' cost against the bare encoder."""
    from server.models.heads import HEADS_FILE, HeadWeights, token_state_session

    heads = INT8.parents[1] / HEADS_FILE
    if not heads.is_file():
        print("encoder+heads skipped: heads/heads.npz is missing (run export.train_heads)")
        return
    weights = HeadWeights.load(heads)
    sessions = {k: token_state_session(p, THREADS)[0] for k, p in graphs.items()}
    print(f"\nencoder + heads ({len(weights.codes)} codes, {len(weights.p['ner_w2'][0])} tags); "
          "sequences/second (median); 'enc+heads/enc': share of the bare encoder's rate kept")
    print(f"{'batch':>5} {'seq':>4} " + " ".join(f"{k:>8}" for k in sessions) + "  int8/fp32  enc+heads/enc(int8)")
    for batch, seq in SHAPES:
        rates = {k: heads_seqs_per_s(s, weights, batch, seq) for k, s in sessions.items()}
        ratio = f"{rates['int8'] / rates['fp32']:.2f}x" if "fp32" in rates else "n/a"
        kept = rates["int8"] / encoder_rates[(batch, seq)]["int8"]
        print(f"{batch:>5} {seq:>4} " + " ".join(f"{r:8.1f}" for r in rates.values()) + f"  {ratio:>9}  {kept:>19.2f}")


def main() -> None:
    if not INT8.is_file():
        print("skipped: model_repository/code_linker/1/model.onnx is missing (run `make models`)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = _fp32_graph(Path(tmp))
        graphs = {"int8": _session(INT8)}
        if fp32 is not None:
            graphs["fp32"] = _session(fp32)
        print(f"ONNX Runtime CPU, {THREADS} threads; sequences/second (median)")
        print(f"{'batch':>5} {'seq':>4} " + " ".join(f"{k:>8}" for k in graphs) + "  int8/fp32")
        measured = {}
        for batch, seq in SHAPES:
            rates = measured[(batch, seq)] = {k: seqs_per_s(s, batch, seq) for k, s in graphs.items()}
            ratio = f"{rates['int8'] / rates['fp32']:.2f}x" if "fp32" in rates else "n/a"
            print(f"{batch:>5} {seq:>4} " + " ".join(f"{r:8.1f}" for r in rates.values()) + f"  {ratio:>9}")
        del graphs
        bench_heads({"int8": INT8, **({"fp32": fp32} if fp32 is not None else {})}, measured)


if __name__ == "__main__":
    main()
