"""Serving the code linker: a real Triton (from the nvidia-pytriton wheel) behind a real gateway
codes notes exactly as the embedded backend does; killing Triton mid-run moves calls to the
embedded fallback without failing them, and health, metrics and the log say so (without PHI)."""
from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from tests.integration.conftest import start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
pytest.importorskip("tritonclient.grpc")
pytest.importorskip("pytriton")

from server.triton_server import TritonOptions, TritonServer  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NOTES = sorted((REPO / "examples" / "notes").glob("*.txt"))
SENTINEL = "WOMBAT-CANARY-31337"
_METRICS = re.compile(r"medcoder metrics on (http://\S+/metrics)")
LINKER_ENV = {"MEDCODER_LINKER": "1", "MEDCODER_REVIEW_PORT": "0"}


def _notes(shared: Path | None) -> list[bytes]:
    notes = [p.read_bytes() for p in NOTES]
    background = (shared / "codiesp" / "background" / "text_files_en") if shared else None
    if background is not None and background.is_dir():
        notes += [p.read_bytes() for p in sorted(background.glob("*.txt"))[:6]]
    return notes


def _group_gone(pgid: int, within_s: float) -> bool:
    """No process is left in the process group (killed processes may take a moment to be reaped)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _metrics_text(gw) -> str:
    for _ in range(50):
        m = _METRICS.search(gw.log())
        if m:
            with urllib.request.urlopen(m.group(1), timeout=10) as r:
                return r.read().decode()
        time.sleep(0.1)
    raise AssertionError("gateway logged no metrics endpoint")


def _health(gw, service: str) -> int:
    with gw.channel() as ch:
        return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status


def _codes(stub, note: bytes) -> list[tuple[str, str, float]]:
    resp = stub.CodeEncounter(pb.CodeEncounterRequest(document=pb.Document(content=note), min_score=0.01),
                              timeout=60)
    return [(c.system, c.code, round(c.confidence, 4)) for c in resp.encounter.codes]


@pytest.fixture(scope="module")
def triton(cache_dir):
    server = TritonServer(TritonOptions(repository=REPO / "model_repository", cache_dir=cache_dir / "triton",
                                        models=("code_linker_python",)))
    with server:
        yield server


@pytest.fixture(scope="module")
def embedded_gw(tmp_path_factory, cache_dir):
    gw = start_gateway(tmp_path_factory.mktemp("gw-embedded"), cache_dir, {**LINKER_ENV, "MEDCODER_BACKEND": "embedded"})
    yield gw
    gw.stop()


@pytest.fixture(scope="module")
def triton_gw(tmp_path_factory, cache_dir, triton):
    gw = start_gateway(tmp_path_factory.mktemp("gw-triton"), cache_dir, {
        **LINKER_ENV, "MEDCODER_BACKEND": "triton", "MEDCODER_TRITON_URL": triton.grpc_url,
        "MEDCODER_FALLBACK_RETRY_S": "0.5"})
    yield gw
    gw.stop()


def test_triton_gateway_codes_exactly_as_the_embedded_one(embedded_gw, triton_gw):
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    notes = _notes(shared if shared.is_dir() else None)
    with embedded_gw.channel() as a, triton_gw.channel() as b:
        ours, theirs = pb_grpc.CodingServiceStub(a), pb_grpc.CodingServiceStub(b)
        for i, note in enumerate(notes):   # one at a time: the same rows reach each backend in the same batches
            assert _codes(theirs, note) == _codes(ours, note), f"note {i}"
    text = _metrics_text(triton_gw)
    calls = re.search(r'medcoder_backend_calls_total\{backend="triton",outcome="ok"\} (\S+)', text)
    assert calls and float(calls.group(1)) >= len(notes)   # the model stage ran on Triton
    assert 'medcoder_backend_active{backend="triton"} 1.0' in text
    assert _health(triton_gw, "medcoder.backend.triton") == health_pb2.HealthCheckResponse.SERVING
    assert "backend=triton," in triton_gw.log()


def test_a_gateway_starts_its_own_triton_and_stops_it(tmp_path, cache_dir):
    gw = start_gateway(tmp_path, cache_dir, {**LINKER_ENV, "MEDCODER_BACKEND": "triton"})
    try:
        host, port = re.search(r"Triton ready on ([\d.]+):(\d+)", gw.log()).groups()
        with gw.channel() as ch:
            assert _codes(pb_grpc.CodingServiceStub(ch), NOTES[0].read_bytes())
        assert 'medcoder_backend_active{backend="triton"} 1.0' in _metrics_text(gw)
    finally:
        assert gw.stop() == 0
    with pytest.raises(OSError):
        socket.create_connection((host, int(port)), timeout=2).close()


def test_killing_triton_mid_run_falls_back_without_failing_calls(triton_gw, triton):
    """A client keeps coding while Triton is SIGKILLed: calls that start after the kill all
    succeed (the embedded fallback answers); health, metrics and the log report the fallback."""
    notes = [n.read_bytes() for n in NOTES] + [f"Assessment: {SENTINEL} tumefaction of the left testicle.".encode()]
    outcomes: list[tuple[float, float, bool]] = []
    stop, fresh = threading.Event(), itertools.count()

    def client():
        with triton_gw.channel() as ch:
            stub, i = pb_grpc.CodingServiceStub(ch), 0
            while not stop.is_set():
                t0 = time.monotonic()
                try:   # a phrase no earlier call sent, so the model is called (not the phrase cache)
                    _codes(stub, notes[i % len(notes)] + f"\nPlan: control in {next(fresh)} weeks.".encode())
                    ok = True
                except grpc.RpcError:
                    ok = False
                outcomes.append((t0, time.monotonic(), ok))
                i += 1

    threads = [threading.Thread(target=client) for _ in range(3)]
    for t in threads:
        t.start()
    while len(outcomes) < 6:
        time.sleep(0.05)
    killed_at = time.monotonic()
    os.kill(triton.proc.pid, signal.SIGKILL)
    triton.proc.wait(30)
    n_before = len(outcomes)
    while len(outcomes) < n_before + 15:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(60)

    after = [ok for start, _, ok in outcomes if start > killed_at]
    assert len(after) >= 15 and all(after)
    assert all(ok for _, end, ok in outcomes if end < killed_at)
    text = _metrics_text(triton_gw)
    assert re.search(r'medcoder_backend_fallbacks_total\{primary="triton"\} [1-9]', text)
    assert 'medcoder_backend_active{backend="embedded"} 1.0' in text
    assert 'medcoder_backend_active{backend="triton"} 0.0' in text
    status = health_pb2.HealthCheckResponse
    assert _health(triton_gw, "medcoder.v1.CodingService") == status.SERVING
    assert _health(triton_gw, "medcoder.backend.triton") == status.NOT_SERVING
    assert _health(triton_gw, "medcoder.backend.embedded") == status.SERVING
    log = triton_gw.log()
    assert "model backend triton unreachable; calls go to embedded" in log
    assert SENTINEL not in log
    triton.stop()   # the killed server's model stubs go too (they outlive it otherwise)
    assert _group_gone(triton.proc.pid, within_s=10)
