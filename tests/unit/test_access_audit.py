"""The access audit trail on a real SQLite file: rows carry the identity, cannot be changed or
deleted, a refusal flood is capped with a row that says how many were left out, and `medcoder
audit export` writes JSON lines or CSV filtered by time and tenant."""
from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

from server.cli import main
from server.errors import InvalidInput
from server.review.audit import COLUMNS, AccessAudit, audit_row, export_audit
from server.review.log import ReviewLog


def _row(tenant="clinic-a", actor="alice", outcome="ok", **kw):
    return audit_row(channel="grpc", actor=actor, auth="token", role="coder", tenant_id=tenant, action="code",
                     obj="encounter:e1", outcome=outcome, peer="ipv4:127.0.0.1:5000", request_id="r1", **kw)


def test_rows_are_appended_in_batches_and_cannot_be_changed(tmp_path):
    log = ReviewLog(tmp_path / "review.db")
    audit = AccessAudit(flush_every_s=60)
    audit.record(_row())
    audit.attach(log)
    audit.record(_row(tenant="clinic-b", actor="bob"))
    audit.close()
    rows = [r for r in log.db.query("SELECT * FROM audit ORDER BY rowid")]
    assert [(r["actor"], r["auth"], r["role"], r["tenant_id"], r["peer"], r["request_id"]) for r in rows] == [
        ("alice", "token", "coder", "clinic-a", "ipv4:127.0.0.1:5000", "r1"),
        ("bob", "token", "coder", "clinic-b", "ipv4:127.0.0.1:5000", "r1")]
    for sql in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit", "UPDATE audit SET auth = ''"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            log._db.execute(sql)
    log.close()


def test_a_refusal_flood_is_capped_and_the_cap_is_recorded(tmp_path):
    log = ReviewLog(tmp_path / "review.db")
    audit = AccessAudit(flush_every_s=60, max_refusals_per_s=5)
    audit.attach(log)
    for _ in range(200):
        audit.record(_row(actor="anonymous", outcome="denied: UNAUTHENTICATED"), refused=True)
    audit.record(_row())                     # what is allowed is never capped
    audit.close()
    rows = log.db.query("SELECT actor, action, outcome FROM audit")
    denied = [r for r in rows if r["outcome"].startswith("denied")]
    (note,) = [r for r in rows if r["action"] == "suppressed"]
    assert 5 <= len(denied) <= 10 and len(denied) + int(note["outcome"].split()[0]) == 200
    assert sum(r["outcome"] == "ok" for r in rows) == 1
    log.close()


def test_audit_export_filters_by_time_and_tenant_as_jsonl_and_csv(tmp_path, capsys):
    db = tmp_path / "review.db"
    log = ReviewLog(db)
    rows = [_row(), _row(tenant="clinic-b", actor="bob"), _row()]
    rows[0]["at"], rows[1]["at"], rows[2]["at"] = ("2026-11-30T23:59:59.000000Z", "2026-12-01T08:00:00.000000Z",
                                                   "2026-12-02T08:00:00.000000Z")
    audit = AccessAudit()
    audit.attach(log)
    for r in rows:
        audit.record(r)
    audit.close()
    out = io.StringIO()
    assert export_audit(log, out, since="2026-12-01", until="2026-12-03", tenant_id="clinic-a", actor="cli:t") == 1
    (line,) = out.getvalue().splitlines()
    assert json.loads(line)["at"] == "2026-12-02T08:00:00.000000Z" and list(json.loads(line)) == list(COLUMNS)
    with pytest.raises(InvalidInput, match="--since: an ISO date or time expected"):
        export_audit(log, io.StringIO(), since="last tuesday")
    log.close()

    assert main(["audit", "export", "--db", str(db), "--format", "csv", "--since", "2026-12-01T00:00:00+00:00",
                 "--until", "2026-12-02T09:00"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["actor"], r["tenant_id"]) for r in table] == [("bob", "clinic-b"), ("alice", "clinic-a")]
    exports = ReviewLog(db).db.query("SELECT actor, auth, action, object, outcome FROM audit WHERE action = 'export'")
    assert [e["outcome"] for e in exports] == ["ok: 1 rows", "ok: 2 rows"]       # the export is audited too
    assert all(e["actor"].startswith("cli:") and e["auth"] == "cli" for e in exports)
    assert main(["audit", "export", "--db", str(tmp_path / "none.db")]) == 2
