"""Write the shipped code linker: int8 ONNX encoder, tokenizer and the code-description matrix.

    python -m export.build_code_index --build build/linker --out model_repository/code_linker

The matrix is embedded with the int8 graph that serves mentions, through the path that serves
them (``server.models.linker.open_embedder``: the phrase embedder's length buckets), so both sides
of every cosine come from the same quantised encoder, padded the same way. (The committed
code_index.npz predates this: its rows were padded to the longest description of each 64-row
length-sorted batch; rebuilding it, then the fusion, is a `make models` run.) Targets are every
ICD-10-CM row that is not a 7th-character extension (``export.linker_data.target_codes``), each
embedded from its tabular description.
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np

from export.linker_data import target_codes
from export.linker_model import base_model_dir
from rules_native.codesets import load_icd10cm
from server.models import CodeIndex, LinkerOptions, open_embedder
from server.models.linker import file_sha256


def build_index(cm, encoder, model_sha256: str) -> CodeIndex:
    """``encoder``: a ``PhraseEmbedder`` (``open_embedder``)."""
    codes = target_codes(cm)
    vectors = encoder.embed_mentions([cm.description(c) for c in codes])
    return CodeIndex(np.array(codes), vectors, model_sha256)


def install(build: Path, out: Path, threads: int = 2, with_fp32: bool = False) -> Path:
    """Copy the int8 graph and tokenizer into ``out`` and write ``code_index.npz`` beside them.

    ``with_fp32`` also places the fp32 graph as 1/model.fp32.onnx for the GPU configs (90 MB:
    never committed).
    """
    (out / "1").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "1" / "model.onnx"
    shutil.copyfile(build / "model.int8.onnx", onnx_path)
    if with_fp32:
        shutil.copyfile(build / "model.fp32.onnx", out / "1" / "model.fp32.onnx")
    shutil.copyfile(base_model_dir() / "tokenizer.json", out / "tokenizer.json")
    encoder = open_embedder(onnx_path, out / "tokenizer.json", options=LinkerOptions(intra_op_threads=threads))
    t0 = time.time()
    try:
        index = build_index(load_icd10cm(), encoder, file_sha256(onnx_path))
    finally:
        encoder.close()
    index.save(out / "code_index.npz")
    print(f"embedded {len(index)} code descriptions in {time.time() - t0:.0f}s")
    for p in (onnx_path, out / "tokenizer.json", out / "code_index.npz"):
        print(f"{p}: {p.stat().st_size / 1e6:.2f} MB")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, default=Path("build/linker"))
    ap.add_argument("--out", type=Path, default=Path("model_repository/code_linker"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--with-fp32", action="store_true", help="also copy the fp32 graph (GPU configs)")
    a = ap.parse_args(argv)
    install(a.build, a.out, a.threads, a.with_fp32)


if __name__ == "__main__":
    main()
