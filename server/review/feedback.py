"""``medcoder feedback export``: coders' decisions as Parquet for the training code in export/.

Layout ``medcoder.feedback.v1`` (one row per decision, oldest first; the schema version is in the
file's key-value metadata under ``medcoder.schema``):

  decision_id       string     unique id of the decision
  recorded_at       timestamp  (us, UTC) when it was durably recorded
  coder_id          string     who decided
  tenant_id         string     the coder's tenant
  encounter_id      string     the coded encounter (server-assigned)
  doc_id, setting, specialty   string   from the encounter ('' when unknown)
  suggestion_id     string     null for an added code
  action            string     accept | modify | reject | add
  system            string     ICD10CM | ICD10PCS | HCPCS | CPT
  suggested_code    string     the code as shown; null for add
  final_code        string     the code the coder settled on; null for reject
  suggestion_correct bool      accept -> true; modify, reject -> false; add -> null
  reason            string     '' when none was given
  confidence        float32    the model's confidence as shown; null for add
  assertion         string     assertion as shown (present, absent, ...); null for add
  evidence_start, evidence_end int32   add: the coder's selection; else the first evidence span shown
  evidence_text     string     the note text of that span (omitted with --no-text)
  note_text         string     the whole note (omitted with --no-text)
  model_versions    map<string,string>
  is_latest         bool       no later decision on the same suggestion (add: same code) exists;
                               corrections are new rows, so train on is_latest rows
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from server.review.log import ReviewLog

SCHEMA_VERSION = "medcoder.feedback.v1"
SCHEMA = pa.schema([
    ("decision_id", pa.string()), ("recorded_at", pa.timestamp("us", tz="UTC")),
    ("coder_id", pa.string()), ("tenant_id", pa.string()), ("encounter_id", pa.string()),
    ("doc_id", pa.string()), ("setting", pa.string()), ("specialty", pa.string()),
    ("suggestion_id", pa.string()), ("action", pa.string()), ("system", pa.string()),
    ("suggested_code", pa.string()), ("final_code", pa.string()), ("suggestion_correct", pa.bool_()),
    ("reason", pa.string()), ("confidence", pa.float32()), ("assertion", pa.string()),
    ("evidence_start", pa.int32()), ("evidence_end", pa.int32()), ("evidence_text", pa.string()),
    ("note_text", pa.string()), ("model_versions", pa.map_(pa.string(), pa.string())),
    ("is_latest", pa.bool_()),
])


def _key(d: dict[str, Any]) -> tuple[str, str]:
    return d["encounter_id"], d["suggestion_id"] or f"add:{d['final_code']}"


def feedback_rows(log: ReviewLog, tenant_id: str | None = None, with_text: bool = True) -> list[dict[str, Any]]:
    """The export's rows as dicts (SCHEMA's columns), oldest decision first."""
    decisions = log.decisions(tenant_id=tenant_id)
    latest = {_key(d): d["decision_id"] for d in decisions}
    encounters: dict[str, dict[str, Any] | None] = {}
    rows = []
    for d in decisions:
        eid = d["encounter_id"]
        if eid not in encounters:
            encounters[eid] = log.encounter(eid)
        enc = encounters[eid] or {}
        rows.append(_row(d, enc, latest[_key(d)] == d["decision_id"], with_text))
    return rows


def _row(d: dict[str, Any], enc: dict[str, Any], is_latest: bool, with_text: bool) -> dict[str, Any]:
    shown = json.loads(d.get("shown") or "{}")
    add = d["action"] == "add"
    start, end = d["evidence_start"], d["evidence_end"]
    if not add and shown.get("evidence"):
        start, end = shown["evidence"][0][0], shown["evidence"][0][1]
    text = enc.get("text")
    return {
        "decision_id": d["decision_id"],
        "recorded_at": dt.datetime.fromisoformat(d["recorded_at"].replace("Z", "+00:00")),
        "coder_id": d["coder_id"], "tenant_id": d["tenant_id"], "encounter_id": d["encounter_id"],
        "doc_id": enc.get("doc_id", ""), "setting": enc.get("setting", ""), "specialty": enc.get("specialty", ""),
        "suggestion_id": None if add else d["suggestion_id"], "action": d["action"], "system": d["system"],
        "suggested_code": None if add else d["suggested_code"],
        "final_code": None if d["action"] == "reject" else d["final_code"],
        "suggestion_correct": None if add else d["action"] == "accept",
        "reason": d["reason"], "confidence": shown.get("confidence"), "assertion": shown.get("assertion"),
        "evidence_start": start, "evidence_end": end,
        "evidence_text": text[start:end] if with_text and text and start is not None else None,
        "note_text": text if with_text else None,
        "model_versions": sorted(json.loads(d["model_versions"] or "{}").items()),
        "is_latest": is_latest,
    }


def export_feedback(log: ReviewLog, out: Path, tenant_id: str | None = None, with_text: bool = True,
                    actor: str = "cli") -> int:
    """Write the Parquet file (atomically: a temp file renamed into place); returns the row count."""
    rows = feedback_rows(log, tenant_id, with_text)
    table = pa.Table.from_pylist(rows, schema=SCHEMA).replace_schema_metadata(
        {"medcoder.schema": SCHEMA_VERSION, "medcoder.with_text": str(with_text).lower()})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(out)
    log.audit("cli", actor, tenant_id or "*", "export", "decisions", f"ok: {len(rows)} rows")
    return len(rows)
