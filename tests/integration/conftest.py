"""A real gateway process on a free port of 127.0.0.1, its log captured to a file."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest

from loadtest.replicas import stop_process

REPO = Path(__file__).resolve().parents[2]
_SERVING = re.compile(r"SERVING on ([\d.]+):(\d+)")


class Gateway:
    def __init__(self, proc: subprocess.Popen, log_path: Path, target: str, data_dir: Path):
        self.proc, self.log_path, self.target, self.data_dir = proc, log_path, target, data_dir

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def channel(self) -> grpc.Channel:
        return grpc.insecure_channel(self.target, options=[("grpc.max_send_message_length", 64 << 20),
                                                           ("grpc.max_receive_message_length", 64 << 20)])

    def stop(self, timeout_s: float = 20.0) -> int:
        return stop_process(self.proc, timeout_s)


def start_gateway(tmp: Path, cache_dir: Path, extra_env: dict[str, str] | None = None,
                  timeout_s: float = 240.0) -> Gateway:
    log_path = tmp / "gateway.log"
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp / "data"),
           "MEDCODER_LOG_LEVEL": "DEBUG", "PYTHONUNBUFFERED": "1", "MEDCODER_METRICS_PORT": "0",
           **(extra_env or {})}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0"],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        m = _SERVING.search(log_path.read_text(errors="replace"))
        if m:
            return Gateway(proc, log_path, f"{m.group(1)}:{m.group(2)}", tmp / "data")
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gateway did not report SERVING in time")


@pytest.fixture(scope="session")
def gateway(tmp_path_factory, cache_dir):
    gw = start_gateway(tmp_path_factory.mktemp("gateway"), cache_dir)
    yield gw
    gw.stop()
