"""Where ``medcoder batch`` writes: four Parquet datasets, swapped in whole when the job is done.

``DIR/encounters/``  one row per coded encounter (id, source file, Ray node, encounter_id, setting,
                     profile, model versions, coding_ms, n_codes, n_edits), partitioned by setting
``DIR/codes/``       one row per code: the encounter's id and encounter_id, code, system,
                     confidence, evidence offsets, assertion, principal flag, sequence, profile and
                     model versions; partitioned by system (``system=ICD10CM/``)
``DIR/edits/``       one row per edit (from the encounter's diagnoses or its claim lines),
                     partitioned by severity
``DIR/errors/``      one row per record that could not be coded (id, source file, kind, reason),
                     partitioned by kind

Every input id is in exactly one of ``encounters`` and ``errors``. Each write task writes files
named by its task index, so a task Ray retries (a lost node) overwrites its own files rather than
adding to them. Everything goes to ``DIR/.tmp-<uuid>/`` first and each dataset is renamed into
place only after the whole job succeeded: a rerun, or a run that dies, never leaves half a dataset.
"""
from __future__ import annotations

import shutil
import uuid
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
from ray.data import Datasink

DATASETS = ("encounters", "codes", "edits", "errors")
PARTITION = {"encounters": "setting", "codes": "system", "edits": "severity", "errors": "kind"}
_ENC = ["id", "encounter_id", "setting", "profile", "model_versions"]


def split(result: pa.Table) -> dict[str, pa.Table]:
    """The result rows of ``server.batch.records`` as the four output tables."""
    ok = result.filter(pc.is_null(result["error_kind"]))
    bad = result.filter(pc.is_valid(result["error_kind"]))
    encounters = ok.select(["id", "source", "node", "encounter_id", "setting", "profile", "model_versions",
                            "coding_ms"])
    encounters = encounters.append_column("n_codes", pc.list_value_length(ok["codes"]).cast(pa.int32()))
    encounters = encounters.append_column("n_edits", pc.list_value_length(ok["edits"]).cast(pa.int32()))
    errors = pa.table({"id": bad["id"], "source": bad["source"], "kind": bad["error_kind"],
                       "reason": bad["error_reason"]})
    return {"encounters": encounters, "codes": _explode(ok, "codes", _ENC),
            "edits": _explode(ok, "edits", ["id", "encounter_id"]), "errors": errors}


def _explode(t: pa.Table, column: str, keep: list[str]) -> pa.Table:
    """One row per element of the list column ``column``, beside the parent row's ``keep`` columns."""
    lists = t[column].combine_chunks() if t.num_rows else pa.array([], t.schema.field(column).type)
    parents = pc.list_parent_indices(lists)
    flat = pc.list_flatten(lists)
    out = t.select(keep).take(parents)
    for i, field in enumerate(flat.type):
        out = out.append_column(field.name, flat.field(i))
    return out


class BatchSink(Datasink):
    """Writes each block's four tables under ``tmp``; counts come back to the driver."""

    def __init__(self, tmp: Path):
        self.tmp = Path(tmp)
        self.counts: Counter = Counter()
        self.coding_ms = 0.0

    def write(self, blocks, ctx) -> dict:
        counts: Counter = Counter()
        coding_ms = 0.0
        for n, block in enumerate(blocks):
            tables = split(pa.Table.from_batches(block.to_batches(), schema=block.schema)
                           if not isinstance(block, pa.Table) else block)
            counts["encounters"] += tables["encounters"].num_rows
            counts["codes"] += tables["codes"].num_rows
            counts["edits"] += tables["edits"].num_rows
            coding_ms += float(pc.sum(tables["encounters"]["coding_ms"]).as_py() or 0.0)
            for kind in tables["errors"]["kind"].to_pylist():
                counts[f"error:{kind}"] += 1
            for name, table in tables.items():
                if table.num_rows:
                    _write(table, self.tmp / name, PARTITION[name], f"part-{ctx.task_idx:06d}-{n:04d}")
        return {"counts": dict(counts), "coding_ms": coding_ms}

    def on_write_complete(self, write_result) -> None:
        for r in write_result.write_returns:
            self.counts.update(r["counts"])
            self.coding_ms += r["coding_ms"]

    def get_name(self) -> str:
        return "MedcoderBatch"


def _write(table: pa.Table, folder: Path, partition: str, stem: str) -> None:
    pads.write_dataset(table, folder, format="parquet", partitioning=[partition], partitioning_flavor="hive",
                       basename_template=stem + "-{i}.parquet", existing_data_behavior="overwrite_or_ignore")


def commit(tmp: Path, out: Path, schemas: dict[str, pa.Schema]) -> None:
    """Move the finished datasets from ``tmp`` into ``out``, replacing a previous run's whole.
    A dataset with no rows gets one empty file with its schema, so it still reads."""
    out.mkdir(parents=True, exist_ok=True)
    for name in DATASETS:
        new = tmp / name
        if not new.is_dir():
            new.mkdir(parents=True)
            pq.write_table(schemas[name].empty_table(), new / "part-empty.parquet")
    old = out / f".old-{uuid.uuid4().hex[:8]}"
    old.mkdir()
    for name in DATASETS:
        if (out / name).exists():
            (out / name).rename(old / name)
        (tmp / name).rename(out / name)
    shutil.rmtree(old)
    shutil.rmtree(tmp, ignore_errors=True)


def empty_schemas() -> dict[str, pa.Schema]:
    from server.batch.records import RESULT

    return {name: t.schema for name, t in split(RESULT.empty_table()).items()}
