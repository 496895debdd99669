"""ICD-10-PCS codes built axis by axis from an operative note, the way a coder uses the PCS tables.

"PROCEDURE: Laparoscopic cholecystectomy." -> root operation Resection (all of the gallbladder,
Official Guidelines B3.8), body part Gallbladder (its table's value 4), approach Percutaneous
Endoscopic (laparoscopic, B5.2) and no device or qualifier: 0FT44ZZ, a code that exists in the
code set. The axis values are the code set's own (``pcs_tables``); ``data/pcs_builder.json`` holds
only how notes say them (procedure words and their root operation by the PCS definitions, word
parts to body parts as the Body Part Key does, approach words, device words).

Only a procedure done this stay is built: one in a procedure or hospital-course section, asserted
present by ConText and not planned ("schedule laparoscopic cholecystectomy"). When an axis is not
documented (an appendectomy with no approach, a cesarean with no incision type) no code is guessed:
the procedure comes back ``undetermined`` with the axis it lacks, and the pipeline raises a CDI
query naming the settled characters and the values the table offers (``procedure_queries``).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from server.budget import checkpoint
from server.domain import Assertion
from server.errors import InvalidInput
from server.pipeline.context import ContextRules, assert_span
from server.pipeline.entities import Sentence
from server.pipeline.index_tree import SIDES
from server.pipeline.pcs_tables import PcsTables
from server.pipeline.text import normalize_word

_SIDE_NAMES = {"right": "Right", "left": "Left", "bilateral": "Bilateral"}
# words of an axis value that say nothing a note would ("Drug-eluting Intraluminal Device")
_GENERIC = frozenset("device with and or on of the to from".split())
_REACH = 30   # words either side of a procedure word that may state its side, approach or device
# every axis of a built code is read from the note or is the only value its table allows
BUILT_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Cue:
    """One way a note names a procedure ("cholecystectom*": Resection of the Gallbladder)."""

    words: tuple[str, ...]
    prefix: bool            # the last word matches as a word start ("cholecystectom" -> "...ectomy")
    root: str
    body: str = ""
    approach: str = ""
    section: str = "0"
    said: tuple[str, ...] = ()
    roots_with: tuple[tuple[str, str], ...] = ()   # ("mesh", "Supplement"): a word that changes the root

    def matches(self, words: list[str], i: int) -> bool:
        n = len(self.words)
        if i + n > len(words):
            return False
        if words[i:i + n - 1] != list(self.words[:-1]):
            return False
        last = words[i + n - 1]
        return last.startswith(self.words[-1]) if self.prefix else last == self.words[-1]


@dataclass
class BuiltProcedure:
    """A procedure the note names: its code, or (``code`` empty) the axes the note leaves out or
    (``performed`` False) why it is no procedure of this stay."""

    code: str
    start: int              # character offsets of the words that name it
    end: int
    notes: list[str] = field(default_factory=list)
    section: str = ""
    undetermined: tuple[str, ...] = ()   # the axes the note does not document
    performed: bool = True               # False: from the history, planned or denied
    sentence: tuple[int, int] = (0, 0)   # the sentence it is named in
    prefix: str = ""                     # undetermined: the characters the note does settle ("0DTJ")
    options: tuple[str, ...] = ()        # undetermined: the values the table offers for what is missing


class PcsRules:
    """``data/pcs_builder.json``, checked on load (a bad entry fails the start, never a note)."""

    def __init__(self, data: dict):
        if data.get("version") != 1:
            raise InvalidInput("pcs_builder rules: expected version 1")
        try:
            self.sections = frozenset(data["sections"])
            self.cues = [_cue(c) for c in data["procedures"]]
            self.partial = frozenset(data["partial"])
            self.body_words = {normalize_word(k): str(v) for k, v in data["body_words"].items()}
            self.positions = {w: w.capitalize() for w in data["positions"]}
            self.vessels = {str(k): [tuple(p) for p in v] for k, v in data["coronary_vessels"].items()}
            self.counts = {str(k): str(v) for k, v in data["counts"].items()}
            self.approaches = {str(k): str(v) for k, v in data["approaches"].items()}
            self.said = {normalize_word(k): tuple(v) for k, v in data["said"].items()}
            self.planned = frozenset(data["planned"])
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise InvalidInput(f"pcs_builder rules: malformed entry ({type(e).__name__})") from e
        self.by_first: dict[str, list[Cue]] = {}
        for c in sorted(self.cues, key=lambda c: -len(c.words)):   # longest cue first
            self.by_first.setdefault(c.words[0] if len(c.words) > 1 or not c.prefix else c.words[0][:4],
                                     []).append(c)

    @classmethod
    def load(cls, path: Path | None = None) -> "PcsRules":
        raw = (resources.files("server.pipeline").joinpath("data/pcs_builder.json").read_text("utf-8")
               if path is None else Path(path).read_text("utf-8"))
        return cls(json.loads(raw))

    def cues_at(self, words: list[str], i: int) -> Cue | None:
        w = words[i]
        for c in self.by_first.get(w, []) + self.by_first.get(w[:4], []):
            if c.matches(words, i):
                return c
        return None


def _cue(entry: dict) -> Cue:
    text = str(entry["cue"]).lower()
    prefix = text.endswith("*")
    words = tuple(normalize_word(w) if not (prefix and k == len(text.split()) - 1) else w
                  for k, w in enumerate(text.rstrip("*").split()))
    if not words or str(entry["root"]) == "":
        raise ValueError("empty cue")
    return Cue(words, prefix, str(entry["root"]), str(entry.get("body", "")), str(entry.get("approach", "")),
               str(entry.get("section", "0")), tuple(entry.get("said", ())),
               tuple((normalize_word(k), str(v)) for k, v in entry.get("with", {}).items()))


class PcsBuilder:
    """Built once with the pipeline; ``build`` is then read-only (safe from many threads)."""

    def __init__(self, tables: PcsTables, rules: PcsRules | None = None, context: ContextRules | None = None):
        self.tables = tables
        self.rules = rules or PcsRules.load()
        self.context = context or ContextRules.load()
        # root operation name -> its character, per section ("0", "Resection") -> "T"
        self.root_char = {(k[0], name): k[1] for k, name in tables.roots.items()}
        self.approach_char = {(k[0], name): k[1] for k, name in tables.approaches.items()}
        # (section, body part name) -> [(system, char)]: where a name is a body-part value
        self.body_index: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for system, values in tables.body_parts.items():
            for ch, name in values.items():
                self.body_index.setdefault((system[0], name), []).append((system, ch))
        # the words each device and qualifier value needs said, read once (build only reads them)
        self._keys = {name: _key_words(name) for values in (*tables.devices.values(), *tables.qualifiers.values())
                      for name in values.values()}
        self._keys[""] = frozenset()

    def build(self, text: str, sentences: list[Sentence]) -> list[BuiltProcedure]:
        """Every procedure the note names, in note order: those of the stay coded (or undetermined),
        the others marked not performed.

        "PROCEDURE: Right total hip arthroplasty, uncemented." -> 0SR90JA (Replacement of Right Hip
        Joint with Synthetic Substitute, Uncemented, Open: the only approach its table has).
        """
        out: list[BuiltProcedure] = []
        for s in sentences:
            checkpoint()
            words = s.words
            hits = self._hits(words)
            if not hits:
                continue
            triggers = self.context.triggers(words)
            for k, (a, b, cue) in enumerate(hits):
                lo = max(hits[k - 1][1] if k else 0, _clause_start(s, a))
                hi = min(hits[k + 1][0] if k + 1 < len(hits) else len(words), _clause_end(s, b))
                if s.section not in self.rules.sections or self._planned(words, s, a) or \
                        assert_span(triggers, a, b, s.gaps, s.commas) is not Assertion.PRESENT:
                    built = BuiltProcedure("", 0, 0, performed=False)   # history, planned, denied
                else:
                    built = self._one(cue, words, a, b, lo, hi, s)
                if built is not None:
                    built.start, built.end, built.section = s.tokens[a].start, s.tokens[b - 1].end, s.section
                    built.sentence = (s.start, s.end)
                    out.append(built)
        return _dedupe(out)

    def _hits(self, words: list[str]) -> list[tuple[int, int, Cue]]:
        hits = []
        i = 0
        while i < len(words):
            cue = self.rules.cues_at(words, i)
            if cue is not None:
                hits.append((i, i + len(cue.words), cue))
                i += len(cue.words)
            else:
                i += 1
        return hits

    def _planned(self, words: list[str], s: Sentence, a: int) -> bool:
        """A planning word earlier in the cue's clause ("plan: laparoscopic cholecystectomy")."""
        return any(w in self.rules.planned for w in words[_clause_start(s, a):a])

    def _one(self, cue: Cue, words: list[str], a: int, b: int, lo: int, hi: int, s: Sentence) -> BuiltProcedure | None:
        window = words[lo:hi]
        clause = words[_clause_start(s, a):_clause_end(s, b)]
        root = cue.root
        for word, other in cue.roots_with:
            if any(w == word and not {"without", "no"} & set(window[max(0, k - 2):k]) for k, w in enumerate(window)):
                root = other   # "hernia repair with mesh": Supplement (B3.5); "without mesh": Repair
        notes: list[str] = []
        if root == "Resection" and any(w in self.rules.partial for w in window):
            root = "Excision"   # a portion of the body part (B3.8)
            notes.append("a portion of the body part: Excision, not Resection (B3.8)")
        body = cue.body or next((self.rules.body_words[w] for w in window if w in self.rules.body_words), "")
        if not body:
            return None if not cue.body and cue.root in ("Resection", "Excision", "Repair", "Drainage") else \
                BuiltProcedure("", 0, 0, notes, undetermined=("body part",))
        section = cue.section
        rc = self.root_char.get((section, root))
        if rc is None:
            return None
        names = self._body_names(body, window, clause)
        places = self._places(section, rc, names)
        if len(places) != 1:
            sides = [p for side in ("Right", "Left") for p in self._places(section, rc, [f"{side} {body}"])
                     ] if not places else []
            return BuiltProcedure("", 0, 0, notes, undetermined=("side" if len(sides) == 2 else "body part",),
                                  prefix=sides[0][0] + rc if sides else "",
                                  options=tuple(self.tables.body_parts[sys][ch] for sys, ch in sides))
        system, ch = places[0]
        return self._code_for(cue, [c for c in self.tables.codes[system + rc] if c[3] == ch], window, clause, notes)

    def _places(self, section: str, rc: str, names: list[str]) -> list[tuple[str, str]]:
        """(body system, body-part value) of the first of ``names`` that is a body part in a table of
        root operation ``rc``; two places for one name (the same words in two systems) are returned
        both, so that nothing is guessed."""
        for name in names:
            found = [(sys, ch) for sys, ch in self.body_index.get((section, name), ())
                     if any(c[3] == ch for c in self.tables.codes.get(sys + rc, ()))]
            if found:
                return found
        return []

    def _code_for(self, cue: Cue, codes: list[str], window: list[str], clause: list[str],
                  notes: list[str]) -> BuiltProcedure:
        """The approach, then the device and qualifier, among one body part's codes of a table."""
        section = codes[0][0]
        approach = self._approach(cue, window, clause, section, {c[4] for c in codes}, notes)
        if approach is None:
            return BuiltProcedure("", 0, 0, notes, undetermined=("approach",), prefix=codes[0][:4],
                                  options=tuple(sorted({self.tables.approaches[section + c[4]] for c in codes})))
        codes = [c for c in codes if c[4] == approach]
        code = self._device_and_qualifier(codes, self._said(cue, window), notes)
        if code is None:
            options = {", ".join(a for a in self.tables.axes(c)[3:] if a) or "none" for c in codes}
            axis = "qualifier" if len({c[5] for c in codes}) == 1 else "device" if len({c[6] for c in codes}) == 1 \
                else "device or qualifier"
            return BuiltProcedure("", 0, 0, notes, undetermined=(axis,), prefix=codes[0][:5],
                                  options=tuple(sorted(options)))
        r, bp, ap, dev, qual = self.tables.axes(code)
        notes.insert(0, f"{r} of {bp}, {ap}" + (f", with {dev}" if dev else "") + (f", {qual}" if qual else ""))
        return BuiltProcedure(code, 0, 0, notes)

    def _body_names(self, body: str, window: list[str], clause: list[str]) -> list[str]:
        """Body-part names to look up, most specific first: "left upper lobectomy" ->
        "Left Upper Lung Lobe", "Left Lung Lobe", "Upper Lung Lobe", "Lung Lobe"."""
        if body == "Coronary Artery":
            n = sum(1 for ways in self.rules.vessels.values() if any(_contains(clause, v) for v in ways))
            if n == 0:
                return []
            return [f"Coronary Artery, {('One Artery', 'Two Arteries', 'Three Arteries')[n - 1]}"
                    if n < 4 else "Coronary Artery, Four or More Arteries"]
        sides = [SIDES[w] for w in window if w in SIDES] or [SIDES[w] for w in clause if w in SIDES]
        side = _SIDE_NAMES.get(sides[0], "") if sides and len(set(sides)) == 1 else ""
        pos = next((self.rules.positions[w] for w in window if w in self.rules.positions), "")
        names = []
        for parts in ((side, pos, body), (side, body), (pos, body), (body,)):
            names.append(" ".join(p for p in parts if p))
        if side == "Bilateral":
            names.insert(0, f"Bilateral {body}s")
        return list(dict.fromkeys(names))

    def _approach(self, cue: Cue, window: list[str], clause: list[str], section: str, have: set[str],
                  notes: list[str]) -> str | None:
        stated = [self.rules.approaches[w] for w in window if w in self.rules.approaches] or \
                 [self.rules.approaches[w] for w in clause if w in self.rules.approaches]
        if "converted" in clause and "Open" in stated:
            stated = ["Open"]   # converted to open: the approach completed (B5.2a)
        name = stated[0] if stated else cue.approach
        if name:
            ch = self.approach_char.get((section, name))
            return ch if ch in have else None
        if len(have) == 1:
            ch = next(iter(have))
            notes.append(f"approach {self.tables.approaches[section + ch]}: the only one its table has")
            return ch
        return None

    def _said(self, cue: Cue, window: list[str]) -> frozenset[str]:
        """The device and qualifier words the note states near the procedure, with the words a
        coder reads into them ("plate and screws": internal fixation; "mesh": synthetic substitute)."""
        out = set(cue.said)
        counts = set(self.rules.counts)
        for k, w in enumerate(window):
            if w not in counts:
                out.add(w)
            out.update(self.rules.said.get(w, ()))
            if w == "stent" or w == "des":   # "two drug-eluting stents", "DES x2"
                near = window[max(0, k - 3):k] + window[k + 1:k + 2]
                n = next((self.rules.counts[x] for x in near if x in counts), "One")
                out.add(n.lower())
        return frozenset(normalize_word(w) for w in out)

    def _device_and_qualifier(self, codes: list[str], said: frozenset[str], notes: list[str]) -> str | None:
        """The code whose device and qualifier the note states most of (each of their words said;
        "No Device" and "No Qualifier" need none); a tie between two is not guessed."""
        best, score, tie = None, -1, False
        for c in codes:
            t = c[:3]
            need = self._words(self.tables.devices.get(t, {}).get(c[5], "")) | \
                self._words(self.tables.qualifiers.get(t, {}).get(c[6], ""))
            if not need <= said:
                continue
            if len(need) > score:
                best, score, tie = c, len(need), False
            elif len(need) == score:
                tie = True
        if best is None or tie:
            return None
        if best[6] == "Z" and any(self.tables.qualifiers.get(c[:3], {}).get(c[6]) in ("Cemented", "Uncemented")
                                  for c in codes):
            notes.append("cementation not documented: qualifier Z (No Qualifier)")
        return best

    def _words(self, name: str) -> frozenset[str]:
        return self._keys[name]


def _key_words(name: str) -> frozenset[str]:
    """"Two Drug-eluting Intraluminal Devices" -> {two, drug, eluting, intraluminal}."""
    return frozenset(w for w in (normalize_word(w) for w in re.findall(r"[A-Za-z0-9]+", name)) if w not in _GENERIC)


def _overlaps(span, other: tuple[int, int]) -> bool:
    return span.start < other[1] and other[0] < span.end


def _contains(words: list[str], seq: tuple[str, ...]) -> bool:
    n = len(seq)
    return any(tuple(words[i:i + n]) == seq for i in range(len(words) - n + 1))


def _clause_start(s: Sentence, a: int) -> int:
    """Where the cue's clause starts: a semicolon or parenthesis, at most _REACH words back (a
    run-on note's one "sentence" costs each cue _REACH words, never the sentence's length)."""
    floor = max(0, a - _REACH)
    while a > floor and not s.gaps[a]:
        a -= 1
    return a


def _clause_end(s: Sentence, b: int) -> int:
    ceiling = min(len(s.tokens), b + _REACH)
    while b < ceiling and not s.gaps[b]:
        b += 1
    return b


def _dedupe(found: list[BuiltProcedure]) -> list[BuiltProcedure]:
    """One entry per code (the first place the note says it); undetermined ones all kept."""
    seen: set[str] = set()
    out = []
    for p in found:
        if p.code and p.code in seen:
            continue
        seen.add(p.code)
        out.append(p)
    return out


def procedure_queries(built: list[BuiltProcedure]) -> list:
    """A CDI query for each procedure of the stay an axis of which the note leaves out, naming the
    characters that are settled and the values the table offers: "Appendectomy." -> 0DTJ, approach
    (Open, Percutaneous Endoscopic, Via Natural or Artificial Opening, ...)."""
    from server.domain import CdiQuery, Span

    return [CdiQuery(p.prefix, f"ICD-10-PCS {p.prefix}: the operative note does not say the procedure's "
                               f"{p.undetermined[0]}; the table offers: {'; '.join(p.options)}",
                     p.undetermined, (Span(p.start, p.end, p.section),))
            for p in built if p.performed and not p.code and p.prefix and p.options]


def built_findings(built: list[BuiltProcedure], findings: dict) -> None:
    """Put the built codes into ``findings`` (code -> Finding). A curated-list procedure of
    sections 0 and 1 whose words the builder read gives way to it: to the code the builder built,
    or to nothing where the note leaves an axis out ("appendectomy" with no approach is no open
    appendectomy)."""
    from server.domain import CodeSystem, RuleNote, Span
    from server.pipeline.findings import Finding

    for f in [f for f in findings.values() if f.system is CodeSystem.ICD10PCS and f.code[:1] in "01"]:
        if any(p.code != f.code and any(_overlaps(e, (p.start, p.end)) or (
                p.code and f.code[2] == "J" and _overlaps(e, p.sentence)) for e in f.evidence) for p in built):
            del findings[f.code]   # an inspection is part of the procedure it is done for (B3.11a)
    for p in built:
        if not p.code:
            continue
        notes = [RuleNote("pcs_axes", n) for n in p.notes]
        f = Finding(p.code, CodeSystem.ICD10PCS, BUILT_CONFIDENCE, [Span(p.start, p.end, p.section)],
                    Assertion.PRESENT, notes, {p.section}, source="lexicon")
        if p.code in findings:
            findings[p.code].merge(f)
        else:
            findings[p.code] = f
