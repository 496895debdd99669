"""The review log inside the real gateway: coded encounters land in their tenant's queue, SubmitReview
needs a coder token and respects tenants, bad reviews write nothing, and a SIGKILL mid-stream loses
no acknowledged decision."""
from __future__ import annotations

import signal
import sqlite3
import threading
import time
import urllib.request

import grpc
import pytest

from client.contract import pb, pb_grpc
from tests.browser.support import TOKENS, start_review_gateway
from tests.integration.conftest import start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _md(coder: str):
    return (("authorization", f"Bearer {TOKENS[coder][0]}"),)


@pytest.fixture(scope="module")
def rg(tmp_path_factory, cache_dir):
    rg = start_review_gateway(tmp_path_factory.mktemp("review-gw"), cache_dir)
    yield rg
    rg.gateway.stop()


def _count(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]


def _review(enc, action=pb.ACCEPT, n=0, **kw):
    s = enc.codes[n]
    return pb.SubmitReviewRequest(encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id, action=action,
                                  system=s.system, suggested_code=s.code, **kw)


def test_submit_review_needs_a_token_and_stays_in_the_tenant(rg):
    enc = rg.code("alice", specialty="cardiology")
    with rg.gateway.channel() as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        with pytest.raises(grpc.RpcError) as e:
            stub.SubmitReview(_review(enc, coder_id="alice"))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        with pytest.raises(grpc.RpcError) as e:
            stub.SubmitReview(_review(enc), metadata=_md("bob"))          # another tenant's encounter
        assert e.value.code() == grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as e:
            stub.SubmitReview(_review(enc, coder_id="carol"), metadata=_md("alice"))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as e:
            stub.CodeEncounter(pb.CodeEncounterRequest(document=pb.Document(content=b"Hypertension.")),
                               metadata=(("authorization", "Bearer forged-token-123"),))
        assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert _count(rg.db_path) == 0
        ok = stub.SubmitReview(_review(enc), metadata=_md("carol"))        # same tenant, another coder
    assert ok.decision_id
    req = urllib.request.Request(rg.url + "/queue", headers={"Authorization": f"Bearer {TOKENS['bob'][0]}"})
    assert enc.encounter_id not in urllib.request.urlopen(req).read().decode()
    req = urllib.request.Request(rg.url + "/queue", headers={"Authorization": f"Bearer {TOKENS['alice'][0]}"})
    assert enc.encounter_id in urllib.request.urlopen(req).read().decode()


@pytest.mark.parametrize("change, fragment", [
    (dict(action=pb.MODIFY, final_code="ZZZ.999", reason="r"), "not a valid ICD10CM code"),
    (dict(action=pb.REJECT, reason=""), "a reason is required to reject"),
    (dict(action=pb.REJECT, reason="x" * 100_000), "longer than"),
    (dict(action=pb.REVIEW_ACTION_UNSPECIFIED), "ACCEPT, MODIFY, REJECT or ADD"),
    (dict(action=pb.ADD, suggestion_id="", suggested_code="", final_code="I10", evidence=pb.Span(start=5, end=10**6)),
     "outside the note"),
])
def test_bad_reviews_over_grpc_are_refused_and_write_nothing(rg, change, fragment):
    enc = rg.code("alice")
    before = _count(rg.db_path)
    req = _review(enc)
    for k, v in change.items():
        if k == "evidence":
            req.evidence.CopyFrom(v)
        else:
            setattr(req, k, v)
    with rg.gateway.channel() as ch, pytest.raises(grpc.RpcError) as e:
        pb_grpc.CodingServiceStub(ch).SubmitReview(req, metadata=_md("alice"))
    assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and fragment in e.value.details()
    assert _count(rg.db_path) == before


def test_sigkill_while_submitting_loses_no_acknowledged_decision(tmp_path, cache_dir):
    rg = start_review_gateway(tmp_path, cache_dir)
    enc = rg.code("alice")
    acked: list[str] = []
    lock, stop = threading.Lock(), threading.Event()

    def submit(n: int) -> None:
        with rg.gateway.channel() as ch:
            stub = pb_grpc.CodingServiceStub(ch)
            while not stop.is_set():
                try:
                    r = stub.SubmitReview(_review(enc, n=n % len(enc.codes)), metadata=_md("alice"), timeout=10)
                except grpc.RpcError:
                    return                       # the server is gone
                with lock:
                    acked.append(r.decision_id)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    t0, deadline = time.monotonic(), time.monotonic() + 60
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    print(f"\n{len(acked)} decisions acknowledged in {time.monotonic() - t0:.2f} s before SIGKILL")
    rg.gateway.proc.send_signal(signal.SIGKILL)     # mid-stream: submissions are in flight
    rg.gateway.proc.wait(30)
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 150
    again = start_gateway(tmp_path, cache_dir, {"MEDCODER_REVIEW_PORT": "0",
                                                "MEDCODER_REVIEW_TOKENS": str(rg.tokens_path)})
    try:
        with sqlite3.connect(rg.db_path) as conn:
            stored = {r[0] for r in conn.execute("SELECT decision_id FROM decisions")}
        assert set(acked) <= stored
        with again.channel() as ch:                    # and the restarted server takes new ones
            assert pb_grpc.CodingServiceStub(ch).SubmitReview(_review(enc), metadata=_md("alice")).decision_id
    finally:
        again.stop()


def test_the_gateway_purges_stored_encounters_past_their_retention(tmp_path, cache_dir):
    """MEDCODER_REVIEW_RETENTION_DAYS: an encounter coded through the gateway is kept for review,
    then deleted (note text included) once older than the retention; the purge is recorded and
    audited, and the log says how many without quoting the note."""
    sentinel = "Zebrafinch"
    gw = start_gateway(tmp_path, cache_dir, {"MEDCODER_REVIEW_PORT": "0",
                                              "MEDCODER_REVIEW_RETENTION_DAYS": str(3 / 86400)})   # 3 s
    try:
        with gw.channel() as ch:
            pb_grpc.CodingServiceStub(ch).CodeEncounter(pb.CodeEncounterRequest(
                document=pb.Document(content=f"{sentinel} reports chest pain. Assessment: NSTEMI.".encode())),
                timeout=60)
        db = gw.data_dir / "decisions.sqlite3"

        def stored() -> int:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT COUNT(*) FROM encounters").fetchone()[0]

        assert stored() == 1
        deadline = time.monotonic() + 30
        while stored() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert stored() == 0
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT encounters FROM purges").fetchall() == [(1,)]
            assert conn.execute("SELECT COUNT(*) FROM audit WHERE action = 'purge'").fetchone()[0] == 1
        log = gw.log()
        assert "retention: removed 1 stored encounters" in log and sentinel not in log
    finally:
        gw.stop()
