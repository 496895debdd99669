"""The real gateway over gRPC on 127.0.0.1: health, reflection, coding, bulk, claims, reviews,
bad input that leaves the server healthy, and no note text in its logs."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from client.contract import pb, pb_grpc
from client.errors import InvalidArgument
from client.sdk import MedcoderClient, claim_from_dict, document

pytestmark = pytest.mark.integration
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SENTINEL = "QUOKKA-CANARY-90210"


@pytest.fixture(scope="module")
def stub(gateway):
    ch = gateway.channel()
    yield pb_grpc.CodingServiceStub(ch)
    ch.close()


@pytest.fixture(scope="module")
def client(gateway):
    with MedcoderClient(gateway.target) as mc:
        yield mc


def _healthy(gateway) -> bool:
    with gateway.channel() as ch:
        resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(service="medcoder.v1.CodingService"))
        return resp.status == health_pb2.HealthCheckResponse.SERVING


def test_health_is_serving(gateway):
    assert _healthy(gateway)


def test_grpcurl_lists_services_through_reflection(gateway):
    grpcurl = shutil.which("grpcurl") or str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "grpcurl")
    out = subprocess.run([grpcurl, "-plaintext", gateway.target, "list"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    services = set(out.stdout.split())
    assert {"medcoder.v1.CodingService", "grpc.health.v1.Health"} <= services
    desc = subprocess.run([grpcurl, "-plaintext", gateway.target, "describe", "medcoder.v1.CodingService"],
                          capture_output=True, text=True, timeout=30)
    assert "rpc CodeEncounters ( stream" in desc.stdout


def test_code_encounter_returns_codes_with_evidence_and_stage_timings(client):
    note = (EXAMPLES / "notes" / "discharge_chf.txt").read_text()
    enc = client.code(note, doc_id="chf-1", setting="inpatient", request_id="req-42")
    assert enc.document_id == "chf-1" and enc.text == note and enc.encounter_id
    assert len(enc.codes) >= 3
    for c in enc.codes:
        assert c.system and c.code and c.description and 0 < c.confidence <= 1
        assert c.evidence, f"{c.code} has no evidence"
        for s in c.evidence:
            assert 0 <= s.start < s.end <= len(note)
    codes = {c.code for c in enc.codes}
    assert "J18.9" not in codes and not any(code.startswith("J18") for code in codes)  # "no evidence of pneumonia"
    assert sum(c.principal for c in enc.codes) == 1
    assert client.last_trailers.get("x-request-id") == "req-42"
    stages = client.stage_ms()
    assert {"ingest", "total"} <= set(stages) and stages["total"] >= stages["ingest"]


@pytest.mark.parametrize("path, fmt", [("fhir/clinic_knee_bundle.json", "fhir"), ("hl7/discharge_mdm_t02.hl7", "hl7")])
def test_fhir_and_hl7_payloads_are_coded_against_their_text(client, path, fmt):
    enc = client.code((EXAMPLES / path).read_bytes(), fmt=fmt)
    assert enc.codes
    for c in enc.codes:
        for s in c.evidence:
            assert 0 <= s.start < s.end <= len(enc.text)


def _bad_requests():
    yield "empty", pb.CodeEncounterRequest(document=pb.Document(content=b""))
    yield "over the document limit", pb.CodeEncounterRequest(document=pb.Document(content=b"chest pain " * 185_000))
    yield "binary", pb.CodeEncounterRequest(document=pb.Document(content=bytes(range(256)) * 64))
    yield "malformed FHIR", pb.CodeEncounterRequest(document=pb.Document(
        format=pb.FHIR_R4_JSON, content=b'{"resourceType": "DocumentReference", "content": [{'))
    yield "malformed HL7", pb.CodeEncounterRequest(document=pb.Document(
        format=pb.HL7V2, content=b"MSH|^~\\&|A|B\r@@@|broken"))
    yield "unknown code system", pb.CodeEncounterRequest(document=pb.Document(content=b"Hypertension."),
                                                         systems=[42])
    yield "unknown format", pb.CodeEncounterRequest(document=pb.Document(content=b"Hypertension.", format=9))


@pytest.mark.parametrize("name, request_", list(_bad_requests()), ids=[n for n, _ in _bad_requests()])
def test_bad_input_is_invalid_argument_and_server_stays_up(gateway, stub, name, request_):
    with pytest.raises(grpc.RpcError) as err:
        stub.CodeEncounter(request_, timeout=60)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT, name
    assert err.value.details()
    assert _healthy(gateway)


def test_bulk_stream_keeps_order_and_reports_bad_documents_per_item(stub):
    notes = [b"Assessment: essential hypertension.", b"", b"Assessment: acute cystitis.", b"\x00\x01" * 99,
             b"Assessment: type 2 diabetes mellitus without complications."]
    reqs = [pb.CodeEncounterRequest(request_id=f"r{i}", document=pb.Document(content=n)) for i, n in enumerate(notes)]
    items = list(stub.CodeEncounters(iter(reqs), timeout=120))
    assert [i.request_id for i in items] == [f"r{i}" for i in range(len(notes))]
    kinds = [i.WhichOneof("result") for i in items]
    assert kinds == ["encounter", "error", "encounter", "error", "encounter"]
    assert items[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert any(c.code.startswith("I10") for c in items[0].encounter.codes)


def test_score_claim_returns_edits_and_a_risk(client):
    claim = json.loads((EXAMPLES / "claims" / "claim_outpatient.json").read_text())
    resp = client.score_claim(claim)
    assert resp.claim_id == "c1"
    assert 0.0 <= resp.denial_risk <= 1.0


def test_score_claim_flags_invalid_codes_per_line(client):
    claim = {"claim_id": "c2", "setting": "outpatient", "patient": {"age": 40, "sex": "M"},
             "diagnoses": ["E11.9", "NOTACODE"],
             "lines": [{"code": "99213", "units": 1, "date_of_service": "2026-05-01"},
                       {"code": "99213", "units": 0, "date_of_service": "2026-05-01"}]}
    resp = client.score_claim(claim)
    kinds = {e.kind for e in resp.edits}
    assert "invalid_code" in kinds or "invalid_line" in kinds
    assert any(1 in e.lines for e in resp.edits if e.kind == "invalid_line")


def test_suggestion_ids_are_the_encounter_id_and_the_position(client):
    enc = client.code("Assessment: NSTEMI. DM2 with CKD 3a.", setting="inpatient")
    assert len(enc.codes) > 1
    assert [s.suggestion_id for s in enc.codes] == [f"{enc.encounter_id}:{n}" for n in range(1, len(enc.codes) + 1)]


def test_submit_review_records_and_refuses_ambiguous_decisions(gateway, client):
    enc = client.code("Assessment: acute on chronic systolic heart failure.", setting="inpatient")
    s = enc.codes[0]
    ok = client.submit_review(pb.SubmitReviewRequest(
        encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id, action=pb.ACCEPT, system=s.system,
        suggested_code=s.code, coder_id="coder-1"))
    assert ok.decision_id and ok.recorded_at.endswith("Z")
    with pytest.raises(InvalidArgument):
        client.submit_review(pb.SubmitReviewRequest(
            encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id, action=pb.REJECT, system=s.system,
            suggested_code=s.code, coder_id="coder-1"))   # reject without a reason
    with pytest.raises(InvalidArgument):
        client.submit_review(pb.SubmitReviewRequest(
            encounter_id=enc.encounter_id, action=pb.ADD, system=pb.ICD10CM, final_code="NOT.A.CODE",
            coder_id="coder-1", evidence=pb.Span(start=0, end=5)))


def test_note_text_never_reaches_the_logs(gateway, stub, client):
    """The canary: a sentinel through every RPC, succeeding and failing, must not be logged."""
    good = f"Assessment: {SENTINEL} essential hypertension.".encode()
    stub.CodeEncounter(pb.CodeEncounterRequest(request_id="canary-1", document=pb.Document(content=good)))
    bads = [pb.Document(content=f"{SENTINEL}".encode() + b"\x00" * 50),
            pb.Document(format=pb.FHIR_R4_JSON, content=f'{{"resourceType": "{SENTINEL}"}}'.encode()),
            pb.Document(format=pb.FHIR_R4_JSON, content=f'{{"resourceType": "DocumentReference", "status": "{SENTINEL}", "content": "{SENTINEL}"}}'.encode()),
            pb.Document(format=pb.HL7V2, content=f"MSH|^~\\&|{SENTINEL}|B\rOBX|1|TX|{SENTINEL}".encode())]
    for d in bads:
        with pytest.raises(grpc.RpcError):
            stub.CodeEncounter(pb.CodeEncounterRequest(document=d))
    list(stub.CodeEncounters(iter([pb.CodeEncounterRequest(request_id="s1", document=d) for d in bads + [pb.Document(content=good)]])))
    claim = claim_from_dict({"claim_id": SENTINEL, "diagnoses": [SENTINEL],
                             "lines": [{"code": SENTINEL, "units": 1, "date_of_service": "2026-05-01"}]})
    try:
        stub.ScoreClaim(pb.ScoreClaimRequest(claim=claim))
    except grpc.RpcError:
        pass
    from tests.unit.remit_fixtures import Paid, remittance

    era = remittance([Paid(SENTINEL[:30], cas=[("CO", "45", 20)])])
    stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=era))
    with pytest.raises(grpc.RpcError):   # the sentinel where a CARC should be
        stub.ReportRemittance(pb.ReportRemittanceRequest(x12_835=era.replace(b"CAS*CO*45", SENTINEL.encode().join(
            (b"CAS*CO*", b"")))))
    for action in (pb.REJECT, pb.ADD):
        with pytest.raises(grpc.RpcError):
            stub.SubmitReview(pb.SubmitReviewRequest(encounter_id="e", action=action, system=pb.ICD10CM,
                                                     final_code=SENTINEL, suggested_code="I10", coder_id="c",
                                                     reason=""))
    assert _healthy(gateway)
    assert SENTINEL not in gateway.log()


def test_operating_threshold_by_default_and_lower_on_request(client, stub):
    note = (EXAMPLES / "notes" / "discharge_chf.txt").read_text()
    from server.pipeline.pipeline import DEFAULT_THRESHOLD

    threshold = DEFAULT_THRESHOLD   # the us-claims profile (the gateway's default) runs no fusion
    default = client.code(note, setting="inpatient")
    assert default.codes and all(c.confidence >= threshold for c in default.codes)
    wide = client.code(note, setting="inpatient", min_score=0.01)
    assert len(wide.codes) >= len(default.codes)
    # 0 means 0: every candidate, those the guidelines took out included
    everything = client.code(note, setting="inpatient", min_score=0.0)
    assert len(everything.codes) > len(default.codes)
    assert min(c.confidence for c in everything.codes) < threshold
    with pytest.raises(grpc.RpcError) as err:
        stub.CodeEncounter(pb.CodeEncounterRequest(document=pb.Document(content=b"Hypertension."), min_score=1.5))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_a_request_may_ask_for_the_codiesp_profile(client):
    """The profile is per request: CodiEsp's annotation habits for benchmark comparisons, the
    guidelines by default (the model versions say which answered)."""
    note = "Discharge diagnoses: NSTEMI. Type 2 diabetes mellitus with diabetic chronic kidney disease."
    us = client.code(note, setting="inpatient")
    benchmark = client.code(note, setting="inpatient", profile="codiesp")
    assert us.model_versions["profile"] == "us-claims" and benchmark.model_versions["profile"] == "codiesp"
    assert "I21.4" in {c.code for c in us.codes} and "I21.4" in {c.code for c in benchmark.codes}
    with pytest.raises(InvalidArgument):
        client.code(note, profile="spanish")


def test_a_wider_list_shows_what_the_guidelines_took_out_but_edits_judge_only_reported_codes(client):
    """Type 1 and type 2 diabetes in one note: Excludes1 keeps one. With a low min_score the other
    is listed too, below the threshold, with the reason; the encounter's edits are those of the
    reported codes, so the caller's wider list raises no Excludes1 edit."""
    from server.pipeline.pipeline import DEFAULT_THRESHOLD

    threshold = DEFAULT_THRESHOLD   # the us-claims profile (the gateway's default) runs no fusion
    wide = client.code("Type 1 diabetes mellitus. Type 2 diabetes mellitus.", min_score=0.01)
    dm = {c.code: c for c in wide.codes if c.code in ("E10.9", "E11.9")}
    assert len(dm) == 2
    kept, out = sorted(dm.values(), key=lambda c: -c.confidence)
    assert kept.confidence >= threshold > out.confidence
    assert any(n.kind == "not_reported" and n.related_code == kept.code for n in out.notes)
    assert not [e for e in wide.edits if e.kind == "excludes1"]


def test_the_newcomers_gateway_says_once_it_is_a_development_server_without_authentication(gateway):
    """`make serve` (no tokens file, no certificates, 127.0.0.1) works and says what it is."""
    lines = [ln for ln in gateway.log().splitlines() if "without authentication" in ln]
    assert len(lines) == 1 and "development server bound to 127.0.0.1 without authentication" in lines[0]
