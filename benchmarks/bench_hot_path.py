"""Per-call CPU the serving hot path saves, each against the old way measured in the same run:
a code description read through the memoryview (``rules_native.codesets.store.Strings``) against
a slice of the numpy.memmap it wraps, and a pipeline ``checkpoint()`` (clocks read every 8th)
against ``CallBudget.check()`` (both clocks every time); then how many of each a ~400-word note
makes and what coding one costs, so the saving per note reads as a share of it.

    python -m benchmarks.bench_hot_path
"""
from __future__ import annotations

import random
import time
import timeit


def _per_call_ns(fn, n: int) -> float:
    return min(timeit.repeat(fn, number=n, repeat=5)) / n * 1e9


def _descriptions() -> tuple[float, float]:
    from rules_native.codesets import load_icd10cm

    cm = load_icd10cm()
    strings = cm._desc
    ids = list(range(0, len(strings), max(1, len(strings) // 500)))

    def new():
        for i in ids:
            strings[i]

    def old():   # what Strings.__getitem__ did: slice the memmap, copy to bytes, decode
        blob, offsets = strings._blob, strings._offsets
        for i in ids:
            blob[offsets[i]:offsets[i + 1] - 1].tobytes().decode("utf-8")

    return _per_call_ns(new, 20) / len(ids), _per_call_ns(old, 20) / len(ids)


def _checkpoints() -> tuple[float, float]:
    from server import budget

    b = budget.CallBudget(deadline_s=60, cpu_s=60)
    with b.running():
        return _per_call_ns(budget.checkpoint, 200_000), _per_call_ns(b.check, 200_000)


def _per_note() -> dict[str, float]:
    """Descriptions read, checkpoints passed and CPU ms of one ~400-word note (one thread)."""
    from loadtest.workload import load_notes, parse_words
    from rules_native.codesets import store
    from server import budget
    from server.config import load_config
    from server.domain import Setting, SourceFormat
    from server.engine import Engine

    notes = load_notes(None, words=parse_words("300-500"))
    engine = Engine(load_config(), with_review_log=False)
    for n in notes[:5]:
        engine.code(n.encode())
    sample = [random.Random(1).choice(notes) for _ in range(100)]
    reads = [0]
    get = store.Strings.__getitem__

    def counted_get(self, i):
        reads[0] += 1
        return get(self, i)

    store.Strings.__getitem__ = counted_get
    checks = 0
    try:
        for n in sample[:20]:
            with budget.CallBudget(cpu_s=60).running() as b:   # the call's budget: its checkpoints count here
                engine.code(n.encode(), fmt=SourceFormat.TEXT, setting=Setting.INPATIENT)
            checks += b._ticks
    finally:
        store.Strings.__getitem__ = get
    counts = {"reads": reads[0], "checks": checks}
    t0 = time.thread_time()
    for n in sample:
        engine.code(n.encode(), fmt=SourceFormat.TEXT, setting=Setting.INPATIENT)
    cpu_ms = (time.thread_time() - t0) / len(sample) * 1e3
    engine.close()
    return {"reads": counts["reads"] / 20, "checks": counts["checks"] / 20, "cpu_ms": cpu_ms}


def main() -> None:
    read_new, read_old = _descriptions()
    tick_new, tick_old = _checkpoints()
    print(f"description read: {read_new:.0f} ns (memoryview) vs {read_old:.0f} ns (memmap slice): "
          f"{read_old / read_new:.1f}x")
    print(f"checkpoint: {tick_new:.0f} ns (clocks every 8th) vs {tick_old:.0f} ns (clocks every time): "
          f"{tick_old / tick_new:.1f}x")
    note = _per_note()
    saved_ms = (note["reads"] * (read_old - read_new) + note["checks"] * (tick_old - tick_new)) / 1e6
    print(f"per ~400-word note: {note['reads']:.0f} description reads, {note['checks']:.0f} checkpoints, "
          f"{note['cpu_ms']:.1f} CPU ms to code now; the old reads and checkpoints would add {saved_ms:.1f} ms "
          f"({saved_ms / note['cpu_ms'] * 100:.0f}% more)")


if __name__ == "__main__":
    main()
