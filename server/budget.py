"""The work one call may do: its deadline, its CPU budget and its cancellation.

Python cannot stop a thread from outside, so the stop is cooperative: the servicer opens a
``CallBudget`` in the worker thread that codes the document (``CallBudget.running``), and the
engine and the pipeline call ``checkpoint()`` between stages and inside their long loops. The
first checkpoint after the caller's deadline raises ``DeadlineExceeded``; after the call has used
its CPU budget (``Config.call_cpu_budget_s``, CPU seconds of the coding thread) ``BudgetExceeded``;
after ``cancel()`` (the caller went away, the server is draining) ``Cancelled``. Outside a budget
``checkpoint()`` costs one context-variable read; inside one, a cancellation is seen at the next
checkpoint and the clocks are read at every ``CLOCK_EVERY``-th (a note passes ~1,400 checkpoints
in ~30 ms, and two clock reads at each were ~5% of its CPU).
"""
from __future__ import annotations

import contextvars
import threading
import time
from contextlib import contextmanager

from server.errors import BudgetExceeded, Cancelled, DeadlineExceeded

CLOCK_EVERY = 8   # checkpoints between clock reads: microseconds apart, far below any deadline
_CURRENT: contextvars.ContextVar["CallBudget | None"] = contextvars.ContextVar("medcoder_budget", default=None)


class CallBudget:
    """``deadline_s``: seconds from now the caller waits (None: no deadline); ``cpu_s``: CPU
    seconds the call may use (None or 0: no limit)."""

    def __init__(self, deadline_s: float | None = None, cpu_s: float | None = None):
        self.deadline = None if deadline_s is None else time.monotonic() + max(0.0, deadline_s)
        self.cpu_s = cpu_s or None
        self._cpu0: float | None = None
        self._cancelled = threading.Event()
        self._why = ""
        self._ticks = 0

    def cancel(self, why: str = "the call was cancelled") -> None:
        """Stop the call at its next checkpoint (from any thread)."""
        self._why = why or "the call was cancelled"   # a set reason is what checkpoint() looks at
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def left_s(self) -> float | None:
        """Seconds before the deadline (None: no deadline)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def check(self) -> None:
        """Raise if the call must stop now (see the module docstring)."""
        if self._cancelled.is_set():
            raise Cancelled(f"{self._why}; nothing was stored")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineExceeded("the call's deadline passed before coding finished; nothing was stored")
        if self.cpu_s is not None and self._cpu0 is not None and time.thread_time() - self._cpu0 > self.cpu_s:
            raise BudgetExceeded(f"the document needs more than the per-call CPU budget ({self.cpu_s:g} s); "
                                 "nothing was stored. Send it in parts, or raise MEDCODER_CALL_CPU_BUDGET_S")

    @contextmanager
    def running(self):
        """Make this the budget of the calling thread's work (its CPU is counted from here)."""
        self._cpu0 = time.thread_time()
        token = _CURRENT.set(self)
        try:
            self.check()   # a call cancelled or out of time while it waited for a thread does nothing
            yield self
        finally:
            _CURRENT.reset(token)


def checkpoint() -> None:
    """Stop here if the current call was cancelled, or (read every ``CLOCK_EVERY`` checkpoints)
    its deadline passed or its CPU budget is spent."""
    budget = _CURRENT.get()
    if budget is not None:
        budget._ticks += 1
        if not budget._ticks % CLOCK_EVERY or budget._why:
            budget.check()


def current() -> CallBudget | None:
    return _CURRENT.get()


@contextmanager
def at_most(cpu_s: float | None):
    """The calling thread's work under a CPU budget, unless a call's budget is already running
    (the servicer's, with the caller's deadline): ``medcoder code`` in-process is bounded too."""
    if _CURRENT.get() is not None or not cpu_s:
        yield
        return
    with CallBudget(cpu_s=cpu_s).running():
        yield
