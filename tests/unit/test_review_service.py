"""The review core as a coder meets it: decisions checked against what was shown and against the
code set, tenants kept apart, every read and write audited, corrections as new rows."""
from __future__ import annotations

import pytest

from server.domain import (Assertion, CdiQuery, CodedEncounter, CodeSuggestion, CodeSystem, Edit, RuleNote,
                           Setting, Severity, Span)
from server.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from server.review.auth import Coder, TokenBook, token_hash
from server.review.log import Decision, ReviewLog
from server.review.service import ReviewService

NOTE = "Assessment: acute on chronic systolic heart failure. Type 2 diabetes. History of colon cancer."
ALICE, BOB = Coder("alice", "clinic-a"), Coder("bob", "clinic-b")


@pytest.fixture(scope="module")
def codesets(cache_dir):
    from rules_native.codesets import CodeSets

    return CodeSets.load(cache_dir=cache_dir / "codesets")


def coded(eid: str) -> CodedEncounter:
    enc = CodedEncounter(doc_id="n1", text=NOTE, setting=Setting.INPATIENT, model_versions={"scorer": "v1"})
    for n, (code, desc, s, e, conf) in enumerate([
            ("I50.23", "Acute on chronic systolic (congestive) heart failure", 12, 51, 0.91),
            ("E11.9", "Type 2 diabetes mellitus without complications", 53, 68, 0.8),
            ("C18.9", "Malignant neoplasm of colon, unspecified", 81, 93, 0.4)], start=1):
        enc.codes.append(CodeSuggestion(CodeSystem.ICD10CM, code, desc, conf, (Span(s, e),), Assertion.PRESENT,
                                        (RuleNote("code_first", "etiology first"),), sequence=n,
                                        suggestion_id=f"{eid}:{n}"))
    enc.cdi_queries.append(CdiQuery("E11.9", "Is the diabetes controlled, with any complication?", ("complication",)))
    enc.edits.append(Edit("excludes1", Severity.WARN, "E11.9 and E11.22 are mutually exclusive", codes=("E11.9",)))
    return enc


@pytest.fixture
def svc(tmp_path, codesets):
    tokens = TokenBook({token_hash("alice-token-0001"): ALICE, token_hash("bob-token-000002"): BOB})
    service = ReviewService(ReviewLog(tmp_path / "review.db"), codesets, tokens)
    service.keep(coded("encA"), "encA", "clinic-a")
    service.keep(coded("encB"), "encB", "clinic-b")
    yield service
    service.log.close()


def test_accept_modify_reject_add_record_what_was_shown(svc):
    ids = [svc.decide(ALICE, Decision("encA", "accept", "", "alice", suggestion_id="encA:1"), "http"),
           svc.decide(ALICE, Decision("encA", "modify", "", "alice", suggestion_id="encA:2", final_code="e1122",
                                      reason="CKD documented"), "http"),
           svc.decide(ALICE, Decision("encA", "reject", "", "alice", suggestion_id="encA:3", reason="history only"), "http"),
           svc.decide(ALICE, Decision("encA", "add", "ICD10CM", "alice", final_code="Z85.038", evidence=(70, 93)), "http")]
    rows = svc.log.decisions("encA")
    assert [r["decision_id"] for r in rows] == [i for i, _ in ids]
    assert [(r["action"], r["suggested_code"], r["final_code"]) for r in rows] == [
        ("accept", "I50.23", "I50.23"), ("modify", "E11.9", "E11.22"), ("reject", "C18.9", ""), ("add", "", "Z85.038")]
    assert all(r["tenant_id"] == "clinic-a" and r["coder_id"] == "alice" for r in rows)
    assert '"confidence": 0.91' in rows[0]["shown"] and rows[0]["model_versions"] == '{"scorer": "v1"}'


@pytest.mark.parametrize("decision, fragment", [
    (Decision("encA", "modify", "", "alice", suggestion_id="encA:2", final_code="Q99.99.9", reason="x"), "not a valid"),
    (Decision("encA", "modify", "", "alice", suggestion_id="encA:2", final_code="E11", reason="x"), "cannot be reported"),
    (Decision("encA", "modify", "", "alice", suggestion_id="encA:2", final_code="E11.9", reason="x"), "accept it instead"),
    (Decision("encA", "reject", "", "alice", suggestion_id="encA:3", reason="   "), "reason"),
    (Decision("encA", "accept", "", "alice", suggestion_id="encB:1"), "suggestion_id"),
    (Decision("encA", "accept", "", "alice", suggestion_id="encA:1", suggested_code="I10"), "does not match"),
    (Decision("encA", "add", "ICD10CM", "alice", final_code="Z85.038", evidence=(80, 5000)), "outside the note"),
    (Decision("encA", "add", "ICD10CM", "alice", final_code="Z85.038"), "evidence"),
    (Decision("encA", "reject", "", "alice", suggestion_id="encA:3", reason="x" * 5000), "longer than"),
    (Decision("encA", "approve", "", "alice", suggestion_id="encA:3"), "action"),
])
def test_bad_decisions_get_a_clear_message_and_write_nothing(svc, decision, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        svc.decide(ALICE, decision, "http")
    assert svc.log.decisions() == []
    assert svc.log.audit_rows()[-1]["outcome"] == "refused: InvalidInput"


def test_a_coder_cannot_read_or_decide_on_another_tenants_encounter(svc):
    assert [r["encounter_id"] for r in svc.queue(ALICE, "http")] == ["encA"]
    with pytest.raises(NotFound):
        svc.open_encounter(BOB, "encA", "http")
    with pytest.raises(NotFound):
        svc.decide(BOB, Decision("encA", "accept", "", "bob", suggestion_id="encA:1"), "grpc")
    assert svc.log.decisions() == []
    denied = [r for r in svc.log.audit_rows() if r["outcome"].startswith("denied")]
    assert [(r["actor"], r["action"], r["object"]) for r in denied] == [
        ("bob", "read", "encounter:encA"), ("bob", "write", "encounter:encA")]


def test_tokens_identify_coders_and_unknown_tokens_get_nothing(svc):
    assert svc.coder_for_token("alice-token-0001", "http") == ALICE
    with pytest.raises(Unauthenticated):
        svc.coder_for_token("guess", "http")
    with pytest.raises(Unauthenticated):
        svc.grpc_coder({}, "alice")                       # tokens configured: a bearer token is required
    with pytest.raises(PermissionDenied):
        svc.grpc_coder({"authorization": "Bearer alice-token-0001"}, "bob")
    assert svc.coding_tenant({"authorization": "Bearer bob-token-000002"}) == "clinic-b"


def test_corrections_are_new_rows_and_the_page_shows_the_latest(svc):
    svc.decide(ALICE, Decision("encA", "reject", "", "alice", suggestion_id="encA:1", reason="misread"), "http")
    svc.decide(ALICE, Decision("encA", "accept", "", "alice", suggestion_id="encA:1"), "http")
    view = svc.open_encounter(ALICE, "encA", "http")
    assert [d["action"] for d in view["decisions"]] == ["reject", "accept"]
    assert view["latest"]["encA:1"]["action"] == "accept"
    reads = [r for r in svc.log.audit_rows() if r["action"] == "read" and r["outcome"] == "ok"]
    assert reads[-1]["object"] == "encounter:encA" and reads[-1]["actor"] == "alice"


def test_tokens_file_is_read_and_bad_lines_fail_loudly_without_the_token(tmp_path):
    good = tmp_path / "tokens"
    good.write_text(f"# coders\nplain-token-123456 alice clinic-a\nsha256:{token_hash('hashed-token-999')} bob clinic-b\n")
    book = TokenBook.load(good)
    assert book.lookup("plain-token-123456") == ALICE and book.lookup("hashed-token-999") == BOB
    assert book.lookup("plain-token-12345") is None
    bad = tmp_path / "bad"
    bad.write_text("secret-token-abcdef alice\n")
    with pytest.raises(InvalidInput, match=r"bad:1: expected") as e:
        TokenBook.load(bad)
    assert "secret-token" not in str(e.value)


def test_code_search_finds_by_code_and_words_with_hierarchy(svc):
    hits = svc.search.search("ICD10CM", "i50.2")
    assert [h["code"] for h in hits[:5]] == ["I50.2", "I50.20", "I50.21", "I50.22", "I50.23"]
    words = svc.search.search("ICD10CM", "acute chronic systolic heart failure")
    assert words[0]["code"] == "I50.23" and [p["code"] for p in words[0]["path"]] == ["I50", "I50.2"]
    info = svc.search.lookup("ICD10CM", "E11.2")
    assert "E11.22" in [c["code"] for c in info["children"]] and info["billable"] is False
    with pytest.raises(InvalidInput):
        svc.search.search("ICD99", "x")
