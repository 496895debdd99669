"""Model backends: where the code linker's encoder runs.

``ModelBackend`` is the one interface (``infer(input_ids, attention_mask, *, timeout_s)``,
``ready()``, ``close()``); ``EmbeddedBackend`` runs ONNX Runtime in-process behind one batching
queue, ``TritonBackend`` calls Triton over gRPC, ``FallbackBackend`` keeps coding on the embedded
one while Triton is unreachable. ``PhraseEmbedder`` tokenises phrases into length buckets for any
of them and is what ``server.models.CodeLinker`` takes as its encoder. See docs/serving.md.
"""
from server.backends.base import ModelBackend, deadline_in, remaining_s
from server.backends.embedded import BatchOptions, EmbeddedBackend
from server.backends.errors import BackendError, BackendTimeout
from server.backends.fallback import FallbackBackend
from server.backends.phrases import DEFAULT_BUCKETS, PhraseEmbedder
from server.backends.triton_backend import TritonBackend

__all__ = ["BackendError", "BackendTimeout", "BatchOptions", "DEFAULT_BUCKETS", "EmbeddedBackend",
           "FallbackBackend", "ModelBackend", "PhraseEmbedder", "TritonBackend", "deadline_in", "remaining_s"]
