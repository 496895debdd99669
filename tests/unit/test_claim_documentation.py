"""Synthetic claims with their encounter's notes: every documentation flag, both settings, each
note format (text, FHIR, HL7 v2), the payment impact with CMS-layout tables written here, and
the call budget over the documents' coding. The real in-process engine codes the notes."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from rules_native.edits.errors import TableFormatError
from rules_native.edits.payment import load_drg_weights, load_hcc_map
from server.budget import CallBudget
from server.claims import parse_claim
from server.claims.documentation import specificity
from server.domain import SourceFormat
from server.errors import BudgetExceeded

DAY = "2026-05-01"
LINE = [{"code": "99214", "date_of_service": DAY}]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from server.config import load_config
    from server.engine import Engine

    folder = tmp_path_factory.mktemp("payment")
    weights, hcc = folder / "table5.txt", folder / "hcc.csv"
    _table5(weights, {"291": "1.2921", "292": "0.8730", "293": "0.6154"})
    _hcc_map(hcc, {"E1122": "37", "N184": "327", "I5023": "226", "I509": "226", "E119": "38"})
    eng = Engine(load_config({"drg_weights_path": weights, "hcc_map_path": hcc}, environ={}), with_review_log=False)
    yield eng
    eng.close()


def _table5(path, weights: dict[str, str]) -> None:
    """The IPPS FY2026 final rule's Table 5 layout: a title line, then the header, tab-delimited."""
    rows = ["TABLE 5.--LIST OF MEDICARE SEVERITY DIAGNOSIS-RELATED GROUPS (MS-DRGs), RELATIVE WEIGHTING "
            "FACTORS, AND GEOMETRIC AND ARITHMETIC MEAN LENGTH OF STAY--FY 2026 Final Rule",
            "\t".join(["MS-DRG", "FY 2026 Final Rule Post-Acute DRG", "FY 2026 Final Rule Special Pay DRG", "MDC",
                       "TYPE", "MS-DRG Title", "Weights", "Geometric mean LOS", "Arithmetic mean LOS"])]
    rows += ["\t".join([drg, "Yes", "No", "05", "MED", f"Heart failure and shock ({drg})", w, "3.1", "4.0"])
             for drg, w in weights.items()]
    path.write_text("\n".join(rows) + "\n")


def _hcc_map(path, categories: dict[str, str]) -> None:
    """The CMS "ICD-10 Mappings" layout (CSV export), with the V24 and RxHCC columns beside V28."""
    head = ["Diagnosis Code", "Description", "CMS-HCC ESRD Model Category V24", "CMS-HCC Model Category V24",
            "CMS-HCC Model Category V28", "RxHCC Model Category V08"]
    rows = [",".join(head)] + [f'{code},"some description",85,85,{cat},45' for code, cat in categories.items()]
    rows.append('J209,"Acute bronchitis, unspecified",,,,')
    path.write_text("2026 Midyear Final ICD-10-CM Mappings\n" + "\n".join(rows) + "\n")


def _fhir(text: str) -> bytes:
    div = "".join(f"<p>{p}</p>" for p in text.split("\n"))
    return json.dumps({"resourceType": "Composition", "id": "c1", "status": "final", "type": {"text": "Progress note"}, "date": "2026-05-01",
                       "author": [{"display": "Attending physician"}], "title": "Progress note",
                       "section": [{"title": "Assessment", "text": {"status": "generated",
                                                                    "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{div}</div>'}}]}).encode()


def _hl7(text: str) -> bytes:
    segs = ["MSH|^~\\&|EHR|HOSP|MEDCODER|RCM|202605011015||MDM^T02^MDM_T02|MSG1|P|2.5.1", "EVN|T02|202605011015",
            "PID|1||MRN1^^^HOSP^MR||SAMPLE^PAT||19480911|F", "TXA|1|PN|TX|20260501",
            f"OBX|1|TX|11506-3^Progress note^LN||{text}"]
    return "\r".join(segs).encode()


def _check(engine, dx, notes, setting="outpatient", procedures=(), **claim):
    c = parse_claim({"claim_id": "c1", "setting": setting, "diagnoses": list(dx), "procedures": list(procedures),
                     "patient": {"age": 70, "sex": "F"}, "lines": LINE, **claim})
    docs = [{"content": n[0], "fmt": n[1]} if isinstance(n, tuple) else {"content": n.encode(), "fmt": SourceFormat.TEXT}
            for n in notes]
    return engine.document_claim(c, docs)


def _kinds(doc) -> dict[str, str]:
    return {f.code: f.kind for f in doc.flags}


DM_CKD = "Assessment: Type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a. Continue metformin."


@pytest.mark.slow
@pytest.mark.parametrize("wrap, fmt", [(lambda t: t.encode(), SourceFormat.TEXT), (_fhir, SourceFormat.FHIR),
                                       (_hl7, SourceFormat.HL7V2)])
def test_e11_9_billed_for_diabetic_ckd_is_less_specific_in_every_format(engine, wrap, fmt):
    doc = _check(engine, ["E11.9"], [(wrap(DM_CKD), fmt)])
    flags = {f.code: f for f in doc.flags}
    assert flags["E11.9"].kind == "less_specific_than_documented" and flags["E11.9"].documented_code == "E11.22"
    assert "E11.22" in flags["E11.9"].why and "more specific" in flags["E11.9"].why
    assert flags["E11.9"].evidence and all(e.text for e in flags["E11.9"].evidence)
    assert flags["N18.31"].kind == "documented_not_billed"


@pytest.mark.slow
def test_a_code_the_note_only_negates_is_unsupported(engine):
    doc = _check(engine, ["J18.9"], ["Chief complaint: cough. No evidence of pneumonia. Assessment: acute bronchitis."])
    flag = next(f for f in doc.flags if f.code == "J18.9")
    assert flag.kind == "unsupported" and "negated" in flag.why
    assert [e.text.lower() for e in flag.evidence] == ["pneumonia"]     # where the note denies it
    assert _kinds(doc)["J20.9"] == "documented_not_billed"
    assert doc.first_listed is not None and doc.first_listed.documented_code == "J20.9"


@pytest.mark.slow
@pytest.mark.parametrize("note, code, words", [
    ("Family history: mother had breast cancer. Assessment: hyperlipidemia.", "C50.919", "family member"),
    ("Return if chest pain develops. Assessment: gastroesophageal reflux disease.", "R07.9", "hypothetical"),
    ("History of pulmonary embolism in 2019. Assessment: low back pain.", "I26.99", "past condition"),
    ("Assessment: low back pain. Ibuprofen as needed.", "I10", "no mention"),
])
def test_family_hypothetical_past_and_absent_mentions_leave_the_code_unsupported(engine, note, code, words):
    flag = next(f for f in _check(engine, [code], [note]).flags if f.code == code)
    assert flag.kind == "unsupported" and words in flag.why


@pytest.mark.slow
def test_billing_more_than_the_documentation_says_is_more_specific(engine):
    doc = _check(engine, ["I50.23"], [("Assessment: CHF, stable on furosemide.".encode(), SourceFormat.TEXT)])
    flag = doc.flags[0]
    assert (flag.kind, flag.documented_code) == ("more_specific_than_documented", "I50.9")
    assert "says more than the documentation" in flag.why


@pytest.mark.slow
def test_supported_codes_carry_their_evidence_and_a_combination_makes_the_part_less_specific(engine):
    doc = _check(engine, ["I10", "I50.9"], ["Assessment: CHF, stable on furosemide. Hypertension."])
    flags = {f.code: f for f in doc.flags}
    assert flags["I50.9"].kind == "supported" and flags["I50.9"].evidence[0].text == "CHF"
    assert (flags["I10"].kind, flags["I10"].documented_code) == ("less_specific_than_documented", "I11.0")


@pytest.mark.slow
def test_first_listed_diagnosis_that_is_not_the_reason_for_the_encounter_is_flagged(engine):
    note = "Chief complaint: cough for 5 days. Assessment: acute bronchitis. Also has hyperlipidemia on atorvastatin."
    doc = _check(engine, ["E78.5", "J20.9"], [note])
    assert _kinds(doc)["E78.5"] == "supported" and doc.first_listed.kind == "first_listed_not_supported"
    assert doc.first_listed.documented_code == "J20.9" and "list J20.9 first" in doc.first_listed.why
    assert _check(engine, ["J20.9", "E78.5"], [note]).first_listed is None


@pytest.mark.slow
def test_several_documents_are_read_together(engine):
    doc = _check(engine, ["E11.22", "N18.31"], [("Assessment: hypertension.".encode(), SourceFormat.TEXT),
                                                (_hl7(DM_CKD), SourceFormat.HL7V2)])
    assert _kinds(doc)["E11.22"] == "supported" and _kinds(doc)["N18.31"] == "supported"
    assert {f.code for f in doc.flags if f.kind == "documented_not_billed"} >= {"I10"}
    assert set(doc.coding_ms) == {"document-1", "document-2"}


INPATIENT_NOTE = ("Discharge diagnoses: Acute on chronic systolic congestive heart failure. Chronic kidney disease "
                  "stage 4. Type 2 diabetes with diabetic chronic kidney disease.")


@pytest.mark.slow
def test_inpatient_drg_of_billed_vs_documented_codes_names_the_cc_and_the_weight_difference(engine):
    doc = _check(engine, ["I50.9", "E11.9"], [INPATIENT_NOTE], setting="inpatient", form="institutional")
    assert {f.code: (f.kind, f.documented_code) for f in doc.flags if f.code in ("I50.9", "E11.9", "N18.4")} == {
        "I50.9": ("less_specific_than_documented", "I50.23"), "E11.9": ("less_specific_than_documented", "E11.22"),
        "N18.4": ("documented_not_billed", "")}
    p = doc.impact
    assert (p.billed.drg, p.documented.drg) == ("293", "292")
    assert ("N18.4", "CC", "documented") in p.difference
    assert p.weight_difference == pytest.approx(0.8730 - 0.6154)
    assert p.billed.relative_weight == pytest.approx(0.6154)
    hcc = {c: (h, billed) for c, h, billed in p.hcc}
    assert hcc["E11.22"] == ("HCC 37", False) and hcc["I50.23"] == ("HCC 226", False)
    assert p.missing == ()


@pytest.mark.slow
def test_outpatient_claims_get_hcc_but_no_drg(engine):
    p = _check(engine, ["E11.22", "N18.31"], [DM_CKD]).impact
    assert p.billed is None and p.documented is None
    assert ("E11.22", "HCC 37", True) in p.hcc


@pytest.mark.slow
def test_what_is_missing_without_the_tables_is_named(engine):
    from server.claims.impact import MISSING_HCC, MISSING_WEIGHTS, PaymentTables

    saved, engine.payment = engine.payment, PaymentTables()
    try:
        p = _check(engine, ["I50.9"], [INPATIENT_NOTE], setting="inpatient", form="institutional").impact
    finally:
        engine.payment = saved
    assert p.documented.drg == "292" and p.weight_difference is None and p.hcc == ()
    assert p.missing == (MISSING_WEIGHTS, MISSING_HCC)


@pytest.mark.slow
def test_pcs_procedures_are_judged_on_inpatient_claims(engine):
    note = "Discharge diagnoses: acute appendicitis. Procedure: laparoscopic appendectomy."
    doc = _check(engine, ["K35.80"], [note], setting="inpatient", form="institutional", procedures=["0FB44ZZ"])
    pcs = next(f for f in doc.flags if f.code == "0FB44ZZ")
    assert pcs.kind == "unsupported" and pcs.system.value == "ICD10PCS"


@pytest.mark.slow
def test_the_documents_are_coded_under_the_call_budget(engine):
    c = parse_claim({"claim_id": "c1", "diagnoses": ["E11.9"], "lines": LINE})
    with pytest.raises(BudgetExceeded), CallBudget(cpu_s=1e-6).running():
        engine.document_claim(c, [{"content": (DM_CKD * 40).encode()}])


def test_specificity_reads_the_tabular(icd10cm):
    assert specificity(icd10cm, "E11.9", "E11.22") == -1
    assert specificity(icd10cm, "I50.23", "I50.9") == 1
    assert specificity(icd10cm, "I50.9", "I50.23") == -1
    assert specificity(icd10cm, "J44.9", "J44.1") == -1           # COPD, unspecified vs with exacerbation
    assert specificity(icd10cm, "E11.21", "E11.22") == 0           # two different complications
    assert specificity(icd10cm, "I10", "I11.0") == 0               # another category: the pipeline's notes decide


def test_table5_and_hcc_loaders_read_the_cms_layouts(tmp_path):
    _table5(tmp_path / "t5.txt", {"291": "1.2921", "293": "0.6154"})
    w = load_drg_weights(tmp_path / "t5.txt")
    assert w.weight("291") == pytest.approx(1.2921) and w.weight("999") is None
    assert w.titles["293"].startswith("Heart failure")
    _hcc_map(tmp_path / "hcc.csv", {"E1122": "37", "E119": "38"})
    h = load_hcc_map(tmp_path / "hcc.csv")
    assert h.category("E11.22") == "HCC 37" and h.category("E119") == "HCC 38" and h.category("J20.9") is None


@pytest.mark.parametrize("bad, message", [
    ({"291": "heavy"}, "line 3: weight must be a positive decimal"),
    ({"29": "1.0"}, "no data row"),
])
def test_a_bad_table5_row_fails_the_load_with_its_line(tmp_path, bad, message):
    _table5(tmp_path / "t5.txt", bad)
    with pytest.raises(TableFormatError, match=message):
        load_drg_weights(tmp_path / "t5.txt")


def test_a_mapping_file_without_a_v28_column_is_refused(tmp_path):
    (tmp_path / "m.csv").write_text("Diagnosis Code,Description,CMS-HCC Model Category V24\nE1122,x,18\n")
    with pytest.raises(TableFormatError, match="V28"):
        load_hcc_map(tmp_path / "m.csv")
    (tmp_path / "m.csv").write_text("Diagnosis Code,Description,CMS-HCC Model Category V28\nE1122,x,HCC\n")
    with pytest.raises(TableFormatError, match="line 2: V28 category"):
        load_hcc_map(tmp_path / "m.csv")



def test_an_837_pwk_segment_names_the_attachments_sent_with_the_claim():
    from server.claims import parse_837
    from tests.unit.test_claims_parse import PROFESSIONAL, _x12

    body = PROFESSIONAL[:8] + ["PWK*09*EL***AC*ATT0042", "PWK*OZ*BM"] + PROFESSIONAL[8:]   # mailed: no control number
    (claim,) = parse_837(_x12(body), today=dt.date(2026, 5, 2))
    assert claim.attachments == ("ATT0042",)


@pytest.mark.slow
def test_an_attachment_the_request_does_not_carry_is_refused_before_coding(engine):
    from server.errors import InvalidInput

    c = parse_claim({"claim_id": "c1", "diagnoses": ["E11.9"], "lines": LINE, "attachments": ["ATT7"]})
    with pytest.raises(InvalidInput, match="ATT7"):
        engine.document_claim(c, [{"content": DM_CKD.encode(), "doc_id": "other"}])
    assert engine.document_claim(c, [{"content": DM_CKD.encode(), "doc_id": "ATT7"}]).flags
