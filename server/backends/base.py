"""The one interface every model backend implements, and the deadline a call inherits.

A backend takes tokenised rows (``input_ids``/``attention_mask`` int64 [n, T]) and returns the
mention embedding float32 [n, dim], one unit row per input row, in order. What runs the graph
(ONNX Runtime in this process, Triton over gRPC) is the backend's business; the tokenizer and the
code index stay in the gateway (``server.backends.phrases``, ``server.models.CodeIndex``).
"""
from __future__ import annotations

import abc
import contextvars
import time
from contextlib import contextmanager

import numpy as np

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("medcoder_deadline", default=None)


class ModelBackend(abc.ABC):
    """``name`` is what health, metrics and logs call it ("embedded", "triton")."""

    name: str = "backend"

    @property
    @abc.abstractmethod
    def dim(self) -> int:
        """Width of the returned embedding rows."""

    @abc.abstractmethod
    def infer(self, input_ids: np.ndarray, attention_mask: np.ndarray, *,
              timeout_s: float | None = None) -> np.ndarray:
        """float32 [n, dim] for n rows. Raises ``Unavailable`` when the backend cannot answer and
        ``BackendTimeout`` when it did not answer within ``timeout_s``."""

    @abc.abstractmethod
    def ready(self) -> bool:
        """True when a call now would be answered (cheap; used by health and the fallback probe)."""

    def close(self) -> None:
        """Release threads, sessions and connections; idempotent."""


@contextmanager
def deadline_in(seconds: float | None):
    """Every backend call made inside (in this context, or a copy of it handed to a worker
    thread) gets at most ``seconds`` from now: the gRPC caller's deadline reaches Triton."""
    token = _DEADLINE.set(None if seconds is None else time.monotonic() + max(0.0, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining_s(default_s: float | None) -> float | None:
    """Seconds left before the caller's deadline, capped by ``default_s`` (None: no limit)."""
    deadline = _DEADLINE.get()
    if deadline is None:
        return default_s
    left = max(0.0, deadline - time.monotonic())
    return left if default_s is None else min(left, default_s)
