"""Noncompliance with a medication, dialysis or diet regimen (Z91.1-), read as a coder reads it.

The note says what the patient did ("stopped taking his phenytoin because he could not afford the
refill", "skipped Monday's dialysis", "not adherent to his sodium restriction"); the Alphabetic Index's entry
Noncompliance > with > ... gives the code from the regimen, the intent and the reason:

- medication: Noncompliance > with > medication regimen, and when the encounter codes an
  underdosing (T36-T50, 6th character 6) its "underdosing" subterm, intentional or not, due to
  financial hardship or not (Z91.120, Z91.128, Z91.138, Z91.148; I.C.19.e.5.c: the noncompliance
  code says the intent of an underdosing);
- dialysis: Noncompliance > with > dialysis (Z91.158, Z91.151 for financial hardship);
- diet: Noncompliance > with > dietary regimen (Z91.119, Z91.110). "Dietary indiscretion" (a salty
  holiday meal) is no documented noncompliance with a prescribed regimen: coders leave it (16 of 16
  blind reviewers' notes saying it left Z91.119 unreported).

Only what the note asserts of the patient counts: ConText's negation and hypothetical scopes
apply ("denies missed doses", "counseled on the risks of skipping dialysis").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from server.domain import Assertion
from server.pipeline.entities import Sentence
from server.pipeline.text import said_undenied

_NONADHERENT = r"non[- ]?complian\w*|non[- ]?adheren\w*|not adherent|not compliant|poor(ly)? (adheren\w*|complian\w*)"
# (regimen, what the note says of it): each cue's match is the evidence
_CUES: tuple[tuple[str, re.Pattern], ...] = (
    ("dialysis", re.compile(r"\b(miss(ed|ing|es)?|skip(ped|ping|s)?|(%s)( with)?)\b( \w+){0,4}? "
                            r"(dialysis|hemodialysis|hd|sessions?|treatments?|runs?)\b" % _NONADHERENT, re.I)),
    ("diet", re.compile(r"\b(%s|not following|not adhering to)( with| to)?( \w+){0,3}? "
                        r"(diet|fluid restriction|salt restriction|sodium restriction)\b" % _NONADHERENT, re.I)),
    ("medication", re.compile(r"\b(%s)( with| to)?( \w+){0,3}? (medications?|meds|med|regimen|pills|insulin|"
                              r"therapy|treatment)\b|\bmed(ication)? (non[- ]?adherence|non[- ]?compliance)\b"
                              % _NONADHERENT, re.I)),
)
# the regimen each cue names, in the index's words
_REGIMEN_WORDS = {"dialysis": ("dialysis",), "diet": ("dietary", "regimen"), "medication": ("medication", "regimen")}
_FINANCIAL = re.compile(r"\b(afford\w*|financial\w*|cost of|(due|owing) to (the )?cost|copays?|too expensive|"
                        r"no insurance|uninsured|"
                        r"insurance (lapsed|expired|ran out))\b", re.I)
# what denies a cost said after it ("has no problems affording supplies"; "could not afford" is no denial)
_NOT_SAID = re.compile(r"\b(?:no|never|denies|denied|without|negative for)\b[\w\s,/]*$", re.I)   # a denied list
_LIST_REACH = 60
# what says the cost was no reason: "not a cost issue", "not due to cost (has insurance)", "Cost was not
# an issue (..., $10 copays)", "intentional nonadherence, not financial"
_COST_DENIED = re.compile(r"\bnot (?:a |an )?(?:cost|financial|money)\b|\bnot due to (?:the )?cost\b|"
                          r"\bcost (?:was|is|has) (?:not|never)\b|\bnot (?:because of|related to) (?:the )?cost\b", re.I)
_NOT_COST = re.compile(r"\b(?:no|never|denies|without)\b(?:\s+\w+){0,2}\s*$", re.I)


_INTENTIONAL = re.compile(r"\b(stopped taking|stopped (his|her|their)|chose|decided|refus\w*|did ?n[o']t want|self[- ]discontinu\w*|"
                          r"on (his|her|their) own|did ?n[o']t feel like|intentional\w*)\b", re.I)
_UNINTENTIONAL = re.compile(r"\b(forg[eo]t\w*|confus\w*|misunderst\w*|unintentional\w*|by mistake)\b", re.I)
_NEXT_REACH = 1   # the reason may follow in the next sentence ("He missed his doses. He could not afford ...")


@dataclass(frozen=True)
class Noncompliance:
    words: tuple[str, ...]   # the index words: regimen, underdosing, intent, reason
    sentence: int
    start: int               # character offsets of the cue
    end: int


def find(text: str, sentences: Sequence[Sentence], underdosed: Sequence[tuple[int, int, int]],
         assertion: Callable[[int, int, int], Assertion]) -> list[Noncompliance]:
    """The noncompliance the note states of the patient. ``underdosed``: (sentence, start, end)
    of the encounter's underdosing evidence (each says how less was taken than prescribed)."""
    out: list[Noncompliance] = []
    seen: set[str] = set()
    hits: list[tuple[str, int, int, int]] = []
    for si, s in enumerate(sentences):
        sentence = text[s.start:s.end]
        for regimen, cue in _CUES:
            m = cue.search(sentence)
            if m is not None and regimen not in {h[0] for h in hits if h[1] == si}:
                hits.append((regimen, si, s.start + m.start(), s.start + m.end()))
    if "dialysis" in {h[0] for h in hits} and not re.search(r"\b(dialysis|hemodialysis|HD|ESRD)\b", text):
        hits = [h for h in hits if h[0] != "dialysis"]   # "missed sessions" of what is not said
    said_noncompliant = any(h[0] == "medication" for h in hits)
    cued = len(hits)
    for si, a, b in underdosed:
        if not any(h[0] == "medication" and h[1] == si for h in hits):
            hits.append(("medication", si, a, b))
    for n, (regimen, si, a, b) in enumerate(hits):
        if regimen in seen:
            continue
        s = sentences[si]
        toks = [k for k, t in enumerate(s.tokens) if t.end > a and t.start < b]
        said = assertion(si, toks[0], toks[-1] + 1) if toks else None
        if n >= cued:
            said = Assertion.PRESENT   # the underdosing's own words ("has taken no phenytoin x5 days")
        if said is not Assertion.PRESENT and not (said is Assertion.HISTORICAL and regimen == "medication"
                                                  and underdosed):
            continue   # (a drug stopped "4 months ago" that the encounter's underdosing is of: still stopped)
        near = list(range(si, min(len(sentences), si + 1 + _NEXT_REACH)))
        if regimen == "medication":   # the underdosing's own sentence says why too
            near += [k for k, _, _ in underdosed if k not in near]
        reason = " ".join(text[sentences[k].start:sentences[k].end] for k in near)
        words = list(_REGIMEN_WORDS[regimen])
        # (a drug not bought for its cost is said once, wherever: "Stopped taking it 8 days ago because he
        # could not afford the refill. ... Dx: breakthrough seizure due to underdosing of levetiracetam")
        financial = (bool(_FINANCIAL.search(reason)) or (regimen == "medication" and bool(underdosed)
                                                         and said_undenied(_FINANCIAL, text, _NOT_COST))) \
            and not _COST_DENIED.search(text)   # ("not a cost issue, has insurance", "not due to cost")
        if regimen == "medication" and underdosed:
            words.append("underdosing")
            if financial or _INTENTIONAL.search(reason):
                # not buying the drug is the patient's choice in the index's terms (Noncompliance >
                # ... > underdosing > intentional > due to financial hardship of patient, Z91.120)
                words.append("intentional")
            elif said_undenied(_UNINTENTIONAL, reason, _NOT_SAID, _LIST_REACH):
                words.append("unintentional")   # (never a review's "No fever, confusion, melena")
        if regimen == "medication" and not said_noncompliant and len(words) == 3 and not financial:
            continue   # an underdosing of no stated intent (a pump's kinked cannula): intent "if known"
        if financial:
            words += ["due", "financial", "hardship", "patient"]
        seen.add(regimen)
        out.append(Noncompliance(tuple(words), si, a, b))
    return out
