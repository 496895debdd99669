"""What one client may hold of the review page (``PageLimits``), on a real server on 127.0.0.1:
half-sent requests are cut off, connections past the limit get 503 at once and the page keeps
serving, failed logins are limited per address, another site's form is refused, and the headers
forbid framing (with ``Secure`` cookies and HSTS over TLS, with a certificate made here)."""
from __future__ import annotations

import datetime as dt
import http.client
import socket
import ssl
import time
import urllib.parse

import pytest

from server.review.auth import TokenBook, token_hash
from server.review.http import PageLimits, ReviewServer
from server.review.log import ReviewLog
from server.review.service import ReviewService
from tests.unit.test_review_service import ALICE, coded, codesets  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration
TOKEN = "alice-token-0001"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _site(tmp_path, codesets, limits: PageLimits):  # noqa: F811
    service = ReviewService(ReviewLog(tmp_path / "review.db"), codesets, TokenBook({token_hash(TOKEN): ALICE}))
    service.keep(coded("encA"), "encA", "clinic-a")
    return ReviewServer(service, "127.0.0.1", 0, limits=limits), service


@pytest.fixture
def site(tmp_path, codesets):  # noqa: F811
    server, service = _site(tmp_path, codesets, PageLimits(max_connections=4, read_timeout_s=1.0, login_per_minute=3))
    yield server.start()
    server.stop()
    service.log.close()


def _post_login(port: int, token: str, headers: dict | None = None, source: str = "127.0.0.1"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    conn.request("POST", "/login", urllib.parse.urlencode({"token": token}).encode(), {**FORM, **(headers or {})})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server ends the connection within ``seconds`` while we trickle header bytes."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.25)
    while time.monotonic() < deadline:
        try:
            sock.sendall(b"X")                      # one byte of a header that never ends
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            continue
        except OSError:                             # reset: closed as well
            return True
    return False


def test_a_client_trickling_its_headers_is_cut_off_and_does_not_hold_a_thread(site):
    sock = socket.create_connection(("127.0.0.1", site.port))
    sock.sendall(b"GET /queue HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert _closed_within(sock, 6.0)              # read_timeout_s is 1 s for line and headers together
    sock.close()


def test_connections_past_the_limit_get_503_at_once_and_the_page_recovers(site):
    idle = [socket.create_connection(("127.0.0.1", site.port)) for _ in range(4)]   # hold every slot
    time.sleep(0.2)
    extra = socket.create_connection(("127.0.0.1", site.port))
    extra.settimeout(5)
    assert extra.recv(200).startswith(b"HTTP/1.1 503")
    extra.close()
    for s in idle:
        s.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:           # the idle ones are closed after read_timeout_s at most
        conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
        conn.request("GET", "/login")
        status = conn.getresponse().status
        conn.close()
        if status == 200:
            break
        time.sleep(0.2)
    assert status == 200


def test_failed_logins_are_limited_per_address(site):
    for _ in range(3):
        assert _post_login(site.port, "guess-token-xxxx").status == 401
    refused = _post_login(site.port, TOKEN)          # even the right token waits now, from this address
    assert refused.status == 429 and refused.getheader("Retry-After") == "60"
    assert _post_login(site.port, TOKEN, source="127.0.0.2").status == 303   # another address logs in


def test_another_sites_login_form_is_refused(site):
    host = f"127.0.0.1:{site.port}"
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                    {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        resp = _post_login(site.port, TOKEN, headers)
        assert resp.status == 403 and resp.getheader("Set-Cookie") is None
    for headers in ({"Origin": f"http://{host}"},
                    {"Origin": "null", "Sec-Fetch-Site": "same-origin"}):   # Chromium under no-referrer
        ok = _post_login(site.port, TOKEN, headers)
        assert ok.status == 303 and ok.getheader("Set-Cookie")


def test_headers_forbid_framing_and_plain_http_cookies_are_not_secure(site):
    resp = _post_login(site.port, TOKEN)
    assert resp.getheader("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in resp.getheader("Content-Security-Policy")
    assert resp.getheader("X-Content-Type-Options") == "nosniff" and resp.getheader("Referrer-Policy")
    assert "Secure" not in resp.getheader("Set-Cookie") and resp.getheader("Strict-Transport-Security") is None


def _certificate(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "page.crt", tmp_path / "page.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_over_tls_the_cookie_is_secure_and_hsts_is_sent(tmp_path, codesets):  # noqa: F811
    cert, key = _certificate(tmp_path)
    server, service = _site(tmp_path, codesets, PageLimits())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.httpd.socket = ctx.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    try:
        client_ctx = ssl.create_default_context(cafile=str(cert))
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10, context=client_ctx)
        conn.request("POST", "/login", urllib.parse.urlencode({"token": TOKEN}).encode(), FORM)
        resp = conn.getresponse()
        resp.read()
        conn.close()
    finally:
        server.stop()
        service.log.close()
    assert resp.status == 303 and "; Secure" in resp.getheader("Set-Cookie")
    assert resp.getheader("Strict-Transport-Security", "").startswith("max-age=")


def test_behind_a_tls_proxy_cookie_secure_marks_the_cookie(tmp_path, codesets):  # noqa: F811
    server, service = _site(tmp_path, codesets, PageLimits(cookie_secure=True))
    server.start()
    try:
        resp = _post_login(server.port, TOKEN)
    finally:
        server.stop()
        service.log.close()
    assert "; Secure" in resp.getheader("Set-Cookie") and resp.getheader("Strict-Transport-Security")
