"""Denial risk and the JSON form of a result.

``denial_risk = 1 - prod(1 - w_e)`` over the claim's edits: the chance that at least one edit
leads to a denial if each were an independent event of weight ``w_e``. The weights are
judgement, not fitted: an edit no modifier or appeal can fix is near-certain, one a modifier or
documentation can bypass is likely, a warning is possible.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from server.domain import Edit, Severity

# (kind, severity, bypassable) -> weight; looked up most specific first
_CERTAIN = 0.95
WEIGHTS: dict[str, float] = {
    "invalid_code": _CERTAIN, "invalid_line": _CERTAIN, "manifestation_principal": _CERTAIN,
    "unacceptable_principal": 0.9, "mce_age": 0.9, "mce_sex": 0.9,
    "ncci_ptp": _CERTAIN, "ncci_ptp/bypassable": 0.6,
    "mue": _CERTAIN, "mue/bypassable": 0.6,
    "lcd": 0.7, "excludes1": 0.3, "payer": 0.8,
}
WARN_WEIGHT = 0.15


def edit_weight(e: Edit) -> float:
    if e.severity is Severity.INFO:
        return 0.0
    if e.kind == "mue" and not e.bypass_modifier_allowed and "MAI 3" in e.rationale:
        return 0.75  # clinical MUE: payable on appeal with documentation
    key = f"{e.kind}/bypassable" if e.bypass_modifier_allowed else e.kind
    w = WEIGHTS.get(key, WEIGHTS.get(e.kind, 0.5))
    if e.severity is Severity.WARN:
        return min(w, 0.3) if e.kind == "excludes1" else min(w, WARN_WEIGHT)
    return w


def denial_risk(edits: Iterable[Edit]) -> float:
    keep = 1.0
    for e in edits:
        keep *= 1.0 - edit_weight(e)
    return round(1.0 - keep, 4)


def edit_to_json(e: Edit) -> dict[str, Any]:
    return {"kind": e.kind, "severity": e.severity.value, "lines": list(e.lines), "codes": list(e.codes),
            "bypass_modifier_allowed": e.bypass_modifier_allowed, "rationale": e.rationale,
            "suggested_fix": e.suggested_fix}


def result_to_json(result) -> dict[str, Any]:
    """A ``ClaimResult`` as the CLI prints it (lines are 0-based indices into the claim's lines)."""
    out: dict[str, Any] = {"claim_id": result.claim_id, "denial_risk": result.denial_risk,
                           "edits": [edit_to_json(e) for e in result.edits]}
    if result.drg:
        out["drg"] = result.drg
        out["drg_description"] = result.drg_description
    if result.error:
        out["error"] = result.error
    return out
