"""The SRE harness end to end: a 10-second headless locust run over gRPC against a real gateway
writes locust's CSVs, summary.json (with the model-only figure measured on the gateway's CPUs),
charts and the HTML report, and counts successful calls."""
from __future__ import annotations

import json
import os
import sys
import subprocess

import pytest

from tests.integration.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_ten_second_headless_run_writes_report(gateway, tmp_path):
    out = tmp_path / "lt"
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--target", gateway.target, "--duration", "10s",
                           "--users", "4", "--spawn-rate", "4", "--baseline-s", "2", "--notes",
                           str(REPO / "examples" / "notes"), "--note-words", "all", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("locust_stats.csv", "locust_stats_history.csv", "summary.json", "report.html",
                 "throughput.png", "latency.png", "errors.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    for key in ("encounters_per_min", "p50_ms", "p99_ms", "errors_by_status", "backend", "device",
                "model_only_per_min", "efficiency", "gateway_cpus", "loadgen_cpus", "limits"):
        assert key in summary, key
    assert summary["baseline"]["documents"] > 0 and summary["model_only_per_min"] > 0
    assert summary["baseline"]["cpus"] == summary["gateway_cpus"].split(" ")[0]
    assert summary["per_rpc"]["CodeEncounter"]["requests"] > summary["per_rpc"]["CodeEncounter"]["failures"]
    assert summary["encounters_per_min"] > 0
    assert "encounters/min" in proc.stdout and "model-only" in proc.stdout and "gateway_cpus" in proc.stdout
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "http://" not in html.replace("http://www.w3.org", "")


def test_refuses_non_loopback_targets(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--target", "10.1.2.3:50051", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "loopback" in proc.stderr


def test_ceiling_run_reports_each_step_and_sheds_past_the_limit(tmp_path, cache_dir):
    """Past the admission limit the report shows RESOURCE_EXHAUSTED per step, admitted calls keep
    being answered, and the gateway survives to drain."""
    out = tmp_path / "lt"
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--ceiling", "--step-users", "2,24", "--step-s", "6",
                           "--max-inflight", "2", "--baseline-s", "1", "--notes", str(REPO / "examples" / "notes"),
                           "--note-words", "all", "--weights", "claim=0,stream=0", "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir),
                               "MEDCODER_DATA_DIR": str(tmp_path / "data")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    steps = {s["users"]: s for s in summary["steps"]}
    assert {2, 24} <= set(steps)   # a row of the ramp between them may appear too
    assert steps[24]["resource_exhausted"] > 0 and steps[24]["encounters_per_min"] > 0
    assert steps[2]["p50_ms"] is not None and "RESOURCE_EXHAUSTED" in (out / "report.html").read_text()
    assert "stopped" in (out / "gateway.log").read_text()
