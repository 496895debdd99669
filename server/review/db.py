"""One small database seam for the review log: SQLite (embedded default) or PostgreSQL (a URL).

Both speak the same schema (``server.review.schema``). SQL is written with ``?`` placeholders and
translated for psycopg. One connection per process, serialised by a lock: decisions, audit rows and
stored encounters are small next to coding calls, and one connection keeps SQLite's single-writer
rule trivially true.

Durability: SQLite runs in WAL mode with ``synchronous=FULL`` (fsync at every commit), PostgreSQL
with ``synchronous_commit=on``; a call that returns has its rows on disk.

Storage faults are typed here, once: a full disk (or the ``max_bytes`` cap) raises ``StorageFull``
(RESOURCE_EXHAUSTED), a read-only file, an I/O error or a file that cannot be opened raise
``StorageUnavailable`` (UNAVAILABLE); each names the path and the cause, never a statement's
arguments. ``on_fault`` (set by ``server.review.storage.StorageWatch``) hears each one.

The SQLite file holds note text: it is created 0600 in a directory created 0700 (an existing file
that is wider is narrowed; an existing directory that is wider is reported, not changed, since it
may be shared). SQLite gives the ``-wal`` and ``-shm`` files the database file's mode.
"""
from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from server.errors import InvalidInput, StorageError, StorageFull, StorageUnavailable, Unavailable

log = logging.getLogger("medcoder.review.db")
FILE_MODE, DIR_MODE = 0o600, 0o700
# SQLite primary result codes that are about the storage, not the statement
_SQLITE_FULL = 13
_SQLITE_BUSY = 5
_SCHEMA_LOCK = 0x6D6564636F646572   # PostgreSQL advisory lock key of schema changes ("medcoder")
OPEN_BUSY_WAIT_S = 10.0   # how long an open waits for another process setting up the same file
_SQLITE_UNAVAILABLE = {8: "read-only", 10: "I/O error", 14: "cannot open the file", 11: "file is corrupt",
                       26: "not a database file", 5: "locked by another process", 6: "locked"}
TRANSIENT_CAUSES = ("locked by another process", "locked")   # busy: retried by the caller, not a fault

_BEGIN = re.compile(r"\bBEGIN\b", re.I)
_END = re.compile(r"\bEND\b", re.I)


class Database:
    """What the review log needs: run statements, fetch rows as dicts, one transaction at a time."""

    dialect = ""
    integrity_errors: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.on_fault: Callable[[StorageError], None] | None = None
        self.where = ""   # the path (or a password-free description) named in storage errors

    def _fault(self, err: StorageError) -> StorageError:
        if self.on_fault is not None and err.cause not in TRANSIENT_CAUSES:
            self.on_fault(err)
        return err

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        raise NotImplementedError

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def run_script(self, sql: str) -> None:
        raise NotImplementedError

    def lock_schema(self) -> None:
        """Within a transaction, wait until no other process is changing the schema. SQLite needs
        nothing more: its write transaction (BEGIN IMMEDIATE) already excludes every other writer."""

    def close(self) -> None:
        raise NotImplementedError


class SQLiteDatabase(Database):
    dialect = "sqlite"
    integrity_errors = (sqlite3.DatabaseError,)

    def __init__(self, path: Path, *, max_bytes: int = 0):
        """``max_bytes`` > 0 caps the file (``PRAGMA max_page_count``): past it writes raise
        ``StorageFull`` exactly as a full disk does, so a size cap and a full disk read the same."""
        super().__init__()
        path = Path(path)
        self.path, self.where = path, str(path)
        with self._storage():
            try:
                _private_file(path)
            except OSError as e:
                cause = (e.strerror or type(e).__name__).lower()
                raise self._fault(StorageUnavailable(f"the review database {path} cannot be used ({cause})",
                                                     path=str(path), cause=cause)) from None
            self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout=5000")  # `medcoder feedback export` may read alongside
            _while_busy(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
            self.conn.execute("PRAGMA synchronous=FULL")   # fsync at every commit: acknowledged = durable
            if max_bytes > 0:
                self.set_max_bytes(max_bytes)
        self._depth = 0

    def set_max_bytes(self, max_bytes: int) -> None:
        """Cap the file at ``max_bytes`` from now on (never below what it holds already)."""
        with self._lock:
            page = self.conn.execute("PRAGMA page_size").fetchone()[0]
            self.conn.execute(f"PRAGMA max_page_count={max(1, int(max_bytes) // page)}")

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """Type SQLite's storage errors (full, read-only, I/O, cannot open) as ``StorageError``."""
        try:
            yield
        except sqlite3.Error as e:
            err = sqlite_storage_error(e, self.where)
            if err is None:
                raise
            raise self._fault(err) from e

    @contextmanager
    def transaction(self):
        with self._lock, self._storage():
            self._depth += 1
            outer = self._depth == 1
            try:
                if outer:
                    self.conn.execute("BEGIN IMMEDIATE")
                yield self
                if outer:
                    self.conn.execute("COMMIT")
            except BaseException:
                if outer and self.conn.in_transaction:
                    try:   # SQLite may already have rolled back (a full disk can); keep the first error
                        self.conn.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise
            finally:
                self._depth -= 1

    def execute(self, sql, args=()):
        with self._lock, self._storage():
            self.conn.execute(sql, tuple(args))

    def query(self, sql, args=()):
        with self._lock, self._storage():
            cur = self.conn.execute(sql, tuple(args))
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def run_script(self, sql):
        with self._storage():
            for stmt in split_statements(sql):
                self.conn.execute(stmt)

    def close(self):
        with self._lock:
            self.conn.close()


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, url: str):
        super().__init__()
        try:
            import psycopg
        except ImportError as e:  # optional dependency: only a configured URL needs it
            raise Unavailable("database_url is PostgreSQL but psycopg is not installed "
                              "(pip install 'psycopg[binary]')") from e
        self._psycopg = psycopg
        self.integrity_errors = (psycopg.Error,)
        try:
            self.conn = psycopg.connect(url, autocommit=True)
        except psycopg.Error as e:
            # the URL may hold a password: name the problem, never the URL
            raise Unavailable(f"cannot connect to the PostgreSQL review database ({type(e).__name__})") from None
        self.conn.execute("SET synchronous_commit = on")
        self._tx = None
        self.where = "the PostgreSQL review database"   # never the URL: it may hold a password

    @contextmanager
    def _storage(self) -> Iterator[None]:
        """Disk full (SQLSTATE class 53) and read-only or lost connections (25006, class 08) typed
        as in SQLite."""
        try:
            yield
        except self._psycopg.Error as e:
            state = getattr(e, "sqlstate", None) or ""
            if state.startswith("53"):
                err: StorageError = StorageFull("the review database is full: nothing more can be stored "
                                                "until space is freed", path=self.where, cause="disk full")
            elif state == "25006" or state.startswith("08") or (
                    not state and isinstance(e, self._psycopg.OperationalError)):   # the connection went
                cause = "read-only" if state == "25006" else "connection lost"
                err = StorageUnavailable(f"the review database cannot be written now ({cause}); retry later",
                                         path=self.where, cause=cause)
            else:
                raise
            raise self._fault(err) from e

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def transaction(self):
        with self._lock:
            if self._tx is not None:
                yield self
                return
            with self._storage(), self.conn.transaction() as tx:
                self._tx = tx
                try:
                    yield self
                finally:
                    self._tx = None

    def execute(self, sql, args=()):
        with self._lock, self._storage():
            self.conn.execute(self._sql(sql), tuple(args))

    def query(self, sql, args=()):
        with self._lock, self._storage():
            cur = self.conn.execute(self._sql(sql), tuple(args))
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def run_script(self, sql):
        self.conn.execute(sql)   # psycopg runs a multi-statement script when it has no parameters

    def lock_schema(self):
        """Within a transaction: one process at a time changes the schema (replicas starting together
        on one database would each run the same CREATE TABLE); released at commit."""
        self.execute("SELECT pg_advisory_xact_lock(?)", (_SCHEMA_LOCK,))

    def close(self):
        with self._lock:
            self.conn.close()


def open_database(path: Path | None = None, url: str | None = None, *, max_bytes: int = 0) -> Database:
    """PostgreSQL when ``url`` is a postgres:// URL, else SQLite at ``path`` (or a sqlite:/// URL),
    capped at ``max_bytes`` when > 0 (SQLite only)."""
    if url:
        if url.startswith(("postgres://", "postgresql://")):
            return PostgresDatabase(url)
        if url.startswith("sqlite:///"):
            return SQLiteDatabase(Path(url[len("sqlite:///"):]), max_bytes=max_bytes)
        raise InvalidInput("database_url must start with postgresql:// or sqlite:///")
    if path is None:
        raise InvalidInput("a review database path or URL is required")
    return SQLiteDatabase(path, max_bytes=max_bytes)


def _while_busy(step: Callable[[], Any], wait_s: float = OPEN_BUSY_WAIT_S) -> Any:
    """``step`` again while SQLite answers SQLITE_BUSY without waiting, for up to ``wait_s``. Two
    processes opening one new file at once (the replicas of ``medcoder serve --replicas`` on one
    data dir) can each hold a shared lock while asking to switch it to WAL; SQLite then refuses one
    at once instead of calling the busy handler, and that replica would refuse to start."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return step()
        except sqlite3.OperationalError as e:
            if (getattr(e, "sqlite_errorcode", 0) & 0xFF) != _SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def sqlite_storage_error(e: sqlite3.Error, where: str) -> StorageError | None:
    """``StorageFull`` / ``StorageUnavailable`` for an error about the storage, else None (a
    constraint, a trigger's refusal, a bad statement stay what they are)."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is None:
        return None
    primary = code & 0xFF
    if primary == _SQLITE_FULL:
        return StorageFull("the review database is full: nothing more can be stored until space is freed",
                           path=where, cause="disk full")
    cause = _SQLITE_UNAVAILABLE.get(primary)
    if cause is None:
        return None
    return StorageUnavailable(f"the review database cannot be written now ({cause}); retry later",
                              path=where, cause=cause)


def _private_file(path: Path) -> None:
    """Create ``path`` 0600 (and its directory 0700) before SQLite opens it; narrow an existing
    wider file and its -wal/-shm; report a directory others can read (it may be shared)."""
    parent = path.parent
    if not parent.exists():
        parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    elif parent.is_dir() and stat.S_IMODE(parent.stat().st_mode) & 0o077:
        log.warning("review database directory %s is readable by other users; "
                    "chmod 700 it (the database holds note text)", parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if stat.S_IMODE(p.stat().st_mode) & 0o077:
                os.chmod(p, FILE_MODE)
        except FileNotFoundError:
            pass


def split_statements(sql: str) -> list[str]:
    """Split a migration on ';' but keep trigger bodies (BEGIN ... END;) whole."""
    out, buf = [], []
    for part in sql.split(";"):
        buf.append(part)
        joined = ";".join(buf)
        if len(_BEGIN.findall(joined)) <= len(_END.findall(joined)):
            if joined.strip():
                out.append(joined.strip())
            buf = []
    return out
