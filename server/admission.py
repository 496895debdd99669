"""Admission control: a call is let in only when the gateway can finish it within its latency
target; the rest are refused at once with RESOURCE_EXHAUSTED and a retry hint (the
``grpc-retry-pushback-ms`` trailer, which gRPC's own retries obey), never queued without bound
(TEI's ``Overloaded``).

The estimate is Little's law done per call: the work ahead of a new call is the sum of the
expected CPU seconds of every call in flight (per RPC kind, learned from the calls that finished:
the CPU their worker thread used), and it drains at the rate the process has been finishing work
(CPU seconds of call work per wall second while busy: below 1 when the event loop's gRPC and
protobuf work, or another process on the same core, takes its share). A call whose estimated
finish, its own work included, is past ``latency_target_s`` is refused, so the calls let in are
answered within about the target and the gateway keeps a short queue rather than none.

Also refused: any call past ``max_inflight``, and (``max_queue_wait_s``) any call while the oldest
admitted call that has not started yet has waited longer than that for a worker thread.

A stream's documents are not refused: the stream reads its next document only once ``try_take``
gives it a slot (``server.servicer``), so the documents it has not read wait at the client under
HTTP/2 flow control instead of queueing in the gateway past their deadline, and a stream that
sends 8 documents at once is not refused for sharing the gateway with itself. A stream waiting for
room says so (``waiting``): the room it waits for is kept from new unary calls, which are refused
with a retry hint, so a refused caller's retry does not take the place of a document that has
waited longer (before: stream documents waited seconds between answers under overload)."""
from __future__ import annotations

import os
import random
import threading
import time
from contextlib import contextmanager

from server.errors import Overloaded

DEFAULT_COST_S = 0.03   # expected CPU seconds of a call of a kind not seen yet (a ~400-word note)
# A kind with fewer finished calls than this is let in only while fewer than PROBE_INFLIGHT calls
# of it are in flight: a replica just (re)started guesses its costs, and its first calls are its
# slowest (lazy tables); measured on a replica restarted under load, letting ~10 in on the guess
# gave answers seconds late while the client could have gone to the warm replica
LEARN_CALLS, PROBE_INFLIGHT = 3, 2
_COST_WEIGHT = 0.1      # EWMA weight of one finished call in its kind's expected cost
_DRAIN_WINDOW_S = 0.5   # busy wall seconds per drain-rate sample
_DRAIN_WEIGHT = 0.3     # EWMA weight of one sample
MIN_RETRY_AFTER_S = 0.02


class Slot:
    """One admitted call's place; ``release`` is idempotent. The servicer releases it when the
    call's work has stopped, not when the caller stopped waiting (a worker thread cannot be
    killed: a slot given back early let abandoned work pile up unseen)."""

    __slots__ = ("_admission", "_held", "_lock", "kind", "cost_s", "probe")

    def __init__(self, admission: "Admission", kind: str, cost_s: float, probe: bool = False):
        self._admission = admission
        self._held = True
        self._lock = threading.Lock()
        self.kind, self.cost_s, self.probe = kind, cost_s, probe   # probe: let in while its kind is learned

    def queued(self) -> None:
        """Its work waits for a worker thread from now."""
        self._admission._queued(self)

    def started(self) -> None:
        """Its work has a thread."""
        self._admission._started(self)

    def release(self, cpu_s: float | None = None) -> None:
        """Give the place back; ``cpu_s``: CPU seconds its work used (None: it did no work, or
        the work was cut short, so it teaches the estimate nothing)."""
        with self._lock:
            if not self._held:
                return
            self._held = False
        self._admission._started(self)
        self._admission._release(self, cpu_s)


class Waiting:
    """A stream document's claim on the next room (``Admission.waiting``); ``release`` is idempotent."""

    __slots__ = ("_admission", "_cost_s")

    def __init__(self, admission: "Admission", cost_s: float):
        self._admission, self._cost_s = admission, cost_s

    def release(self) -> None:
        if self._admission is not None:
            self._admission._unreserve(self._cost_s)
            self._admission = None


class Admission:
    """``max_inflight`` calls at most; with ``latency_target_s`` > 0, only calls the gateway is
    expected to finish within it (see the module docstring)."""

    def __init__(self, max_inflight: int, max_queue_wait_s: float = 0.0, latency_target_s: float = 0.0,
                 clock=time.monotonic):
        if max_inflight < 1:
            raise ValueError("max_inflight must be >= 1")
        if latency_target_s < 0:
            raise ValueError("latency_target_s must be >= 0")
        self.max_inflight = max_inflight
        self.max_queue_wait_s = max_queue_wait_s
        self.latency_target_s = latency_target_s
        self._clock = clock
        self._inflight = 0
        self._waiting: dict[int, float] = {}   # id(slot) -> when its work was queued (insertion order)
        self._lock = threading.Lock()
        self.rejected = 0
        self._cost: dict[str, float] = {}      # RPC kind -> expected CPU seconds of one call
        self._finished: dict[str, int] = {}    # RPC kind -> calls that taught the estimate (up to LEARN_CALLS)
        self._probing: dict[str, int] = {}     # RPC kind not yet learned -> its calls in flight
        self._ahead_s = 0.0                    # expected CPU seconds of the calls in flight
        self._drain = 1.0                      # CPU seconds of call work finished per busy wall second
        self._max_drain = float(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else 1.0
        self._busy_at: float | None = None     # when the current busy stretch was last sampled
        self._window_wall = self._window_cpu = 0.0
        self._reserved_s = 0.0                 # expected CPU seconds of the stream documents waiting for room
        self._next_turn = 0.0                  # when the next refused caller is told to come back

    @property
    def inflight(self) -> int:
        return self._inflight

    def expected_cost_s(self, kind: str) -> float:
        return self._cost.get(kind, DEFAULT_COST_S)

    @property
    def drain_rate(self) -> float:
        """CPU seconds of call work the process finishes per wall second while it has work."""
        return self._drain

    def estimated_latency_s(self, kind: str = "call") -> float:
        """Seconds a call of ``kind`` let in now is expected to take: the work ahead and its own."""
        with self._lock:
            return (self._ahead_s + self.expected_cost_s(kind)) / self._drain

    def waiting(self, kind: str = "call") -> "Waiting":
        """A stream document of ``kind`` waits for room until the returned ``Waiting`` is released:
        meanwhile unary calls leave that room to it."""
        cost = self.expected_cost_s(kind)
        with self._lock:
            self._reserved_s += cost
        return Waiting(self, cost)

    def _unreserve(self, cost_s: float) -> None:
        with self._lock:
            self._reserved_s = max(0.0, self._reserved_s - cost_s)

    def _refuse(self, kind: str, retried: bool = False) -> Overloaded:
        """The refusal, with when to come back: refused callers are given successive turns after
        the work ahead has drained (a calendar, so they do not all come back at once and be
        refused again); when that turn is further off than the latency target, or the call was
        already refused once (``retried``: it has waited its turn), the hint is "do not retry"
        (-1): the call could not be answered in time anyway, and failing it now leaves the
        gateway to the calls it can answer in time."""
        self.rejected += 1
        with self._lock:
            now = self._clock()
            own = self.expected_cost_s(kind) / self._drain
            ahead = (self._ahead_s + self._reserved_s) / self._drain
            excess = ahead + own - self.latency_target_s if self.latency_target_s else 0.0
            turn = max(now + max(excess, MIN_RETRY_AFTER_S), self._next_turn)
            if self.latency_target_s and (retried or turn - now > self.latency_target_s):
                retry_after_s = -1.0
            else:
                self._next_turn = turn + own
                retry_after_s = turn - now + own * random.uniform(0.0, 0.2)
        return Overloaded(f"server is at capacity ({self.max_inflight} calls in flight, calls waiting over "
                          f"{self.max_queue_wait_s * 1000:.0f} ms for a thread, or more work in flight than it "
                          f"finishes in {self.latency_target_s * 1000:.0f} ms); retry with backoff",
                          retry_after_s=retry_after_s)

    def _queued(self, slot: Slot) -> None:
        with self._lock:
            self._waiting[id(slot)] = self._clock()

    def _started(self, slot: Slot) -> None:
        with self._lock:
            self._waiting.pop(id(slot), None)

    def _full(self, kind: str, waited: bool = False) -> bool:   # under self._lock
        """``waited``: a stream document that has waited for room, or a call back at its turn:
        the room kept for waiting stream documents is not kept from it."""
        if self._inflight >= self.max_inflight:
            return True
        if self.max_queue_wait_s and self._waiting:
            oldest = next(iter(self._waiting.values()))   # dicts keep insertion order: the first queued
            if self._clock() - oldest > self.max_queue_wait_s:
                return True
        if self.latency_target_s:
            if self._finished.get(kind, 0) < LEARN_CALLS and self._probing.get(kind, 0) >= PROBE_INFLIGHT:
                return True
            ahead = self._ahead_s + (0.0 if waited else self._reserved_s)
            if ahead > 0 or self._inflight:   # an idle gateway takes any call
                return (ahead + self.expected_cost_s(kind)) / self._drain > self.latency_target_s
        return False

    def _release(self, slot: Slot, cpu_s: float | None) -> None:
        with self._lock:
            self._inflight -= 1
            self._ahead_s = max(0.0, self._ahead_s - slot.cost_s) if self._inflight else 0.0
            if slot.probe:
                self._probing[slot.kind] -= 1
            if cpu_s is not None:
                old = self._cost.get(slot.kind)
                self._cost[slot.kind] = cpu_s if old is None else old + _COST_WEIGHT * (cpu_s - old)
                self._finished[slot.kind] = min(LEARN_CALLS, self._finished.get(slot.kind, 0) + 1)
                self._window_cpu += cpu_s
            now = self._clock()
            if self._busy_at is not None:   # the drain rate counts busy time only: an idle gateway finishes nothing
                self._window_wall += now - self._busy_at
            self._busy_at = now if self._inflight else None
            if self._window_wall >= _DRAIN_WINDOW_S:
                rate = min(self._max_drain, max(0.05, self._window_cpu / self._window_wall))
                self._drain += _DRAIN_WEIGHT * (rate - self._drain)
                self._window_wall = self._window_cpu = 0.0

    def take(self, kind: str = "call", retried: bool = False) -> Slot:
        """A slot now, or ``Overloaded`` (with its retry hint); the caller releases it.
        ``retried``: the call comes back after a refusal (gRPC's ``grpc-previous-rpc-attempts``)."""
        slot = self.try_take(kind, waited=retried)
        if slot is None:
            raise self._refuse(kind, retried)
        return slot

    def has_room(self, kind: str = "call", waited: bool = False) -> bool:
        """``waited``: the caller is a stream document that has been ``waiting``."""
        with self._lock:
            return not self._full(kind, waited)

    def try_take(self, kind: str = "call", waited: bool = False) -> Slot | None:
        """A slot now, or None (not counted as a refusal: the caller waits and asks again)."""
        with self._lock:
            if self._full(kind, waited):
                return None
            cost = self.expected_cost_s(kind)
            self._inflight += 1
            self._ahead_s += cost
            if self._busy_at is None:
                self._busy_at = self._clock()
            probe = self._finished.get(kind, 0) < LEARN_CALLS
            if probe:
                self._probing[kind] = self._probing.get(kind, 0) + 1
        return Slot(self, kind, cost, probe)

    @contextmanager
    def admit(self, kind: str = "call"):
        slot = self.take(kind)
        try:
            yield
        finally:
            slot.release()
