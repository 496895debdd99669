"""A ``medcoder serve --replicas N`` group seen from outside: its log tells each replica's pid, port
and /metrics URL; ``kill`` reads the replica's in-flight gauge and sends SIGKILL right after, so
the caller can compare the calls that failed with the calls the replica held when it died.

Used by ``loadtest.run --replicas N --kill-replica-at S`` and tests/integration/test_replicas.py."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

_PID = re.compile(r"replica (\d+) pid (\d+) on \S+:(\d+)")
_TARGET = re.compile(r"replicas target (\S+)")
_SERVING = re.compile(r"\[w(\d+)\]: medcoder SERVING on ")
_METRICS = re.compile(r"\[w(\d+)\]: medcoder metrics on (\S+)")
_INFLIGHT = re.compile(r"^medcoder_inflight (\S+)$", re.M)


class ReplicaGroup:
    def __init__(self, proc: subprocess.Popen, log_path: Path):
        self.proc, self.log_path = proc, log_path

    @classmethod
    def start(cls, n: int, log_path: Path, env: dict[str, str], *, cwd: Path, preexec_fn=None,
              extra_args: tuple[str, ...] = (), timeout_s: float = 300) -> "ReplicaGroup":
        """``medcoder serve --replicas n --port 0`` (free ports), waiting until all n are SERVING."""
        env = {**env, "PYTHONUNBUFFERED": "1", "MEDCODER_METRICS_PORT": "0"}
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0", "--replicas",
                                     str(n), *extra_args], cwd=cwd, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, preexec_fn=preexec_fn)
        group = cls(proc, log_path)
        group.wait_serving(n, timeout_s)
        return group

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_serving(self, count: int, timeout_s: float = 300) -> None:
        """Until ``count`` SERVING lines are in the log (a restarted replica adds one)."""
        deadline = time.monotonic() + timeout_s
        while len(_SERVING.findall(self.log())) < count:
            if self.proc.poll() is not None:
                raise RuntimeError(f"replica group exited ({self.proc.returncode}); see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"replicas not SERVING after {timeout_s:.0f} s; see {self.log_path}")
            time.sleep(0.2)

    @property
    def target(self) -> str:
        """The ``ipv4:host:p1,host:p2`` target the launcher printed (client.routing reads it)."""
        return _TARGET.search(self.log()).group(1)

    def pid(self, i: int) -> int:
        """The live process of replica ``i`` (the latest, after restarts)."""
        return int([m for m in _PID.findall(self.log()) if int(m[0]) == i][-1][1])

    def metrics_url(self, i: int) -> str:
        return [url for w, url in _METRICS.findall(self.log()) if int(w) == i][-1]

    def inflight(self, i: int) -> int:
        """Calls replica ``i`` has admitted and not yet answered (its ``medcoder_inflight`` gauge)."""
        with urllib.request.urlopen(self.metrics_url(i), timeout=5) as r:
            return int(float(_INFLIGHT.search(r.read().decode()).group(1)))

    def requests_served(self, i: int, rpc: str = "") -> int:
        """Calls replica ``i`` answered OK (``medcoder_requests_total``; ``rpc``: that method only)."""
        with urllib.request.urlopen(self.metrics_url(i), timeout=5) as r:
            text = r.read().decode()
        return int(sum(float(v) for labels, v in re.findall(r'^medcoder_requests_total\{([^}]*)\} (\S+)$', text, re.M)
                       if 'code="OK"' in labels and (not rpc or f'rpc="{rpc}"' in labels)))

    @property
    def review_url(self) -> str:
        """Replica 0's review page."""
        return re.search(r"\[w0\]: medcoder review page on (\S+)", self.log()).group(1)

    def kill(self, i: int) -> int:
        """SIGKILL replica ``i``; returns the calls it held in flight just before (read, then killed)."""
        inflight = self.inflight(i)
        os.kill(self.pid(i), signal.SIGKILL)
        return inflight

    def stop(self, timeout_s: float = 30) -> int:
        return stop_process(self.proc, timeout_s)


def stop_process(proc: subprocess.Popen, timeout_s: float) -> int:
    """SIGTERM (the gateway drains), SIGKILL after ``timeout_s``; the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
    return proc.returncode
