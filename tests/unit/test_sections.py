"""Section detection and sentence splitting."""
from __future__ import annotations

import pytest

from server.domain import Assertion
from server.errors import InvalidInput
from server.pipeline.sections import SectionRules
from server.pipeline.text import normalize_phrase, split_sentences, tokenize

NOTE = ("Chief complaint: chest pain\n"
        "PMH: hypertension, DM2\n"
        "FAMILY HISTORY\n"
        "Mother had breast cancer.\n"
        "Assessment: NSTEMI.\n"
        "Plan: cardiology consult")


@pytest.fixture(scope="module")
def rules() -> SectionRules:
    return SectionRules.load()


def test_headers_split_note_into_sections(rules):
    names = [s.name for s in rules.split(NOTE)]
    assert names == ["chief_complaint", "past_medical_history", "family_history", "assessment", "plan"]


def test_section_lookup_by_offset(rules):
    m = rules.split(NOTE)
    assert m.at(NOTE.index("Mother")).name == "family_history"
    assert m.at(NOTE.index("hypertension")).name == "past_medical_history"
    assert m.at(NOTE.index("NSTEMI")).name == "assessment"


def test_section_bodies_exclude_the_header(rules):
    fam = next(s for s in rules.split(NOTE) if s.name == "family_history")
    assert "FAMILY HISTORY" not in NOTE[fam.body_start:fam.end]
    assert "Mother had breast cancer." in NOTE[fam.body_start:fam.end]


def test_section_rules_carry_default_assertions(rules):
    assert rules.rules["family_history"].assertion is Assertion.FAMILY
    assert rules.rules["past_medical_history"].assertion is Assertion.HISTORICAL
    assert rules.rules["allergies"].codable is False


def test_text_without_headers_is_one_body_section(rules):
    text = "Patient with fever and cough for three days."
    assert [s.name for s in rules.split(text)] == ["body"]


def test_ingest_segments_name_sections(rules):
    text = "hypertension since 2010"
    m = rules.split(text, segments=((0, len(text), "Past Medical History"),))
    assert m.at(3).name == "past_medical_history"


def test_a_word_mid_sentence_is_not_a_header(rules):
    text = "The patient's history: unremarkable. We discussed the plan with the family."
    names = [s.name for s in rules.split(text)]
    assert "plan" not in names


@pytest.mark.parametrize("bad", [
    {"version": 2, "sections": []},
    {"version": 1, "sections": [{"name": "x", "titles": [], "assertion": None, "codable": True, "weight": 1}]},
    {"version": 1, "sections": [{"name": "x", "titles": ["x"], "assertion": "maybe", "codable": True, "weight": 1}]},
    {"version": 1, "sections": [{"titles": ["x"]}]},
])
def test_bad_section_rules_fail_loudly(bad):
    with pytest.raises(InvalidInput):
        SectionRules.from_json(bad)


def test_sentence_splitter_keeps_abbreviations_together():
    text = "Seen by Dr. Smith today. Metformin 500 mg b.i.d. was started. Temp 37.5 C.\nNo fever."
    sents = [text[a:b] for a, b in split_sentences(text)]
    assert sents == ["Seen by Dr. Smith today.", "Metformin 500 mg b.i.d. was started.", "Temp 37.5 C.",
                     "No fever."]


def test_sentence_offsets_point_into_the_text():
    text = "  Fever.   Cough!  "
    for a, b in split_sentences(text):
        assert text[a:b] in ("Fever.", "Cough!")


def test_tokens_normalise_plurals_and_spelling_variants():
    assert [t.norm for t in tokenize("Fractures of the ribs; haemorrhage")] == [
        "fracture", "of", "the", "ribs", "hemorrhage"]
    assert normalize_phrase("Femoral neck") == ("femur", "neck")
    toks = tokenize("CHF, acute")
    assert ("CHF, acute"[toks[0].start:toks[0].end], toks[0].norm) == ("CHF", "chf")
