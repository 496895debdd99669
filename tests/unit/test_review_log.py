"""The decision log keeps every acknowledged decision, refuses edits, and refuses ambiguous input."""
import multiprocessing
import sqlite3

import pytest

from server.errors import InvalidInput
from server.review.log import Decision, ReviewLog
from server.review.schema import migrations


def test_decisions_survive_reopen_and_are_append_only(tmp_path):
    path = tmp_path / "log.db"
    log = ReviewLog(path)
    ids = [log.record(Decision("enc1", "accept", "ICD10CM", "coder7", suggestion_id="enc1:1", suggested_code="I50.23")),
           log.record(Decision("enc1", "modify", "ICD10CM", "coder7", suggestion_id="enc1:2", suggested_code="E11.9",
                               final_code="E11.22", reason="CKD documented"))]
    log.close()
    again = ReviewLog(path)   # migrations are not re-applied
    rows = again.decisions("enc1")
    assert [r["decision_id"] for r in rows] == [i for i, _ in ids]
    assert rows[1]["final_code"] == "E11.22" and rows[1]["reason"] == "CKD documented"
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        again._db.execute("UPDATE decisions SET final_code = 'X'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        again._db.execute("DELETE FROM decisions")


def _open_together(path, barrier, results) -> None:
    barrier.wait()
    try:
        ReviewLog(path).close()
        results.put("started")
    except Exception as e:   # what `medcoder serve` would print before refusing to start
        results.put(f"{type(e).__name__}: {e}")


def test_replicas_opening_one_new_database_together_all_start_and_migrate_it_once(tmp_path):
    """The replicas of ``medcoder serve --replicas N`` open the same review database at the same
    moment; none may refuse to start because another one is creating or migrating it."""
    ctx = multiprocessing.get_context("fork")
    outcomes = []
    for round_ in range(12):
        path = tmp_path / f"r{round_}" / "review.sqlite3"
        barrier, results = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_open_together, args=(path, barrier, results)) for _ in range(4)]
        for p in procs:
            p.start()
        outcomes += [results.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        with sqlite3.connect(path) as db:
            versions = [v for (v,) in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == list(range(1, len(migrations("sqlite")) + 1))
    assert [o for o in outcomes if o != "started"] == []


@pytest.mark.parametrize("decision, fragment", [
    (Decision("e", "reject", "ICD10CM", "c", suggested_code="R07.9"), "reason"),
    (Decision("e", "modify", "ICD10CM", "c", suggested_code="R07.9", reason="x"), "final_code"),
    (Decision("e", "add", "ICD10CM", "c", final_code="I10"), "evidence"),
    (Decision("", "accept", "ICD10CM", "c", suggested_code="I10"), "encounter_id"),
    (Decision("e", "accept", "ICD10CM", "", suggested_code="I10"), "coder_id"),
    (Decision("e", "approve", "ICD10CM", "c"), "action"),
])
def test_ambiguous_decisions_are_refused_and_nothing_is_written(tmp_path, decision, fragment):
    log = ReviewLog(tmp_path / "log.db")
    with pytest.raises(InvalidInput, match=fragment):
        log.record(decision)
    assert log.decisions() == []


def test_only_a_recorded_purge_deletes_stored_encounters_and_decisions_stay(tmp_path):
    """The retention exception to append-only: an encounter coded before a recorded purge cutoff
    may go (with its note text); any other delete or edit is refused, and so is touching the
    purge record."""
    from server.review.log import now

    log = ReviewLog(tmp_path / "log.db")
    log.store_encounter("old", "t1", "Patient with CHF.", {"codes": []})
    cutoff = now()
    log.store_encounter("new", "t1", "Patient with DM2.", {"codes": []})
    log.record(Decision("old", "accept", "ICD10CM", "coder7", suggestion_id="old:1", suggested_code="I50.9"))
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log._db.execute("DELETE FROM encounters WHERE encounter_id = 'old'")   # no purge recorded yet
    assert log.purge_encounters(cutoff, "retention") == 1
    assert log.encounter("old") is None and log.encounter("new")["text"] == "Patient with DM2."
    assert [d["encounter_id"] for d in log.decisions()] == ["old"]
    (purge,) = log.purges()
    assert (purge["cutoff"], purge["encounters"], purge["actor"]) == (cutoff, 1, "retention")
    for sql in ("DELETE FROM encounters WHERE encounter_id = 'new'",   # coded after the cutoff
                "UPDATE encounters SET text = ''", "DELETE FROM purges", "UPDATE purges SET cutoff = '9'"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            log._db.execute(sql)
    assert log.purge_encounters(cutoff, "retention") == 0 and len(log.purges()) == 1   # nothing left: no record
    log.close()
    assert ReviewLog(tmp_path / "log.db").schema_version == len(migrations("sqlite"))


def test_the_cli_purges_only_encounters_older_than_asked(tmp_path, capsys):
    import time

    import server.config  # noqa: F401 - imported before the clock starts: `main` imports it lazily
    import server.review.commands  # noqa: F401
    from server.cli import main

    db = tmp_path / "log.db"
    log = ReviewLog(db)
    log.store_encounter("old", "t1", "Patient with CHF.", {"codes": []})
    time.sleep(1.0)
    log.store_encounter("new", "t1", "Patient with DM2.", {"codes": []})
    assert main(["encounters", "purge", "--older-than-days", str(0.5 / 86400), "--db", str(db)]) == 0
    assert "removed 1 stored encounters" in capsys.readouterr().err
    assert log.encounter("old") is None and log.encounter("new") is not None
    (row,) = [a for a in log.audit_rows() if a["action"] == "purge"]
    assert row["channel"] == "cli" and row["outcome"].startswith("ok: 1 coded before")
    assert main(["encounters", "purge", "--older-than-days", "0", "--db", str(db)]) != 0   # clear error
