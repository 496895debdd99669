"""ScoreClaim with the encounter's documents, over gRPC against the real gateway: flags with
evidence offsets into the documents sent, an 837 with its documents, the inpatient payment
impact, bad documents refused without the note reaching the log, and the documentation-free
answer unchanged."""
from __future__ import annotations

import pytest

from client.contract import pb
from client.errors import InvalidArgument
from client.sdk import MedcoderClient, document
from tests.unit.test_claims_parse import PROFESSIONAL, _x12

pytestmark = pytest.mark.integration
SENTINEL = "WOMBAT-CANARY-31337"
DM_CKD = "Assessment: Type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a. Continue metformin."
LINE = [{"code": "99214", "units": 1, "date_of_service": "2026-05-01"}]


@pytest.fixture(scope="module")
def client(gateway):
    with MedcoderClient(gateway.target) as mc:
        yield mc


def _flags(resp) -> dict[str, pb.DocumentationFlag]:
    return {f.code: f for f in resp.documentation}


def test_flags_come_back_with_evidence_in_the_documents_sent(client):
    claim = {"claim_id": "d1", "diagnoses": ["E11.9", "J18.9"], "lines": LINE}
    notes = [document(DM_CKD, doc_id="progress"), document("No evidence of pneumonia.", doc_id="cxr")]
    resp = client.score_claim(claim, documents=notes)
    flags = _flags(resp)
    assert flags["E11.9"].kind == "less_specific_than_documented" and flags["E11.9"].documented_code == "E11.22"
    ev = flags["E11.9"].evidence[0]
    assert ev.document_id == "progress" and "diabet" in DM_CKD[ev.span.start:ev.span.end].lower()
    assert flags["J18.9"].kind == "unsupported" and flags["J18.9"].evidence[0].document_id == "cxr"
    assert flags["N18.31"].kind == "documented_not_billed"
    assert "x-stage-ms-documents" in client.last_trailers
    assert any("CMS-HCC" in m for m in resp.payment_impact.missing)   # no mapping configured here


def test_an_837_is_checked_against_the_documents_sent_with_it(client):
    resp = client.score_837(_x12(PROFESSIONAL).encode(), documents=[document(DM_CKD, fmt="text")])
    assert resp.claim_id == "PCN001"
    assert {f.code: f.kind for f in resp.documentation} == {"E11.22": "supported", "N18.31": "supported",
                                                            "Z79.84": "documented_not_billed"}
    assert not resp.HasField("first_listed")


def test_an_837_attachment_reference_must_name_a_document_sent_with_it(client):
    body = PROFESSIONAL[:8] + ["PWK*09*EL***AC*ATT0042"] + PROFESSIONAL[8:]
    x12 = _x12(body).encode()
    resp = client.score_837(x12, documents=[document(DM_CKD, doc_id="ATT0042")])
    assert resp.documentation[0].evidence[0].document_id == "ATT0042"
    with pytest.raises(InvalidArgument, match="ATT0042"):
        client.score_837(x12, documents=[document(DM_CKD, doc_id="something-else")])


def test_inpatient_claim_gets_both_drgs_and_the_cc_that_differs(client):
    claim = {"claim_id": "ip1", "setting": "inpatient", "patient": {"age": 72, "sex": "F"}, "diagnoses": ["I50.9"],
             "lines": LINE}
    note = ("Discharge diagnoses: Acute on chronic systolic congestive heart failure. Chronic kidney disease "
            "stage 4.")
    resp = client.score_claim(claim, documents=[document(note)])
    p = resp.payment_impact
    assert (p.drg_billed.drg, p.drg_documented.drg) == ("293", "292")
    assert [(c.code, c.level, c.only_in) for c in p.cc_mcc_difference] == [("N18.4", "CC", "documented")]
    assert not p.HasField("relative_weight_difference")
    assert any("Table 5" in m for m in p.missing)


def test_a_bad_document_is_refused_and_its_text_is_not_logged(gateway, client):
    claim = {"claim_id": "d2", "diagnoses": ["I10"], "lines": LINE}
    bad = document(f'{{"resourceType": "{SENTINEL}"}}', fmt="fhir")
    with pytest.raises(InvalidArgument):
        client.score_claim(claim, documents=[document(f"Assessment: {SENTINEL} hypertension."), bad])
    ok = client.score_claim(claim, documents=[document(f"Assessment: {SENTINEL} hypertension.")])
    assert _flags(ok)["I10"].kind == "supported"
    assert SENTINEL not in gateway.log()


def test_without_documents_the_answer_is_the_edits_alone(client):
    resp = client.score_claim({"claim_id": "d4", "diagnoses": ["E11.9"], "lines": LINE})
    assert resp.claim_id == "d4" and not resp.documentation and not resp.HasField("payment_impact")
