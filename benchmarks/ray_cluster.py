"""A real multi-node Ray cluster on this machine: a head and worker nodes, each a `ray start --block`
in its own process group (its own raylet, object store and workers), on free ports and a private
temp dir, so several runs on one machine never meet. ``kill_node`` SIGKILLs a node's whole process
group, as when its machine dies; ``stop`` kills what is left, also when a test failed.

Used by ``tests/integration/test_batch_cluster.py`` and ``benchmarks/bench_batch.py``.
"""
from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NodeStartError(RuntimeError):
    """`ray start` exited before the node was up."""


class LocalCluster:
    """``with LocalCluster(head_cpus=1) as c: c.add_node(cpus=1); ... c.address``"""

    def __init__(self, *, head_cpus: int = 1, object_store_mb: int = 200, env: dict | None = None):
        self.temp = Path(tempfile.mkdtemp(prefix="mcray-", dir="/tmp"))   # short: Ray's socket paths
        # Ray 2.60 authenticates every connection with a token: one of our own for this cluster,
        # given to its nodes and to each driver through ``self.env``
        self.env = {**os.environ, **(env or {}), "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token",
                    "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        self.object_store_mb = object_store_mb
        self.nodes: list[subprocess.Popen] = []
        self.port = 0
        self.address = ""
        self._start_node(lambda: self._head_args(), head_cpus)

    def _head_args(self) -> list[str]:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        return ["--head", f"--port={self.port}", f"--temp-dir={self.temp}", "--include-dashboard=false",
                f"--ray-client-server-port={free_port()}"]

    def add_node(self, cpus: int = 1) -> subprocess.Popen:
        return self._start_node(lambda: [f"--address={self.address}"], cpus)

    def _start_node(self, args, cpus: int) -> subprocess.Popen:
        """Start a node; once more on new ports when `ray start` exits (a port we probed free was
        taken before Ray bound it: other engineers' servers share this machine)."""
        for attempt in (1, 2):
            try:
                return self._start(args(), cpus, attempt)
            except NodeStartError:
                if attempt == 2:
                    self.stop()
                    raise
            except BaseException:
                self.stop()
                raise
        raise AssertionError("unreachable")

    def _start(self, args: list[str], cpus: int, attempt: int) -> subprocess.Popen:
        lo = random.randrange(30000, 59000, 200)
        log = self.temp / f"node{len(self.nodes)}-{attempt}.log"
        cmd = [RAY, "start", "--block", *args, f"--num-cpus={cpus}", "--num-gpus=0",
               f"--object-store-memory={self.object_store_mb << 20}", "--node-ip-address=127.0.0.1",
               f"--node-manager-port={free_port()}", f"--object-manager-port={free_port()}",
               f"--dashboard-agent-grpc-port={free_port()}", f"--dashboard-agent-listen-port={free_port()}",
               f"--metrics-export-port={free_port()}", f"--runtime-env-agent-port={free_port()}",
               f"--min-worker-port={lo}", f"--max-worker-port={lo + 199}", "--disable-usage-stats"]
        proc = subprocess.Popen(cmd, env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            self._wait_started(proc, log)
        except BaseException:
            _killpg(proc)
            raise
        self.nodes.append(proc)
        return proc

    def _wait_started(self, proc: subprocess.Popen, log: Path, timeout_s: float = 180.0) -> None:
        """Until `ray start` says the node is up (it has registered with the head by then)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:   # the log goes with the temp dir: its tail goes in the error
                tail = log.read_bytes()[-2000:].decode("utf-8", "replace")
                raise NodeStartError(f"ray start exited with {proc.returncode}:\n{tail}")
            if b"Ray runtime started" in log.read_bytes():
                return
            time.sleep(0.5)
        raise RuntimeError(f"Ray node not up in {timeout_s:.0f} s; see {log}")

    def kill_node(self, i: int) -> None:
        """SIGKILL node ``i``'s raylet, object store and workers at once (its process group)."""
        _killpg(self.nodes[i])

    def stop(self) -> None:
        for proc in reversed(self.nodes):
            _killpg(proc)
        shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self) -> "LocalCluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _killpg(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
