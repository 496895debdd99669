"""ConText: negation, uncertainty, history, family, hypothetical, and scope."""
from __future__ import annotations

import pytest

from server.domain import Assertion
from server.errors import InvalidInput
from server.pipeline.context import ContextRules, assert_span
from server.pipeline.text import normalize_phrase


@pytest.fixture(scope="module")
def rules() -> ContextRules:
    return ContextRules.load()


def assertion_of(rules: ContextRules, sentence: str, target: str) -> Assertion:
    words = list(normalize_phrase(sentence))
    t = list(normalize_phrase(target))
    i = next(k for k in range(len(words)) if words[k:k + len(t)] == t)
    gaps = [False] * (len(words) + 1)
    if ";" in sentence:  # mark the token after each semicolon
        before = sentence.split(";")[0]
        gaps[len(normalize_phrase(before))] = True
    return assert_span(rules.triggers(words), i, i + len(t), gaps)


@pytest.mark.parametrize("sentence,target,expected", [
    ("No evidence of CHF but there is pneumonia", "chf", Assertion.ABSENT),
    ("No evidence of CHF but there is pneumonia", "pneumonia", Assertion.PRESENT),
    ("Patient denies chest pain, dyspnea or palpitations", "palpitations", Assertion.ABSENT),
    ("Pulmonary embolism was ruled out", "pulmonary embolism", Assertion.ABSENT),
    ("Suspected pneumonia", "pneumonia", Assertion.POSSIBLE),
    ("Rule out myocardial infarction", "myocardial infarction", Assertion.POSSIBLE),
    ("Findings consistent with appendicitis", "appendicitis", Assertion.POSSIBLE),
    ("History of DVT", "dvt", Assertion.HISTORICAL),
    # the illness that brings the patient in, however long it has lasted, is current
    ("Admitted with a 2-month history of progressive dyspnea", "dyspnea", Assertion.PRESENT),
    ("A seven-day history of fever and cough", "fever", Assertion.PRESENT),
    ("She has a long history of asthma", "asthma", Assertion.HISTORICAL),
    ("Since the previous month, edema of both legs", "edema", Assertion.PRESENT),
    ("Twenty days prior to admission, a sudden pain in the flank", "pain", Assertion.PRESENT),
    ("A 47-year-old man with no relevant past medical history of headache", "headache", Assertion.ABSENT),
    ("Her mother had breast cancer", "breast cancer", Assertion.FAMILY),
    ("No family history of diabetes", "diabetes", Assertion.ABSENT),
    ("Return if fever develops", "fever", Assertion.HYPOTHETICAL),
    ("Gram negative bacilli in the urine with cystitis", "cystitis", Assertion.PRESENT),
    ("Fever and cough", "cough", Assertion.PRESENT),
    ("No fever; cough for two weeks", "cough", Assertion.PRESENT),
    ("Non ST elevation myocardial infarction", "myocardial infarction", Assertion.PRESENT),
])
def test_assertion(rules, sentence, target, expected):
    assert assertion_of(rules, sentence, target) is expected


def test_negation_scope_is_limited(rules):
    long = "No fever was reported at the clinic visit last week by the patient or family and now pneumonia"
    assert assertion_of(rules, long, "pneumonia") is Assertion.PRESENT


def test_rules_round_trip(rules):
    again = ContextRules.from_json(rules.to_json())
    assert again.to_json() == rules.to_json()


@pytest.mark.parametrize("bad", [
    {"version": 1, "rules": [{"literal": "no", "category": "NEGATED", "direction": "FORWARD"}]},
    {"version": 1, "rules": [{"literal": "no", "category": "NEGATED_EXISTENCE", "direction": "SIDEWAYS"}]},
    {"version": 1, "rules": [{"literal": "", "category": "NEGATED_EXISTENCE", "direction": "FORWARD"}]},
    {"rules": []},
])
def test_bad_context_rules_fail_loudly(bad):
    with pytest.raises(InvalidInput):
        ContextRules.from_json(bad)
