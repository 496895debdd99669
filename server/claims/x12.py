"""A small, strict X12 837P / 837I (005010) reader for the loops a compliance check needs.

No PyPI package reads 837s soundly today for this use (pyx12 validates against its maps but
has no claim model; the others are unmaintained), so this reads the envelope and the claim
loops itself: ISA/IEA, GS/GE, ST/SE (segment count checked), HL (subscriber / patient),
DMG (birth date, sex), CLM (claim id, place of service / type of bill), HI (diagnoses,
ICD-10-PCS procedures), DTP (dates), LX + SV1 (837P) or SV2 (837I) lines. Everything else is
skipped. An envelope that is broken raises InvalidInput; a claim whose lines are bad still
comes out, and ``parse_claim`` turns the bad lines into ``invalid_line`` edits.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from server.budget import checkpoint
from server.errors import InvalidInput

from .model import INSTITUTIONAL, PROFESSIONAL, Claim
from .parse import parse_claim

_VERSIONS = {"005010X222A1": PROFESSIONAL, "005010X223A2": INSTITUTIONAL,
             "005010X223A3": INSTITUTIONAL}
_PRINCIPAL_DX, _OTHER_DX = {"ABK", "BK"}, {"ABF", "BF"}
_PROCS = {"BBR", "BBQ", "BR", "BQ"}
_DECIMAL = re.compile(r"[0-9]{1,9}(\.[0-9]{1,6})?")


def _segments(data: bytes | str) -> tuple[list[list[str]], str]:
    text = data.decode("latin-1") if isinstance(data, (bytes, bytearray)) else data
    text = text.lstrip("\ufeff \r\n\t")
    if not text.startswith("ISA") or len(text) < 106:
        raise InvalidInput("X12 interchange must start with a 106-character ISA segment")
    elem, comp, term = text[3], text[104], text[105]
    if elem.isalnum() or term.isalnum() or len({elem, comp, term}) < 3:
        raise InvalidInput("X12 ISA segment has unusable delimiters")
    segs = [s.strip("\r\n ").split(elem) for s in text.split(term)]
    return [s for s in segs if s and s[0]], comp


def read_837(data: bytes | str) -> list[dict[str, Any]]:
    """Claims of an 837 interchange as JSON-shaped dicts (see ``parse_claim``)."""
    segs, comp = _segments(data)
    if segs[-1][0] != "IEA":
        raise InvalidInput("X12 interchange has no IEA trailer")
    claims: list[dict[str, Any]] = []
    form = None
    st_at = None
    state: dict[str, Any] = {}
    for n, seg in enumerate(segs):
        checkpoint()   # a 2 MB interchange is ~50,000 segments: the call's deadline is checked on each
        tag = seg[0]
        if tag == "GS":
            form = _VERSIONS.get(_get(seg, 8))
            if form is None:
                raise InvalidInput("X12 GS08 is not an 837P (005010X222A1) or 837I (005010X223A2) version")
        elif tag == "ST":
            if _get(seg, 1) != "837":
                raise InvalidInput("X12 transaction set is not an 837")
            st_at, state = n, {}
        elif tag == "SE":
            if st_at is None or _count(_get(seg, 1)) != n - st_at + 1:
                raise InvalidInput("X12 SE segment count does not match the transaction")
            st_at = None
        elif st_at is not None:
            _claim_segment(seg, comp, form, state, claims)
    if st_at is not None:
        raise InvalidInput("X12 transaction set has no SE trailer")
    if not claims:
        raise InvalidInput("X12 interchange holds no CLM (claim) segment")
    for c in claims:
        for key in ("_birth", "_from", "_pos"):
            c.pop(key, None)
    return claims


def parse_837(data: bytes | str, *, today: dt.date | None = None) -> list[Claim]:
    """Claims of an 837 as ``Claim``s; raises InvalidInput when the interchange cannot be read."""
    return [parse_claim(c, today=today) for c in read_837(data)]


def parse_x12_837(data: bytes | str, *, today: dt.date | None = None) -> Claim:
    """The one claim of an 837 (what ``ScoreClaim`` takes); InvalidInput when there are more."""
    claims = read_837(data)
    if len(claims) != 1:
        raise InvalidInput(f"X12 interchange holds {len(claims)} claims; send one claim per call")
    return parse_claim(claims[0], today=today)


def _get(seg: list[str], i: int) -> str:
    return seg[i].strip() if i < len(seg) else ""


def _claim_segment(seg: list[str], comp: str, form: str | None, state: dict[str, Any], claims: list) -> None:
    tag = seg[0]
    if tag == "HL" and _get(seg, 3) in ("22", "23"):
        state.pop("claim", None)
    elif tag == "DMG" and "claim" not in state:
        state["birth"] = _d8(_get(seg, 2)) if _get(seg, 1) == "D8" else None
        state["sex"] = _get(seg, 3) if _get(seg, 3) in ("F", "M") else None
    elif tag == "CLM":
        state["claim"] = _new_claim(seg, comp, form, state)
        state.pop("line", None)
        claims.append(state["claim"])
    elif "claim" not in state:
        return
    elif tag == "HI":
        _diagnoses(seg, comp, state["claim"])
    elif tag == "LX":
        state["line"] = {"code": "", "modifiers": [], "units": 1, "date_of_service": state["claim"].get("_from")}
        state["claim"]["lines"].append(state["line"])
    elif tag in ("SV1", "SV2") and "line" in state:
        _service(seg, comp, state["line"], state["claim"])
    elif tag == "DTP":
        _dates(seg, state)


def _new_claim(seg: list[str], comp: str, form: str | None, state: dict[str, Any]) -> dict[str, Any]:
    where = _get(seg, 5).split(comp)[0]
    inpatient = form == INSTITUTIONAL and where[:2] in ("11", "12", "18", "21", "41", "65", "66", "86")
    claim: dict[str, Any] = {"claim_id": _get(seg, 1), "form": form or PROFESSIONAL, "diagnoses": [],
                             "procedures": [], "lines": [], "setting": "inpatient" if inpatient else "outpatient",
                             "patient": {"sex": state.get("sex")}, "_birth": state.get("birth")}
    if form == PROFESSIONAL:
        claim["_pos"] = where
    return claim


def _diagnoses(seg: list[str], comp: str, claim: dict[str, Any]) -> None:
    for element in seg[1:]:
        qual, _, rest = element.partition(comp)
        code = rest.split(comp)[0].strip()
        if qual in _PRINCIPAL_DX:
            claim["diagnoses"].insert(0, code)
        elif qual in _OTHER_DX:
            claim["diagnoses"].append(code)
        elif qual in _PROCS:
            claim["procedures"].append(code)


def _service(seg: list[str], comp: str, line: dict[str, Any], claim: dict[str, Any]) -> None:
    professional = seg[0] == "SV1"
    proc = _get(seg, 1 if professional else 2).split(comp)
    if len(proc) >= 2 and proc[0] in ("HC", "HP"):
        line["code"] = proc[1]
        line["modifiers"] = [m for m in proc[2:6] if m]
    units = _get(seg, 4 if professional else 5)
    # X12 R (decimal) in ASCII digits only: float() would also take "1e400", "nan" and other scripts' digits
    line["units"] = float(units) if _DECIMAL.fullmatch(units) else (-1 if units else 1)   # -1: an invalid_line
    if professional:
        line["place_of_service"] = _get(seg, 5) or claim.get("_pos", "")
        ptrs = [p for p in _get(seg, 7).split(comp) if p]
        line["diagnosis_pointers"] = [_count(p) for p in ptrs]


def _dates(seg: list[str], state: dict[str, Any]) -> None:
    qual, fmt, value = _get(seg, 1), _get(seg, 2), _get(seg, 3)
    first = value.split("-")[0]
    day = _d8(first) if fmt in ("D8", "RD8") else None
    iso = day.isoformat() if day else (value or None)
    if qual == "472" and "line" in state:
        state["line"]["date_of_service"] = iso
    elif qual in ("434", "472", "435"):
        claim = state["claim"]
        claim["_from"] = iso
        for ln in claim["lines"]:
            ln.setdefault("date_of_service", iso)
    if day and state["claim"].get("_birth") and "age" not in state["claim"]["patient"]:
        birth = state["claim"]["_birth"]
        state["claim"]["patient"]["age"] = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _count(v: str) -> int:
    """An X12 whole number in ASCII digits ("12"), else -1: ``int()`` takes "١٢" and chokes on "²"."""
    return int(v) if 0 < len(v) <= 9 and v.isascii() and v.isdigit() else -1


def _d8(v: str) -> dt.date | None:
    if not (len(v) == 8 and v.isascii() and v.isdigit()):
        return None
    try:
        return dt.datetime.strptime(v, "%Y%m%d").date()
    except ValueError:
        return None
