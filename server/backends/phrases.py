"""Phrases -> unit embedding rows, through any ``ModelBackend``.

The fast tokenizer encodes every phrase of a call at once (``encode_batch``); each row is padded
to the smallest length bucket that holds it, so two notes' 9-token and 12-token phrases are both
[n, 16] and Triton's dynamic batcher (or the embedded queue) can merge them. One backend call per
bucket (sliced at ``max_batch_rows``, the model's ``max_batch_size``); rows come back in the
caller's order.

    embedder = PhraseEmbedder(model_dir / "tokenizer.json", EmbeddedBackend(model_dir / "1/model.onnx"))
    linker = CodeLinker(embedder, CodeIndex.load(model_dir / "code_index.npz"))
    linker.link(["tumefaction of the left testicle"], k=3)
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Sequence

import numpy as np

from server.backends.base import ModelBackend, remaining_s
from server.models.encoder import pad_rows
from server.models.errors import ModelArtifactError

DEFAULT_BUCKETS = (16, 32, 64)


class PhraseEmbedder:
    def __init__(self, tokenizer_path: Path, backend: ModelBackend, buckets: Sequence[int] = DEFAULT_BUCKETS,
                 *, max_batch_rows: int = 64, timeout_s: float | None = 10.0, metrics=None):
        """``timeout_s``: the most one backend call may take; a gRPC caller's earlier deadline
        (``server.backends.base.deadline_in``) shortens it."""
        from tokenizers import Tokenizer

        if not Path(tokenizer_path).is_file():
            raise ModelArtifactError(f"model artifact missing: {Path(tokenizer_path).name}")
        if not buckets or list(buckets) != sorted(set(buckets)) or buckets[0] < 2:
            raise ValueError("buckets must be distinct increasing widths >= 2")
        self.buckets = tuple(int(b) for b in buckets)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.buckets[-1])   # keeps [CLS] ... [SEP]
        self.backend = backend
        self.max_batch_rows = max_batch_rows
        self.timeout_s = timeout_s
        self.metrics = metrics
        self.dim = backend.dim

    def bucket_of(self, n_tokens: int) -> int:
        return next(b for b in self.buckets if n_tokens <= b)

    def tokenize(self, texts: Sequence[str]) -> dict[int, tuple[list[int], np.ndarray, np.ndarray]]:
        """{bucket width: (caller rows, input_ids [n, width], attention_mask [n, width])}."""
        groups: dict[int, list[tuple[int, list[int]]]] = {}
        for row, enc in enumerate(self._tokenizer.encode_batch(list(texts))):
            groups.setdefault(self.bucket_of(len(enc.ids)), []).append((row, enc.ids))
        out = {}
        for width, members in sorted(groups.items()):
            ids, mask = pad_rows([tok for _, tok in members], width)
            out[width] = ([row for row, _ in members], ids, mask)
        return out

    def embed_mentions(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text, in the order given."""
        out = np.zeros((len(texts), self.dim), np.float32)
        if not len(texts):
            return out
        for rows, ids, mask in self.tokenize(texts).values():
            for s in range(0, len(rows), self.max_batch_rows):
                out[rows[s:s + self.max_batch_rows]] = self._infer(ids[s:s + self.max_batch_rows],
                                                                   mask[s:s + self.max_batch_rows])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def _infer(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        backend = self.backend
        name = backend.name   # before the call: a failover renames a FallbackBackend
        t0 = time.perf_counter()
        try:
            out = backend.infer(ids, mask, timeout_s=remaining_s(self.timeout_s))
        except Exception as e:
            if self.metrics is not None:
                self.metrics.backend_call(name, len(ids), time.perf_counter() - t0, error=type(e).__name__)
            raise
        if self.metrics is not None:
            self.metrics.backend_call(getattr(backend, "name", name), len(ids), time.perf_counter() - t0)
        return out
