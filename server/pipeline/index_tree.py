"""The ICD-10-CM Alphabetic Index as a tree the pipeline walks, as a coder does: main term, then
the subterms the note's words support, then the Tabular to finish the code.

"primary OA of both knees": main term Osteoarthritis (M19.90) > knee (M17.1-) > primary; the
mapper then reads "bilateral" and lands on M17.0. "s/p CABG": Status > coronary artery bypass
graft -> Z95.1. "hx of MRSA skin infection": History > personal > methicillin resistant
Staphylococcus aureus (MRSA) -> Z86.14.

Built by ``export/build_index_tree.py`` from the CDC/NCHS index; rows keep their level, so the
tree is rebuilt here. "See" references are followed ("Cellulitis, ankle" -> "Cellulitis, lower
limb"); "with" subterms are read as the classification's "with" convention (the words under them
must be in the note; "with" itself need not be).
"""
from __future__ import annotations

import gzip
import io
import re
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from typing import Iterable, Iterator, Sequence

from server.errors import InvalidInput
from server.pipeline.lexicon import STOPWORDS
from server.pipeline.text import normalize_phrase

DEFAULT_FILE = "index_tree.tsv.gz"
_HEADER = "level\tterm\tsee\tsee_also\tmodifiers\tcode"
# Words an index subterm may carry that a note never says ("specified NEC", "(of)").
# ("status" as in "asymptomatic status": the note says "asymptomatic HIV")
_SILENT = STOPWORDS | frozenset("nec nos specified unspecified other than type due with status region".split())
_NEVER = frozenset({("without",), ("not",)})  # never walked into from words alone
# (Enteritis > regional > large intestine > with > complication > small intestine > with > complication >
# rectal bleeding: K50.811)
_MAX_DEPTH = 8
# a subterm under "with" that only groups the complications listed under it: read past when the
# note names one of them ("Crohn's ileitis complicated by SBO": ... > with > complication >
# intestinal obstruction, K50.012; "UVJ stone with hydronephrosis": Hydronephrosis > with >
# obstruction > ureteral > calculus, N13.2); its own code still needs its word
_GROUPING = frozenset({("complication",), ("complications",), ("obstruction",)})
# a bone's region the part the note names lies in, read past when the note names the part only
# ("ulnar styloid fracture": Fracture > ulna > lower end > styloid process, S52.61-)
_BONE_REGIONS = frozenset({("lower", "end"), ("upper", "end")})
_PARENS = re.compile(r"\([^)]*\)")


@dataclass(slots=True)
class Node:
    words: tuple[str, ...]                 # essential words, normalised, silent words dropped
    modifiers: tuple[tuple[str, ...], ...]  # each parenthesised nonessential group, normalised
    code: str                              # "" where the entry names no code; may end with "-"
    see: str
    children: list[int]
    # "complicating pregnancy, childbirth or puerperium": the shared head ("complicating") and
    # the alternatives, any one of which the note may say
    head: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    transparent: bool = False   # the "with" subterm: its subterms are read as if they were its parent's
    see_also: str = ""
    linking: bool = False   # "with current pathological fracture": a "with" subterm of its own words
    nec: bool = False       # "viral NEC": not elsewhere classified
    nonessential: frozenset[str] = frozenset()   # every word of the term's nonessential modifiers
    # a "with" subterm's modifiers that list its forms ("psychotic disturbance (delusional state)
    # (hallucinations) (paranoia)"): any one said beside the condition names it
    examples: tuple[tuple[str, ...], ...] = ()


WITH_MARK = "\x00with"   # in ``IndexHit.said``: the walk went through a "with" subterm here
_LOST_CAUSE = "\x00lost-cause"   # a word no note says
_EXAMPLES = 3   # parenthesised modifiers of a "with" subterm that are a list of its forms


@dataclass(frozen=True)
class IndexHit:
    code: str                 # as the index gives it, "-" stripped: M17.1 means "drill down in the Tabular"
    path: tuple[str, ...]     # the subterms walked, for the coder: ("knee", "primary")
    complete: bool            # the index code needed no further characters
    # the words of the entries walked, "See" targets included ("leg" -> Cellulitis, lower limb):
    # what the index says the note said, for the Tabular's last step
    said: tuple[str, ...] = ()


class IndexTree:
    """Main terms and their subterms; ``walk`` descends as far as a set of words supports."""

    def __init__(self, rows: Iterable[tuple[int, str, str, str, str]]):
        self.nodes: list[Node] = []
        self.site_words: frozenset[str] = frozenset()   # anatomical words (set by the index coder)
        self._by_head: dict[tuple[str, ...], list[int]] = {}   # "fracture" -> "Fracture, traumatic", ...
        self._kids: dict[int, list[tuple[int, int]]] = {}
        self._sees: dict[int, int | None] = {}
        self.main: dict[tuple[str, ...], list[int]] = {}
        self.by_code: dict[str, list[int]] = {}
        self.subterms_by_code: dict[str, list[int]] = {}   # subterms (level >= 1) that give a code
        self.parent: list[int] = []   # -1 for a main term
        stack: list[int] = []
        for level, term, see, see_also, modifiers, code in _ungrouped(rows):
            node = Node(_words(term) or _cause(term) or _lost_words(term, modifiers), _groups(modifiers), code, see, [],
                        *_alternatives(term), transparent=_connective(term) and not _lost_words(term, modifiers),
                        see_also=see_also,
                        linking=term.lower().startswith("with "), nec=" NEC" in f" {term}",
                        nonessential=frozenset(normalize_phrase(modifiers.replace("(", " ").replace(")", " ")))
                        if modifiers and level <= 1 else frozenset())
            if level and stack[level - 1:level] and self.nodes[stack[level - 1]].transparent and not node.options \
                    and "," in term and not see:
                # under "with", a comma lists complications, any one of which the note may say
                # ("Diverticulitis > large > with > abscess, perforation": K57.20 for the abscess)
                parts = [_words(p) for p in _PARENS.sub(" ", term).split(",")]
                if len(parts) > 1 and all(len(w) == 1 and _COMPLICATION_WORD.search(w[0]) for w in parts):
                    node = replace(node, head=(), options=frozenset(w[0] for w in parts))
            if level and stack[level - 1:level] and self.nodes[stack[level - 1]].transparent and \
                    modifiers.count("(") >= _EXAMPLES:
                # under "with", a subterm its modifiers give examples of: any one the note says names
                # it ("Dementia > ... > with > psychotic disturbance (delusional state) (hallucinations)
                # (paranoia)": "severe vascular dementia ... visual hallucinations", F01.C2)
                examples = tuple(g for part in modifiers.split("(")
                                 if (g := tuple(w for w in normalize_phrase(part.replace(")", " ")) if w not in _SILENT)))
                node = replace(node, examples=examples)
            if level and stack[level - 1:level] and term.strip().isdigit() and \
                    self.nodes[stack[level - 1]].words in _NUMBERED_PARENTS:
                # Obesity > class > 2 is "class 2" in a note: the number said after the word, never a
                # list's number elsewhere in the sentence ("2. HTN ... 4. Class 1 obesity")
                node = replace(node, words=(self.nodes[stack[level - 1]].words[0] + term.strip(),))
            i = len(self.nodes)
            self.nodes.append(node)
            del stack[level:]
            self.parent.append(stack[-1] if level and stack else -1)
            if level == 0:
                for key in _spellings(term):   # "Hypertension, hypertensive": either spelling
                    self.main.setdefault(key, []).append(i)
                    if "-" in term.split(",")[0]:   # "Pre-eclampsia" is "preeclampsia" in a note
                        self.main.setdefault(_key(term.split(",")[0].replace("-", "")), []).append(i)
                if "," in term:
                    self._by_head.setdefault(_key(term.split(",")[0]), []).append(i)
                if code:
                    self.by_code.setdefault(code.rstrip("-").rstrip("."), []).append(i)
            elif stack:
                self.nodes[stack[-1]].children.append(i)
                if code:
                    self.subterms_by_code.setdefault(code.rstrip("-").rstrip("."), []).append(i)
            stack.append(i)
        # a condition a "with" subterm names by its noun is said by the main term's adjective too
        # ("Abuse > cocaine > with > psychosis": "psychotic disorder w/ hallucinations", the index's
        # "Psychosis, psychotic"); only the "-osis"/"-otic" pairs (measured: every "X, Xic" pair lost
        # more required codes than it gained, "perforated", "urethral", "gangrenous")
        spelled = {}
        for key, ids in self.main.items():
            for m in ids:
                forms = [w for w in self.nodes[m].words if w != key[0]] if len(key) == 1 else []
                if len(self.nodes[m].words) == 2 and forms and self.nodes[m].words[0] == key[0] and \
                        key[0].endswith("osis") and forms[0] == key[0][:-3] + "tic":
                    spelled[key[0]] = forms[0]
        for i, node in enumerate(self.nodes):
            if self.parent[i] >= 0 and self.nodes[self.parent[i]].transparent and len(node.words) == 1 \
                    and node.words[0] in spelled and not node.options:
                self.nodes[i] = replace(node, options=frozenset((node.words[0], spelled[node.words[0]])))
        for i, node in enumerate(self.nodes):
            if node.words == ("due",) and node.code and not node.children and self.parent[i] >= 0 and \
                    self.parent[self.parent[i]] < 0:
                # a coded "due to" right under a main term, with no cause below it, lost its cause in
                # the CSV flattening ("Hypotension > due to (of) hemodialysis", I95.3): a main term
                # due to anything says nothing, so "due" alone never reaches it
                self.nodes[i] = replace(node, words=(_LOST_CAUSE,))

    def renamed(self, words: frozenset[str]) -> frozenset[str]:
        """The words with a condition the index renames by its subterm read as the new name:
        "peripheral neuropathy" is Polyneuropathy ("Neuropathy > peripheral - see also
        Polyneuropathy": Diabetes > with > polyneuropathy, E11.42), "bone necrosis" Osteonecrosis."""
        table = self.__dict__.get("_renames")
        if table is None:
            table = self.__dict__["_renames"] = self._renames()
        out = words
        if added := self.drug_classes(out) - out:
            # a substance is read as its class too, as the index files it ("heroin" is Dependence >
            # drug > opioid: "severe heroin use disorder ... opioid withdrawal" walks > with > withdrawal)
            kept = WalkWords(out | added)
            kept.implied = getattr(out, "implied", frozenset()) | added
            out = kept
        for (sub, main), new in table.items():
            if main in out and all(w in out for w in sub):
                kept = WalkWords((out - {main}) | {new})
                kept.implied = getattr(out, "implied", frozenset())
                out = kept
        return out

    def renamed_from(self, word: str) -> tuple[str, ...]:
        """The words ``renamed`` read as ``word`` ("polyneuropathy" <- "peripheral neuropathy")."""
        self.renamed(frozenset())
        return tuple(w for (sub, main), new in self.__dict__["_renames"].items() if new == word for w in (*sub, main))

    def drug_classes(self, words: Iterable[str]) -> frozenset[str]:
        """The words of the drug classes the index files the substances among ``words`` under."""
        classes = self.__dict__.get("_drug_classes")
        if classes is None:
            classes = self.__dict__["_drug_classes"] = self._drug_class_table()
        return frozenset(c for w in words if w in classes for c in classes[w])

    def _drug_class_table(self) -> dict[str, tuple[str, ...]]:
        """One-word substance -> the words of the drug class Dependence files it under
        ("Dependence > heroin - see Dependence, drug, opioid": heroin -> opioid)."""
        out = {}
        for m in self.main_terms("Dependence"):
            for c in self.nodes[m].children:
                child = self.nodes[c]
                parts = [p.strip().lower() for p in child.see.split(",")]
                if len(child.words) == 1 and len(parts) == 3 and parts[1] == "drug":
                    target = self.resolve(child.see)
                    if target is not None and self.nodes[target].words:
                        out[child.words[0]] = tuple(self.nodes[target].words)
        return out

    def _renames(self) -> dict[tuple[tuple[str, ...], str], str]:
        """(subterm words, main term word) -> the main term a "See also" names that spells the
        same word longer (Neuropathy > peripheral -> Polyneuropathy; Necrosis > bone -> Osteonecrosis)."""
        out = {}
        for key, ids in self.main.items():
            if len(key) != 1:
                continue
            for m in ids:
                for c in self.nodes[m].children:
                    child = self.nodes[c]
                    ref = child.see_also.strip()
                    if not (ref and child.words and "," not in ref and self.main_terms(ref)):
                        continue
                    new = _key(ref)
                    if len(new) == 1 and key[0][:5] in new[0][1:]:
                        out[(child.words, key[0])] = new[0]
        return out

    @classmethod
    def load(cls, path=None) -> "IndexTree":
        """The packaged tree (``data/index_tree.tsv.gz``) or the file at ``path``."""
        src = resources.files("server.pipeline").joinpath("data", DEFAULT_FILE) if path is None else path
        with src.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
            return cls(_parse(fh))

    def main_terms(self, term: str) -> list[int]:
        """Ids of the main terms spelled ``term`` ("Status", "History", "Osteoarthritis")."""
        return self.main.get(_key(term), [])

    def spellings(self, i: int) -> set[str]:
        """The words an entry goes by: its own, its alternative spellings, its abbreviations
        ("Disease, gastroesophageal reflux (GERD)": gastroesophageal, reflux, gerd)."""
        node = self.nodes[i]
        return set(node.words) | node.options | {w for g in node.modifiers for w in g}

    def knows(self, word: str) -> bool:
        """Whether any entry says ``word`` (in its term, its modifiers or its spellings)."""
        return word in self._vocabulary

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        return frozenset(w for n in self.nodes for w in (*n.words, *n.options, *n.nonessential,
                                                         *(x for g in n.modifiers for x in g)))

    def head_terms(self, term: str) -> list[int]:
        """The main terms ``term`` heads when it is no main term of its own: "fracture" ->
        "Fracture, traumatic" (the entry with the most subterms, where the index codes a
        fracture the note does not qualify), then "Fracture, pathological", ..."""
        own = self.main_terms(term)
        if own:
            return own
        heads = self._by_head.get(_key(term), [])
        return sorted(heads, key=lambda i: -len(self.nodes[i].children))

    def references(self, i: int) -> list[tuple[int, tuple[str, ...]]]:
        """The entries a term's "See also" names, with the words the reference adds beyond a
        site ("STEMI" -> Infarct > myocardium > ST elevation; "Amputation" -> Absence, with
        "acquired": "See also Absence, by site, acquired")."""
        memo = self.__dict__.setdefault("_refs", {})
        if i in memo:
            return memo[i]
        node = self.nodes[i]
        out = []
        for ref in (node.see_also, node.see):
            if not ref:
                continue
            ref = ref.lstrip("- ").strip()
            parts = [p.strip() for p in ref.split(",")]
            if "by site" in parts:
                k = parts.index("by site")
                extra = tuple(w for p in parts[k + 1:] for w in _words(p))
                target = self.resolve(", ".join(parts[:k]))
            else:
                extra, target = (), self.resolve(ref)
            if target is not None and target != i:
                out.append((target, extra))
        memo[i] = out   # resolved once per entry (concurrent fills are idempotent)
        return out

    def walk(self, start: int | Iterable[int], words: frozenset[str],
             prefer: frozenset[str] = frozenset(), linked: frozenset[str] = frozenset()) -> IndexHit | None:
        """The deepest code under the main term(s) ``start`` whose subterm words all appear in
        ``words``; None when no subterm matches (the main term's own code is the caller's).
        Subterms that use ``prefer`` words win ties ("complicating pregnancy" over "deficiency,
        iron" for an anemia in an OB note: chapter 15 first, I.C.15.a.1). Below a "with" subterm
        ``linked`` words count too: a condition the sentence names elsewhere is linked by the
        "with" convention (I.A.15: "atherosclerosis of the R leg ... with intermittent claudication")."""
        starts = [start] if isinstance(start, int) else list(start)
        best: tuple[float, IndexHit] | None = None
        heads = [self.nodes[s].words[:1] for s in starts]
        for s, head in zip(starts, heads):
            hit = self._descend(s, words, (), 0, prefer, (), linked)
            if hit is not None and heads.count(head) > 1:
                # of several entries of one main term, the one whose own words the note says
                # ("osteoporotic compression fracture": Fracture, pathological, not Fracture, traumatic)
                hit = (hit[0] + _ENTRY_WEIGHT * _weight(self.nodes[s].words[1:], words), hit[1])
            if hit is not None and (best is None or hit[0] > best[0]):
                best = hit
        if best is None and not self.site_words.isdisjoint(words):
            # the subterm coded as its main term is that term's default, said by the main term's own
            # word: the sites below it are read too ("Melanoma (malignant) C43.9 > skin C43.9 > arm":
            # "melanoma of R upper arm", C43.61)
            for s in starts:
                for c in self._defaults(s):
                    child = self.nodes[c]
                    hit = self._descend(c, words, (" ".join(child.words),), 1, prefer, child.words, linked)
                    if hit is not None and WITH_MARK not in hit[1].said and \
                            {w for p in hit[1].path[1:] for w in p.split()} <= self.site_words | _SIDE_KEYS and \
                            (best is None or hit[0] > best[0]):
                        best = hit
        return best[1] if best is not None else None

    def _defaults(self, i: int) -> list[int]:
        """The subterms of entry i coded as the entry itself, with subterms of their own (its default
        kind: Melanoma C43.9 > skin C43.9); none for an encounter's entry ("Screening > disease or
        disorder" is no default kind). Read once per entry."""
        memo = self.__dict__.setdefault("_default_memo", {})
        hit = memo.get(i)
        if hit is None:
            node = self.nodes[i]
            hit = memo[i] = [] if node.code[:1] == "Z" else [
                c for c in node.children if self.nodes[c].code and self.nodes[c].code == node.code
                and self.nodes[c].children and self.nodes[c].words]
        return hit

    def _descend(self, i: int, words: frozenset[str], path: tuple[str, ...], depth: int,
                 prefer: frozenset[str] = frozenset(), said_before: tuple[str, ...] = (),
                 linked: frozenset[str] = frozenset(), grouped: bool = False):
        """(matched words, hit) for the best path below node i. ``grouped``: node i is a grouping
        subterm read past without its word; its "NEC" subterms then give no code (Hydronephrosis >
        with > obstruction > ureteral NEC is for an obstruction the note names, not a ureter)."""
        if depth >= _MAX_DEPTH:
            return None
        best = named = None
        best_nec = False
        parent = self.nodes[i]
        for c, target in self._children(i):
            child = self.nodes[c]
            if child.words in _NEVER:
                continue
            if child.nec and child.words and (set(child.words) <= parent.nonessential or
                                              set(child.words) <= _GENERIC_NEC):
                # "Pharyngitis (viral)" is J02.9; its "viral NEC" is for a virus named elsewhere;
                # "specified disorder NEC" is for a disorder the note names, not for the word
                continue
            n = 0 if child.transparent else _matches(child, _linked(words, linked) if child.linking and linked else words)
            passed = n is None and bool(child.children) and (child.words in _GROUPING and parent.transparent or
                                                             child.words in _BONE_REGIONS)
            if passed:
                n = 0   # "with > complication > intestinal obstruction": the note names the complication
            if n is None:
                continue
            if prefer and n:
                n += 0.5 * len(prefer & (set(child.words) | child.options))
            label = " ".join(child.words) or ("with" if child.transparent else "")
            said = said_before + (WITH_MARK,) * (child.transparent or child.linking) + child.words + (
                self.nodes[target].words if target != c else ())
            below = self._descend(target, _linked(words, linked) if child.transparent else words, path + (label,),
                                  depth + 1, prefer, said, linked, passed)
            if target == c and (child.see or child.see_also) and not child.code and n:
                # a subterm with subterms of its own and a "See" (Status > transplant, See Transplant;
                # its own "organ removed"): the entry it sends to is read too ("s/p kidney tx": Z94.0)
                # (only an entry the note names: "Injury > deep tissue, See Contusion" is no contusion);
                # a codeless "See also" to another subterm of its own entry, for the site its parenthesis
                # defaults to, names that site ("scaphoid fx": Fracture > scaphoid (hand), See also
                # Fracture, carpal, navicular; its own "foot" for the other bone)
                seen = self._see_target(c)
                defaulted = seen is not None and not child.see and bool(child.nonessential) and \
                    self.root(seen) == self.root(c)
                # a "See" to another subterm of its own entry names a synonym ("Conjunctivitis >
                # allergic, See Conjunctivitis, acute, atopic"): read it though the note says other words
                synonym = seen is not None and bool(child.see) and self.root(seen) == self.root(c)
                other = self._descend(seen, words, path + (label,), depth + 1, prefer, said, linked) \
                    if seen is not None and (set(self.nodes[seen].words) <= words or defaulted or synonym) else None
                if other is None and synonym and self.nodes[seen].code:
                    # (its own code, counting the words of its path the note says: "acute allergic
                    # conjunctivitis" is Conjunctivitis > acute > atopic H10.1-, not acute H10.3-; only
                    # where the note says some of the way there: a bare "septic" beside an arthritis is
                    # no Arthritis > pyogenic M00.9, "cornea" no Injury > eye > specified site)
                    code, up, k = self.nodes[seen].code, self.parent[seen], 0
                    while up >= 0 and self.parent[up] >= 0:
                        k += bool(self.nodes[up].words) and set(self.nodes[up].words) <= words
                        up = self.parent[up]
                    other = (k, IndexHit(code.rstrip("-").rstrip("."), path + (label,), not code.endswith("-"),
                                         said + self.nodes[seen].words)) if k else None
                elif other is None and defaulted and self.nodes[seen].code:
                    # (no subterm of it the note names: the entry's own code, Fracture > carpal bone >
                    # navicular S62.00-)
                    code = self.nodes[seen].code
                    other = (0, IndexHit(code.rstrip("-").rstrip("."), path + (label,), not code.endswith("-"),
                                         said + self.nodes[seen].words))
                if other is not None and (below is None or other[0] > below[0]):
                    below = other
            code = self.nodes[target].code or (self._specified_nec(target) if n > 0 and below is None else "")
            here = (n, IndexHit(code.rstrip("-").rstrip("."), path + (label,), not code.endswith("-"), said)) \
                if code and n > 0 and not (grouped and child.nec) else None
            for cand in (below and (below[0] + n, below[1]), here):
                if cand and cand[0] > 0 and (best is None or cand[0] > best[0]):
                    best = cand
                    best_nec = child.nec and bool(child.words)
                if cand and cand[0] > 0 and not (child.nec and child.words):
                    named = cand if named is None or cand[0] > named[0] else named
        # a "NEC" subterm is for what no sibling names: a sibling the note says wins over it, however
        # many words the NEC one shares ("inferior wall, RCA culprit": Infarct > myocardium > ST
        # elevation > involving > right coronary artery I21.11, not coronary artery of inferior wall NEC)
        if best is not None and best_nec and named is not None and depth and named[1].path[:-1] == best[1].path[:-1]:
            return named
        return best

    def _specified_nec(self, i: int) -> str:
        """A codeless subterm the note names with nothing further: its "specified NEC" subterm's
        code, the form the index has no separate entry for (Epilepsy > generalized, no type ->
        "specified NEC" G40.409); empty when it has none."""
        nec = [self.nodes[c].code for c in self.nodes[i].children
               if self.nodes[c].nec and not self.nodes[c].words and self.nodes[c].code]
        return nec[0] if len(nec) == 1 else ""

    def _children(self, i: int) -> list[tuple[int, int]]:
        """(subterm, node to read its code and subterms from): a subterm that only says
        "See Cellulitis, lower limb" reads that entry's. Resolved once per node (the memo's
        concurrent fills are idempotent)."""
        hit = self._kids.get(i)
        if hit is None:
            hit = self._kids[i] = self._resolve_children(i)
        return hit

    def root(self, i: int) -> int:
        """The main term node i is a subterm of (i itself for a main term)."""
        while self.parent[i] >= 0:
            i = self.parent[i]
        return i

    def _see_target(self, i: int) -> int | None:
        """The entry node i's "See" (else "See also") reference names, resolved once (None when it
        names none)."""
        hit = self._sees.get(i, -2)
        if hit == -2:
            t = self.resolve(self.nodes[i].see or self.nodes[i].see_also)
            hit = self._sees[i] = t if t is not None and t != i else None
        return hit

    def _resolve_children(self, i: int) -> list[tuple[int, int]]:
        out = []
        for c in self.nodes[i].children:
            child = self.nodes[c]
            target = c
            if child.see and not child.code and not child.children:
                t = self.resolve(child.see)
                if t is not None and t != i:
                    target = t
            out.append((c, target))
        return out

    def resolve(self, ref: str) -> int | None:
        """The node a "See" reference names: "Cellulitis, lower limb" -> Cellulitis > lower limb."""
        parts = [_PARENS.sub(" ", p).strip() for p in ref.split(",")]
        # "See Ulcer, pressure, by site": the entry, its subterms read by the note's site
        parts = [p for p in parts if p and not p.lower().startswith("by ")]
        if not parts:
            return None
        # "See Fracture, femur, upper end" means the main term "Fracture, traumatic"
        nodes = self.main_terms(parts[0]) or self._by_head.get(_key(parts[0]), [])
        if not nodes and parts[0].endswith("s"):
            # "See Complications, joint prosthesis, ...": the main term "Complication(s)"
            nodes = self.main_terms(parts[0][:-1])
        rest = parts[1:]
        while rest:
            p, rest = rest[0], rest[1:]
            want = set(_words(p))
            # "..., with cholecystitis": the subterm sits under the entry's "with"
            kids = [c for n in nodes for k in self.nodes[n].children
                    for c in ((k,) if not (self.nodes[k].transparent and p.lower().startswith("with "))
                              else (k, *self.nodes[k].children))]
            found = [c for c in kids
                     if set(self.nodes[c].words) == want or (len(want) == 1 and want <= self.nodes[c].options
                                                             and not self.nodes[c].head)]
            # a reference may name two levels in one part ("Hypertension, complicating pregnancy,
            # pre-existing": Hypertension > complicating > pregnancy > pre-existing)
            nodes = found or [g for c in kids if self.nodes[c].words and set(self.nodes[c].words) < want
                              for g in self.nodes[c].children
                              if set(self.nodes[g].words) == want - set(self.nodes[c].words)]
            if not nodes:
                # a reference that says a subterm shorter ("Fracture, carpal, navicular" for the
                # subterm "carpal bone"): the one subterm that has its words
                longer = [c for c in kids if want < set(self.nodes[c].words)]
                nodes = longer if len(longer) == 1 else []
            if not nodes and rest:
                # ... or splits one subterm in two parts ("Diverticulosis, intestine, large" for the
                # subterm "large intestine")
                joined = want | set(_words(rest[0]))
                nodes = [c for c in kids if set(self.nodes[c].words) == joined]
                if nodes:
                    rest = rest[1:]
        return nodes[0] if nodes else None


_UNHARMED = frozenset("intact spared uninvolved normal unremarkable".split())
_SITE_GROUPING = "site classification"


def _ungrouped(rows: Iterable[tuple]) -> Iterator[tuple]:
    """The rows with a codeless "site classification" grouping taken out, its sites read as its
    parent's subterms ("Lipoma > site classification > trunk D17.1": Lipoma > trunk)."""
    grouping = None
    for level, term, see, see_also, modifiers, code in rows:
        if grouping is not None and level <= grouping:
            grouping = None
        if grouping is None and term.strip().lower() == _SITE_GROUPING and not code and not see:
            grouping = level
            continue
        yield (level - 1 if grouping is not None else level), term, see, see_also, modifiers, code


_GENERIC_NEC = frozenset("disorder disorders disease diseases condition conditions complication complications "
                          "type site sites".split())


def _weight(said: Sequence[str], words: frozenset[str]) -> float:
    """How much of ``said`` the note's words name, an implied word ("calf" -> leg) counting less."""
    implied = getattr(words, "implied", _IMPLIED)
    return sum(_IMPLIED_WEIGHT if w in implied else 1 for w in said if w in words)


def _matches(node: Node, words: frozenset[str]) -> int | None:
    """How many of ``words`` a subterm uses: its essential words all present, or, for a subterm
    that is only an abbreviation's expansion, one of its parenthesised groups ("(MRSA)")."""
    if node.words and all(w in words for w in node.words):
        implied = getattr(words, "implied", _IMPLIED)
        # (a joined "stage2" / "type2" is the two words the note said)
        return sum(_IMPLIED_WEIGHT if w in implied else 2 if _joined(w) else 1 for w in node.words)
    if node.options and all(w in words for w in node.head) and node.options & words:
        return len(node.head) + 1
    for g in node.modifiers:
        if all(w in words for w in g):
            return len(g)
    if not node.examples:
        return None
    # (a form said beside the condition, not only elsewhere in its sentence: "PD dementia,
    # depression, BPH" lists a depression of its own)
    far, clause = getattr(words, "linked_only", frozenset()), getattr(words, "clause", None)
    said = walk_words(clause) if clause is not None else None   # (read here only: few subterms list forms)
    for g in node.examples:
        if all(w in said if said is not None else (w in words and w not in far) for w in g):
            return len(g)
    return None


def _linked(words: frozenset[str], linked: frozenset[str]) -> frozenset[str]:
    """The words below a "with": the mention's own and those its sentence links (I.A.15), the
    latter remembered as such."""
    clause = getattr(words, "clause", None)
    if clause is None and linked <= words:
        return words | linked   # (nothing only the sentence says: the plain union, as before)
    out = WalkWords(words | linked)
    out.implied = _IMPLIED   # (below a "with", an expansion's words count whole: "BPH w/ LUTS", N40.1)
    out.linked_only = getattr(words, "linked_only", frozenset()) | (linked - words)
    out.clause = getattr(words, "clause", None)
    return out


# a word that names a complication (abscess, perforation, peritonitis, gangrene, bleeding...)
_COMPLICATION_WORD = re.compile(r"(?:itis|osis|oma|emia|ation|ure|ess|rene|cele|ysis|pathy|rrhage|ing)$")
# a word that names a disease by its suffix ("retinopathy", "nephritis", "stenosis")
_DISEASE_NOUN = re.compile(r"(?:pathy|itis|osis|emia|algia)$")
_NUMBERED = frozenset(("type", "class", "stage"))
# a number said after these is one word with them ("type 2", "stage 3": a pressure ulcer's "3 x 2 cm"
# says no stage 2)
_JOINED = frozenset(("type", "stage"))
# what a number before it counts (words as the tokenizer folds them: "hospitalizations" -> "hospitalization")
_COUNTED = frozenset("prior previous other more separate episode hospitalization admission time attempt fall "
                     "day week month year yr wk hr hour minute min dose tab tablet pill drink beer child kid "
                     "pregnancy visit sibling brother sister".split())
_NUMBERED_PARENTS = frozenset((("class",),))
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
# drug classes a condition may be "induced" by
_DRUG_CLASSES = frozenset("steroid steroids glucocorticoid glucocorticoids corticosteroid corticosteroids prednisone "
                          "medication medications opioid opioids immunosuppressive immunosuppressant immunosuppressants "
                          "immunosuppression".split())   # (chemotherapy has its own subterms)
_CHEMOTHERAPY = frozenset(("chemotherapy", "chemo"))
# mechanisms of asphyxiation whose index entries take the intent as a subterm, and the intents
_THREATS_TO_BREATHING = frozenset("hanging hanged smothering smothered suffocation suffocated strangulation "
                                  "strangled asphyxiation asphyxia".split())
_INTENT_SUBTERMS = ((frozenset(("suicide", "suicidal", "intentional", "intentionally", "deliberate",
                                "deliberately")), ("done", "intent", "harm", "self")),
                    (frozenset(("assault", "assaulted", "attacked")), ("done", "intent", "harm", "another",
                                                                      "person")),
                    (frozenset(("undetermined",)), ("circumstance", "undetermined")))
_CKD_ROMAN = {**_ROMAN, "v": "5"}
_GRADES = {g: (o, f, "degree") for gs, o, f in ((("i", "1"), "1st", "first"), (("ii", "2"), "2nd", "second"),
                                                (("iii", "3"), "3rd", "third"), (("iv", "4"), "4th", "fourth"))
           for g in gs}


def _joined(word: str) -> bool:
    """A word ``_words`` joined from two ("stage2", "type1")."""
    return word[-1:].isdigit() and word.rstrip("0123456789") in _JOINED


def _words(term: str) -> tuple[str, ...]:
    bare = term.replace("(", " ").replace(")", " ")
    words = normalize_phrase(bare)
    # "type 1" / "type 2" are one word ("type1"): a bare number is a list's ("1. Severe sepsis"),
    # a stage's or a lab value's ("Cr 1.3"), never the diabetes type
    out: list[str] = []
    for i, w in enumerate(words):
        if w.isdigit() and i and words[i - 1] in _JOINED:
            out[-1:] = [] if out and out[-1] == words[i - 1] else out[-1:]
            out.append(words[i - 1] + w)
        elif w in _JOINED and i + 1 < len(words) and words[i + 1].isdigit():
            out.append(w)
        elif w not in _SILENT:
            out.append(fold(w))
    return tuple(out)


def fold(word: str) -> str:
    """Short plurals the tokenizer keeps ("legs", "arms", "eyes") and the body parts' plurals
    ("hands", "knees", "wrists") read as their singular."""
    if word in _PART_PLURALS:
        return word[:-1]
    return word[:-1] if len(word) == 4 and word.endswith("s") and not word.endswith("ss") else word


_PART_PLURALS = frozenset("hands knees wrists elbows ankles shoulders fingers thumbs heels breasts kidneys lungs "
                          "ears".split())


_QUALIFYING = frozenset(("in", "during", "following", "complicating", "affecting", "due"))


_PUERPERAL = frozenset(("puerperal", "postpartum", "childbirth", "gestational", "pregnancy", "puerperium"))


def _alternatives(term: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """("complicating",), {"pregnancy", "childbirth", "puerperium"} for "complicating pregnancy,
    childbirth or puerperium"; (), {"femur", "femoral"} for the spellings of one word "femur,
    femoral" (either one is the subterm); nothing for a term without such a list ("chemistry,
    blood" names both)."""
    spellings = [_words(p) for p in _PARENS.sub(" ", term).split(",")]
    if len(spellings) > 1 and all(len(w) == 1 for w in spellings) and \
            len({w[0][:3] for w in spellings}) == 1:
        return (), frozenset(w[0] for w in spellings)
    if len(spellings) > 2 and all(len(w) == 1 and w[0] in _PUERPERAL for w in spellings):
        # the index's list of the periods of a pregnancy, any one of which the note may say
        # ("Endometritis > puerperal, postpartum, childbirth": a postpartum endometritis, O86.12)
        return (), frozenset(w[0] for w in spellings)
    if " or " not in term:
        return (), frozenset()
    raw = [r.split() for r in re.split(r",| or ", _PARENS.sub(" ", term))]
    segments = [_words(" ".join(s)) for s in raw]
    if len(raw) >= 3 and raw[1] and raw[1][0].lower() in _QUALIFYING and all(segments[1:]):
        # a word and the circumstances it is indexed under ("hymen, in pregnancy or childbirth"):
        # the word, with any one of them
        return segments[0], frozenset(s[-1] for s in segments[1:])
    segments = [s for s in segments if s]
    if len(segments) >= 2 and all(len(s) == 1 for s in segments):
        # a plain list, any one of which the note may say ("with neuritis, radiculitis,
        # radiculopathy or sciatica": M51.16)
        return (), frozenset(s[0] for s in segments)
    if len(segments) < 2 or len(segments[0]) < 2 or any(len(s) != 1 for s in segments[1:]):
        return (), frozenset()
    return segments[0][:-1], frozenset([segments[0][-1]] + [s[0] for s in segments[1:]])


def _lost_words(term: str, modifiers: str) -> tuple[str, ...]:
    """The essential words of a subterm the CSV flattening moved into its modifiers: the index
    prints "and (on) chronic (congestive)", the CSV has term "and", modifiers "(on) chronic
    (congestive)"; "chronic", outside the parentheses, is the subterm."""
    if term.strip().lower() not in ("and", "or", "in"):
        return ()   # (and "in (due to) schistosomiasis (bilharziasis)": Hypertension > portal > in)
    depth, kept = 0, []
    for ch in modifiers:
        depth += ch == "("
        if depth == 0:
            kept.append(ch)
        depth -= ch == ")" and depth > 0
    return _words("".join(kept))


def _cause(term: str) -> tuple[str, ...]:
    """"due to" is reached when the note says the cause ("due to", or an adjective that names
    it: "embolic" stroke, Infarct > brain > due to > embolism)."""
    return ("due",) if _PARENS.sub(" ", term).strip().lower() == "due to" else ()


def _connective(term: str) -> bool:
    """"with", "in (due to) (with)", "involving": a subterm that only connects; its subterms are read
    as its parent's (the "with" convention, I.A.15; "STEMI ... RCA culprit": Infarct > myocardium >
    ST elevation > involving > right coronary artery). "due to" is not one: under Hypertension it
    says secondary hypertension, which the note must say."""
    return _PARENS.sub(" ", term).strip().lower() in ("with", "in", "involving")


def _spellings(term: str) -> list[tuple[str, ...]]:
    parts = [p.strip() for p in term.split(",")]
    keys = [_key(term)]
    # spellings of one word ("Hypertension, hypertensive"), not a qualifier ("Fracture, traumatic")
    if len(parts) > 1 and all(len(p.split()) == 1 and p[:5].lower() == parts[0][:5].lower() for p in parts):
        keys += [_key(p) for p in parts]
    return list(dict.fromkeys(keys))


def _key(term: str) -> tuple[str, ...]:
    return tuple(normalize_phrase(term))


def _groups(modifiers: str) -> tuple[tuple[str, ...], ...]:
    """The abbreviations among a term's nonessential modifiers ("(MRSA)", "(HIV)", "(DNR)"):
    the only modifiers a subterm is matched by on their own; "(acute)" never is."""
    groups = []
    for part in modifiers.split("("):
        raw = part.replace(")", " ").strip()
        if not (raw.isupper() and raw.replace("-", "").isalnum() and len(raw) >= 2):
            continue
        g = tuple(w for w in normalize_phrase(raw) if w not in _SILENT)
        if g:
            groups.append(g)
    return tuple(groups)


def _parse(fh: io.TextIOBase):
    header = fh.readline().rstrip("\n")
    if header != _HEADER:
        raise InvalidInput("index tree: unexpected header")
    for n, line in enumerate(fh, start=2):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 6 or not parts[0].isdigit():
            raise InvalidInput(f"index tree: malformed row {n}")
        level, term, see, see_also, modifiers, code = parts
        yield int(level), term, see, see_also, modifiers, code


# Words a note uses for what the index spells otherwise; read beside the note's own words when
# walking the index ("R knee" is the right knee, "OU" both eyes, "cancer" a malignant neoplasm).
SIDES = {"r": "right", "rt": "right", "right": "right", "l": "left", "lt": "left", "left": "left",
         "od": "right", "os": "left", "ou": "bilateral", "both": "bilateral", "bilat": "bilateral",
         "b/l": "bilateral", "bilateral": "bilateral",
         # a limb by its side ("cellulitis LLE": the left lower limb)
         "lle": "left", "rle": "right", "lue": "left", "rue": "right"}   # the one table of side words
_SIDE_KEYS = frozenset(SIDES)
# an ear's side by its Latin abbreviation, beside an ear's words ("acute suppurative OM AD": the right
# ear; "AD" is atopic dermatitis elsewhere, and "as" an English word)
_EAR_SIDES = {"ad": "right", "au": "bilateral"}
_EAR_CUES = frozenset("ear ears tm tms otitis om aom ome otoscopy tympanic".split())
_TESTS = frozenset("pcr swab test antigen panel screen culture cx ab antibody".split())
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
             "eleventh", "twelfth")
_TEST_FILLER = _TESTS | frozenset("urine blood serum sputum stool nasal rapid and or antigens cultures titers "
                                  "panels swabs tests".split())
_NEGATIVE = frozenset(("negative", "neg"))
_ORGANISMS = frozenset("strep streptococcal staph staphylococcal legionella pneumococcal influenza flu rsv covid "
                       "mycoplasma chlamydia gonorrhea hiv hcv hbv mrsa pylori gbs ebv cmv hsv".split())
_TEST_REACH = 4


def _tested_negative(words: Sequence[str], i: int) -> bool:
    """Whether words[i] is what a test looked for and did not find: "negative" follows it, with
    only other tests' and specimens' words between ("strep/legionella urine antigens negative")."""
    if words[i + 1:i + 2] and (words[i + 1] in _NEGATIVE or (
            words[i + 1] in _TESTS and words[i + 2:i + 3] and words[i + 2] in _NEGATIVE)):
        return True
    if words[i] not in _ORGANISMS:
        return False   # ("pneumonia, blood cultures negative": the pneumonia is no test's)
    for k in range(i + 1, min(len(words), i + 1 + _TEST_REACH)):
        if words[k] in _NEGATIVE:
            return True
        if words[k] not in _TEST_FILLER and words[k] not in _ORGANISMS:
            return False
    return False
# a hypertension these name is not the essential one
_NOT_ESSENTIAL = frozenset("portal pulmonary intracranial ocular secondary renovascular".split())
_CANCERS = frozenset("cancer carcinoma adenocarcinoma malignancy".split())
_CAUSE_LINKS = frozenset(("due", "secondary", "from"))
_CAUSE_LINK_REACH = 4
_EXPAND = {"cancer": ("malignant", "neoplasm"), "carcinoma": ("malignant", "neoplasm"),
           "adenocarcinoma": ("malignant", "neoplasm"), "ca": ("malignant", "neoplasm"),
           # (a malignancy is the index's "neoplastic disease" too: Anemia > in > neoplastic
           # disease, D63.0, for "anemia of malignancy", never Anemia > malignant, D51.0)
           "malignancy": ("malignant", "neoplasm", "neoplastic", "disease"),
           "colorectal": ("colon",),   # (colorectal cancer screening: Screening > neoplasm > colon, Z12.11)
           # coagulase-negative staphylococci ("sepsis 2/2 CLABSI (CoNS)": Sepsis > staphylococcus >
           # coagulase negative, A41.1)
           "cons": ("staphylococcus", "coagulase", "negative"),
           "amd": ("age", "related", "macula", "degeneration"),   # (Degeneration > macula > age-related)
           # (a wet AMD's 7th character "with active choroidal neovascularization", H35.32-1)
           "cnv": ("choroidal", "neovascularization"),
           # (Diabetes > with > retinopathy > with macular edema: "NPDR w/ center-involving DME", E11.331-)
           "dme": ("diabetic", "macular", "edema"),
           "armd": ("age", "related", "macula", "degeneration"),
           # (Infarction > cerebral > due to > embolism)
           "cardioembolism": ("embolism",), "cardioembolic": ("embolism",),
           "basicervical": ("base", "neck"),   # (at the base of the femoral neck: Fracture > femur > neck > base)
           "hand": ("joint",), "hands": ("joint",),   # (Arthritis > rheumatoid > seronegative > hand joint)
           "metastatic": ("secondary",), "metastasis": ("secondary",), "metastase": ("secondary",),
           "mets": ("secondary", "malignant", "neoplasm"),
           "hfref": ("systolic", "heart", "failure", "reduced", "ejection", "fraction"),
           "hfpef": ("diastolic", "heart", "failure", "preserved", "ejection", "fraction"),
           "chemotherapy": ("antineoplastic",), "chemo": ("chemotherapy", "antineoplastic"),
           "luts": ("lower", "urinary", "tract", "symptom"), "hd": ("hemodialysis", "dialysis"),
           "hemodialysis": ("dialysis",), "o2": ("oxygen",), "pd": ("peritoneal", "dialysis"),
           "od": ("eye",), "os": ("eye",), "ou": ("eye",), "ckd": ("chronic", "kidney", "disease"),
           "hypoxic": ("hypoxia",), "hypoxemic": ("hypoxia",), "hypercapnic": ("hypercapnia",),
           "hypercarbic": ("hypercapnia",), "forearm": ("arm", "upper", "limb"), "calf": ("lower", "leg"),
           # a lower limb's parts the index files only under it ("ulcer of R ankle": Ulcer > lower
           # limb > ankle; "plantar midfoot": > midfoot, as the foot's)
           "ankle": ("lower", "limb"), "midfoot": ("foot",),
           # (the back is the trunk's: "lipoma of subcutaneous tissue of back", Lipoma > trunk D17.1)
           "back": ("trunk",),
           # (the ankle's bony points: "ulcer over L medial malleolus", Ulcer > lower limb > ankle)
           "malleolus": ("ankle", "lower", "limb"), "malleolar": ("ankle", "lower", "limb"),
           "gca": ("giant", "cell", "arteritis"), "pmr": ("polymyalgia", "rheumatica"),
           "tophaceous": ("tophus", "tophi"),   # (a chronic gout's 7th character "with tophus", M1A.0721)
           # (Arthropathy > neuropathic (Charcot): "Charcot arthropathy due to DM", E11.610)
           "neuroarthropathy": ("neuropathic", "arthropathy"), "charcot": ("neuropathic",),
           "rul": ("right", "upper", "lobe", "lung"), "rml": ("right", "middle", "lobe", "lung"),
           "rll": ("right", "lower", "lobe", "lung"), "lul": ("left", "upper", "lobe", "lung"),
           "lll": ("left", "lower", "lobe", "lung"), "llq": ("left", "lower", "quadrant", "abdominal"),
           "rlq": ("right", "lower", "quadrant", "abdominal"), "ruq": ("right", "upper", "quadrant", "abdominal"),
           "luq": ("left", "upper", "quadrant", "abdominal"), "loc": ("loss", "consciousness"),
           # the species' current spelling ("Pneumocystis jirovecii": the index's "(jiroveci)")
           "jirovecii": ("jiroveci",),
           # (an ulcer's "exposed subcutaneous fat": Ulcer > ... > with fat layer exposed)
           "fat": ("layer",),
           # (a pregnancy's: Hypertension > complicating pregnancy > pre-existing > essential)
           "chtn": ("chronic", "hypertension", "pre", "existing", "essential"),
           "difficile": ("clostridium",), "diff": ("clostridium", "difficile"),
           "lle": ("lower", "limb", "leg"), "rle": ("lower", "limb", "leg"), "lue": ("upper", "limb", "arm"),
           "rue": ("upper", "limb", "arm"), "posttraumatic": ("post", "traumatic"),
           "atfl": ("talofibular", "ligament"), "cfl": ("calcaneofibular", "ligament"),
           "gangrenous": ("gangrene",),   # "gangrenous appendicitis": Appendicitis > with > gangrene
           "perforated": ("perforation",), "ileal": ("ileum", "small", "intestine"),
           # a bone's process by its own name ("radial styloid": Fracture > radius > styloid process)
           # a scaphoid's waist is its middle third (Fracture > navicular > middle third)
           "waist": ("middle", "third"),
           "styloid": ("process",), "olecranon": ("process",), "coracoid": ("process",),
           "coronoid": ("process",), "odontoid": ("process",), "xiphoid": ("process",),
           # the mouth by its adjective ("oral mucositis": Mucositis > mouth (oral) > ...)
           "oral": ("mouth",), "turbinate": ("nasal",), "turbinates": ("nasal",),   # (Hypertrophy > nasal > turbinate)
           "tm": ("ear", "drum", "tympanic", "membrane"),   # the tympanic membrane, the index's "ear drum"
           # a joint by its abbreviation ("R 1st MTP": a joint of the foot, M25.57-)
           "mtp": ("joint", "toe"), "mcp": ("joint", "finger"), "midshaft": ("shaft",),
           # a dysphagia by its phase ("oropharyngeal dysphagia": R13.12 "..., oropharyngeal phase")
           "oropharyngeal": ("phase",), "pharyngoesophageal": ("phase",),
           "ileum": ("small", "intestine"), "ileitis": ("ileum", "small", "intestine"), "jejunal": ("jejunum", "small", "intestine"),
           # a breast's quadrant ("L breast ca, UOQ": upper-outer quadrant, C50.41-)
           "uoq": ("upper", "outer", "quadrant"), "uiq": ("upper", "inner", "quadrant"),
           "loq": ("lower", "outer", "quadrant"), "liq": ("lower", "inner", "quadrant"),
           # the joints a note names by site ("R knee pain": Pain > joint > knee)
           "knee": ("joint",), "hip": ("joint", "femur"), "shoulder": ("joint", "humerus"),
           "glenohumeral": ("shoulder", "humerus", "joint"), "elbow": ("joint",),
           "wrist": ("joint",), "ankle": ("joint",),
           "coli": ("escherichia",),   # "E. coli": Escherichia coli
           # a newborn by its adjective ("neonatal sepsis": Sepsis > newborn); group B streptococcus
           # by its abbreviation ("GBS sepsis of the newborn": Sepsis > newborn > due to > streptococcus >
           # group B)
           "neonatal": ("newborn",), "neonate": ("newborn",), "gbs": ("streptococcus", "group", "b"),
           "prematurity": ("preterm", "delivery", "due", "to"),   # Jaundice > due to > preterm delivery
           # a newborn's note (its context word): Jaundice > newborn, an implied word that yields to the
           # note's own ("anemia of prematurity": Anemia > of prematurity, not Anemia > newborn)
           "newbornnote": ("newborn", "neonatal", "infant"),   # (the index says each: Hypoglycemia > neonatal,
           # P70.4; > in infant of diabetic mother > gestational diabetes, P70.0)
           "maternal": ("mother",),   # ("hypoglycemia due to maternal GDM": ... infant of diabetic mother)
           # (the index's "operation wound": "dehiscence of surgical wound" / "of the laparotomy incision", T81.31)
           "surgical": ("operation",), "incision": ("operation", "wound"), "incisional": ("operation", "wound"),
           # the brain's arteries by their abbreviations, and an infarct's cause as its adjective
           # ("cardioembolic stroke, left MCA": Infarct > brain > due to > embolism > brain artery)
           "mca": ("middle", "brain", "artery"), "aca": ("anterior", "brain", "artery"),
           "pca": ("posterior", "brain", "artery"), "embolic": ("embolism", "due"),
           "cardioembolic": ("embolism", "due"), "thrombotic": ("thrombosis", "due"),
           "thromboembolic": ("embolism", "thrombosis", "due"),
           # peripheral arterial / vascular disease is the tabular's "peripheral angiopathy" (I73.9
           # inclusion term): Diabetes > with > peripheral angiopathy, E11.51
           "pad": ("peripheral", "angiopathy", "extremities", "leg"),
           "pvd": ("peripheral", "angiopathy", "extremities", "leg"),
           # claudication is intermittent (Arteriosclerosis > extremities > leg > with > intermittent claudication)
           "claudication": ("intermittent",),
           # a calculous inflammation is one with calculus (Cholecystitis > acute > with > calculus)
           "calculous": ("calculus", "cholelithiasis"),
           # a bleed is a hemorrhage in the index's words (Ulcer > duodenum > acute > with hemorrhage), a
           # hemorrhage a bleeding (Diverticulosis > large intestine > with > bleeding)
           "bleed": ("hemorrhage", "bleeding"), "bleeding": ("hemorrhage",), "hemorrhage": ("bleeding",),
           # an exacerbation of a chronic condition is its acute phase ("acute on chronic", "with
           # (acute) exacerbation")
           "exacerbation": ("acute",), "exacerbated": ("acute",),
           "aoc": ("acute", "on", "chronic"),   # "AoC HFrEF": acute on chronic systolic heart failure
           "ae": ("acute", "exacerbation"),   # "COPD in AE": in acute exacerbation (J44.1)
           "anterior": ("front",),   # "contusion L anterior chest wall": Contusion > thorax > front (S20.21-)
           # radioactive iodine ablation irradiates the thyroid (Hypothyroidism > postirradiation, E89.0)
           "rai": ("postirradiation",),
           "lig": ("ligament",), "ligs": ("ligament",),   # "sprain L calcaneofibular lig"
           "fat": ("layer",),   # "subcutaneous fat exposed": an ulcer with fat layer exposed (L97.-2)
           # a disc is the index's intervertebral disc, at a spinal region ("lumbar DDD": Degeneration >
           # intervertebral disc > lumbar region)
           "ddd": ("degeneration", "degenerative", "intervertebral", "disc"), "disc": ("intervertebral",),
           "lumbar": ("region",), "thoracic": ("region",), "cervical": ("region",),
           # closing an ostomy is attention to it (Z43 "includes closure of artificial openings")
           "takedown": ("attention", "to"),
           # a decompensated heart failure is the index's "with decompensation": acute on chronic
           "decompensated": ("decompensation", "acute", "on", "chronic"),
           # a limb named by its part: Arteriosclerosis > extremities > leg
           "leg": ("extremity",), "arm": ("extremity",),
           # ... and a limb named "extremity" (Cellulitis > lower limb: "cellulitis of the left lower extremity")
           "extremity": ("limb",),
           # essential hypertension is pre-existing in a pregnancy (Hypertension > complicating >
           # pregnancy > pre-existing > essential, I.C.15.d)
           "essential": ("pre", "existing"),
           # chronic hypertension in a pregnancy is the pre-existing essential one (O10.01-); an
           # unqualified hypertension is essential (the main term's nonessential "(essential)"),
           # and only pregnancy's entries index "essential" and "pre-existing" as subterms
           "chronic": ("pre", "existing"), "hypertension": ("essential",), "htn": ("essential",),
           # superimposed pre-eclampsia is one on pre-existing hypertension (Pre-eclampsia > with
           # pre-existing hypertension, O11.-)
           "superimposed": ("pre", "existing", "hypertension"),
           "alcohol": ("alcoholic",),
           "<": ("less",), "min": ("minute", "minutes"), "mins": ("minute", "minutes"),   # "LOC <30 min"
           "supraspinatus": ("rotator", "cuff"), "infraspinatus": ("rotator", "cuff"),   # the cuff's tendons
           "subacromial": ("shoulder",), "subdeltoid": ("shoulder",), "olecranon": ("elbow",),
           "rsv": ("respiratory", "syncytial", "virus", "due"),   # "RSV bronchiolitis": due to RSV (J21.0)
           "nodule": ("solitary",),   # "RUL nodule": Nodule > lung, solitary (R91.1)
           "perineal": ("perineum",), "heel": ("foot",),
           "macular": ("macula",),   # "macular edema": Edema > macula (H35.81; diabetic: see Diabetes)
           "cr": ("complete", "remission"),   # "MM in CR" (a creatinine "Cr 1.3" is a lab: ``_LABS``)
           # (osteomyelitis too, by its sense: the index walk from M86 reads no "media")
           "om": ("otitis", "media"),
           # exfoliation is of the lens capsule (Glaucoma > ... > pseudoexfoliation of lens: H40.14-;
           # the index's "lens" reads as "len", as every short plural does: ``fold``)
           "pseudoexfoliation": ("len",), "pxf": ("pseudoexfoliation", "len"), "pxe": ("pseudoexfoliation", "len"),
           "nasal": ("nose",), "helix": ("ear",), "helical": ("ear",), "antihelix": ("ear",), "tragus": ("ear",),   # the ear's parts
           "colon": ("large", "intestine"), "colonic": ("large", "intestine"),
           "sigmoid": ("colon", "large", "intestine"), "rectosigmoid": ("colon", "large", "intestine"),   # Diverticulosis > large intestine
           # a fragility fracture is pathological, due to osteoporosis (M80)
           "fragility": ("pathological", "pathologic", "osteoporosis", "due"),
           # Fracture, pathological > due to > osteoporosis
           "osteoporotic": ("osteoporosis", "pathological", "pathologic", "due"),
           "lgib": ("lower", "gastrointestinal", "bleeding", "hemorrhage"),   # "LGIB d/t diverticulosis"
           "ugib": ("upper", "gastrointestinal", "bleeding", "hemorrhage"),
           "gib": ("gastrointestinal", "bleeding", "hemorrhage"),
           "postablative": ("postprocedural", "postirradiation"),   # after radioiodine or surgical ablation
           # a diabetes abbreviation names its type (Pregnancy > complicated by > diabetes > pre-existing > type 2)
           # (... and a typed diabetes is a pre-existing one in a pregnancy: Pregnancy > complicated by >
           # diabetes > pre-existing > type 1, O24.01-)
           **{w: ("type2", "pre", "existing") for w in ("t2dm", "dm2", "dmii", "niddm", "t2d")},
           **{w: ("type1", "pre", "existing") for w in ("t1dm", "dm1", "dmi", "iddm", "t1d")},
           "distal": ("lower", "end"), "proximal": ("upper", "end"),   # Fracture > radius > lower end
           # a spinal level names its region ("L4-L5 disc herniation": lumbar region)
           # ... and the vertebra by its number ("L1 compression fracture": Fracture > vertebra > lumbar > first)
           **{f"l{n}": ("lumbar", "vertebra", o) for n, o in zip(range(1, 6), _ORDINALS)},
           **{f"c{n}": ("cervical", "vertebra", o) for n, o in zip(range(1, 8), _ORDINALS)},
           **{f"t{n}": ("thoracic", "vertebra", o) for n, o in zip(range(1, 13), _ORDINALS)},
           "s1": ("lumbosacral",),   # peripheral arterial disease: Arteriosclerosis > extremities > peripheral
           # a bone the note names without the word ("fracture of the 5th metatarsal": Fracture >
           # metatarsal bone > fifth)
           **{w: ("bone",) for w in ("tarsal", "carpal", "sesamoid")},
           # (and the bones together, as the index names them: "stress fx of L 2nd metatarsal":
           # Fracture > stress > metatarsus, M84.37-, of the foot: M84.375A)
           "metatarsal": ("bone", "metatarsus", "foot"), "metacarpal": ("bone", "metacarpus", "hand"),
           **{f"{n}{s}": (w,) for n, s, w in ((1, "st", "first"), (2, "nd", "second"), (3, "rd", "third"),
                                               (4, "th", "fourth"), (5, "th", "fifth"))},
           # a fragment or splinter in a wound is a foreign body (Laceration > hand > with foreign body)
           **{w: ("foreign", "body") for w in ("fragment", "fragments", "splinter", "splinters")},
           "mt": ("metatarsal", "bone"), "mc": ("metacarpal", "bone"),
           "sacrum": ("sacral", "region"), "coccygeal": ("coccyx",),
           "mdd": ("major", "depressive", "disorder"),
           "fossa": ("space",),   # (the index's "antecubital space", "popliteal space")
           "oud": ("opioid", "use"), "aud": ("alcohol", "use"),   # (no "with other induced disorder", F11.288)
           "gad": ("generalized", "anxiety", "disorder"),   # "insomnia due to GAD": due to > anxiety disorder
           "ptsd": ("post", "traumatic", "stress", "disorder"), "ocd": ("obsessive", "compulsive", "disorder"),
           "gdm": ("gestational", "diabetes", "diabetic"), "a1gdm": ("gestational", "diabetes", "diet", "controlled"),
           "ltcs": ("low", "transverse", "cesarean"),
           # a mother's diabetes makes her the index's "diabetic mother" ("hypoglycemia in infant of mother
           # with gestational diabetes": Hypoglycemia > in infant of diabetic mother > gestational diabetes, P70.0)
           "diabetes": ("diabetic",),
           "cirrhosis": ("liver",), "cirrhotic": ("cirrhosis", "liver"),   # Cirrhosis (hepatic) (liver)
           "polyarticular": ("multiple", "site"),
           "secondhand": ("second", "hand", "tobacco"),   # Exposure > second hand tobacco smoke
           "sbo": ("small", "intestine", "intestinal", "obstruction"),
           "psbo": ("partial", "small", "intestine", "intestinal", "obstruction"),
           "bowel": ("intestine", "intestinal"),   # "small bowel obstruction": with intestinal obstruction
           "aaa": ("abdominal", "aortic", "aneurysm"),
           # the index's own words for intractable (Epilepsy > intractable (pharmacoresistant)
           # (refractory) (treatment resistant)): "drug-resistant focal epilepsy" is intractable
           "refractory": ("intractable",), "pharmacoresistant": ("intractable",), "resistant": ("intractable",),
           "ica": ("internal", "carotid", "artery"),   # "L ICA stenosis": Stenosis > carotid (I65.2-)
           "carotid": ("artery",),   # "R carotid stenosis": Stricture > artery > carotid
           # a nerve by its name ("R ulnar neuropathy at the elbow": Neuropathy > ulnar nerve, G56.2-;
           # the common peroneal nerve is the lateral popliteal: Lesion > nerve > popliteal, G57.3-)
           "ulna": ("nerve",), "median": ("nerve",),   # (a note's "ulnar" reads as "ulna")
           "peroneal": ("nerve", "popliteal", "lateral", "entrapment"),   # (the index names it only so)
           "uvj": ("ureterovesical", "ureter", "ureteral"), "upj": ("ureteropelvic", "ureter", "ureteral"),
           "stone": ("calculus",),   # Stone(s) - see Calculus ("UVJ stone with hydronephrosis": N13.2)
           # an arthroplasty is a joint replacement, a surgery ("aftercare following right TKA":
           # Aftercare > following surgery > joint replacement, Z47.1)
           "arthroplasty": ("joint", "replacement", "surgery"), "hemiarthroplasty": ("joint", "replacement", "surgery"),
           **{w: ("joint", "replacement", "surgery", "arthroplasty") for w in ("tka", "tkr", "tha", "thr", "tsa")},
           # a tubular or tubulovillous adenoma of the colon is an adenomatous polyp
           "tubular": ("adenomatous", "polyp"), "tubulovillous": ("adenomatous", "polyp"),
           # the adjective of the index's noun (Candidiasis > vulvovaginitis > chronic (recurrent) B37.32)
           "vulvovaginal": ("vulvovaginitis",),
           "strep": ("streptococcal", "streptococcus"), "staph": ("staphylococcal", "staphylococcus")}   # "alcohol-induced cirrhosis": Cirrhosis > alcoholic


_CIGARETTES = frozenset(("cigarette", "cigarettes", "cig", "cigs"))
_NICOTINE_WORDS = frozenset(("tobacco", "nicotine", "cigarette", "cigarettes", "smoking"))
# what "left" leaves when it is the verb ("wound left open", "sutures left in place")
_LEFT_STATES = frozenset("open opened unclosed unsutured unrepaired alone untreated intact undisturbed".split())


def _left_as_verb(words: Sequence[str], i: int) -> bool:
    return words[i] == "left" and i + 1 < len(words) and (
        words[i + 1] in _LEFT_STATES or (words[i + 1] == "in" and tuple(words[i + 2:i + 3]) == ("place",)))
_ELECTRONIC = frozenset(("electronic", "e"))


def handedness(words: Sequence[str], i: int) -> bool:
    """Whether words[i] is the side of the patient's handedness ("right-handed", "R hand dominant"),
    which names no side of a condition."""
    return SIDES.get(words[i]) in ("right", "left") and (
        tuple(words[i + 1:i + 2]) == ("handed",) or tuple(words[i + 1:i + 3]) == ("hand", "dominant"))


def side_words(words: Iterable[str]) -> tuple[str, ...]:
    """The words with sides spelled out and expansions added, for the Tabular ("R knee" ->
    "right knee"; "HFrEF" -> systolic heart failure); nothing left out."""
    out: list[str] = []
    words = list(words)
    lumbosacral = any(words[i] in ("l5", "l4") and words[i + 1] == "s1" for i in range(len(words) - 1))
    ears = bool(_EAR_CUES.intersection(words))
    for i, w in enumerate(words):
        if lumbosacral and w in ("l4", "l5"):
            continue   # "L5-S1": the lumbosacral level, not the lumbar region
        if w in _CIGARETTES and i and words[i - 1] in _ELECTRONIC:
            continue   # "nicotine dependence - electronic cigarettes": another product (F17.29-)
        if _left_as_verb(words, i):
            continue   # "wound left open": no side
        if handedness(words, i):
            continue   # "right-handed F with adenocarcinoma of the LEFT LOWER LOBE": the patient's hand, no side
        if w in _LABS and i + 1 < len(words) and any(ch.isdigit() for ch in words[i + 1]):
            out.append(w)   # "Cr 1.3": a result, nothing expanded
            continue
        side = SIDES.get(w, w) if not (ears and w in _EAR_SIDES) else _EAR_SIDES[w]
        if w == "as" and ears and _EAR_CUES.intersection(words[max(0, i - 1):i + 2]):
            side = "left"   # "AOM AS", "AS TM bulging": the left ear (an English "as" is never beside one)
        out.append(side)
        if side in ("right", "left"):
            out.append("unilateral")   # one side named: "L inguinal hernia" is unilateral (K40.90)
        out.extend(_EXPAND.get(w, ()))
    return tuple(out)


# Words a note implies more often than it says ("knee" is a joint): a subterm that needs one
# counts it for less than a word the note says ("s/p BKA": Absence > leg > below knee, not
# Absence > joint > knee).
_IMPLIED = frozenset({"joint", "extremity", "femur", "humerus"})
_IMPLIED_WEIGHT = 0.4
_ENTRY_WEIGHT = 10   # an entry's own qualifier the note says outweighs any subterm path
# words whose expansion is what they mean, not an inference: "fragility fracture" is the index's
# Fracture, pathological, due to osteoporosis, said
_DEFINING = frozenset(("fragility",))
_STEM = 6


class WalkWords(frozenset):
    """A note's words as the index reads them; ``implied``: those only an expansion added
    ("calf" says "lower leg"), which count for less than the note's own ("Ulcer > lower limb >
    calf", not "> lower leg")."""
    implied: frozenset[str] = frozenset()
    linked_only: frozenset[str] = frozenset()   # those only a "with" link in the sentence added
    clause: "tuple[str, ...] | None" = None   # the mention's own clause, where a subterm's forms are read
# Tests a note gives with their value ("LDL 96", "A1c 7.2"): read as results, never as subterms.
# "after" / "following" an operation named within this many words: the condition is
# postprocedural, as the index subterms say ("Hypothyroidism > postsurgical", "Pain > postoperative")
_AFTER = frozenset(("after", "following", "since"))   # ("ED since prostatectomy")
_AFTER_REACH = 3
POSTPROCEDURAL = frozenset(("postprocedural", "postsurgical", "postoperative"))
_OPERATIONS = frozenset("surgery operation procedure resection repair ablation".split())
# a species after its genus's initial names the genus ("K. pneumoniae" is Klebsiella's, "S. pneumoniae"
# Streptococcus's)
_GENERA = {("h", "influenzae"): "hemophilus", ("e", "coli"): "escherichia", ("s", "aureus"): "staphylococcus",
           ("s", "pneumoniae"): "streptococcus", ("k", "pneumoniae"): "klebsiella",
           ("p", "aeruginosa"): "pseudomonas", ("s", "pyogenes"): "streptococcus",
           ("m", "pneumoniae"): "mycoplasma", ("s", "epidermidis"): "staphylococcus",
           ("e", "faecalis"): "enterococcus", ("e", "faecium"): "enterococcus"}


def _operation(word: str) -> bool:
    return word in _OPERATIONS or word.endswith(("ectomy", "otomy", "ostomy", "plasty"))


_LABS = frozenset("ldl hdl a1c hba1c inr tsh psa bnp egfr gfr crp esr wbc hgb cr".split())
_NEGATORS = frozenset(("without", "no", "non", "not", "never"))
_LIST_JOINS = frozenset(("or", "and", "nor"))
_NEGATED_SPAN = 2   # words after "without" / "w/o" / "no" that a subterm may not use
# an organism the note says no test named ("organism not identified", "unknown organism")
_ORGANISM_WORDS = frozenset(("organism", "organisms"))
_UNNAMED_AFTER = frozenset((("not", "identified"), ("not", "isolated"), ("not", "found"), ("not", "specified")))
_UNNAMED_BEFORE = frozenset(("no", "unknown", "unidentified", "unspecified", "undetermined"))


def undenied(words: Iterable[str]) -> tuple[str, ...]:
    """The words without what "no" / "without" / "w/o" / "not" denies (the negator kept): "GERD
    with esophagitis, no bleeding" never reads "bleeding" as the code's "with bleeding"."""
    out: list[str] = []
    skip, last = 0, -2   # last: the last word denied
    words = list(words)
    for i, w in enumerate(words):
        if w in _NEGATORS:
            skip = _NEGATED_SPAN + _evidence_of(words, i) + _denied_noun(words, i)
            out.append(w)
        elif skip or (w in _LIST_JOINS and last == i - 1):
            # "without obstruction or gangrene", "without dyskinesia or motor fluctuations",
            # "without inflammation, stricture, or bleeding": each conjunct denied, with its modifiers
            skip = _conjunct(words, i) if w in _LIST_JOINS else skip - 1
            last = i
        else:
            out.append(w)
    return tuple(out)


def _same_stem(a: str, b: str) -> bool:
    """Two forms of one word ("osteoporosis", "osteoporotic"): a shared stem of 6+ letters that
    leaves at most 4 letters of either."""
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= _STEM and len(a) - n <= 4 and len(b) - n <= 4


def expansions(words: Iterable[str]) -> frozenset[str]:
    """The words an abbreviation stands for ("MDD": major depressive disorder)."""
    return frozenset(x for w in words for x in _EXPAND.get(w, ()))


def _conjunct(words: list, i: int) -> int:
    """Words a list join at i denies after a denied word: the next conjunct's ("... or motor
    fluctuations"), none before "with" ("without hematuria and with ...")."""
    return 0 if words[i + 1:i + 2] == ["with"] else _NEGATED_SPAN + _denied_noun(words, i)


def _denied_noun(words: list, i: int) -> int:
    """1 when the third word after the negator at i is the condition its two modifiers qualify
    ("without common duct obstruction"); a severity after a denied pair is not ("dementia without
    behavioral disturbance, moderate")."""
    k = i + 1 + _NEGATED_SPAN
    return int(k < len(words) and words[k] not in _LIST_JOINS and
               (words[k].endswith(("tion", "ssion")) or bool(_COMPLICATION_WORD.search(words[k]))))


def _evidence_of(words: list, i: int) -> int:
    """Words of "(sonographic) evidence of" / "signs of" after the negator at i: what they
    introduce is the denied condition ("without sonographic evidence of acute cholecystitis")."""
    for k in range(i + 1, min(len(words) - 1, i + 4)):
        if words[k] in ("evidence", "sign", "signs", "feature", "features", "finding", "findings") and \
                words[k + 1] == "of":
            return k + 2 - (i + 1)
    return 0


def aliases_of(words: frozenset[str]) -> frozenset[str]:
    """The note's words the index reads as one of ``words`` ("glenohumeral" is the shoulder's)."""
    return frozenset(k for k, v in _EXPAND.items() if words & set(v))


_RIB_NUMBER = re.compile(r"^(?:\d{1,2}|\d{1,2}(?:st|nd|rd|th))$")
_RIB_REACH = 4   # words after "rib" its numbers may follow ("rib fractures 4-7")
_RIB_JOINS = frozenset(("through", "thru", "to", "and"))


def _rib_number(word: str) -> bool:
    return bool(_RIB_NUMBER.match(word)) and 1 <= int(word.rstrip("stndrh")) <= 12


_DIABETES_WORDS = frozenset(("diabetes", "dm", "diabetic"))


def _several_ribs(words: Sequence[str]) -> bool:
    """Whether the words name more than one rib: "ribs", or two rib numbers near "rib"."""
    for i, w in enumerate(words):
        if w == "ribs":
            return True
        if w == "rib":
            near = words[max(0, i - _RIB_REACH):i + _RIB_REACH + 1]
            for k in range(len(near) - 1):   # a range or a pair: "4-7", "4 through 7", "5th and 6th"
                at = k + 2 if near[k + 1] in _RIB_JOINS and k + 2 < len(near) else k + 1
                if _rib_number(near[k]) and _rib_number(near[at]) and near[at + 1:at + 2] not in (["cm"], ["mm"]):
                    return True
    return False


def walk_words(words: Iterable[str]) -> frozenset[str]:
    """A note's words as the index reads them: sides spelled out, cancer as malignant neoplasm;
    what "without" / "w/o" / "no" denies is left out ("cystitis w/o hematuria" never walks to
    "with hematuria"). ("primary OA of both knees, R worse" -> ... "bilateral", "right")."""
    words = list(words)
    out = set()
    expanded: set[str] = set()
    skip, last = 0, -2
    for i, w in enumerate(words):
        if w == "secondary" and i + 1 < len(words) and words[i + 1] == "to":
            # "ESRD secondary to hypertensive nephrosclerosis" is not secondary hypertension; it says the
            # cause, as "due to" does ("pancytopenia secondary to chemotherapy": Pancytopenia > due to >
            # chemotherapy, D61.810)
            expanded.add("due")
            continue
        if w in _LABS and i + 1 < len(words) and any(ch.isdigit() for ch in words[i + 1]):
            continue   # "LDL 96" is a result, not "LDL-type" hyperlipidemia
        if _tested_negative(words, i):
            continue   # "strep negative", "RSV PCR negative", "strep/legionella urine antigens negative":
            # a test that found nothing
        if w in _ORGANISM_WORDS and (tuple(words[i + 1:i + 3]) in _UNNAMED_AFTER or
                                (i + 1 < len(words) and words[i + 1] in _UNNAMED_BEFORE) or
                                (i and words[i - 1] in _UNNAMED_BEFORE)):
            continue   # "organism not identified": no "specified organism NEC" (J16.8)
        if w in _NEGATORS:
            skip = _NEGATED_SPAN + (1 if w == "without" and i + 1 < len(words) and words[i + 1] == "o" else 0) + \
                _evidence_of(words, i) + _denied_noun(words, i)
            out.add(w)
            continue
        if skip or (w in _LIST_JOINS and last == i - 1):
            skip = _conjunct(words, i) if w in _LIST_JOINS else skip - 1
            last = i
            continue
        if last == i - 1 and _DISEASE_NOUN.search(w) and _DISEASE_NOUN.search(words[i - 1]):
            last = i   # a slash list of denied conditions: "no known retinopathy/neuropathy/nephropathy"
            continue
        if w == "disorder" and i and words[i - 1] == "use" and (_NICOTINE_WORDS.intersection(words) or
                                                              "withdrawal" in words):
            continue   # "tobacco use disorder": the dependence itself, no nicotine-induced disorder (F17.2x9);
            # "opioid use disorder ... opioid withdrawal": Dependence > opioid > with withdrawal, no "with
            # other opioid-induced disorder" (F11.288)
        if w in _CIGARETTES and i and words[i - 1] in _ELECTRONIC or _left_as_verb(words, i):
            continue
        if w.isdigit() and i + 1 < len(words) and words[i + 1] in _COUNTED:
            continue   # "2 prior hospitalizations for mania": a count, no type II (Disorder > bipolar > II)
        if not (w.isdigit() and i and words[i - 1] in _JOINED):
            out.add(fold(SIDES.get(w, w)))   # ("type 2" is "type2": its 2 is no "class 2" or "stage 2")
        if w in POSTPROCEDURAL or w == "postop":
            # the index says "postprocedural", "postoperative" or "postsurgical" by entry ("Failure,
            # respiratory, postprocedural" for "acute postoperative respiratory failure", J95.821)
            out.update(POSTPROCEDURAL)
        if (w == "bed" and i and words[i - 1] == "nail" or w == "nailbed") and \
                not _UNHARMED & set(words[i + 1:i + 3]):   # ("nail and nail bed intact": no damage)
            expanded.update(("damage", "nail"))   # a wound into the nail bed damages the nail (Laceration >
            # finger > with > damage to nail, S61.3-)
        if w == "thickness" and i and words[i - 1] in ("full", "partial"):
            # a full-thickness tear is complete, a partial-thickness one incomplete (Tear > rotator cuff)
            expanded.add("complete" if words[i - 1] == "full" else "incomplete")
        if w == "grade" and i + 1 < len(words) and words[i + 1] in _GRADES:
            # "grade I internal hemorrhoids": Hemorrhoids > 1st degree, as said as "internal"
            out.update(_GRADES[words[i + 1]])
        if w in _NUMBERED and i + 1 < len(words) and words[i + 1] in _ROMAN:
            out.add(w + _ROMAN[words[i + 1]])   # "Class I obesity": Obesity > class 1
        if w == "rf" and i + 1 < len(words) and words[i + 1] in ("+", "positive", "pos"):
            expanded.add("seropositive")   # "RF+ RA": Arthritis > rheumatoid > seropositive (M05.-)
        if w == "ckd" and i + 1 < len(words) and words[i + 1] in _CKD_ROMAN:
            out.add("stage" + _CKD_ROMAN[words[i + 1]])   # "CKD IV": Disease > kidney > chronic > stage 4
        if w in _NUMBERED and i + 1 < len(words) and words[i + 1].isdigit():
            out.add(w + words[i + 1])   # Diabetes > type 2, Obesity > class 2 (one word: see ``_words``)
            if w == "type" and words[i + 1] in ("1", "2") and set(words[i + 2:i + 3]) & _DIABETES_WORDS:
                expanded.update(("pre", "existing"))   # a typed diabetes in a pregnancy is pre-existing
        if w in _CANCERS and _CAUSE_LINKS & set(words[max(0, i - _CAUSE_LINK_REACH):i]):
            # a cancer a condition is said to be due to is the index's "neoplastic disease" ("anemia due
            # to sigmoid colon cancer": Anemia > in (due to) > neoplastic disease, D63.0, never
            # Anemia > malignant, D51.0, so not its "malignant neoplasm" either)
            expanded.update(("neoplastic", "disease"))
        elif not (w in ("hypertension", "htn") and i and words[i - 1] in _NOT_ESSENTIAL):
            expanded.update(_EXPAND.get(w, ()))   # ("portal hypertension" is no essential one)
        if i and (words[i - 1], w) in _GENERA:
            out.add(_GENERA[words[i - 1], w])   # "H. influenzae": Pneumonia > Hemophilus influenzae
        if w == "alcohol" and i >= 2 and words[i - 2:i] == ["due", "to"]:
            expanded.add("induced")   # "pancreatitis due to alcohol": Pancreatitis > acute > alcohol induced
        if w == "to" and i and words[i - 1] in ("due", "secondary") and \
                (_DRUG_CLASSES | _CHEMOTHERAPY).intersection(words[i + 1:i + 3]):
            expanded.add("induced")   # "pancytopenia secondary to chemotherapy": chemotherapy induced (D61.810)
            if _DRUG_CLASSES.intersection(words[i + 1:i + 3]):
                out.add("drug")   # "diabetes due to steroids": Diabetes > due to drug or chemical (E09), as
                # "steroid-induced" below
        if w == "induced" and i and words[i - 1] in _DRUG_CLASSES:
            out.add("drug")   # "steroid-induced diabetes": Diabetes > due to drug or chemical (E09)
        if w == "p" and i and words[i - 1] == "s":
            expanded.add("following")   # "aftercare s/p R TKA": Aftercare > following surgery
        after = w in _AFTER or (i and (words[i - 1], w) in (("s", "p"), ("status", "post")))
        if after and any(_operation(x) for x in words[i + 1:i + 1 + _AFTER_REACH]):
            # "hypothyroidism after total thyroidectomy", "... s/p thyroidectomy": Hypothyroidism > postsurgical
            expanded.update(POSTPROCEDURAL)
            expanded.add("following")   # (Dysfunction > erectile > postoperative > following > prostatectomy)
    if any(words[i] in ("l5", "l4") and words[i + 1] == "s1" for i in range(len(words) - 1)):
        expanded.discard("lumbar")   # "L5-S1": the lumbosacral level, not the lumbar region
    if _several_ribs(words):
        expanded.add("multiple")   # "L rib fractures 4-7", "fx of ribs 5 and 6": Fracture > rib > multiple
    if out & _THREATS_TO_BREATHING:
        # an asphyxiation's intent is an index subterm of its mechanism (Asphyxia > traumatic > due to >
        # mechanical threat > hanging > done with intent to harm > by self, T71.162): said by the
        # suicide attempt, the assault or the undetermined intent beside it
        expanded.update(next((said for cue, said in _INTENT_SUBTERMS if cue & out), ()))
    result = WalkWords(out | expanded)
    # a note word's own noun ("osteoporotic" -> osteoporosis, "hypoxic" -> hypoxia) is said, not implied
    defined = {x for w in _DEFINING & out for x in _EXPAND[w]}
    result.implied = frozenset(x for x in expanded - out - defined
                               if not any(_same_stem(x, w) for w in out)) | _IMPLIED
    return result
