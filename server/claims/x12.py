"""Small, strict X12 readers: 837P / 837I (005010) claims and 835 (005010X221A1) remittances.

No PyPI package reads 837s soundly today for this use (pyx12 validates against its maps but
has no claim model; the others are unmaintained), so this reads the envelope and the claim
loops itself: ISA/IEA, GS/GE, ST/SE (segment count checked), HL (subscriber / patient),
DMG (birth date, sex), CLM (claim id, place of service / type of bill), HI (diagnoses,
ICD-10-PCS procedures), DTP (dates), PWK (attachment control numbers: the documents sent with the claim), LX + SV1
(837P) or SV2 (837I) lines. Everything else is
skipped. An envelope that is broken raises InvalidInput; a claim whose lines are bad still
comes out, and ``parse_claim`` turns the bad lines into ``invalid_line`` edits.

The 835 reader (``read_835``) is stricter: a remittance moves money, so one unreadable CLP, CAS,
SVC or LQ element rejects the whole interchange (the importer then stores none of it). Its
errors name the segment's position and tag, never its values (claim ids and names are PHI).
NM1 (patient, insured, provider names) is never read.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from server.budget import checkpoint
from server.errors import InvalidInput

from .model import INSTITUTIONAL, PROFESSIONAL, Adjustment, Claim, RemitClaim, RemitLine, Remittance
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
    elif tag == "NM1" and _get(seg, 1) == "PR" and "claim" not in state:   # 2010BB payer: id, else name
        state["payer"] = _get(seg, 9) or _get(seg, 3)
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
    elif tag == "PWK" and _get(seg, 5) == "AC" and _get(seg, 6):   # an attachment sent with the claim
        state["claim"].setdefault("attachments", []).append(_get(seg, 6))


def _new_claim(seg: list[str], comp: str, form: str | None, state: dict[str, Any]) -> dict[str, Any]:
    where = _get(seg, 5).split(comp)[0]
    inpatient = form == INSTITUTIONAL and where[:2] in ("11", "12", "18", "21", "41", "65", "66", "86")
    claim: dict[str, Any] = {"claim_id": _get(seg, 1), "form": form or PROFESSIONAL, "diagnoses": [],
                             "procedures": [], "lines": [], "setting": "inpatient" if inpatient else "outpatient",
                             "patient": {"sex": state.get("sex")}, "_birth": state.get("birth"),
                             "payer": state.get("payer", "")}
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


# -- 835 remittance advice ------------------------------------------------------------------------
REMIT_VERSION = "005010X221A1"
CAS_GROUPS = {"CO", "PR", "OA", "PI", "CR"}
CLAIM_STATUSES = {"1", "2", "3", "4", "19", "20", "21", "22", "23", "25"}
_AMOUNT = re.compile(r"-?([0-9]{1,12}(\.[0-9]{0,6})?|\.[0-9]{1,6})")
_REASON = re.compile(r"[0-9A-Z]{1,5}")
_MAX_CLAIMS = 100_000


class _Remit:
    """What is being built while reading one 835 transaction set."""

    def __init__(self) -> None:
        self.payer = self.payer_name = self.check = self.paid_date = ""
        self.total_paid = 0.0
        self.seen_bpr = False
        self.claims: list[dict[str, Any]] = []

    def done(self) -> Remittance:
        claims = tuple(RemitClaim(c["claim_id"], c["status"], c["charge"], c["paid"], c["patient_resp"],
                                  c["payer_claim_id"], tuple(c["adjustments"]),
                                  tuple(RemitLine(**ln) for ln in c["lines"]), tuple(c["rarcs"]))
                       for c in self.claims)
        return Remittance(self.payer or self.payer_name, self.payer_name, self.check, self.paid_date,
                          self.total_paid, claims)


def read_835(data: bytes | str) -> list[Remittance]:
    """The remittances (one per ST..SE) of an 835 interchange; InvalidInput (one message, naming
    the segment) for a truncated, garbled or wrong-version file, or one with no CLP at all."""
    segs, comp = _segments(data)
    if segs[-1][0] != "IEA":
        raise InvalidInput("X12 835 has no IEA trailer: the file is truncated")
    out: list[Remittance] = []
    remit: _Remit | None = None
    st_at = None
    for n, seg in enumerate(segs):
        tag = seg[0]
        if tag == "GS":
            if _get(seg, 1) != "HP" or _get(seg, 8) != REMIT_VERSION:
                raise InvalidInput(f"X12 GS is not an 835 remittance (GS01 HP, GS08 {REMIT_VERSION})")
        elif tag == "ST":
            if _get(seg, 1) != "835" or _get(seg, 3) not in ("", REMIT_VERSION):
                raise InvalidInput(f"X12 transaction set is not an 835 ({REMIT_VERSION})")
            st_at, remit = n, _Remit()
        elif tag == "SE":
            if st_at is None or remit is None or _count(_get(seg, 1)) != n - st_at + 1:
                raise InvalidInput(f"X12 835 segment {n + 1} (SE): count does not match the transaction")
            if not remit.seen_bpr:
                raise InvalidInput("X12 835 transaction has no BPR (payment) segment")
            out.append(remit.done())
            st_at, remit = None, None
        elif remit is not None:
            try:
                _remit_segment(seg, comp, remit)
            except _Bad as e:
                raise InvalidInput(f"X12 835 segment {n + 1} ({tag}): {e}") from None
    if st_at is not None:
        raise InvalidInput("X12 835 transaction set has no SE trailer: the file is truncated")
    if not out or not any(r.claims for r in out):
        raise InvalidInput("X12 835 holds no CLP (claim payment) segment")
    return out


class _Bad(Exception):
    """A bad element of one 835 segment; ``read_835`` adds where it is."""


def _remit_segment(seg: list[str], comp: str, r: _Remit) -> None:
    tag = seg[0]
    claim = r.claims[-1] if r.claims else None
    if tag == "BPR":
        r.total_paid, r.seen_bpr = _amount(seg, 2), True
        r.paid_date = _iso(_get(seg, 16))
    elif tag == "TRN" and not r.check:
        r.check = _get(seg, 2)
    elif tag == "N1" and _get(seg, 1) == "PR":
        r.payer_name, r.payer = _get(seg, 2), _get(seg, 4) or r.payer
    elif tag == "REF" and _get(seg, 1) == "2U" and not r.claims:
        r.payer = r.payer or _get(seg, 2)
    elif tag == "CLP":
        if len(r.claims) >= _MAX_CLAIMS:
            raise _Bad(f"more than {_MAX_CLAIMS} claims in one transaction")
        r.claims.append(_clp(seg))
    elif claim is None:
        return
    elif tag == "CAS":
        line = len(claim["lines"]) - 1 if claim["lines"] else -1
        claim["adjustments"] += _cas(seg, line)
    elif tag == "SVC":
        claim["lines"].append(_svc(seg, comp))
    elif tag == "LQ" and _get(seg, 1) == "HE":
        if not claim["lines"]:
            raise _Bad("LQ remark before any SVC line")
        claim["lines"][-1]["rarcs"] += (_reason(_get(seg, 2), "LQ02"),)
    elif tag in ("MOA", "MIA"):
        first = 3 if tag == "MOA" else 5
        claim["rarcs"] += [_reason(v, f"{tag}{i:02d}") for i, v in enumerate(seg[first:first + 5], start=first)
                           if v.strip()]


def _clp(seg: list[str]) -> dict[str, Any]:
    claim_id, status = _get(seg, 1), _get(seg, 2)
    if not claim_id or len(claim_id) > 38:
        raise _Bad("CLP01 (claim id) is empty or longer than 38 characters")
    if status not in CLAIM_STATUSES:
        raise _Bad("CLP02 is not a claim status code (1-4, 19-23, 25)")
    return {"claim_id": claim_id, "status": status, "charge": _amount(seg, 3), "paid": _amount(seg, 4),
            "patient_resp": _amount(seg, 5, optional=True), "payer_claim_id": _get(seg, 7),
            "adjustments": [], "lines": [], "rarcs": []}


def _cas(seg: list[str], line: int) -> list[Adjustment]:
    group = _get(seg, 1)
    if group not in CAS_GROUPS:
        raise _Bad("CAS01 is not a claim adjustment group (CO, PR, OA, PI, CR)")
    out = []
    for i in range(2, 19, 3):   # up to six reason / amount / quantity triplets
        if not _get(seg, i):
            if any(_get(seg, j) for j in (i + 1, i + 2)):
                raise _Bad(f"CAS{i:02d} (reason) is empty but its amount is not")
            continue
        out.append(Adjustment(group, _reason(_get(seg, i), f"CAS{i:02d}"), _amount(seg, i + 1), line))
    if not out:
        raise _Bad("CAS has no adjustment reason")
    return out


def _svc(seg: list[str], comp: str) -> dict[str, Any]:
    proc = _get(seg, 1).split(comp)
    if len(proc) < 2 or proc[0] not in ("HC", "AD", "ER", "IV", "N4", "NU", "WK", "HP") or not proc[1]:
        raise _Bad("SVC01 is not a qualified procedure code (HC:code)")
    units = _get(seg, 5)
    return {"code": proc[1].upper(), "modifiers": tuple(m for m in proc[2:6] if m), "charge": _amount(seg, 2),
            "paid": _amount(seg, 3), "units": float(units) if _DECIMAL.fullmatch(units) else _unit_default(units),
            "rarcs": ()}


def _unit_default(units: str) -> float:
    if units:
        raise _Bad("SVC05 (units) is not a number")
    return 1.0


def _amount(seg: list[str], i: int, *, optional: bool = False) -> float:
    v = _get(seg, i)
    if not v and optional:
        return 0.0
    if not _AMOUNT.fullmatch(v):
        raise _Bad(f"{seg[0]}{i:02d} is not a monetary amount")
    return float(v)


def _reason(v: str, where: str) -> str:
    v = v.strip().upper()
    if not _REASON.fullmatch(v):
        raise _Bad(f"{where} is not a reason or remark code")
    return v


def _iso(v: str) -> str:
    day = _d8(v)
    return day.isoformat() if day else ""
