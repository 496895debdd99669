"""From a mention's candidate codes to the most specific billable code the words support.

"right femoral neck fracture" names S72.00 (fracture of neck of femur, not billable); the words
around it ("right") pick S72.001 and the 7th character (A, initial encounter, placeholder X where
the code is short) makes it billable: S72.001A. What the text does not say is left unspecified
and reported (``defaults``) so that a CDI query can ask for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from server.domain import CodeSystem, RuleNote
from server.pipeline.entities import Candidate
from server.pipeline.index_tree import expansions
from server.pipeline.lexicon import _PAREN_RE
from server.pipeline.text import normalize_phrase

# Words that do not distinguish one code from its sibling for this purpose.
# "uncomplicated" marks the default code of a category ("Alcohol dependence, uncomplicated" is what
# "alcohol dependence" means), like "unspecified": never a word a note must say
_NOISE = frozenset("unspecified specified other nos nec of the a an with without and or in on to "
                   "for by as not elsewhere classified part uncomplicated side region only".split())
_MAX_DESCENDANTS = 400
# a bowel's size and the bowel's words it must stand beside to say a small or large intestine
_BOWEL_SIZES = frozenset(("small", "large"))
_BOWEL_WORDS = frozenset(("intestine", "intestinal", "bowel", "bowels", "intestines"))
# Words by which a note names an "other (specified)" code of a category it otherwise leaves unspecified.
_OTHER_WORDS = frozenset("other specified".split())
# Words of an unspecified title that a more specific code may drop ("unspecified site").
_VAGUE = frozenset("site sites control organism type part region encounter initial malignant neoplasm".split())
_UNSPEC_PART = re.compile(r"unspecified whether[^,]*|unspecified\s+(?!with\b|without\b)[\w-]+")
_DEFAULT_PART = re.compile(r"with unrestricted hearing on the contralateral side")
_ORGAN_OF = {"hearing": "ear", "otitis": "ear", "otalgia": "ear", "tinnitus": "ear"}
_ORGANISM_WORD = re.compile(r"(?:cocc\w*|bacter\w*|virus|bacill\w*|monas|ella|coli)$")
_SIDED_ORGAN = re.compile(r",\s*(?:right|left)\s+([a-z]+)$")
_UNSIDED_PART = re.compile(r"\bunspecified\s+(ear|eye|eyelid|kidney|ovary|breast|lung)\b")
# 7th character chosen from the words near the mention; A (initial, active treatment) otherwise.
_SEVENTH_WORDS = (
    (("sequela", "sequelae", "late", "residual"), "S"),
    (("nonunion",), "K"),
    (("malunion",), "P"),
    (("delayed",), "G"),
    (("subsequent", "follow", "followup", "healing", "routine", "aftercare", "healed"), "D"),
)
HEALING_AFFECTED = frozenset("impair impairs impaired delay delays delayed slow slows promote promotes affect affects "
                              "aid aids optimize support".split())
# the spine's regions as a note's words say them ("cervical" is "cervix" once normalised) and a
# cervical level ("C5-C6")
_SPINAL_REGIONS = frozenset("cervix cervicothoracic thoracic thoracolumbar lumbar lumbosacral sacral "
                            "sacrococcygeal".split())
_CERVICAL_LEVEL = re.compile(r"c[2-8]")
_DISORDER_WORDS = frozenset(("disc", "disorder", "disease"))
_NOTE_REF = re.compile(r"(.*?)\s*\(([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4})?-?)\)")
_JOINED_PREFIXES = frozenset(("intra",))   # ("extraarticular" titles are "other" residual codes)
# Gustilo-Anderson types IIIA-IIIC of an open fracture (7th characters C, F, J, N, R)
GUSTILO_III = frozenset(("iiia", "iiib", "iiic"))
GUSTILO_III_SHORT = frozenset(("iii", "3", "3a", "3b", "3c"))


# Words anywhere in a note that say which encounter of an injury it is (I.C.19.a): a follow-up
# for a healing fracture is "D" wherever the note says so; "follow up in 1 week" is not such a
# word (an initial visit says it too).
ENCOUNTER_CUES = frozenset("sequela sequelae nonunion malunion healing healed aftercare subsequent".split())


@dataclass
class MappedCode:
    code: str
    system: CodeSystem
    description: str
    score: float
    source: str
    notes: list[RuleNote] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)   # what was assumed: "laterality", "encounter"
    exact: bool = False   # the mention said this code's whole title (no refinement needed)
    # the code the mention named before the index moved it, reported too where the new code's
    # notes ask for it (COVID-19 U07.1 beside J12.82; the anemia beside O99.012)
    also: str = ""
    # a sibling subterm the note lists beside the one walked ("leiomyomas, intramural and
    # subserosal": Leiomyoma > uterus > intramural D25.1, and > subserosal D25.2): each is coded
    sibling: str = ""
    # the index entries' words an index walk went through ("diabetic neuropathy": Diabetes >
    # type 2 > with > neuropathy): a condition they name is part of the code (the "with" convention)
    walked: tuple[str, ...] = ()
    # ... and the site it read before "with" ("Crohn's ileitis with SBO": Enteritis > regional >
    # small intestine > with > ...): a condition named by that site alone is part of the code too
    site: tuple[str, ...] = ()
    more: tuple[str, ...] = ()   # further "with" codes of the same entry (E11.22 and E11.65)


class CodeMapper:
    """Picks and refines a code for a mention using the code set's hierarchy."""

    def __init__(self, icd10cm, icd10pcs=None, *, named_words: bool = False):
        """``named_words``: a mention's named code lends its title's words to the refinement (the
        us-claims profile; CodiEsp's annotators code the abbreviation's unspecified code)."""
        self.cm = icd10cm
        self.pcs = icd10pcs
        self.named_words = named_words
        self._desc_toks: dict[str, frozenset[str]] = {}
        self._denied: dict[str, frozenset[str]] = {}
        self._pools: dict[str, list[str]] = {}
        self._pool_words: dict[str, frozenset[str]] = {}

    def map(self, candidates: Sequence[Candidate], window: Sequence[str],
            near: Sequence[str] | None = None) -> MappedCode | None:
        """The best code for a mention. ``window`` holds the normalised words around it;
        ``near`` the mention's own words and its immediate neighbours, the only place a number
        (a CKD stage, a fracture type) may come from.

        "acute on chronic systolic CHF" with candidates I50.9 (CHF) refines to I50.23 when the
        window says "acute on chronic systolic"; "type 2 diabetes with chronic kidney disease"
        never reads the "2" of "type 2" as CKD stage 2.
        """
        if not candidates:
            return None
        top = candidates[0]
        if top.system is not CodeSystem.ICD10CM:
            desc = self.pcs.description(top.code) if self.pcs is not None else top.code
            return MappedCode(top.code, top.system, desc, top.score, top.source)
        ranked = sorted(candidates, key=lambda c: (-c.score, not self._billable(c.code), len(c.code)))
        if self.cm.id_of(ranked[0].code) < 0:
            return None
        # (a "use disorder" is the dependence itself: its "disorder" names no induced disorder,
        # "tobacco use disorder, cigarettes" F17.210, not F17.219)
        # (healing a note says something may impair is no healing wound: "diabetes may impair healing"
        # beside an ED's burns says no subsequent encounter)
        # (an index walk's window is its unordered word set: the word before is then any word of it; reading
        # it by position raised TypeError on a set, a run-on note's status phrase with "disorder" in it)
        if isinstance(window, (tuple, list)):
            words = frozenset(w for i, w in enumerate(window) if not (w == "disorder" and i and window[i - 1] == "use")
                              and not (w == "healing" and i and window[i - 1] in HEALING_AFFECTED))
        else:
            words = frozenset(w for w in window if not (w == "disorder" and "use" in window)
                              and not (w == "healing" and HEALING_AFFECTED & set(window)))
        # a hyphenated prefix joined as the tabular spells it ("intra-articular" -> intraarticular);
        # only a window in the note's order (an index walk passes its unordered word set)
        if isinstance(window, (tuple, list)):
            words |= {w + window[i + 1] for i, w in enumerate(window[:-1]) if w in _JOINED_PREFIXES}
        numbers = frozenset(w for w in (window if near is None else near) if _numeric(w))
        # a bowel's size is said beside the bowel ("2 small tubular adenomas" beside "diverticulosis"
        # says no small intestine: K57.30, not K57.10); an unordered walk's words are its own
        sizes = frozenset(w for i, w in enumerate(window[:-1]) if w in _BOWEL_SIZES and
                          window[i + 1] in _BOWEL_WORDS) if isinstance(window, (tuple, list)) else None
        # a category no child of which the words choose yields to the term's billable code
        # ("hypertensive CKD stage 3b": I12 has no child for "3b" alone; the term's I12.9 stays)
        for best in ranked:
            if self.cm.id_of(best.code) < 0:
                continue
            code, defaults = self._refine(self._region_elsewhere(best.code, words), words, numbers, sizes)
            if code is not None:
                break
        else:
            return None
        code = self._mentioned(code, words)
        notes: list[RuleNote] = []
        if code != best.code:
            notes.append(RuleNote("specificity", f"refined from {best.code} using the words around the mention",
                                  best.code))
        seventh = self._seventh(code, words)
        if seventh is not None:
            code, char, assumed = seventh
            notes.append(RuleNote("seventh_character", f"7th character {char}"
                                  + (" (initial encounter assumed)" if assumed else ""), ""))
            if assumed:
                defaults.append("encounter")
        if not self.cm.is_billable(code):
            return None
        return MappedCode(code, CodeSystem.ICD10CM, self.cm.description(code), best.score,
                          best.source, notes, defaults, best.exact and code == best.code)

    def _region_elsewhere(self, code: str, words: frozenset[str]) -> str:
        """The category an Excludes2 note of ``code``'s category sends a spinal region the note
        names to ("C5-C6 HNP": M51 "Excludes2: cervical and cervicothoracic disc disorders (M50.-)",
        so M50.2, not M51.2); a named region of the code's own category stays."""
        regions = self._regions_elsewhere(code[:3])
        if not regions:
            return code
        said = words | ({"cervix"} if any(_CERVICAL_LEVEL.fullmatch(w) for w in words) else frozenset())
        for lead, target in regions:
            if lead & said and not (said & _SPINAL_REGIONS) - lead:
                # the same kind there: M51.2 (displacement) -> M50.2, M51.16 (with radiculopathy) -> M50.1
                return next((target + code[3:k] for k in range(len(code), 3, -1)
                             if self.cm.id_of(target + code[3:k]) >= 0), target)
        return code

    def _regions_elsewhere(self, category: str) -> tuple[tuple[frozenset[str], str], ...]:
        """(spinal regions, the code they are sent to) by the category's Excludes2 notes, read once
        per category (the memo's concurrent fills are idempotent)."""
        memo = self.__dict__.setdefault("_regions_memo", {})
        hit = memo.get(category)
        if hit is None:
            notes = self.cm.notes(category, "excludes2") if self.cm.id_of(category) >= 0 else ()
            own = set(normalize_phrase(self.cm.description(category).lower())) if notes else set()
            found = []
            for note in notes:
                m = _NOTE_REF.fullmatch(note.strip())
                if m is None:
                    continue
                lead = frozenset(normalize_phrase(m.group(1).lower())) - own - _NOISE - _DISORDER_WORDS
                target = m.group(2).rstrip("-").rstrip(".")
                if lead and lead <= _SPINAL_REGIONS and self.cm.id_of(target) >= 0:
                    found.append((lead, target))
            hit = memo[category] = tuple(found)
        return hit

    def _mentioned(self, code: str, words: frozenset[str]) -> str:
        """A "without mention of X" code whose X the note says is its "with X" sibling ("Parkinson
        disease with motor fluctuations": G20.A2, not G20.A1)."""
        if self.cm.id_of(code) < 0:
            return code
        desc = self.cm.description(code)
        m = _WITHOUT_MENTION.search(desc)
        if m is None or not set(normalize_phrase(m.group(1))) <= words:
            return code
        want = desc[:m.start()] + "with " + m.group(1)
        parent = self.parent_of(code)
        for sib in (self.cm.children(parent) if parent else ()):
            if self.cm.description(sib) == want and self.cm.is_billable(sib):
                return sib
        return code

    def _billable(self, code: str) -> bool:
        return self.cm.id_of(code) >= 0 and bool(self.cm.is_billable(code))

    def _vague_of(self, code: str) -> frozenset[str]:
        """The words an "unspecified X" part of a title names: {"ear"} for H61.20."""
        desc = self.cm.description(code).lower()
        if "unspecified " not in desc:
            return frozenset()
        # (an organism is said, only its kind is not: "Sepsis due to unspecified staphylococcus"
        # needs a staphylococcus, never a "sepsis due to pneumonia")
        return frozenset(t for m in _UNSPEC_PART.findall(desc) for t in normalize_phrase(m)
                         if not _ORGANISM_WORD.search(t)) - {"unspecified"}

    def _denied_of(self, code: str) -> frozenset[str]:
        """The words a title's "without X" clauses deny: the note need not say them (F03.A0
        "..., mild, without behavioral disturbance, ..." is "mild dementia")."""
        hit = self._denied.get(code)
        if hit is None:
            desc = self.cm.description(code).lower()
            # only a denied list of disturbances, the default of its category; "without rheumatoid
            # factor" (M06.0-) or "without ... rupture of ear drum" are properties the note must say
            listed = re.search(r"\bwithout\b[^,]*((,[^,]*)*,\s*|\s)(and|or) ", desc) is not None
            hit = frozenset(normalize_phrase(_affirmed(desc)[1])) if listed else frozenset()
            # the other ear's hearing is unrestricted unless the note says it is not (H90.41 vs H90.A1-)
            hit = self._denied[code] = hit | frozenset(w for m in _DEFAULT_PART.finditer(desc)
                                                       for w in normalize_phrase(m.group(0)))
        return hit

    def _title_denies(self, code: str) -> frozenset[str]:
        """The words a title's "without" / "not" clauses deny and the rest of it does not say
        (memoised): {cholangitis, cholecystitis, obstruction} for K80.50; not "rheumatoid" for
        M06.041 "Rheumatoid arthritis without rheumatoid factor, right hand"."""
        memo = self.__dict__.setdefault("_title_denies_memo", {})
        hit = memo.get(code)
        if hit is None:
            said, denied = _affirmed(self.cm.description(code).lower())
            hit = memo[code] = frozenset(normalize_phrase(denied)) - frozenset(normalize_phrase(said))
        return hit

    def _kept(self, code: str) -> frozenset[str]:
        """The words of a code's title that say what it is, its "unspecified X" left out:
        "Impacted cerumen, unspecified ear" -> {impacted, cerumen}."""
        desc = _PAREN_RE.sub("", self.cm.description(code).lower())
        # a title that opens with "Unspecified" still says its noun ("Unspecified sensorineural
        # hearing loss" is sensorineural: its side is what is unspecified)
        desc = _UNSPEC_PART.sub(" ", desc.removeprefix("unspecified "))
        # what a title denies is not said ("..., without bleeding", "..., not intractable")
        return frozenset(t for t in normalize_phrase(_affirmed(desc)[0]) if t not in _NOISE) - _VAGUE

    def _implied(self, base: str, pool: Sequence[str], base_toks: frozenset[str]) -> frozenset[str]:
        """What a pool says of itself, said or not (memoised per base: a pool is read once)."""
        memo = self.__dict__.setdefault("_implied_memo", {})
        hit = memo.get(base)
        if hit is None:
            hit = memo[base] = self._shared(base, pool) | frozenset().union(*(self._unsided(d) for d in pool)) | \
                frozenset(_ORGAN_OF[w] for w in base_toks & _ORGAN_OF.keys()) | \
                self._sided_organ(pool)   # hearing is the ear's
        return hit

    def _sided_organ(self, pool: Sequence[str]) -> frozenset[str]:
        """The organ every sided title of a pool names after its side (", right hand" / ", left
        hand": a metacarpal's fracture is the hand's, said or not; S62.336 for "R 5th metacarpal
        neck fx"), where the pool's other titles ("other metacarpal bone") name no side."""
        sided = [m.group(1) for d in pool if (m := _SIDED_ORGAN.search(self.cm.description(d).lower()))]
        return frozenset(sided) if len(sided) >= 2 and len(set(sided)) == 1 else frozenset()

    def _unsided(self, code: str) -> frozenset[str]:
        """The organ of a title's "unspecified ear" / "unspecified eye": the code names it, only
        its side is left open ("AOM", H66.90, said of the right: H66.91 "..., right ear")."""
        return frozenset(w for m in _UNSIDED_PART.finditer(self.cm.description(code).lower()) for w in m.groups())

    def tokens_of(self, code: str) -> frozenset[str]:
        toks = self._desc_toks.get(code)
        if toks is None:
            desc = _PAREN_RE.sub("", self.cm.description(code).lower()).replace("without complications", "")
            toks = frozenset(t for t in normalize_phrase(desc) if t not in _NOISE)
            self._desc_toks[code] = toks
        return toks

    def _refine(self, code: str, words: frozenset[str], numbers: frozenset[str],
                sizes: frozenset[str] | None = None) -> tuple[str | None, list[str]]:
        said = words
        if self.named_words:
            # the mention named this code: its own words are said even when the note abbreviates
            # them ("BPPV, R ear" says benign paroxysmal vertigo: H81.10 -> H81.11)
            words = words | self._kept(code) | self._unsided(code)
        """The most specific descendant (or sibling, for an unspecified code) whose
        distinguishing words all appear near the mention (numbers: right beside it)."""
        base = code
        if "unspecified" in self.cm.description(code).lower():
            # Look across the whole category: "fracture of right femur" + "neck" -> S72.001.
            base = self.parent_of(code) or code
            category = code.split(".")[0]
            if base != category and len(self._pool(category)) <= _MAX_DESCENDANTS:
                base = category
        elif self._billable(code):
            return self._with_sibling(code, words), []
        pool = self._pool(base)
        if not pool or len(pool) > _MAX_DESCENDANTS:
            pool = [c for c in self.cm.children(base)] or [code]
        base_toks = self.tokens_of(base)
        displaced = False
        if "fracture" in base_toks and not words & {"displaced", "nondisplaced"} and \
                any("displaced" in self.tokens_of(d) for d in pool):
            # a fracture not said to be displaced or not is coded displaced (I.C.19.c.1)
            words, displaced = words | {"displaced"}, True
        # a word every code of the pool says is what the pool is about, said or not ("lateral
        # malleolus" is the fibula's: S82.6 -> S82.61 "... of right fibula")
        # ... and the organ its "unspecified ear" code names, whose sides are the others' ("right
        # ear", "left ear", "bilateral"); a word only the pool implies never makes one code say
        # more than another ("ligament" of every ankle sprain: S93.402, not "other ligament")
        implied = self._implied(base, pool, base_toks)
        implied -= words
        words = words | implied
        # across the category, a code must keep what the named code says ("gestational" diabetes
        # never becomes "unspecified diabetes ..., third trimester")
        keep = self._kept(code) if base != code else frozenset()
        # what the named code's title denies, its sibling may deny too without the note saying it
        # ("seronegative RA": M06.00 "... without rheumatoid factor, unspecified site", of the right
        # hand M06.041 "... without rheumatoid factor, right hand")
        # (a denial no title of the pool affirms: "intractable", "hematuria" are axes of theirs)
        own_denial = frozenset(normalize_phrase(_affirmed(self.cm.description(code).lower())[1])) - \
            self._affirmed_in(base, pool) if base != code else frozenset()
        best, best_key = None, None
        # what a "without" list of the pool denies by default is affirmed only by the note's own
        # words, never by the words every title of the pool shares ("no thyroid storm": E05.90)
        defaults = frozenset().union(*(self._denied_of(d) for d in pool))
        desc_of = self.cm.description
        for d in pool:
            # "unspecified ear" says nothing about the ear: its "ear" never supports H61.20
            extra = self.tokens_of(d) - base_toks - self._vague_of(d) - self._denied_of(d)
            if own_denial and own_denial <= (theirs := frozenset(normalize_phrase(
                    _affirmed(self.cm.description(d).lower())[1]))):
                extra -= theirs   # (only the same denial: "... with hematuria" stays the note's to say)
            if extra & _RANGE_WORDS and (said_range := _in_range(desc_of(d), numbers)):
                extra -= said_range | _RANGE_WORDS
            if not extra <= words or any(_numeric(t) and t not in numbers for t in extra) or \
                    (extra & defaults) - said:
                continue
            if sizes is not None and extra & _BOWEL_SIZES and "intestine" in self.tokens_of(d) and \
                    not extra & _BOWEL_SIZES <= sizes:
                continue
            if keep and (not keep <= self.tokens_of(d) or keep & self._title_denies(d)):
                continue   # (nor a sibling that denies what the named code says: "cholangitis" is never
                # K80.50 "... without cholangitis or cholecystitis ...")
            if self._denied_of(d) & said & _DENIABLE:
                continue   # "hemorrhage from duodenal bulb ulcer": never "... without hemorrhage or perforation"
            desc = self.cm.description(d).lower()
            if desc.startswith("other") and not words & _OTHER_WORDS and (
                    (keep and desc.startswith("other specified"))
                    or self._unspecified_twin(d, desc)):
                # "RA of multiple sites" is RA, unspecified (M06.9), not "other specified RA"
                # (M06.89); "E. coli" is "Unspecified E. coli" (B96.20), not "Other E. coli"
                continue
            unspec = "unspecified" in desc or "without complications" in desc or "uncomplicated" in desc
            # (a tie on the named code's words goes to the child the note's own words say: "anterior
            # dislocation" of S43.01 "Anterior subluxation and dislocation" is the dislocation)
            key = (len(extra - implied), len(self.tokens_of(d) & words), len(self.tokens_of(d) & said), unspec,
                   not desc.startswith("other"), -len(self.tokens_of(d)), -len(d))
            if best_key is None or key > best_key:
                best, best_key = d, key
        if best is not None and best_key[0] == 0 and self._billable(code):
            best = None   # no word of the note picks a sibling: the billable code it named stays (HLD -> E78.5)
        if best is None and not self._billable(code) and not self.cm.seventh_characters(code):
            best = self._without_default(pool, base_toks, words) or self._nec_default(pool)
        elif best is None and base != code and "without" in said and not self.cm.seventh_characters(code):
            # an unspecified code whose sibling the note names but for what it denies ("MDD,
            # recurrent, severe without psychotic features": F33.2, not F33.9)
            best = self._without_default(pool, base_toks, words)
        elif best is None and "without" in said and self.cm.seventh_characters(code):
            # an injury the note says is without what its siblings have ("Concussion without LOC":
            # S06.0X0-, its 7th character still to come)
            best = self._without_default(pool, base_toks, words)
        if best is None and self.cm.seventh_characters(code) and not self._billable(code):
            # an intracranial injury whose loss of consciousness the note does not state: "status
            # unknown" (S06.5XA-, the code the classification gives it)
            unknown = [d for d in pool if self.cm.description(d).lower().endswith(_STATUS_UNKNOWN)]
            best = unknown[0] if len(unknown) == 1 else None
        if best is None:
            return (code if self._billable(code) or self.cm.seventh_characters(code) else None), []
        defaults = ["displacement"] if displaced and "displaced" in self.tokens_of(best) else []
        desc = self.cm.description(best).lower()
        sided = any(f" {w} " in f" {desc} " for w in ("right", "left", "bilateral"))
        if not sided and _has_laterality(self.cm, pool):
            defaults.append("laterality")
        return best, defaults

    def _affirmed_in(self, base: str, pool: Sequence[str]) -> frozenset[str]:
        """The words some title of the pool affirms (memoised per base)."""
        memo = self.__dict__.setdefault("_affirmed_memo", {})
        hit = memo.get(base)
        if hit is None:
            hit = memo[base] = frozenset(w for d in pool
                                         for w in normalize_phrase(_affirmed(self.cm.description(d).lower())[0]))
        return hit

    def _unspecified_twin(self, code: str, desc: str) -> bool:
        """Whether "Other X" (B96.29) has an "Unspecified X" sibling (B96.20)."""
        twin = code[:-1] + "0"
        return twin != code and self.cm.id_of(twin) >= 0 and \
            self.cm.description(twin).lower() == "unspecified" + desc[len("other"):]

    def _with_sibling(self, code: str, words: frozenset[str]) -> str:
        """A "without X" code whose X the note documents becomes its "with X" sibling: BPH
        (N40.0, "without lower urinary tract symptoms") "w/ LUTS" -> N40.1."""
        desc = self.cm.description(code).lower()
        parent = self.parent_of(code)
        for sib in (self.cm.children(parent) if parent else ()):
            # a sibling that is this title and more the note says: "T2DM in remission" is E11.A
            # ("... without complications in remission"), not E11.9
            more = self.cm.description(sib).lower()
            if sib != code and more.startswith(desc + " ") and self._billable(sib) and \
                    frozenset(normalize_phrase(more[len(desc):])) - _NOISE <= words:
                return sib
        if _NOT_IN_REMISSION in desc and parent:
            # a malignancy of the blood "in (stringent complete) remission" or "in relapse" (C90.01,
            # C90.02), when the note does not deny it ("not in remission")
            state = "in relapse" if words & _RELAPSE else "in remission" if "remission" in words else None
            want = desc.replace(_NOT_IN_REMISSION, state) if state and not words & _NOT_WORDS else None
            return next((sib for sib in self.cm.children(parent) if want and self._billable(sib)
                         and self.cm.description(sib).lower() == want), code)
        if " without " not in desc:
            return code
        absent = frozenset(normalize_phrase(desc.rsplit("without", 1)[1])) - _NOISE
        if not absent or not absent <= words or "without" in words:
            return code   # the note may say "without X" itself
        want = desc.replace(" without ", " with ")
        for sib in (self.cm.children(parent) if parent else ()):
            if sib != code and self.cm.description(sib).lower() == want and self._billable(sib):
                return sib
        return code

    def _without_default(self, pool: Sequence[str], base_toks: frozenset[str], words: frozenset[str]) -> str | None:
        """The child that says "without X" when the note does not document X, the
        classification's default ("intractable migraine without aura" -> G43.019, "... without
        status migrainosus"); None when the note's words leave more than that open."""
        for d in pool:
            desc = self.cm.description(d).lower()
            if " without " not in f" {desc} " and " not " not in f" {desc} ":
                continue
            if desc.startswith("other") and not words & _OTHER_WORDS:
                continue   # "acute appendicitis w/o perforation": the unspecified one (K35.80), not "Other
                # acute appendicitis without perforation or gangrene" (K35.890)
            absent = frozenset(normalize_phrase(_affirmed(desc)[1]))   # what the title's clauses deny
            if not absent - _NOISE - _NOT_DENIALS:
                continue   # "not elsewhere classified" denies nothing ("not having achieved remission" does)
            extra = self.tokens_of(d) - base_toks - self._vague_of(d) - self._denied_of(d)
            # (a denied word the pool's own title says is no sign of it: "hypertensive heart
            # disease" does not say the "heart failure" I11.9 denies)
            if (extra - absent) <= words and not (absent - _NOISE - base_toks) & words:
                return d
        return None

    def _shared(self, base: str, pool: Sequence[str]) -> frozenset[str]:
        if len(pool) < 2:
            return frozenset()
        shared = self._pool_words.get(base)
        if shared is None:
            shared = self._pool_words[base] = frozenset.intersection(*(self._positive(d) for d in pool))
        return shared

    def _positive(self, code: str) -> frozenset[str]:
        """A title's words, less what its "without X" / "not X" clauses deny."""
        desc = _affirmed(_PAREN_RE.sub("", self.cm.description(code).lower()))[0]
        return frozenset(t for t in normalize_phrase(desc) if t not in _NOISE)

    def _nec_default(self, pool: Sequence[str]) -> str | None:
        """A subcategory with no unspecified code, whose note says nothing its codes name, is
        coded to its one "other" code, as the index's NEC entry does ("STEMI of the inferior
        wall", no artery named: I21.1 -> I21.19, Infarct > ST elevation > inferior (wall) NEC)."""
        others = [d for d in pool if "other" in normalize_phrase(self.cm.description(d).lower())]
        return others[0] if len(others) == 1 and len(pool) <= 4 else None

    def _pool(self, base: str) -> list[str]:
        """Billable descendants of ``base``, 7th characters stripped (one entry per code stem)."""
        pool = self._pools.get(base)
        if pool is None:
            pool = self._pools[base] = list(dict.fromkeys(_stem(d) for d in self.cm.billable_descendants(base)))
        return pool

    def parent_of(self, code: str) -> str | None:
        i = self.cm.id_of(code)
        p = int(self.cm.parent[i]) if i >= 0 else -1
        return self.cm.code(p) if p >= 0 else None

    def _seventh(self, code: str, words: frozenset[str]) -> tuple[str, str, bool] | None:
        if self.cm.is_billable(code):
            return None
        chars = self.cm.seventh_characters(code)
        if not chars:
            return None
        char, assumed = "A", True
        for triggers, c in _SEVENTH_WORDS:
            if c in chars and any(t in words for t in triggers):
                char, assumed = c, False
                break
        if "open" in words and char in chars:
            # an open fracture: the same encounter's open character, type IIIA-IIIC where the note
            # gives a Gustilo type III ("open comminuted tibial shaft fx, Gustilo IIIB": C)
            grade = "iiia, iiib, or iiic" if GUSTILO_III & words or (
                GUSTILO_III_SHORT & words and {"gustilo", "type", "grade"} & words) else "i or ii"
            said = chars[char].lower().split("/")[0]
            if "closed fracture" in said:
                opened = said.replace("closed fracture", "open fracture")
                typed = opened.replace("open fracture", f"open fracture type {grade}")
                alts = {c: [a.strip() for a in d.lower().split("/")] for c, d in chars.items()}
                pick = next((c for c, d in alts.items() if typed in d), None) or \
                    next((c for c, d in alts.items() if opened in d), None)
                if pick is not None:
                    char, assumed = pick, False
        if char not in chars:
            # a 7th character that is not an encounter (a glaucoma's stage): the one whose
            # description the note's words say ("mild stage" -> 1), else the first (unspecified)
            # the description that says the most of the note's words ("advanced atrophic with
            # subfoveal involvement" over "advanced dry stage")
            if {"cannot", "not", "unable"} & words and {"determined", "determine", "staged", "assessed"} & words:
                words = words | {"indeterminate"}   # "stage cannot be clinically determined" (H40 7th character 4)
            words = words | expansions(words)   # ("wet AMD w/ active CNV": with active choroidal neovascularization)
            named = {_FETUS_LETTERS[w] for w in words if w in _FETUS_LETTERS} if _MULTIPLE & words else set()
            if len(named) == 1 and any("fetus" in d.lower() for d in chars.values()):
                # a multiple gestation's fetus by its letter ("breech presentation of twin B": fetus 2)
                words = words | {"fetus", named.pop()}
            scored = sorted((-max(_says(alt, words) for alt in d.lower().split("/")), c) for c, d in chars.items())
            said = [c for n, c in scored if n < 0][:1]
            char = said[0] if said else sorted(chars)[0]
            assumed = not said
        full = with_seventh(code, char)
        return (full, char, assumed) if self.cm.id_of(full) >= 0 else None


# a multiple gestation's fetuses by letter (twin A, baby B): the 7th character's "fetus N"
_MULTIPLE = frozenset(("twin", "twins", "triplet", "triplets", "baby", "fetus"))
_FETUS_LETTERS = {"a": "1", "b": "2", "c": "3"}
_DENIAL = re.compile(r"\b(?:without|not)\b")
# complications a "without" title denies that a note's word says outright
_DENIABLE = frozenset("hemorrhage bleeding perforation obstruction gangrene abscess".split())
_WITHOUT_MENTION = re.compile(r"without mention of (\w+(?: \w+)?)$")
_NOT_DENIALS = frozenset(("elsewhere", "classified"))


def _affirmed(desc: str) -> tuple[str, str]:
    """A title split into what its comma clauses affirm and what their "without X" / "not X"
    parts deny: "migraine without aura, not intractable, with status migrainosus" ->
    ("migraine , , with status migrainosus", " aura  intractable")."""
    said, denied = [], []
    clauses = desc.split(",")
    listed = 0   # clauses after a "without" that continue its list up to "and ..." ("without behavioral
    # disturbance, psychotic disturbance, mood disturbance, and anxiety": all four denied)
    for i, clause in enumerate(clauses):
        if listed:
            listed -= 1
            denied.append(clause)
            said.append("")
            continue
        parts = _DENIAL.split(clause)
        said.append(parts[0])
        denied.extend(parts[1:])
        if len(parts) > 1:
            end = next((j for j in range(i + 1, len(clauses)) if clauses[j].strip().startswith(("and ", "or "))), None)
            if end is not None and not any(_DENIAL.search(c) or c.strip().startswith("with ")
                                           for c in clauses[i + 1:end + 1]):
                listed = end - i
    return ",".join(said), " ".join(denied)


def _says(desc: str, words: frozenset[str]) -> int:
    """How many words of a 7th character's description the note says (0: it does not say it): all it affirms, and
    for what it denies ("advanced atrophic without subfoveal involvement") a denial and none of
    the denied words (the note's "without" kept, what it denies left out: ``undenied``)."""
    affirmed, denied = _affirmed(desc)
    said = set(normalize_phrase(affirmed)) - _NOISE - {"stage"}
    if not said or not said <= words:
        return 0
    gone = set(normalize_phrase(denied)) - _NOISE
    if gone and (gone & words or not words & {"without", "no", "not"}):
        return 0
    return len(said) + len(gone)


_NOT_IN_REMISSION = "not having achieved remission"
_NOT_WORDS = frozenset(("not", "never", "without", "failed"))
_RELAPSE = frozenset(("relapse", "relapsed", "relapsing"))


_STATUS_UNKNOWN = "status unknown"
_RANGE = re.compile(r"\bstage (\d+) through stage (\d+)\b", re.I)
_LEADING = re.compile(r"\d+")
_OR_UNSPECIFIED = ", or unspecified"
_RANGE_WORDS = frozenset(("stage", "through"))


def _in_range(desc: str, numbers: frozenset[str]) -> frozenset[str]:
    """The ends of a title's stage range a number the note says falls in ("stage 1 through stage
    4" for "CKD stage 3b"), which the note then says; with no number, a range the title also
    gives as "or unspecified" ("... stage 1 through stage 4 chronic kidney disease, or unspecified
    chronic kidney disease": I13.10 for a hypertensive heart and kidney disease of no stage)."""
    out: set[str] = set()
    for m in _RANGE.finditer(desc):
        lo, hi = int(m.group(1)), int(m.group(2))
        if any((n := _LEADING.match(w)) and lo <= int(n.group(0)) <= hi for w in numbers) or \
                (not numbers and _OR_UNSPECIFIED in desc[m.end():]):
            out.update((m.group(1), m.group(2)))
    return frozenset(out)


def _numeric(word: str) -> bool:
    """Stage, type and grade numbers: "2", "3a", "iv" is not one (roman numerals stay words)."""
    return any(ch.isdigit() for ch in word)


def _has_laterality(cm, pool: Sequence[str]) -> bool:
    """True when two codes in ``pool`` differ only by side (right/left)."""
    descs = {f" {cm.description(c).lower()} " for c in pool[:120]}
    return any(d.replace(" right ", " left ") in descs for d in descs if " right " in d)


def _stem(code: str) -> str:
    """The code without its 7th character and placeholders: S72.001A -> S72.001, W19.XXXA -> W19."""
    if len(code) == 8 and code[3] == ".":
        code = code[:7].rstrip("X").rstrip(".")
    return code


def with_seventh(code: str, char: str) -> str:
    """S72.001 + A -> S72.001A; W19 + A -> W19.XXXA; T14.8 + A -> T14.8XXA (placeholder X)."""
    cat, _, rest = code.partition(".")
    rest = (rest + "XXX")[:3]
    return f"{cat}.{rest}{char}"
