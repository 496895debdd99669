"""TLS, mTLS and caller identity on a real gateway process (127.0.0.1, free ports), with
certificates made at test time: a mapped client certificate codes in its tenant; plaintext, no
certificate, an expired one and one from another CA are refused at the handshake; a valid
certificate whose name no tokens line maps is PERMISSION_DENIED; roles gate RPCs; the review page
is HTTPS only; every call, refusals included, lands in the audit trail without note text."""
from __future__ import annotations

import json
import re
import sqlite3
import ssl
import time
import urllib.request

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from client.errors import PermissionDenied
from client.sdk import MedcoderClient
from server.cli import main
from tests.certs import CLIENT_SAN, UNMAPPED_SAN, make_pki
from tests.integration.conftest import start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SENTINEL = "QUOKKA-CANARY-4242"
NOTE = f"Assessment: {SENTINEL} essential hypertension. Type 2 diabetes mellitus."
ALICE = "alice-token-0001"
_REVIEW = re.compile(r"review page on (https://[\d.]+:\d+)")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def gw(tmp_path_factory, cache_dir, pki):
    tmp = tmp_path_factory.mktemp("mtls-gw")
    tokens = tmp / "tokens.txt"
    tokens.write_text(f"{ALICE} alice clinic-a coder\nbob-token-000002 bob clinic-b\n"
                      f"mtls:{CLIENT_SAN} ehr-bridge clinic-a service\n")
    gw = start_gateway(tmp, cache_dir, {"MEDCODER_REVIEW_PORT": "0", "MEDCODER_REVIEW_TOKENS": str(tokens),
                                        "MEDCODER_TLS_CERT": str(pki.server.cert), "MEDCODER_TLS_KEY": str(pki.server.key),
                                        "MEDCODER_TLS_CLIENT_CA": str(pki.ca)})
    yield gw
    assert gw.stop() == 0


def _client(gw, pki, pair=None, **kw) -> MedcoderClient:
    pair = pair or pki.client
    return MedcoderClient(gw.target, root_ca=pki.ca, client_cert=pair.cert, client_key=pair.key, timeout_s=60, **kw)


def _audit(gw) -> list[dict]:
    deadline = time.monotonic() + 10
    rows: list[dict] = []
    while time.monotonic() < deadline:     # rows are appended in batches, a fraction of a second late
        with sqlite3.connect(gw.data_dir / "decisions.sqlite3") as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute("SELECT * FROM audit ORDER BY rowid")]
        if rows:
            return rows
        time.sleep(0.2)
    return rows


def _wait_for(gw, predicate) -> list[dict]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = _audit(gw)
        if any(predicate(r) for r in rows):
            return rows
        time.sleep(0.2)
    raise AssertionError("no such audit row")


def test_a_mapped_client_certificate_codes_in_its_tenant_and_is_audited(gw, pki):
    with _client(gw, pki) as mc:
        enc = mc.code(NOTE, doc_id="mtls-1")
    assert enc.codes
    with sqlite3.connect(gw.data_dir / "decisions.sqlite3") as conn:
        (tenant,) = conn.execute("SELECT tenant_id FROM encounters WHERE encounter_id = ?", (enc.encounter_id,)).fetchone()
    assert tenant == "clinic-a"
    rows = _wait_for(gw, lambda r: r["object"] == f"encounter:{enc.encounter_id}")
    (row,) = [r for r in rows if r["object"] == f"encounter:{enc.encounter_id}"]
    assert (row["channel"], row["actor"], row["auth"], row["role"], row["tenant_id"], row["action"], row["outcome"]) == \
        ("grpc", "ehr-bridge", "mtls", "service", "clinic-a", "code", "ok")
    assert row["peer"].startswith("ipv4:127.0.0.1:")
    assert "medcoder requires caller identity (API keys or client certificates), mTLS" in gw.log()


@pytest.mark.parametrize("how", ["plaintext", "no client certificate", "expired", "wrong CA"])
def test_no_valid_client_certificate_is_refused_at_the_handshake(gw, pki, how):
    from server.review.log import now

    t0 = now()
    if how == "plaintext":
        channel = grpc.insecure_channel(gw.target)
    elif how == "no client certificate":
        channel = grpc.secure_channel(gw.target, grpc.ssl_channel_credentials(pki.ca.read_bytes()))
    else:
        pair = pki.expired if how == "expired" else pki.wrong_ca
        channel = grpc.secure_channel(gw.target, grpc.ssl_channel_credentials(
            pki.ca.read_bytes(), pair.key.read_bytes(), pair.cert.read_bytes()))
    with channel, pytest.raises(grpc.RpcError) as e:
        pb_grpc.CodingServiceStub(channel).CodeEncounter(
            pb.CodeEncounterRequest(document=pb.Document(content=NOTE.encode())), timeout=10)
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE      # no handler ever saw the call
    time.sleep(0.5)
    assert [r for r in _audit(gw) if r["at"] >= t0] == []
    with _client(gw, pki) as mc:                               # and the gateway still serves
        assert mc.code("Assessment: hypertension.").codes


def test_a_valid_certificate_whose_name_is_not_mapped_is_permission_denied(gw, pki):
    with _client(gw, pki, pki.unmapped) as mc, pytest.raises(PermissionDenied):
        mc.code(NOTE)
    rows = _wait_for(gw, lambda r: r["actor"] == f"cert:{UNMAPPED_SAN}")
    (row,) = [r for r in rows if r["actor"] == f"cert:{UNMAPPED_SAN}"]
    assert (row["auth"], row["tenant_id"], row["outcome"]) == ("mtls", "", "denied: PERMISSION_DENIED")


def test_roles_gate_rpcs_and_a_coders_key_rides_a_services_channel(gw, pki):
    with _client(gw, pki) as service, _client(gw, pki, token=ALICE) as alice:
        enc = alice.code(NOTE)
        s = enc.codes[0]
        review = pb.SubmitReviewRequest(encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id,
                                        action=pb.ACCEPT, system=s.system, suggested_code=s.code)
        with pytest.raises(PermissionDenied, match="role service may not call SubmitReview"):
            service.submit_review(review)
        assert service.score_claim({"claim_id": "c-1", "diagnoses": ["I10"],
                                    "lines": [{"code": "99213", "units": 1, "date_of_service": "2026-05-01"}]})
        ok = alice.submit_review(pb.SubmitReviewRequest(**{**_fields(review), "request_id": ""}))
    assert ok.decision_id
    rows = _wait_for(gw, lambda r: r["action"] == "decide" and ok.decision_id in r["object"])
    decided = [r for r in rows if r["action"] == "decide"]
    assert [(r["actor"], r["role"], r["outcome"]) for r in decided][-2:] == [
        ("ehr-bridge", "service", "denied: PERMISSION_DENIED"), ("alice", "coder", "ok")]


def _fields(msg) -> dict:
    return {f.name: v for f, v in msg.ListFields()}


def test_health_is_open_and_reflection_is_off_outside_dev(gw, pki):
    creds = grpc.ssl_channel_credentials(pki.ca.read_bytes(), pki.client.key.read_bytes(), pki.client.cert.read_bytes())
    with grpc.secure_channel(gw.target, creds) as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        with pytest.raises(grpc.RpcError) as e:
            list(reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10))
        assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_the_review_page_is_https_only_and_asks_for_a_client_certificate(gw, pki):
    deadline = time.monotonic() + 30
    while not _REVIEW.search(gw.log()) and time.monotonic() < deadline:
        time.sleep(0.1)
    url = _REVIEW.search(gw.log()).group(1)
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.load_cert_chain(str(pki.client.cert), str(pki.client.key))
    assert urllib.request.urlopen(url + "/login", context=ctx, timeout=10).status == 200
    bare = ssl.create_default_context(cafile=str(pki.ca))
    with pytest.raises((ssl.SSLError, ConnectionError, urllib.error.URLError)):
        urllib.request.urlopen(url + "/login", context=bare, timeout=10).read()
    with pytest.raises((ConnectionError, urllib.error.URLError, http_errors())):
        urllib.request.urlopen(url.replace("https://", "http://") + "/login", timeout=10).read()


def http_errors():
    import http.client

    return http.client.HTTPException


def test_the_cli_codes_over_mtls_and_exports_the_audit_trail(gw, pki, tmp_path, capsys):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    assert main(["code", str(note), "--server", gw.target, "--tls-ca", str(pki.ca), "--tls-cert",
                 str(pki.client.cert), "--tls-key", str(pki.client.key)]) == 0
    coded = json.loads(capsys.readouterr().out)
    assert coded["codes"]
    assert main(["code", str(note), "--server", gw.target, "--tls-ca", str(pki.ca)]) == 2   # no certificate
    capsys.readouterr()
    _wait_for(gw, lambda r: r["object"] == f"encounter:{coded['encounter_id']}")
    out = tmp_path / "audit.jsonl"
    assert main(["audit", "export", "--db", str(gw.data_dir / "decisions.sqlite3"), "--out", str(out),
                 "--tenant", "clinic-a"]) == 0
    text = out.read_text()
    rows = [json.loads(line) for line in text.splitlines()]
    assert any(r["object"] == f"encounter:{coded['encounter_id']}" and r["actor"] == "ehr-bridge" for r in rows)
    assert all(r["tenant_id"] == "clinic-a" for r in rows)
    assert SENTINEL not in text and SENTINEL not in gw.log()
    assert ALICE not in text and ALICE not in gw.log()


def test_the_load_test_reaches_an_mtls_gateway(gw, pki, tmp_path):
    import subprocess
    import sys

    from tests.integration.conftest import REPO

    out = tmp_path / "lt"
    proc = subprocess.run([sys.executable, "-m", "loadtest.run", "--target", gw.target, "--duration", "4s",
                           "--users", "2", "--spawn-rate", "2", "--baseline-s", "0", "--notes",
                           str(REPO / "examples" / "notes"), "--note-words", "all", "--out", str(out),
                           "--tls-ca", str(pki.ca), "--tls-cert", str(pki.client.cert), "--tls-key", str(pki.client.key)],
                          cwd=REPO, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads((out / "summary.json").read_text())
    calls = summary["per_rpc"]["CodeEncounter"]
    assert calls["requests"] > 0 and calls["failures"] == 0, summary["errors_by_status"]
