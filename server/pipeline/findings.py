"""A finding: one code for the encounter with everything that supports it, and the rules that
combine two findings of one code (more evidence, each source's best support) or several sources'
support into one confidence. The guideline steps (``guidelines.py``), the fusion, the scorer and
sequencing all work on findings.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from server.domain import Assertion, CodeSystem, RuleNote, Span

# What a finding's sections add to its chance of being the reason for the encounter (sequencing):
# a final diagnosis outranks the assessment, which outranks the chief complaint.
SECTION_PRIORITY = {"discharge_diagnoses": 0.3, "assessment": 0.2, "chief_complaint": 0.1}


@dataclass
class Finding:
    """One code for the encounter, with everything that supports it."""

    code: str
    system: CodeSystem
    confidence: float
    evidence: list[Span] = field(default_factory=list)
    assertion: Assertion = Assertion.PRESENT
    notes: list[RuleNote] = field(default_factory=list)
    sections: set[str] = field(default_factory=set)
    defaults: list[str] = field(default_factory=list)
    source: str = ""
    scores: dict[str, float] = field(default_factory=dict)   # best support per evidence source
    # the code-embedding model's best cosine between a phrase of the note and this code (None: no model)
    similarity: float | None = None
    # the label-attention classifier's probability (None: no note model; 0: not among its labels)
    attention: float | None = None
    # False: listed for the coder below the operating threshold, never reported (a past condition)
    reportable: bool = True
    # a present mention says the code's whole tabular title or inclusion term (two words or more)
    exact: bool = False

    def __post_init__(self) -> None:
        if not self.scores and self.source:
            self.scores[self.source] = self.confidence

    @property
    def textual(self) -> bool:
        """Supported by words in the note (not only by the document classifier)."""
        return "lexicon" in self.scores or "mined" in self.scores or not self.scores

    def copy(self) -> "Finding":
        """A finding the guideline steps may change without touching this one (they edit in place)."""
        return replace(self, evidence=list(self.evidence), notes=list(self.notes), sections=set(self.sections),
                       defaults=list(self.defaults), scores=dict(self.scores))

    def merge(self, other: "Finding") -> None:
        """Another mention of the same code: more evidence; each source keeps its best support."""
        for k, v in other.scores.items():
            self.scores[k] = max(v, self.scores.get(k, 0.0))
        self.confidence = max(self.confidence, other.confidence)
        self.exact = self.exact or other.exact
        add_evidence(self.evidence, other.evidence)
        self.notes.extend(n for n in other.notes if n not in self.notes)
        self.sections |= other.sections
        if other.assertion is Assertion.PRESENT:
            self.assertion = Assertion.PRESENT
        if not other.defaults:
            self.defaults = []


MAX_EVIDENCE = 10   # spans kept per code: enough for a coder to check, bounded for huge notes


def add_evidence(into: list[Span], more) -> None:
    """Append new spans to ``into`` up to ``MAX_EVIDENCE``."""
    for e in more:
        if len(into) >= MAX_EVIDENCE:
            return
        if e not in into:
            into.append(e)


# How much each kind of evidence counts in the combined confidence (noisy-OR); tuned on a
# held-out fifth of CodiEsp train, never on dev or test.
SOURCE_WEIGHTS = {"lexicon": 1.0, "mined": 0.7, "scorer": 0.7}


def combine(f: Finding) -> float:
    """Noisy-OR of the sources that support a finding: lexicon 0.6 and classifier 0.5 -> 0.76
    (weights aside). Findings built without per-source scores keep their confidence."""
    if not f.scores:
        return f.confidence
    miss = 1.0
    for k, v in f.scores.items():
        miss *= 1.0 - SOURCE_WEIGHTS.get(k, 1.0) * min(max(v, 0.0), 1.0)
    return round(1.0 - miss, 4)
