"""Phrases -> unit embedding rows, through any ``ModelBackend``.

The fast tokenizer encodes every phrase of a call at once (``encode_batch``); each row is padded
to the smallest length bucket that holds it, so two notes' 9-token and 12-token phrases are both
[n, 16] and Triton's dynamic batcher (or the embedded queue) can merge them. One backend call per
bucket (sliced at ``max_batch_rows``, the model's ``max_batch_size``); rows come back in the
caller's order.

Phrases repeat across notes ("abdominal pain", "left kidney"); ``cache_rows`` keeps the vectors of
the most recently used phrases (least recently used dropped first; 128 floats each, so 50,000
rows are ~26 MB), and only the phrases not in it go to the backend. The cache lives in this
process's memory only; it is never written out or logged. A cached vector is the one the phrase
got the first time, in that call's company (the int8 graph moves rows slightly with their batch:
docs/serving.md), so a repeated phrase now always gets the same vector.

    embedder = PhraseEmbedder(model_dir / "tokenizer.json", EmbeddedBackend(model_dir / "1/model.onnx"))
    embedder.embed_mentions(["tumefaction of the left testicle"])    # float32 [1, 128], unit rows

It is the one embedding path: the gateway and the offline tools (evaluation, fusion training, the
code index) get it from ``server.models.CodeLinker.load`` / ``server.models.linker.open_embedder``.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Sequence

import numpy as np

from server.backends.base import ModelBackend, remaining_s
from server.models.encoder import MAX_BATCH_ROWS, pad_rows
from server.models.errors import ModelArtifactError

DEFAULT_BUCKETS = (16, 32, 64)


class PhraseEmbedder:
    def __init__(self, tokenizer_path: Path, backend: ModelBackend, buckets: Sequence[int] = DEFAULT_BUCKETS,
                 *, max_batch_rows: int = MAX_BATCH_ROWS, timeout_s: float | None = 10.0, cache_rows: int = 0,
                 metrics=None, owns_backend: bool = False):
        """``timeout_s``: the most one backend call may take; a gRPC caller's earlier deadline
        (``server.backends.base.deadline_in``) shortens it. ``owns_backend``: ``close`` closes it."""
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
        self.owns_backend = owns_backend
        self.max_batch_rows = max_batch_rows
        self.timeout_s = timeout_s
        self.metrics = metrics
        self.dim = backend.dim
        self.cache_rows = max(0, int(cache_rows))
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.cache_hits = self.cache_lookups = 0

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
        todo = self._from_cache(texts, out)
        if todo:
            for rows, ids, mask in self.tokenize([texts[i] for i in todo]).values():
                for s in range(0, len(rows), self.max_batch_rows):
                    part = [todo[r] for r in rows[s:s + self.max_batch_rows]]
                    v = self._infer(ids[s:s + self.max_batch_rows], mask[s:s + self.max_batch_rows])
                    norms = np.linalg.norm(v, axis=1, keepdims=True)
                    out[part] = v / np.where(norms > 0, norms, 1.0)
            self._to_cache(texts, todo, out)
        return out

    def warm(self) -> None:
        """One backend run at each bucket width, outside the cache and the metrics: the first
        call's session arenas (or Triton's instances) are made here, not in a request, and no
        phrase's vector depends on the warm-up."""
        tokens = self._tokenizer.encode("heart failure").ids
        for width in self.buckets:
            ids, mask = pad_rows([tokens], width)
            self.backend.infer(ids, mask, timeout_s=self.timeout_s)

    def clear_cache(self) -> None:
        """Forget every cached vector (after the gateway's warm-up note: no served phrase keeps
        the vector it got in the warm-up's company)."""
        with self._cache_lock:
            self._cache.clear()

    def close(self) -> None:
        if self.owns_backend:
            self.backend.close()

    def _from_cache(self, texts: Sequence[str], out: np.ndarray) -> list[int]:
        """Fill ``out`` with the cached rows; the positions still to embed (each wording once:
        a later duplicate in the same call is copied by ``_to_cache``)."""
        if not self.cache_rows:
            return list(range(len(texts)))
        todo, first = [], {}
        with self._cache_lock:
            for i, t in enumerate(texts):
                v = self._cache.get(t)
                if v is not None:
                    self._cache.move_to_end(t)
                    out[i] = v
                elif first.setdefault(t, i) == i:
                    todo.append(i)
            hits = len(texts) - len(first)
            self.cache_lookups += len(texts)
            self.cache_hits += hits
        if self.metrics is not None:
            self.metrics.phrase_cache(len(texts), hits)
        return todo

    def _to_cache(self, texts: Sequence[str], todo: list[int], out: np.ndarray) -> None:
        if not self.cache_rows:
            return
        done = {texts[i]: i for i in todo}
        with self._cache_lock:
            for t, i in done.items():
                self._cache[t] = out[i].copy()
            while len(self._cache) > self.cache_rows:
                self._cache.popitem(last=False)
        for i, t in enumerate(texts):          # repeats within the call
            if done.get(t, i) != i:
                out[i] = out[done[t]]

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
