"""LCD/NCD coverage CSVs and payer YAML rule packs: loading, validation and the edits they give."""
from __future__ import annotations

import pytest

from rules_native.edits import CoverageFormatError, RulePackError, load_coverage, load_rule_pack
from server.claims import ClaimEngine

from .ncci_fixtures import claim, line

COVERAGE = """procedure_code,diagnosis_codes,article_id,policy,effective_date,end_date,description
93000,I48.0-I48.91;R00.0;Z01.810,A57326,lcd,2025-01-01,,Electrocardiogram
82947,E11.*;R73.09,NCD190.20,ncd,,,Blood glucose
"""

PACK = """schema: 1
payer: acme-health
name: ACME 2026
rules:
  - id: PT-GP
    type: requires_modifier
    codes: ["97110-97116"]
    modifiers: [GP]
    message: therapy services need the GP plan-of-care modifier
  - id: PT-UNITS
    type: max_units_per_day
    codes: ["97110"]
    max_units: 4
    message: at most four units of therapeutic exercise a day
  - id: NO-COSMETIC
    type: not_covered
    codes: ["15780"]
    message: dermabrasion is not a covered benefit
  - id: GLUCOSE-DX
    type: requires_diagnosis
    codes: ["82947"]
    diagnoses: ["E11.*", "R73.*"]
    severity: warn
    message: glucose testing needs a diabetic or hyperglycaemia diagnosis
  - id: MRI-PA
    type: prior_authorization
    codes: ["70551-70553"]
    settings: [outpatient]
    message: brain MRI needs prior authorization
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rules")
    (tmp / "coverage.csv").write_text(COVERAGE)
    (tmp / "acme.yaml").write_text(PACK)
    return ClaimEngine(coverage=load_coverage([tmp / "coverage.csv"]), rule_packs=[load_rule_pack(tmp / "acme.yaml")],
                       code_editor=False)


def test_lcd_flags_a_line_whose_diagnoses_the_policy_does_not_cover(engine):
    (e,) = engine.score(claim(line("93000", ptrs=(1,)), diagnoses=["M17.11", "I48.20"])).edits
    assert e.kind == "lcd" and e.lines == (0,) and "LCD A57326" in e.rationale
    assert engine.score(claim(line("93000", ptrs=(2,)), diagnoses=["M17.11", "I48.20"])).edits == ()
    assert engine.score(claim(line("93000", ptrs=()), diagnoses=["M17.11", "I48.20"])).edits == ()
    assert engine.score(claim(line("93000", "2024-12-31"), diagnoses=["M17.11"])).edits == ()  # before the LCD


def test_ncd_prefix_ranges(engine):
    assert engine.score(claim(line("82947"), diagnoses=["E11.65"], payer="medicare")).edits == ()
    (e,) = engine.score(claim(line("82947"), diagnoses=["I10"], payer="medicare")).edits
    assert e.kind == "lcd" and "NCD NCD190.20" in e.rationale


def acme(*lines, **kw):
    return claim(*lines, payer="ACME-Health", **kw)


def test_payer_rules_apply_only_to_their_payer(engine):
    found = engine.score(acme(line("97110", units=3), line("97110", units=2), line("15780"))).edits
    got = sorted((e.kind, e.codes, e.lines) for e in found)
    assert got == [("payer", ("15780",), (2,)), ("payer", ("97110",), (0,)), ("payer", ("97110",), (0, 1)),
                   ("payer", ("97110",), (1,))]
    assert engine.score(claim(line("97110", units=9), line("15780"))).edits == ()  # medicare


def test_payer_rule_kinds(engine):
    assert engine.score(acme(line("97112", mods=("GP",)))).edits == ()
    assert engine.score(acme(line("82947"), diagnoses=["E11.9"])).edits == ()
    (lcd, dx) = sorted(engine.score(acme(line("82947"), diagnoses=["I10"])).edits, key=lambda e: e.kind)
    assert lcd.kind == "lcd" and dx.kind == "payer"
    assert dx.severity.value == "warn" and "GLUCOSE-DX" in dx.rationale
    (pa,) = engine.score(acme(line("70553"))).edits
    assert "prior authorization" in pa.rationale
    assert engine.score(acme(line("70553"), setting="inpatient", form="professional")).edits == ()


@pytest.mark.parametrize("text, message", [
    ("payer: x\nrules: []\n", "non-empty list"),
    ("rules:\n  - {id: a, type: not_covered, codes: ['15780'], message: m}\n", "payer"),
    ("payer: x\nrules:\n  - {id: a, type: deny_all, codes: ['15780'], message: m}\n", "type must be one of"),
    ("payer: x\nrules:\n  - {id: a, type: not_covered, codes: ['1578'], message: m}\n", "not a procedure code"),
    ("payer: x\nrules:\n  - {id: a, type: not_covered, codes: ['15780']}\n", "missing required key 'message'"),
    ("payer: x\nrules:\n  - {id: a, type: max_units_per_day, codes: ['15780'], message: m}\n", "needs 'max_units'"),
    ("payer: x\nrules:\n  - {id: a, type: not_covered, codes: ['15780'], message: m, colour: red}\n", "unknown key"),
    ("payer: x\nrules:\n  - {id: a, type: not_covered, codes: ['15780'], message: m}\n"
     "  - {id: a, type: not_covered, codes: ['15781'], message: m}\n", "duplicate rule id"),
    ("payer: x\nrules: [\n", "not valid YAML"),
    ("payer: x\nrules:\n  - {id: a, type: requires_diagnosis, codes: ['82947'], diagnoses: ['1234'], message: m}\n",
     "not an ICD-10-CM"),
])
def test_bad_rule_packs_fail_with_a_clear_message(tmp_path, text, message):
    (tmp_path / "pack.yaml").write_text(text)
    with pytest.raises(RulePackError, match=message) as err:
        load_rule_pack(tmp_path / "pack.yaml")
    assert "pack.yaml" in str(err.value)


@pytest.mark.parametrize("text, message, line", [
    ("procedure_code,article_id\n93000,A1\n", "diagnosis_codes", 1),
    ("procedure_code,diagnosis_codes,article_id,colour\n93000,I10,A1,red\n", "unknown column", 1),
    ("procedure_code,diagnosis_codes,article_id\n9300,I10,A1\n", "procedure_code", 2),
    ("procedure_code,diagnosis_codes,article_id\n93000,I10,A1\n93000,I48.9-I48.0,A1\n", "backwards", 3),
    ("procedure_code,diagnosis_codes,article_id\n93000,,A1\n", "no diagnosis codes", 2),
    ("procedure_code,diagnosis_codes,article_id,effective_date\n93000,I10,A1,01/01/2025\n", "date", 2),
])
def test_bad_coverage_files_fail_with_the_line(tmp_path, text, message, line):
    (tmp_path / "cov.csv").write_text(text)
    with pytest.raises(CoverageFormatError, match=message) as err:
        load_coverage([tmp_path / "cov.csv"])
    assert err.value.line == line
