"""The gateway's assembly (``create_server``) on TLS with API keys, on a free port of 127.0.0.1:
no key is UNAUTHENTICATED (Health stays open), a key over TLS works, plaintext to the TLS port
fails, and a tenant over its in-flight quota or its rate gets RESOURCE_EXHAUSTED with a retry
hint while other tenants are served. The engine is a stand-in that can hold a call in flight on
purpose (the limits are what is tested; coding itself is tested against the real engine)."""
from __future__ import annotations

import asyncio
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from server.app import create_server
from server.config import Config
from server.domain import CodedEncounter, Setting
from server.review.component import NoReview
from tests.certs import make_pki

pytestmark = pytest.mark.integration
KEYS = {"clinic-a": "a-service-key-0001", "clinic-b": "b-service-key-0002"}


class HoldingEngine:
    """Codes instantly, except a note reading "hold", which waits until released."""

    backend, backend_name, claims = None, "none", None

    def __init__(self):
        self.review = NoReview()
        self.release = threading.Event()
        self.holding = threading.Event()

    def code(self, content: bytes, *, doc_id: str = "", **_) -> tuple[CodedEncounter, str]:
        text = content.decode("utf-8", "replace")
        if text == "hold":
            self.holding.set()
            self.release.wait(30)
        return CodedEncounter(doc_id=doc_id, text=text, setting=Setting.OUTPATIENT), "enc-1"

    def warm(self, note: bytes) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("access")
    pki = make_pki(tmp / "pki")
    tokens = tmp / "tokens.txt"
    tokens.write_text("".join(f"{key} svc-{tenant} {tenant} service\n" for tenant, key in KEYS.items()))
    engine = HoldingEngine()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-gateway-loop", daemon=True)
    thread.start()

    async def start():
        running = await create_server(Config(
            port=0, metrics_port=-1, worker_threads=4, data_dir=tmp, review_tokens=tokens,
            tls_cert=pki.server.cert, tls_key=pki.server.key, tenant_max_inflight=1, tenant_rate_per_s=5))
        await running.warm(lambda: engine)
        return running

    running = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    creds = grpc.ssl_channel_credentials(pki.ca.read_bytes())
    channel = grpc.secure_channel(f"127.0.0.1:{running.port}", creds)
    yield running, channel, engine
    engine.release.set()
    channel.close()
    asyncio.run_coroutine_threadsafe(running.stop(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _code(channel, tenant: str | None, text: str = "Assessment: hypertension.", timeout: float = 10):
    md = (("authorization", f"Bearer {KEYS[tenant]}"),) if tenant else ()
    return pb_grpc.CodingServiceStub(channel).CodeEncounter.with_call(
        pb.CodeEncounterRequest(document=pb.Document(content=text.encode())), metadata=md, timeout=timeout)


def test_without_a_key_every_rpc_but_health_is_unauthenticated(site):
    running, channel, _ = site
    stub = pb_grpc.CodingServiceStub(channel)
    calls = [lambda: _code(channel, None),
             lambda: stub.ScoreClaim(pb.ScoreClaimRequest(claim=pb.Claim(claim_id="c", diagnoses=["I10"])), timeout=10),
             lambda: list(stub.CodeEncounters(iter([pb.CodeEncounterRequest(document=pb.Document(content=b"x"))]),
                                              timeout=10)),
             lambda: stub.CodeEncounter(
                 pb.CodeEncounterRequest(document=pb.Document(content=b"x")),
                 metadata=(("authorization", "Bearer not-a-known-key-123"),), timeout=10)]
    for call in calls:
        with pytest.raises(grpc.RpcError) as e:
            call()
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    response, _ = _code(channel, "clinic-a")
    assert response.encounter.encounter_id == "enc-1"
    with grpc.insecure_channel(f"127.0.0.1:{running.port}") as plain, pytest.raises(grpc.RpcError) as e:
        _code(plain, "clinic-a")
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_tenant_over_its_quota_or_rate_is_told_to_retry_and_others_are_served(site):
    _, channel, engine = site
    engine.release.clear()
    engine.holding.clear()
    held = threading.Thread(target=_code, args=(channel, "clinic-a", "hold", 30))
    held.start()
    assert engine.holding.wait(10)
    with pytest.raises(grpc.RpcError) as e:
        _code(channel, "clinic-a")
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "calls in flight" in e.value.details()
    assert "grpc-retry-pushback-ms" in dict(e.value.trailing_metadata() or ())
    assert _code(channel, "clinic-b")[0].encounter.encounter_id        # another tenant is not held up
    engine.release.set()
    held.join(30)
    time.sleep(1.0)                                                      # the buckets refill
    refused = None
    for _ in range(40):                                                  # 5 calls/s: 40 at once cannot all pass
        try:
            _code(channel, "clinic-b")
        except grpc.RpcError as err:
            refused = err
            break
    assert refused is not None and refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "over its rate limit (5 calls/s); retry in" in refused.details()
    assert 0 < int(dict(refused.trailing_metadata())["grpc-retry-pushback-ms"]) <= 200
    assert _code(channel, "clinic-a")[0].encounter.encounter_id        # clinic-a has its own bucket
