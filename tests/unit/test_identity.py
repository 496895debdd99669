"""Caller identity without a network: the tokens file's roles and certificate names, who may call
what, when a gateway may run without identity, and what its start-up line says."""
from __future__ import annotations

import re

import pytest

from server.config import load_config
from server.errors import InvalidInput, PermissionDenied, Unauthenticated
from server.identity import DEV_PRINCIPAL, Identities, Principal, allow, is_loopback
from server.review.auth import Coder, TokenBook, token_hash
from tests.unit.test_review_service import codesets  # noqa: F401 - fixture

SVC = "/medcoder.v1.CodingService/"


def _tokens(tmp_path, text: str):
    path = tmp_path / "tokens.txt"
    path.write_text(text)
    return path


@pytest.fixture
def book(tmp_path) -> TokenBook:
    return TokenBook.load(_tokens(tmp_path, (
        "alice-token-0001 alice clinic-a\n"                        # three columns: a coder, as before
        f"sha256:{token_hash('ehr-token-00001')} ehr clinic-a service\n"
        "root-token-00001 root ops admin\n"
        "mtls:spiffe://clinic-b/billing billing clinic-b service   # a client certificate's SAN\n")))


def test_the_tokens_file_gives_roles_and_maps_certificate_names(book):
    assert book.lookup("alice-token-0001") == Coder("alice", "clinic-a", "coder")
    assert book.lookup("ehr-token-00001") == Coder("ehr", "clinic-a", "service")
    assert book.lookup_certificate(["other.example", "spiffe://clinic-b/billing"]) == Coder("billing", "clinic-b", "service")
    assert book.lookup_certificate(["spiffe://clinic-b/billing-2"]) is None
    assert book.lookup("mtls:spiffe://clinic-b/billing") is None        # a name is not a password


@pytest.mark.parametrize("line, fragment", [
    ("alice-token-0001 alice clinic-a superuser", "role must be one of coder, service, admin"),
    ("alice-token-0001 alice clinic-a coder extra", "expected 'token coder_id tenant_id [role]'"),
    ("mtls: alice clinic-a", "mtls: needs a certificate name"),
])
def test_a_bad_tokens_line_is_refused_with_its_line_number(tmp_path, line, fragment):
    with pytest.raises(InvalidInput, match=re.escape(fragment)) as e:
        TokenBook.load(_tokens(tmp_path, "# header\n" + line + "\n"))
    assert ":2:" in e.value.message and "alice-token-0001" not in e.value.message


def test_resolve_prefers_the_api_key_then_the_certificate(book):
    ids = Identities(book, dev=False)
    assert ids.resolve({"authorization": "Bearer alice-token-0001"}, {}) == Principal("alice", "clinic-a", "coder", "token")
    cert = {"x509_subject_alternative_name": [b"spiffe://clinic-b/billing"]}
    assert ids.resolve({}, cert) == Principal("billing", "clinic-b", "service", "mtls")
    with pytest.raises(Unauthenticated):
        ids.resolve({}, {})
    with pytest.raises(Unauthenticated):
        ids.resolve({"authorization": "Bearer forged-token-123"}, cert)
    with pytest.raises(PermissionDenied, match="not mapped"):
        ids.resolve({}, {"x509_subject_alternative_name": [b"spiffe://clinic-z/x"]})


def test_a_dev_gateway_lets_anonymous_callers_in_but_still_checks_given_keys(book):
    ids = Identities(book, dev=True)
    assert ids.resolve({}, {}) == DEV_PRINCIPAL
    with pytest.raises(Unauthenticated):
        ids.resolve({"authorization": "Bearer forged-token-123"}, {})
    assert Identities(None, dev=True).resolve({}, {}) == DEV_PRINCIPAL


@pytest.mark.parametrize("role, rpc, ok", [
    ("coder", "SubmitReview", True), ("coder", "CodeEncounter", True), ("coder", "ScoreClaim", True),
    ("service", "CodeEncounter", True), ("service", "CodeEncounters", True), ("service", "ScoreClaim", True),
    ("service", "SubmitReview", False), ("admin", "SubmitReview", True), ("coder", "SomethingNew", False),
    ("admin", "SomethingNew", True), ("service", "ReportRemittance", True), ("admin", "ReportRemittance", True),
    ("coder", "ReportRemittance", False),
])
def test_roles_gate_rpcs(role, rpc, ok):
    who = Principal("x", "t", role, "token")
    if ok:
        allow(who, SVC + rpc)
    else:
        with pytest.raises(PermissionDenied, match=f"role {role} may not call {rpc}"):
            allow(who, SVC + rpc)


def test_a_public_address_without_identity_refuses_to_start_unless_dev(tmp_path):
    with pytest.raises(InvalidInput, match="refusing to serve on 0.0.0.0 without caller identity"):
        Identities.from_config(load_config({"host": "0.0.0.0"}, environ={}))
    cfg = load_config({"host": "0.0.0.0", "dev": True}, environ={})
    assert Identities.from_config(cfg).dev
    assert "WITHOUT authentication (--dev)" in Identities.from_config(cfg).startup_line(cfg)
    tokens = _tokens(tmp_path, "alice-token-0001 alice clinic-a\n")
    cfg = load_config({"host": "0.0.0.0", "review_tokens": tokens}, environ={})
    assert not Identities.from_config(cfg).dev
    assert Identities.from_config(cfg).startup_line(cfg) == (
        "medcoder requires caller identity (API keys), no TLS: API keys and notes cross the network to "
        "0.0.0.0 in clear; set --tls-cert/--tls-key")


def test_the_newcomers_loopback_gateway_is_a_development_server_and_says_so():
    cfg = load_config({}, environ={})
    ids = Identities.from_config(cfg)
    assert ids.dev and ids.startup_line(cfg).startswith(
        "medcoder is a development server bound to 127.0.0.1 without authentication")
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.org"))


@pytest.mark.parametrize("given, fragment", [
    ({"tls_cert": "/x.crt"}, "give both"),
    ({"tls_client_ca": "/ca.crt"}, "needs tls_cert and tls_key"),
])
def test_half_a_tls_setting_is_refused(given, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        load_config(given, environ={})


def test_serve_on_a_public_address_without_identity_exits_2_with_one_line(capsys):
    from server.cli import main

    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "refusing to serve on 0.0.0.0 without caller identity" in err[0] and "--dev" in err[0]


def test_a_service_identity_cannot_log_in_to_the_review_page(tmp_path, codesets):  # noqa: F811
    from server.review.log import ReviewLog
    from server.review.service import ReviewService

    book = TokenBook({token_hash("ehr-token-00001"): Coder("ehr", "clinic-a", "service"),
                      token_hash("alice-token-0001"): Coder("alice", "clinic-a")})
    svc = ReviewService(ReviewLog(tmp_path / "review.db"), codesets, book)
    with pytest.raises(PermissionDenied, match="service identity cannot use the review page"):
        svc.coder_for_token("ehr-token-00001", "http")
    assert svc.coder_for_token("alice-token-0001", "http").coder_id == "alice"
    assert svc.coder_for_token("ehr-token-00001", "grpc").role == "service"     # gRPC roles are checked per RPC
    assert svc.log.audit_rows()[-1]["outcome"] == "denied: service identity"
    svc.log.close()
