"""Caller identity: bearer tokens (API keys) and client-certificate names that map to a subject
(a coder id or a service name), a tenant and a role, read from one file.

The tokens file has one identity per line, whitespace-separated, ``#`` starts a comment; the role
(coder, service or admin; docs/security.md) is optional and defaults to coder::

    # token                                        coder_id     tenant_id  [role]
    sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b...   alice        clinic-a
    s3cret-token-for-bob                             bob          clinic-b   coder
    sha256:2c26b46b68ffc68ff99b453c1d30413413422d70...   ehr-bridge   clinic-b   service
    mtls:spiffe://clinic-a/ehr-bridge                ehr-bridge   clinic-a   service

A token may be written as ``sha256:<hex>`` (the SHA-256 of the token) so the file need not hold
secrets. Tokens are compared by their hashes; they are never logged. An ``mtls:<name>`` line maps
a client certificate whose subject alternative name (a URI or DNS name) is ``<name>``: the
certificate proves the name (mTLS, ``--tls-client-ca``), the line gives it a tenant and a role.
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
ROLES = ("coder", "service", "admin")
MTLS_PREFIX = "mtls:"


@dataclass(frozen=True)
class Coder:
    """One identity of the tokens file: a coder (a person) or a service, in one tenant."""
    coder_id: str
    tenant_id: str
    role: str = "coder"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenBook:
    """Token (by hash) -> Coder. ``lookup`` returns None for an unknown token."""

    def __init__(self, coders_by_hash: dict[str, Coder], by_certificate_name: dict[str, Coder] | None = None):
        self._by_hash = dict(coders_by_hash)
        self._by_name = dict(by_certificate_name or {})

    def __len__(self) -> int:
        return len(self._by_hash)

    @classmethod
    def load(cls, path: Path) -> "TokenBook":
        """Read a tokens file; a malformed line fails loudly with its line number (never its token)."""
        path = Path(path)
        if not path.is_file():
            raise InvalidInput(f"review tokens file not found: {path}")
        book: dict[str, Coder] = {}
        names: dict[str, Coder] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise InvalidInput(f"{path}: not UTF-8 text (bad byte at offset {e.start})") from None
        for n, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) not in (3, 4):
                raise InvalidInput(f"{path}:{n}: expected 'token coder_id tenant_id [role]'")
            token, coder_id, tenant_id = parts[:3]
            role = parts[3] if len(parts) == 4 else "coder"
            if role not in ROLES:
                raise InvalidInput(f"{path}:{n}: role must be one of {', '.join(ROLES)}")
            if token.startswith(MTLS_PREFIX):
                name = token[len(MTLS_PREFIX):]
                if not name or name in names:
                    raise InvalidInput(f"{path}:{n}: mtls: needs a certificate name, once per file")
                names[name] = Coder(coder_id, tenant_id, role)
                continue
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
            book[digest] = Coder(coder_id, tenant_id, role)
        return cls(book, names)

    def lookup(self, token: str | None) -> Coder | None:
        if not token or len(token) > 512:
            return None
        return self._by_hash.get(token_hash(token))

    def lookup_certificate(self, names) -> Coder | None:
        """The identity of a verified client certificate: the first of its subject alternative
        names (URI or DNS) that an ``mtls:`` line maps."""
        for name in names:
            coder = self._by_name.get(name)
            if coder is not None:
                return coder
        return None


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
