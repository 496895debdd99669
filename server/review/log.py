"""The coders' decision log, the encounters kept for review, and the audit trail: one database.

Append-only and durable: ``record`` returns once the decision is on disk (SQLite WAL with fsync on
every commit, or PostgreSQL with synchronous commit). Each decision records who, when, the
suggestion as shown, the final code, the reason and the model versions. Corrections are new rows.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from server.errors import InvalidInput, QuotaExceeded, StorageError, StorageFull, Unavailable
from server.review.db import Database, open_database
from server.review.schema import migrations

log = logging.getLogger("medcoder.review")

ACTIONS = ("accept", "modify", "reject", "add")
MAX_FIELD_CHARS = 2000


@dataclass(frozen=True)
class Decision:
    encounter_id: str
    action: str
    system: str
    coder_id: str
    suggestion_id: str = ""
    suggested_code: str = ""
    final_code: str = ""
    reason: str = ""
    evidence: tuple[int, int] | None = None
    model_versions: dict[str, str] = field(default_factory=dict)
    tenant_id: str = ""
    shown: dict[str, Any] = field(default_factory=dict)   # the suggestion as the coder saw it

    def validate(self) -> None:
        """Refuse a decision that would be ambiguous as training data. Messages name fields only."""
        if self.action not in ACTIONS:
            raise InvalidInput(f"action must be one of {', '.join(ACTIONS)}")
        if not self.encounter_id:
            raise InvalidInput("encounter_id is required")
        if not self.coder_id:
            raise InvalidInput("coder_id is required")
        if self.action in ("accept", "modify", "reject") and not self.suggested_code:
            raise InvalidInput(f"suggested_code is required to {self.action} a suggestion")
        if self.action in ("modify", "add") and not self.final_code:
            raise InvalidInput(f"final_code is required to {self.action} a code")
        if self.action in ("reject", "modify") and not self.reason.strip():
            raise InvalidInput(f"a reason is required to {self.action} a suggestion")
        if self.action == "add" and self.evidence is None:
            raise InvalidInput("an added code needs the evidence span the coder selected")
        if self.evidence is not None and not 0 <= self.evidence[0] < self.evidence[1]:
            raise InvalidInput("evidence must be a non-empty span with 0 <= start < end")
        for name in ("reason", "coder_id", "encounter_id", "suggestion_id", "suggested_code", "final_code"):
            if len(getattr(self, name)) > MAX_FIELD_CHARS:
                raise InvalidInput(f"{name} is longer than {MAX_FIELD_CHARS} characters")
        if len(self.model_versions) > 64 or any(len(k) + len(v) > 512 for k, v in self.model_versions.items()):
            raise InvalidInput("model_versions is too large (at most 64 entries of 512 characters)")


_DECISION_COLS = ("decision_id", "recorded_at", "coder_id", "tenant_id", "encounter_id", "suggestion_id",
                  "action", "system", "suggested_code", "final_code", "reason", "evidence_start",
                  "evidence_end", "model_versions", "shown")


class ReviewLog:
    """Decisions, stored encounters and audit rows in SQLite (``path``) or PostgreSQL (``url``)."""

    def __init__(self, path: Path | None = None, *, url: str | None = None, max_bytes: int = 0,
                 tenant_quota_bytes: int = 0):
        """``max_bytes``: cap of the SQLite file (0: the disk's size); ``tenant_quota_bytes``: most
        bytes of stored encounters (note text and result) one tenant may keep (0: no quota)."""
        self.tenant_quota_bytes = tenant_quota_bytes
        self.on_full: Callable[[int], None] | None = None   # told the size of a write that did not fit
        try:
            self.db: Database = open_database(path, url, max_bytes=max_bytes)
        except StorageError as e:    # at start, say which database: `medcoder serve` prints this line
            raise type(e)(f"the review database {e.path} cannot be used ({e.cause})", path=e.path,
                          cause=e.cause) from e
        except (OSError, sqlite3.Error) as e:   # a read-only or missing data dir: say which path, and why
            reason = getattr(e, "strerror", None) or str(e)
            where = url if url and url.startswith("sqlite:") else path
            raise Unavailable(f"cannot open the review database {where}: {reason}") from None
        self.path = getattr(self.db, "path", None)
        try:
            self._migrate()
        except StorageError as e:
            self.db.close()
            raise type(e)(f"the review database {e.path} cannot be used ({e.cause})", path=e.path,
                          cause=e.cause) from e

    @property
    def _db(self):
        """The raw connection (tests poke it to prove the triggers hold)."""
        return self.db.conn

    def _migrate(self) -> None:
        db = self.db
        with db.transaction():
            db.lock_schema()
            db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
        for version, sql in enumerate(migrations(db.dialect), start=1):
            # each step checked inside its own transaction, under the schema lock: replicas starting
            # together on one database take turns, and the one that comes second finds the step done
            with db.transaction():
                db.lock_schema()
                if db.query("SELECT 1 FROM schema_migrations WHERE version = ?", (version,)):
                    continue
                db.run_script(sql)
                db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, now()))

    @property
    def schema_version(self) -> int:
        return max(r["version"] for r in self.db.query("SELECT version FROM schema_migrations"))

    # -- decisions ---------------------------------------------------------------------------
    def record(self, d: Decision) -> tuple[str, str]:
        """Validate and append one decision; returns (decision_id, recorded_at) once it is on disk."""
        d.validate()
        decision_id, at = uuid.uuid4().hex, now()
        start, end = d.evidence if d.evidence else (None, None)
        row = (decision_id, at, d.coder_id, d.tenant_id, d.encounter_id, d.suggestion_id, d.action,
               d.system, d.suggested_code, d.final_code, d.reason, start, end,
               json.dumps(d.model_versions, sort_keys=True), json.dumps(d.shown, sort_keys=True))
        with self.db.transaction():
            self.db.execute(f"INSERT INTO decisions ({', '.join(_DECISION_COLS)}) "
                            f"VALUES ({', '.join('?' * len(_DECISION_COLS))})", row)
        return decision_id, at

    def decisions(self, encounter_id: str | None = None, tenant_id: str | None = None) -> list[dict]:
        """Decisions in the order they were recorded (oldest first)."""
        where, args = [], []
        if encounter_id is not None:
            where.append("encounter_id = ?")
            args.append(encounter_id)
        if tenant_id is not None:
            where.append("tenant_id = ?")
            args.append(tenant_id)
        sql = "SELECT * FROM decisions" + (" WHERE " + " AND ".join(where) if where else "")
        tiebreak = "rowid" if self.db.dialect == "sqlite" else "decision_id"
        return self.db.query(sql + f" ORDER BY recorded_at, {tiebreak}", args)

    # -- encounters --------------------------------------------------------------------------
    def store_encounter(self, encounter_id: str, tenant_id: str, text: str, result: dict[str, Any], *,
                        doc_id: str = "", setting: str = "", specialty: str = "") -> None:
        """Keep a coded encounter for review (``result``: codes, CDI queries, edits, model versions).
        Past the tenant's storage quota: ``QuotaExceeded`` and nothing is stored. An encounter id
        already kept (a retried call: the id comes from the caller's request id) is kept once:
        two replicas racing on it insert one row (the second does nothing)."""
        result_json = json.dumps(result, sort_keys=True)
        nbytes = len(text.encode("utf-8", "surrogatepass")) + len(result_json.encode("utf-8"))
        try:
            with self.db.transaction():
                if self.db.query("SELECT 1 AS kept FROM encounters WHERE encounter_id = ?", (encounter_id,)):
                    return
                if self.tenant_quota_bytes:
                    self._check_quota(tenant_id, nbytes)
                self.db.execute(
                    "INSERT INTO encounters (encounter_id, tenant_id, coded_at, doc_id, setting, specialty, "
                    "n_suggestions, text, result, stored_bytes) VALUES (?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (encounter_id) DO NOTHING",
                    (encounter_id, tenant_id, now(), doc_id[:200], setting, specialty[:100],
                     len(result.get("codes", ())), text, result_json, nbytes))
                self.db.execute("INSERT INTO tenant_usage (tenant_id, stored_bytes) VALUES (?, ?) "
                                "ON CONFLICT (tenant_id) DO UPDATE "
                                "SET stored_bytes = tenant_usage.stored_bytes + excluded.stored_bytes",
                                (tenant_id, nbytes))
        except StorageFull:
            if self.on_full is not None:
                self.on_full(nbytes)
            raise

    def _check_quota(self, tenant_id: str, nbytes: int) -> None:
        used = self.stored_bytes(tenant_id)
        if used + nbytes > self.tenant_quota_bytes:
            raise QuotaExceeded(f"this tenant's stored encounters would pass its storage quota "
                                f"({self.tenant_quota_bytes} bytes, {used} used): wait for the retention "
                                f"purge or raise review_tenant_quota_bytes")

    def stored_bytes(self, tenant_id: str) -> int:
        """Bytes of note text and results a tenant keeps (what its quota counts)."""
        rows = self.db.query("SELECT stored_bytes FROM tenant_usage WHERE tenant_id = ?", (tenant_id,))
        return int(rows[0]["stored_bytes"]) if rows else 0

    def probe(self, nbytes: int) -> None:
        """Write ``nbytes`` to the database and take them out again, each step committed: a full
        disk or a read-only file raises the same typed error a real write would."""
        with self.db.transaction():
            self.db.execute("DELETE FROM storage_probe")
            self.db.execute("INSERT INTO storage_probe (at, filler) VALUES (?, ?)", (now(), bytes(int(nbytes))))
        with self.db.transaction():
            self.db.execute("DELETE FROM storage_probe")

    def encounter(self, encounter_id: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM encounters WHERE encounter_id = ?", (encounter_id,))
        if not rows:
            return None
        row = rows[0]
        row["result"] = json.loads(row["result"])
        return row

    def encounters(self) -> list[dict[str, Any]]:
        """Every stored encounter, result decoded (for the export and the shadow report)."""
        rows = self.db.query("SELECT * FROM encounters ORDER BY coded_at, encounter_id")
        for row in rows:
            row["result"] = json.loads(row["result"])
        return rows

    def queue(self, tenant_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """A tenant's encounters, newest first, with how many suggestions have a decision."""
        return self.db.query(
            "SELECT e.encounter_id, e.doc_id, e.coded_at, e.setting, e.specialty, e.n_suggestions, "
            "(SELECT COUNT(DISTINCT d.suggestion_id) FROM decisions d WHERE d.encounter_id = e.encounter_id "
            " AND d.suggestion_id <> '') AS n_decided, "
            "(SELECT COUNT(*) FROM decisions d WHERE d.encounter_id = e.encounter_id AND d.action = 'add') AS n_added "
            "FROM encounters e WHERE e.tenant_id = ? ORDER BY e.coded_at DESC, e.encounter_id LIMIT ?",
            (tenant_id, int(limit)))

    def purge_encounters(self, cutoff: str, actor: str) -> int:
        """Delete the stored encounters (note text and result) coded before ``cutoff`` (an ISO
        UTC time as ``now()`` writes it); the purge is recorded first, in the same transaction,
        and the schema refuses any other delete. Decisions stay. Returns how many went."""
        with self.db.transaction():
            n = int(self.db.query("SELECT COUNT(*) AS n FROM encounters WHERE coded_at < ?", (cutoff,))[0]["n"])
            if n:
                self.db.execute("INSERT INTO purges (purge_id, at, actor, cutoff, encounters) VALUES (?,?,?,?,?)",
                                (uuid.uuid4().hex, now(), actor[:200], cutoff, n))
                freed = self.db.query("SELECT tenant_id, SUM(stored_bytes) AS n FROM encounters "
                                      "WHERE coded_at < ? GROUP BY tenant_id", (cutoff,))
                for row in freed:
                    self.db.execute("UPDATE tenant_usage SET stored_bytes = stored_bytes - ? WHERE tenant_id = ?",
                                    (int(row["n"]), row["tenant_id"]))
                self.db.execute("DELETE FROM encounters WHERE coded_at < ?", (cutoff,))
        return n

    def purge_older_than(self, days: float, actor: str = "retention", channel: str = "retention") -> int:
        """Remove the stored encounters coded more than ``days`` ago (their note text goes with
        them; coders' decisions stay), recorded in ``purges`` and, when any went, in the audit
        trail and one log line with the count."""
        if days <= 0:
            raise InvalidInput("the retention must be more than 0 days")
        cutoff_s = _iso(dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days))
        n = self.purge_encounters(cutoff_s, actor)
        if n:
            self.audit(channel, actor, "*", "purge", "encounters", f"ok: {n} coded before {cutoff_s}")
            log.info("retention: removed %d stored encounters coded before %s", n, cutoff_s)
        return n

    def purges(self) -> list[dict[str, Any]]:
        return self.db.query("SELECT * FROM purges ORDER BY at, purge_id")

    # -- audit -------------------------------------------------------------------------------
    def audit(self, channel: str, actor: str, tenant_id: str, action: str, obj: str, outcome: str) -> None:
        """One audit row per read or write of review data, refusals included."""
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO audit (audit_id, at, channel, actor, tenant_id, action, object, outcome) "
                "VALUES (?,?,?,?,?,?,?,?)",
                (uuid.uuid4().hex, now(), channel, actor[:200], tenant_id[:200], action, obj[:300], outcome[:200]))

    def audit_rows(self) -> list[dict[str, Any]]:
        tiebreak = "rowid" if self.db.dialect == "sqlite" else "audit_id"
        return self.db.query(f"SELECT * FROM audit ORDER BY at, {tiebreak}")

    def close(self) -> None:
        self.db.close()


def now() -> str:
    return _iso(dt.datetime.now(dt.timezone.utc))


def _iso(t: dt.datetime) -> str:
    """UTC time as every table stores it (text that sorts in time order)."""
    return t.isoformat(timespec="microseconds").replace("+00:00", "Z")
