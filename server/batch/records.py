"""One input record -> one result row: the coding half of ``medcoder batch``, without Ray.

A record is what a line of JSON Lines or a row of Parquet holds (both reach the coder as JSON
text): ``id``, ``content`` (the note as text), optional ``setting`` (inpatient / outpatient),
``format`` (text, fhir, hl7; default text), ``patient`` ({"age": 67, "sex": "F"}, or the same as a
JSON string), ``date_of_service`` and ``claim_lines`` (a claim's lines as ``ScoreClaim`` takes them). Its result row carries the
encounter's codes and edits as nested lists, or an error kind and reason; ``server.batch.sink``
splits rows into the ``encounters``, ``codes``, ``edits`` and ``errors`` datasets.

A bad record becomes an error row (its id, the error's kind and public message), never an
exception: a job over months of claims does not stop at one malformed note. Reasons never quote
the note (PHI): they are the error table's public messages (``server.errors``).
"""
from __future__ import annotations

import json
import re
import time
from typing import Any, Mapping

import pyarrow as pa

from server.domain import CodedEncounter, CodeSystem, Setting, SourceFormat
from server.errors import InvalidInput, MedcoderError, log_unexpected

FORMATS = {"text": SourceFormat.TEXT, "fhir": SourceFormat.FHIR, "hl7": SourceFormat.HL7V2,
           "hl7v2": SourceFormat.HL7V2, "auto": None}
MAX_ID_CHARS = 200

CODE = pa.struct([("code", pa.string()), ("system", pa.string()), ("description", pa.string()),
                  ("confidence", pa.float32()), ("evidence_start", pa.list_(pa.int32())),
                  ("evidence_end", pa.list_(pa.int32())), ("assertion", pa.string()),
                  ("principal", pa.bool_()), ("sequence", pa.int32()), ("suggestion_id", pa.string())])
EDIT = pa.struct([("source", pa.string()), ("kind", pa.string()), ("severity", pa.string()),
                  ("rationale", pa.string()), ("codes", pa.list_(pa.string())), ("lines", pa.list_(pa.int32())),
                  ("bypass_modifier_allowed", pa.bool_()), ("suggested_fix", pa.string())])
RESULT = pa.schema([("id", pa.string()), ("source", pa.string()), ("node", pa.string()), ("encounter_id", pa.string()),
                    ("setting", pa.string()), ("profile", pa.string()),
                    ("model_versions", pa.map_(pa.string(), pa.string())), ("coding_ms", pa.float32()),
                    ("codes", pa.list_(CODE)), ("edits", pa.list_(EDIT)),
                    ("error_kind", pa.string()), ("error_reason", pa.string())])


class BadRecord(InvalidInput):
    """A record that is not an encounter (no id, no content, a field of the wrong type)."""


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Coder:
    """Codes records with one engine, built once (the gateway's ``server.engine.Engine``: code
    sets, pipeline, claim edits and, with ``config.linker``, the encoder). Ray Data runs one per
    actor: ``ds.map_batches(Coder, fn_constructor_kwargs={"config": cfg}, batch_format="pyarrow")``."""

    def __init__(self, config):
        from server.engine import Engine

        self.engine = Engine(config, with_review_log=False)
        self.profile = config.profile
        self.node = _ray_node()

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = [self.code_record(r) for r in records_of(batch)]
        return pa.Table.from_pylist(rows, schema=RESULT)

    def code_record(self, rec: Mapping[str, Any]) -> dict:
        """The result row of one record; an error row when it cannot be coded."""
        source = str(rec.get("_source") or "")
        rid = rec.get("id")
        rid = str(rid)[:MAX_ID_CHARS] if isinstance(rid, (str, int)) and not isinstance(rid, bool) else ""
        try:
            if "_bad_json" in rec:
                raise BadRecord("line is not a JSON object")
            if not rid.strip():
                raise BadRecord("record has no id")
            return self._coded(rid, source, rec)
        except MedcoderError as e:
            return _error_row(rid, source, _snake(type(e).__name__), e.message)
        except Exception as e:   # a bug of ours: logged by type and frames, the row says no more
            log_unexpected("batch record", e)
            return _error_row(rid, source, "internal", "internal error")

    def _coded(self, rid: str, source: str, rec: Mapping[str, Any]) -> dict:
        from server.claims.parse import parse_patient

        content = rec.get("content")
        if not isinstance(content, str) or not content:
            raise BadRecord("record has no content (the note as text)")
        fmt = rec.get("format") or "text"
        if fmt not in FORMATS:
            raise BadRecord("format must be text, fhir, hl7 or auto")
        setting = rec.get("setting") or None
        if setting is not None and setting not in ("inpatient", "outpatient"):
            raise BadRecord("setting must be inpatient or outpatient")
        patient = rec.get("patient")
        if isinstance(patient, str):
            patient = _json_field(patient, "patient", dict)
        t0 = time.perf_counter()
        enc, eid = self.engine.code(content.encode("utf-8"), fmt=FORMATS[fmt], doc_id=rid,
                                    setting=Setting(setting) if setting else None,
                                    patient=parse_patient(patient) if patient else None,
                                    date_of_service=rec.get("date_of_service") or None)
        lines = rec.get("claim_lines")
        if isinstance(lines, str):
            lines = _json_field(lines, "claim_lines", list)
        # a claim's check includes the diagnosis edits the encounter got: one list, not both
        edits = (self._claim_edits(rid, enc, lines, patient, setting) if lines
                 else [_edit(e, "encounter") for e in enc.edits])
        return {"id": rid, "source": source, "node": self.node, "encounter_id": eid, "setting": enc.setting.value,
                "profile": self.profile, "model_versions": sorted(enc.model_versions.items()),
                "coding_ms": (time.perf_counter() - t0) * 1e3, "codes": [_code(c) for c in enc.codes],
                "edits": edits, "error_kind": None, "error_reason": None}

    def _claim_edits(self, rid: str, enc: CodedEncounter, lines, patient, setting) -> list[dict]:
        """The claim's lines checked (NCCI PTP/MUE, coverage, payer rules) with the diagnoses the
        coder would report, principal first: the same engine as ``ScoreClaim``."""
        if self.engine.claims is None:
            return []
        dx = [c.code for c in sorted(enc.codes, key=lambda c: c.sequence or 10**6)
              if c.system is CodeSystem.ICD10CM and c.confidence >= self.engine.pipeline.operating_threshold]
        claim = {"claim_id": rid, "lines": list(lines), "diagnoses": dx, "setting": setting or enc.setting.value}
        if patient:
            claim["patient"] = patient
        return [_edit(e, "claim") for e in self.engine.claims.score(claim).edits]


def _ray_node() -> str | None:
    """The Ray node this coder runs on (which node coded what, after a node was lost); None outside Ray."""
    try:
        import ray

        return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None
    except ImportError:
        return None


def records_of(batch: pa.Table) -> list[dict]:
    """A batch of JSON text lines (``text``, ``path``) as record dicts; a line that is not a JSON
    object is kept as a bad record (its file named, its text not)."""
    out = []
    for r in batch.to_pylist():
        try:
            rec = json.loads(r["text"])
        except ValueError:
            rec = None
        if not isinstance(rec, dict):
            rec = {"_bad_json": True}
        rec["_source"] = r.get("path") or ""
        out.append(rec)
    return out


def _json_field(text: str, field: str, kind: type):
    """A record's JSON-text field parsed, of the JSON type ``kind`` (dict or list), or BadRecord."""
    try:
        v = json.loads(text)
    except ValueError:
        raise BadRecord(f"{field} is not JSON") from None
    if not isinstance(v, kind):
        raise BadRecord(f"{field} must be a JSON {'object' if kind is dict else 'list'}")
    return v


def _code(c) -> dict:
    return {"code": c.code, "system": c.system.value, "description": c.description,
            "confidence": float(c.confidence), "evidence_start": [s.start for s in c.evidence],
            "evidence_end": [s.end for s in c.evidence], "assertion": c.assertion.value,
            "principal": bool(c.principal), "sequence": int(c.sequence), "suggestion_id": c.suggestion_id}


def _edit(e, source: str) -> dict:
    return {"source": source, "kind": e.kind, "severity": e.severity.value, "rationale": e.rationale,
            "codes": list(e.codes), "lines": [int(x) for x in e.lines],
            "bypass_modifier_allowed": bool(e.bypass_modifier_allowed), "suggested_fix": e.suggested_fix}


def _error_row(rid: str, source: str, kind: str, reason: str) -> dict:
    return {"id": rid, "source": source, "node": None, "encounter_id": None, "setting": None, "profile": None,
            "model_versions": None, "coding_ms": None, "codes": [], "edits": [],
            "error_kind": kind, "error_reason": reason}
