"""Review storage figures: what the per-tenant quota check costs per kept encounter as a tenant's
store grows (against keeping without a quota, on the same file, in the same run), and how long a
full disk takes to show in health and to clear once space returns (the probe).

    python -m benchmarks.bench_review_storage
"""
from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from server.review.log import ReviewLog, now
from server.review.storage import StorageWatch

NOTE = "Assessment: acute on chronic systolic heart failure; type 2 diabetes mellitus. " * 25   # ~2 KB
RESULT = {"codes": [{"code": "I50.23"}, {"code": "E11.9"}]}
KEEPS = 200


def _fill(log: ReviewLog, tenant: str, n: int) -> None:
    """``n`` stored encounters in one transaction (setup only: the figures below are per call)."""
    with log.db.transaction():
        for i in range(n):
            log.db.execute("INSERT INTO encounters (encounter_id, tenant_id, coded_at, text, result, stored_bytes) "
                           "VALUES (?,?,?,?,?,?)", (f"{tenant}-{i}", tenant, now(), NOTE, "{}", len(NOTE) + 2))
        log.db.execute("INSERT INTO tenant_usage VALUES (?, ?)", (tenant, n * (len(NOTE) + 2)))


def _keep_ms(log: ReviewLog, tenant: str, quotas: tuple[int, ...]) -> list[float]:
    """Median ms per kept encounter for each quota setting, calls interleaved so drift cancels."""
    times: list[list[float]] = [[] for _ in quotas]
    for i in range(KEEPS):
        for j, quota in enumerate(quotas):
            log.tenant_quota_bytes = quota
            t0 = time.perf_counter()
            log.store_encounter(f"k{j}-{i}", tenant, NOTE, RESULT)
            times[j].append(time.perf_counter() - t0)
    return [statistics.median(t) * 1000 for t in times]


def _sum_ms(log: ReviewLog, tenant: str) -> float:
    """The alternative the quota does not use: a sum over the tenant's encounters per call."""
    t0 = time.perf_counter()
    for _ in range(20):
        log.db.query("SELECT SUM(stored_bytes) FROM encounters WHERE tenant_id = ?", (tenant,))
    return (time.perf_counter() - t0) / 20 * 1000


def quota_cost() -> None:
    print(f"keep one ~2 KB encounter (median of {KEEPS}; synchronous=OFF so the disk's fsync time, "
          f"which dwarfs both, does not hide the check):")
    print(f"{'stored in tenant':>17} {'no quota ms':>12} {'quota ms':>9} {'ratio':>6} {'sum-per-call ms':>16}")
    for n in (1_000, 10_000, 50_000):
        with tempfile.TemporaryDirectory() as d:
            log = ReviewLog(Path(d) / "review.sqlite3")
            log.db.execute("PRAGMA synchronous=OFF")
            _fill(log, "t", n)
            base, quota = _keep_ms(log, "t", (0, 1 << 40))
            summed = _sum_ms(log, "t")
            log.close()
        print(f"{n:>17,} {base:>12.3f} {quota:>9.3f} {quota / base:>6.2f} {summed:>16.3f}")


def fault_cycle(probe_every_s: float) -> tuple[float, float]:
    """Seconds from the first refused write to health NOT_SERVING, and from space returning to SERVING."""
    with tempfile.TemporaryDirectory() as d:
        log = ReviewLog(Path(d) / "review.sqlite3")
        watch = StorageWatch(log.probe, d, probe_every_s=probe_every_s)
        log.db.on_fault, log.on_full = watch.fault, watch.needs
        flips: list[tuple[bool, float]] = []
        flipped = threading.Event()
        watch.add_listener(lambda ok: (flips.append((ok, time.perf_counter())), flipped.set()))
        pages = log.db.query("PRAGMA page_count")[0]["page_count"]
        log.db.set_max_bytes(pages * 4096)
        t0 = time.perf_counter()
        try:
            log.store_encounter("big", "t", NOTE * 20, RESULT)
        except Exception:  # noqa: BLE001 - the StorageFull this measures
            pass
        flipped.wait(5)
        to_fault = flips[-1][1] - t0
        flipped.clear()
        t1 = time.perf_counter()
        log.db.set_max_bytes(1 << 30)
        flipped.wait(10)
        to_recover = flips[-1][1] - t1
        watch.stop()
        log.close()
    return to_fault, to_recover


def main() -> None:
    quota_cost()
    print("\nfull disk: time to health NOT_SERVING, and to SERVING once space returns:")
    for every in (1.0, 0.2):
        to_fault, to_recover = fault_cycle(every)
        print(f"  probe every {every:.1f} s: NOT_SERVING after {to_fault * 1000:.2f} ms, "
              f"SERVING again after {to_recover:.2f} s ({to_recover / every:.2f} probe periods)")


if __name__ == "__main__":
    main()
