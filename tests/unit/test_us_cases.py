"""US coding cases written for this project (``tests/data/us_cases.jsonl``, same layout as the
guideline development suite: every ``must`` code reported, no ``must_not`` code). They were written
after the development suite passed, on conditions and phrasings it does not use, to see whether the
rules generalise; they stay as a regression guard. Codes verified against the FY2026 tabular."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.domain import Document, Setting
from tests.unit.test_pipeline_support import shared_pipeline

CASES = Path(__file__).resolve().parents[1] / "data" / "us_cases.jsonl"
PASS_RATE = 0.9   # what the set scored when it was frozen: 140 of 150
# Fresh cases (``us_fresh_cases.jsonl``): 7,406 cases in 297 batches (sessions 8-40), 2,972 of
# them long dictation-style notes, written blind by reviewers who never saw the code, with ``may``
# codes (supportable, optional) beside the required ones. First contact per batch 0-100%; the
# floor is what the set scored when it was last extended (5,873 of 7,406, 79%), less a little
# slack, so a change that loses ground on real notes fails.
FRESH = Path(__file__).resolve().parents[1] / "data" / "us_fresh_cases.jsonl"
FRESH_PASS_RATE = 0.75


@pytest.fixture(scope="module")
def pipe(icd10cm, icd10pcs):
    return shared_pipeline(icd10cm, icd10pcs, "us-claims")


def _failures(pipe, path: Path) -> tuple[list[str], int]:
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    failures = []
    for c in cases:
        enc = pipe.code(Document(c["id"], c["note"], setting=Setting(c["setting"])), min_score=pipe.operating_threshold)
        got = {x.code for x in enc.codes if x.system.value == "ICD10CM"}
        missing, wrong = set(c["must"]) - got, set(c["must_not"]) & got
        if missing or wrong:
            failures.append(f"{c['id']}: missing {sorted(missing)} wrong {sorted(wrong)}")
    return failures, len(cases)


def test_the_written_us_cases_pass_at_the_frozen_rate(pipe):
    failures, n = _failures(pipe, CASES)
    assert 1 - len(failures) / n >= PASS_RATE, "\n".join(failures)


@pytest.mark.slow
def test_the_fresh_real_note_cases_hold_their_frozen_rate(pipe):
    failures, n = _failures(pipe, FRESH)
    assert 1 - len(failures) / n >= FRESH_PASS_RATE, "\n".join(failures)
