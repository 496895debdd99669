"""Kernel results and rule findings -> typed ``Edit``s with CMS rationale and a suggested fix."""
from __future__ import annotations

from rules_native.edits.coverage import Policy
from rules_native.edits.dates import from_day_number
from rules_native.edits.index import MueIndex, PtpIndex
from rules_native.edits.mue import MAI_NAMES
from rules_native.edits.payer_rules import PayerRule, RulePack
from server.domain import Edit, Severity

from .model import Claim

DENY, WARN = Severity.DENY, Severity.WARN


def ptp_edit(claim: Claim, ix: PtpIndex, row: int, l1: int, l2: int) -> Edit:
    """Column 2 code on line ``l2`` is bundled into the column 1 code on line ``l1``."""
    c1, c2 = claim.lines[l1].code, claim.lines[l2].code
    mod = int(ix.modifier[row])
    day = claim.lines[l1].date_of_service
    quarter = ix.quarters[int(ix.q[row])]
    text = (f"NCCI PTP edit ({ix.provider_type}, {quarter}): {c2} on line {l2 + 1} is a column 2 code of "
            f"{c1} on line {l1 + 1} on {day.isoformat() if day else 'the same day'}; in force since "
            f"{from_day_number(int(ix.effective[row])).isoformat()}. ")
    if mod == 0:
        text += "Modifier indicator 0: no modifier allows both to be paid."
        fix = (f"remove line {l2 + 1} ({c2}): it is included in {c1} and no modifier bypasses this edit")
    else:
        text += "Modifier indicator 1: both are payable only with an NCCI-associated modifier."
        fix = (f"append modifier 59 or XE/XS/XP/XU to line {l2 + 1} ({c2}) if the services were distinct "
               f"(separate encounter, anatomic site or practitioner); otherwise remove line {l2 + 1}")
        em = [i for i in (l1, l2) if _is_em(claim.lines[i].code)]
        if em:
            fix = (f"append modifier 25 to line {em[0] + 1} ({claim.lines[em[0]].code}) if the E/M service was "
                   f"significant and separately identifiable; otherwise remove line {l2 + 1}")
    rationale = ix.rationales[int(ix.rationale[row])]
    if rationale:
        text += f" CMS rationale: {rationale}."
    return Edit("ncci_ptp", DENY, text, lines=(l1, l2), codes=(c1, c2),
                bypass_modifier_allowed=mod == 1, suggested_fix=fix)


def _is_em(code: str) -> bool:
    return code.isdigit() and 99202 <= int(code) <= 99499


def mue_edit(claim: Claim, ix: MueIndex, row: int, line: int, total: int) -> Edit:
    ln = claim.lines[line]
    value, mai = int(ix.value[row]), int(ix.mai[row])
    if mai == 1:
        lines = (line,)
        scope = "per claim line"
    else:
        lines = tuple(i for i, other in enumerate(claim.lines)
                      if other.usable and other.code == ln.code and other.date_of_service == ln.date_of_service)
        scope = f"per day ({ln.date_of_service.isoformat() if ln.date_of_service else ''}, all lines)"
    quarter = ix.quarters[int(ix.q[row])]
    label = f"{ix.provider_type}" + (f", {quarter}" if quarter.year > 1900 else "")
    text = (f"MUE ({label}): {ln.code} allows {value} unit(s) {scope}; {total} reported. "
            f"MAI {mai} ({MAI_NAMES[mai]}).")
    if bool(ix.mai_assumed[row]):
        text += " The table has no MAI column: MAI 1 assumed."
    rationale = ix.rationales[int(ix.rationale[row])]
    if rationale:
        text += f" CMS rationale: {rationale}."
    where = f"line {lines[0] + 1}" if len(lines) == 1 else "lines " + ", ".join(str(i + 1) for i in lines)
    fix = f"reduce units of {ln.code} on {where} to {value} in total" if mai != 1 else f"reduce units on line {line + 1} to {value}"
    if mai == 1:
        fix += (" (or report medically necessary additional units on separate lines with anatomic, "
                "59/XE/XS/XP/XU or 91 modifiers)")
    elif mai == 2:
        fix += " (units above a policy MUE are never payable, not even on appeal)"
    else:
        fix += " (units above a clinical MUE are payable only on appeal with documentation of medical necessity)"
    return Edit("mue", DENY, text, lines=lines, codes=(ln.code,), bypass_modifier_allowed=mai == 1,
                suggested_fix=fix)


def excludes1_edit(claim: Claim, i: int, j: int, holder: str, ref: str) -> Edit:
    a, b = claim.diagnoses[i], claim.diagnoses[j]
    lines = tuple(n for n, ln in enumerate(claim.lines) if {i + 1, j + 1} & set(ln.diagnosis_pointers))
    return excludes1_from_codes(a, b, holder, ref, lines)


def excludes1_from_codes(a: str, b: str, holder: str, ref: str, lines: tuple[int, ...] = ()) -> Edit:
    text = (f"ICD-10-CM Excludes1: the note at {holder} excludes {ref}, so {a} and {b} are not coded together "
            "(the exception is two conditions that are unrelated to each other).")
    return Edit("excludes1", WARN, text, lines=lines, codes=(a, b),
                suggested_fix=f"keep whichever of {a} / {b} the documentation supports and remove the other, "
                              "unless the conditions are unrelated")


_MCE_TEXT = {
    "age": ("mce_age", "Medicare Code Editor age conflict: {code} is not consistent with the patient's age ({age})",
            "check the patient's age and the code: {code} is for another age group"),
    "sex": ("mce_sex", "Medicare Code Editor sex conflict: {code} is not consistent with the patient's sex",
            "check the patient's sex and the code"),
    "manifestation_principal": (
        "manifestation_principal",
        "Medicare Code Editor: {code} is a manifestation code and cannot be the principal diagnosis",
        "sequence the underlying condition first and list {code} after it"),
    "unacceptable_principal": (
        "unacceptable_principal",
        "Medicare Code Editor: {code} is not acceptable as the principal diagnosis",
        "list the condition chiefly responsible for the encounter first; keep {code} as a secondary diagnosis"),
}


def mce_edit(kind: str, code: str, age: int | None) -> Edit:
    edit_kind, text, fix = _MCE_TEXT[kind]
    return Edit(edit_kind, DENY, text.format(code=code, age=age), codes=(code,), suggested_fix=fix.format(code=code))


def invalid_dx_edit(n: int, code: str, reason: str) -> Edit:
    return Edit("invalid_code", DENY, f"diagnosis {n} ({code}) is not valid for the date of service: {reason}",
                codes=(code,), suggested_fix=f"replace {code} with a valid, billable ICD-10-CM code")


def invalid_proc_edit(line: int, code: str, reason: str) -> Edit:
    return Edit("invalid_code", DENY, f"line {line + 1}: {code} is not a valid procedure code on its date: {reason}",
                lines=(line,), codes=(code,), suggested_fix=f"correct the procedure code on line {line + 1}")


def lcd_edit(line: int, code: str, policies: list[Policy]) -> Edit:
    ids = ", ".join(sorted({f"{p.kind.upper()} {p.article_id}" for p in policies}))
    return Edit("lcd", DENY, f"line {line + 1}: {code} is not covered for the diagnoses given ({ids})",
                lines=(line,), codes=(code,),
                suggested_fix=(f"point line {line + 1} at a documented diagnosis that {ids} covers, or obtain an "
                               "advance beneficiary notice (modifier GA) before the service"))


def payer_edit(pack: RulePack, rule: PayerRule, lines: tuple[int, ...], codes: tuple[str, ...], detail: str) -> Edit:
    label = pack.name or pack.payer
    fix = rule.suggested_fix or {
        "requires_modifier": f"append one of {', '.join(sorted(rule.modifiers))} where it applies",
        "max_units_per_day": f"reduce units to {rule.max_units} per day",
        "requires_diagnosis": "point the line at a diagnosis the payer accepts for this service",
        "prior_authorization": "obtain and report the prior authorization",
    }.get(rule.type, "")
    return Edit("payer", DENY if rule.severity == "deny" else WARN,
                f"{label} rule {rule.id}: {rule.message} ({detail})", lines=lines, codes=codes, suggested_fix=fix)
