"""Excludes1, Medicare Code Editor, code validity and MS-DRG on real FY2026 ICD-10-CM data."""
from __future__ import annotations

import pytest

from server.claims import ClaimEngine
from server.domain import Patient, Setting

from .ncci_fixtures import claim, line


class _Sets:
    """The slice of CodeSets the engine reads (ICD-10-CM only; no HCPCS release loaded)."""

    def __init__(self, icd10cm):
        self.icd10cm, self.hcpcs, self.cpt = icd10cm, None, None


@pytest.fixture(scope="module")
def engine(icd10cm):
    return ClaimEngine(codesets=_Sets(icd10cm), group_drg=True)


def kinds(edits):
    return sorted(e.kind for e in edits)


def test_clean_diabetic_ckd_encounter_has_no_edits(engine):
    assert engine.check_diagnoses(["E11.22", "N18.31"], Patient(67, "F"), Setting.OUTPATIENT, "2026-05-01") == []


def test_excludes1_is_inherited_from_the_category_note(engine):
    (e,) = engine.check_diagnoses(["E11.9", "E10.9"], Patient(50, "M"), "outpatient", "2026-05-01")
    assert e.kind == "excludes1" and e.codes == ("E11.9", "E10.9") and e.severity.value == "warn"
    assert "E11" in e.rationale and "E10" in e.rationale and "unrelated" in e.suggested_fix


def test_mce_age_conflict_names_the_code(engine):
    edits = engine.check_diagnoses(["I10", "O80"], Patient(80, "F"), "inpatient", "2026-05-01")
    assert [(e.kind, e.codes) for e in edits] == [("mce_age", ("O80",))]
    assert engine.check_diagnoses(["I10", "O80"], Patient(30, "F"), "inpatient", "2026-05-01") == []
    assert engine.check_diagnoses(["I10", "O80"], Patient(None, "F"), "inpatient", "2026-05-01") == []


def test_mce_sex_conflict_only_while_cms_had_the_lists(engine):
    (e,) = engine.check_diagnoses(["I10", "N40.1"], Patient(60, "F"), "inpatient", "2024-05-01")
    assert e.kind == "mce_sex" and e.codes == ("N40.1",)
    assert engine.check_diagnoses(["I10", "N40.1"], Patient(60, "M"), "inpatient", "2024-05-01") == []
    # FY2025 (from 2024-10-01) removed the MCE sex-conflict edit
    assert engine.check_diagnoses(["I10", "N40.1"], Patient(60, "F"), "inpatient", "2026-05-01") == []


def test_manifestation_and_unacceptable_principal(engine):
    # anaemia in chronic kidney disease: code first the underlying CKD
    (e,) = engine.check_diagnoses(["D63.1", "N18.4"], Patient(60, "F"), "inpatient", "2026-05-01")
    assert e.kind == "manifestation_principal" and e.codes == ("D63.1",) and "underlying" in e.suggested_fix
    assert engine.check_diagnoses(["N18.4", "D63.1"], Patient(60, "F"), "inpatient", "2026-05-01") == []
    (u,) = engine.check_diagnoses(["B95.0", "L03.115"], Patient(60, "F"), "inpatient", "2026-05-01")
    assert u.kind == "unacceptable_principal" and u.codes == ("B95.0",)


def test_non_billable_and_unknown_codes_are_invalid(engine):
    edits = engine.check_diagnoses(["E11", "E11.9", "Z99.99"], Patient(60, "F"), "outpatient", "2026-05-01")
    assert [(e.kind, e.codes) for e in edits] == [("invalid_code", ("E11",)), ("invalid_code", ("Z99.99",))]
    assert "not billable" in edits[0].rationale


def test_claim_gets_diagnosis_edits_and_line_pointers(engine):
    c = claim(line("99213", ptrs=(1,)), line("82947", ptrs=(2,)), diagnoses=["E11.9", "E10.9", "E11"])
    result = engine.score(c)
    assert kinds(result.edits) == ["excludes1", "invalid_code"]
    ex = next(e for e in result.edits if e.kind == "excludes1")
    assert ex.lines == (0, 1)


def test_inpatient_claim_is_grouped_to_an_ms_drg(engine):
    c = claim(line("99223"), diagnoses=["I50.21", "E11.22", "N18.31"], setting="inpatient",
              form="institutional", procedures=[])
    result = engine.score(c)
    assert result.drg == "293" and "Heart Failure" in result.drg_description
    assert engine.score(claim(line("99213"), diagnoses=["I50.21"])).drg == ""
