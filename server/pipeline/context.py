"""ConText: is a mentioned condition present, absent, possible, historical, a relative's, or
hypothetical? (Chapman et al., J Biomed Inform 2011; trigger lexicon in ``data/context_rules.json``.)

A trigger's scope runs forward and/or backward from it within the sentence, up to ``max_scope``
tokens, and stops at a terminator ("but", "however"), at a trigger of another category, or at a
semicolon: in "no evidence of CHF but there is pneumonia", "but" ends the negation, so pneumonia
is present.
"""
from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from server.domain import Assertion
from server.errors import InvalidInput
from server.pipeline.text import normalize_phrase
from server.pipeline.trie import TokenTrie

CATEGORIES = {
    "NEGATED_EXISTENCE": Assertion.ABSENT,
    "POSSIBLE_EXISTENCE": Assertion.POSSIBLE,
    "HISTORICAL": Assertion.HISTORICAL,
    "FAMILY": Assertion.FAMILY,
    # a spouse or partner: the condition is no patient's and no blood relative's (no Z80-Z84 code)
    "OTHER_EXPERIENCER": Assertion.HYPOTHETICAL,
    "HYPOTHETICAL": Assertion.HYPOTHETICAL,
    "TERMINATE": None,
    "PSEUDO": None,
}
_PERSONS = frozenset(("FAMILY", "OTHER_EXPERIENCER"))
DIRECTIONS = ("FORWARD", "BACKWARD", "BIDIRECTIONAL", "NONE")
# When two triggers reach one mention, the stronger wins: "no family history of diabetes" is absent.
# Tokens between a relative and the verb of which the relative is the subject ("father, who").
_SUBJECT_GAP = 1
_APPOSITION = 8   # words back a relative named again in a parenthesis may begin ("first degree relative")
# A relative who brings, reports or is told is no experiencer: "brought by mother for 2 days of
# fever", "mother reports cough x3 days", "counseled father on a smoke-free car" are the patient's.
_RELATIVE_AS_OBJECT = frozenset("by per with w from counseled counselled told educated informed reassured "
                                "instructed advised asked called updated accompanied".split())
# ("accompanied by her daughter", "here w/ his wife": the companion, not the condition's experiencer)
_POSSESSIVES = frozenset("her his their its the".split())
_RELATIVE_CLAUSE = frozenset(("who", "whose"))
# (the words as normalised: "reports" -> "report")
_RELATIVE_REPORTS = frozenset("report reported state stated says said note noted noticed endorse endorses describe "
                              "described brought bring concerned worried observed witnessed found find give gave "
                              "feel think believe request requested called present".split())
# A cause this short right before a negation that follows it ("pharyngitis due to strep ruled out"):
# the negation reaches back past "due to" to the condition ("chest pain due to GERD, MI ruled out"
# does not: the comma ends it).
_CAUSE_LINKS = frozenset(("due to", "secondary to"))
_RULED_OUT_CAUSE = 3
_PRECEDENCE = (Assertion.ABSENT, Assertion.HYPOTHETICAL, Assertion.FAMILY, Assertion.POSSIBLE,
               Assertion.HISTORICAL)


@dataclass(frozen=True)
class ContextRule:
    literal: str
    category: str
    direction: str
    max_scope: int
    clause: bool = False   # the scope stops at a comma ("chest pain, unlikely PE": the PE only)
    lead: bool = False     # a backward rule that opens its sentence reads forward ("Neg CP, rash")


@dataclass(frozen=True)
class Trigger:
    rule: ContextRule
    start: int  # token index
    end: int


class Triggers(list):
    """A sentence's triggers in token order, with their starts for a bisect: a mention reads only
    the triggers whose scope can reach it, so a long run-on sentence full of triggers ("no X, no
    Y, ...") costs the number of its mentions, not that times the number of its triggers."""

    def __init__(self, triggers: Sequence[Trigger], words: Sequence[str] = ()):
        super().__init__(sorted(triggers, key=lambda t: t.start))
        self.words = words   # the sentence's, where known
        self.starts = [t.start for t in self]
        self.reach = max((t.rule.max_scope + t.end - t.start for t in self), default=0)

    def between(self, lo: int, hi: int) -> list[Trigger]:
        """The triggers that start within token indices [lo, hi]."""
        return self[bisect.bisect_left(self.starts, lo):bisect.bisect_right(self.starts, hi)]


class ContextRules:
    """Validated trigger rules, compiled into one token trie."""

    def __init__(self, rules: list[ContextRule]):
        self.rules = rules
        self._trie: TokenTrie[ContextRule] = TokenTrie()
        for r in rules:
            self._trie.add(normalize_phrase(r.literal), r)

    @classmethod
    def from_json(cls, data: dict) -> "ContextRules":
        """Build from the layout of ``data/context_rules.json``; fails loudly on a bad rule."""
        if data.get("version") != 1 or not isinstance(data.get("rules"), list):
            raise InvalidInput("context rules: expected version 1 with a 'rules' list")
        default = int(data.get("default_max_scope", 12))
        rules = []
        for i, r in enumerate(data["rules"]):
            cat, direction = r.get("category"), r.get("direction")
            if cat not in CATEGORIES or direction not in DIRECTIONS or not r.get("literal"):
                raise InvalidInput(f"context rules: rule {i} has a bad category, direction or literal")
            scope = r.get("max_scope")
            rules.append(ContextRule(str(r["literal"]).lower(), cat, direction,
                                     default if scope is None else int(scope), bool(r.get("clause", False)),
                                     bool(r.get("lead", False))))
        return cls(rules)

    @classmethod
    def load(cls, path: Path | None = None) -> "ContextRules":
        """The packaged rules, or the JSON file at ``path``."""
        if path is None:
            raw = resources.files("server.pipeline").joinpath("data/context_rules.json").read_text("utf-8")
        else:
            raw = Path(path).read_text("utf-8")
        return cls.from_json(json.loads(raw))

    def to_json(self) -> dict:
        """The rules in the layout ``from_json`` reads (round-trips)."""
        return {"version": 1, "rules": [
            {"literal": r.literal, "category": r.category, "direction": r.direction,
             "max_scope": r.max_scope, **({"clause": True} if r.clause else {}),
             **({"lead": True} if r.lead else {})} for r in self.rules]}

    def triggers(self, words: Sequence[str], opens: "frozenset[int] | set[int]" = frozenset()) -> list[Trigger]:
        """Triggers in one sentence's normalised words (pseudo-triggers included, so that
        "gram negative" is not read as a negation). ``opens``: the words that open a clause of a
        list (after a comma, a semicolon or a label's colon), where a leading rule reads forward
        as at the sentence's start ("GI: neg N/V, neg melena")."""
        # (a leading rule reads forward only where its clause goes on after it: "SIADH - ruled out
        # (see below)" rules out what the dash follows)
        return Triggers([Trigger(_trailing(_leading(payloads[0], 0 if s in opens and e < len(words) and e not in opens
                                                    else s), s, e, len(words)), s, e)
                         for s, e, payloads in self._trie.find(words)
                         if not (payloads[0].category in _PERSONS and _relative_not_experiencer(words, s, e))
                         and not (payloads[0].category == "HISTORICAL" and _dates_diagnosis(words, s, e))],
                        words)


_DIAGNOSED = frozenset("diagnosed dx found detected discovered".split())
_ABOUT = frozenset("about approximately approx around ~".split())


def _dates_diagnosis(words: Sequence[str], start: int, end: int) -> bool:
    """Whether an "N months ago" at [start, end) dates when a condition was diagnosed, not that
    it is past ("adenocarcinoma LUL lung dx'd 3 mo ago, currently undergoing systemic treatment"),
    within the year."""
    if words[end - 1] != "ago" or words[start].startswith(("y", "decade")):
        return False   # (years back, a cancer "diagnosed 10 years ago, s/p mastectomy" may be its history)
    k = start - 2                       # the word before the number before the unit
    while k > 0 and words[k] in _ABOUT:
        k -= 1
    if k > 0 and words[k] == "d":       # "dx'd" is "dx", "d"
        k -= 1
    return 0 <= k and words[k] in _DIAGNOSED


def _trailing(rule: ContextRule, start: int, end: int, n: int) -> ContextRule:
    """A forward negation or rule-out that ends its sentence has nothing after it: it answers for
    what came before it in its clause ("Anxiety - no."; "Migraine - denies."; "DVT r/o.")."""
    if not start or end < n or rule.category not in _TRAILS or rule.direction != "FORWARD" or \
            (rule.category == "HYPOTHETICAL" and rule.clause):
        return rule   # (a clause-bound one reads its own clause: "albuterol PRN." is the albuterol's)
    return _BACKWARD.setdefault(rule, ContextRule(rule.literal, rule.category, "BACKWARD", _TRAILING_SCOPE, True))


_BACKWARD: dict[ContextRule, ContextRule] = {}
_TRAILS = frozenset(("NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "HYPOTHETICAL"))   # ("DVT r/o."; "Prostate
# cancer needs to be r/o."; "reviewed RD and endophthalmitis warning signs.")
_TRAILING_SCOPE = 3


def _leading(rule: ContextRule, start: int) -> ContextRule:
    """A backward rule marked ``lead`` that opens its sentence has nothing behind it: it reads the
    list after it ("Neg CP, palpitations, N/V/D, dysuria, rash."; "Return precautions: lethargy,
    poor feeding, fever"), with the default forward reach."""
    if start or not rule.lead or rule.direction not in ("BACKWARD", "BIDIRECTIONAL"):
        return rule
    return _FORWARD.setdefault(rule, ContextRule(rule.literal, rule.category, "FORWARD", _LEADING_SCOPE))


_FORWARD: dict[ContextRule, ContextRule] = {}
_LEADING_SCOPE = 12


def _relative_not_experiencer(words: Sequence[str], start: int, end: int) -> bool:
    """Whether the relative at [start, end) brings, reports or is told rather than has a
    condition ("by mother", "mother reports", "counseled father")."""
    if end + 1 < len(words) and words[end] in _RELATIVE_CLAUSE and words[end + 1] not in _RELATIVE_REPORTS:
        return False   # "seen with her mother, who has diabetes": the relative's
    before = start - 1 if start > 1 and words[start - 1] in _POSSESSIVES else start
    return (before > 0 and words[before - 1] in _RELATIVE_AS_OBJECT) or (
        end < len(words) and words[end] in _RELATIVE_REPORTS)


def assert_span(triggers: list[Trigger], start: int, end: int, gaps: Sequence[bool] = (),
                commas: Sequence[bool] = ()) -> Assertion:
    """The assertion of the mention at token indices [start, end) of a sentence.

    ``gaps[i]`` is True where a semicolon lies just before token i; scopes stop there. ``commas[i]``
    likewise for a comma: the scopes of clause rules stop there.
    """
    found: set[Assertion] = set()
    near = triggers
    if isinstance(triggers, Triggers):   # only those whose scope can reach [start, end)
        near = triggers.between(start - triggers.reach, end + triggers.reach)
    for t in near:
        a = CATEGORIES[t.rule.category]
        if a is None or (t.start < end and start < t.end):
            continue
        r = t.rule
        if t.end <= start and r.direction in ("FORWARD", "BIDIRECTIONAL"):
            if start - t.end <= r.max_scope and _open(triggers, t, t.end, start, _stops(r, gaps, commas), commas):
                found.add(a)
        elif t.start >= end and r.direction in ("BACKWARD", "BIDIRECTIONAL"):
            # ("atypical chest pain, ACS ruled out": what is ruled out is the item before it, never
            # the diagnosis the comma closes)
            stops = _stops(r, gaps, commas) if r.literal not in _RULED_OUT_BACK or not commas else \
                _merged(gaps, commas)
            words = getattr(triggers, "words", ())
            if r.literal in _RESULT_NEGATIONS and t.start - 1 >= end and t.start - 1 < len(words) and \
                    words[t.start - 1] in _TEST_WORDS and any(commas[end:t.start]):
                continue   # "chronic hepatitis B, HBeAg neg": the test of another item is what is negative
            if t.start - end <= r.max_scope and _open(triggers, t, end, t.start, stops, commas):
                found.add(a)
    for a in _PRECEDENCE:
        if a in found:
            return a
    return Assertion.PRESENT


# a result's negation reads back no further than the test it follows
_RESULT_NEGATIONS = frozenset(("neg", "negative", "nonreactive", "non reactive", "not detected", "undetectable"))
_TEST_WORDS = frozenset("ag ab antigen antigens antibody antibodies pcr culture cultures cx test tests testing screen "
                        "titer titers serology igm igg swab ua rpr dna rna load hbeag hbsag hbcab hcv hiv".split())
_RULED_OUT_BACK = frozenset(("ruled out", "was ruled out", "were ruled out", "is ruled out", "has been ruled out",
                             "been ruled out"))


def _stops(rule: ContextRule, gaps: Sequence[bool], commas: Sequence[bool]) -> Sequence[bool]:
    """Where ``rule``'s scope stops: semicolons, and commas too for a clause rule."""
    if not rule.clause or not commas:
        return gaps
    return _merged(gaps, commas)


def _merged(gaps: Sequence[bool], commas: Sequence[bool]) -> Sequence[bool]:
    """Semicolons and commas together, built once per sentence: a run-on note's one sentence is
    asked for it by every mention (the last one built is kept with the very lists it was built
    from, so it is never another sentence's)."""
    if not gaps:
        return commas
    hit = _LAST_MERGED[0]
    if hit is not None and hit[0] is gaps and hit[1] is commas:
        return hit[2]
    out = [g or c for g, c in zip(gaps, commas)]
    _LAST_MERGED[0] = (gaps, commas, out)   # (one tuple stored at once: a thread reads a whole one)
    return out


_LAST_MERGED: list = [None]


def _open(triggers: list[Trigger], own: Trigger, a: int, b: int, gaps: Sequence[bool],
          commas: Sequence[bool] = ()) -> bool:
    """True when nothing between token a and token b ends ``own``'s scope."""
    for t in (triggers.between(a, b) if isinstance(triggers, Triggers) else triggers):
        if t is own or t.start < a or t.end > b:
            continue
        if own.rule.category in _PERSONS and t.rule.category == "TERMINATE" and a == own.end \
                and t.start - own.end <= _SUBJECT_GAP:
            continue   # the relative is the clause's subject: "mother diagnosed with", "brother who had"
        if own.rule.category == "NEGATED_EXISTENCE" and b == own.start and t.rule.literal in _CAUSE_LINKS \
                and own.start - t.end <= _RULED_OUT_CAUSE and not any(commas[t.end:own.start + 1]):
            continue   # "pharyngitis due to strep ruled out": the strep pharyngitis is what is ruled out
        if own.rule.category == "NEGATED_EXISTENCE" and (
                (t.rule.category == "HISTORICAL" and (t.start - own.end <= 1 or t.start and getattr(
                    triggers, "words", ())[t.start - 1:t.start] in (["or"], ["nor"]))) or
                (t.rule.literal == "now" and t.end < len(commas) and commas[t.end])):
            continue   # "without prior stroke", "denies previous MI", "no seizures or hx of DTs": the past is
            # what is denied; "denies melena now, CP, syncope": the "now" ends one item of the denied list
        if own.rule.category == "NEGATED_EXISTENCE" and b == own.start and t.rule.category == "POSSIBLE_EXISTENCE" \
                and t.rule.direction == "BACKWARD":
            continue   # "pyelonephritis considered on admission but ruled out": what was suspected is ruled out
        if own.rule.category == "NEGATED_EXISTENCE" and t.rule.category == "FAMILY" and t.start and \
                getattr(triggers, "words", ())[t.start - 1:t.start] in (["or"], ["nor"]):
            continue   # "No hx syncope, chest pain w/ exertion, or family hx of sudden cardiac death": the
            # family history is one more item denied
        if t.rule.category == "TERMINATE" or (
                t.rule.category not in ("PSEUDO", own.rule.category)):
            return False
    if gaps:
        # (a dash or parenthesis right before a trigger that reads back is the list's status mark:
        # "Iron deficiency anemia - resolved", "CAD (ruled out)")
        words = getattr(triggers, "words", ())
        end = own.end + (1 if own.end < len(words) and words[own.end].endswith("ly") else 0)
        ends_item = end >= len(gaps) - 1 or gaps[end] or (end < len(commas) and commas[end])
        # (an adverb of the status goes with it: "Pneumonia, LLL - resolved radiographically, ...")
        last = b - 1 if own.start == b and own.rule.direction in ("BACKWARD", "BIDIRECTIONAL") and ends_item else b
        for i in range(a, min(last, len(gaps) - 1) + 1):
            if gaps[i] and not (i == own.end and own.rule.category == "FAMILY" and gaps[own.start] and
                                any(t.rule.category == "FAMILY" and t.end == own.start
                                    for t in (triggers.between(own.start - _APPOSITION, own.start)
                                              if isinstance(triggers, Triggers) else triggers))):
                # (a relative in a parenthesis that names the relative before it: "First-degree
                # relative (father) with colon cancer")
                return False
    return True


def listed_in_parenthesis(triggers, s, text: str, start: int, tok_start: int) -> Assertion | None:
    """The assertion a parenthesis's list takes from the denial or the warning right before it:
    "NO NSAIDs (ibuprofen, naproxen, aspirin)", "reviewed warning symptoms (exertional chest pain,
    dyspnea, syncope)" (a plural class word or the trigger itself opens it; "denies chest pain (has
    GERD)" is an aside); an allergy's reaction is its history ("ACEi allergy (angioedema)").
    ``s``: the sentence; ``start`` / ``tok_start``: the mention's first character and token. None
    where the mention is in no such parenthesis."""
    opened = text.rfind("(", s.start, start)
    if opened < 0 or text.find(")", opened, start) >= 0:
        return None
    k = bisect.bisect_left(s.token_starts, opened)   # the parenthesis's first word
    if k == 0 or k > tok_start:
        return None
    if s.words[k - 1] in _REACTION_OF:
        return Assertion.HISTORICAL   # "ACEi allergy (angioedema)": the reaction the allergy is known by
    if s.words[k - 1] in _TESTED_NEGATIVE:
        return Assertion.ABSENT   # "Resp viral PCR: negative (incl. influenza, RSV, SARS-CoV-2)": what it tested for
    for t in triggers:
        a = CATEGORIES.get(t.rule.category)
        if t.end == k and t.rule.direction in ("FORWARD", "BIDIRECTIONAL") and a in _LIST_TAKES:
            return a
    at = k - 1 if k > 1 and s.words[k - 1] in _SAID_VERBS else k   # ("Return precautions reviewed (vomiting, HA)")
    before = text[s.tokens[at - 1].start:s.tokens[at - 1].end]   # (as written: the words are singular)
    if len(before) > 3 and before[-1] in "sS":
        a = assert_span(triggers, at - 1, at, s.gaps, s.commas)
        if a in _LIST_TAKES:
            return a
    if at != k:
        for t in triggers:
            if t.end == at and CATEGORIES.get(t.rule.category) in _LIST_TAKES:
                return CATEGORIES[t.rule.category]
    return None


_LIST_TAKES = (Assertion.ABSENT, Assertion.HYPOTHETICAL)
_SAID_VERBS = frozenset("reviewed discussed given provided explained".split())
_REACTION_OF = frozenset(("allergy", "allergic", "intolerance", "intolerant", "reaction"))
_TESTED_NEGATIVE = frozenset(("negative", "neg"))


# the relative a parenthesis right after a condition names as its bearer
RELATIVE_AFTER = re.compile(r"[ \t]*\((?:in[ \t]+)?(?:(?:her|his|the|pt's|patient's)[ \t]+)?"
                            r"(?:(?:maternal|paternal)[ \t]+)?(?:mother|father|mom|dad|sister|brother|aunt|uncle|"
                            r"grandmother|grandfather|cousin|son|daughter|sibling|siblings|parents?|niece|nephew)\b"
                            r"[^()\n]{0,30}\)", re.I)


def list_opens(s, text: str) -> frozenset[int]:
    """The words that open a list's clause: after a comma, a semicolon, or a label's colon
    ("ROS: GI: neg N/V, neg constipation, neg melena. CV: neg CP")."""
    return frozenset(i for i in range(1, len(s.tokens)) if (i < len(s.commas) and s.commas[i]) or
                     (i < len(s.gaps) and s.gaps[i]) or ":" in text[s.tokens[i - 1].end:s.tokens[i].start])
