"""Export the linker encoder to ONNX (opset 17, dynamic batch and sequence), check parity, quantise.

    python -m export.export_onnx --weights build/linker/linker.pt --out build/linker

writes ``model.fp32.onnx`` and ``model.int8.onnx`` (per-channel dynamic int8 for CPU) and prints
the max abs difference against PyTorch for each. The graph's contract, which
``model_repository/*/config.pbtxt`` and ``server.models`` share:

    input_ids        INT64 [batch, sequence]
    attention_mask   INT64 [batch, sequence]
    mention_embedding FP32 [batch, 128]   (unit length)
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from export.linker_model import EMBED_DIM, INPUT_NAMES, OUTPUT_NAME, LinkerEncoder, load_base

OPSET = 17


def export(model: LinkerEncoder, path: Path, opset: int = OPSET) -> Path:
    """Trace ``model`` to ONNX with dynamic batch and sequence axes."""
    model.eval()
    ids = torch.ones(2, 8, dtype=torch.long)
    mask = torch.ones(2, 8, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            OUTPUT_NAME: {0: "batch"}}
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, (ids, mask), str(path), input_names=list(INPUT_NAMES),
                          output_names=[OUTPUT_NAME], dynamic_axes=axes, opset_version=opset,
                          dynamo=False)
    return path


def quantize_int8(src: Path, dst: Path) -> Path:
    """Per-channel dynamic int8 (weights int8, activations quantised at run time) for CPU."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), per_channel=True, weight_type=QuantType.QInt8)
    return dst


def random_batch(vocab_size: int, batch: int = 4, seq: int = 24, seed: int = 0):
    """Ragged batch: row r keeps its first seq - 3r tokens, the rest is padding."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1000 if vocab_size > 2000 else 1, vocab_size, size=(batch, seq)).astype(np.int64)
    mask = np.ones((batch, seq), dtype=np.int64)
    for r in range(batch):
        keep = max(2, seq - 3 * r)
        mask[r, keep:] = 0
        ids[r, keep:] = 0
    ids[:, 0] = 101 if vocab_size > 2000 else 1
    return ids, mask


def parity(model: LinkerEncoder, onnx_path: Path, ids: np.ndarray, mask: np.ndarray) -> float:
    """Max abs difference between PyTorch and ONNX Runtime outputs on one batch."""
    import onnxruntime as ort

    with torch.no_grad():
        ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = sess.run([OUTPUT_NAME], {"input_ids": ids, "attention_mask": mask})[0]
    return float(np.abs(ref - got).max())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=Path("build/linker/linker.pt"))
    ap.add_argument("--out", type=Path, default=Path("build/linker"))
    a = ap.parse_args(argv)
    torch.set_num_threads(2)
    model = LinkerEncoder(load_base(), EMBED_DIM)
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    fp32 = export(model, a.out / "model.fp32.onnx")
    int8 = quantize_int8(fp32, a.out / "model.int8.onnx")
    for seq in (16, 128):
        ids, mask = random_batch(model.bert.config.vocab_size, batch=4, seq=seq)
        print(f"seq {seq}: max |torch - onnx fp32| = {parity(model, fp32, ids, mask):.2e}; "
              f"max |torch - onnx int8| = {parity(model, int8, ids, mask):.2e}")
    for p in (fp32, int8):
        print(f"{p}: {p.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
