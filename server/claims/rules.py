"""Per-claim checks that need no kernel: code validity, coverage (LCD/NCD) and payer packs."""
from __future__ import annotations

import datetime as dt

from rules_native.edits.coverage import CoverageTable
from rules_native.edits.payer_rules import RulePack
from server.domain import Edit

from . import render
from .model import Claim


def line_diagnoses(claim: Claim, i: int) -> list[str]:
    """Diagnoses a line points at, or all of the claim's when it points at none."""
    ptrs = claim.lines[i].diagnosis_pointers
    dx = [claim.diagnoses[p - 1] for p in ptrs] if ptrs else list(claim.diagnoses)
    return [d for d in dx if d]


def diagnosis_validity(codes, icd10cm, day: dt.date | None) -> list[tuple[int, str]]:
    """(index, reason) for each non-empty diagnosis that is unknown, not billable or not in
    force on ``day``. A date outside the loaded edition's window is not held against a code
    (a 2024 claim checked with the FY2026 code set is judged on the codes alone)."""
    lo, hi = getattr(icd10cm, "effective_from", None), getattr(icd10cm, "effective_to", None)
    if day is not None and ((lo and day < lo) or (hi and day > hi)):
        day = None  # the loaded edition does not govern this date: judge existence, not dates
    out = []
    for n, code in enumerate(codes):
        if not code:
            continue
        v = icd10cm.validate(code, day)
        if not (v.valid and v.billable):
            out.append((n, v.reason))
    return out


def procedure_validity(claim: Claim, codesets, known) -> list[Edit]:
    """Lines whose code is in no loaded edit table and that the loaded code sets reject."""
    if codesets is None:
        return []
    out = []
    for i, ln in enumerate(claim.lines):
        if not ln.usable or known(ln.code):
            continue
        cs = codesets.hcpcs if ln.code[0].isalpha() else codesets.cpt
        if cs is None:
            continue   # no HCPCS release loaded: nothing to judge a Level II code against
        v = cs.validate(ln.code, ln.date_of_service)
        if not v.valid:
            out.append(render.invalid_proc_edit(i, ln.code, v.reason))
    return out


def coverage_edits(claim: Claim, coverage: CoverageTable | None) -> list[Edit]:
    if coverage is None:
        return []
    out = []
    for i, ln in enumerate(claim.lines):
        if ln.usable and ln.date_of_service is not None:
            policies = coverage.uncovered(ln.code, line_diagnoses(claim, i), ln.date_of_service)
            if policies:
                out.append(render.lcd_edit(i, ln.code, policies))
    return out


def payer_edits(claim: Claim, packs: tuple[RulePack, ...]) -> list[Edit]:
    out = []
    setting = claim.setting.value
    for pack in packs:
        if not pack.matches(claim.payer):
            continue
        for rule in pack.rules:
            hits = [i for i, ln in enumerate(claim.lines)
                    if ln.usable and rule.applies_to(ln.code, setting, ln.date_of_service)]
            if hits:
                out += _apply(claim, pack, rule, hits)
    return out


def _apply(claim: Claim, pack: RulePack, rule, hits: list[int]) -> list[Edit]:
    lines = claim.lines
    if rule.type == "max_units_per_day":
        out = []
        for day in sorted({lines[i].date_of_service for i in hits}):
            same = tuple(i for i in hits if lines[i].date_of_service == day)
            total = sum(lines[i].units for i in same)
            if total > rule.max_units:
                out.append(render.payer_edit(pack, rule, same, tuple(sorted({lines[i].code for i in same})),
                                             f"{total} units on {day.isoformat()}, limit {rule.max_units}"))
        return out
    out = []
    for i in hits:
        ln = lines[i]
        if rule.type == "requires_modifier" and rule.modifiers & set(ln.modifiers):
            continue
        if rule.type == "requires_diagnosis" and any(rule.diagnoses.matches(d) for d in line_diagnoses(claim, i)):
            continue
        detail = {"requires_modifier": "modifier missing", "not_covered": "not covered",
                  "requires_diagnosis": "no qualifying diagnosis",
                  "prior_authorization": "prior authorization required"}[rule.type]
        out.append(render.payer_edit(pack, rule, (i,), (ln.code,), f"line {i + 1}: {detail}"))
    return out
