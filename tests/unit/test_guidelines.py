"""Guideline behaviour a coder would check, each on a short realistic note.

The rules-only pipeline (no statistics learned from CodiEsp) is used so that each test shows one
rule; ``test_pipeline.py`` checks the shipped configuration keeps the same invariants.
"""
from __future__ import annotations

import pytest

from server.domain import Assertion, CodeSystem, Document, Setting
from server.pipeline import Pipeline
from tests.unit.test_pipeline_support import shared_pipeline


@pytest.fixture(scope="module")
def rules_pipe(icd10cm, icd10pcs) -> Pipeline:
    return shared_pipeline(icd10cm, icd10pcs, "rules")


def code(pipe, text, setting=Setting.OUTPATIENT, min_score=0.0):
    return pipe.code(Document(doc_id="t", text=text, setting=setting), min_score=min_score)


def codes(pipe, text, setting=Setting.OUTPATIENT) -> list[str]:
    """The codes the guidelines report (what they suppress is listed too, below the threshold)."""
    return reported(code(pipe, text, setting))


def reported(enc) -> list[str]:
    return [c.code for c in enc.codes if not any(n.kind == "not_reported" for n in c.notes)]


def by_code(enc, c):
    return next(s for s in enc.codes if s.code == c)


def test_negation_with_but_terminator(rules_pipe):
    got = codes(rules_pipe, "No evidence of CHF but there is pneumonia.")
    assert "J18.9" in got
    assert not any(c.startswith("I50") for c in got)


def test_denied_symptoms_are_not_coded(rules_pipe):
    got = codes(rules_pipe, "Patient denies fever, chest pain or dyspnea. Complains of headache.")
    assert "R51.9" in got
    assert not any(c.startswith(("R50", "R07", "R06")) for c in got)


def test_family_history_yields_family_history_code(rules_pipe):
    enc = code(rules_pipe, "Family history: mother with breast cancer.")
    got = [c.code for c in enc.codes]
    assert got == ["Z80.3"]
    assert by_code(enc, "Z80.3").assertion is Assertion.FAMILY


def test_relative_mentioned_in_sentence_is_family(rules_pipe):
    got = codes(rules_pipe, "His father had type 2 diabetes.")
    assert "Z83.3" in got and not any(c.startswith("E11") for c in got)


def test_past_condition_yields_personal_history_code(rules_pipe):
    got = codes(rules_pipe, "History of DVT five years ago, treated with warfarin for six months.")
    assert "Z86.718" in got
    assert not any(c.startswith("I82") for c in got)


def test_past_condition_is_listed_below_the_threshold_never_reported(rules_pipe):
    enc = code(rules_pipe, "History of DVT five years ago, treated with warfarin for six months.")
    past = [c for c in enc.codes if c.code.startswith("I82")]
    assert past and all(c.confidence < rules_pipe.operating_threshold for c in past)
    assert all(any(n.kind == "not_reported" and n.related_code == "Z86.718" for n in c.notes) for c in past)


def test_chronic_condition_written_as_history_is_coded(rules_pipe):
    enc = code(rules_pipe, "History of hypertension, on lisinopril.")
    assert "I10" in [c.code for c in enc.codes]
    assert any(n.kind == "chronic_history" for n in by_code(enc, "I10").notes)


def test_chronic_conditions_in_past_history_stay_coded(rules_pipe):
    """Lifelong or chronic conditions in a past history (gout, hiatal hernia, alcohol dependence)
    still coexist with the encounter: coded as current, not as a personal-history code."""
    enc = code(rules_pipe, "Past medical history: gout, hiatal hernia and alcohol dependence.", Setting.INPATIENT)
    got = reported(enc)
    assert {"M10.9", "K44.9", "F10.20"} <= set(got)
    assert all(any(n.kind == "chronic_history" for n in by_code(enc, c).notes) for c in ("M10.9", "K44.9", "F10.20"))


def test_without_complications_code_gives_way_to_the_complication_code(rules_pipe):
    enc = code(rules_pipe, "Type 2 diabetes. Diabetic nephropathy.", Setting.INPATIENT)
    assert reported(enc) == ["E11.21"]
    assert any(n.kind == "not_reported" and n.related_code == "E11.21" for n in by_code(enc, "E11.9").notes)


def test_combination_term_still_names_the_code_its_use_additional_note_asks_for(rules_pipe):
    """One index term can name a combination code ("hypertensive heart disease with heart
    failure" -> I11.0); the heart failure inside it is still coded, as I11.0's "use additional
    code" note asks (I.C.9.a.1)."""
    got = codes(rules_pipe, "Hypertensive heart disease with heart failure.", Setting.INPATIENT)
    assert got[:1] == ["I11.0"] and "I50.9" in got


def test_guideline_steps_can_be_traced_one_by_one(rules_pipe):
    """``export.guideline_cost`` counts what each step takes out of the report; the trace names
    the step that dropped the chest pain of an NSTEMI."""
    doc = Document(doc_id="t", text="Chest pain since this morning. Diagnosis: NSTEMI.", setting=Setting.INPATIENT)
    findings = rules_pipe.candidates(doc)
    removed = {}

    def trace(step, before, after):
        removed.update({c: step for c in before if c not in after})

    suppressed = rules_pipe.apply_guidelines(findings, trace)
    assert removed == {"R07.9": "integral symptom"} and set(suppressed) == {"R07.9"}
    assert "I21.4" in findings


def test_symptom_of_an_unreported_diagnosis_is_kept(rules_pipe):
    """A symptom is integral only to a diagnosis the encounter reports: below the operating
    threshold the pneumonia is not coded, so its fever is."""
    from server.pipeline import guidelines as gl
    from server.pipeline.findings import Finding

    def found(pneumonia):
        return {"R50.9": Finding("R50.9", CodeSystem.ICD10CM, 0.6, source="lexicon"),
                "J18.9": Finding("J18.9", CodeSystem.ICD10CM, pneumonia, source="lexicon")}

    cut = rules_pipe.operating_threshold
    weak, dropped = found(cut * 0.5), {}
    gl.drop_integral(weak, rules_pipe.guidelines, dropped, reported_from=cut)
    assert set(weak) == {"R50.9", "J18.9"} and not dropped
    strong, dropped = found(0.9), {}
    gl.drop_integral(strong, rules_pipe.guidelines, dropped, reported_from=cut)
    assert set(strong) == {"J18.9"} and set(dropped) == {"R50.9"}


def test_outpatient_uncertain_diagnosis_codes_the_symptom(rules_pipe):
    got = codes(rules_pipe, "Assessment: suspected pneumonia. Cough for three days.", Setting.OUTPATIENT)
    assert "R05.9" in got
    assert "J18.9" not in got


def test_inpatient_uncertain_diagnosis_is_coded_as_established(rules_pipe):
    enc = code(rules_pipe, "Discharge diagnosis: probable pneumonia. Cough for three days.", Setting.INPATIENT)
    j = by_code(enc, "J18.9")
    assert j.assertion is Assertion.POSSIBLE
    assert any(n.kind == "uncertain_dx" for n in j.notes)
    assert "R05.9" not in reported(enc)  # cough is integral to pneumonia


def test_hypothetical_condition_is_not_coded(rules_pipe):
    got = codes(rules_pipe, "Return to the emergency department if chest pain develops. Hypertension.")
    assert "I10" in got and "R07.9" not in got


def test_integral_symptom_dropped_with_confirmed_diagnosis(rules_pipe):
    enc = code(rules_pipe, "Chest pain since this morning. Diagnosis: NSTEMI.", Setting.INPATIENT)
    assert reported(enc) == ["I21.4"]
    assert any(n.kind == "integral_symptom" and n.related_code == "R07.9" for n in enc.codes[0].notes)


def test_suppressed_code_is_listed_below_the_threshold_with_the_reason(rules_pipe):
    """CodiEsp-style annotators often code the integral symptom: it stays in the ranked list, never
    reported, with the note that says why."""
    enc = code(rules_pipe, "Chest pain since this morning. Diagnosis: NSTEMI.", Setting.INPATIENT)
    r = by_code(enc, "R07.9")
    assert r.confidence < rules_pipe.operating_threshold <= by_code(enc, "I21.4").confidence
    assert any(n.kind == "not_reported" and n.related_code == "I21.4" and "integral" in n.message for n in r.notes)
    shown = code(rules_pipe, "Chest pain since this morning. Diagnosis: NSTEMI.", Setting.INPATIENT,
                 min_score=rules_pipe.operating_threshold)
    assert [c.code for c in shown.codes] == ["I21.4"]


def test_negated_symptom_is_never_listed_even_below_the_threshold(rules_pipe):
    enc = code(rules_pipe, "No chest pain. Diagnosis: NSTEMI.", Setting.INPATIENT)
    assert not any(c.code.startswith("R07") for c in enc.codes)


def test_diabetes_with_ckd_uses_combination_code_and_stage(rules_pipe):
    enc = code(rules_pipe, "DM2 with CKD 3a.")
    got = reported(enc)
    assert got == ["E11.22", "N18.31"]  # etiology before manifestation
    assert "E11.9" not in got and "N18.9" not in got
    assert any(n.kind == "combination" for n in enc.codes[0].notes)
    assert any(n.kind == "use_additional" and n.related_code == "N18.31" for n in enc.codes[0].notes)


def test_hypertension_with_ckd_is_i12(rules_pipe):
    got = codes(rules_pipe, "Hypertension and chronic kidney disease stage 4.")
    assert got == ["I12.9", "N18.4"]


def test_hypertension_with_esrd_is_i12_0(rules_pipe):
    got = codes(rules_pipe, "Hypertension. ESRD on hemodialysis three times a week.")
    assert "I12.0" in got and "N18.6" in got and "I10" not in got


def test_hypertension_with_heart_failure_is_i11_0(rules_pipe):
    got = codes(rules_pipe, "HTN with CHF.")
    assert got == ["I11.0", "I50.9"]


def test_hypertension_heart_failure_and_esrd_is_one_i13_code(rules_pipe):
    got = codes(rules_pipe, "HTN, CHF and ESRD on dialysis.", Setting.INPATIENT)
    assert [c for c in got if c.startswith(("I10", "I11", "I12", "I13"))] == ["I13.2"]
    assert "I50.9" in got and "N18.6" in got


def test_laterality_and_seventh_character(rules_pipe):
    enc = code(rules_pipe, "Fracture of the right femoral neck after a fall.", Setting.INPATIENT)
    frac = next(c for c in enc.codes if c.code.startswith("S72"))
    assert frac.code == "S72.001A"
    assert "right" in frac.description.lower()
    assert "W19.XXXA" in [c.code for c in enc.codes]  # placeholder X before the 7th character
    assert enc.codes[0].code == frac.code  # the external cause never leads


def test_subsequent_encounter_seventh_character(rules_pipe):
    got = codes(rules_pipe, "Follow-up visit for fracture of the left wrist, healing well.")
    frac = [c for c in got if c.startswith("S62")]
    assert frac and frac[0].endswith("D")


def test_excludes1_pair_never_emitted_together(rules_pipe):
    got = codes(rules_pipe, "Type 1 diabetes mellitus. Type 2 diabetes mellitus.")
    assert not (any(c.startswith("E10") for c in got) and any(c.startswith("E11") for c in got))


def test_code_first_manifestation_follows_etiology(rules_pipe):
    got = codes(rules_pipe, "CKD stage 3b due to type 2 diabetes.")
    assert got.index("E11.22") < got.index("N18.32")


@pytest.mark.parametrize("text,expected", [
    ("Admitted with NSTEMI.", "I21.4"),
    ("Known CHF.", "I50.9"),
    ("AFib on apixaban.", "I48.91"),
    ("T2DM, diet controlled.", "E11.9"),
    ("COPD on inhalers.", "J44.9"),
    ("UTI treated with nitrofurantoin.", "N39.0"),
])
def test_abbreviations(rules_pipe, text, expected):
    assert expected in codes(rules_pipe, text, Setting.INPATIENT)


def test_ckd_3a_abbreviation_alone(rules_pipe):
    assert codes(rules_pipe, "CKD 3a, stable creatinine.") == ["N18.31"]


def test_cdi_query_for_unspecified_heart_failure(rules_pipe):
    enc = code(rules_pipe, "Patient with CHF, on furosemide.")
    q = next(q for q in enc.cdi_queries if q.code == "I50.9")
    assert any("type" in m for m in q.missing) and any("acuity" in m for m in q.missing)
    assert q.evidence and enc.text[q.evidence[0].start:q.evidence[0].end] == "CHF"


def test_no_cdi_query_when_heart_failure_is_specific(rules_pipe):
    enc = code(rules_pipe, "Acute on chronic diastolic heart failure.")
    assert [c.code for c in enc.codes] == ["I50.33"]
    assert enc.cdi_queries == []


def test_cdi_queries_for_diabetes_and_fracture_without_side(rules_pipe):
    enc = code(rules_pipe, "Type 2 diabetes. Forearm fracture.")
    missing = {q.code: q.missing for q in enc.cdi_queries}
    assert any("complication" in m for m in missing["E11.9"])
    frac = next(c for c in missing if c.startswith("S52"))
    assert "laterality" in missing[frac]


def test_every_code_has_evidence_in_the_text(rules_pipe):
    text = "Assessment: NSTEMI. History of DM2 with CKD 3a. HTN."
    enc = code(rules_pipe, text, Setting.INPATIENT)
    assert enc.codes
    for c in enc.codes:
        assert c.evidence, c.code
        for s in c.evidence:
            assert 0 <= s.start < s.end <= len(text)
    nstemi = by_code(enc, "I21.4")
    assert text[nstemi.evidence[0].start:nstemi.evidence[0].end] == "NSTEMI"
    assert nstemi.evidence[0].section == "assessment"


def test_principal_diagnosis_is_first_and_unique(rules_pipe):
    enc = code(rules_pipe, "Chief complaint: shortness of breath.\nDischarge diagnosis: acute pulmonary embolism.\n"
                           "Hypertension.", Setting.INPATIENT)
    assert enc.codes[0].code.startswith("I26")
    assert [c.principal for c in enc.codes].count(True) == 1
    assert [c.sequence for c in enc.codes] == list(range(1, len(enc.codes) + 1))


def test_procedures_coded_for_inpatients_only(rules_pipe):
    text = "Chest x-ray showed a right lower lobe infiltrate."
    inpatient = code(rules_pipe, text, Setting.INPATIENT)
    assert "BW03ZZZ" in [c.code for c in inpatient.codes if c.system is CodeSystem.ICD10PCS]
    assert not [c for c in code(rules_pipe, text).codes if c.system is CodeSystem.ICD10PCS]


def test_allergy_list_is_not_coded_as_diagnoses(rules_pipe):
    got = codes(rules_pipe, "Allergies: penicillin causes urticaria.\nAssessment: cellulitis of the leg.")
    assert "L03.90" in got or any(c.startswith("L03") for c in got)
    assert not any(c.startswith("L50") for c in got)


# --- CKD stage, exact titles, evidence (bugs seen on examples/notes/discharge_chf.txt) ---

@pytest.fixture(scope="module")
def shipped_pipe(icd10cm, icd10pcs) -> Pipeline:
    return shared_pipeline(icd10cm, icd10pcs)


def test_type_2_of_diabetes_is_never_read_as_ckd_stage(rules_pipe):
    got = codes(rules_pipe, "She has type 2 diabetes mellitus with diabetic chronic kidney disease, CKD stage 3a.",
                Setting.INPATIENT)
    assert "N18.2" not in got
    assert [c for c in got if c.startswith("N18")] == ["N18.31"]


@pytest.mark.parametrize("text,stage", [
    ("Stage 3b chronic kidney disease.", "N18.32"),
    ("Chronic kidney disease, stage 4.", "N18.4"),
    ("Type 2 diabetes with chronic kidney disease.", "N18.9"),
])
def test_ckd_stage_comes_from_the_ckd_mention_own_words(rules_pipe, text, stage):
    got = codes(rules_pipe, text, Setting.INPATIENT)
    assert [c for c in got if c.startswith("N18")] == [stage]


def test_two_ckd_stages_are_never_reported_together(shipped_pipe):
    enc = code(shipped_pipe, "Chronic kidney disease. CKD stage 2 last year. Now chronic kidney disease stage 3a.",
               Setting.INPATIENT)
    ckd = [c for c in reported(enc) if c.startswith("N18")]
    assert len(ckd) == 1


def test_exact_tabular_title_is_reported_first(shipped_pipe):
    enc = code(shipped_pipe, "Discharge diagnoses: type 2 diabetes mellitus with diabetic chronic kidney disease, "
                             "stage 3a.", Setting.INPATIENT, min_score=shipped_pipe.operating_threshold)
    assert [c.code for c in enc.codes[:2]] == ["E11.22", "N18.31"]
    assert enc.codes[0].principal


def test_exact_tabular_title_is_confident_without_fusion(icd10cm, icd10pcs):
    enc = code(shared_pipeline(icd10cm, icd10pcs, "unfused"), "Discharge diagnoses: type 2 diabetes mellitus with "
               "diabetic chronic kidney disease, stage 3a.", Setting.INPATIENT)
    assert by_code(enc, "E11.22").confidence >= 0.8
    assert by_code(enc, "N18.31").confidence >= 0.35


_NOTE = ("DISCHARGE SUMMARY\n\nHISTORY OF PRESENT ILLNESS:\n72-year-old woman admitted with worsening dyspnea. "
         "Denies fever or trauma.\n\nHOSPITAL COURSE:\nEchocardiogram showed an ejection fraction of 30%.\n\n"
         "DISCHARGE DIAGNOSES:\n1. Acute on chronic systolic congestive heart failure.\n")


def _mention_spans(pipe, text):
    """(start, end) -> assertion of every mention the pipeline's sources find."""
    doc = Document(doc_id="t", text=text, setting=Setting.INPATIENT)
    sentences = pipe._sentences(doc)
    mentions = [m for src in pipe.sources for m in src.find(text, sentences)]
    pipe._assert(mentions, sentences)
    return {(m.start, m.end): m.assertion for m in mentions}


def test_evidence_is_a_mention_never_a_negated_or_unrelated_word(shipped_pipe):
    enc = code(shipped_pipe, _NOTE, Setting.INPATIENT)
    spans = _mention_spans(shipped_pipe, _NOTE)
    negated = [s for s, a in spans.items() if a in (Assertion.ABSENT, Assertion.HYPOTHETICAL)]
    for c in enc.codes:
        statistical_only = any(n.kind == "statistical_only" for n in c.notes)
        for e in c.evidence:
            said = _NOTE[e.start:e.end].lower()
            if statistical_only:   # the words that raised it: never inside a negated phrase
                assert not any(a <= e.start and e.end <= b for a, b in negated), (c.code, said)
                continue
            assert (e.start, e.end) in spans, (c.code, said)
            assert spans[(e.start, e.end)] not in (Assertion.ABSENT, Assertion.HYPOTHETICAL), (c.code, said)
            assert said not in ("summary", "denies", "admitted with", "echocardiogram showed"), c.code


def test_denied_fever_brings_no_fever_like_code(shipped_pipe):
    got = codes(shipped_pipe, "Chief complaint: right knee pain. Denies fever or trauma.", Setting.INPATIENT)
    assert not any(c.startswith(("R50", "R59", "R11")) for c in got)


def _named(pipe, text, setting=Setting.INPATIENT) -> list[str]:
    """Codes some phrase of the note names (the classifier's own suggestions left out)."""
    return [c.code for c in code(pipe, text, setting).codes
            if not any(n.kind == "statistical_only" for n in c.notes)]


def test_words_inside_a_longer_term_are_not_a_mention_of_their_own(shipped_pipe):
    got = _named(shipped_pipe, "Type 2 diabetes mellitus with diabetic chronic kidney disease, stage 3a. "
                               "Acute on chronic systolic congestive heart failure.")
    assert "N28.9" not in got          # "kidney disease" inside "chronic kidney disease"
    assert "I50.9" not in got and "I50.23" in got
    assert not any(c.startswith("R01") for c in got)   # "systolic" inside the heart failure term


def test_joint_pain_is_integral_to_osteoarthritis_of_that_joint(rules_pipe):
    enc = code(rules_pipe, "Chronic pain in the right knee. Assessment: primary osteoarthritis of the right knee.")
    got = reported(enc)
    assert got == ["M17.11"]
    assert {n.related_code for n in enc.codes[0].notes if n.kind == "integral_symptom"} >= {"M25.561"}


def test_classifier_suggestions_rank_below_what_the_note_names(icd10cm, icd10pcs):
    """Codes no phrase names come last, below the operating threshold, with the words that
    raised them as evidence (the hand-set confidence, without the learned fusion)."""
    text = ("Acute on chronic systolic congestive heart failure. Chest X-ray showed bilateral "
            "pleural effusion. Denies fever.")
    pipe = shared_pipeline(icd10cm, icd10pcs, "unfused")
    enc = code(pipe, text, Setting.INPATIENT)
    named = [c for c in enc.codes if not any(n.kind == "statistical_only" for n in c.notes)]
    tail = [c for c in enc.codes if any(n.kind == "statistical_only" for n in c.notes)]
    assert "I50.23" in [c.code for c in named] and tail
    assert max(c.confidence for c in tail) < 0.35 <= min(c.confidence for c in named if c.code == "I50.23")
    assert not any(c.code.startswith("R50") for c in tail)
    for c in tail:
        assert c.evidence and all(text[e.start:e.end].strip() for e in c.evidence)
    shown = [c.code for c in code(pipe, text, Setting.INPATIENT, min_score=0.35).codes]
    assert not set(shown) & {c.code for c in tail}
