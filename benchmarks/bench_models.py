"""Encoder throughput: sequences/second at 128 and 512 tokens, fp32 vs int8, batch 1 and 8.

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
        for batch, seq in SHAPES:
            rates = {k: seqs_per_s(s, batch, seq) for k, s in graphs.items()}
            ratio = f"{rates['int8'] / rates['fp32']:.2f}x" if "fp32" in rates else "n/a"
            print(f"{batch:>5} {seq:>4} " + " ".join(f"{r:8.1f}" for r in rates.values()) + f"  {ratio:>9}")


if __name__ == "__main__":
    main()
