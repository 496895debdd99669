"""X12 835 remittances: the strict reader, and the all-or-nothing import into the decision store
(joined to the claims scored here; never counted twice)."""
from __future__ import annotations

import sqlite3

import pytest

from server.claims.model import Claim, ClaimLine, ClaimResult
from server.claims.x12 import read_835
from server.errors import InvalidInput
from server.review.denials import Denials
from server.review.log import ReviewLog
from tests.unit.remit_fixtures import Paid, interchange, remittance, transaction

CLAIMS = [
    Paid("C1", "1", 250, 180, [("PR", "2", 20)], [("99213", 100, 80, [("CO", "45", 20)], ["N130"]),
                                                   ("20610", 150, 100, [("CO", "45", 30), ("PR", "1", 20)], [])]),
    Paid("C2", "4", 200, 0, [("CO", "97", 200)], [("97140", 200, 0, [], ["M15"])]),
    Paid("C3", "2", 80, 0, [], [("81002", 80, 0, [("CO", "50", 80)], [])]),
]
# claim-level and line-level CAS triplets written above: C1 1 + 1 + 2, C2 1, C3 1
N_CAS = 6


def _count(log: ReviewLog, table: str) -> int:
    return log.db.query(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


def counts(log: ReviewLog) -> dict[str, int]:
    return {t: _count(log, t) for t in ("remittances", "remit_claims", "remit_adjustments", "remit_lines")}


def test_a_multi_claim_remittance_reads_every_clp_cas_svc_and_lq():
    [remit] = read_835(remittance(CLAIMS))
    assert remit.payer == "BCBS-TX" and remit.check == "EFT0001" and remit.paid_date == "2026-06-01"
    assert [c.claim_id for c in remit.claims] == ["C1", "C2", "C3"]
    c1, c2, c3 = remit.claims
    assert [(a.group, a.carc, a.amount, a.line) for a in c1.adjustments] == [
        ("PR", "2", 20.0, -1), ("CO", "45", 20.0, 0), ("CO", "45", 30.0, 1), ("PR", "1", 20.0, 1)]
    assert c1.lines[0].code == "99213" and c1.lines[0].rarcs == ("N130",) and c1.lines[1].paid == 100.0
    assert not c1.denied and c2.denied and c3.denied   # CLP02 4; processed with nothing paid
    assert sum(len(c.adjustments) for c in remit.claims) == N_CAS


def test_several_transaction_sets_are_several_payers():
    data = interchange([transaction(CLAIMS[:1], payer="AETNA", st="0001"),
                        transaction(CLAIMS[1:], payer="UHC", check="CHK9", st="0002")]).encode()
    assert [(r.payer, len(r.claims)) for r in read_835(data)] == [("AETNA", 1), ("UHC", 2)]


GOOD = remittance(CLAIMS).decode()
BAD_FILES = {
    "truncated": (GOOD[: GOOD.index("CLP*C2")], "truncated"),
    "wrong version": (GOOD.replace("005010X221A1", "004010X091A1"), "005010X221A1"),
    "an 837": (GOOD.replace("GS*HP", "GS*HC").replace("005010X221A1", "005010X222A1"), "835"),
    "garbage": ("%PDF-1.7 this is not a remittance" * 10, "ISA"),
    "bad SE count": (GOOD.replace("SE*", "SE*9"), "SE"),
    "bad CAS group": (GOOD.replace("CAS*CO*97", "CAS*ZZ*97"), "CAS01"),
    "bad amount": (GOOD.replace("CLP*C3*2*80*0", "CLP*C3*2*8O*0"), "CLP03"),
    "bad status": (GOOD.replace("CLP*C2*4", "CLP*C2*X"), "CLP02"),
    "odd digits": (GOOD.replace("CAS*CO*97*200", "CAS*CO*97*\u0662\u0660\u0660"), "CAS03"),
    "no claims": (interchange([transaction([])]), "CLP"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_gets_one_clear_error_and_imports_nothing(tmp_path, name):
    text, fragment = BAD_FILES[name]
    log = ReviewLog(tmp_path / "log.db")
    with pytest.raises(InvalidInput, match=fragment) as err:
        Denials(log).import_835(text.encode("utf-8"), tenant_id="clinic-a", actor="alice")
    assert "C2" not in err.value.message and "DOE" not in err.value.message   # ids and names stay out
    assert counts(log) == {"remittances": 0, "remit_claims": 0, "remit_adjustments": 0, "remit_lines": 0}
    assert log.audit_rows()[-1]["outcome"] == "failed: INVALID_ARGUMENT"


def check_import(log: ReviewLog) -> None:
    """Exact rows, joined to what was scored, never twice: shared with the PostgreSQL test."""
    denials = Denials(log)
    scored = Claim("C2", (ClaimLine("97140"),), payer="bcbs-tx")
    denials.score("clinic-a", scored, ClaimResult("C2", (), 0.0))
    denials.flush()
    data = remittance(CLAIMS)
    first = denials.import_835(data, tenant_id="clinic-a", actor="alice")
    assert (first.claims, first.adjustments, first.lines, first.joined) == (3, N_CAS, 4, 1)
    assert counts(log) == {"remittances": 1, "remit_claims": 3, "remit_adjustments": N_CAS, "remit_lines": 4}
    again = denials.import_835(data, tenant_id="clinic-a", actor="alice")
    assert again.already_imported and again.claims == 0
    # the same payment in a new envelope (another interchange control number): nothing new either
    resent = denials.import_835(data.replace(b"000000007", b"000000008"), tenant_id="clinic-a", actor="alice")
    assert (resent.claims, resent.skipped) == (0, 3)
    assert counts(log) == {"remittances": 2, "remit_claims": 3, "remit_adjustments": N_CAS, "remit_lines": 4}
    # another tenant's copy is its own
    assert denials.import_835(data, tenant_id="clinic-b", actor="bob").claims == 3
    [(key, rows)] = [kv for kv in denials.history("clinic-a").items()]
    assert key == ("clinic-a", "BCBS-TX") and [(r["claim_id"], r["denied"], r["carcs"]) for r in rows] == [
        ("C2", 1, ["CO-97"])]


def test_import_stores_exactly_the_clp_and_cas_rows_once(tmp_path):
    log = ReviewLog(tmp_path / "log.db")
    check_import(log)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        log._db.execute("UPDATE remit_claims SET denied = 0")


def test_a_failure_midway_rolls_back_the_whole_file(tmp_path):
    """A storage error on the 3rd claim leaves none of the first two behind."""
    log = ReviewLog(tmp_path / "log.db")
    log._db.execute("CREATE TRIGGER boom BEFORE INSERT ON remit_claims WHEN NEW.claim_id = 'C3' "
                    "BEGIN SELECT RAISE(ABORT, 'simulated failure'); END")
    with pytest.raises(sqlite3.DatabaseError, match="simulated"):
        Denials(log).import_835(remittance(CLAIMS), tenant_id="clinic-a", actor="alice")
    assert counts(log) == {"remittances": 0, "remit_claims": 0, "remit_adjustments": 0, "remit_lines": 0}


def test_an_837_names_its_payer_for_the_join():
    """The 837's payer (loop 2010BB NM1*PR: its id, else its name) is what a later 835 matches."""
    from server.claims.x12 import read_837
    from tests.fuzz.mutators import PROFESSIONAL_BODY, x12_interchange

    at = PROFESSIONAL_BODY.index("DMG*D8*19590115*F")
    with_id = PROFESSIONAL_BODY[:at] + ["NM1*PR*2*BLUE CROSS*****PI*BCBS-TX"] + PROFESSIONAL_BODY[at:]
    name_only = PROFESSIONAL_BODY[:at] + ["NM1*PR*2*BLUE CROSS"] + PROFESSIONAL_BODY[at:]
    assert read_837(x12_interchange(with_id))[0]["payer"] == "BCBS-TX"
    assert read_837(x12_interchange(name_only))[0]["payer"] == "BLUE CROSS"
    assert read_837(x12_interchange(PROFESSIONAL_BODY))[0]["payer"] == ""
