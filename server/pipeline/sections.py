"""Section detection: which part of the note (HPI, past medical history, family history...) a
mention sits in. The section changes what a mention means: "Family history: diabetes" is the
mother's diabetes, "PMH: MI" is an old infarction.

Rules are data (``data/sections.json``), validated when loaded.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable

from server.budget import checkpoint
from server.domain import Assertion
from server.errors import InvalidInput

DEFAULT_SECTION = "body"
_HEADER_WORDS = frozenset("""HISTORY EXAM EXAMINATION PLAN ASSESSMENT CONSULT CONSULTATION NOTE SUMMARY REPORT
IMPRESSION FINDINGS PROCEDURE PROCEDURES MEDICATIONS ALLERGIES REVIEW SYSTEMS DIAGNOSIS DIAGNOSES COURSE
INSTRUCTIONS DISPOSITION LABS LABORATORY DATA RESULTS SIGNS VITALS COMPLAINT REASON INDICATION INDICATIONS
TECHNIQUE COMPARISON ADMISSION DISCHARGE OPERATIVE OPERATION ANESTHESIA SPECIMENS RECOMMENDATIONS
SUBJECTIVE OBJECTIVE IMAGING RADIOLOGY CONDITION CLINIC CENTER DEPARTMENT""".split())


@dataclass(frozen=True)
class SectionRule:
    name: str
    titles: tuple[str, ...]
    assertion: Assertion | None
    codable: bool
    weight: float


@dataclass(frozen=True)
class Section:
    name: str
    start: int          # where the header starts (or the document does)
    body_start: int     # first character after the header
    end: int
    rule: SectionRule | None = None


class SectionRules:
    """Validated section rules and the one compiled header pattern built from them."""

    def __init__(self, rules: list[SectionRule], result_leads: Iterable[str] = ()):
        if not rules:
            raise InvalidInput("section rules: no sections defined")
        self.rules = {r.name: r for r in rules}
        # a sentence of a narrative section that opens with a test's name reports its result
        # ("CXR with small bilateral effusions."): read as the results section reads it
        self.result_leads = frozenset(result_leads)
        self._by_title = {}
        for r in rules:
            for t in r.titles:
                self._by_title[_norm_title(t)] = r
        # the same title in a dictation's other words: "Admitting Dx", "Diagnoses at discharge",
        # "Assessment & Plan" are "admitting diagnosis", "diagnosis at discharge", "assessment and plan"
        for r in rules:
            for t in r.titles:
                for v in _title_variants(_norm_title(t)):
                    self._by_title.setdefault(v, r)
        titles = sorted(self._by_title, key=len, reverse=True)
        # Blanks are read possessively (``*+``, ``++``: never given back): what follows them is never
        # a blank, so the matches are the same, and "Assessment" + 32,000 spaces is read once
        # instead of once per space (seconds, the square of the run).
        # ("Assessment / Plan", "A & P": the blanks around a slash or an ampersand are optional)
        alts = "|".join(re.escape(t).replace(r"\ ", r"\s++").replace("/", r"[ \t]*+/[ \t]*+")
                        .replace(r"\&", r"[ \t]*+&[ \t]*+") for t in titles)
        # A header is a known title at the start of a line, then ':' (or the end of the line
        # when the title is written alone in capitals, as dictated notes do).
        self._header = re.compile(rf"^[ \t]*+(?P<t>{alts})[ \t]*+(?::|(?=\r?\n))", re.I | re.M)
        # Two titles joined by a slash ("Indication/Principal dx:", "HPI/Interval history:"): the
        # section is the second's, or the one that states diagnoses
        self._compound = re.compile(rf"^[ \t]*+(?P<t>(?P<a>{alts})[ \t]*+/[ \t]*+(?P<b>{alts}))[ \t]*+:", re.I | re.M)
        # Short notes run their sections together: "... CT head negative. Dx: concussion." A
        # title right after a sentence's end and followed by ':' starts a section there too.
        self._inline = re.compile(rf"(?<=[.;!?] )(?P<t>{alts})[ \t]*+:", re.I)
        # Any other title a dictation writes in capitals on a line of its own ("INFECTIOUS DISEASE
        # CONSULT", "HISTORY OF PRESENT ILLNESS:") is a header too: never a mention of a condition.
        self._caps = re.compile(r"^[ \t]*+(?P<t>[A-Z][A-Z0-9/&,'()\- ]{2,60}?)[ \t]*+(?::|(?=\r?\n))", re.M)

    @classmethod
    def from_json(cls, data: dict) -> "SectionRules":
        """Build from the JSON layout of ``data/sections.json``; fails loudly on a bad entry."""
        if data.get("version") != 1 or not isinstance(data.get("sections"), list):
            raise InvalidInput("section rules: expected version 1 with a 'sections' list")
        rules = []
        for i, s in enumerate(data["sections"]):
            try:
                a = s.get("assertion")
                rules.append(SectionRule(
                    name=str(s["name"]), titles=tuple(str(t).lower() for t in s["titles"]),
                    assertion=Assertion(a) if a else None, codable=bool(s["codable"]),
                    weight=float(s["weight"])))
            except (KeyError, TypeError, ValueError) as e:
                raise InvalidInput(f"section rules: entry {i} is malformed ({type(e).__name__})") from e
            if not rules[-1].titles:
                raise InvalidInput(f"section rules: entry {i} has no titles")
        leads = data.get("result_leads", [])
        if not isinstance(leads, list) or not all(isinstance(w, str) and w for w in leads):
            raise InvalidInput("section rules: 'result_leads' must be a list of words")
        return cls(rules, (w.lower() for w in leads))

    @classmethod
    def load(cls, path: Path | None = None) -> "SectionRules":
        """Load the packaged rules, or the JSON file at ``path``."""
        if path is None:
            raw = resources.files("server.pipeline").joinpath("data/sections.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        return cls.from_json(json.loads(raw))

    def rule_for_title(self, title: str) -> SectionRule | None:
        return self._by_title.get(_norm_title(title))

    def split(self, text: str, segments: tuple[tuple[int, int, str], ...] = ()) -> "SectionMap":
        """Sections of ``text``: headers found in the text, refined by ingest's segment titles.

        "PMH: hypertension\\nFamily history: breast cancer in mother" -> past_medical_history,
        then family_history.
        """
        marks: list[tuple[int, int, SectionRule]] = []
        for s, _e, title in segments:
            r = self.rule_for_title(title)
            if r is not None:
                marks.append((s, s, r))
        seen = set()
        checkpoint()
        for m in self._compound.finditer(text):
            a, b = (self._by_title.get(_norm_title(m.group(k))) for k in ("a", "b"))
            r = self._by_title.get(_norm_title(m.group("t"))) or (a if a.name in _STATES_DIAGNOSES else b)
            seen.add(m.start("t"))
            marks.append((m.start("t"), m.end(), r))
        for pattern in (self._header, self._inline):
            checkpoint()
            for m in pattern.finditer(text):
                r = self._by_title.get(_norm_title(m.group("t")))
                if r is not None and m.start("t") not in seen:
                    seen.add(m.start("t"))
                    marks.append((m.start("t"), m.end(), r))
        for m in self._caps.finditer(text):
            words = set(re.findall(r"[A-Z]+", m.group("t")))
            # a header says what the section is ("... CONSULT", "... EXAMINATION"); "COPD:" starts a
            # problem of the plan and stays a mention
            if m.start("t") not in seen and len(re.findall(r"[A-Z0-9]+", m.group("t"))) <= 6 and words & _HEADER_WORDS:
                seen.add(m.start("t"))
                marks.append((m.start("t"), m.end(), None))
        marks.sort(key=lambda x: x[0])
        sections: list[Section] = []
        if not marks or marks[0][0] > 0:
            sections.append(Section(DEFAULT_SECTION, 0, 0, marks[0][0] if marks else len(text), None))
        for i, (start, body, rule) in enumerate(marks):
            stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
            name = rule.name if rule is not None else DEFAULT_SECTION
            sections.append(Section(name, start, max(body, start), max(stop, start), rule))
        return SectionMap([s for s in sections if s.end > s.start])


class SectionMap:
    """Sections in text order, with a fast lookup from a character offset."""

    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._starts = [s.start for s in sections]

    def at(self, offset: int) -> Section:
        """The section containing ``offset``."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return self.sections[max(i, 0)]

    def __iter__(self):
        return iter(self.sections)

    def __len__(self) -> int:
        return len(self.sections)


# sections that state the encounter's diagnoses (of two titles joined by a slash, the one that reads)
_STATES_DIAGNOSES = frozenset(("assessment", "discharge_diagnoses"))
# words a title says in several ways
_TITLE_WORDS = (("diagnosis", "diagnoses", "dx"), ("and", "&"))


def _title_variants(title: str) -> set[str]:
    """``title`` (normalised) with each of its words of ``_TITLE_WORDS`` said the other ways."""
    out = {title}
    for group in _TITLE_WORDS:
        for word in group:
            for t in list(out):
                if re.search(rf"(?<![\w&]){re.escape(word)}(?![\w&])", t):
                    out |= {re.sub(rf"(?<![\w&]){re.escape(word)}(?![\w&])", o, t) for o in group if o != word}
    return {_norm_title(t) for t in out} - {title}


def _norm_title(t: str) -> str:
    return re.sub(r"\s*([/&])\s*", r"\1", " ".join(t.lower().split()))
