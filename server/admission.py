"""Admission control: a fixed number of calls in flight; the next one is refused at once with
RESOURCE_EXHAUSTED rather than queued without bound (TEI's ``Overloaded``). Also refused: any call
while the oldest admitted call that has not started yet (it waits for a worker thread) has waited
longer than ``max_queue_wait_s``: on a machine slower than ``max_inflight`` assumes, the calls let
in would otherwise wait seconds for a thread, and a refused caller retries with backoff (the SDK
does) or goes to another replica.

A stream's documents are not refused: the stream reads its next document only once ``try_take``
gives it a slot (``server.servicer``), so the documents it has not read wait at the client under
HTTP/2 flow control instead of queueing in the gateway past their deadline, and a stream that
sends 8 documents at once is not refused for sharing the gateway with itself."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager

from server.errors import Overloaded


class Slot:
    """One admitted call's place; ``release`` is idempotent. The servicer releases it when the
    call's work has stopped, not when the caller stopped waiting (a worker thread cannot be
    killed: a slot given back early let abandoned work pile up unseen)."""

    def __init__(self, admission: "Admission"):
        self._admission = admission
        self._held = True
        self._lock = threading.Lock()

    def queued(self) -> None:
        """Its work waits for a worker thread from now."""
        self._admission._queued(self)

    def started(self) -> None:
        """Its work has a thread."""
        self._admission._started(self)

    def release(self) -> None:
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._admission._started(self)
        self._admission._release()


class Admission:
    def __init__(self, max_inflight: int, max_queue_wait_s: float = 0.0):
        if max_inflight < 1:
            raise ValueError("max_inflight must be >= 1")
        self.max_inflight = max_inflight
        self.max_queue_wait_s = max_queue_wait_s
        self._inflight = 0
        self._waiting: dict[int, float] = {}   # id(slot) -> when its work was queued (insertion order)
        self._lock = threading.Lock()
        self.rejected = 0

    @property
    def inflight(self) -> int:
        return self._inflight

    def _refuse(self) -> Overloaded:
        self.rejected += 1
        return Overloaded(f"server is at capacity ({self.max_inflight} calls in flight, or calls waiting over "
                          f"{self.max_queue_wait_s * 1000:.0f} ms for a thread); retry with backoff")

    def _queued(self, slot: Slot) -> None:
        with self._lock:
            self._waiting[id(slot)] = time.monotonic()

    def _started(self, slot: Slot) -> None:
        with self._lock:
            self._waiting.pop(id(slot), None)

    def _full(self) -> bool:   # under self._lock
        if self._inflight >= self.max_inflight:
            return True
        if self.max_queue_wait_s and self._waiting:
            oldest = next(iter(self._waiting.values()))   # dicts keep insertion order: the first queued
            return time.monotonic() - oldest > self.max_queue_wait_s
        return False

    def _release(self) -> None:
        with self._lock:
            self._inflight -= 1

    def take(self) -> Slot:
        """A slot now, or ``Overloaded``; the caller releases it."""
        slot = self.try_take()
        if slot is None:
            raise self._refuse()
        return slot

    def has_room(self) -> bool:
        with self._lock:
            return not self._full()

    def try_take(self) -> Slot | None:
        """A slot now, or None (not counted as a refusal: the caller waits and asks again)."""
        with self._lock:
            if self._full():
                return None
            self._inflight += 1
        return Slot(self)

    @contextmanager
    def admit(self):
        slot = self.take()
        try:
            yield
        finally:
            slot.release()
