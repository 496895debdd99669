"""The access audit trail (HIPAA 164.312(b)): who coded, viewed, exported or decided what, from
which identity, refusals included, appended to the decision store's ``audit`` table (append-only:
triggers refuse UPDATE and DELETE in SQLite and PostgreSQL; server/review/schema.py).

A row holds when, the channel (grpc, http, cli), the actor (coder id, service name, "anonymous"),
how it was identified (token, mtls, dev, session, cli), its role and tenant, the action (code,
score-claim, decide, read, export, login...), the object (ids only: ``encounter:<id>``,
``decision:<id>``, ``claim:<id>``), the outcome (``ok`` or the status refused with), the network
peer and the request id. Never note text, never a token, never an error's free text.

gRPC calls are recorded by ``AccessAudit``: rows are queued and appended in batches (one commit,
one fsync, per batch, at most ``flush_every_s`` late) so a coding call does not wait on a second
fsync. Refusals are capped per second (an unauthenticated flood must not fill the disk); what the
cap drops is counted in one row that says so. ``export_audit`` writes the trail as JSON lines or
CSV for ``medcoder audit export``.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import threading
import time
import uuid
from collections import deque
from typing import Any, TextIO

from server.errors import InvalidInput
from server.review.log import ReviewLog, now

log = logging.getLogger("medcoder.audit")

COLUMNS = ("at", "channel", "actor", "auth", "role", "tenant_id", "action", "object", "outcome", "peer",
           "request_id", "audit_id")
_INSERT = (f"INSERT INTO audit ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})")
_LIMITS = {"actor": 200, "tenant_id": 200, "action": 40, "object": 300, "outcome": 200, "peer": 100,
           "request_id": 128, "channel": 20, "auth": 20, "role": 20}


def audit_row(*, channel: str, actor: str, auth: str = "", role: str = "", tenant_id: str = "",
              action: str, obj: str = "", outcome: str, peer: str = "", request_id: str = "") -> dict[str, str]:
    """One audit row, each field cut to its column's size, stamped now."""
    row = {"at": now(), "channel": channel, "actor": actor, "auth": auth, "role": role, "tenant_id": tenant_id,
           "action": action, "object": obj, "outcome": outcome, "peer": peer, "request_id": request_id,
           "audit_id": uuid.uuid4().hex}
    return {k: (v[:_LIMITS[k]] if k in _LIMITS else v) for k, v in row.items()}


def append_rows(review_log: ReviewLog, rows: list[dict[str, str]]) -> None:
    """Append ``rows`` in one transaction (one fsync)."""
    db = review_log.db
    with db.transaction():
        for row in rows:
            db.execute(_INSERT, tuple(row[c] for c in COLUMNS))


class AccessAudit:
    """Queues access rows and appends them in batches on its own thread once ``attach``-ed to a
    review log (rows recorded before that wait in the queue, up to ``max_pending``)."""

    def __init__(self, *, flush_every_s: float = 0.2, max_refusals_per_s: int = 50, max_pending: int = 20_000):
        self.flush_every_s, self.max_refusals_per_s, self.max_pending = flush_every_s, max_refusals_per_s, max_pending
        self._rows: deque[dict[str, str]] = deque()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._log: ReviewLog | None = None
        self._thread: threading.Thread | None = None
        self._second, self._refusals, self._dropped = 0, 0, 0
        self.written = 0

    def attach(self, review_log: ReviewLog | None) -> None:
        """Start appending to ``review_log``; None (a gateway without a review log) keeps nothing."""
        if review_log is None:
            log.warning("access audit: this gateway has no review log, so no audit trail is kept")
            with self._lock:
                self._rows.clear()
            return
        self._log = review_log
        self._thread = threading.Thread(target=self._run, name="medcoder-audit", daemon=True)
        self._thread.start()

    def record(self, row: dict[str, str], *, refused: bool = False) -> None:
        """Queue one row (from ``audit_row``). Never raises and never blocks on the database."""
        with self._lock:
            if refused:
                second = int(time.monotonic())
                if second != self._second:
                    self._second, self._refusals = second, 0
                self._refusals += 1
                if self._refusals > self.max_refusals_per_s:
                    self._dropped += 1
                    return
            if len(self._rows) >= self.max_pending:
                self._dropped += 1
                return
            self._rows.append(row)
        if len(self._rows) >= 256:
            self._wake.set()

    def flush(self) -> int:
        """Append what is queued now; returns how many rows went. A failing database keeps the rows
        queued for the next round and logs the error's type (never a row)."""
        with self._write_lock:
            with self._lock:
                rows, self._rows = list(self._rows), deque()
                dropped, self._dropped = self._dropped, 0
            if dropped:
                rows.append(audit_row(channel="grpc", actor="audit", action="suppressed", tenant_id="*",
                                      outcome=f"{dropped} refusals not recorded one by one (over "
                                              f"{self.max_refusals_per_s}/s or queue full)"))
            if not rows or self._log is None:
                with self._lock:
                    self._rows.extendleft(reversed(rows))
                return 0
            try:
                append_rows(self._log, rows)
            except Exception as e:  # noqa: BLE001 - the gateway keeps serving; rows retry next round
                with self._lock:
                    self._rows.extendleft(reversed(rows[-self.max_pending:]))
                log.error("access audit: cannot append %d rows (%s); retrying", len(rows), type(e).__name__)
                return 0
            self.written += len(rows)
            return len(rows)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_every_s)
            self._wake.clear()
            self.flush()

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop the writer and append what is left (before the review log closes)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.flush()


# -- export --------------------------------------------------------------------------------------

def _bound(text: str | None, name: str) -> str | None:
    """An ISO date or time (naive: UTC) as the stored timestamps write it."""
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--{name}: an ISO date or time expected, e.g. 2026-12-01 or 2026-12-01T08:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def audit_rows(review_log: ReviewLog, *, since: str | None = None, until: str | None = None,
               tenant_id: str | None = None) -> list[dict[str, Any]]:
    """Audit rows in time order, ``since`` <= at < ``until``, of one tenant when given."""
    where, args = [], []
    for op, value in ((">=", _bound(since, "since")), ("<", _bound(until, "until"))):
        if value is not None:
            where.append(f"at {op} ?")
            args.append(value)
    if tenant_id is not None:
        where.append("tenant_id = ?")
        args.append(tenant_id)
    tiebreak = "rowid" if review_log.db.dialect == "sqlite" else "audit_id"
    sql = f"SELECT {', '.join(COLUMNS)} FROM audit" + (" WHERE " + " AND ".join(where) if where else "")
    return review_log.db.query(sql + f" ORDER BY at, {tiebreak}", args)


def export_audit(review_log: ReviewLog, out: TextIO, *, fmt: str = "jsonl", since: str | None = None,
                 until: str | None = None, tenant_id: str | None = None, actor: str = "cli") -> int:
    """Write the audit rows as JSON lines or CSV (a header, then ``COLUMNS``); the export itself
    is audited. Returns the number of rows written."""
    if fmt not in ("jsonl", "csv"):
        raise InvalidInput("format must be jsonl or csv")
    rows = audit_rows(review_log, since=since, until=until, tenant_id=tenant_id)
    if fmt == "csv":
        w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    else:
        for row in rows:
            out.write(json.dumps(row, sort_keys=False) + "\n")
    append_rows(review_log, [audit_row(channel="cli", actor=actor, auth="cli", tenant_id=tenant_id or "*",
                                       action="export", obj="audit", outcome=f"ok: {len(rows)} rows")])
    return len(rows)
