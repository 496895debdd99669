"""The real 1.59M-pair hospital PTP table from ../shared/data (CMS PTP layout, 2026 Q2)."""
from __future__ import annotations

import time

import pytest

from rules_native.edits import load_mue, load_ptp
from server.claims import ClaimEngine

from .ncci_fixtures import claim, line

pytestmark = [pytest.mark.slow, pytest.mark.data]


@pytest.fixture(scope="module")
def ptp(shared_data, cache_dir):
    return load_ptp(shared_data / "ncci" / "ptp_hospital_2026q2.txt.gz", cache_dir=cache_dir / "edits")


@pytest.fixture(scope="module")
def engine(ptp, shared_data, cache_dir):
    mue = load_mue(shared_data / "mue" / "mue_partial_medicaid.csv", cache_dir=cache_dir / "edits")
    return ClaimEngine(ptp_tables=[ptp], mue_tables=[mue], code_editor=False)


def test_the_whole_table_loads_and_then_comes_from_the_cache(ptp, shared_data, cache_dir):
    assert len(ptp) == 1_594_456 and ptp.provider_type == "hospital" and str(ptp.quarter) == "2026Q2"
    from rules_native.edits.dates import day_number
    import datetime as dt

    assert int(ptp.active_on(day_number(dt.date(2026, 4, 1))).sum()) == 1_401_094  # the README's count
    t0 = time.perf_counter()
    again = load_ptp(shared_data / "ncci" / "ptp_hospital_2026q2.txt.gz", cache_dir=cache_dir / "edits")
    assert again.from_cache and len(again) == len(ptp)
    print(f"cache load {time.perf_counter() - t0:.3f}s")


def test_known_active_pairs_are_flagged(engine):
    knee = engine.score(claim(line("29881", "2026-05-01"), line("29877", "2026-05-01")))
    (e,) = [x for x in knee.edits if x.kind == "ncci_ptp"]
    assert e.codes == ("29881", "29877") and not e.bypass_modifier_allowed
    egd = engine.score(claim(line("43235"), line("43239")))
    assert [x.codes for x in egd.edits if x.kind == "ncci_ptp"] == [("43239", "43235")]
    ecg = engine.score(claim(line("93005"), line("93000")))
    (e,) = [x for x in ecg.edits if x.kind == "ncci_ptp"]
    assert e.codes == ("93000", "93005") and e.bypass_modifier_allowed
    assert [x for x in engine.score(claim(line("93005"), line("93000", mods=("59",)))).edits
            if x.kind == "ncci_ptp"] == []


def test_a_pair_deleted_before_the_date_of_service_is_not_flagged(engine):
    # 0053A/0012A: in force 2023-01-01 .. 2023-12-31 only
    assert [x for x in engine.score(claim(line("0053A"), line("0012A"))).edits if x.kind == "ncci_ptp"] == []
    then = engine.score(claim(line("0053A", "2023-06-01"), line("0012A", "2023-06-01")))
    assert [x.codes for x in then.edits if x.kind == "ncci_ptp"] == [("0053A", "0012A")]


def test_a_pair_whose_column_order_changed_follows_the_date(engine):
    # 17000/11102 until 2019-12-31, 11102/17000 from 2020-01-01
    old = engine.score(claim(line("11102", "2019-08-01"), line("17000", "2019-08-01")))
    new = engine.score(claim(line("11102"), line("17000")))
    assert [x.codes for x in old.edits if x.kind == "ncci_ptp"] == [("17000", "11102")]
    assert [x.codes for x in new.edits if x.kind == "ncci_ptp"] == [("11102", "17000")]


def test_partial_medicaid_mue_applies_as_line_edits(engine):
    (e,) = engine.score(claim(line("20100", units=3))).edits
    assert e.kind == "mue" and "MAI 1 assumed" in e.rationale and "reduce units on line 1 to 2" in e.suggested_fix
    assert engine.score(claim(line("20100", units=2), line("20100", units=2))).edits == ()
