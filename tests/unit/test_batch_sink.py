"""How `medcoder batch` lays out and commits its output (server/batch/sink.py), without a cluster:
result rows split into the four datasets, and a commit that replaces a previous run's datasets whole."""
from __future__ import annotations

import pytest

pytest.importorskip("ray.data", reason="the batch extra (ray[data]) is not installed")
import pyarrow as pa  # noqa: E402
import pyarrow.dataset as pads  # noqa: E402

from server.batch.records import RESULT, records_of  # noqa: E402
from server.batch.sink import DATASETS, _write, commit, empty_schemas, split  # noqa: E402


def _code(code, principal=False):
    return {"code": code, "system": "ICD10CM", "description": "", "confidence": 0.9, "evidence_start": [3],
            "evidence_end": [9], "assertion": "present", "principal": principal, "sequence": 1, "suggestion_id": ""}


def _rows():
    ok = {"id": "a", "source": "f.jsonl", "node": "n1", "encounter_id": "e1", "setting": "inpatient",
          "profile": "us-claims", "model_versions": [("profile", "us-claims")], "coding_ms": 3.0,
          "codes": [_code("I50.23", True), _code("E11.22")], "edits": [], "error_kind": None, "error_reason": None}
    empty = {**ok, "id": "b", "encounter_id": "e2", "codes": [], "setting": "outpatient"}
    bad = {"id": "c", "source": "f.jsonl", "node": None, "encounter_id": None, "setting": None, "profile": None,
           "model_versions": None, "coding_ms": None, "codes": [], "edits": [], "error_kind": "bad_record",
           "error_reason": "record has no id"}
    return pa.Table.from_pylist([ok, empty, bad], schema=RESULT)


def test_split_one_row_per_code_and_every_id_in_encounters_or_errors():
    t = split(_rows())
    assert t["encounters"]["id"].to_pylist() == ["a", "b"]          # b has no codes and is still there
    assert t["encounters"]["n_codes"].to_pylist() == [2, 0]
    assert [(r["id"], r["code"], r["encounter_id"]) for r in t["codes"].to_pylist()] == [
        ("a", "I50.23", "e1"), ("a", "E11.22", "e1")]
    assert t["errors"].to_pylist() == [{"id": "c", "source": "f.jsonl", "kind": "bad_record",
                                        "reason": "record has no id"}]


def test_a_line_that_is_not_json_is_a_bad_record_naming_its_file_only():
    batch = pa.table({"text": ['{"id": "x", "content": "CHF"}', "SECRET NOTE TEXT", "[1, 2]"],
                      "path": ["a.jsonl"] * 3})
    recs = records_of(batch)
    assert recs[0]["id"] == "x" and recs[0]["_source"] == "a.jsonl"
    assert recs[1] == {"_bad_json": True, "_source": "a.jsonl"} == recs[2]


def test_commit_replaces_the_previous_run_whole_and_empty_datasets_still_read(tmp_path):
    out = tmp_path / "out"
    for run, ids in (("1", ["a", "b"]), ("2", ["z"])):
        tmp = out / f".tmp-{run}"
        rows = _rows().filter(pa.compute.is_in(_rows()["id"], pa.array(ids)))
        for name, table in split(rows).items():
            if table.num_rows:
                _write(table, tmp / name, {"encounters": "setting", "codes": "system", "edits": "severity",
                                           "errors": "kind"}[name], "part-000000-0000")
        commit(tmp, out, empty_schemas())
    assert sorted(p.name for p in out.iterdir()) == sorted(DATASETS)   # no .tmp-*, no .old-*
    assert pads.dataset(out / "encounters", partitioning="hive").to_table().num_rows == 0   # z: not coded here
    assert pads.dataset(out / "codes", partitioning="hive").to_table().num_rows == 0
    assert "code" in pads.dataset(out / "codes", partitioning="hive").schema.names
