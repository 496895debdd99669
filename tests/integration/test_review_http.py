"""The review page's HTTP server on 127.0.0.1 (in process, real SQLite, real code sets): no token
gets nothing, tenants are kept apart, bad forms get a clear message and write nothing, and errors
get the gateway's one error table (overload 429, an unreachable database 503, the unexpected 500)."""
from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.parse

import pytest

from server.errors import Overloaded, Unavailable
from server.review.auth import TokenBook, token_hash
from server.review.http import ReviewServer
from server.review.log import ReviewLog
from server.review.service import ReviewService
from tests.unit.test_review_service import ALICE, BOB, coded, codesets  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


class Browser:
    """Just enough of a browser: one cookie, forms posted url-encoded."""

    def __init__(self, port: int):
        self.port, self.cookie = port, ""

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        hdrs = dict(headers or {})
        if self.cookie:
            hdrs["Cookie"] = self.cookie
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        if resp.getheader("Set-Cookie"):
            self.cookie = resp.getheader("Set-Cookie").split(";")[0]
        conn.close()
        return resp.status, resp, data

    def post(self, path: str, fields: dict):
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, token: str):
        status, resp, _ = self.post("/login", {"token": token})
        assert status == 303 and resp.getheader("Location") == "/queue"

    def csrf(self, path: str) -> str:
        return re.search(r'name="csrf" value="([^"]+)"', self.request("GET", path)[2]).group(1)


@pytest.fixture
def site(tmp_path, codesets):  # noqa: F811
    tokens = TokenBook({token_hash("alice-token-0001"): ALICE, token_hash("bob-token-000002"): BOB})
    service = ReviewService(ReviewLog(tmp_path / "review.db"), codesets, tokens)
    service.keep(coded("encA"), "encA", "clinic-a")
    service.keep(coded("encB"), "encB", "clinic-b")
    server = ReviewServer(service, "127.0.0.1", 0, max_body_bytes=16 * 1024).start()
    yield server, service
    server.stop()
    service.log.close()


def test_without_a_token_nothing_is_served(site):
    server, service = site
    b = Browser(server.port)
    for path in ("/queue", "/encounters/encA"):
        status, resp, body = b.request("GET", path)
        assert status == 303 and resp.getheader("Location") == "/login" and "heart failure" not in body
    assert b.request("GET", "/api/codes?q=I50")[0] == 401
    assert b.post("/encounters/encA/decisions", {"action": "accept", "suggestion_id": "encA:1"})[0] == 401
    status, _, body = b.post("/login", {"token": "not-a-token-at-all"})
    assert status == 401 and "unknown or missing coder token" in body
    assert b.request("GET", "/queue", headers={"Authorization": "Bearer wrong-token-xx"})[0] == 303
    assert service.log.decisions() == []
    assert any(r["outcome"].startswith("denied: unknown token") for r in service.log.audit_rows())


def test_a_coder_sees_only_their_tenants_encounters(site):
    server, service = site
    bob = Browser(server.port)
    bob.login("bob-token-000002")
    queue = bob.request("GET", "/queue")[2]
    assert "/encounters/encB" in queue and "/encounters/encA" not in queue
    status, _, body = bob.request("GET", "/encounters/encA")
    assert status == 404 and "heart failure" not in body
    csrf = bob.csrf("/encounters/encB")
    status, _, _ = bob.post("/encounters/encA/decisions", {"csrf": csrf, "action": "accept", "suggestion_id": "encA:1"})
    assert status == 404 and service.log.decisions() == []
    # the bearer header works for scripts, within the same tenant rules
    assert Browser(server.port).request("GET", "/encounters/encA",
                                        headers={"Authorization": "Bearer bob-token-000002"})[0] == 404


def test_the_encounter_page_shows_highlighted_evidence_linked_to_ranked_codes(site):
    server, _ = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, resp, page = alice.request("GET", "/encounters/encA")
    assert status == 200 and "default-src 'self'" in resp.getheader("Content-Security-Policy")
    assert '<mark class="ev" data-cards="0" data-start="12">acute on chronic systolic heart failure</mark>' in page
    assert page.index("I50.23") < page.index("E11.9") < page.index("C18.9")
    assert "91%" in page and "code_first" in page and "http://" not in page and "https://" not in page
    assert "Is the diabetes controlled, with any complication?" in page            # CDI query
    assert "excludes1</b> [warn]" in page and "mutually exclusive" in page          # compliance edit
    hits = json.loads(alice.request("GET", "/api/codes?system=ICD10CM&q=z85.03")[2])["results"]
    assert hits[0]["code"] == "Z85.03" and "Z85.038" in [h["code"] for h in hits]


@pytest.mark.parametrize("fields, status, fragment", [
    ({"action": "modify", "suggestion_id": "encA:2", "final_code": "XYZ.123", "reason": "r"}, 400, "not a valid ICD10CM code"),
    ({"action": "reject", "suggestion_id": "encA:3", "reason": ""}, 400, "a reason is required to reject"),
    ({"action": "add", "final_code": "Z85.038", "system": "ICD10CM"}, 400, "select the text in the note"),
    ({"action": "add", "final_code": "Z85.038", "system": "ICD10CM", "evidence_start": "x", "evidence_end": "9"}, 400, "character offsets"),
    ({"action": "accept", "suggestion_id": "encB:1"}, 400, "does not name a suggestion"),
    ({"action": "delete", "suggestion_id": "encA:1"}, 400, "action must be one of"),
])
def test_bad_forms_get_a_clear_message_and_write_nothing(site, fields, status, fragment):
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    csrf = alice.csrf("/encounters/encA")
    got, _, body = alice.post("/encounters/encA/decisions", {"csrf": csrf, **fields})
    assert got == status and fragment in body and 'role="alert"' in body
    assert service.log.decisions() == []


def test_huge_or_forged_forms_are_refused_and_write_nothing(site):
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    csrf = alice.csrf("/encounters/encA")
    status, _, body = alice.post("/encounters/encA/decisions",
                                 {"csrf": csrf, "action": "reject", "suggestion_id": "encA:3", "reason": "x" * 1_000_000})
    assert status == 413 and "larger than 16384 bytes" in body
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, _, body = alice.post("/encounters/encA/decisions", {"csrf": "forged", "action": "accept", "suggestion_id": "encA:1"})
    assert status == 403 and "stale" in body
    assert service.log.decisions() == []
    ok = alice.post("/encounters/encA/decisions", {"csrf": alice.csrf("/queue"), "action": "accept", "suggestion_id": "encA:1"})
    assert ok[0] == 303 and [d["final_code"] for d in service.log.decisions()] == ["I50.23"]


def test_bad_api_and_login_input_gets_a_clear_message(site):
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, _, body = alice.request("GET", "/api/codes?system=ICD99&q=I50")
    assert status == 400 and "system must be one of" in json.loads(body)["error"]
    status, _, body = alice.request("GET", "/api/codes/NOPE1?system=ICD10CM")
    assert status == 404 and json.loads(body)["error"] == "no such code in the code set"
    status, _, body = alice.request("GET", "/api/codes?q=" + "heart%20" * 500)
    assert status == 400 and "longer than 100 characters" in json.loads(body)["error"]
    status, _, body = Browser(server.port).post("/login", {"token": "t" * 100_000})
    assert status == 413
    status, _, body = alice.request("POST", "/encounters/encA/decisions", b"{}", {"Content-Type": "application/json"})
    assert status == 415 and "x-www-form-urlencoded" in body
    assert service.log.decisions() == []


@pytest.mark.parametrize("error, status", [(Overloaded("server is at capacity; retry with backoff"), 429),
                                           (Unavailable("cannot connect to the PostgreSQL review database"), 503)],
                         ids=["overloaded", "database-unreachable"])
def test_overload_and_an_unreachable_database_say_retry_later_not_500(site, monkeypatch, error, status):
    """The review page answers with the gateway's one error table: overload was a 500 before."""
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")

    def refuse(*_, **__):
        raise error

    monkeypatch.setattr(service, "queue", refuse)
    monkeypatch.setattr(service.search, "search", refuse)
    got, resp, body = alice.request("GET", "/queue")
    assert got == status and resp.getheader("Retry-After") == "1" and error.message in body
    got, resp, body = alice.request("GET", "/api/codes?q=I50")
    assert got == status and resp.getheader("Retry-After") == "1"
    assert json.loads(body) == {"error": error.message}


def test_an_unexpected_error_is_500_with_a_fixed_message_and_no_note_text(site, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")

    def crash(system: str, query: str):
        raise RuntimeError(f"index broke on {query!r}")   # an exception text that quotes the input

    monkeypatch.setattr(service.search, "search", crash)
    got, _, body = alice.request("GET", "/api/codes?q=QUOKKA-CANARY")
    assert got == 500 and json.loads(body) == {"error": "internal error"}
    assert "unexpected RuntimeError in review GET /api/codes" in caplog.text
    assert "QUOKKA" not in caplog.text


def test_the_denials_page_shows_the_coders_tenant_only(site):
    from server.review.denials import Denials
    from tests.unit.remit_fixtures import Paid, remittance

    server, service = site
    denials = Denials(service.log)
    denials.import_835(remittance([Paid("A1", "4", 100, 0, [("CO", "50", 100)], [("93000", 100, 0, [], [])])],
                                  payer="AETNA"), tenant_id="clinic-a", actor="billing")
    denials.import_835(remittance([Paid("B1", "4", 100, 0, [("CO", "97", 100)], [("97140", 100, 0, [], [])])],
                                  payer="CIGNA"), tenant_id="clinic-b", actor="billing")
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, _, page = alice.request("GET", "/denials")
    assert status == 200 and "<td>AETNA</td>" in page and "CO-50 (1)" in page and "93000 (1)" in page
    assert "CIGNA" not in page and "CO-97" not in page
    assert any(r["action"] == "read" and r["object"] == "denial-report" and r["tenant_id"] == "clinic-a"
               for r in service.log.audit_rows())
