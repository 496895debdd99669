"""One small database seam for the review log: SQLite (embedded default) or PostgreSQL (a URL).

Both speak the same schema (``server.review.schema``). SQL is written with ``?`` placeholders and
translated for psycopg. One connection per process, serialised by a lock: decisions, audit rows and
stored encounters are small next to coding calls, and one connection keeps SQLite's single-writer
rule trivially true.

Durability: SQLite runs in WAL mode with ``synchronous=FULL`` (fsync at every commit), PostgreSQL
with ``synchronous_commit=on``; a call that returns has its rows on disk.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from server.errors import InvalidInput, Unavailable

_BEGIN = re.compile(r"\bBEGIN\b", re.I)
_END = re.compile(r"\bEND\b", re.I)


class Database:
    """What the review log needs: run statements, fetch rows as dicts, one transaction at a time."""

    dialect = ""
    integrity_errors: tuple[type[BaseException], ...] = ()

    def __init__(self) -> None:
        self._lock = threading.RLock()

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        raise NotImplementedError

    def execute(self, sql: str, args: Sequence[Any] = ()) -> None:
        raise NotImplementedError

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError

    def run_script(self, sql: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SQLiteDatabase(Database):
    dialect = "sqlite"
    integrity_errors = (sqlite3.DatabaseError,)

    def __init__(self, path: Path):
        super().__init__()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")   # fsync at every commit: acknowledged = durable
        self.conn.execute("PRAGMA busy_timeout=5000")  # `medcoder feedback export` may read alongside
        self._depth = 0

    @contextmanager
    def transaction(self):
        with self._lock:
            self._depth += 1
            outer = self._depth == 1
            if outer:
                self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
                if outer:
                    self.conn.execute("COMMIT")
            except BaseException:
                if outer:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self._depth -= 1

    def execute(self, sql, args=()):
        with self._lock:
            self.conn.execute(sql, tuple(args))

    def query(self, sql, args=()):
        with self._lock:
            cur = self.conn.execute(sql, tuple(args))
            cols = [c[0] for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def run_script(self, sql):
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

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    @contextmanager
    def transaction(self):
        with self._lock:
            if self._tx is not None:
                yield self
                return
            with self.conn.transaction() as tx:
                self._tx = tx
                try:
                    yield self
                finally:
                    self._tx = None

    def execute(self, sql, args=()):
        with self._lock:
            self.conn.execute(self._sql(sql), tuple(args))

    def query(self, sql, args=()):
        with self._lock:
            cur = self.conn.execute(self._sql(sql), tuple(args))
            cols = [c.name for c in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def run_script(self, sql):
        self.conn.execute(sql)   # psycopg runs a multi-statement script when it has no parameters

    def close(self):
        with self._lock:
            self.conn.close()


def open_database(path: Path | None = None, url: str | None = None) -> Database:
    """PostgreSQL when ``url`` is a postgres:// URL, else SQLite at ``path`` (or a sqlite:/// URL)."""
    if url:
        if url.startswith(("postgres://", "postgresql://")):
            return PostgresDatabase(url)
        if url.startswith("sqlite:///"):
            return SQLiteDatabase(Path(url[len("sqlite:///"):]))
        raise InvalidInput("database_url must start with postgresql:// or sqlite:///")
    if path is None:
        raise InvalidInput("a review database path or URL is required")
    return SQLiteDatabase(path)


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
