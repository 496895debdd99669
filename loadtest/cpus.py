"""CPU sets for an honest load test: the gateway, the in-process baseline and the load generator.

On a small machine the load generator competes with the gateway for cores, and the efficiency
figure (end-to-end / model-only) then measures that competition rather than the serving overhead.
So the gateway gets a fixed set of CPUs, the model-only baseline is measured on exactly that set
(with the gateway idle), and locust runs on the rest.

    gw, lg = plan_cpus("", "")        # 2 cores: ({0}, {1}); 16 cores: ({0..7}, {8..15})
    subprocess.Popen(cmd, preexec_fn=pinner(gw))
"""
from __future__ import annotations

import os


class CpuSetError(ValueError):
    """A CPU list that cannot be parsed or names CPUs this process may not use."""


def available() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def parse(spec: str) -> set[int]:
    """``"0"``, ``"0-3"``, ``"0,2,4-5"`` -> a set of CPU numbers (the ``taskset -c`` syntax)."""
    cpus: set[int] = set()
    for part in filter(None, (p.strip() for p in spec.split(","))):
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError as e:
            raise CpuSetError(f"bad CPU list {spec!r}: expected e.g. 0 or 0-3 or 0,2") from e
        if first > last or first < 0:
            raise CpuSetError(f"bad CPU range {part!r}")
        cpus.update(range(first, last + 1))
    return cpus


def describe(cpus: set[int]) -> str:
    """The inverse of ``parse``: {0, 1, 2, 5} -> "0-2,5"."""
    out, run = [], []
    for c in sorted(cpus):
        if run and c != run[-1] + 1:
            out.append(_span(run))
            run = []
        run.append(c)
    if run:
        out.append(_span(run))
    return ",".join(out)


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def plan_cpus(gateway_spec: str = "", loadgen_spec: str = "") -> tuple[set[int], set[int]]:
    """The gateway's and the load generator's CPU sets. Defaults split the usable CPUs in two
    halves, the gateway taking the first (rounded up): 2 cores -> 0 | 1. With one core both
    share it, and the report says so (``shared_cpus``)."""
    usable = available()
    gateway = parse(gateway_spec) if gateway_spec else set(usable[:(len(usable) + 1) // 2])
    rest = [c for c in usable if c not in gateway]
    loadgen = parse(loadgen_spec) if loadgen_spec else set(rest or usable)
    for name, cpus in (("gateway", gateway), ("load generator", loadgen)):
        if not cpus or not cpus <= set(usable):
            raise CpuSetError(f"{name} CPUs {describe(cpus) or '(none)'} are not all usable here "
                              f"(usable: {describe(set(usable))})")
    return gateway, loadgen


def pin(cpus: set[int]) -> None:
    """Pin this process (and the threads and children it starts from now on) to ``cpus``."""
    os.sched_setaffinity(0, cpus)


def pinner(cpus: set[int]):
    """A ``preexec_fn`` for subprocess.Popen: the child is pinned before it executes anything."""
    frozen = frozenset(cpus)
    return lambda: os.sched_setaffinity(0, frozen)


def process(pid: int | None):
    """The psutil.Process of ``pid``; None when there is none (or it has exited)."""
    if pid is None:
        return None
    import psutil

    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None


def tree_cpu_s(proc) -> float:
    """User + system CPU seconds of a process and all its descendants (a gateway and the Triton it
    started); 0 for None, and a child that exited meanwhile counts nothing."""
    if proc is None:
        return 0.0
    import psutil

    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total
