"""Neoplasms coded as the Neoplasm Table and the Tabular say (I.C.2): site by the words the note
uses, behaviour by what it says of the tumour.

"invasive ductal carcinoma of the L breast, upper-outer quadrant" (52F) -> Neoplasm Table,
breast > upper-outer quadrant, malignant primary C50.4- -> left, female: C50.412.
"prostate adenocarcinoma metastatic to bone" -> C61 primary, C79.51 secondary.
"metastatic adenocarcinoma in the liver; primary site unknown" -> C78.7 + C80.1.

A tumour word ("carcinoma", "cancer", "NSCLC", "malignancy") with a site in the same clause
(before it, "lung cancer", or after "of", "carcinoma of the sigmoid colon") is looked up in the
Neoplasm Table; "metastatic to X" / "X metastases" is X's secondary column; "in situ" its in-situ
column. Mentions ConText reads as negated or hypothetical are not coded; historical ones are
returned marked, for their history code (Z85).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from server.budget import checkpoint
from server.domain import Assertion
from server.pipeline.drug_tables import NEOPLASM_COLUMNS
from server.pipeline.entities import Sentence
from server.pipeline.pregnancy import sex_words
from server.pipeline.index_tree import SIDES, handedness
from server.pipeline.text import is_year, normalize_phrase

_TUMOUR = frozenset("carcinoma cancer adenocarcinoma malignancy malignant nsclc sclc sarcoma carcinoid "
                    "ca neoplasm tumor tumour idc ilc scc".split())
_SECONDARY = frozenset("metastatic metastasis metastases metastase met mets secondary".split())
# Abbreviations that name a site (and sometimes the histology) in the Neoplasm Table's words.
_SITE_WORDS = {"nsclc": ("lung",), "sclc": ("lung",), "idc": ("breast",), "ilc": ("breast",), "rul": ("right", "lung", "upper", "lobe"),
               "rml": ("right", "lung", "middle", "lobe"), "rll": ("right", "lung", "lower", "lobe"),
               "lul": ("left", "lung", "upper", "lobe"), "lll": ("left", "lung", "lower", "lobe"),
               "crc": ("colon",), "colorectal": ("colon",), "hcc": ("liver",), "rcc": ("kidney",),
               "uoq": ("upper", "outer", "quadrant"),
               "uiq": ("upper", "inner", "quadrant"), "loq": ("lower", "outer", "quadrant"),
               "liq": ("lower", "inner", "quadrant"), "ala": ("nose",), "nasal": ("nose",),
               "sigmoid": ("sigmoid", "colon"), "cecal": ("cecum",)}   # ("sigmoid adenocarcinoma": the colon's)
# a vertebra by its level ("metastatic to L4", "T11 lesion"): the table's vertebra (bone)
_VERTEBRAL_LEVEL = re.compile(r"[ctl]\d{1,2}|s[1-5]")
# a tumour word that qualifies another condition ("cancer-related fatigue", "neoplasm-related pain")
_QUALIFYING = frozenset(("related", "associated"))
# what a visit does about a cancer it does not find ("skin cancer surveillance", "lung cancer screening")
_WATCHED = frozenset(("surveillance", "screening", "screen", "risk"))
_MALIGNANT_WORDS = frozenset("carcinoma adenocarcinoma malignant malignancy cancer".split())
_LESION_NOUNS = frozenset("disease lesion deposit focus foci".split())
_SPREAD_TYPES = frozenset("melanoma lymphoma myeloma seminoma".split())   # tumour types the Neoplasm Table has no column for
_STOP = frozenset("the of a an in with and to on at from for".split())
_PAREN = re.compile(r"\([^)]*\)")
_SCOPE = 7                 # words read on either side of the tumour word for its site
_NODE_WORDS = frozenset("node nodes nodal ln lns lymph".split())
_LIST_REACH = 12           # words of a list of sites a spread names ("to the brain and to the spine")
_LESIONS = frozenset("polyp polyps lesion lesions mass masses".split())
_LESION_BACK, _LESION_REACH = 3, 4   # sentences back, and words either side of the lesion, read for its site
_LESION_WORDS = 120   # words of each of those sentences read, nearest first
_COLON_SEGMENTS = frozenset("sigmoid ascending descending transverse".split())
_UNKNOWN_PRIMARY = re.compile(r"\b(primary (site )?(unknown|not (identified|found))|unknown primary)\b", re.I)


_BIOPSY = frozenset("bx biopsy biopsies fna path pathology cytology".split())
_PAST_SCOPE = frozenset(("last", "prior", "previous", "remote", "removed"))
_SCOPED = {"colonoscopy": ("colon",), "colonoscopies": ("colon",), "sigmoidoscopy": ("sigmoid", "colon")}
_POLYP_HISTORY = ("D12",)   # benign neoplasms of the colon and rectum, whose history is the adenomatous polyp's


@dataclass(frozen=True)
class NeoplasmHit:
    code: str
    behavior: str        # primary | secondary | in_situ
    sentence: int
    tok_start: int
    tok_end: int
    site: str            # the table row's path, for the coder
    historical: bool = False   # "s/p hemicolectomy for adenoCA of the ascending colon": its history code's
    primary: str = ""    # a spread "to" a site: the site's own primary code (pleura: C38.4), which its words never are


class NeoplasmReader:
    def __init__(self, table, icd10cm, finish: Callable[[str, Sequence[str]], str | None] | None = None,
                 benign: frozenset[str] = frozenset(), malignant: frozenset[str] = frozenset(),
                 unsited: dict[str, tuple[str, frozenset[str]]] | None = None):
        """``finish(code, words)``: the Tabular's last step for a table code that leaves the side
        or the histology open (C50.419 + "left", "female" -> C50.412; C44.301 + "basal cell").
        ``benign``: morphology words the Alphabetic Index codes by the table's benign column
        ("Adenoma - see also Neoplasm, benign, by site": tubular adenoma of the sigmoid -> D12.5);
        ``malignant``, those it codes by the malignant column ("Osteosarcoma - see Neoplasm, bone,
        malignant": osteosarcoma of L distal femur -> C40.22); ``unsited``, the code of those whose
        entry codes the tumour the note places nowhere ("Glioblastoma > unspecified site", C71.9), with
        the entry's nonessential words, read past to the site ("glioblastoma multiforme of the L
        frontal lobe": C71.1)."""
        self.table, self.cm = table, icd10cm
        self.finish = finish
        self.benign = benign
        self.malignant = malignant - _TUMOUR
        self.unsited = {**(unsited or {}), **{w + "s": c for w, c in (unsited or {}).items()}}
        # "sigmoid colon" is the table's "intestine > large > colon > sigmoid": rows by the words
        # of their last one or two subterms, the shortest path first
        self._tail: dict[frozenset[str], object] = {}
        for row in sorted((r for r in table.rows if any(r.codes)), key=lambda r: len(r.path)):
            for k in (1, 2):
                if len(row.path) >= k:
                    key = frozenset(w for p in row.path[-k:] for w in normalize_phrase(_PAREN.sub(" ", p))
                                    if w not in _STOP)
                    self._tail.setdefault(key, row)
        # Lymph > gland > <region> rows by the region's words ("axilla, axillary": C77.3)
        self._glands: dict[str, object] = {}
        for row in table.rows:
            if len(row.path) == 3 and row.path[0].startswith("lymph") and row.path[1] == "gland" and any(row.codes):
                for w in normalize_phrase(_PAREN.sub(" ", row.path[2])):
                    if w not in _STOP:
                        self._glands.setdefault(w, row)

    def find(self, text: str, sentences: Sequence[Sentence],
             assertion: Callable[[int, int, int], Assertion]) -> list[NeoplasmHit]:
        sex = sex_words(text)
        out: list[NeoplasmHit] = []
        for si, s in enumerate(sentences):
            words = s.words
            for i, w in enumerate(words):
                if w not in _TUMOUR and w not in _SECONDARY and w not in ("nsclc", "sclc") and w not in self.benign \
                        and w not in self.malignant:
                    continue
                checkpoint()
                said = assertion(si, i, i + 1)
                if said not in (Assertion.PRESENT, Assertion.POSSIBLE, Assertion.HISTORICAL):
                    continue
                if i + 1 < len(words) and words[i + 1] in _QUALIFYING:
                    continue   # "bone metastases with neoplasm-related pain": the pain's (G89.3), no tumour of bone
                if i + 1 < len(words) and words[i + 1] in _WATCHED and \
                        not text[s.tokens[i].end:s.tokens[i + 1].start].strip(" -"):
                    continue   # "Skin cancer surveillance visit", "colon cancer screening": the visit for it
                hits = self._at(words, i, si, sex, s.commas)
                unsited = i + 1 < len(words) and words[i + 1] in _TUMOUR and \
                    not self._at(words, i + 1, si, sex, s.commas)
                if not hits and w in _SECONDARY and w != "secondary" and said is not Assertion.HISTORICAL and (
                        unsited or (_BIOPSY & set(words) and _TUMOUR & set(words[i + 1:i + 3]))):
                    # "bx: metastatic adenocarcinoma c/w colorectal primary" after "CT: 3 new hepatic
                    # lesions": the spread is at the lesion's site (C78.7); a diagnosis's own site is its
                    # primary ("metastatic adenocarcinoma RUL"), and a biopsy's "metastatic colon
                    # adenoca" names where the lesion it sampled came from
                    site = self._lesion_site(sentences, si, i, si - _LESION_BACK)
                    hit = self._hit(site, "secondary", words, max(0, i - _SCOPE), min(len(words), i + _SCOPE + 1),
                                    si, i, sex) if site is not None else None
                    hits = [hit] if hit else []
                if not hits and w in self.benign:
                    # a pathology line that names only the histology ("Path: tubular adenomas") is the
                    # lesion a sentence before placed ("two polyps in sigmoid colon removed"; "one 8 mm
                    # polyp in sigmoid, removed ...; otherwise normal to cecum": the polyp's site)
                    # (one the note placed already is the one a later bare word refers back to:
                    # "... and one adenoma, repeat colonoscopy in 5 years")
                    placed = any(h.behavior == "benign" for h in out)
                    site = self._lesion_site(sentences, si, i, si if placed else si - _LESION_BACK)
                    if site is None and si and not placed and sentences[si - 1].section == s.section:
                        site = self._site([x for x in sentences[si - 1].words if x not in _TUMOUR])
                    scope = next((_SCOPED[x] for x in words if x in _SCOPED), None)
                    scoped = site is None and scope is not None
                    if scoped:
                        # the bowel a scope looked at ("tubular adenoma removed at colonoscopy 2024")
                        site = self._site(list(scope))
                    if site is not None:
                        hit = self._hit(site, "benign", words, max(0, i - _SCOPE), min(len(words), i + _SCOPE + 1),
                                        si, i, sex)
                        hits = [hit] if hit else []
                    if scoped and "today" not in words and (_PAST_SCOPE & set(words) or any(is_year(x) for x in words)):
                        said = Assertion.HISTORICAL   # a past colonoscopy's, removed then: its history
                if not hits and w in self.unsited and self.cm.id_of(self.unsited[w][0]) >= 0:
                    # a tumour the index codes by its kind where no site is said ("medulloblastoma, s/p
                    # resection": Medulloblastoma > unspecified site, C71.6)
                    hits = [NeoplasmHit(self.unsited[w][0], "primary", si, i, i + 1, "unspecified site")]
                if said is Assertion.HISTORICAL:
                    # (and a colon's adenoma, removed: History > personal > neoplasm > benign > colon polyp >
                    # adenomatous, Z86.0101)
                    hits = [replace(h, historical=True) for h in hits if h.behavior in ("primary", "in_situ")
                            or (h.behavior == "benign" and h.code.startswith(_POLYP_HISTORY))]
                out.extend(h for hit in hits for h in self._both_sides(hit, words))
        if _UNKNOWN_PRIMARY.search(text) and any(h.behavior == "secondary" and not h.historical for h in out):
            code = "C80.1"
            if self.cm.id_of(code) >= 0:
                first = next(h for h in out if h.behavior == "secondary" and not h.historical)
                out.append(NeoplasmHit(code, "primary", first.sentence, first.tok_start, first.tok_end, "unknown"))
        return out

    def _at(self, words: Sequence[str], i: int, si: int, sex: tuple[str, ...],
            commas: Sequence[bool] = ()) -> list[NeoplasmHit]:
        lo, hi = max(0, i - _SCOPE), min(len(words), i + _SCOPE + 1)
        in_situ = "situ" in words[lo:hi]
        hits = []
        # "metastatic to bone" / "bone metastases": the site after "to" or before the word, in its
        # own list item ("adenocarcinoma of sigmoid colon, liver mets": the liver's)
        first = max([lo, i - 3] + [k for k in range(max(lo, i - 3) + 1, i + 1) if k < len(commas) and commas[k]])
        before = words[first:i]
        # (the site nearest the word: "NSCLC of RUL with bone metastases" is the bone's)
        joins = [j for j, w in enumerate(before) if w in ("with", "and", "w")]
        if joins and joins[-1] + 1 < len(before):
            before = before[joins[-1] + 1:]
        # "carcinoma of the sigmoid colon", "metastatic to bone": a site after "of" / "in" / "to"
        # "metastatic disease to"; a spread word's own tumour between it and its site ("metastatic
        # melanoma to the lung": the lung's secondary, the melanoma its own primary)
        k = i + 2 if i + 2 < len(words) and (words[i + 1] in _LESION_NOUNS or words[i + 1] in self.unsited.get(
            words[i], ("", frozenset()))[1] or (
            words[i] in _SECONDARY and (words[i + 1] in _TUMOUR or words[i + 1] in _SPREAD_TYPES)
            and words[i + 2] == "to")) else i + 1
        after = words[k:hi] if k < len(words) and words[k] in ("of", "in", "to") else ()
        if "from" in after[1:]:
            # (what comes "from" a site is its origin, no site of the spread: "metastatic adenocarcinoma to
            # the liver from primary sigmoid colon cancer" is the liver's)
            after = after[:after.index("from", 1)]
        if not after and k < len(words) and words[k] in _SITE_WORDS and words[i] in _TUMOUR:
            after = (words[k],)   # "adenocarcinoma RUL": the site abbreviation after it
        if words[i] == "secondary" and (tuple(words[i + 1:i + 2]) == ("to",)
                                        or not _TUMOUR & set(words[lo:hi])):
            return []   # "AKI secondary to pyelonephritis", "secondary hyperparathyroidism": no spread
        if after and words[k] == "of" and "origin" in after and words[i] in _TUMOUR:
            # "metastatic adenocarcinoma of colorectal origin": the site it came from, its primary
            origin = self._site([w for w in after if w != "origin"])
            return [h for h in (self._hit(origin, "primary", words, lo, hi, si, i, sex),) if h] if origin else []
        if words[i] in _SECONDARY:
            spread = after and (words[k] == "to" or k > i + 1)   # "metastatic lesions in the bone"
            site = (self._site(after) if spread else None) or self._site(before)
            if site is not None:
                hit = self._hit(site, "secondary", words, lo, hi, si, i, sex)
                hits.append(self._spread_to(hit, site) if spread and words[k] == "to" else hit)
            if spread and site is not None:
                # "metastases to the brain and to the spine and pelvis": each site listed its own
                part: list[str] = []
                listed = list(words[k:min(len(words), k + _LIST_REACH)])
                listed = listed[:listed.index("from", 1)] if "from" in listed[1:] else listed   # (its origin)
                for w in listed + ["and"]:
                    if w not in ("and", "or"):
                        part.append(w)
                        continue
                    more = self._site(part) if part and part != list(after[:len(part)]) else None
                    if more is not None and more[0] is not site[0]:
                        hits.append(self._hit(more, "secondary", words, lo, hi, si, i, sex))
                    part = []
            # "metastatic lesions in the bone": the lesions are the spread's (no M89.9 beside it)
            return [replace(h, tok_end=k) if k > i + 1 and words[i + 1] in _LESION_NOUNS else h for h in hits if h]
        if after and words[k] == "to" and (_SECONDARY & set(words[max(lo, i - 3):i]) or words[i] in _TUMOUR):
            # "metastatic breast cancer to the bone": the bone's secondary, the breast's primary (a cancer
            # "to" a site has spread there: "breast cancer to the pleura" is C78.2, no pleural primary)
            spread, origin = self._site(after), self._site([w for w in before if w not in _SECONDARY])
            for site, behavior in ((spread, "secondary"), (origin, "primary")):
                if site is not None:
                    hit = self._hit(site, behavior, words, lo, hi, si, i, sex)
                    hits.append(self._spread_to(hit, site) if behavior == "secondary" else hit)
            return [h for h in hits if h]
        site = self._site(after) or self._site(before) or self._site((words[i],))
        if site is None:
            return []
        behavior = "in_situ" if in_situ else "primary"
        if words[i] in self.benign:
            if _MALIGNANT_WORDS & set(words[lo:hi]):
                return []   # "adenocarcinoma arising in an adenoma": the carcinoma's
            behavior = "benign"
        if i > 0 and words[i - 1] in _SECONDARY and words[i] != "nsclc" and \
                not (after and words[k] in ("of", *_SITE_WORDS)):
            behavior = "secondary"   # "metastatic adenocarcinoma" in the liver: the liver's secondary
            # ("metastatic carcinoma of the left breast" is the breast's primary, spread elsewhere)
        hits.append(self._hit(site, behavior, words, lo, hi, si, i, sex))
        return [h for h in hits if h]

    def _lesion_site(self, sentences: Sequence[Sentence], si: int, upto: int, first: int):
        """The site of the nearest lesion ("polyp", "mass") sentence ``si`` before word ``upto`` or
        the sentences before it from ``first`` on place ("Sigmoid polyp, cold snare: TUBULAR ADENOMA"),
        read from the words around it; a segment of the colon said alone is the colon's ("polyp in
        sigmoid": sigmoid colon)."""
        for k in range(si, max(-1, first - 1), -1):
            words = sentences[k].words if k < si else sentences[k].words[:upto]
            words = words[-_LESION_WORDS:]   # (a run-on note's one sentence: its nearest words only)
            for j in reversed([j for j, x in enumerate(words) if x in _LESIONS]):
                around = [x for x in words[max(0, j - _LESION_REACH):j + _LESION_REACH + 1] if x not in _TUMOUR]
                site = self._site(around)
                if site is None and _COLON_SEGMENTS & set(around):
                    site = self._site([x for x in around if x in _COLON_SEGMENTS] + ["colon"])
                if site is not None:
                    return site
        return None

    def _site(self, words: Sequence[str]):
        """The table row for the longest run of site words (abbreviations spelled out)."""
        expanded: list[str] = []
        for w in words:
            if w in _TUMOUR or w in _SECONDARY or w in _STOP:
                continue
            expanded.extend(_SITE_WORDS.get(w, ("vertebra",) if _VERTEBRAL_LEVEL.fullmatch(w) else (w,)))
        if _NODE_WORDS & set(words):
            # "mediastinal (station 4R and 7) nodal metastases": the table's lymph gland of that
            # region (lymph > gland > mediastinal, C77.1), not the mediastinum's own row
            for w in expanded:
                # (a region the table does not list around one it does: "pericolic" nodes are the colic
                # nodes, "perigastric" the gastric, lymph > gland > colic, C77.2)
                w = w[4:] if w.startswith("peri") and w not in self._glands else w
                if w in self._glands:
                    return self._glands[w], expanded
        for n in range(min(4, len(expanded)), 0, -1):
            for a in range(0, len(expanded) - n + 1):
                phrase = " ".join(expanded[a:a + n])
                row = self.table.exact(phrase)
                if row is not None and any(self.table.rows[row[0]].codes):
                    return self.table.rows[row[0]], expanded
                tail = self._tail.get(frozenset(expanded[a:a + n]))
                if tail is not None and n > 1:
                    return tail, expanded
        return None

    def _hit(self, site, behavior, words, lo, hi, si, i, sex) -> NeoplasmHit | None:
        row, site_words = site
        refine_words = _sided(list(site_words) + list(words[lo:hi]) + list(sex))
        code = row.code(behavior, refine_words, self.cm)
        if code is None:
            # a row that gives only some columns sends the rest to the site's full entry ("colon":
            # primary C18.9 there, the benign one under intestine > large > colon, D12.6)
            row = next((r for r in self._rows_ending(row.path[-1]) if r is not row and r.codes[
                NEOPLASM_COLUMNS.index(behavior)]), None) if row.path else None
            code = row.code(behavior, refine_words, self.cm) if row is not None else None
        if code is None:
            return None
        if self.finish is not None and "unspecified" in self.cm.description(code).lower():
            code = self.finish(code, refine_words) or code
        return NeoplasmHit(code, behavior, si, i, i + 1, " > ".join(row.path))

    def _spread_to(self, hit: NeoplasmHit | None, site) -> NeoplasmHit | None:
        """``hit`` (a spread "to" ``site``) with the site's own primary code."""
        if hit is None:
            return None
        row, site_words = site
        return replace(hit, primary=row.code("primary", _sided(list(site_words)), self.cm) or "")


    def _both_sides(self, hit: NeoplasmHit, words: Sequence[str]) -> list[NeoplasmHit]:
        """A paired organ's unspecified-side code where the site is said to be both sides
        ("metastatic RCC to bone and bilateral lungs"): the right's and the left's codes, the
        classification having no bilateral one for it (I.B.13)."""
        lo, hi = max(0, hit.tok_start - _SCOPE), min(len(words), hit.tok_end + _SCOPE)
        if self.cm.id_of(hit.code) < 0:
            return [hit]
        title = self.cm.description(hit.code)
        organ = set(normalize_phrase(title.lower()))
        # (the organ said both: "to bone and bilateral lungs" is the lungs', not the kidney primary's)
        if not any(w == "bilateral" and organ & set(words[k + 1:k + 3]) for k, w in enumerate(words[lo:hi], lo)):
            return [hit]
        parent = self.cm.ancestors(hit.code)[:1]
        siblings = {self.cm.description(c): c for c in self.cm.children(parent[0])} if parent else {}
        for m in _SIDE_IN_TITLE.finditer(title):
            both = [siblings.get(title[:m.start()] + side + " " + title[m.end():]) for side in ("right", "left")]
            if all(both) and all(self.cm.is_billable(c) for c in both):
                return [replace(hit, code=c) for c in both]
        return [hit]

    def _rows_ending(self, last: str) -> list:
        """The table's rows whose path ends with ``last`` (built once)."""
        by_last = self.__dict__.get("_by_last")
        if by_last is None:
            by_last = {}
            for r in self.table.rows:
                if r.path:
                    by_last.setdefault(r.path[-1].lower(), []).append(r)
            self.__dict__["_by_last"] = by_last
        return by_last.get(last.lower(), [])


_SIDE_IN_TITLE = re.compile(r"\b(?:unspecified|right|left) ")   # the side word of a paired organ's title


def _sided(words: Sequence[str]) -> list[str]:
    return [SIDES.get(w, w) for k, w in enumerate(words) if not handedness(words, k)]
