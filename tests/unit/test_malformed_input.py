"""Malformed input that a fuzzer found turning into INTERNAL (issue #15, item 4): each case now gets
the parser's typed error (``InvalidInput``: INVALID_ARGUMENT on gRPC, exit 2 in the CLI) or a
result, and the message names what is wrong without quoting the input."""
from __future__ import annotations

import json

import pytest

from server.claims import ClaimEngine
from server.claims.files import read_claim_file
from server.claims.x12 import parse_837
from server.errors import InvalidInput
from server.ingest import ingest

from .test_claims_parse import PROFESSIONAL, TODAY, _x12

NARRATIVE = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml">Heart failure.</div>'}


def _composition(depth: int) -> bytes:
    """A Composition whose one section holds sections ``depth`` levels deep."""
    section = {"title": "Assessment", "text": NARRATIVE}
    for _ in range(depth):
        section = {"title": "Part", "section": [section]}
    return json.dumps({"resourceType": "Composition", "status": "final", "type": {"text": "note"},
                       "date": "2026-05-01", "author": [{"display": "Dr A"}], "title": "t",
                       "section": [section]}).encode()


def test_fhir_nested_a_thousand_deep_is_invalid_input_not_a_recursion_error():
    deep = '{"resourceType": "Composition", "extension": ' + "[" * 1000 + "]" * 1000 + "}"
    with pytest.raises(InvalidInput, match="nests deeper than 64 levels"):
        ingest(deep.encode())


@pytest.mark.parametrize("depth", [121, 400])
def test_composition_sections_nested_past_the_bound_are_refused(depth):
    with pytest.raises(InvalidInput, match="nests deeper"):
        ingest(_composition(depth))


def test_composition_sections_nested_a_few_levels_are_still_read():
    doc = ingest(_composition(12))
    assert "Heart failure." in doc.text and doc.date_of_service == "2026-05-01"


def test_a_fhir_number_past_pythons_digit_limit_is_invalid_input():
    with pytest.raises(InvalidInput, match="number too long"):
        ingest(b'{"resourceType": "Composition", "n": ' + b"9" * 5000 + b"}")


@pytest.mark.parametrize("day", ["2026-1-1", "2026-02-30", "0000-00-00", "\u0662\u0660\u0662\u0666-01-01",
                                 "2026-05-01x", "yesterday"])
def test_a_callers_date_of_service_that_is_no_calendar_date_is_invalid_input(day):
    with pytest.raises(InvalidInput, match="date_of_service must be a calendar date"):
        ingest(b"Assessment: heart failure.", date_of_service=day)


def test_a_real_date_of_service_is_kept():
    assert ingest(b"Assessment: heart failure.", date_of_service="2026-02-28").date_of_service == "2026-02-28"


@pytest.mark.parametrize("txa_date, expected", [("00000000", None), ("20260230", None),
                                                ("\u00b2" * 8, None), ("202605031015", "2026-05-03")])
def test_an_hl7_date_that_is_no_calendar_date_is_dropped(txa_date, expected):
    msg = ("MSH|^~\\&|EHR|H|MC|R|202605031015||MDM^T02|1|P|2.5\r"
           f"TXA|1|DS|TX|{txa_date}\rOBX|1|TX|1^Assessment||Heart failure.\r")
    assert ingest(msg.encode()).date_of_service == expected


@pytest.mark.parametrize("day", ["2026-1-1", "2026-02-30", "\u0662\u0660\u0662\u0666-01-01"])
def test_check_diagnoses_refuses_a_bad_date_string_with_a_typed_error(day):
    engine = ClaimEngine(code_editor=False)
    with pytest.raises(InvalidInput, match="date_of_service"):
        engine.check_diagnoses(["I10"], date=day)


@pytest.mark.parametrize("count", ["1\u00b2", "\u0661\u0667", "17.0", "-17", ""])
def test_x12_se_count_in_anything_but_ascii_digits_is_invalid_input(count):
    text = _x12(PROFESSIONAL).replace("SE*17*", f"SE*{count}*")
    with pytest.raises(InvalidInput, match="SE segment count"):
        parse_837(text, today=TODAY)


@pytest.mark.parametrize("pointer", ["\u00b2", "\u0661", "1e3"])
def test_x12_sv107_pointer_in_odd_digits_becomes_an_invalid_line_edit(pointer):
    body = [s.replace("SV1*HC:20610:RT*150*UN*2***1", f"SV1*HC:20610:RT*150*UN*2***{pointer}") for s in PROFESSIONAL]
    (claim,) = parse_837(_x12(body), today=TODAY)
    assert claim.lines[1].diagnosis_pointers == ()
    assert any(e.kind == "invalid_line" and e.lines == (1,) for e in claim.issues)


@pytest.mark.parametrize("units", ["\u0662", "1e400", "nan", "inf"])
def test_x12_units_in_odd_digits_or_floats_become_an_invalid_line(units):
    body = [s.replace("SV1*HC:20610:RT*150*UN*2***1", f"SV1*HC:20610:RT*150*UN*{units}***1") for s in PROFESSIONAL]
    (claim,) = parse_837(_x12(body), today=TODAY)
    assert not claim.lines[1].usable
    assert any(e.kind == "invalid_line" and "units" in e.rationale for e in claim.issues)


@pytest.mark.parametrize("content", [b"[" * 100_000, b'{"claim_id": ' + b"7" * 5000 + b"}"],
                         ids=["nested", "long-number"])
def test_a_claim_file_the_json_parser_cannot_hold_is_invalid_input(tmp_path, content):
    path = tmp_path / "claim.json"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match="neither JSON nor an X12 837"):
        read_claim_file(path)
