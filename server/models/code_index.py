"""The code-description matrix: one unit vector per ICD-10-CM code, shipped as int8 with row scales.

File layout (``code_index.npz``, written by ``export.build_code_index``):

    codes   <U8   [n]        "I50.23", ... (7th-character extensions are linked to their base)
    q       int8  [n, dim]   round(vector / scale), symmetric per row
    scale   float32 [n]      max |vector| / 127 per row
    model_sha256  <U64 []    sha256 of the ONNX file whose encoder wrote the vectors

Scores are cosine similarities (mention vectors are unit length; int8 rounding moves a score by
well under 0.01).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from server.models.errors import ModelArtifactError


def quantize_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float rows -> (int8 rows, float32 per-row scale); the inverse is ``q * scale[:, None]``."""
    scale = np.abs(vectors).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(vectors / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


class CodeIndex:
    def __init__(self, codes: np.ndarray, matrix: np.ndarray, model_sha256: str = ""):
        if matrix.ndim != 2 or len(codes) != matrix.shape[0]:
            raise ModelArtifactError("code index: codes and matrix rows disagree")
        self.codes = codes
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.model_sha256 = model_sha256
        self._row = {str(c): i for i, c in enumerate(codes)}

    @classmethod
    def load(cls, path: Path) -> "CodeIndex":
        if not Path(path).is_file():
            raise ModelArtifactError(f"model artifact missing: {Path(path).name}")
        with np.load(path, allow_pickle=False) as z:
            if {"codes", "q", "scale"} - set(z.files):
                raise ModelArtifactError(f"code index {Path(path).name} lacks codes/q/scale")
            matrix = z["q"].astype(np.float32) * z["scale"][:, None]
            sha = str(z["model_sha256"]) if "model_sha256" in z.files else ""
            return cls(z["codes"], matrix, sha)

    def save(self, path: Path) -> None:
        q, scale = quantize_rows(self.matrix)
        np.savez_compressed(path, codes=self.codes, q=q, scale=scale,
                            model_sha256=np.array(self.model_sha256))

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def dim(self) -> int:
        return self.matrix.shape[1]

    def row_of(self, code: str) -> int | None:
        return self._row.get(code)

    def nearest_codes(self, mention_vectors: np.ndarray, k: int = 10,
                      min_score: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` rows per mention, best first: (ids int64 [n, k], cosine scores float32 [n, k]).

        With ``min_score`` only rows scoring at least that are returned; a mention with fewer
        than ``k`` such rows is padded with id -1 and score -inf. Much faster when few rows pass:
        a full top-k over the ~47,000 codes costs about five times the matrix product itself."""
        if mention_vectors.ndim != 2 or mention_vectors.shape[1] != self.dim:
            raise ValueError(f"mention vectors must be [n, {self.dim}]")
        k = max(0, min(k, len(self)))
        scores = mention_vectors.astype(np.float32, copy=False) @ self.matrix.T
        if k == 0 or len(scores) == 0:
            return np.zeros((len(scores), k), np.int64), np.zeros((len(scores), k), np.float32)
        if min_score is not None:
            return _top_above(scores, k, min_score)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_scores, order, axis=1)


def _top_above(scores: np.ndarray, k: int, min_score: float) -> tuple[np.ndarray, np.ndarray]:
    """``nearest_codes``'s answer restricted to scores >= ``min_score`` (padding -1 / -inf)."""
    ids = np.full((len(scores), k), -1, np.int64)
    out = np.full((len(scores), k), -np.inf, np.float32)
    rows, cols = np.nonzero(scores >= min_score)
    if len(rows):
        vals = scores[rows, cols]
        order = np.lexsort((-vals, rows))            # by mention, then best first (stable on ties)
        rows, cols, vals = rows[order], cols[order], vals[order]
        rank = np.arange(len(rows)) - np.searchsorted(rows, rows)   # place within its mention
        keep = rank < k
        ids[rows[keep], rank[keep]] = cols[keep]
        out[rows[keep], rank[keep]] = vals[keep]
    return ids, out
