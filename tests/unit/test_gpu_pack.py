"""The parts of the device load test that run without a GPU: what gets packed, and the device
script stopping at once, with a clear line, when something it needs is missing."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from loadtest.gpu import pack

REPO = Path(__file__).resolve().parents[2]


def test_closure_pins_what_the_device_lacks_and_nothing_it_has():
    pins = pack.closure()
    for name in ("locust", "tritonclient", "gevent", "grpcio", "protobuf", "grpcio-health-checking"):
        assert name in pins, name
    assert not set(pins) & pack.DEVICE_PROVIDED
    assert "medcoder" not in pins and "torch" not in pins


def test_triton_tree_has_the_312_stub_and_every_library_its_binaries_need():
    pytest.importorskip("pytriton")
    _, files = pack.triton_files()
    names = {name for _, name in files}
    assert "pytriton/tritonserver/bin/tritonserver" in names
    assert "pytriton/tritonserver/backends/python/triton_python_backend_stub" in names
    assert any(n.startswith("nvidia_pytriton.libs/libtritonserver") for n in names)
    assert not any("python_backend_stubs" in n or "libpython3" in n for n in names)


@pytest.mark.parametrize("env, message", [({}, "OUT is not set"), ({"OUT": "x", "CARRY": "/nonexistent"}, "missing")])
def test_device_script_fails_fast_naming_what_is_missing(tmp_path, env, message):
    base = {k: v for k, v in os.environ.items() if k not in ("OUT", "CARRY")}
    if "OUT" in env:
        env = {**env, "OUT": str(tmp_path / "out")}
    proc = subprocess.run(["bash", str(REPO / "loadtest" / "gpu" / "run_gpu.sh")], env={**base, **env},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr
