"""The serving model (benchmarks/sim_serving.py) against what queueing theory says it must do."""
from __future__ import annotations

import csv
import random

import pytest

from benchmarks.sim_serving import QUANTILES, ServiceTime, replicas_needed, simulate


def _stats(tmp_path, ms: dict[str, float], minimum: float):
    path = tmp_path / "locust_stats.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, ["Type", "Name", "Min Response Time", *QUANTILES])
        w.writeheader()
        w.writerow({"Type": "grpc", "Name": "ScoreClaim", "Min Response Time": 1, **{q: 1 for q in QUANTILES}})
        w.writerow({"Type": "grpc", "Name": "CodeEncounter", "Min Response Time": minimum, **ms})
    return ServiceTime.from_locust(path)


def test_quantiles_read_from_locust_and_sampled_by_inverse_cdf(tmp_path):
    s = _stats(tmp_path, dict(zip(QUANTILES, (10, 12, 14, 15, 20, 25, 30, 40, 60, 80, 100))), 5)
    rng = random.Random(3)
    xs = sorted(s.sample_s(rng) * 1e3 for _ in range(20000))
    assert xs[0] >= 5 and xs[-1] <= 100
    assert xs[len(xs) // 2] == pytest.approx(10, abs=0.5)
    assert xs[int(0.9 * len(xs))] == pytest.approx(20, abs=1)


def test_one_closed_loop_user_gets_one_over_the_service_time(tmp_path):
    s = _stats(tmp_path, {q: 20 for q in QUANTILES}, 20)   # 20 ms, always
    r = simulate(s, replicas=1, users=1, duration_s=20)
    assert r.per_min == pytest.approx(3000, rel=0.01)
    assert r.quantile_ms(0.99) == pytest.approx(20, abs=0.1) and r.refused == 0


def test_closed_loop_past_capacity_queues_up_to_max_inflight_then_refuses(tmp_path):
    s = _stats(tmp_path, {q: 10 for q in QUANTILES}, 10)
    r = simulate(s, replicas=1, users=40, max_inflight=32, duration_s=20)
    assert r.per_min == pytest.approx(6000, rel=0.01)          # throughput is the core's, no more
    assert r.quantile_ms(0.99) == pytest.approx(320, abs=15)   # 32 admitted ahead x 10 ms
    assert r.refused > 0
    two = simulate(s, replicas=2, users=40, max_inflight=32, duration_s=20)
    assert two.per_min == pytest.approx(12000, rel=0.01) and two.refused == 0


def test_open_loop_p99_grows_with_utilisation_and_replicas_needed_scale_with_rate(tmp_path):
    s = _stats(tmp_path, {q: 10 for q in QUANTILES}, 10)   # M/D/1 per replica
    light = simulate(s, replicas=1, rate_per_s=20, duration_s=60)     # 20% busy
    heavy = simulate(s, replicas=1, rate_per_s=90, duration_s=60)     # 90% busy
    assert light.quantile_ms(0.99) < 30 < heavy.quantile_ms(0.99)
    k1, _ = replicas_needed(s, 60_000, p99_ms=100)     # 1000/s x 10 ms = 10 cores of work
    k10, r10 = replicas_needed(s, 600_000, p99_ms=100)
    assert 10 <= k1 <= 13 and 100 <= k10 <= 120
    assert r10.refused == 0 and r10.quantile_ms(0.99) < 100


def test_triton_instances_are_a_shared_second_stage(tmp_path):
    s = _stats(tmp_path, {q: 1 for q in QUANTILES}, 1)
    one = simulate(s, replicas=4, users=16, triton=1, triton_ms=10, duration_s=10)
    two = simulate(s, replicas=4, users=16, triton=2, triton_ms=10, duration_s=10)
    assert one.per_min == pytest.approx(6000, rel=0.02)      # one instance, 10 ms each
    assert two.per_min == pytest.approx(12000, rel=0.02)
