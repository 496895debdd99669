"""JSON claims -> ``Claim``.

Shape (more fields optional)::

    {"claim_id": "c1", "setting": "outpatient", "form": "professional",
     "patient": {"age": 67, "sex": "F"}, "diagnoses": ["E11.22", "N18.31"],
     "procedures": [], "payer": "medicare",
     "lines": [{"code": "80053", "modifiers": [], "units": 1, "date_of_service": "2026-05-01",
                "place_of_service": "11", "diagnosis_pointers": [1]}]}

A claim that is not an object, has no ``claim_id`` or no ``lines`` list raises InvalidInput.
Everything else is judged per line or per code and becomes an ``invalid_line`` /
``invalid_code`` edit on the claim, so one bad line does not lose the others.
Messages never echo free text from the claim (it may hold PHI); they name fields and lines.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from rules_native.codesets import CodeFormatError, normalize_code
from server.domain import Edit, Patient, Setting, Severity
from server.errors import InvalidInput

from .model import INSTITUTIONAL, PROFESSIONAL, Claim, ClaimLine

EARLIEST_DOS = dt.date(2015, 10, 1)   # ICD-10 and today's NCCI layouts start here
MAX_LINES = 450                       # 837I allows 999, 837P 50; beyond this is not a claim
MAX_UNITS = 99_999
_PROC = re.compile(r"^[0-9A-Z]{5}$")
_MOD = re.compile(r"^[0-9A-Z]{2}$")


def parse_claim(obj: Any, *, today: dt.date | None = None) -> Claim:
    """Read one JSON claim (already decoded). Raises InvalidInput when it cannot be read."""
    if not isinstance(obj, Mapping):
        raise InvalidInput("claim must be a JSON object")
    claim_id = obj.get("claim_id")
    if not isinstance(claim_id, (str, int)) or isinstance(claim_id, bool) or str(claim_id).strip() == "":
        raise InvalidInput("claim has no claim_id")
    lines = obj.get("lines")
    if not isinstance(lines, list) or not lines:
        raise InvalidInput("claim has no lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"claim has more than {MAX_LINES} lines")
    setting = _setting(obj.get("setting"))
    latest = (today or dt.date.today()) + dt.timedelta(days=365)
    issues: list[Edit] = []
    diagnoses = tuple(_diagnoses(obj.get("diagnoses", []), issues))
    parsed = tuple(_line(i, raw, len(diagnoses), latest, issues) for i, raw in enumerate(lines))
    form = str(obj.get("form") or (INSTITUTIONAL if setting is Setting.INPATIENT else PROFESSIONAL)).lower()
    if form not in (PROFESSIONAL, INSTITUTIONAL):
        raise InvalidInput("form must be professional or institutional")
    procs = obj.get("procedures", [])
    if not isinstance(procs, list) or not all(isinstance(p, str) for p in procs):
        raise InvalidInput("procedures must be a list of ICD-10-PCS codes")
    payer = obj.get("payer", "")
    attachments = obj.get("attachments", [])
    if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
        raise InvalidInput("attachments must be a list of attachment control numbers")
    return Claim(str(claim_id).strip(), parsed, diagnoses, setting, parse_patient(obj.get("patient")),
                 payer.strip() if isinstance(payer, str) else "", form,
                 tuple(p.strip().upper() for p in procs), tuple(issues), tuple(a.strip() for a in attachments))


def _setting(v: Any) -> Setting:
    if v is None or v == "":
        return Setting.OUTPATIENT
    try:
        return Setting(str(v).lower())
    except ValueError:
        raise InvalidInput("setting must be outpatient or inpatient") from None


def parse_patient(v: Any) -> Patient:
    """A patient object ({"age": 67, "sex": "F"}) as claims and batch records carry it."""
    if v is None:
        return Patient()
    if not isinstance(v, Mapping):
        raise InvalidInput("patient must be an object")
    age = v.get("age", v.get("age_years"))
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 124):
        raise InvalidInput("patient age must be a whole number of years, 0-124")
    sex = v.get("sex")
    sex = str(sex).upper()[:1] if sex not in (None, "") else None
    if sex not in (None, "F", "M", "U"):
        raise InvalidInput("patient sex must be F, M or U")
    return Patient(age_years=age, sex=None if sex == "U" else sex)


def _diagnoses(raw: Any, issues: list[Edit]) -> list[str]:
    if not isinstance(raw, list):
        raise InvalidInput("diagnoses must be a list of ICD-10-CM codes")
    out = []
    for n, code in enumerate(raw, start=1):
        try:
            out.append(normalize_code("ICD10CM", code))
        except CodeFormatError:
            issues.append(Edit("invalid_code", Severity.DENY,
                               f"diagnosis {n} is not a well-formed ICD-10-CM code", codes=(_safe(code),),
                               suggested_fix=f"correct diagnosis {n} to a valid ICD-10-CM code"))
            out.append("")   # keeps pointer numbering; empty codes are skipped by every check
    return out


def _safe(code: Any) -> str:
    """A code echoed back only when it looks like a code (never free text)."""
    s = str(code).strip().upper() if isinstance(code, (str, int)) else ""
    return s if re.fullmatch(r"[0-9A-Z.]{1,8}", s) else ""


def _bad(i: int, issues: list[Edit], why: str, fix: str, kind: str = "invalid_line", code: str = "") -> ClaimLine:
    issues.append(Edit(kind, Severity.DENY, f"line {i + 1}: {why}", lines=(i,),
                       codes=(code,) if code else (), suggested_fix=fix))
    return ClaimLine(code=code, usable=False)


def _line(i: int, raw: Any, n_dx: int, latest: dt.date, issues: list[Edit]) -> ClaimLine:
    if not isinstance(raw, Mapping):
        return _bad(i, issues, "is not an object", "send each line as a JSON object")
    code = raw.get("code")
    code = code.strip().upper() if isinstance(code, str) else ""
    if not _PROC.match(code):
        return _bad(i, issues, "procedure code is not a 5-character HCPCS/CPT code",
                    f"correct the procedure code on line {i + 1}", "invalid_code", _safe(code))
    units = raw.get("units", 1)
    if isinstance(units, float) and units.is_integer():
        units = int(units)
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0 or units > MAX_UNITS:
        return _bad(i, issues, "units must be a whole number from 1", f"report at least 1 unit on line {i + 1}",
                    code=code)
    day, why = _date(raw.get("date_of_service"), latest)
    if day is None:
        return _bad(i, issues, why, f"give line {i + 1} a date of service", code=code)
    mods = raw.get("modifiers", [])
    if not isinstance(mods, list) or not all(isinstance(m, str) and _MOD.match(m.strip().upper()) for m in mods):
        return _bad(i, issues, "modifiers must be 2-character codes", f"correct the modifiers on line {i + 1}",
                    code=code)
    ptrs = raw.get("diagnosis_pointers", [])
    if not isinstance(ptrs, list) or not all(isinstance(p, int) and not isinstance(p, bool) for p in ptrs):
        return _bad(i, issues, "diagnosis_pointers must be a list of numbers", "point at diagnoses by number",
                    code=code)
    if any(not 1 <= p <= n_dx for p in ptrs):
        issues.append(Edit("invalid_line", Severity.DENY,
                           f"line {i + 1}: a diagnosis pointer is outside 1..{n_dx}", lines=(i,), codes=(code,),
                           suggested_fix=f"point line {i + 1} at one of the claim's {n_dx} diagnoses"))
        ptrs = [p for p in ptrs if 1 <= p <= n_dx]
    pos = raw.get("place_of_service", "")
    return ClaimLine(code, tuple(m.strip().upper() for m in mods), units, day,
                     str(pos).strip() if isinstance(pos, (str, int)) else "", tuple(ptrs))


def _date(v: Any, latest: dt.date) -> tuple[dt.date | None, str]:
    if not isinstance(v, str):
        return None, "date_of_service is missing"
    try:
        day = dt.date.fromisoformat(v.strip()[:10])
    except ValueError:
        return None, "date_of_service is not a YYYY-MM-DD date"
    if not EARLIEST_DOS <= day <= latest:
        return None, f"date_of_service is outside {EARLIEST_DOS.isoformat()}..{latest.isoformat()}"
    return day, ""
