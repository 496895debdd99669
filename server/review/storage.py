"""Whether the review database takes writes now, and finding out on its own when it does again.

The database layer (``server.review.db``) types a full disk, a read-only file or an I/O error as a
``StorageError`` and tells the watch. The first one flips it to *faulted*: one log line names the
path and the cause, and the listeners hear it (the gateway turns its ``medcoder.review`` health
service NOT_SERVING). While faulted, a probe thread writes and removes a row at least as large as
the largest write that failed (``ReviewLog.probe``) every ``probe_every_s``; the first probe that
commits flips the watch back, with one more log line, and the listeners hear that too.

Writes are not refused up front while faulted: each one is still tried, so a decision that fits
is stored (and acknowledged), and one that does not gets the typed error. Health says whether the
store is known good, not whether one small row might fit.

    watch = StorageWatch(review_log.probe, "/var/lib/medcoder/decisions.sqlite3")
    review_log.db.on_fault = watch.fault
    watch.add_listener(lambda ok: print("review writes", "SERVING" if ok else "NOT_SERVING"))
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from server.errors import StorageError

log = logging.getLogger("medcoder.review.storage")
PROBE_MIN_BYTES = 64 * 1024
PROBE_MAX_BYTES = 8 << 20


class StorageWatch:
    """Faulted or not, the cause, and a probe that ends the fault. Thread-safe."""

    def __init__(self, probe: Callable[[int], None], where: str, *, probe_every_s: float = 1.0):
        self._probe, self.where, self.probe_every_s = probe, where, probe_every_s
        self._lock = threading.Lock()
        self._listeners: list[Callable[[bool], None]] = []
        self._fault: StorageError | None = None
        self._since = 0.0
        self._wanted_bytes = PROBE_MIN_BYTES
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def ok(self) -> bool:
        return self._fault is None

    @property
    def cause(self) -> str:
        fault = self._fault
        return fault.cause if fault is not None else ""

    def add_listener(self, fn: Callable[[bool], None]) -> None:
        """``fn(ok)`` on every flip, from the thread that saw it (keep it short and non-blocking)."""
        self._listeners.append(fn)

    def needs(self, nbytes: int) -> None:
        """A write of ``nbytes`` failed: the probe must fit at least that much before the fault ends."""
        with self._lock:
            self._wanted_bytes = min(PROBE_MAX_BYTES, max(self._wanted_bytes, int(nbytes)))

    def fault(self, err: StorageError) -> None:
        """The database refused an operation for a storage reason (called by the database layer)."""
        with self._lock:
            if self._fault is not None or self._stopping.is_set():
                return
            self._fault, self._since = err, time.monotonic()
            self._thread = threading.Thread(target=self._probe_until_ok, name="medcoder-review-storage-probe",
                                            daemon=True)
            self._thread.start()
        # the one line for this fault: path and cause, never a statement or its arguments
        log.error("review database %s: %s; review writes are refused (health medcoder.review NOT_SERVING) "
                  "and probed every %.1f s until they succeed", err.path or self.where, err.cause,
                  self.probe_every_s)
        self._tell(False)

    def _probe_until_ok(self) -> None:
        while not self._stopping.wait(self.probe_every_s):
            with self._lock:
                nbytes = self._wanted_bytes
            try:
                self._probe(nbytes)
            except StorageError:
                continue        # still faulted; the database layer already knows
            except Exception as e:  # noqa: BLE001 - a probe must never end the watch
                log.debug("review storage probe failed: %s", type(e).__name__)
                continue
            with self._lock:
                fault, self._fault = self._fault, None
                self._wanted_bytes, self._thread = PROBE_MIN_BYTES, None
            log.warning("review database %s takes writes again after %.1f s (%s); health medcoder.review SERVING",
                        self.where, time.monotonic() - self._since, fault.cause if fault else "")
            self._tell(True)
            return

    def _tell(self, ok: bool) -> None:
        for fn in list(self._listeners):
            try:
                fn(ok)
            except Exception as e:  # noqa: BLE001 - one listener's failure must not hide the flip from others
                log.error("storage listener failed: %s", type(e).__name__)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
