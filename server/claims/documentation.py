"""The claim against its encounter's documentation: is each billed code supported by the chart?

The documents are coded by the coding pipeline (``Engine.document_claim``); this module only
compares. Per billed ICD-10-CM diagnosis and ICD-10-PCS procedure, one flag:

* ``supported``: the documentation codes it (its evidence spans come along);
* ``less_specific_than_documented``: the documentation supports a more specific code of the same
  condition (E11.9 billed, "type 2 diabetes with diabetic CKD" documented: E11.22);
* ``more_specific_than_documented``: the billed code says more than the documentation does
  (I50.23 billed, only "CHF" documented: I50.9);
* ``unsupported``: no mention, or only a negated, hypothetical, family, past or (outpatient)
  uncertain one;

and ``documented_not_billed`` for each code the documentation supports that no billed code
accounts for. Which code is more specific is read from the ICD-10-CM tabular, never from a list
of codes: two codes of one category compare by depth in the tabular (E11.22 sits under E11.2,
E11.9 straight under E11) when the shallower one is an ancestor of the other or an unspecified /
"without complications" code; codes of different categories compare where the pipeline folded
one into the other (the index's "with" convention, a symptom integral to a stated diagnosis:
its ``not_reported`` and ``combination`` notes name the code).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.domain import Assertion, CodedEncounter, CodeSuggestion, CodeSystem, Span

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
LESS_SPECIFIC = "less_specific_than_documented"
MORE_SPECIFIC = "more_specific_than_documented"
NOT_BILLED = "documented_not_billed"
FIRST_LISTED = "first_listed_not_supported"
KINDS = (SUPPORTED, UNSUPPORTED, LESS_SPECIFIC, MORE_SPECIFIC, NOT_BILLED)

_UNSPECIFIED_WORDS = ("unspecified", "without complication", "not otherwise specified")
_AS_SAID = {Assertion.ABSENT: "negated (the note says it is absent or ruled out)",
            Assertion.HYPOTHETICAL: "hypothetical (a condition to watch for, not one the patient has)",
            Assertion.FAMILY: "a family member's condition",
            Assertion.HISTORICAL: "a past condition, not a current one",
            Assertion.POSSIBLE: "uncertain (probable, suspected, rule out), which outpatient coding does not report"}


@dataclass(frozen=True)
class Evidence:
    document_id: str
    span: Span
    text: str = ""          # the span's words, for a local caller (the CLI); the RPC sends offsets


@dataclass(frozen=True)
class DocFlag:
    kind: str
    code: str
    why: str
    system: CodeSystem = CodeSystem.ICD10CM
    evidence: tuple[Evidence, ...] = ()
    documented_code: str = ""     # the documented code a specificity flag compares with


@dataclass
class _Found:
    """One code across the encounter's documents."""

    code: str
    system: CodeSystem
    description: str
    assertion: Assertion
    notes: tuple
    evidence: list[Evidence]
    principal: bool = False


def _gather(encounters: Sequence[CodedEncounter], reported) -> tuple[dict, dict, dict]:
    """(reported, listed below the threshold, named only as not present) across documents."""
    rep: dict[str, _Found] = {}
    listed: dict[str, _Found] = {}
    absent: dict[str, _Found] = {}
    for enc in encounters:
        # below the threshold, only what words of the note say counts as a mention
        groups = [(c, rep if reported(c) else listed) for c in enc.codes if c.evidence or reported(c)]
        groups += [(c, absent) for c in enc.not_present]
        for c, into in groups:
            ev = [Evidence(enc.doc_id, s, enc.text[s.start:s.end]) for s in c.evidence]
            if c.code in into:
                into[c.code].evidence.extend(e for e in ev if e not in into[c.code].evidence)
                into[c.code].principal |= c.principal
            else:
                into[c.code] = _Found(c.code, c.system, c.description, c.assertion, c.notes, ev, c.principal)
    for code in list(listed):
        if code in rep:
            del listed[code]
        elif listed[code].assertion not in (Assertion.PRESENT, Assertion.POSSIBLE):
            absent.setdefault(code, listed.pop(code))   # a past condition listed, never reported
    for code in [c for c in absent if c in rep]:
        del absent[code]
    return rep, listed, absent


def _unspecified(icd, code: str) -> bool:
    title = (icd.description(code) or "").lower()
    return any(w in title for w in _UNSPECIFIED_WORDS)


def specificity(icd, billed: str, documented: str) -> int:
    """-1: ``billed`` is less specific than ``documented``; 1: more specific; 0: neither (another
    category, or two specific codes of one: E11.21 and E11.22 name different complications).

    E11.9 vs E11.22 -> -1 (E11.9 says "without complications"); I50.23 vs I50.9 -> 1."""
    if billed == documented or billed[:3] != documented[:3] or icd.id_of(billed) < 0 or icd.id_of(documented) < 0:
        return 0
    up_b, up_d = icd.ancestors(billed), icd.ancestors(documented)
    if len(up_b) < len(up_d) and (billed in up_d or _unspecified(icd, billed)):
        return -1
    if len(up_d) < len(up_b) and (documented in up_b or _unspecified(icd, documented)):
        return 1
    if len(up_b) == len(up_d) and _unspecified(icd, billed) != _unspecified(icd, documented):
        return -1 if _unspecified(icd, billed) else 1
    return 0


def _folded_into(found: _Found | None, rep: dict[str, _Found]) -> str:
    """The reported code the pipeline folded this code into ("I10" with "CHF": I11.0), if any."""
    if found is None:
        return ""
    for n in found.notes:
        if n.kind == "not_reported" and n.related_code in rep:
            return n.related_code
    return ""


def _absorbing(code: str, rep: dict[str, _Found]) -> str:
    return next((d for d, f in rep.items() if any(n.kind == "combination" and n.related_code == code
                                                   for n in f.notes)), "")


def compare(billed_dx: Sequence[str], billed_pcs: Sequence[str], encounters: Sequence[CodedEncounter],
            icd, reported) -> tuple[list[DocFlag], DocFlag | None]:
    """The flags of a claim's codes against its coded documents, and the first-listed flag (None
    when the first-listed diagnosis is supported as the reason for the encounter). ``reported(c)``
    says whether a suggestion is one a coder would report (the operating threshold)."""
    rep, listed, absent = _gather(encounters, reported)
    flags: list[DocFlag] = []
    accounted: set[str] = set()
    for code in billed_dx:
        if not code:
            continue
        flag = _judge_dx(code, icd, rep, listed, absent)
        accounted.add(flag.documented_code or code)
        flags.append(flag)
    for code in billed_pcs:
        flag = _judge_pcs(code, rep)
        accounted.add(code)
        flags.append(flag)
    billed = set(billed_dx) | set(billed_pcs)
    for code, f in rep.items():
        if code in accounted or code in billed:
            continue
        what = "diagnosis" if f.system is CodeSystem.ICD10CM else "procedure"
        flags.append(DocFlag(NOT_BILLED, code, f"the documentation supports {what} {code} ({f.description}), "
                                               "which the claim does not bill", f.system, tuple(f.evidence)))
    return flags, _first_listed(billed_dx, flags, rep, icd)


def _judge_dx(code: str, icd, rep: dict, listed: dict, absent: dict) -> DocFlag:
    desc = icd.description(code) if icd.id_of(code) >= 0 else code
    if code in rep:
        f = rep[code]
        return DocFlag(SUPPORTED, code, f"documented: {f.description}", evidence=tuple(f.evidence))
    for d, f in rep.items():
        if f.system is CodeSystem.ICD10CM and specificity(icd, code, d) < 0:
            return DocFlag(LESS_SPECIFIC, code, f"the documentation supports {d} ({f.description}), more specific "
                                                f"than the billed {code} ({desc})", evidence=tuple(f.evidence),
                           documented_code=d)
    into = _folded_into(listed.get(code), rep) or _absorbing(code, rep)
    if into:
        f = rep[into]
        return DocFlag(LESS_SPECIFIC, code, f"the documentation supports {into} ({f.description}), which includes "
                                            f"the billed {code} ({desc}); report {into} instead",
                       evidence=tuple(f.evidence), documented_code=into)
    if code in listed:
        f = listed[code]
        return DocFlag(SUPPORTED, code, f"documented: {f.description} (the coding guidelines would not report it "
                                        "on its own; check the sequencing and combination rules)",
                       evidence=tuple(f.evidence))
    for d, f in rep.items():
        if f.system is CodeSystem.ICD10CM and specificity(icd, code, d) > 0:
            return DocFlag(MORE_SPECIFIC, code, f"the billed {code} ({desc}) says more than the documentation, which "
                                                f"supports only {d} ({f.description}): query the provider or bill {d}",
                           evidence=tuple(f.evidence), documented_code=d)
    if code in absent:
        f = absent[code]
        return DocFlag(UNSUPPORTED, code, f"the only mention of {desc} is {_AS_SAID.get(f.assertion, 'not current')}: "
                                          "an upcoding and audit risk", evidence=tuple(f.evidence))
    near = [d for d, f in rep.items() if d[:3] == code[:3]]
    instead = f"; the documentation supports {', '.join(near)} instead" if near else ""
    return DocFlag(UNSUPPORTED, code, f"no mention of {desc} in the documentation{instead}: an upcoding and audit risk")


def _judge_pcs(code: str, rep: dict) -> DocFlag:
    if code in rep:
        return DocFlag(SUPPORTED, code, f"documented: {rep[code].description}", CodeSystem.ICD10PCS,
                       tuple(rep[code].evidence))
    near = [d for d, f in rep.items() if f.system is CodeSystem.ICD10PCS and d[:4] == code[:4]]
    instead = (f"; the documentation describes {', '.join(near)} (same root operation and body part)"
               if near else "")
    return DocFlag(UNSUPPORTED, code, f"no operative or procedure documentation of {code}{instead}",
                   CodeSystem.ICD10PCS)


def _first_listed(billed_dx: Sequence[str], flags: list[DocFlag], rep: dict, icd) -> DocFlag | None:
    """Is the first-listed diagnosis the documentation's reason for the encounter (its principal
    / first-listed code, or a code of the same condition)?"""
    first = next((c for c in billed_dx if c), "")
    reasons = [d for d, f in rep.items() if f.principal and f.system is CodeSystem.ICD10CM]
    if not first or not reasons:
        return None
    flag = next(f for f in flags if f.code == first)
    if first in reasons or any(d == flag.documented_code or d[:3] == first[:3] for d in reasons):
        return None
    reason = reasons[0]
    if flag.kind == UNSUPPORTED:
        why = (f"the first-listed diagnosis {first} is not documented; the documentation's reason for the "
               f"encounter is {reason}")
    else:
        why = (f"the documentation supports {first} but not as the reason for the encounter: that is {reason} "
               f"({rep[reason].description}); list {reason} first")
    return DocFlag(FIRST_LISTED, first, why, evidence=tuple(rep[reason].evidence), documented_code=reason)


def flag_to_json(f: DocFlag) -> dict:
    """A flag as ``medcoder claim check --format json`` prints it under ``documentation``."""
    out = {"kind": f.kind, "code": f.code, "why": f.why,
           "evidence": [{"document_id": e.document_id, "start": e.span.start, "end": e.span.end,
                         "section": e.span.section, "text": e.text} for e in f.evidence]}
    if f.system is not CodeSystem.ICD10CM:
        out["system"] = f.system.value
    if f.documented_code:
        out["documented_code"] = f.documented_code
    return out


def suggestion_reported(policy):
    """``reported`` for ``compare``: at or above the operating threshold, not taken out."""
    def reported(c: CodeSuggestion) -> bool:
        return policy.reported(c.confidence) and not any(n.kind == "not_reported" for n in c.notes)
    return reported
