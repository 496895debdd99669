"""Abbreviations that mean different things in different notes, and the organisms a note names.

- ``AbbreviationSenses``: "PE" is the physical exam unless the note speaks of emboli or
  anticoagulation; "RA" is room air unless it speaks of rheumatoid disease or its drugs; "CP" is
  chest pain unless it speaks of spasticity or GMFCS levels; "MS" is mitral stenosis beside an
  echo or a valve area, multiple sclerosis beside demyelination. Table: ``data/abbreviation_senses.json``.
- ``organism_terms``: the names in the B95-B97 titles ("Escherichia coli [E. coli] as the cause of
  diseases classified elsewhere" -> "e coli", "escherichia coli"): a note's "UTI due to E. coli"
  gets B96.20 beside N39.0, since N39.0 says "use additional code (B95-B97)".
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources

from server.errors import InvalidInput

_ORGANISM_PREFIXES = ("B95", "B96", "B97")
_CAUSE = re.compile(r"\s+(?:infection\s+)?as (?:the )?cause of.*$", re.I)
_BRACKET = re.compile(r"\[([^\]]+)\]")
_PAREN = re.compile(r"\([^)]*\)")

@dataclass(frozen=True)
class Sense:
    meaning: str
    code: str | None      # None: no diagnosis ("AF soft and flat": the anterior fontanelle)
    cues: frozenset[str]
    own_only: bool = False   # its cues count only in the abbreviation's own sentence

class AbbreviationSenses:
    """Validated sense table; ``pick`` chooses a code for an abbreviation from the note's words."""

    def __init__(self, table: dict[str, tuple[str | None, tuple[Sense, ...]]], organisms: dict[str, str] | None = None):
        self.table = table
        self.organisms = organisms or {}

    @classmethod
    def from_json(cls, data: dict, icd10cm=None) -> "AbbreviationSenses":
        if data.get("version") != 1 or not isinstance(data.get("senses"), dict):
            raise InvalidInput("abbreviation senses: expected version 1 with a 'senses' object")
        table = {}
        for abbr, entry in data["senses"].items():
            try:
                senses = tuple(Sense(str(s["meaning"]), None if s["code"] is None else str(s["code"]),
                                     frozenset(map(str, s["cues"])), bool(s.get("own_only", False)))
                               for s in entry["senses"])
                default = entry["default"]
            except (KeyError, TypeError) as e:
                raise InvalidInput(f"abbreviation senses: entry {abbr!r} is malformed") from e
            for code in [s.code for s in senses if s.code] + ([default] if default else []):
                if icd10cm is not None and (icd10cm.id_of(code) < 0 or not icd10cm.is_billable(code)):
                    raise InvalidInput(f"abbreviation senses: {code} is not a billable ICD-10-CM code")
            table[abbr.lower()] = (default, senses)
        organisms = {str(k): str(v) for k, v in data.get("organisms", {}).items()}
        for code in organisms.values():
            if icd10cm is not None and (icd10cm.id_of(code) < 0 or not icd10cm.is_billable(code)):
                raise InvalidInput(f"abbreviation senses: {code} is not a billable ICD-10-CM code")
        return cls(table, organisms)

    @classmethod
    def load(cls, icd10cm=None) -> "AbbreviationSenses":
        raw = resources.files("server.pipeline").joinpath("data/abbreviation_senses.json").read_text("utf-8")
        return cls.from_json(json.loads(raw), icd10cm)

    def __contains__(self, word: str) -> bool:
        return word in self.table

    def pick(self, word: str, note_words: frozenset[str], own: frozenset[str] = frozenset(),
             history: bool = False) -> str | None:
        """The code ``word`` stands for in a note with these words; None: not a diagnosis here.
        ``own``: the words of the mention's own sentence, whose cues are read first (a note may use
        both meanings: "secundum ASD on echo" ... "ASD dx'd by ADOS, receiving ABA"). ``history``:
        a history marker stands right before it ("h/o PE"): of an abbreviation whose one sense is a
        condition (its other readings an exam, a test), that condition."""
        default, senses = self.table[word]
        for words in (own, note_words):
            for s in senses:
                if s.cues & words and (words is own or not s.own_only):
                    return s.code
        if history and default is None and len(senses) == 1:
            return senses[0].code
        return default

def organism_terms(icd10cm, synonyms: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(term, code) for the billable B95-B97 codes: the organism's name and its bracketed short
    form, each term to the first (least specific) code that names it; plus ``synonyms``
    ("MRSA" -> B95.62)."""
    out: dict[str, str] = {}
    for code in [c for p in _ORGANISM_PREFIXES for c in icd10cm.billable_descendants(p)]:
        desc = icd10cm.description(code)
        name = _CAUSE.sub("", desc)
        if name == desc:
            continue
        names = _BRACKET.findall(name) + [_BRACKET.sub(" ", name).replace("Unspecified ", "")]
        for n in names:
            for form in {_PAREN.sub(" ", n), n.replace("(", " ").replace(")", " ")}:
                form = " ".join(form.replace(",", " ").split())
                if form and not form.lower().startswith(("other", "unspecified")):
                    out.setdefault(form.lower(), code)
    for term, code in (synonyms or {}).items():
        out.setdefault(term.lower(), code)
    return sorted(out.items())
