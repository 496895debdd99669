"""Tokens and sentences with character offsets into ``Document.text``.

Everything downstream (sections, ConText, the lexicon) works on the same normalised tokens, so a
term written "Heart-failure," in a note and "heart failure" in a code description meet.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from server.budget import checkpoint

# "non-cardiac" is one word, as the index writes most of them ("nondisplaced", "nonalcoholic"):
# read as "noncardiac" on both sides of every match
# "non-" and the "e-" of "e-cigarette" stay on their word ("e-cigarettes" are no cigarettes)
# "d/o" is one word, a disorder ("schizoaffective d/o"); "w/o", without; "d/t" and "2/2", due to; "w/d", withdrawal
# (a letter with a diacritic is its word's: "Ménière's disease", "Sjögren", folded to plain letters)
_TOKEN_RE = re.compile(r"(?:[DdWw]/[Oo]|[Dd]/[Tt]|[Ww]/[Dd])(?![A-Za-z0-9/])|"
                       # "hypothyroidism 2/2 amiodarone": secondary to (never a culture's "2/2 bottles")
                       r"(?<=[A-Za-z] )(?<![Cc]ultures )(?<![Cc]ulture )(?<![Cc]x )(?<![Bb]ottles )(?<![Ss]ets )"
                       r"2/2(?= [A-Za-z])|"
                       r"(?:[Nn][Oo][Nn]-(?=[A-Za-z])|[Ee]-(?=[Cc][Ii][Gg]))?"
                       r"[A-Za-z0-9\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]+(?:'s)?|[<>+]")
# A sentence may end at . ! ? followed by space, or at a line break. Abbreviations are checked after.
# A boundary starts at a run's first mark only: tried from each mark of "....." (no space after)
# the run was read to its end again and again, the square of its length.
_BOUNDARY_RE = re.compile(r"(?<![.!?])[.!?]+[\"')\]]*+(?=\s)|\n")
_NO_SPLIT_BEFORE = frozenset(
    "dr mr mrs ms prof st no vs e g i eg ie approx fig ca dx hx pt pts resp temp".split())
_NO_STEM = frozenset("sepsis diabetes mellitus herpes status abscess bronchus pubis tuberculosis "
                     "fungus virus uterus stenosis thrombosis sclerosis fibrosis psoriasis arthritis "
                     "nephritis hepatitis meningitis analysis syphilis lupus pancreas ascites biceps "
                     "triceps series species mumps measles rickets as is was has this its less "
                     "tuberosis calculus plus humerus radius femoris ductus anus pelvis".split())




def _load_token_synonyms() -> dict[str, str]:
    """Spelling variants and adjective forms folded to one word on both sides of every match
    ("femoral" -> "femur", "haemorrhage" -> "hemorrhage"); from ``data/abbreviations.json``."""
    raw = resources.files("server.pipeline").joinpath("data/abbreviations.json").read_text("utf-8")
    table = json.loads(raw).get("token_synonyms", {})
    if not all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in table.items()):
        raise ValueError("abbreviations.json: token_synonyms must map words to words")
    return {k.lower(): v.lower() for k, v in table.items()}


_SYNONYMS = _load_token_synonyms()


@dataclass(frozen=True, slots=True)
class Token:
    norm: str
    start: int
    end: int


@lru_cache(maxsize=1 << 18)
def normalize_word(word: str) -> str:
    """Lower-case and fold simple English plurals: "fractures" -> "fracture", "ribs" -> "rib"."""
    w = word.lower()
    if not w.isascii():
        w = "".join(c for c in unicodedata.normalize("NFKD", w) if not unicodedata.combining(c))
    if w.startswith("non-"):
        w = "non" + w[4:]
    if w.endswith("'s"):
        w = w[:-2]
    syn = _SYNONYMS.get(w)
    if syn is not None:
        return syn
    if len(w) > 4 and w not in _NO_STEM and not w.endswith(("ss", "us", "is", "ous")):
        if w.endswith("ies"):
            w = w[:-3] + "y"
        elif w.endswith("oses") and len(w) > 6:
            w = w[:-4] + "osis"   # Greek plurals: "keratoses", "stenoses", "exostoses"
        elif w.endswith("s"):
            w = w[:-1]
    return _SYNONYMS.get(w, w)


# a spinal level range with its letter said once ("C5-6", "L4-5"), the Tabular's "C5-C6"
_LEVEL_RANGE = re.compile(r"\b([CcTtLl])(\d{1,2})-(\d{1,2})\b")


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """Word tokens of ``text[start:end]`` with offsets into ``text``."""
    end = len(text) if end is None else end
    norm = normalize_word
    tokens = [Token(norm(m.group()), m.start(), m.end()) for m in _TOKEN_RE.finditer(text, start, end)]
    if _LEVEL_RANGE.search(text, start, end) is None:
        return tokens
    # "C5-6 HNP" names the C5-C6 level: the second number takes the first one's letter
    ranged = {m.start(3): m.group(1).lower() + m.group(3) for m in _LEVEL_RANGE.finditer(text, start, end)}
    return [Token(ranged[t.start], t.start, t.end) if t.start in ranged else t for t in tokens]


_YEAR_WORD = re.compile(r"(?:19|20)\d\d")


def is_year(word: str) -> bool:
    """Whether a normalised word is a calendar year ("2018" in "MI in 2018", "MI 2020, PPM in place")."""
    return _YEAR_WORD.fullmatch(word) is not None


def said_undenied(pattern: re.Pattern, text: str, denial: re.Pattern, reach: int = 30) -> bool:
    """Whether ``text`` says ``pattern`` somewhere that ``denial`` does not deny in the ``reach``
    characters before it ("Denies self-harm intent", "has no problems affording supplies")."""
    return any(not denial.search(text, max(0, m.start() - reach), m.start()) for m in pattern.finditer(text))


def normalize_phrase(phrase: str) -> tuple[str, ...]:
    """The token sequence a phrase matches on: "Heart failure, unspecified" -> ("heart", "failure", "unspecified")."""
    return tuple([normalize_word(w) for w in _TOKEN_RE.findall(phrase)])


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text[start:end]``, stripped of surrounding whitespace.

    Splits at line breaks and at . ! ? followed by white space, but not after abbreviations:
    "Seen by Dr. Smith. Metformin 500 mg b.i.d. was started." is two sentences, not four.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cur = start
    for m in _BOUNDARY_RE.finditer(text, start, end):
        checkpoint()
        if m.group() != "\n" and not _ends_sentence(text, m.start(), cur):
            continue
        _push(text, cur, m.end(), spans)
        cur = m.end()
    _push(text, cur, end, spans)
    return spans


_OPENERS = frozenset(("h/o", "s/p", "c/o", "r/o", "hx "))


def _ends_sentence(text: str, dot: int, floor: int) -> bool:
    j = dot
    while j > floor and (text[j - 1].isalnum() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].replace(".", "").lower()
    if not word:
        return True
    if word in _NO_SPLIT_BEFORE or (len(word) == 1 and word.isalpha() and not (j > floor and text[j - 1] == "/")
                                    and not _lettered_name(text, j, dot)):
        return False   # (an initial: "Dr. J. Smith"; a slash abbreviation's last letter ends one: "DVT r/o.")
    if "." in text[j:dot] and not word.isdigit():  # b.i.d, e.g, a.m; a decimal ("bilirubin 0.8.") ends one
        return False
    nxt = dot + 1
    while nxt < len(text) and text[nxt] in " \t\"')]":
        nxt += 1
    # "2.5 mg" never reaches here; "… 3 cm. mass" (lower case next) is still one sentence, but a
    # dictation's lower-case "h/o", "s/p" opens one ("BPH on tamsulosin. h/o gout 2017, none since")
    return nxt >= len(text) or not text[nxt].islower() or text[nxt:nxt + 3].lower() in _OPENERS


def _lettered_name(text: str, j: int, dot: int) -> bool:
    """Whether the capital letter before ``dot`` ends a name that a letter completes and the
    next sentence begins after it ("chronic hepatitis C. Her brother ...", "vitamin D. Will
    recheck"): a lower-case word of four letters or more before it, a capital after. An initial
    follows a capitalised name or a short word ("Dr. J. Smith", "by J. Smith", "to E. coli")."""
    if not text[j].isupper():
        return False
    prev = _PREVIOUS_WORD.search(text, max(0, j - 40), j)
    nxt = dot + 1
    while nxt < len(text) and text[nxt] in " \t":
        nxt += 1
    return prev is not None and nxt < len(text) and text[nxt].isupper()


_PREVIOUS_WORD = re.compile(r"(?<![A-Za-z])[a-z]{4,} $")


def _push(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append((a, b))
