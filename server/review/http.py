"""The review page's HTTP server: standard library only, one thread per connection, in the
gateway's process on its own port.

Routes (all but /login and /static need a session cookie from a token login, or
``Authorization: Bearer <token>``):
  GET  /queue                          the tenant's coded encounters
  GET  /encounters/<id>                one encounter: note with evidence, ranked codes, CDI, edits
  POST /encounters/<id>/decisions      accept / modify / reject / add (form fields as in the page)
  GET  /api/codes?system=&q=           code-set search by code or words, with hierarchy (JSON)
  GET  /api/codes/<code>?system=       one code, its ancestors and children (JSON)
Bad input gets 400 with a message that names the field; a body over the limit gets 413 unread.
Errors get the HTTP status of ``server.errors.classify`` (the gateway's one error table: overload
429, an unreachable database 503, anything unexpected 500 with a fixed message); 429 and 503 say
``Retry-After``.

Limits (``PageLimits``): at most ``max_connections`` connections are served at once (one thread
each); the next is answered 503 at once and closed. A request's line and headers, and then its
body, must each arrive within ``read_timeout_s`` (a client sending a byte now and then is cut off
too), and an idle keep-alive connection is closed after it. Failed logins are limited per client
address (``login_per_minute``, then 429). A POST whose ``Origin`` (or ``Referer``) is another
site is refused 403, the login form included (login CSRF); the other forms also carry a CSRF token.
Cookies are ``Secure`` and responses carry HSTS when the page is served over TLS (or behind a TLS
proxy: ``cookie_secure``); every response forbids framing (``X-Frame-Options`` and CSP
``frame-ancestors``) and sniffing.
"""
from __future__ import annotations

import collections
import io
import json
import logging
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from server.errors import MedcoderError, NotFound, Unauthenticated, classify
from server.review import pages
from server.review.auth import Coder, Sessions
from server.review.log import Decision
from server.review.service import ReviewService

log = logging.getLogger("medcoder.review.http")
COOKIE = "medcoder_review"
_ENCOUNTER = re.compile(r"^/encounters/([0-9A-Za-z_-]{1,128})(/decisions)?$")
_HEADERS = (("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store"))
_STATIC = {"/static/review.js": "application/javascript", "/static/review.css": "text/css"}
_HSTS = ("Strict-Transport-Security", "max-age=31536000")
_BUSY = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
         b"Content-Length: 30\r\nConnection: close\r\n\r\nthe review page is busy; retry")


@dataclass(frozen=True)
class PageLimits:
    """What one client may hold of the review page (``review_*`` settings)."""

    max_connections: int = 64
    read_timeout_s: float = 10.0
    login_per_minute: int = 10
    cookie_secure: bool = False


class _DeadlineReader(io.RawIOBase):
    """A socket's reads with one deadline for a whole phase (request line and headers, then the
    body), not one per ``recv``: a client that trickles a byte every few seconds still runs out."""

    def __init__(self, sock: socket.socket):
        self.sock, self.deadline = sock, time.monotonic()

    def reset(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the client was too slow to send its request")
        self.sock.settimeout(left)
        return self.sock.recv_into(buf)


class _LoginLimiter:
    """Failed logins per client address in the last minute; bounded memory."""

    def __init__(self, per_minute: int, max_clients: int = 10_000):
        self.per_minute, self.max_clients = per_minute, max_clients
        self._lock = threading.Lock()
        self._failures: dict[str, collections.deque] = {}

    def _recent(self, client: str, now: float) -> collections.deque:
        q = self._failures.get(client)
        if q is None:
            if len(self._failures) >= self.max_clients:
                self._failures.pop(next(iter(self._failures)))
            q = self._failures[client] = collections.deque()
        while q and q[0] < now - 60:
            q.popleft()
        return q

    def allowed(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) < self.per_minute

    def failed(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(client, now).append(now)


class ReviewHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, service: ReviewService, max_body_bytes: int, limits: PageLimits = PageLimits()):
        self.service, self.max_body_bytes, self.sessions = service, max_body_bytes, Sessions()
        self.limits, self.logins = limits, _LoginLimiter(limits.login_per_minute)
        self._slots = threading.BoundedSemaphore(limits.max_connections)
        super().__init__(address, Handler)

    def process_request(self, request, client_address):
        """One thread per connection, at most ``max_connections``: past that, 503 at once."""
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(_BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):
        """A failed TLS handshake (expired or foreign client certificate, plain HTTP on the HTTPS
        port) or a dropped connection is the client's business: one debug line, no traceback."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, EOFError)):
            log.debug("review connection from %s ended: %s", client_address[0], type(exc).__name__)
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: ReviewHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "medcoder-review"
    sys_version = ""

    def setup(self):
        super().setup()
        self._reader = _DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader, 64 * 1024)

    def handle_one_request(self):
        self._reader.reset(self.server.limits.read_timeout_s)   # the request line and headers, or idle
        super().handle_one_request()

    @property
    def _secure(self) -> bool:
        return isinstance(self.connection, ssl.SSLSocket) or self.server.limits.cookie_secure

    def log_message(self, fmt, *args):
        """Method, path (ids only) and status; never bodies, query strings or raw request lines."""
        status = next((str(a) for a in args if str(a).isdigit() and len(str(a)) == 3), "-")
        path = urlsplit(getattr(self, "path", "") or "").path[:200]
        log.debug("%s %s -> %s", getattr(self, "command", None) or "?", path, status)

    # -- plumbing ---------------------------------------------------------------------------
    def _send(self, status: int, body: str | bytes, ctype: str = "text/html; charset=utf-8",
              headers: tuple[tuple[str, str], ...] = ()) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.connection.settimeout(self.server.limits.read_timeout_s)   # a client that never reads
        self.send_response(status)
        secure = (_HSTS,) if self._secure else ()
        for k, v in (*_HEADERS, *secure, *headers, ("Content-Type", ctype), ("Content-Length", str(len(data)))):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _redirect(self, location: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self._send(303, b"", "text/plain", (("Location", location), *headers))

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj), "application/json")

    def _error(self, status: int, message: str, api: bool) -> None:
        if api:
            self._send(status, json.dumps({"error": message}), "application/json", _retry_after(status))
        else:
            self._send(status, pages.message_page(HTTPStatus(status).phrase, message), headers=_retry_after(status))

    def _form(self) -> dict[str, str] | None:
        """The urlencoded body, or None after answering 411/413/415 (nothing is read past the limit)."""
        length = self.headers.get("Content-Length")
        if length is None or not (length.isascii() and length.isdigit() and len(length) <= 12):
            self._error(411, "a Content-Length header is required", api=False)
            return None
        self._reader.reset(self.server.limits.read_timeout_s)
        if int(length) > self.server.max_body_bytes:
            self.close_connection = True
            _discard(self.rfile, int(length))   # so the client reads our answer, not a reset
            self._error(413, f"form is larger than {self.server.max_body_bytes} bytes", api=False)
            return None
        raw = self.rfile.read(int(length))
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            self._error(415, "send the form as application/x-www-form-urlencoded", api=False)
            return None
        try:
            fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
        except (UnicodeDecodeError, ValueError):
            self._error(400, "the form is not valid UTF-8 url-encoded data", api=False)
            return None
        return {k: v[0] for k, v in fields.items()}

    def _session(self):
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        sid = cookie[COOKIE].value if COOKIE in cookie else None
        return sid, self.server.sessions.get(sid)

    def _who(self) -> tuple[Coder, str] | None:
        """The coder of this request (session cookie, else bearer token) and the session's CSRF token."""
        _, session = self._session()
        if session is not None:
            return session.coder, session.csrf
        auth = self.headers.get("Authorization", "")
        if auth[:7].lower() == "bearer ":
            try:
                return self.server.service.coder_for_token(auth[7:].strip(), "http"), ""
            except Unauthenticated:
                return None
        return None

    # -- dispatch ---------------------------------------------------------------------------
    def do_GET(self):
        self._guard(self._get)

    def do_HEAD(self):
        self._guard(self._get)

    def do_POST(self):
        self._guard(self._post)

    def _guard(self, fn) -> None:
        url = urlsplit(self.path)
        api = url.path.startswith("/api/")
        try:
            query = parse_qs(url.query, max_num_fields=16)
        except ValueError:   # more than 16 fields: the caller's error, not ours
            return self._error(400, "too many query fields (at most 16)", api)
        try:
            fn(url.path, query)
        except (TimeoutError, ConnectionError):
            self.close_connection = True   # too slow, or gone: nobody to answer
        except Exception as e:  # noqa: BLE001 - the boundary: unknown errors get a fixed message
            _, status, message = classify(e, f"review {self.command} {url.path[:200]}")
            self._error(status, message, api)

    def _get(self, path: str, query: dict[str, list[str]]) -> None:
        if path in _STATIC:
            body = resources.files("server.review").joinpath("static", path.rsplit("/", 1)[1]).read_bytes()
            return self._send(200, body, _STATIC[path] + "; charset=utf-8")
        if path == "/login":
            return self._send(200, pages.login_page())
        who = self._who()
        if who is None:
            if path.startswith("/api/"):
                return self._error(401, "log in with a coder token first", api=True)
            return self._redirect("/login")
        coder, csrf = who
        service = self.server.service
        if path in ("/", "/queue"):
            return self._send(200, pages.queue_page(coder, csrf, service.queue(coder, "http")))
        m = _ENCOUNTER.match(path)
        if m and not m.group(2):
            saved = query.get("saved", [""])[0][:20]
            view = service.open_encounter(coder, m.group(1), "http")
            return self._send(200, pages.encounter_page(coder, csrf, view, saved=saved))
        if path == "/denials":
            return self._send(200, pages.denials_page(coder, csrf, service.denials(coder, "http"),
                                                      service.denial_threshold))
        if path == "/api/codes":
            system = query.get("system", ["ICD10CM"])[0]
            return self._json(200, {"results": service.search.search(system, query.get("q", [""])[0])})
        if path.startswith("/api/codes/"):
            system = query.get("system", ["ICD10CM"])[0]
            found = service.search.lookup(system, path[len("/api/codes/"):])
            if found is None:
                raise NotFound("no such code in the code set")
            return self._json(200, found)
        raise NotFound("no such page")

    def _cross_site(self) -> bool:
        """A POST sent by another site's page. A browser says so itself (``Sec-Fetch-Site``, which
        page scripts cannot set); it is believed first, because under our ``no-referrer`` policy
        Chromium sends ``Origin: null`` for the page's own forms. Without it, the Origin (or
        Referer) must name this host. Clients that send none of them (scripts) are let through."""
        site = self.headers.get("Sec-Fetch-Site")
        if site is not None:
            return site not in ("same-origin", "none")
        source = self.headers.get("Origin") or self.headers.get("Referer")
        if not source:
            return False
        # behind a proxy that rewrites Host, the host the browser saw comes as X-Forwarded-Host (a
        # cross-site form cannot set that header: a script that tries needs a CORS preflight first)
        hosts = {h.strip().lower() for h in (self.headers.get("Host", ""), self.headers.get("X-Forwarded-Host", ""))}
        return source == "null" or urlsplit(source).netloc.lower() not in hosts - {""}

    def _post(self, path: str, query) -> None:
        if self._cross_site():
            self.close_connection = True
            return self._error(403, "a form from another site was refused", api=False)
        form = self._form()
        if form is None:
            return
        if path == "/login":
            return self._login(form)
        sid, session = self._session()
        if session is None:
            return self._error(401, "log in with a coder token first", api=False)
        if form.get("csrf") != session.csrf:
            return self._error(403, "the form is stale; reload the page", api=False)
        if path == "/logout":
            self.server.sessions.drop(sid)
            return self._redirect("/login", ((("Set-Cookie", self._cookie("", "; Max-Age=0")),)))
        m = _ENCOUNTER.match(path)
        if m and m.group(2):
            return self._decide(session, m.group(1), form)
        raise NotFound("no such page")

    def _cookie(self, value: str, extra: str = "") -> str:
        return f"{COOKIE}={value}; HttpOnly; SameSite=Strict; Path=/{extra}" + ("; Secure" if self._secure else "")

    def _login(self, form: dict[str, str]) -> None:
        client = self.client_address[0] if self.client_address else "?"
        if not self.server.logins.allowed(client):
            return self._send(429, pages.login_page("too many failed logins; wait a minute"),
                              headers=(("Retry-After", "60"),))
        try:
            coder = self.server.service.coder_for_token(form.get("token", "").strip(), "http")
        except Unauthenticated as e:
            self.server.logins.failed(client)
            return self._send(401, pages.login_page(e.message))
        sid, _ = self.server.sessions.create(coder)
        self.server.service.log.audit("http", coder.coder_id, coder.tenant_id, "login", "", "ok")
        self._redirect("/queue", (("Set-Cookie", self._cookie(sid)),))

    def _decide(self, session, encounter_id: str, form: dict[str, str]) -> None:
        service, coder = self.server.service, session.coder
        try:
            decision = _decision_of(encounter_id, coder, form)
            service.decide(coder, decision, "http")
        except NotFound:
            raise
        except MedcoderError as e:   # the page again, with the refusal above the form
            _, status, message = classify(e)
            view = service.open_encounter(coder, encounter_id, "http")
            return self._send(status, pages.encounter_page(coder, session.csrf, view, error=message),
                              headers=_retry_after(status))
        self._redirect(f"/encounters/{encounter_id}?saved={decision.action}")


def _retry_after(status: int) -> tuple[tuple[str, str], ...]:
    """429 (overloaded) and 503 (database unreachable) are worth retrying shortly."""
    return (("Retry-After", "1"),) if status in (429, 503) else ()


def _discard(stream, length: int, cap: int = 32 << 20) -> None:
    left = min(length, cap)
    while left > 0:
        chunk = stream.read(min(left, 1 << 16))
        if not chunk:
            return
        left -= len(chunk)


def _decision_of(encounter_id: str, coder: Coder, form: dict[str, str]) -> Decision:
    from server.errors import InvalidInput

    evidence = None
    start, end = form.get("evidence_start", ""), form.get("evidence_end", "")
    if start or end:
        if not all(v.isascii() and v.isdigit() and len(v) <= 9 for v in (start, end)):
            raise InvalidInput("evidence_start and evidence_end must be character offsets")
        evidence = (int(start), int(end))
    elif form.get("action") == "add":
        raise InvalidInput("select the text in the note that supports the added code")
    return Decision(encounter_id=encounter_id, action=form.get("action", ""), system=form.get("system", ""),
                    coder_id=coder.coder_id, suggestion_id=form.get("suggestion_id", ""),
                    suggested_code=form.get("suggested_code", ""), final_code=form.get("final_code", "").strip(),
                    reason=form.get("reason", "").strip(), evidence=evidence)


class ReviewServer:
    """The HTTP server on its own thread; ``url`` once started, ``stop()`` from the gateway's shutdown.
    With ``ssl_context`` (server.tls) it speaks HTTPS only; the TLS handshake runs on the
    connection's own thread, so a client that stalls it holds no one else up."""

    def __init__(self, service: ReviewService, host: str, port: int, max_body_bytes: int = 64 * 1024,
                 limits: PageLimits = PageLimits(), ssl_context=None):
        self.httpd = ReviewHTTPServer((host, port), service, max_body_bytes, limits)
        if ssl_context is not None:
            self.httpd.socket = ssl_context.wrap_socket(self.httpd.socket, server_side=True,
                                                        do_handshake_on_connect=False)
        self.scheme = "https" if ssl_context is not None else "http"
        self.host, self.port = host, self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="medcoder-review-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def start(self) -> "ReviewServer":
        self._thread.start()
        return self

    def stop(self, grace_s: float = 5.0) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=grace_s)
