"""Primary backend (Triton) with an optional fallback (embedded ONNX Runtime).

While the primary answers, every call goes to it. When it is unreachable (``Unavailable``: refused
connection, dead process, reset stream), the call that noticed is retried on the fallback at once,
later calls go straight to the fallback, and a probe thread asks the primary ``ready()`` every
``retry_s``; when it is back, calls return to it. Without a fallback the calls fail with
``UNAVAILABLE`` until the probe sees the primary again. Timeouts and model errors are not
failovers: a slow Triton is not a dead one, and a bad batch would fail on either backend.

    backend = FallbackBackend(TritonBackend(url), EmbeddedBackend(onnx_path))
    backend.active        # "triton", "embedded", or None when nothing can answer
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

import numpy as np

from server.backends.base import ModelBackend
from server.errors import Unavailable

log = logging.getLogger("medcoder.backend")


class FallbackBackend(ModelBackend):
    def __init__(self, primary: ModelBackend, fallback: ModelBackend | None = None, *,
                 retry_s: float = 2.0, metrics=None):
        self.primary, self.fallback, self.retry_s, self.metrics = primary, fallback, retry_s, metrics
        self._lock = threading.Lock()
        self._listeners: list[Callable[[str | None], None]] = []
        self._stop = threading.Event()
        self._active: ModelBackend | None = primary if primary.ready() else fallback
        if self._active is not primary:
            log.warning("model backend %s is not ready; calls go to %s", primary.name,
                        fallback.name if fallback else "nothing (fallback off)")
            self._count_fallback()
        self._probe = threading.Thread(target=self._probe_loop, name="medcoder-backend-probe", daemon=True)
        self._probe.start()

    @property
    def name(self) -> str:   # what answers now; "none" when nothing can
        return self._active.name if self._active is not None else "none"

    @property
    def active(self) -> str | None:
        return self._active.name if self._active is not None else None

    @property
    def names(self) -> tuple[str, ...]:
        return (self.primary.name,) + ((self.fallback.name,) if self.fallback else ())

    @property
    def dim(self) -> int:
        try:
            return self.primary.dim
        except Unavailable:
            if self.fallback is None:
                raise
            return self.fallback.dim

    def add_listener(self, fn: Callable[[str | None], None]) -> None:
        """``fn(active_name_or_None)`` after every switch, called from the switching thread."""
        self._listeners.append(fn)

    def ready(self) -> bool:
        return self._active is not None and self._active.ready()

    def infer(self, input_ids: np.ndarray, attention_mask: np.ndarray, *,
              timeout_s: float | None = None) -> np.ndarray:
        target = self._active
        if target is self.primary:
            try:
                return self.primary.infer(input_ids, attention_mask, timeout_s=timeout_s)
            except Unavailable:
                if self.metrics is not None:
                    self.metrics.backend_error(self.primary.name, "Unavailable")
                self._switch(self.fallback, reason="unreachable")
                target = self.fallback
        if target is None:
            raise Unavailable(f"model backend {self.primary.name} is unreachable and fallback is off")
        return target.infer(input_ids, attention_mask, timeout_s=timeout_s)

    def _switch(self, to: ModelBackend | None, *, reason: str) -> None:
        with self._lock:
            if self._active is to:
                return
            self._active = to
        if to is self.primary:
            log.warning("model backend %s is back; calls go to it", self.primary.name)
        else:
            log.warning("model backend %s %s; calls go to %s", self.primary.name, reason,
                        to.name if to else "nothing (fallback off): UNAVAILABLE")
            self._count_fallback()
        for fn in self._listeners:
            fn(self.active)

    def _count_fallback(self) -> None:
        if self.metrics is not None:
            self.metrics.backend_fallback(self.primary.name)

    def _probe_loop(self) -> None:
        while not self._stop.wait(self.retry_s):
            if self._active is not self.primary and self.primary.ready():
                self._switch(self.primary, reason="ready")

    def close(self) -> None:
        self._stop.set()
        self._probe.join(timeout=self.retry_s + 5)
        self.primary.close()
        if self.fallback is not None:
            self.fallback.close()
