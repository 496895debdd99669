"""Coder identity: bearer tokens that map to a coder id and a tenant, read from a file.

The tokens file has one coder per line, whitespace-separated, ``#`` starts a comment::

    # token                                        coder_id   tenant_id
    sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b...   alice      clinic-a
    s3cret-token-for-bob                             bob        clinic-b

A token may be written as ``sha256:<hex>`` (the SHA-256 of the token) so the file need not hold
secrets. Tokens are compared by their hashes; they are never logged.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from server.errors import InvalidInput

DEFAULT_TENANT = "default"
SESSION_TTL_S = 12 * 3600


@dataclass(frozen=True)
class Coder:
    coder_id: str
    tenant_id: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """Token (by hash) -> Coder. ``lookup`` returns None for an unknown token."""

    def __init__(self, coders_by_hash: dict[str, Coder]):
        self._by_hash = dict(coders_by_hash)

    def __len__(self) -> int:
        return len(self._by_hash)

    @classmethod
    def load(cls, path: Path) -> "TokenBook":
        """Read a tokens file; a malformed line fails loudly with its line number (never its token)."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"review tokens file not found: {path}")
        book: dict[str, Coder] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{path}: not UTF-8 text (bad byte at offset {e.start})") from None
        for n, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 3:
                raise InvalidInput(f"{path}:{n}: expected 'token coder_id tenant_id'")
            token, coder_id, tenant_id = parts
            if token.startswith("sha256:"):
                digest = token[len("sha256:"):].lower()
                if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
                    raise InvalidInput(f"{path}:{n}: sha256: must be followed by 64 hex digits")
            elif len(token) < 12:
                raise InvalidInput(f"{path}:{n}: a token must be at least 12 characters")
            else:
                digest = token_hash(token)
            if digest in book:
                raise InvalidInput(f"{path}:{n}: the same token appears twice")
            book[digest] = Coder(coder_id, tenant_id)
        return cls(book)

    def lookup(self, token: str | None) -> Coder | None:
        if not token or len(token) > 512:
            return None
        return self._by_hash.get(token_hash(token))


@dataclass
class Session:
    coder: Coder
    csrf: str
    expires_at: float


class Sessions:
    """Browser sessions after a token login: a random id in an HttpOnly cookie, kept in memory
    (a restart asks coders to log in again)."""

    def __init__(self, ttl_s: float = SESSION_TTL_S):
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._by_id: dict[str, Session] = {}

    def create(self, coder: Coder) -> tuple[str, Session]:
        sid = secrets.token_urlsafe(32)
        now = time.monotonic()
        session = Session(coder, secrets.token_urlsafe(24), now + self.ttl_s)
        with self._lock:
            for old in [k for k, s in self._by_id.items() if s.expires_at < now]:
                del self._by_id[old]
            self._by_id[sid] = session
        return sid, session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            s = self._by_id.get(sid)
            if s is not None and s.expires_at < time.monotonic():
                del self._by_id[sid]
                return None
            return s

    def drop(self, sid: str | None) -> None:
        with self._lock:
            self._by_id.pop(sid or "", None)
