"""Screening encounters (I.C.21.c.5): a note that documents a screening test done at this
encounter gets its Z12 / Z13 code from the index (Screening (for) > ...), finished in the Tabular.

"bilateral screening mammogram" -> Screening > neoplasm > breast > routine mammogram -> Z12.31;
"PSA drawn today for screening" -> Screening > neoplasm > prostate -> Z12.5; "low-dose CT for lung
cancer screening" -> Z12.2. A screening the note says is up to date, due, declined, ordered or
scheduled is not this encounter's, and a cancer named only as what is screened for is not coded (ConText: hypothetical).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from server.pipeline.entities import Sentence
from server.pipeline.index_tree import walk_words

_NOT_THIS_VISIT = re.compile(r"\b(up to date|up-to-date|is due|due (in|next|for)|declined|refused|overdue|"
                             r"last (done|one)|(?<!no )(?:previous|prior)|no (?:previous|prior) screening|recommended|"
                             r"(noted|found|seen|detected) on|"
                             r"screening[^.;,]{0,30}\bago|may be|consider|considered|"
                             r"in \d+ (years?|months?|weeks?)|next (year|month)|never|has not had|hasn't had|"
                             r"not yet had|no longer|not eligible|criteria|last (week|month|year)|"
                             r"\d{1,2}/(?:19|20)\d\d|"
                             # (a year beside the screening: "retinopathy screening neg 2024", "on 2023 screening EGD")
                             r"screening(?:[ \t]+[\w/()-]+){0,3}?[ \t]+\(?(?:19|20)\d\d|"
                             r"(?:19|20)\d\d[ \t]+(?:[\w/-]+[ \t]+)?screening)\b", re.I)
# ("on LDCT screening 3 weeks ago"; "retinopathy screening neg 2024"; "ILD screening HRCT 2023 neg";
# "LDCT 9/2024 (screening) showed a nodule"; "no longer meets LDCT
# screening criteria"; "supplemental screening breast MRI may be considered"; "routine
# screening mammogram in 1 year": another visit's; "Never had screening colonoscopy": none at all)
# ... nor one the note orders for later ("Screening mammogram ordered"), unless it is done today
# ("Screening A1c ordered today")
_LATER = re.compile(r"\b(ordered|scheduled|to schedule|referral|referred|planned|counseled|recommended|advised)\b", re.I)
# ... but the referral that brought the patient to this visit is its reason ("52M, asymptomatic,
# referred for screening colonoscopy; ... Findings: ..."), said outside the plan
_REFERRED_HERE = re.compile(r"\breferred (here |to us |to me |to this clinic )?for\b", re.I)
_LATER_SECTIONS = frozenset(("plan", "assessment"))
# a history list's screening is a past one ("PMH: ... OSA screening (STOP-BANG 2) negative")
_HISTORY_SECTIONS = frozenset(("past_medical_history", "past_surgical_history", "family_history", "social_history",
                               "medications", "allergies"))
_TODAY = re.compile(r"\b(today|this visit|now)\b", re.I)
NEGATIVE_RESULTS = frozenset("negative neg normal unremarkable".split())   # a screening's result words
# What a screening test is for, in the index's words (each a test's own name: PSA tests the
# prostate, an A1c diabetes). Read beside the note's words when walking Screening (for).
_TESTS = {
    "mammogram": ("neoplasm", "breast", "routine", "mammogram"),
    "mammography": ("neoplasm", "breast", "routine", "mammogram"),
    "psa": ("neoplasm", "prostate"),
    "a1c": ("diabetes", "mellitus"), "hba1c": ("diabetes", "mellitus"),
    "diabetes": ("mellitus",),   # "diabetes screening": Screening > diabetes mellitus
    "lipid": ("disease", "disorder", "nutritional", "metabolic", "lipoid", "disorders"),
    "cholesterol": ("disease", "disorder", "nutritional", "metabolic", "lipoid", "disorders"),
    "ldct": ("neoplasm", "lung"), "pap": ("neoplasm", "cervix"),
    "fit": ("neoplasm", "colon"), "cologuard": ("neoplasm", "colon"),
    # the breast is screened for one thing (Screening > neoplasm > breast: a screening breast MRI, Z12.39)
    "breast": ("neoplasm",),
}


# ... and what is screened for only when said beside "screening" ("hepatitis C screening", "screening
# for HCV": a hepatitis virus is a viral disease, Screening > disease or disorder > viral, Z11.59),
# never a test result elsewhere in the sentence ("HBV/HCV/HIV neg, cancer screening up to date")
_SCREENED_FOR = {"hepatitis": ("disease", "disorder", "viral"), "hcv": ("disease", "disorder", "viral"),
                 "hbv": ("disease", "disorder", "viral"),
                 # ("screening DEXA": Screening > osteoporosis, Z13.820; never "osteopenia on DXA" beside a
                 # TB screening)
                 "dexa": ("osteoporosis",), "dxa": ("osteoporosis",)}
_BESIDE_SCREENING = 3   # words between "screening" and what it is for


@dataclass(frozen=True)
class ScreeningHit:
    code: str
    sentence: int
    path: tuple[str, ...]


def screening_codes(text: str, sentences: Sequence[Sentence], tree, finish) -> list[ScreeningHit]:
    """Z12 / Z13 codes for the screenings done at this encounter. ``finish(code, words)`` is the
    Tabular's last step (the billable code)."""
    starts = tree.main_terms("Screening")
    if not starts:
        return []
    out: list[ScreeningHit] = []
    for si, s in enumerate(sentences):
        said = text[s.start:s.end]
        if "screening" not in s.words or s.section in _HISTORY_SECTIONS or _NOT_THIS_VISIT.search(said) or (
                _LATER.search(said) and not _TODAY.search(said) and
                not (_REFERRED_HERE.search(said) and s.section not in _LATER_SECTIONS)):
            continue
        # (a screening's result is no denial of what it screens for: "screening for alcoholism negative"
        # is still the screening, Z13.39)
        words = [w for w in s.words if w not in NEGATIVE_RESULTS]
        for w in s.words:
            words.extend(_TESTS.get(w, ()))
        at = [k for k, w in enumerate(s.words) if w == "screening"]
        for k, w in enumerate(s.words):
            if w in _SCREENED_FOR and any(abs(k - j) <= _BESIDE_SCREENING for j in at):
                words.extend(_SCREENED_FOR[w])
        hit = tree.walk(starts, walk_words(words))
        if hit is None:
            continue
        code = finish(hit.code, tuple(walk_words(words)))
        if code is not None and code.startswith(("Z11", "Z12", "Z13")):
            out.append(ScreeningHit(code, si, hit.path))
    return out
