"""Code linking: a mention's embedding against the shipped code-description matrix.

    linker = CodeLinker.load()
    linker.link(["CHF", "DM2 w/ CKD"], k=3)
    # [[("I50.9", 0.83), ("I50.20", 0.78), ...], [("E11.22", 0.81), ...]]

The encoder call is the only model call per request; the matrix product is numpy. Codes are
ICD-10-CM rows without the 7th character (S72.001 for "fracture of neck of right femur"): the
encounter character is the rules' decision, not the embedding's.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from server.models.code_index import CodeIndex
from server.models.encoder import EncoderOptions, MentionEncoder
from server.models.errors import ModelArtifactError

REPOSITORY = Path(__file__).resolve().parents[2] / "model_repository"
MODEL_NAME = "code_linker"


def default_model_dir() -> Path:
    """``model_repository/code_linker``: 1/model.onnx, tokenizer.json, code_index.npz."""
    return REPOSITORY / MODEL_NAME


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CodeLinker:
    def __init__(self, encoder: MentionEncoder, index: CodeIndex):
        if encoder.dim != index.dim:
            raise ModelArtifactError("encoder and code index dimensions differ")
        self.encoder = encoder
        self.index = index

    @classmethod
    def load(cls, model_dir: Path | None = None, options: EncoderOptions = EncoderOptions(),
             version: int = 1) -> "CodeLinker":
        """Load the encoder and the matrix; refuse a matrix written by a different encoder."""
        d = Path(model_dir) if model_dir is not None else default_model_dir()
        onnx_path = d / str(version) / "model.onnx"
        encoder = MentionEncoder.load(onnx_path, d / "tokenizer.json", options)
        index = CodeIndex.load(d / "code_index.npz")
        if index.model_sha256 and index.model_sha256 != file_sha256(onnx_path):
            raise ModelArtifactError("code_index.npz was built with a different model.onnx")
        return cls(encoder, index)

    def embed_mentions(self, mentions: list[str]) -> np.ndarray:
        return self.encoder.embed_mentions(mentions)

    def nearest_codes(self, mention_vectors: np.ndarray, k: int = 10,
                      min_score: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.index.nearest_codes(mention_vectors, k, min_score)

    def link(self, mentions: list[str], k: int = 10) -> list[list[tuple[str, float]]]:
        """Top-``k`` (code, cosine score) per mention, best first."""
        ids, scores = self.nearest_codes(self.embed_mentions(mentions), k)
        codes = self.index.codes
        return [[(str(codes[i]), float(s)) for i, s in zip(row_ids, row_scores)]
                for row_ids, row_scores in zip(ids, scores)]
