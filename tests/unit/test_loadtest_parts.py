"""The load test's pure parts: CPU sets, note selection, per-step overload table."""
from __future__ import annotations

import random

import pytest

from loadtest import cpus as cpu_sets
from loadtest.events import Recorder, load_seconds, percentile, step_table
from loadtest.workload import load_notes, parse_weights, parse_words, task_sequence


def test_cpu_lists_round_trip_and_default_split_leaves_no_overlap():
    assert cpu_sets.parse("0,2,4-6") == {0, 2, 4, 5, 6}
    assert cpu_sets.describe({0, 1, 2, 5}) == "0-2,5"
    with pytest.raises(cpu_sets.CpuSetError):
        cpu_sets.parse("3-1")
    gw, lg = cpu_sets.plan_cpus()
    usable = set(cpu_sets.available())
    assert gw and lg and gw | lg <= usable
    assert not gw & lg or len(usable) == 1


def test_cpus_this_process_may_not_use_are_refused():
    with pytest.raises(cpu_sets.CpuSetError, match="not all usable"):
        cpu_sets.plan_cpus("4096", "")


def test_note_length_filter_and_weights(tmp_path):
    (tmp_path / "a.txt").write_text("word " * 10)
    (tmp_path / "b.txt").write_text("word " * 400)
    assert len(load_notes(tmp_path, words=parse_words("300-500"))) == 1
    assert len(load_notes(tmp_path, words=parse_words("all"))) == 2
    with pytest.raises(FileNotFoundError):
        load_notes(tmp_path, words=(1000, 2000))
    weights = parse_weights("claim=0,stream=0")
    seq = task_sequence(weights, random.Random(1))
    assert {next(seq) for _ in range(200)} == {"text", "fhir", "hl7"}
    with pytest.raises(ValueError, match="unknown task"):
        parse_weights("fax=1")


def test_step_table_separates_shed_calls_from_admitted_latency(tmp_path):
    rec = Recorder()
    for t in range(100, 130):   # 10 users for 15 s, then 50 users for 15 s
        for _ in range(5):
            rec.record("CodeEncounter", t + 0.5, 100 if t < 115 else 400, None)
        if t >= 115:
            for _ in range(7):
                rec.record("CodeEncounter", t + 0.5, 1, "RESOURCE_EXHAUSTED")
        rec.record("ScoreClaim", t + 0.5, 5, None)   # not an encounter: not counted
    rec.dump(tmp_path)
    rows = step_table(load_seconds(tmp_path), {100: 10, 115: 50}, p99_bound_ms=1000)
    low, high = rows
    assert (low["users"], low["encounters_per_min"], low["p99_ms"], low["resource_exhausted"]) == (10, 300, 100, 0)
    assert high["users"] == 50 and high["resource_exhausted"] == 7 * high["seconds"]
    assert high["p50_ms"] == 400 and high["within_bound"]


def test_percentile_of_histogram():
    assert percentile({10: 98, 900: 2}, 0.99) == 900
    assert percentile({10: 98, 900: 2}, 0.5) == 10
    assert percentile({}, 0.99) == 0.0


def test_report_keeps_offered_load_goodput_and_admitted_latency_apart(tmp_path):
    from loadtest.report import failures_after, offered_and_admitted

    rec = Recorder()
    for t in range(100, 160):
        rec.record("CodeEncounter", t + 0.5, 200, None)
        rec.record("CodeEncounters.item", t + 0.5, 300, None)
        rec.record("ScoreClaim", t + 0.5, 20, None)
    rec.record("CodeEncounter", 130.2, 2500, "RESOURCE_EXHAUSTED")   # failed past the retry budget
    rec.record("ScoreClaim", 131.0, 3, "UNAVAILABLE")
    rec.record("CodeEncounter", 150.0, 5, "INVALID_ARGUMENT")
    rec.dump(tmp_path)
    stats = {"CodeEncounter": {"Request Count": "62"}, "CodeEncounters.item": {"Request Count": "60"},
             "ScoreClaim": {"Request Count": "61"}, "Aggregated": {"Request Count": "183"}}
    out = offered_and_admitted(stats, 60, tmp_path)
    assert out["offered"] == {"calls_per_min": 183.0, "encounters_per_min": 122.0}
    assert out["goodput_encounters_per_min"] == 120.0
    assert out["admitted"]["CodeEncounter"] == {"calls": 60, "p50_ms": 200, "p95_ms": 200, "p99_ms": 200}
    assert out["admitted"]["CodeEncounters.item"]["p99_ms"] == 300   # the slow failure is not in it
    assert out["failed_past_retry_budget"] == {"RESOURCE_EXHAUSTED": 1, "UNAVAILABLE": 1}
    assert out["failed_other"] == {"INVALID_ARGUMENT": 1}
    assert failures_after(tmp_path, 130, 5) == {"CodeEncounter": 1, "ScoreClaim": 1}
