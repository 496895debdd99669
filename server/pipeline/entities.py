"""Entity mentions and the sources that find them.

A source looks at one analysed sentence and returns mentions, each with candidate codes. The
lexicon is one source; a NER model (another issue) plugs in beside it through ``EntitySource``.
"""
from __future__ import annotations

import bisect
import re

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Protocol, Sequence

from server.budget import checkpoint
from server.domain import Assertion, CodeSystem
from server.pipeline.lexicon import STOPWORDS, LexEntry, Lexicon
from server.pipeline.text import Token

# Side words may sit inside a term ("fracture of left wrist" ~ "fracture of wrist"); the mapper
# reads them back from the words around the mention to pick the lateral code.
SIDE_WORDS = frozenset(("left", "right", "bilateral", "r", "l", "rt", "lt"))
# Words jumped inside a term when the term has no form with them ("sprain of the anterior talofibular
# ligament" ~ "sprain talofibular ligament"); a term that says them wins ("anterior cruciate ligament").
_JUMPED = SIDE_WORDS | frozenset(("anterior", "posterior", "medial", "lateral", "superior", "inferior",
                                   # a limb part's face ("laceration of the dorsum of the L hand": S61.41-)
                                   "dorsum", "dorsal", "volar",
                                   # the muscles of a region strained ("lumbar muscle strain": lumbar strain)
                                   "muscle", "muscles", "paraspinal",
                                   # the index's nonessential "leg (lower)", "arm (upper)": "laceration L lower leg"
                                   "lower", "upper",
                                   # a gout's tophi, which its 7th character says ("chronic tophaceous gout")
                                   "tophaceous"))
# Limb parts whose "back" is their dorsum, never the trunk's back ("abrasion on back of R hand").
_LIMB_PARTS = frozenset("hand hands foot feet wrist finger fingers thumb toe toes knee thigh leg calf arm forearm "
                        "ankle heel".split())


@dataclass(frozen=True)
class Candidate:
    code: str
    system: CodeSystem
    score: float          # how well the words support this code, 0..1
    source: str           # curated | description | inclusion | index | model...
    exact: bool = False   # the mention says the code's whole title or inclusion term


@dataclass
class Mention:
    """A phrase in the note that names a condition or procedure."""

    start: int            # character offsets into Document.text
    end: int
    sentence: int         # index into the analysed sentences
    tok_start: int        # token indices within the sentence
    tok_end: int
    candidates: list[Candidate]
    source: str
    assertion: Assertion = Assertion.PRESENT
    section: str = ""
    section_weight: float = 1.0
    codable: bool = True
    words: tuple[str, ...] = field(default=(), repr=False)
    refuted: bool = False   # the note says the record's entry is wrong ("listed in error", "not a true dx")


@dataclass
class Sentence:
    """One sentence: offsets, tokens, and the section it sits in."""

    start: int
    end: int
    tokens: list[Token]
    section: str
    gaps: list[bool]      # gaps[i]: a semicolon lies just before token i
    commas: list[bool] = field(default_factory=list)   # commas[i]: a comma lies just before token i
    semis: list[int] = field(default_factory=list)     # the tokens a semicolon lies just before, in order

    @cached_property
    def token_starts(self) -> list[int]:
        """Each token's start offset, in order (built once: a span's tokens are then bisected)."""
        return [t.start for t in self.tokens]

    def tokens_within(self, a: int, b: int, limit: int = 1 << 30) -> list[str]:
        """The words of the tokens lying wholly within offsets [a, b), at most ``limit`` + 1 of them."""
        i = bisect.bisect_left(self.token_starts, a)
        out = []
        while i < len(self.tokens) and self.tokens[i].end <= b and len(out) <= limit:
            out.append(self.tokens[i].norm)
            i += 1
        return out

    @cached_property
    def words(self) -> list[str]:
        # built once: every mention of the sentence reads it, so rebuilding it per mention made a
        # long run-on sentence cost the square of its length (read it, never change it)
        return [t.norm for t in self.tokens]


class EntitySource(Protocol):
    """Anything that finds mentions in analysed sentences (the lexicon, a NER model...)."""

    name: str

    def find(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]: ...


class LexiconSource:
    """Mentions found by the term lexicon (leftmost-longest, stopwords skipped)."""

    name = "lexicon"

    def __init__(self, lexicon: Lexicon, systems: frozenset[CodeSystem] = frozenset({CodeSystem.ICD10CM}),
                 additional: Callable[[str], Sequence[str]] | None = None):
        self.lexicon = lexicon
        self.systems = systems
        # code -> the codes its "use additional code" note asks for (None: inner terms never read)
        self.additional = additional

    def find(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]:
        """Every lexicon term in every sentence: "Hx of CHF and DM2" -> CHF, DM2. Inside a
        combination term, the terms its code's "use additional code" note asks for are mentions
        too: "diabetes with chronic kidney disease" (E11.22) also names the CKD (N18)."""
        out: list[Mention] = []
        for si, s in enumerate(sentences):
            checkpoint()
            keep = [i for i, t in enumerate(s.tokens) if t.norm not in STOPWORDS]
            words = [s.tokens[i].norm for i in keep]
            # "secondary to" / "due to" link a condition to its cause: never part of a term
            # ("ESRD secondary to hypertensive nephrosclerosis" is not secondary hypertension)
            for k, i in enumerate(keep):
                if words[k] == "secondary" and i + 1 < len(s.tokens) and s.tokens[i + 1].norm == "to":
                    words[k] = "secondary-to"   # a word no term has
                elif words[k] == "back" and i + 1 < len(s.tokens) and s.tokens[i + 1].norm == "of" and (
                        words[k + 1:k + 2] and words[k + 1] in _LIMB_PARTS or
                        (words[k + 1:k + 2] and words[k + 1] in SIDE_WORDS and words[k + 2:k + 3] and
                         words[k + 2] in _LIMB_PARTS)):
                    words[k] = "dorsum"   # "back of the L hand": the hand's dorsum (Burn > hand > back)
            # a word or two in parentheses inside a phrase is an aside ("gallstone (biliary)
            # pancreatitis", "buckle (torus) fx"): the terms read across it too
            variants: list[tuple[list[int], list[str], list[int] | None]] = [(keep, words, None)]
            if (aside := _asides(text, s, keep)):
                kept = [k for k in range(len(keep)) if k not in aside]
                variants.append(([keep[k] for k in kept], [words[k] for k in kept], kept))
            for keep, words, kept in variants:
                for a, b, entries in self._match(text, s, keep, words):
                    if kept is not None and kept[b - 1] - kept[a] == b - a - 1:
                        continue   # (no aside inside: the plain reading has it)
                    checkpoint()   # a run-on note is one sentence of thousands of words
                    if b - a > 1 and words[a] in _AGENT_PARTICIPLES and _hyphen_joined(text, s.tokens, keep[a]):
                        # "cocaine-induced psychosis": the drug induced it, no "induced psychosis" (shared,
                        # F24); the condition is read on its own
                        hits = [e for x, y, e in self.lexicon.match(words[a + 1:b], skip=_JUMPED)
                                if x == 0 and y == b - a - 1]
                        if not hits:
                            continue
                        a, entries = a + 1, hits[0]
                    cands = _candidates(entries, self.systems)
                    if not cands:
                        continue
                    spans = [(a, b, cands)]
                    if self.additional is not None and b - a > 1:
                        spans += self._inner(words, a, b, cands)
                    if b - a == 1 and words[a] in CASED_ABBREVIATIONS and \
                            not text[s.tokens[keep[a]].start:s.tokens[keep[a]].end].isupper():
                        continue   # "pad of the L index finger", "hearing aids", "QTc 450 ms": English words
                    if b - a == 1 and words[a] in _COMMON_WORDS and _shouted(text, s):
                        continue   # "ALL OTHER SYSTEMS REVIEWED AND NEGATIVE": a sentence in capitals
                    if b - a == 1 and words[a] in CASED_ABBREVIATIONS and _NUMBER_AFTER.match(
                            text, s.tokens[keep[a]].end):
                        continue   # "AGE: 67", "MS 2" (a form's field and its value), not gastroenteritis
                    if b - a == 1 and words[a] in _SCANNED_REGIONS and a and words[a - 1] in _IMAGING:
                        continue   # "CT CAP": the chest, abdomen and pelvis scanned, not pneumonia
                    if b - a == 1 and _NOT_CONDITION_BEFORE.get(words[a], frozenset()) & set(words[b:b + _KIND_REACH]):
                        continue   # "frozen section", "intraop frozen/perm path": a pathology method, no cold injury
                    if b - a == 1 and words[a] == _FROZEN and not (_BODY_AFTER_FROZEN & set(words[b:b + 2])):
                        continue   # "frozen fries", "frozen section": a cold injury is frozen skin or limbs, said so
                    if b - a == 1 and a and words[a - 1] in _NOT_CONDITION_AFTER.get(words[a], ()):
                        continue   # "allergic rhinitis due to dust mites": an allergen, no infestation
                    if names_sign(words, a, b):
                        continue   # "+ anterior fat pad sign", "preeclampsia warning signs": a sign, no condition
                    for a_, b_, c_ in spans:
                        ta, tb = keep[a_], keep[b_ - 1] + 1
                        out.append(Mention(s.tokens[ta].start, s.tokens[tb - 1].end, si, ta, tb, c_,
                                           self.name, words=tuple(words[a_:b_])))
        return out

    def _match(self, text: str, s: Sentence, keep: list[int], words: list[str]):
        """The lexicon's terms in ``words``, none across a colon ("Secondary: - Hypertensive heart and
        CKD" is a label, then the condition: no secondary hypertension), nor across a comma into a
        longer term the list's next item begins ("fever, sore throat": no "fever sore", B00.1)."""
        lo = 0
        for k in range(1, len(keep) + 1):
            if k < len(keep) and text.find(":", s.tokens[keep[k - 1]].end, s.tokens[keep[k]].start) < 0:
                continue
            yield from self._segment(text, s, keep, words, lo, k)
            lo = k

    def _segment(self, text: str, s: Sentence, keep: list[int], words: list[str], lo: int, hi: int):
        for a, b, entries in self.lexicon.match(words[lo:hi], skip=_JUMPED):
            a, b = lo + a, lo + b
            cut = next((j for j in range(a + 1, b)
                        if text.find(",", s.tokens[keep[j - 1]].end, s.tokens[keep[j]].start) >= 0
                        and any(x == 0 and y > b - j for x, y, _ in
                                self.lexicon.match(words[j:min(hi, j + _TERM_REACH)], skip=_JUMPED))),
                       None)
            if cut is None:
                yield a, b, entries
                continue
            yield from self._segment(text, s, keep, words, a, cut)
            yield from self._segment(text, s, keep, words, cut, hi)
            return

    def _inner(self, words: list[str], a: int, b: int, cands: list[Candidate]) -> list[tuple[int, int, list[Candidate]]]:
        """Terms inside words[a:b] whose codes are in a category the outer codes' "use additional
        code" notes name (N18 for E11.22's "N18.1-N18.6": an unstaged CKD is N18.9)."""
        wanted = {r[:3] for c in cands for r in self.additional(c.code)}
        if not wanted:
            return []
        found: dict[tuple[int, int], list[Candidate]] = {}
        for lo, hi in ((a + 1, b), (a, b - 1)):
            for x, y, entries in self.lexicon.match(words[lo:hi], skip=_JUMPED):
                inner = [c for c in _candidates(entries, self.systems) if c.code[:3] in wanted]
                if inner:
                    found.setdefault((lo + x, lo + y), inner)
        return [(x, y, c) for (x, y), c in sorted(found.items())]


_ASIDE_WORDS = 2   # words a parenthesis inside a phrase may hold to be an aside


def _asides(text: str, s: Sentence, keep: list[int]) -> set[int]:
    """Positions in ``keep`` of the words of each parenthesis that stands inside a phrase with a
    word or two and nothing else ("gallstone (biliary) pancreatitis"): a word right before its
    opening and right after its closing, spaces only between."""
    out: set[int] = set()
    for k in range(1, len(keep) - 1):
        before = text[s.tokens[keep[k - 1]].end:s.tokens[keep[k]].start]
        if before.strip() != "(":
            continue
        for n in range(1, _ASIDE_WORDS + 1):
            if k + n >= len(keep):
                break
            between = text[s.tokens[keep[k + n - 1]].end:s.tokens[keep[k + n]].start]
            if between.strip() == ")":
                inner = [text[s.tokens[keep[k + x - 1]].end:s.tokens[keep[k + x]].start] for x in range(1, n)]
                if all(not g.strip() for g in inner):
                    out.update(range(k, k + n))
                break
            if between.strip():
                break
    return out


# "induced" joined to the agent that induced it ("cocaine-induced", "steroid-induced"): never the
# first word of an index term ("Psychosis, induced" is shared psychosis, F24)
_AGENT_PARTICIPLES = frozenset(("induced",))


def _hyphen_joined(text: str, tokens: Sequence[Token], i: int) -> bool:
    """Whether token i is the second half of a hyphenated compound ("cocaine-induced")."""
    start = tokens[i].start
    return i > 0 and start >= 2 and text[start - 1] == "-" and tokens[i - 1].end == start - 1


# a one-word term that names no condition before these words
_NOT_CONDITION_BEFORE = {"frozen": frozenset("section sections perm permanent path pathology specimen".split()),
                         # a tumour's immune checkpoint marker ("PD-L1 5%"), no Parkinson's disease
                         "pd": frozenset(("l1", "1"))}
_FROZEN = "frozen"
_BODY_AFTER_FROZEN = frozenset("finger fingers toe toes foot feet hand hands ear ears nose skin face cheek "
                               "cheeks limb limbs".split())
_KIND_REACH = 3   # words to the noun a kind word qualifies ("frozen/perm path")
# ... and after these
_NOT_CONDITION_AFTER = {"mite": frozenset(("dust", "house")), "mites": frozenset(("dust", "house")),
                        # an MRI's bone marrow edema is the injury's picture, no edema of the body (R60.9)
                        "edema": frozenset(("marrow",)),
                        # an ECG's segment or a depressed drive to breathe, no depressive disorder
                        "depression": frozenset("st segment pr respiratory ventilatory cns marrow".split()),
                        "depressions": frozenset("st segment pr".split())}
# a term a word or two before "sign(s)" names the sign ("fat pad sign", "preeclampsia warning signs"),
# not the condition; a withdrawal's signs are the withdrawal
_SIGNS = frozenset(("sign", "signs"))
_SIGN_KEPT = frozenset(("withdrawal",))
_SIGN_STOPS = frozenset("no of without any and or with for the a other these neg negative".split())


def names_sign(words: list[str], a: int, b: int) -> bool:
    """Whether the term at words[a:b] is the name of a sign said after it."""
    after = words[b:b + 2]
    return bool(after) and (after[0] in _SIGNS or after[-1] in _SIGNS and after[0] not in _SIGN_STOPS) and \
        not _SIGN_KEPT & set(words[a:b])   # (a word between: "fat pad sign"; "URI; no signs of rejection")


_TERM_REACH = 12   # words a term after a comma is looked for in (longer than any lexicon term the list begins)

# Abbreviations that are also English words or units: a condition only when written in capitals
# (PAD, AIDS, CAP, MS; an elbow's "arc 25-120 deg" is its motion, no AIDS-related complex; a
# "pin-lock prosthesis" no prostatic intraepithelial neoplasia).
CASED_ABBREVIATIONS = frozenset(("pad", "aids", "cap", "ms", "ha", "age", "trap", "cts", "all", "arc", "pin"))
_NUMBER_AFTER = re.compile(r"\s*[:=]?\s*\d")
# cased abbreviations that are everyday words a sentence written in capitals has too ("ALL": acute
# lymphoblastic leukemia, or "ALL OTHER SYSTEMS NEGATIVE")
_COMMON_WORDS = frozenset(("all",))
_SHOUTED_WORDS = 3   # long words (4+ letters) in capitals that make a sentence one written in capitals


def _shouted(text: str, s: Sentence) -> bool:
    """Whether most of the sentence's long words are in capitals."""
    long = [t for t in s.tokens if len(t.norm) >= 4 and text[t.start:t.end].isalpha()]
    upper = sum(text[t.start:t.end].isupper() for t in long)
    return upper >= _SHOUTED_WORDS and 2 * upper > len(long)
# Abbreviations that name the regions a scan covers after its modality ("CT CAP": chest, abdomen
# and pelvis; "PET/CT CAP").
_SCANNED_REGIONS = frozenset(("cap",))
_IMAGING = frozenset(("ct", "cta", "pet", "mri", "mr", "scan", "imaging", "restaging", "staging"))


def _candidates(entries: list[LexEntry], systems: frozenset[CodeSystem]) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for e in entries:
        if e.system not in systems:
            continue
        c = best.get(e.code)
        if c is None or e.quality > c.score or (e.quality == c.score and e.exact and not c.exact):
            best[e.code] = Candidate(e.code, e.system, e.quality, e.source, e.exact)
    return sorted(best.values(), key=lambda c: (-c.score, len(c.code), c.code))
