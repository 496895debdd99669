"""The same review schema on a real PostgreSQL (a throwaway cluster on a free port of 127.0.0.1):
migrations once, append-only triggers, tenants, and the Parquet export read from it."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from server.errors import InvalidInput, NotFound
from server.review.auth import TokenBook
from server.review.feedback import export_feedback
from server.review.log import Decision, ReviewLog
from server.review.schema import migrations
from server.review.service import ReviewService
from tests.unit.test_review_service import ALICE, BOB, coded, codesets  # noqa: F401 - fixtures

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; CI runs as root, so run the server as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg_url():
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries not found (install with: apt-get install -y postgresql)")
    psycopg = pytest.importorskip("psycopg", reason="psycopg not installed (pip install 'psycopg[binary]')")
    root = Path(tempfile.mkdtemp(prefix="medcoder-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "medcoder", "--no-sync"]),
                   check=True, capture_output=True, timeout=120)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "-o",
                                 f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True, timeout=90)
    url = f"postgresql://medcoder@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                psycopg.connect(url).close()
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_holds_the_same_log_append_only(pg_url, tmp_path):
    import psycopg

    log = ReviewLog(url=pg_url)
    log.store_encounter("e1", "clinic-a", "Assessment: hypertension.", {"codes": [], "model_versions": {"m": "1"}},
                        doc_id="d1", setting="outpatient")
    first, _ = log.record(Decision("e1", "add", "ICD10CM", "alice", final_code="I10", evidence=(12, 24),
                                   tenant_id="clinic-a", model_versions={"m": "1"}))
    log.record(Decision("e1", "add", "ICD10CM", "alice", final_code="I10", evidence=(12, 24), reason="again",
                        tenant_id="clinic-a"))
    log.audit("http", "alice", "clinic-a", "read", "encounter:e1", "ok")
    log.close()

    again = ReviewLog(url=pg_url)          # migrations are recorded and not re-applied
    assert again.schema_version == len(migrations("postgres"))
    rows = again.decisions("e1")
    assert [r["decision_id"] for r in rows][0] == first and [r["reason"] for r in rows] == ["", "again"]
    assert [q["encounter_id"] for q in again.queue("clinic-a")] == ["e1"] and again.queue("clinic-b") == []
    for sql in ("UPDATE decisions SET final_code = 'X'", "DELETE FROM decisions", "DELETE FROM audit",
                "UPDATE encounters SET tenant_id = 'clinic-b'"):
        with pytest.raises(psycopg.Error, match="append-only"):
            again.db.execute(sql)
    assert len(again.decisions()) == 2 and again.encounter("e1")["tenant_id"] == "clinic-a"

    out = tmp_path / "fb.parquet"
    assert export_feedback(again, out) == 2
    table = pq.read_table(out).to_pylist()
    assert table[0]["evidence_text"] == "hypertension" and table[1]["is_latest"] is True
    assert table[0]["is_latest"] is False
    with pytest.raises(psycopg.Error, match="append-only"):
        again.db.execute("DELETE FROM encounters")        # no purge recorded
    again.close()


def test_postgres_purges_only_what_a_recorded_purge_covers(pg_url):
    import psycopg

    from server.review.log import now

    log = ReviewLog(url=pg_url)
    log.store_encounter("p-old", "clinic-p", "Assessment: asthma.", {"codes": []})
    cutoff = now()
    log.store_encounter("p-new", "clinic-p", "Assessment: gout.", {"codes": []})
    assert log.purge_encounters(cutoff, "retention") >= 1
    assert log.encounter("p-old") is None and log.encounter("p-new") is not None
    assert any(p["cutoff"] == cutoff for p in log.purges())
    for sql in ("DELETE FROM encounters WHERE encounter_id = 'p-new'", "DELETE FROM purges",
                "UPDATE purges SET cutoff = '9'", "UPDATE encounters SET text = ''"):
        with pytest.raises(psycopg.Error, match="append-only"):
            log.db.execute(sql)
    log.close()


def test_the_review_service_runs_on_postgres(pg_url, codesets):  # noqa: F811
    log = ReviewLog(url=pg_url)
    svc = ReviewService(log, codesets, TokenBook({}))
    svc.keep(coded("pgA"), "pgA", "clinic-a")
    svc.decide(ALICE, Decision("pgA", "modify", "", "alice", suggestion_id="pgA:2", final_code="E11.22",
                               reason="CKD documented"), "http")
    with pytest.raises(InvalidInput, match="reason"):
        svc.decide(ALICE, Decision("pgA", "reject", "", "alice", suggestion_id="pgA:3"), "http")
    with pytest.raises(NotFound):
        svc.open_encounter(BOB, "pgA", "http")
    view = svc.open_encounter(ALICE, "pgA", "http")
    assert view["latest"]["pgA:2"]["final_code"] == "E11.22" and len(view["decisions"]) == 1
    assert [r["outcome"] for r in log.audit_rows() if r["object"].endswith("pgA")][-2:] == [
        "denied: not found in tenant", "ok"]
    log.close()


def test_the_gateway_keeps_encounters_and_decisions_in_postgres(pg_url, tmp_path, cache_dir):
    import psycopg

    from client.contract import pb, pb_grpc
    from tests.browser.support import NOTE, TOKENS, review_url_of, write_tokens
    from tests.integration.conftest import start_gateway

    gw = start_gateway(tmp_path, cache_dir, {"MEDCODER_REVIEW_PORT": "0", "MEDCODER_DATABASE_URL": pg_url,
                                             "MEDCODER_REVIEW_TOKENS": str(write_tokens(tmp_path / "tokens"))})
    try:
        review_url_of(gw)
        md = (("authorization", f"Bearer {TOKENS['bob'][0]}"),)
        with gw.channel() as ch:
            stub = pb_grpc.CodingServiceStub(ch)
            enc = stub.CodeEncounter(pb.CodeEncounterRequest(document=pb.Document(content=NOTE.encode())),
                                     metadata=md).encounter
            s = enc.codes[0]
            ok = stub.SubmitReview(pb.SubmitReviewRequest(
                encounter_id=enc.encounter_id, suggestion_id=s.suggestion_id, action=pb.ACCEPT, system=s.system,
                suggested_code=s.code), metadata=md)
    finally:
        assert gw.stop() == 0
    with psycopg.connect(pg_url) as conn:
        tenant = conn.execute("SELECT tenant_id FROM encounters WHERE encounter_id = %s", (enc.encounter_id,)).fetchone()
        row = conn.execute("SELECT coder_id, final_code FROM decisions WHERE decision_id = %s", (ok.decision_id,)).fetchone()
    assert tenant == ("clinic-b",) and row == ("bob", s.code)
    assert not (tmp_path / "data" / "decisions.sqlite3").exists()


def test_the_access_audit_trail_on_postgres_is_append_only_and_exports(pg_url):
    import io
    import json

    import psycopg

    from server.review.audit import AccessAudit, audit_row, export_audit

    log = ReviewLog(url=pg_url)
    audit = AccessAudit()
    audit.attach(log)
    for actor, tenant, outcome in (("ehr-bridge", "clinic-pg", "ok"), ("anonymous", "", "denied: UNAUTHENTICATED")):
        audit.record(audit_row(channel="grpc", actor=actor, auth="mtls", role="service", tenant_id=tenant,
                               action="code", obj="encounter:pg1", outcome=outcome, peer="ipv4:127.0.0.1:1",
                               request_id="r-pg"), refused=outcome != "ok")
    audit.close()
    for sql in ("UPDATE audit SET auth = 'token'", "DELETE FROM audit WHERE request_id = 'r-pg'"):
        with pytest.raises(psycopg.Error, match="append-only"):
            log.db.execute(sql)
    out = io.StringIO()
    assert export_audit(log, out, tenant_id="clinic-pg", since="2020-01-01") == 1
    row = json.loads(out.getvalue())
    assert (row["actor"], row["auth"], row["role"], row["request_id"]) == ("ehr-bridge", "mtls", "service", "r-pg")
    log.close()


def test_postgres_imports_a_remittance_once_and_all_or_nothing(pg_url):
    """The 835 import of tests/unit/test_remittance.py on PostgreSQL, in a database of its own."""
    import psycopg

    from server.errors import InvalidInput as Invalid
    from server.review.denials import Denials
    from tests.unit.remit_fixtures import remittance
    from tests.unit.test_remittance import CLAIMS, check_import, counts

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE denials")
    log = ReviewLog(url=pg_url.rsplit("/", 1)[0] + "/denials")
    with pytest.raises(Invalid, match="truncated"):
        Denials(log).import_835(remittance(CLAIMS)[:700], tenant_id="clinic-a", actor="alice")
    assert counts(log) == {"remittances": 0, "remit_claims": 0, "remit_adjustments": 0, "remit_lines": 0}
    check_import(log)
    with pytest.raises(psycopg.Error, match="append-only"):
        log.db.execute("DELETE FROM remit_claims")
    log.close()


def test_replicas_on_one_postgres_lose_and_duplicate_no_decision(pg_url, tmp_path, cache_dir):
    """Two gateway replicas share one PostgreSQL; the SDK spreads coding and concurrent decisions
    over both. Every decision a coder was told is recorded is there exactly once, and replica 0's
    review page counts the decisions replica 1 recorded."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    import psycopg

    from client.contract import pb
    from client.sdk import MedcoderClient
    from loadtest.replicas import ReplicaGroup
    from tests.browser.support import NOTE, TOKENS, write_tokens
    from tests.integration.conftest import REPO

    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp_path / "data"),
           "MEDCODER_REVIEW_PORT": "0", "MEDCODER_DATABASE_URL": pg_url,
           "MEDCODER_REVIEW_TOKENS": str(write_tokens(tmp_path / "tokens"))}
    group = ReplicaGroup.start(2, tmp_path / "replicas.log", env, cwd=REPO)
    token = TOKENS["bob"][0]
    try:
        with MedcoderClient(group.target, token=token, timeout_s=60) as mc:
            encounters = [mc.code(NOTE, doc_id=f"pg-replica-{i}") for i in range(6)]
            todo = [(e.encounter_id, c) for e in encounters for c in e.codes]

            def decide(item):
                eid, c = item
                return mc.submit_review(pb.SubmitReviewRequest(
                    encounter_id=eid, suggestion_id=c.suggestion_id, action=pb.ACCEPT, system=c.system,
                    suggested_code=c.code)).decision_id

            with ThreadPoolExecutor(8) as pool:
                decision_ids = list(pool.map(decide, todo))
        assert group.requests_served(0, "SubmitReview") > 0 and group.requests_served(1, "SubmitReview") > 0
        req = urllib.request.Request(group.review_url + "/queue", headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            page = r.read().decode()
    finally:
        assert group.stop() == 0
    with psycopg.connect(pg_url) as conn:
        rows = [r[0] for r in conn.execute("SELECT decision_id FROM decisions WHERE encounter_id = ANY(%s)",
                                           ([e.encounter_id for e in encounters],))]
    assert len(decision_ids) == len(todo) > 6
    assert sorted(rows) == sorted(decision_ids) and len(set(rows)) == len(rows)
    for i, e in enumerate(encounters):
        n = len(e.codes)
        row = page[page.index(f">pg-replica-{i}</a>"):]
        assert f"<td>{n} / {n}</td>" in row[:row.index("</tr>")], f"pg-replica-{i} not shown done on the page"


def test_replicas_starting_together_on_a_new_postgres_database_migrate_it_once(pg_url):
    """Four processes' worth of review logs open one empty PostgreSQL database at the same moment
    (replicas starting together): every one opens, and each schema step is applied once."""
    import threading

    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS started_together")
        conn.execute("CREATE DATABASE started_together")
    url = pg_url.rsplit("/", 1)[0] + "/started_together"
    barrier, outcomes = threading.Barrier(4), []

    def open_log():
        barrier.wait()
        try:
            ReviewLog(url=url).db.close()
            outcomes.append("started")
        except Exception as e:
            outcomes.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=open_log) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == ["started"] * 4
    with psycopg.connect(url) as conn:
        versions = [v for (v,) in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, len(migrations("postgres")) + 1))
