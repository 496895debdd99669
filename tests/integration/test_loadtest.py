"""The SRE harness end to end: a 10-second headless locust run over gRPC against a real gateway
writes locust's CSVs, summary.json, charts and the HTML report, and counts successful calls."""
from __future__ import annotations

import json
import sys
import subprocess

import pytest

from tests.integration.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_ten_second_headless_run_writes_report(gateway, tmp_path):
    out = tmp_path / "lt"
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--target", gateway.target, "--duration", "10s",
                           "--users", "4", "--spawn-rate", "4", "--baseline-s", "2", "--notes",
                           str(REPO / "examples" / "notes"), "--out", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("locust_stats.csv", "locust_stats_history.csv", "summary.json", "report.html",
                 "throughput.png", "latency.png", "errors.png"):
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    for key in ("encounters_per_min", "p50_ms", "p99_ms", "errors_by_status", "backend", "device"):
        assert key in summary
    assert summary["per_rpc"]["CodeEncounter"]["requests"] > summary["per_rpc"]["CodeEncounter"]["failures"]
    assert summary["encounters_per_min"] > 0
    assert "encounters/min" in proc.stdout
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "http://" not in html.replace("http://www.w3.org", "")


def test_refuses_non_loopback_targets(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--target", "10.1.2.3:50051", "--out", str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "loopback" in proc.stderr
