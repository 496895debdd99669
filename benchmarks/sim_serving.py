"""Internet scale on paper: a discrete-event model of K gateway replicas and T Triton instances.

What is modelled (plain ``heapq``, one event list):

- callers: open loop (Poisson arrivals at a rate) or closed loop (U users sending back to back and
  waiting ``backoff_s`` after a refusal, as the load test's users do);
- the SDK's ``round_robin`` spreads calls over the K replicas in turn;
- a replica: ``cores`` CPU servers taking calls FIFO; admission control refuses a call at once
  (RESOURCE_EXHAUSTED) when ``max_inflight`` calls are admitted and unanswered;
- a call's gateway time is drawn from the load test's measured latency distribution at one user
  (no queueing there: the quantiles of locust_stats.csv, interpolated), so protobuf, gRPC and the
  pipeline are all in it;
- with ``triton_ms`` > 0 a call then holds one of T Triton instances (shared by all replicas) for
  that long; 0 (the default) is the configuration measured here, linker off.

``python -m benchmarks.sim_serving --stats loadtest/results/u1/locust_stats.csv`` prints the model's
1-replica figures beside the measured ones given with ``--check USERS:ENC_PER_MIN:P99_MS``, and the
replicas needed for 10k, 100k and 1M encounters/min with p99 under ``--p99-ms`` and nothing refused.
"""
from __future__ import annotations

import argparse
import bisect
import csv
import heapq
import math
import random
from collections import deque
from dataclasses import dataclass
from pathlib import Path

QUANTILES = ("50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%")


@dataclass(frozen=True)
class ServiceTime:
    """An empirical distribution given by quantiles (ms): sampled by inverse CDF, linear between
    the points, from the minimum to the maximum."""

    probs: tuple[float, ...]
    values_ms: tuple[float, ...]

    @classmethod
    def from_locust(cls, path: Path, name: str = "CodeEncounter") -> "ServiceTime":
        with open(path, newline="") as f:
            row = next((r for r in csv.DictReader(f) if r["Name"] == name), None)
        if row is None:
            raise SystemExit(f"{path}: no {name} row")
        probs = [0.0] + [float(q.rstrip("%")) / 100 for q in QUANTILES]
        values = [float(row["Min Response Time"])] + [float(row[q]) for q in QUANTILES]
        return cls(tuple(probs), tuple(values))

    def sample_s(self, rng: random.Random) -> float:
        u = rng.random()
        i = max(1, bisect.bisect_left(self.probs, u))
        p0, p1 = self.probs[i - 1], self.probs[i]
        v0, v1 = self.values_ms[i - 1], self.values_ms[i]
        return (v0 + (v1 - v0) * ((u - p0) / (p1 - p0) if p1 > p0 else 0.0)) / 1e3

    def mean_s(self, n: int = 20000) -> float:
        rng = random.Random(1)
        return sum(self.sample_s(rng) for _ in range(n)) / n


@dataclass
class Result:
    offered: int
    admitted: int
    refused: int
    duration_s: float
    latencies_s: list[float]

    def quantile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        xs = sorted(self.latencies_s)
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1e3

    @property
    def per_min(self) -> float:
        return len(self.latencies_s) / self.duration_s * 60


def simulate(service: ServiceTime, *, replicas: int, cores: int = 1, max_inflight: int = 32,
             rate_per_s: float | None = None, users: int | None = None, backoff_s: float = 0.05,
             triton: int = 0, triton_ms: float = 0.0, duration_s: float = 30.0, warmup_s: float = 5.0,
             seed: int = 7) -> Result:
    """Run the model for ``duration_s`` simulated seconds after ``warmup_s``; exactly one of
    ``rate_per_s`` (open loop) and ``users`` (closed loop) is given."""
    rng = random.Random(seed)
    events: list = []
    seq = 0

    def push(t, kind, data):
        nonlocal seq
        seq += 1
        heapq.heappush(events, (t, seq, kind, data))

    busy = [0] * replicas
    inflight = [0] * replicas
    queues = [deque() for _ in range(replicas)]
    t_busy, t_queue = 0, deque()
    rr = 0
    end = warmup_s + duration_s
    res = Result(0, 0, 0, duration_s, [])

    if users:
        for u in range(users):
            push(rng.random() * 0.01, "send", u)
    else:
        push(rng.expovariate(rate_per_s), "send", None)

    def start_gateway(r, now, call):
        busy[r] += 1
        push(now + service.sample_s(rng), "gw_done", (r, call))

    while events:
        now, _, kind, data = heapq.heappop(events)
        if now > end:
            break
        counted = now >= warmup_s
        if kind == "send":
            if rate_per_s:
                push(now + rng.expovariate(rate_per_s), "send", None)
            r, rr = rr, (rr + 1) % replicas
            res.offered += counted
            if inflight[r] >= max_inflight:
                res.refused += counted
                if users:
                    push(now + backoff_s, "send", data)
                continue
            res.admitted += counted
            inflight[r] += 1
            call = (now, data)
            if busy[r] < cores:
                start_gateway(r, now, call)
            else:
                queues[r].append(call)
        elif kind == "gw_done":
            r, call = data
            busy[r] -= 1
            if queues[r]:
                start_gateway(r, now, queues[r].popleft())
            if triton_ms > 0:
                if t_busy < triton:
                    t_busy += 1
                    push(now + triton_ms / 1e3, "tr_done", (r, call))
                else:
                    t_queue.append((r, call))
                continue
            _answer(res, inflight, r, call, now, warmup_s, users, push)
        elif kind == "tr_done":
            r, call = data
            if t_queue:
                push(now + triton_ms / 1e3, "tr_done", t_queue.popleft())
            else:
                t_busy -= 1
            _answer(res, inflight, r, call, now, warmup_s, users, push)
    return res


def _answer(res, inflight, r, call, now, warmup_s, users, push):
    inflight[r] -= 1
    sent, user = call
    if now >= warmup_s:   # answered inside the measured window (throughput counts completions)
        res.latencies_s.append(now - sent)
    if users:
        push(now, "send", user)


def replicas_needed(service: ServiceTime, per_min: float, *, p99_ms: float, **kw) -> tuple[int, Result]:
    """The fewest replicas whose p99 stays under ``p99_ms`` with nothing refused at ``per_min``."""
    rate = per_min / 60
    k = max(1, math.ceil(rate * service.mean_s() / kw.get("cores", 1)))
    duration = max(3.0, min(30.0, 200_000 / rate))   # ~200k calls at the high rates, 30 s at the low
    while True:
        r = simulate(service, replicas=k, rate_per_s=rate, duration_s=duration, warmup_s=duration / 5, **kw)
        if r.refused == 0 and r.quantile_ms(0.99) < p99_ms:
            return k, r
        k = k + max(1, k // 50)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stats", type=Path, required=True,
                    help="locust_stats.csv of a 1-user load test run (the service-time distribution)")
    ap.add_argument("--check", action="append", default=[], metavar="USERS:ENC_PER_MIN:P99_MS",
                    help="a measured 1-replica run to set beside the model's figure (repeatable)")
    ap.add_argument("--check-replicas", type=int, default=1, help="replicas of the --check runs")
    ap.add_argument("--max-inflight", type=int, default=32)
    ap.add_argument("--cores", type=int, default=1, help="cores per replica (CPU servers)")
    ap.add_argument("--p99-ms", type=float, default=1000.0)
    ap.add_argument("--triton", type=int, default=0, help="Triton instances")
    ap.add_argument("--triton-ms", type=float, default=0.0, help="Triton time per encounter (0: linker off)")
    args = ap.parse_args(argv)
    service = ServiceTime.from_locust(args.stats)
    kw = dict(cores=args.cores, max_inflight=args.max_inflight, triton=args.triton, triton_ms=args.triton_ms)
    print(f"service time (1 user): mean {service.mean_s() * 1e3:.1f} ms  p50 {service.values_ms[1]:.0f} ms  "
          f"p99 {service.values_ms[8]:.0f} ms  -> {60 / service.mean_s():,.0f} encounters/min per core")
    for spec in args.check:
        users, measured_per_min, measured_p99 = (float(x) for x in spec.split(":"))
        r = simulate(service, replicas=args.check_replicas, users=int(users), duration_s=60, **kw)
        print(f"check {args.check_replicas} replica(s), {int(users)} users: model {r.per_min:,.0f}/min "
              f"p99 {r.quantile_ms(0.99):.0f} ms refused {r.refused / max(1, r.offered):.0%} | measured "
              f"{measured_per_min:,.0f}/min p99 {measured_p99:.0f} ms | ratio {r.per_min / measured_per_min:.2f}")
    for target in (10_000, 100_000, 1_000_000):
        k, r = replicas_needed(service, target, p99_ms=args.p99_ms, **kw)
        print(f"{target:>9,} encounters/min: {k:>4} replicas ({k * args.cores} cores)  p50 {r.quantile_ms(0.5):.0f} ms  "
              f"p99 {r.quantile_ms(0.99):.0f} ms  utilisation {target / 60 * service.mean_s() / (k * args.cores):.0%}")


if __name__ == "__main__":
    main()
