"""Reading JSON claims and X12 837P/837I interchanges: what a biller sees for bad input."""
from __future__ import annotations

import datetime as dt

import pytest

from server.claims import parse_837, parse_claim
from server.claims.x12 import read_837
from server.domain import Setting
from server.errors import InvalidInput

from .ncci_fixtures import claim, line

TODAY = dt.date(2026, 6, 1)


def test_a_well_formed_claim():
    c = parse_claim(claim(line("80053", mods=("91", "qw"), units=2), line("j1100", ptrs=(1,)),
                          diagnoses=["e1122", "N18.31"]), today=TODAY)
    assert c.claim_id == "c1" and c.diagnoses == ("E11.22", "N18.31") and c.issues == ()
    assert c.lines[0].modifiers == ("91", "QW") and c.lines[0].units == 2 and c.lines[1].code == "J1100"
    assert c.lines[0].date_of_service == dt.date(2026, 5, 1) and c.patient.age_years == 67
    assert c.form == "professional" and c.setting is Setting.OUTPATIENT


@pytest.mark.parametrize("bad, kind, words", [
    ({"units": 0}, "invalid_line", "units"),
    ({"units": -2}, "invalid_line", "units"),
    ({"units": 1.5}, "invalid_line", "units"),
    ({"units": "3"}, "invalid_line", "units"),
    ({"date_of_service": "2026-02-30"}, "invalid_line", "not a YYYY-MM-DD date"),
    ({"date_of_service": "1999-01-01"}, "invalid_line", "outside"),
    ({"date_of_service": "2099-01-01"}, "invalid_line", "outside"),
    ({"date_of_service": None}, "invalid_line", "missing"),
    ({"code": "8005"}, "invalid_code", "5-character"),
    ({"code": "John Smith"}, "invalid_code", "5-character"),
    ({"modifiers": ["5"]}, "invalid_line", "modifiers"),
    ({"diagnosis_pointers": [3]}, "invalid_line", "pointer"),
])
def test_bad_lines_become_edits_and_the_other_lines_survive(bad, kind, words):
    c = parse_claim(claim(line("99213"), {**line("80053"), **bad}, line("36415")), today=TODAY)
    (issue,) = c.issues
    assert issue.kind == kind and issue.lines == (1,) and words in issue.rationale
    assert "line 2" in issue.rationale and "John" not in issue.rationale
    assert c.lines[0].usable and c.lines[2].usable and c.lines[2].code == "36415"


def test_a_malformed_diagnosis_keeps_pointer_numbering():
    c = parse_claim(claim(line("99213", ptrs=(2,)), diagnoses=["not a code", "I10"]), today=TODAY)
    assert c.diagnoses == ("", "I10") and c.lines[0].diagnosis_pointers == (2,)
    assert c.issues[0].kind == "invalid_code" and c.issues[0].codes == ("",)


@pytest.mark.parametrize("obj, message", [
    ([], "JSON object"),
    ({"lines": [line("99213")]}, "claim_id"),
    ({"claim_id": "x", "lines": []}, "no lines"),
    ({"claim_id": "x", "lines": [line("99213")], "setting": "er"}, "setting"),
    ({"claim_id": "x", "lines": [line("99213")], "patient": {"age": -1}}, "age"),
    ({"claim_id": "x", "lines": [line("99213")], "diagnoses": "E11.9"}, "diagnoses"),
])
def test_unreadable_claims_raise_invalid_input(obj, message):
    with pytest.raises(InvalidInput, match=message):
        parse_claim(obj, today=TODAY)


def _x12(body: list[str], version: str = "005010X222A1", se_count: int | None = None) -> str:
    isa = ("ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260501*1200*^*00501*"
           "000000001*0*P*:~")
    assert len(isa) == 106
    st = ["ST*837*0001*" + version, "BHT*0019*00*REF1*20260501*1200*CH"]
    n = len(st) + len(body) + 1
    return "\n".join([isa, f"GS*HC*S*R*20260501*1200*1*X*{version}~"] + [s + "~" for s in st + body]
                     + [f"SE*{se_count or n}*0001~", "GE*1*1~", "IEA*1*000000001~"])


PROFESSIONAL = [
    "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1234567893",
    "HL*2*1*22*0", "SBR*P*18*******MB", "NM1*IL*1*DOE*JANE****MI*123456789A", "DMG*D8*19590115*F",
    "CLM*PCN001*250***11:B:1*Y*A*Y*Y", "HI*ABK:E1122*ABF:N1831",
    "LX*1", "SV1*HC:99213:25*100*UN*1***1:2", "DTP*472*D8*20260501",
    "LX*2", "SV1*HC:20610:RT*150*UN*2***1", "DTP*472*D8*20260501",
]


def test_837p_claim_reads_into_the_claim_model():
    (c,) = parse_837(_x12(PROFESSIONAL), today=TODAY)
    assert c.claim_id == "PCN001" and c.form == "professional" and c.setting is Setting.OUTPATIENT
    assert c.diagnoses == ("E11.22", "N18.31") and c.patient.sex == "F" and c.patient.age_years == 67
    assert [(ln.code, ln.modifiers, ln.units, ln.diagnosis_pointers) for ln in c.lines] == [
        ("99213", ("25",), 1, (1, 2)), ("20610", ("RT",), 2, (1,))]
    assert c.lines[0].date_of_service == dt.date(2026, 5, 1) and c.lines[0].place_of_service == "11"


def test_837i_inpatient_claim_with_pcs_procedures():
    body = ["HL*1**20*1", "HL*2*1*22*0", "DMG*D8*19450301*M",
            "CLM*PCN9*9000***11:A:1**A*Y*Y", "DTP*434*RD8*20260428-20260501",
            "HI*ABK:I5021", "HI*ABF:E1122*ABF:N1831", "HI*BBR:02703ZZ:D8:20260429",
            "LX*1", "SV2*0300*HC:80053*50*UN*1", "DTP*472*D8*20260429"]
    (c,) = parse_837(_x12(body, "005010X223A2"), today=TODAY)
    assert c.form == "institutional" and c.setting is Setting.INPATIENT
    assert c.diagnoses == ("I50.21", "E11.22", "N18.31") and c.procedures == ("02703ZZ",)
    assert c.patient.age_years == 81 and c.lines[0].code == "80053"


def test_score_claim_takes_exactly_one_837_claim():
    from server.claims import parse_x12_837

    assert parse_x12_837(_x12(PROFESSIONAL), today=TODAY).claim_id == "PCN001"
    two = PROFESSIONAL + ["CLM*PCN002*90***11:B:1*Y*A*Y*Y", "HI*ABK:I10", "LX*1", "SV1*HC:99212*90*UN*1***1",
                          "DTP*472*D8*20260502"]
    assert [c.claim_id for c in parse_837(_x12(two), today=TODAY)] == ["PCN001", "PCN002"]
    with pytest.raises(InvalidInput, match="holds 2 claims"):
        parse_x12_837(_x12(two), today=TODAY)


def test_bad_837_line_is_an_invalid_line_and_the_rest_survives():
    body = PROFESSIONAL[:-3] + ["LX*2", "SV1*HC:20610*150*UN*zero***1", "DTP*472*D8*20260501"]
    (c,) = parse_837(_x12(body), today=TODAY)
    assert [i.kind for i in c.issues] == ["invalid_line"] and c.issues[0].lines == (1,)
    assert c.lines[0].usable and c.lines[0].code == "99213"


@pytest.mark.parametrize("text, message", [
    ("hello", "ISA"),
    (_x12(PROFESSIONAL, se_count=99), "SE segment count"),
    (_x12(PROFESSIONAL, version="004010X098A1"), "GS08"),
    (_x12(["HL*1**20*1"]), "no CLM"),
    (_x12(PROFESSIONAL).replace("IEA*1*000000001~", ""), "IEA"),
])
def test_malformed_837_raises_invalid_input(text, message):
    with pytest.raises(InvalidInput, match=message):
        read_837(text)
