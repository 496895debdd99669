"""Two gateways on one port: refused at start with the port named, unless both ask to share it
(``reuse_port``, a replica group) -- before, SO_REUSEPORT was always on and a second
``medcoder serve`` with another database silently took half the connections."""
from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys

import pytest

from server.app import PortTaken, create_server
from server.config import Config
from tests.integration.conftest import REPO

pytestmark = pytest.mark.integration


def _run(coro):
    """Run ``coro`` on a loop of its own thread (the browser tests leave Playwright's loop running
    in this one, where ``asyncio.run`` refuses)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result(timeout=120)


def test_a_second_server_on_a_taken_port_fails_naming_it():
    async def scenario():
        first = await create_server(Config(port=0, metrics_port=-1, worker_threads=1))
        try:
            with pytest.raises(PortTaken) as e:
                await create_server(Config(port=first.port, metrics_port=-1, worker_threads=1))
            assert f"127.0.0.1:{first.port}" in e.value.message
        finally:
            await first.stop()

    _run(scenario())


def test_servers_that_both_ask_to_reuse_the_port_share_it():
    async def scenario():
        first = await create_server(Config(port=0, metrics_port=-1, worker_threads=1, reuse_port=True))
        try:
            second = await create_server(Config(port=first.port, metrics_port=-1, worker_threads=1, reuse_port=True))
            assert second.port == first.port
            await second.stop()
        finally:
            await first.stop()

    _run(scenario())


def test_medcoder_serve_on_a_taken_port_says_so_in_one_line(tmp_path):
    async def scenario():
        first = await create_server(Config(port=0, metrics_port=-1, worker_threads=1))
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "server.cli", "serve", "--port", str(first.port), "--metrics-port", "-1",
                cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path)})
            _, err = await asyncio.wait_for(proc.communicate(), 120)
            return first.port, proc.returncode, err.decode()
        finally:
            await first.stop()

    port, returncode, stderr = _run(scenario())
    assert returncode == 2 and "Traceback" not in stderr
    assert f"medcoder: error: cannot bind 127.0.0.1:{port}" in stderr
