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

import threading
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
        self._session = None
        self._search_lock = threading.Lock()

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

        With ``min_score`` the neighbours scoring below it are blanked: id -1, score -inf.

        The product with the matrix and the top-k run in a small ONNX Runtime graph (MatMul +
        TopK, one thread, built on first use): for a note's ~55 phrases against ~47,000 codes,
        ~6 ms of CPU where numpy's product plus a top-k took ~20 ms, same neighbours."""
        if mention_vectors.ndim != 2 or mention_vectors.shape[1] != self.dim:
            raise ValueError(f"mention vectors must be [n, {self.dim}]")
        k = max(0, min(k, len(self)))
        if k == 0 or len(mention_vectors) == 0:
            return np.zeros((len(mention_vectors), k), np.int64), np.zeros((len(mention_vectors), k), np.float32)
        scores, ids = self._search().run(None, {"q": np.ascontiguousarray(mention_vectors, np.float32),
                                                "k": np.array([k], np.int64)})
        if min_score is not None:
            low = scores < min_score
            ids[low], scores[low] = -1, -np.inf
        return ids, scores

    def _search(self):
        with self._search_lock:
            if self._session is None:
                self._session = _search_session(self.matrix)
            return self._session


def _search_session(matrix: np.ndarray):
    """ONNX Runtime session: q [n, dim], k [1] -> (top-k cosines [n, k], their rows [n, k])."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    dim = matrix.shape[1]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["q", "codes_t"], ["scores"]),
         helper.make_node("TopK", ["scores", "k"], ["top", "rows"], axis=1, largest=1, sorted=1)],
        "nearest_codes",
        [helper.make_tensor_value_info("q", TensorProto.FLOAT, ["n", dim]),
         helper.make_tensor_value_info("k", TensorProto.INT64, [1])],
        [helper.make_tensor_value_info("top", TensorProto.FLOAT, ["n", "k"]),
         helper.make_tensor_value_info("rows", TensorProto.INT64, ["n", "k"])],
        [numpy_helper.from_array(np.ascontiguousarray(matrix.T), "codes_t")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1   # callers run in parallel; one search needs no more
    so.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
