"""ReportRemittance in the real gateway: only a billing service (or an admin) may send an 835, it
lands in the caller's tenant, joined to the claims that tenant scored; a bad file is refused with
INVALID_ARGUMENT and stores nothing; the gateway refits on its schedule and ScoreClaim then answers
with the payer's fitted risk."""
from __future__ import annotations

import random
import sqlite3
import time

import grpc
import pytest

from client.contract import pb, pb_grpc
from tests.integration.conftest import start_gateway
from tests.unit.remit_fixtures import Paid, remittance

pytestmark = [pytest.mark.integration, pytest.mark.slow]
TOKENS = {"billing": ("billing-token-001", "clinic-a", "service"), "alice": ("alice-token-0001", "clinic-a", "coder"),
          "billing-b": ("billing-token-002", "clinic-b", "service")}
CODES = ("99213", "99214", "97530", "36415", "80053", "85025", "20610", "96372")


def _md(who: str):
    return (("authorization", f"Bearer {TOKENS[who][0]}"),)


@pytest.fixture(scope="module")
def gw(tmp_path_factory, cache_dir):
    tmp = tmp_path_factory.mktemp("remit-gw")
    tokens = tmp / "tokens.txt"
    tokens.write_text("".join(f"{t} {who} {tenant} {role}\n" for who, (t, tenant, role) in TOKENS.items()))
    gw = start_gateway(tmp, cache_dir, {"MEDCODER_REVIEW_PORT": "0", "MEDCODER_REVIEW_TOKENS": str(tokens),
                                        "MEDCODER_DENIALS_MIN_CLAIMS": "60", "MEDCODER_DENIALS_MIN_DENIED": "10",
                                        "MEDCODER_DENIALS_REFIT_S": "1"})
    yield gw
    gw.stop()


def _claim(claim_id: str, codes) -> pb.ScoreClaimRequest:
    lines = [pb.ClaimLine(code=c, units=1, date_of_service="2026-05-01") for c in codes]
    return pb.ScoreClaimRequest(claim=pb.Claim(claim_id=claim_id, diagnoses=["I10"], lines=lines, payer="BUNDLER"))


def _rows(gw, sql: str):
    with sqlite3.connect(gw.data_dir / "decisions.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def test_remittances_teach_the_payers_risk_model(gw):
    rng = random.Random(5)
    answers = []
    with gw.channel() as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        for i in range(120):   # BUNDLER bundles 97110 into 97140: CO-97 whenever both are billed
            codes = rng.sample(CODES, 2) + (["97110", "97140"] if i % 3 == 0 else [])
            risk = stub.ScoreClaim(_claim(f"H{i}", codes), metadata=_md("billing")).denial_risk
            bundled = i % 3 == 0
            answers.append(Paid(f"H{i}", "4" if bundled else "1", 100, 0 if bundled else 80,
                                [("CO", "97", 100)] if bundled else [("CO", "45", 20)],
                                [(c, 25, 0 if bundled else 20, [], []) for c in codes]))
        assert risk < 0.5   # nothing in the hand-set weights knows this payer's policy
        data = remittance(answers, payer="BUNDLER")
        time.sleep(1.0)     # the scored claims reach the store within a flush period

        with pytest.raises(grpc.RpcError) as e:
            stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=data), metadata=_md("alice"))
        assert e.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as e:
            stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=data[: len(data) // 2]), metadata=_md("billing"))
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "truncated" in e.value.details()
        assert _rows(gw, "SELECT COUNT(*) FROM remit_claims") == [(0,)]

        done = stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=data), metadata=_md("billing"))
        assert (done.claims, done.joined, done.already_on_file) == (120, 120, 0) and done.remittance_id
        again = stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=data), metadata=_md("billing"))
        assert (again.claims, again.remittance_id) == (0, "")
        from client.sdk import MedcoderClient

        with MedcoderClient(gw.target, token=TOKENS["billing-b"][0]) as sdk:
            other = sdk.report_remittance(data)
        assert (other.claims, other.joined) == (120, 0)   # clinic-b scored none of these claims

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:   # refit every second in this gateway
            bundled = stub.ScoreClaim(_claim("new-1", ["99213", "97110", "97140"]), metadata=_md("billing"))
            if bundled.denial_risk > 0.5:
                break
            time.sleep(0.5)
        plain = stub.ScoreClaim(_claim("new-2", ["99213", "36415"]), metadata=_md("billing"))
    assert bundled.denial_risk > 0.5 > plain.denial_risk
    time.sleep(1.0)   # access-audit rows are appended in batches (a fraction of a second late)
    audit = _rows(gw, "SELECT actor, tenant_id, object, outcome FROM audit WHERE action = 'import-remittance'")
    assert ("billing", "clinic-a", f"remittance:{done.remittance_id}", "ok") in audit
    assert any(actor == "alice" and outcome.startswith("denied") for actor, _, _, outcome in audit)
    assert _rows(gw, "SELECT COUNT(*) FROM risk_models WHERE tenant_id = 'clinic-a' AND payer = 'BUNDLER'")[0][0] >= 1
