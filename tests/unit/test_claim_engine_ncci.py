"""PTP and MUE edits through ClaimEngine on tiny CMS-layout tables: every rule and edge."""
from __future__ import annotations

import pytest

from rules_native.edits import load_mue, load_ptp
from server.claims import ClaimEngine, result_to_json
from server.domain import Severity

from .ncci_fixtures import claim, line, write_mue, write_ptp

PTP_ROWS = [
    ("29881", "29877", "20190701", "*", 0),           # knee arthroscopy: never both
    ("11102", "17000", "20200101", "*", 1),           # biopsy + destruction: modifier allowed
    ("17000", "11102", "20190701", "20191231", 1),    # the same pair, other order, before 2020
    ("99213", "20610", "20190701", "*", 1),           # E/M + injection
    ("80053", "82947", "20190701", "*", 1),           # lab panel + glucose
    ("93000", "93005", "20190701", "*", 9),           # indicator 9: not applied
    ("43239", "43235", "20190701", "20251231", 0),    # deleted at the end of 2025
    ("64483", "64484", "20260701", "*", 0),           # effective after May 2026
]
MUE_ROWS = [("20610", 2, 2), ("97110", 4, 3), ("J1100", 3, 1), ("82947", 2, 3)]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ncci")
    ptp = load_ptp(write_ptp(tmp, "ccipra-v321r0-f1.txt", PTP_ROWS), cache_dir=tmp / "c")
    mue = load_mue(write_mue(tmp, "MCR_MUE_PractitionerServices_Eff_04-01-2026.csv", MUE_ROWS), cache_dir=tmp / "c")
    return ClaimEngine(ptp_tables=[ptp], mue_tables=[mue], code_editor=False)


def edits(engine, *lines, kind=None, **extra):
    result = engine.score(claim(*lines, **extra))
    return [e for e in result.edits if kind is None or e.kind == kind]


def test_indicator_0_is_flagged_and_no_modifier_bypasses_it(engine):
    for mods in ((), ("59",), ("XU",), ("LT",)):
        (e,) = edits(engine, line("29881"), line("29877", mods=mods), kind="ncci_ptp")
        assert e.codes == ("29881", "29877") and e.lines == (0, 1)
        assert e.severity is Severity.DENY and not e.bypass_modifier_allowed
        assert "remove line 2 (29877)" in e.suggested_fix


def test_indicator_1_needs_an_ncci_associated_modifier(engine):
    (e,) = edits(engine, line("11102"), line("17000"), kind="ncci_ptp")
    assert e.bypass_modifier_allowed and "59 or XE/XS/XP/XU to line 2" in e.suggested_fix
    for mods in (("59",), ("XE",), ("XS",), ("XP",), ("XU",)):
        assert edits(engine, line("11102"), line("17000", mods=mods), kind="ncci_ptp") == []
        assert edits(engine, line("11102", mods=mods), line("17000"), kind="ncci_ptp") == []
    assert len(edits(engine, line("11102"), line("17000", mods=("GA",)), kind="ncci_ptp")) == 1


def test_modifier_25_bypasses_only_on_the_em_line(engine):
    (e,) = edits(engine, line("99213"), line("20610"), kind="ncci_ptp")
    assert "modifier 25 to line 1" in e.suggested_fix
    assert edits(engine, line("99213", mods=("25",)), line("20610"), kind="ncci_ptp") == []
    assert len(edits(engine, line("99213"), line("20610", mods=("25",)), kind="ncci_ptp")) == 1


def test_anatomic_modifiers_bypass_only_for_different_sites(engine):
    assert edits(engine, line("11102", mods=("LT",)), line("17000", mods=("RT",)), kind="ncci_ptp") == []
    assert edits(engine, line("11102", mods=("F1",)), line("17000", mods=("F2",)), kind="ncci_ptp") == []
    assert len(edits(engine, line("11102", mods=("LT",)), line("17000", mods=("LT",)), kind="ncci_ptp")) == 1
    assert len(edits(engine, line("11102", mods=("LT",)), line("17000"), kind="ncci_ptp")) == 1


def test_modifier_91_bypasses_on_a_lab_line(engine):
    assert edits(engine, line("80053"), line("82947", mods=("91",)), kind="ncci_ptp") == []
    assert len(edits(engine, line("80053"), line("82947"), kind="ncci_ptp")) == 1


def test_indicator_9_is_never_applied(engine):
    assert edits(engine, line("93000"), line("93005"), kind="ncci_ptp") == []


def test_deleted_and_not_yet_effective_edits(engine):
    assert edits(engine, line("43239"), line("43235"), kind="ncci_ptp") == []          # deleted 2025-12-31
    assert len(edits(engine, line("43239", "2025-12-31"), line("43235", "2025-12-31"), kind="ncci_ptp")) == 1
    assert edits(engine, line("64483"), line("64484"), kind="ncci_ptp") == []          # effective 2026-07-01
    assert len(edits(engine, line("64483", "2026-07-01"), line("64484", "2026-07-01"), kind="ncci_ptp")) == 1


def test_same_pair_in_both_column_orders_follows_the_date(engine):
    (now,) = edits(engine, line("17000"), line("11102"), kind="ncci_ptp")
    assert now.codes == ("11102", "17000") and now.lines == (1, 0)
    (then,) = edits(engine, line("17000", "2019-10-01"), line("11102", "2019-10-01"), kind="ncci_ptp")
    assert then.codes == ("17000", "11102") and then.lines == (0, 1)


def test_lines_on_different_days_are_not_paired(engine):
    assert edits(engine, line("29881", "2026-05-01"), line("29877", "2026-05-02"), kind="ncci_ptp") == []


def test_mai_1_is_a_line_edit(engine):
    assert edits(engine, line("J1100", units=3), line("J1100", units=3), kind="mue") == []
    (e,) = edits(engine, line("J1100", units=2), line("J1100", units=4), kind="mue")
    assert e.lines == (1,) and e.bypass_modifier_allowed and "reduce units on line 2 to 3" in e.suggested_fix


def test_mai_2_sums_units_per_day_and_is_never_overridable(engine):
    (e,) = edits(engine, line("20610", mods=("RT",)), line("20610", mods=("LT", "59")), line("20610", mods=("50",)),
                 kind="mue")
    assert e.lines == (0, 1, 2) and not e.bypass_modifier_allowed and e.severity is Severity.DENY
    assert "3 reported" in e.rationale and "never payable" in e.suggested_fix
    assert edits(engine, line("20610"), line("20610", "2026-05-02"), kind="mue") == []


def test_mai_3_sums_per_day_and_points_to_appeal(engine):
    (e,) = edits(engine, line("97110", units=3), line("97110", units=2), kind="mue")
    assert e.lines == (0, 1) and not e.bypass_modifier_allowed and "appeal" in e.suggested_fix
    assert edits(engine, line("97110", units=4), kind="mue") == []


def test_quarters_side_by_side_use_the_one_in_force_on_the_date(tmp_path):
    q1 = load_ptp(write_ptp(tmp_path, "ccipra-v320r0-f1.txt", [("29881", "29877", "20190701", "*", 0)]),
                  cache_dir=tmp_path / "c")
    q2 = load_ptp(write_ptp(tmp_path, "ccipra-v321r0-f1.txt", [("29881", "29877", "20190701", "20260331", 0)]),
                  cache_dir=tmp_path / "c")
    eng = ClaimEngine(ptp_tables=[q2, q1], code_editor=False)
    assert edits(eng, line("29881", "2026-05-01"), line("29877", "2026-05-01"), kind="ncci_ptp") == []
    assert len(edits(eng, line("29881", "2026-02-01"), line("29877", "2026-02-01"), kind="ncci_ptp")) == 1


def test_professional_and_institutional_claims_meet_their_own_tables(tmp_path):
    pra = load_ptp(write_ptp(tmp_path, "ccipra-v321r0-f1.txt", [("29881", "29877", "20190701", "*", 0)]),
                   cache_dir=tmp_path / "c")
    oph = load_ptp(write_ptp(tmp_path, "ccioph-v321r0-f1.txt", [("11102", "17000", "20190701", "*", 0)]),
                   cache_dir=tmp_path / "c")
    eng = ClaimEngine(ptp_tables=[pra, oph], code_editor=False)
    knee = (line("29881"), line("29877"))
    skin = (line("11102"), line("17000"))
    assert len(edits(eng, *knee, kind="ncci_ptp")) == 1 and edits(eng, *skin, kind="ncci_ptp") == []
    assert edits(eng, *knee, kind="ncci_ptp", form="institutional") == []
    assert len(edits(eng, *skin, kind="ncci_ptp", form="institutional")) == 1
    assert edits(eng, *skin, kind="ncci_ptp", form="institutional", setting="inpatient") == []


def test_batch_keeps_going_past_an_unreadable_claim_and_bad_lines(engine):
    good = claim(line("29881"), line("29877"), claim_id="a")
    bad_lines = claim(line("29881", units=0), line("29877", "2031-01-01"), line("11102"), line("17000"), claim_id="b")
    results = engine.score_batch([good, {"lines": []}, bad_lines, claim(line("99213"), claim_id="d")])
    assert [r.claim_id for r in results] == ["a", "", "b", "d"]
    assert results[1].error == "claim has no claim_id" and results[1].denial_risk == 1.0
    b = {e.kind: e for e in results[2].edits}
    assert set(b) == {"invalid_line", "ncci_ptp"}
    assert [e.lines for e in results[2].edits if e.kind == "invalid_line"] == [(0,), (1,)]
    assert b["ncci_ptp"].lines == (2, 3)
    assert results[3].edits == () and results[3].denial_risk == 0.0


def test_denial_risk_orders_claims_by_how_fixable_their_edits_are(engine):
    clean = engine.score(claim(line("99213")))
    bypassable = engine.score(claim(line("11102"), line("17000")))
    hard = engine.score(claim(line("29881"), line("29877")))
    assert clean.denial_risk == 0.0 < bypassable.denial_risk < hard.denial_risk <= 1.0
    assert hard.denial_risk >= 0.95
    out = result_to_json(hard)
    assert out["claim_id"] == "c1" and out["edits"][0]["kind"] == "ncci_ptp"
    assert out["edits"][0]["lines"] == [0, 1] and out["edits"][0]["severity"] == "deny"
