"""Admission control: a fixed number of calls in flight; the next one is refused at once with
RESOURCE_EXHAUSTED rather than queued without bound (TEI's ``Overloaded``).

A stream's documents wait briefly for a slot instead (``admit_waiting``): the stream already
bounds what it has in flight by its window, so the wait is bounded too, and a stream that sends
8 documents at once is not refused for sharing the gateway with itself."""
from __future__ import annotations

import asyncio
import threading
import time
from contextlib import asynccontextmanager, contextmanager

from server.errors import Overloaded


class Admission:
    def __init__(self, max_inflight: int):
        if max_inflight < 1:
            raise ValueError("max_inflight must be >= 1")
        self.max_inflight = max_inflight
        self._inflight = 0
        self._lock = threading.Lock()
        self.rejected = 0

    @property
    def inflight(self) -> int:
        return self._inflight

    @contextmanager
    def admit(self):
        with self._lock:
            if self._inflight >= self.max_inflight:
                self.rejected += 1
                raise Overloaded(f"server is at capacity ({self.max_inflight} calls in flight); retry with backoff")
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1

    @asynccontextmanager
    async def admit_waiting(self, timeout_s: float):
        """Like ``admit`` but waits up to ``timeout_s`` for a slot before refusing."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if self._inflight < self.max_inflight:
                    self._inflight += 1
                    break
                if time.monotonic() >= deadline:
                    self.rejected += 1
                    raise Overloaded(f"server is at capacity ({self.max_inflight} calls in flight); retry with backoff")
            await asyncio.sleep(0.005)
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1
