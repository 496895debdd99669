"""The review database's files: 0600 in a 0700 directory (they hold note text), an old file that
was wider narrowed, a path that cannot be opened named in one typed error, and migration 4 giving
encounters stored before it their sizes (what the storage quota counts), and a purge giving the
room back."""
from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from server.errors import QuotaExceeded, StorageUnavailable
from server.review.log import ReviewLog
from server.review.schema import SQLITE, migrations


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_the_database_is_created_0600_in_a_0700_directory_with_its_wal(tmp_path):
    old = os.umask(0o022)                    # the usual umask, which made it 0644 before
    try:
        log = ReviewLog(tmp_path / "data" / "decisions.sqlite3")
        log.store_encounter("e1", "t", "Patient with CHF.", {"codes": []})
    finally:
        os.umask(old)
    assert _mode(tmp_path / "data") == 0o700
    for name in ("decisions.sqlite3", "decisions.sqlite3-wal", "decisions.sqlite3-shm"):
        assert _mode(tmp_path / "data" / name) == 0o600, name
    log.close()


def test_an_existing_wider_database_is_narrowed_and_a_shared_directory_reported(tmp_path, caplog):
    path = tmp_path / "decisions.sqlite3"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    os.chmod(tmp_path, 0o755)
    ReviewLog(path).close()
    assert _mode(path) == 0o600 and _mode(tmp_path) == 0o755          # the directory may be shared: told, not changed
    assert f"review database directory {tmp_path} is readable by other users" in caplog.text


@pytest.mark.parametrize("blocker, name, cause", [
    ("not-a-dir", "not-a-dir/decisions.sqlite3", "not a directory"),   # the data dir is a file
    ("junk.sqlite3", "junk.sqlite3", "not a database"),                 # the file is not SQLite
])
def test_a_database_that_cannot_be_used_at_start_is_one_typed_error_naming_it(tmp_path, blocker, name, cause):
    (tmp_path / blocker).write_bytes(b"not sqlite at all" * 512)
    path = tmp_path / name
    with pytest.raises(StorageUnavailable) as e:
        ReviewLog(path)
    assert e.value.message.startswith(f"the review database {path} cannot be used ({cause}")


def test_migration_4_sizes_encounters_stored_before_it(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)")
    from server.review.db import split_statements
    for version, sql in enumerate(SQLITE[:3], start=1):
        for stmt in split_statements(sql):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_migrations VALUES (?, 'then')", (version,))
    conn.execute("INSERT INTO encounters (encounter_id, tenant_id, coded_at, text, result) "
                 "VALUES ('old', 'clinic-a', '2026-01-01', 'Patient with CHF.', '{}')")
    conn.close()
    log = ReviewLog(path, tenant_quota_bytes=len("Patient with CHF.{}") + 10)
    assert log.schema_version == len(migrations("sqlite")) and log.stored_bytes("clinic-a") == len("Patient with CHF.{}")
    with pytest.raises(QuotaExceeded):
        log.store_encounter("new", "clinic-a", "Hypertension.", {"codes": []})
    log.store_encounter("other", "clinic-b", "Hypertension.", {"codes": []})   # each tenant its own quota
    assert log.encounter("new") is None and log.encounter("other") is not None
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log._db.execute("UPDATE encounters SET text = ''")                     # the trigger is back
    assert log.purge_encounters("9999", "retention") == 2                    # a purge gives the room back
    assert log.stored_bytes("clinic-a") == 0 and log.stored_bytes("clinic-b") == 0
    log.store_encounter("new", "clinic-a", "Hypertension.", {"codes": []})
    log.close()
