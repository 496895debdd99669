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


class Slot:
    """One admitted call's place; ``release`` is idempotent. The servicer releases it when the
    call's work has stopped, not when the caller stopped waiting (a worker thread cannot be
    killed: a slot given back early let abandoned work pile up unseen)."""

    def __init__(self, admission: "Admission"):
        self._admission = admission
        self._held = True
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._admission._release()


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

    def _refuse(self) -> Overloaded:
        self.rejected += 1
        return Overloaded(f"server is at capacity ({self.max_inflight} calls in flight); retry with backoff")

    def _release(self) -> None:
        with self._lock:
            self._inflight -= 1

    def take(self) -> Slot:
        """A slot now, or ``Overloaded``; the caller releases it."""
        with self._lock:
            if self._inflight >= self.max_inflight:
                raise self._refuse()
            self._inflight += 1
        return Slot(self)

    async def take_waiting(self, timeout_s: float) -> Slot:
        """Like ``take`` but waits up to ``timeout_s`` for a slot before refusing."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if self._inflight < self.max_inflight:
                    self._inflight += 1
                    return Slot(self)
                if time.monotonic() >= deadline:
                    raise self._refuse()
            await asyncio.sleep(0.005)

    @contextmanager
    def admit(self):
        slot = self.take()
        try:
            yield
        finally:
            slot.release()

    @asynccontextmanager
    async def admit_waiting(self, timeout_s: float):
        """Like ``admit`` but waits up to ``timeout_s`` for a slot before refusing."""
        slot = await self.take_waiting(timeout_s)
        try:
            yield
        finally:
            slot.release()
