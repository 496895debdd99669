"""Ingest: what a caller sends becomes the text we code, with offsets the caller can use;
bad payloads get a clear INVALID_ARGUMENT-class error that never quotes the content."""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import grpc
import pytest

from server.domain import Patient, Setting, SourceFormat
from server.errors import InvalidInput
from server.ingest import IngestLimits, ingest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SENTINEL = "ZEBRA-CANARY-7731"


def _docref(text: bytes, ctype="text/plain", **extra) -> bytes:
    res = {"resourceType": "DocumentReference", "status": "current",
           "content": [{"attachment": {"contentType": ctype, "data": base64.b64encode(text).decode()}}], **extra}
    return json.dumps(res).encode()


def test_plain_text_is_kept_verbatim_so_offsets_match_the_callers_text():
    raw = "Assessment:\r\n  NSTEMI.\tNo evidence of pneumonia.\n"
    doc = ingest(raw.encode())
    assert doc.text == raw
    assert doc.source_format is SourceFormat.TEXT
    assert doc.setting is Setting.OUTPATIENT


def test_utf8_bom_is_dropped_and_accents_survive():
    doc = ingest("\ufeffDiagnóstico: neumonía".encode("utf-8"))
    assert doc.text == "Diagnóstico: neumonía"


def test_fhir_bundle_gives_text_age_sex_setting_and_date():
    doc = ingest((EXAMPLES / "fhir" / "clinic_knee_bundle.json").read_bytes())
    assert doc.source_format is SourceFormat.FHIR
    assert "osteoarthritis of the right knee" in doc.text
    assert doc.patient == Patient(age_years=64, sex="M")
    assert doc.setting is Setting.OUTPATIENT
    assert doc.date_of_service == "2026-05-01"
    assert doc.doc_id == "clinic-knee"


def test_fhir_composition_sections_become_titled_text():
    doc = ingest((EXAMPLES / "fhir" / "discharge_composition.json").read_bytes())
    assert "Discharge diagnoses:\nPneumonia, right lower lobe\nCOPD with acute exacerbation" in doc.text
    titles = [t for _, _, t in doc.segments]
    assert titles == ["Hospital course", "Discharge diagnoses"]
    for start, end, title in doc.segments:
        assert doc.text[start:end].startswith(title)


def test_fhir_html_attachment_is_reduced_to_text():
    doc = ingest(_docref(b"<p>Acute <b>gout</b> of left foot</p>", ctype="text/html"))
    assert doc.text.strip() == "Acute gout of left foot"


def test_explicit_setting_and_patient_override_the_payload():
    doc = ingest((EXAMPLES / "hl7" / "discharge_mdm_t02.hl7").read_bytes(),
                 setting=Setting.OUTPATIENT, patient=Patient(age_years=40, sex="M"))
    assert doc.setting is Setting.OUTPATIENT
    assert doc.patient == Patient(age_years=40, sex="M")


def test_hl7_mdm_escapes_repetitions_and_patient():
    doc = ingest((EXAMPLES / "hl7" / "discharge_mdm_t02.hl7").read_bytes())
    assert doc.source_format is SourceFormat.HL7V2
    assert doc.setting is Setting.INPATIENT
    assert doc.patient.sex == "F" and doc.patient.age_years == 77   # born 1948-09-11, seen 2026-05-03
    assert "Hypertension & chronic kidney disease stage 4." in doc.text    # \T\ -> &
    assert "1. Acute on chronic diastolic (congestive) heart failure.\n2." in doc.text  # ~ -> new line
    assert "HOSPITAL COURSE:\nDiuresed" in doc.text                        # \.br\ -> new line


def test_hl7_oru_with_lf_separators():
    msg = "MSH|^~\\&|LAB|H|MC|MC|202601010000||ORU^R01|X1|P|2.5\nPID|1||9||A^B||20000101|M\n" \
          "OBR|1|||24627-2^Chest CT^LN|||20260101\nOBX|1|FT|24627-2^Chest CT^LN||Impression: no pulmonary embolism.||||||F\n"
    doc = ingest(msg.encode())
    assert doc.text == "Chest CT:\nImpression: no pulmonary embolism.\n"
    assert doc.date_of_service == "2026-01-01" and doc.patient.age_years == 26


@pytest.mark.parametrize("payload, fragment", [
    (b"", "empty"),
    (b"   \n\t  \n", "whitespace"),
    (b"\x00\x01\x02\x03" * 500, "binary"),
    (bytes(range(256)) * 40, "UTF-8"),
    (b"caf\xe9 au lait", "UTF-8"),
    (b'{"resourceType": "DocumentReference", "status": ', "not valid JSON"),
    (b'{"resourceType": "Observation", "status": "final"}', "not supported"),
    (b'{"resourceType": "DocumentReference", "status": "current", "content": "x"}', "failed validation"),
    (b'{"resourceType": "DocumentReference", "status": "current", "content": [{"attachment": {"url": "http://x/y"}}]}',
     "carries no text"),
    (b'{"resourceType": "Composition", "status": "final", "type": {"text": "x"}, "date": "2026-01-01", '
     b'"author": [{"display": "x"}], "title": "t"}', "carries no text"),
    (b"MSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.5\rPID|1", "MDM^T02 or ORU^R01"),
    (b"MSH|^~\\&|A|B|C|D|2026||MDM^T02|1|P|2.5\rPID|1\rthis is not a segment", "segment 3"),
    (b"MSH|^~\\&|A|B|C|D|2026||MDM^T02|1|P|2.5\rPID|1||||||19500101|F", "no OBX text"),
    (b"MSH|^~", "MSH"),
])
def test_bad_payloads_get_clear_errors(payload, fragment):
    with pytest.raises(InvalidInput) as err:
        ingest(payload)
    assert fragment in err.value.message
    assert err.value.code is grpc.StatusCode.INVALID_ARGUMENT


def test_oversize_document_is_refused_with_the_limit_named():
    with pytest.raises(InvalidInput, match="limit is 2000000"):
        ingest(b"a" * 10_000_001)
    assert ingest(b"a " * 500_000, limits=IngestLimits(2_000_000)).text.startswith("a a")


def test_invalid_base64_and_non_text_attachments():
    bad = json.dumps({"resourceType": "DocumentReference", "status": "current",
                      "content": [{"attachment": {"contentType": "text/plain", "data": "!!!notbase64"}}]}).encode()
    with pytest.raises(InvalidInput):
        ingest(bad)
    with pytest.raises(InvalidInput, match="is not text"):
        ingest(_docref(b"%PDF-1.4", ctype="application/pdf"))


def test_error_messages_never_quote_the_document():
    payloads = [
        f"{{\"resourceType\": \"DocumentReference\", \"status\": \"{SENTINEL}\", \"content\": \"{SENTINEL}\"}}".encode(),
        f"MSH|^~\\&|A|B|C|D|2026||{SENTINEL}^T02|1|P|2.5\rOBX|1|TX|x||{SENTINEL}".encode(),
        f"{{\"resourceType\": \"{SENTINEL}\"}}".encode(),
        f"{SENTINEL}\x00\x00\x00".encode() * 100,
        _docref(SENTINEL.encode(), ctype=f"application/{SENTINEL}"),
    ]
    for p in payloads:
        with pytest.raises(InvalidInput) as err:
            ingest(p)
        assert SENTINEL not in err.value.message
        assert SENTINEL.lower() not in err.value.message.lower()
