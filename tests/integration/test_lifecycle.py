"""Start-up and shutdown as an orchestrator sees them: NOT_SERVING (and UNAVAILABLE calls) until
warm, SERVING after, a clean exit on SIGTERM."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from tests.integration.conftest import REPO

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_not_serving_until_warm_then_clean_sigterm(tmp_path, cache_dir):
    port = _free_port()
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp_path)}
    log = open(tmp_path / "log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port)], cwd=REPO,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    seen, early_call = [], None
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            health = health_pb2_grpc.HealthStub(ch)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                try:
                    status = health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                except grpc.RpcError:
                    time.sleep(0.05)
                    continue
                if not seen or seen[-1] != status:
                    seen.append(status)
                if status == health_pb2.HealthCheckResponse.NOT_SERVING and early_call is None:
                    try:
                        pb_grpc.CodingServiceStub(ch).CodeEncounter(
                            pb.CodeEncounterRequest(document=pb.Document(content=b"Hypertension.")), timeout=5)
                        early_call = grpc.StatusCode.OK
                    except grpc.RpcError as e:
                        early_call = e.code()
                if status == health_pb2.HealthCheckResponse.SERVING:
                    break
                time.sleep(0.02)
        assert seen[0] == health_pb2.HealthCheckResponse.NOT_SERVING
        assert seen[-1] == health_pb2.HealthCheckResponse.SERVING
        assert early_call in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.OK)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
        log.close()
    assert rc == 0
    text = (tmp_path / "log").read_text()
    assert "SERVING on 127.0.0.1" in text and "stopped" in text


def _wait_for(log_path, count: int, proc, timeout_s: float) -> str:
    """The log once it holds ``count`` SERVING lines; fails (with the log's tail) before pytest's timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        text = log_path.read_text(errors="replace")
        if text.count("SERVING on") >= count:
            return text
        time.sleep(0.2)
    text = log_path.read_text(errors="replace")
    pytest.fail(f"{text.count('SERVING on')} of {count} SERVING lines (launcher rc {proc.poll()}):\n{text[-3000:]}")


def _code_six_times(port: int) -> None:
    for _ in range(6):   # separate channels: the kernel may route each to either worker
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            resp = pb_grpc.CodingServiceStub(ch).CodeEncounter(
                pb.CodeEncounterRequest(document=pb.Document(content=b"Assessment: essential hypertension.")),
                timeout=30)
            assert resp.encounter.codes


@pytest.mark.slow
def test_two_workers_share_one_port_survive_a_killed_worker_and_stop_together(tmp_path, cache_dir):
    port = _free_port()
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp_path),
           "MEDCODER_REVIEW_PORT": "0", "MEDCODER_METRICS_PORT": "0"}
    log_path = tmp_path / "log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        text = _wait_for(log_path, 2, proc, 150)
        assert "worker 0" in text and "worker 1" in text, text[-2000:]
        _code_six_times(port)
        killed = int(re.search(r"worker 1 pid (\d+) on", text).group(1))
        os.kill(killed, signal.SIGKILL)
        # the launcher notices and says so; once the dead socket is gone the port answers on worker 0
        # alone while worker 1 starts again
        gone = f"worker 1 pid {killed} exited (killed by SIGKILL); starting it again"
        deadline = time.monotonic() + 30
        while gone not in log_path.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.1)
        _code_six_times(port)
        text = _wait_for(log_path, 3, proc, 100)
        assert gone in text
        _code_six_times(port)
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(60)
    assert rc == 0
    assert log_path.read_text().count("stopped") == 2


def test_workers_that_cannot_bind_stop_the_group_with_one_line(tmp_path, cache_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp_path),
               "MEDCODER_REVIEW_PORT": "0", "MEDCODER_METRICS_PORT": "0"}
        done = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--workers", "2"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert f"cannot bind 127.0.0.1:{port}" in done.stderr
    assert "starting it again" not in done.stderr and "Traceback" not in done.stderr
