"""Code linking: a mention's embedding against the shipped code-description matrix.

    linker = CodeLinker.load()
    linker.link(["CHF", "DM2 w/ CKD"], k=3)
    # [[("I50.9", 0.83), ("I50.20", 0.78), ...], [("E11.22", 0.81), ...]]

There is one embedding path, for the gateway and the offline tools (evaluation, fusion training,
the code index) alike: ``server.backends.PhraseEmbedder`` (16/32/64-token buckets) on a
``ModelBackend``. The int8 graph's rows move with their padding and company, so a second path
would hand the fusion features the server never produces. ``CodeLinker.load`` builds it: on the
gateway's backend (embedded or Triton), or on an in-process ``EmbeddedBackend`` of its own.

The encoder call is the only model call per request; the matrix product is ONNX Runtime's. Codes
are ICD-10-CM rows without the 7th character (S72.001 for "fracture of neck of right femur"): the
encounter character is the rules' decision, not the embedding's.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.models.code_index import CodeIndex
from server.models.encoder import MAX_BATCH_ROWS
from server.models.errors import ModelArtifactError

REPOSITORY = Path(__file__).resolve().parents[2] / "model_repository"
MODEL_NAME = "code_linker"
TOKENIZER_FILE = "tokenizer.json"
INDEX_FILE = "code_index.npz"


def default_model_dir() -> Path:
    """``model_repository/code_linker``: 1/model.onnx, tokenizer.json, code_index.npz."""
    return REPOSITORY / MODEL_NAME


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_same_model(recorded_sha256: str, onnx_path: Path, artifact: str) -> None:
    """Refuse an artifact (``code_index.npz``, ``heads.npz``) that records the sha256 of another
    ``model.onnx`` than the one it would run with; an empty record is not checked (a baseline)."""
    if recorded_sha256 and recorded_sha256 != file_sha256(onnx_path):
        raise ModelArtifactError(f"{artifact} was built with a different model.onnx")


@dataclass(frozen=True)
class LinkerOptions:
    """How ``CodeLinker.load`` runs the phrase embedder. ``max_batch_rows`` is the backend's row
    limit per run; ``timeout_s`` bounds one backend call (a gRPC caller's earlier deadline wins);
    ``cache_rows`` keeps recent phrases' vectors (0: off, so a note's features depend on that
    note alone, as offline tools want); ``intra_op_threads`` and ``max_delay_ms`` apply to the
    embedded backend ``load`` starts when it is given none."""
    max_batch_rows: int = MAX_BATCH_ROWS
    timeout_s: float | None = 10.0
    cache_rows: int = 0
    intra_op_threads: int = 1
    max_delay_ms: float = 2.0


def open_embedder(onnx_path: Path, tokenizer_path: Path, backend=None,
                  options: LinkerOptions = LinkerOptions(), metrics=None):
    """The phrase embedder every caller uses: ``server.backends.PhraseEmbedder`` on ``backend``,
    or on an in-process ``EmbeddedBackend`` of ``onnx_path`` when ``backend`` is None (the
    embedder then owns it: ``embedder.close()`` stops it)."""
    from server.backends.embedded import BatchOptions, EmbeddedBackend
    from server.backends.phrases import DEFAULT_BUCKETS, PhraseEmbedder

    for p in (onnx_path, tokenizer_path):
        if not Path(p).is_file():
            raise ModelArtifactError(f"model artifact missing: {Path(p).name}")
    owned = backend is None
    if owned:
        backend = EmbeddedBackend(onnx_path, BatchOptions(max_batch_rows=options.max_batch_rows,
                                                          max_delay_ms=options.max_delay_ms,
                                                          intra_op_threads=options.intra_op_threads))
    try:
        return PhraseEmbedder(tokenizer_path, backend, DEFAULT_BUCKETS, max_batch_rows=options.max_batch_rows,
                              timeout_s=options.timeout_s, cache_rows=options.cache_rows, metrics=metrics,
                              owns_backend=owned)
    except BaseException:
        if owned:
            backend.close()
        raise


class CodeLinker:
    def __init__(self, encoder, index: CodeIndex):
        """``encoder``: a ``PhraseEmbedder`` (``embed_mentions``, ``dim``)."""
        if encoder.dim != index.dim:
            raise ModelArtifactError("encoder and code index dimensions differ")
        self.encoder = encoder
        self.index = index

    @classmethod
    def load(cls, model_dir: Path | None = None, options: LinkerOptions = LinkerOptions(), *,
             backend=None, metrics=None, version: int = 1) -> "CodeLinker":
        """The serving path on ``backend`` (the gateway's), or on an embedded backend of its own
        (offline tools: ``close`` stops it). Refuses a matrix written by a different encoder."""
        d = Path(model_dir) if model_dir is not None else default_model_dir()
        onnx_path = d / str(version) / "model.onnx"
        if not onnx_path.is_file():
            raise ModelArtifactError(f"model artifact missing: {onnx_path.name}")
        index = CodeIndex.load(d / INDEX_FILE)
        check_same_model(index.model_sha256, onnx_path, INDEX_FILE)
        encoder = open_embedder(onnx_path, d / TOKENIZER_FILE, backend, options, metrics)
        try:
            return cls(encoder, index)
        except BaseException:
            encoder.close()
            raise

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

    def warm(self) -> None:
        """One run at each bucket width (session arenas, Triton's model instances), cached nowhere:
        a phrase's vector never depends on the warm-up."""
        self.encoder.warm()
        self.nearest_codes(np.zeros((1, self.index.dim), np.float32), 1)

    def close(self) -> None:
        """Stops the embedded backend ``load`` started; a backend given to ``load`` is the giver's."""
        self.encoder.close()
