"""Admission by expected finish time on the real gateway (``create_server`` on 127.0.0.1): a burst
past what it finishes within ``admission_latency_ms`` is refused at once with RESOURCE_EXHAUSTED,
each refusal carrying ``grpc-retry-pushback-ms`` (its turn to come back, or -1: not in time) and
the call's ``x-request-id``; a client on the
SDK's channel (``client.routing``: gRPC retries, which obey the hint) gets more of the same burst
answered than one without retries. The engine is a stand-in that spends a fixed CPU time per note: admission is what
is tested here, and it learns the cost from the CPU the calls really use."""
from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from client.contract import pb, pb_grpc
from client.routing import RETRY_TRAILER, RetryPolicy, channel_options
from server.app import create_server
from server.config import Config
from server.domain import CodedEncounter, Setting
from server.review.component import NoReview

pytestmark = pytest.mark.integration
CPU_PER_NOTE_S = 0.04
BURST = 24                # 24 x 40 ms of CPU at once: far past the 300 ms target
NO_RETRIES_SERVED: list[int] = []
_BLOCK = bytes(1 << 16)


class SpinningEngine:
    """Spends CPU_PER_NOTE_S of its thread's CPU on every note, as coding a ~400-word note does."""

    backend, backend_name, claims = None, "none", None

    def __init__(self):
        self.review = NoReview()

    def code(self, content: bytes, *, doc_id: str = "", **_) -> tuple[CodedEncounter, str]:
        t0 = time.thread_time()
        while time.thread_time() - t0 < CPU_PER_NOTE_S:
            hashlib.sha256(_BLOCK).digest()   # CPU without the GIL, as ONNX Runtime's is: the client threads in
            # this process keep sending meanwhile
        return CodedEncounter(doc_id=doc_id, text="", setting=Setting.OUTPATIENT), "enc-1"

    def warm(self, note: bytes) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-gateway-loop", daemon=True)
    thread.start()

    async def start():
        running = await create_server(Config(port=0, metrics_port=-1, worker_threads=4, admission_latency_ms=300,
                                             data_dir=tmp_path_factory.mktemp("admission")))
        await running.warm(lambda: SpinningEngine())
        return running

    running = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    yield running
    asyncio.run_coroutine_threadsafe(running.stop(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _burst(channel, n: int) -> list:
    stub = pb_grpc.CodingServiceStub(channel)

    def one(i: int):
        try:
            return stub.CodeEncounter.with_call(pb.CodeEncounterRequest(
                request_id=f"burst-{i}", document=pb.Document(content=b"Assessment: hypertension.")), timeout=30)
        except grpc.RpcError as e:
            return e

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_a_burst_past_the_latency_target_is_refused_at_once_with_a_retry_hint(gateway):
    for _ in range(3):   # teach admission what a note costs
        _burst(grpc.insecure_channel(f"127.0.0.1:{gateway.port}"), 1)
    with grpc.insecure_channel(f"127.0.0.1:{gateway.port}", options=channel_options(None)) as channel:
        results = _burst(channel, BURST)
    refused = [r for r in results if isinstance(r, grpc.RpcError)]
    served = [r for r in results if not isinstance(r, grpc.RpcError)]
    assert served and refused
    assert all(r.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for r in refused)
    hints = []
    for r in refused:
        trailers = dict(r.trailing_metadata())
        hints.append(int(trailers[RETRY_TRAILER]))
        assert trailers["x-request-id"].startswith("burst-")
        assert "finishes in 300 ms" in r.details()
    turns = sorted(h for h in hints if h > 0)
    # the refused are given successive turns, none further off than the target; the calls whose
    # turn would be later are told not to retry (-1): they could not be answered in time
    assert turns and all(h == -1 for h in hints if h <= 0)
    assert len(set(turns)) > len(turns) // 2 and turns[-1] <= 300 * 1.2   # spread out, not all at once
    NO_RETRIES_SERVED.append(len(served))


def test_a_client_on_the_sdk_channel_comes_back_at_its_turn_and_more_of_the_burst_is_answered(gateway):
    time.sleep(0.5)   # the first burst's work has drained
    refused_before = gateway.admission.rejected
    policy = RetryPolicy(max_attempts=5, initial_backoff_s=0.05, max_backoff_s=0.5)
    with grpc.insecure_channel(f"127.0.0.1:{gateway.port}", options=channel_options(policy)) as channel:
        results = _burst(channel, BURST)
    served = [r for r in results if not isinstance(r, grpc.RpcError)]
    assert gateway.admission.rejected > refused_before
    assert NO_RETRIES_SERVED and len(served) > NO_RETRIES_SERVED[0]
