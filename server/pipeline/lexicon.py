"""The term lexicon: normalised token sequences -> codes, matched with one token trie.

Sources, best first: curated abbreviations and synonyms (``data/abbreviations.json``), the code
set's own descriptions and inclusion terms ("Heart failure, unspecified" -> "heart failure"), and,
when ``make models`` has built it, the alphabetic-index lexicon (``export/build_lexicon.py``).
Without the built file the pipeline still works, with less recall.
"""
from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from server.domain import CodeSystem
from server.errors import InvalidInput
from server.pipeline.text import normalize_phrase
from server.pipeline.trie import TokenTrie

# Words that carry no meaning for matching; dropped from terms and from note tokens alike, so
# "fracture of the neck of the femur" meets "fracture neck femur".
STOPWORDS = frozenset("of the a an in on at to and or by for is was from his her their its as".split())
# Words that never make a term on their own ("Other specified disorders" is not a diagnosis).
GENERIC = frozenset(
    "unspecified specified other nos nec disease disorder disorders condition conditions site sites "
    "part parts type region organ system abnormal abnormality finding findings certain unknown "
    "without with due encounter initial subsequent sequela status history personal family "
    "left right bilateral acute chronic use multiple single primary secondary stage".split())
_DROP_WORDS = frozenset(("unspecified", "nos", "nec"))
_SIDED = frozenset(("right", "left", "bilateral", "unspecified"))
_PAREN_RE = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
QUALITY = {"curated": 1.0, "description": 0.95, "inclusion": 0.9, "index": 0.85, "variant": 0.8, "mined": 0.0}


@dataclass(frozen=True, slots=True)
class LexEntry:
    code: str
    system: CodeSystem
    source: str           # curated | description | inclusion | index | variant
    quality: float
    exact: bool = False   # the whole tabular title or inclusion term, not a shortened form


_TYPE_A = re.compile(r"(?<![\w-])A(?![\w-])")   # a capital "A" on its own: a type, not the article


def term_variants(text: str) -> list[tuple[str, ...]]:
    """Normalised token sequences a code description or inclusion term can match.

    "Acute on chronic diastolic (congestive) heart failure" -> with and without "congestive";
    "Pneumonia, unspecified organism" -> ("pneumonia",); "Fracture of neck of right femur" also
    yields the note-style word order ("neck right femur fracture").
    """
    out: list[tuple[str, ...]] = []
    bare = _PAREN_RE.sub("", text)
    for form in {text.replace("(", " ").replace(")", " "), bare}:
        if _TYPE_A.search(form):
            continue   # "Hepatitis A", "Influenza A": the letter is a stopword in a note, and the
            # term without it would be every hepatitis's

        head, _, tail = form.partition(",")
        parts = [form]
        if tail:
            tail_toks = [t for t in normalize_phrase(tail) if t not in STOPWORDS]
            if not tail_toks or (tail_toks[0] in _DROP_WORDS and not (_SIDED & set(normalize_phrase(head))
                                                                       and len(tail_toks) > 1)):
                # ("Edema of right eye, unspecified eyelid" is no "edema of right eye": a sided
                # title's "unspecified X" names the part it is of)
                parts.append(head)
            else:
                parts.append(tail + " " + head)
        for p in parts:
            toks = _clean(normalize_phrase(p))
            if toks:
                out.append(toks)
                if "of" in normalize_phrase(p) and "," not in p:
                    head_w, _, rest = p.lower().partition(" of ")
                    inv = _clean(normalize_phrase(rest + " " + head_w))
                    if inv:
                        out.append(inv)
    return list(dict.fromkeys(t for t in out if _informative(t)))


def full_forms(text: str) -> set[frozenset[str]]:
    """Word sets of a title said in full (the nonessential parenthesis kept or left out, any
    order): "Type 2 diabetes mellitus with diabetic chronic kidney disease" -> one set; the
    shortened "pneumonia" of "Pneumonia, unspecified organism" is not among them."""
    forms = (text.replace("(", " ").replace(")", " "), _PAREN_RE.sub("", text))
    return {frozenset(_clean(normalize_phrase(f))) for f in forms}


def _clean(toks: Sequence[str]) -> tuple[str, ...]:
    return tuple(t for t in toks if t not in STOPWORDS and t not in _DROP_WORDS)


def _informative(toks: tuple[str, ...]) -> bool:
    return any(t not in GENERIC and not t.isdigit() for t in toks) and len(toks) <= 14


class Lexicon:
    """All terms of all sources in one trie; ``match`` finds them in a sentence's words."""

    def __init__(self) -> None:
        self.trie: TokenTrie[LexEntry] = TokenTrie()
        self.counts: dict[str, int] = {}
        self._interned: dict[LexEntry, LexEntry] = {}   # one object per distinct entry: smaller cache

    def __getstate__(self) -> dict:
        return {"trie": self.trie, "counts": self.counts}

    def __setstate__(self, state: dict) -> None:
        self.trie, self.counts, self._interned = state["trie"], state["counts"], {}

    def add(self, toks: tuple[str, ...], entry: LexEntry) -> None:
        entry = self._interned.setdefault(entry, entry)
        self.trie.add(toks, entry)
        self.counts[entry.source] = self.counts.get(entry.source, 0) + 1

    def add_terms(self, terms: Iterable[tuple[str, str]], system: CodeSystem, source: str) -> None:
        """Add (term, code) pairs; the term is normalised the way note text is."""
        q = QUALITY[source]
        for term, code in terms:
            toks = _clean(normalize_phrase(term))
            if toks and _informative(toks) or (toks and source == "curated"):
                self.add(toks, LexEntry(code, system, source, q))

    def add_codeset(self, codeset, system: CodeSystem, *, inclusion: bool = True) -> None:
        """Descriptions (and inclusion terms) of every code in a code set."""
        for i, code in enumerate(codeset.codes):
            self._add_title(codeset.description(i), code, system, "description")
            if inclusion and system is CodeSystem.ICD10CM:
                for note in codeset.notes(code, "inclusion"):
                    if code[:1] in "ST" and len(normalize_phrase(note)) == 1:
                        continue   # a bare site listed under an injury's title is the site, not the
                        # injury ("Fracture of second cervical vertebra: Axis" beside an ECG's "normal axis")
                    self._add_title(note, code, system, "inclusion")

    def _add_title(self, title: str, code: str, system: CodeSystem, source: str) -> None:
        full = full_forms(title)
        # an injury title's "unspecified <site>" names a site: its head alone is no term of it
        # ("Abrasion, unspecified hip" is no "abrasion"; the index's Abrasion is T14.8)
        head, _, tail = _PAREN_RE.sub("", title).partition(",")
        sited = code[:1] in "ST" and len([t for t in normalize_phrase(tail) if t not in STOPWORDS]) > 1 and \
            tail.strip().lower().startswith("unspecified")
        plain = _clean(normalize_phrase(head)) if sited else None
        for toks in term_variants(title):
            if toks == plain:
                continue
            exact = frozenset(toks) in full
            self.add(toks, LexEntry(code, system, source, QUALITY[source], exact))

    def load_curated(self, path: Path | None = None) -> None:
        """The curated abbreviations and synonyms (``data/abbreviations.json``)."""
        if path is None:
            raw = resources.files("server.pipeline").joinpath("data/abbreviations.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        data = json.loads(raw)
        if data.get("version") != 1 or not isinstance(data.get("terms"), list):
            raise InvalidInput("abbreviations: expected version 1 with a 'terms' list")
        pairs = []
        for i, item in enumerate(data["terms"]):
            if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise InvalidInput(f"abbreviations: entry {i} is not a [term, code] pair")
            pairs.append((item[0], item[1]))
        self.add_terms(pairs, CodeSystem.ICD10CM, "curated")

    def load_built(self, path: Path, known_codes) -> int:
        """The built index lexicon: gzip TSV 'system<TAB>code<TAB>term'. Codes not in
        ``known_codes`` (a callable code -> bool) are skipped; returns the number of terms added."""
        n = 0
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            if header != ["system", "code", "term"]:
                raise InvalidInput("built lexicon: bad header (expected system, code, term)")
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    raise InvalidInput(f"built lexicon: malformed line {n + 2}")
                system, code, term = parts
                if not known_codes(code):
                    continue
                toks = tuple(term.split(" "))
                if _informative(toks):
                    self.add(toks, LexEntry(code, CodeSystem(system), "index", QUALITY["index"]))
                    n += 1
        return n

    def load_mined(self, path: Path, known_codes, *, weight: float = 1.0) -> int:
        """Mined term table (``export/mine_terms.py``): gzip TSV 'system, code, term, precision,
        support'; the entry's quality is the term's precision on train times ``weight``."""
        n = 0
        with gzip.open(path, "rt", encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            if header != ["system", "code", "term", "precision", "support"]:
                raise InvalidInput("mined terms: bad header (expected system, code, term, precision, support)")
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 5:
                    raise InvalidInput(f"mined terms: malformed line {n + 2}")
                system, code, term, precision, _support = parts
                if known_codes(code):
                    self.add(tuple(term.split(" ")), LexEntry(code, CodeSystem(system), "mined",
                                                              round(float(precision) * weight, 4)))
                    n += 1
        return n

    def match(self, words: Sequence[str], skip: frozenset[str] = frozenset()) -> Iterable[tuple[int, int, list[LexEntry]]]:
        """Leftmost-longest matches in stopword-free ``words``: (start, end, entries); words in
        ``skip`` may be jumped inside a term."""
        return self.trie.find(words, skip)
