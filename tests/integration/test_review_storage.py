"""Storage faults as a gRPC client sees them, on a real gateway (``create_server`` on 127.0.0.1:0,
the real engine, a real SQLite file): a full disk and a read-only database give
RESOURCE_EXHAUSTED / UNAVAILABLE (never INTERNAL), one log line names the path and the cause and
never the note, the ``medcoder.review`` health service is NOT_SERVING while it lasts and SERVING
again on its own, coding keeps answering meanwhile (``x-review-kept: no``), and no acknowledged
decision is lost. A tenant past its storage quota gets RESOURCE_EXHAUSTED.

How the faults are made without root (the tests run as root in CI, so chmod would not block):
a full disk is SQLite's ``PRAGMA max_page_count`` on the gateway's own connection, which makes
SQLite return SQLITE_FULL exactly where a full disk does; a read-only database is the same file
opened ``?mode=ro`` in place of the gateway's connection, so SQLite returns SQLITE_READONLY.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from server.app import REVIEW_HEALTH, create_server
from server.config import Config
from tests.browser.support import NOTE
from tests.unit.test_review_service import coded, codesets  # noqa: F401 - fixture

pytestmark = pytest.mark.integration
SENTINEL = "QUOKKA-CANARY-4242"
TOKENS = {"alice": ("alice-token-0001", "clinic-a"), "quinn": ("quinn-token-0001", "clinic-q")}
QUOTA_BYTES = 40_000
_S = health_pb2.HealthCheckResponse


@pytest.fixture(scope="module")
def gw(tmp_path_factory, cache_dir):
    tmp = tmp_path_factory.mktemp("storage-gw")
    tokens = tmp / "tokens.txt"
    tokens.write_text("".join(f"{t} {c} {ten}\n" for c, (t, ten) in TOKENS.items()))
    config = Config(port=0, metrics_port=-1, worker_threads=2, cache_dir=cache_dir, data_dir=tmp / "data",
                    review_tokens=tokens, review_storage_probe_s=0.2, review_tenant_quota_bytes=QUOTA_BYTES)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-gateway-loop", daemon=True)
    thread.start()

    async def start():
        running = await create_server(config)
        await running.warm()
        return running

    running = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=300)
    yield running
    asyncio.run_coroutine_threadsafe(running.stop(), loop).result(timeout=60)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _md(coder: str):
    return (("authorization", f"Bearer {TOKENS[coder][0]}"),)


def _code(stub, coder: str, note: str = NOTE):
    resp, call = stub.CodeEncounter.with_call(pb.CodeEncounterRequest(document=pb.Document(content=note.encode())),
                                              metadata=_md(coder), timeout=60)
    return resp.encounter, dict(call.trailing_metadata())


def _accept(enc, n: int = 0):
    s = enc.codes[n % len(enc.codes)]
    return pb.SubmitReviewRequest(encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id, action=pb.ACCEPT,
                                  system=s.system, suggested_code=s.code)


def _health(ch, service: str):
    return health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def _wait_health(ch, service: str, want, timeout_s: float = 10.0):
    deadline = time.monotonic() + timeout_s
    while _health(ch, service) != want and time.monotonic() < deadline:
        time.sleep(0.05)
    return _health(ch, service)


def _stored(db_path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {r[0] for r in conn.execute("SELECT decision_id FROM decisions")}


def test_disk_full_refuses_writes_typed_flips_health_and_recovers_with_no_acknowledged_decision_lost(gw, caplog):
    caplog.set_level(logging.DEBUG)
    db = gw.state.engine.review.log.db
    with grpc.insecure_channel(f"127.0.0.1:{gw.port}") as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        enc, trailers = _code(stub, "alice")
        assert "x-review-kept" not in trailers and _health(ch, REVIEW_HEALTH) == _S.SERVING
        acked = {stub.SubmitReview(_accept(enc), metadata=_md("alice"), timeout=10).decision_id}

        pages = db.query("PRAGMA page_count")[0]["page_count"]
        db.set_max_bytes(pages * db.query("PRAGMA page_size")[0]["page_size"])   # the disk is now full
        unkept, trailers = _code(stub, "alice", NOTE + f" {SENTINEL} " + "Hypertension. " * 400)
        assert unkept.codes and trailers["x-review-kept"] == "no"        # coding still answers
        assert _wait_health(ch, REVIEW_HEALTH, _S.NOT_SERVING) == _S.NOT_SERVING
        assert _health(ch, "") == _S.SERVING                               # the gateway as a whole codes on

        codes = []
        for n in range(300):       # decisions until one does not fit: refused typed, never acknowledged
            try:
                acked.add(stub.SubmitReview(_accept(enc, n), metadata=_md("alice"), timeout=10).decision_id)
            except grpc.RpcError as e:
                codes.append(e.code())
                if len(codes) == 3:
                    break
        assert codes == [grpc.StatusCode.RESOURCE_EXHAUSTED] * 3
        assert _health(ch, REVIEW_HEALTH) == _S.NOT_SERVING              # the probe does not fit either

        db.set_max_bytes(1 << 30)                                          # space comes back
        assert _wait_health(ch, REVIEW_HEALTH, _S.SERVING) == _S.SERVING
        acked.add(stub.SubmitReview(_accept(enc), metadata=_md("alice"), timeout=10).decision_id)
        assert "x-review-kept" not in _code(stub, "alice")[1]
    assert acked <= _stored(gw.config.review_db_path)
    faults = [r for r in caplog.records if "review database" in r.getMessage() and "disk full" in r.getMessage()
              and r.levelno == logging.ERROR]
    assert len(faults) == 1 and str(gw.config.review_db_path) in faults[0].getMessage()
    assert "unexpected" not in caplog.text and SENTINEL not in caplog.text
    assert "takes writes again" in caplog.text


def test_a_read_only_database_is_unavailable_until_it_is_writable_again(gw, caplog):
    caplog.set_level(logging.DEBUG)
    db, path = gw.state.engine.review.log.db, gw.config.review_db_path
    with grpc.insecure_channel(f"127.0.0.1:{gw.port}") as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        enc, _ = _code(stub, "alice")
        read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None)
        with db._lock:
            writable, db.conn = db.conn, read_only
        try:
            with pytest.raises(grpc.RpcError) as e:
                stub.SubmitReview(_accept(enc), metadata=_md("alice"), timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE and "read-only" in e.value.details()
            assert _code(stub, "alice")[1]["x-review-kept"] == "no"
            assert _wait_health(ch, REVIEW_HEALTH, _S.NOT_SERVING) == _S.NOT_SERVING
        finally:
            with db._lock:
                db.conn = writable
            read_only.close()
        assert _wait_health(ch, REVIEW_HEALTH, _S.SERVING) == _S.SERVING
        assert stub.SubmitReview(_accept(enc), metadata=_md("alice"), timeout=10).decision_id
    line = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR and "read-only" in r.getMessage()]
    assert len(line) == 1 and str(path) in line[0] and "unexpected" not in caplog.text


def test_a_tenant_past_its_storage_quota_is_refused_and_others_are_not(gw):
    with grpc.insecure_channel(f"127.0.0.1:{gw.port}") as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            for _ in range(60):        # each encounter keeps ~3 KB of note and result
                _code(stub, "quinn")
        assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "storage quota" in e.value.details()
        assert _health(ch, REVIEW_HEALTH) == _S.SERVING                  # a policy, not a fault
        assert "x-review-kept" not in _code(stub, "alice")[1]              # another tenant keeps coding
    assert gw.state.engine.review.log.stored_bytes("clinic-q") <= QUOTA_BYTES


@pytest.mark.parametrize("required", [False, True])
def test_a_capped_database_fills_and_keep_required_decides_whether_coding_fails(
        tmp_path, codesets, required):  # noqa: F811
    from server.errors import StorageFull
    from server.review.component import Review

    review = Review.open(Config(data_dir=tmp_path, review_db_max_bytes=192 * 1024, review_keep_required=required,
                                review_retention_days=0), codesets)
    try:
        n = 0
        while n < 500 and review.keep(coded(f"e{n}"), f"e{n}", "clinic-a"):
            n += 1
    except StorageFull:
        assert required
    else:
        assert not required
    finally:
        review.stop(grace_s=1)
    assert 0 < n < 500 and not review.storage_ok
