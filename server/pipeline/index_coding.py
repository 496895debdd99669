"""Index-driven coding steps, as a coder reads the Alphabetic Index (``index_tree.IndexTree``).

- ``refine``: a mention that lands on a main term's own code (Osteoarthritis -> M19.90) walks
  that main term's subterms with the words around it ("primary OA of both knees" -> M17.0).
- ``history_code``: a past or relative's condition is looked up under History > personal (of) /
  family (of) ("hx of MRSA skin infection" -> Z86.14).
- ``status_codes``: "s/p" / "status post" phrases are looked up under Status and Presence
  ("s/p CABG x3" -> Z95.1; "s/p R TKA" -> Z96.651).
"""
from __future__ import annotations

import re

from dataclasses import dataclass, replace
from typing import Sequence

from server.budget import checkpoint
from server.domain import Assertion, CodeSystem, RuleNote
from server.pipeline.entities import SIDE_WORDS, Candidate, Mention, Sentence, names_sign
from server.pipeline.index_tree import (POSTPROCEDURAL, SIDES, WITH_MARK, IndexHit, IndexTree, WalkWords, aliases_of,
                                        expansions, side_words, undenied, walk_words)
from server.pipeline.mapping import CodeMapper, MappedCode
from server.pipeline.text import is_year, normalize_phrase

# the joints a joint implant's subterms name, and the words of a fracture that name its joint
_JOINTS = frozenset("hip knee shoulder elbow ankle wrist finger".split())
_JOINT_OF = {**{w: w for w in _JOINTS}, "femoral": "hip", "femur": "hip", "humeral": "shoulder", "humerus": "shoulder"}
_JOINT_BACK = 6   # words before an "s/p" its fracture's joint may be said in
# What a "status post" phrase says in abbreviations, in the index's words. Data, not answers:
# each expansion is the procedure's name, which the index then codes.
STATUS_ABBREVIATIONS = {
    "cabg": "coronary artery bypass graft",
    "tx": "transplant", "txp": "transplant",   # "s/p deceased donor kidney tx"
    "tka": "knee joint implant", "tkr": "knee joint implant",
    "tha": "hip joint implant", "thr": "hip joint implant",
    "des": "coronary artery angioplasty with implant", "pci": "coronary artery angioplasty with implant",
    "stent": "coronary artery angioplasty with implant",
    "avr": "heart valve implant", "mvr": "heart valve implant", "tavr": "heart valve implant",
    "tavi": "heart valve implant", "ppm": "cardiac pacemaker",
    "valve": "heart valve implant", "mechanical": "prosthetic",
    # a joint replaced is a joint implant (Presence > knee-joint implant: Z96.65-)
    "replacement": "joint implant", "arthroplasty": "joint implant", "hemiarthroplasty": "joint implant",
    "hd": "renal dialysis", "hemodialysis": "renal dialysis", "pd": "renal dialysis", "o2": "oxygen",
    "wheelchair": "wheelchair confinement",   # Status > wheelchair confinement (Z99.3)
    "aicd": "automatic cardiac defibrillator", "icd": "automatic cardiac defibrillator",
    "cea": "carotid endarterectomy", "pacemaker": "cardiac pacemaker",
    # an amputation level names the limb ("below-knee": Absence > leg > below knee)
    "knee": "knee leg", "bka": "leg below knee amputation", "aka": "leg above knee amputation",
    "elbow": "elbow arm",
    # an organ's removal is its acquired absence (Absence > prostate, acquired -> Z90.79)
    "prostatectomy": "prostate acquired", "nephrectomy": "kidney acquired", "splenectomy": "spleen acquired",
    "mastectomy": "breast acquired", "pneumonectomy": "lung acquired", "gastrectomy": "stomach acquired",
    "colectomy": "large intestine acquired", "hemicolectomy": "large intestine acquired",
    "sigmoidectomy": "large intestine acquired", "cystectomy": "bladder acquired",
    "orchiectomy": "testes acquired", "oophorectomy": "ovary acquired",
    "thyroidectomy": "thyroid gland acquired", "cholecystectomy": "gallbladder acquired",
    "hallux": "great toe", "peg": "gastrostomy", "trach": "tracheostomy",
    # an implanted venous port (Presence > access port device, Z95.828)
    "port": "vascular implant access port device", "mediport": "vascular implant access port device",
    "powerport": "vascular implant access port device",
    "portacath": "vascular implant access port device",
}
STATUS_TRIGGERS = (("s", "p"), ("status", "post"), ("sp",))
# Procedures whose result lasts, named without "s/p" in a history list; amputations anywhere.
_SURGERY_NEC = "Z98.890"   # other specified postprocedural states
# the history categories whose codes go by the site of a neoplasm: "History > family > malignant
# neoplasm" alone (Z80.9) says less than the site the note names
_SITE_TABLES = ("Z80", "Z85")
# title words that name no kind of their own
_TITLE_FILLER = frozenset("and or of other specified the with without".split())
# ("PSH: R knee replacement 2020")
_LASTING_PROCEDURES = frozenset("tka tkr tha thr cabg avr mvr tavr replacement arthroplasty hemiarthroplasty".split())
_AMPUTATIONS = frozenset(("bka", "aka"))
# an amputation spelled out ("L below-knee amputation 2 yrs ago", "Hx right 2nd toe amputation
# 2018"): a status once the note dates it, never the operation or injury of this visit
_SPELLED_AMPUTATIONS = frozenset(("amputation", "amputations"))
_LEVEL_JOINTS = frozenset(("knee",))   # (the arm has its own "above elbow" subterm)
# an artificial opening the patient lives with ("PEG tube in place", "colostomy functioning"):
# Status > gastrostomy, colostomy... (Z93.-), unless the note makes it now or undoes it
_OPENINGS = frozenset("colostomy ileostomy jejunostomy gastrostomy tracheostomy trach urostomy nephrostomy "
                      "cystostomy ureterostomy peg".split())
_TUBE_LETTERS = {"g": "gastrostomy", "j": "jejunostomy"}   # "G-tube", "J-tube"
# an operation of this stay: the opening it makes is the procedure, no status, unless it is dated
_MADE_NOW = frozenset("underwent performed created creation formation constructed construction admitted "
                      "admission".split())
_ATTENDED = frozenset("replacement replaced change changed exchange exchanged revision revised dislodged "
                      "dislodgement care refitting".split())
_ATTENDED_BEFORE = 4
# abbreviations of an opening that are other words too ("PEG 17 g daily" is polyethylene glycol,
# "trach aspirate" the trachea's): the opening only beside its tube's words or a route
_AMBIGUOUS_OPENINGS = {"peg": frozenset("tube site feeds feed feeding feedings fed placement placed "
                                        "dependent".split()),
                       "trach": frozenset("tube collar site dependent care mask placement placed".split())}
_ROUTES = frozenset(("via", "per", "through"))
_STAY_DAY = re.compile(r"(?:hd|pod)\d+")   # "HD3", "POD2": a day of this stay
_DAY_AFTER = 3   # words after a status phrase its stay's day may be said in
_DATED = frozenset("ago prior previous hx history remote old since healed".split())
# a phalanx's level is no finger: "laceration over the middle phalanx" of the index finger
_PHALANX = frozenset(("phalanx", "phalanges", "phalange", "phalanx's"))
_PHALANX_LEVELS = frozenset(("middle", "proximal", "distal"))
# a replacement that is a therapy, not a joint: "hypothyroidism, stable on replacement", "hormone replacement"
_THERAPY_BEFORE = frozenset("on hormone hormonal thyroid estrogen testosterone enzyme electrolyte potassium "
                            "iron b12 vitamin fluid volume nicotine".split())
_HISTORY = frozenset(("past_medical_history", "past_surgical_history"))
# Softer ones: "history of hysterectomy", "prior nephrectomy" say a status only for a procedure
# (Z9x); "history of MI" is History's (``history_code``).
_PAST_TRIGGERS = (("history", "of"), ("hx", "of"), ("h", "o"), ("prior",), ("previous",), ("remote",))
# Devices a note names without "s/p" ("NSTEMI treated with DES to LAD", "mechanical mitral valve"):
# the phrase from the device word on is looked up under Status and Presence.
_DEVICES = frozenset("des stent stents pacemaker ppm aicd icd defibrillator mechanical prosthetic bioprosthetic "
                     "pump".split())
_CODE_SETS = frozenset(("10", "9", "11", "code", "codes", "cm", "pcs"))   # "ICD-10": a code set, no defibrillator
# A device placed at this encounter is a procedure, not a status ("cystoscopy with left ureteral
# stent placement").
_PLACED_NOW = frozenset("placement placed inserted insertion implanted implantation".split())
# "stent" is read as a coronary stent (Z95.5) unless the phrase names another vessel or duct.
_CORONARY_DEVICES = frozenset(("stent", "stents"))
# (a limb's arteries are _LIMB_ARTERIES: a peripheral angioplasty status)
_OTHER_VESSELS = frozenset("ureteral ureter ureteric biliary bile duct esophageal esophagus carotid renal "
                           "tracheal airway pancreatic subclavian "
                           "ercp cbd plastic".split())   # ("ERCP ... 10 Fr plastic stent")
_LIMB_ARTERIES = frozenset("sfa femoral popliteal tibial iliac peripheral".split())
# a stent the note shows to be of another kind: one of these words in a stent's sentence; a bare
# "stent" elsewhere in that note is the same device unless its own sentence says a heart's word
# ("L ureteral stent placement (on string)" ... "Remove stent by string day 5": no Z95.5)
_NONCORONARY_STENT = _OTHER_VESSELS | _LIMB_ARTERIES | frozenset("ureteroscopy string jj retriever".split())
_CORONARY_WORDS = frozenset("coronary lad rca lcx circumflex diagonal om pci des cad cabg stemi nstemi mi "
                            "cardiac heart svg".split())
_PERIPHERAL_STENT = "angioplasty with implant"
_STATUS_SCOPE = 6          # words read after "s/p"
_REMOVALS = frozenset(w for w in STATUS_ABBREVIATIONS if w.endswith("ectomy"))
_OPERATING = frozenset(("procedures", "operative_details"))   # where a removal is the one done now
_STATUS_STOP = frozenset("for due because after and but with".split())
_GRAFT_SOURCE = frozenset("donor deceased living cadaveric related unrelated".split())
_MAIN_STATUS = ("Status", "Presence", "Dependence")
_FACES = frozenset("plantar palmar dorsal dorsum volar medial lateral anterior posterior".split())   # a part's faces
_STATUS_FILLER = frozenset("status of and or other unspecified s on".split())   # (a status title's words no note needs)
# an opening closed or a device taken out: no status of it (Z93 artificial opening, Z95-Z97 devices)
_UNDONE = frozenset("takedown reversal reversed closure closed removal removed explant explanted explantation".split())
_UNDONE_STATUS = ("Z93", "Z95", "Z96", "Z97")
_PARTIAL = frozenset("lumpectomy partial segmental wedge biopsy excision excisional wle quadrantectomy".split())
_BITE = frozenset(("bite", "bitten"))
_OTHER_PART = "other part of"
_AFTER_WORDS = frozenset(("after", "following", "post", "since"))
_NOT_SITES = frozenset(("with", "left", "right", "bilateral"))
_OWN_REACH = 2   # words between a site and a condition word that make it that condition's own
_UNSPECIFIED_SITE = "unspecified site"
_TABULAR_SITE_WORDS = 3   # a site a Tabular title names in at most this many words ("lower leg")
_NOT_A_SITE = frozenset("other multiple unspecified and sites specified".split())
_UNCOMPLICATED = "without complications"
# a title that says the condition has nothing with it ("Other stimulant dependence, uncomplicated"):
# a code of its category whose "with" subterm names what the note says with it is more specific,
# "unspecified" or not
_ALONE = re.compile(r"\buncomplicated\b|without complications", re.I)
_STAGE = "stage"
_FEW_ENTRIES = 6      # entries that give a code an abbreviation names, walked all (more: none)
_MAX_WITH_CODES = 4   # codes one mention may yield through the "with" subterms of its entry
# "on HD MWF", "on home O2": what a patient depends on (Dependence (on) > renal dialysis -> Z99.2)
_DEPENDS_ON = frozenset("on uses using requires wears".split())   # "uses home oxygen 2 L at night"
_DEPENDENCE = frozenset("hd hemodialysis dialysis pd o2 oxygen ventilator vent bipap cpap wheelchair".split())
_OXYGEN = frozenset(("o2", "oxygen"))
_LONG_TERM_OXYGEN = frozenset("home chronic chronically continuous continuously nocturnal night baseline long "
                              "supplemental dependent".split())


# A main term with no code of its own ("Polyp", "Effusion") read in a phrase no lexicon term
# covered ("6 mm polyp in sigmoid colon"): its subterms coded from the words beside it, for a
# condition chapter's code; never status, encounter or external-cause codes, nor an infection a
# site word names alone ("lesion ... breast primary" is no Lesion > primary, syphilis A51.0).
_HEAD_CHAPTERS = frozenset("CDEFGHIJKLMNOQRS")
_HEAD_LEFT = 2
_PERINATAL, _NEWBORN = "P", "newborn"   # chapter 16, and the word a newborn's record prefers
_POSTOPERATIVE = frozenset(("postoperative",))
# the words a note's pregnancy context adds to a condition's window ("complicating pregnancy, second trimester")
_PREGNANCY_WORDS = frozenset("pregnancy pregnant complicating trimester first second third gestation gestational "
                             "childbirth puerperium postpartum week weeks".split())
# the index's words for "a disease the note names" ("due to known physiological condition", "general
# medical condition")
_PHYSIOLOGICAL = frozenset(("due", "to", "known", "physiological", "general", "medical", "condition"))
_CAUSE_REACH = 2   # words after "due to" its disease may start at ("due to idiopathic Parkinson disease")
_POSTOP_REACH = 5   # words before a condition its "postprocedural" may stand ("acute postprocedural hypoxic ...")
_UNSPECIFIED_WORD = "unspecified"
_WHOLE_ORGANS = ("Z90.1", "Z90.5")   # absences of a breast, a kidney: a partial removal leaves them
_ORDINAL = re.compile(r"^\d+(?:st|nd|rd|th)?$")
_INCLUSION_FILLER = frozenset("of the and or with in a an".split())
_STEM = 5   # letters a site's adjective shares with its noun ("duoden-al", "duoden-um")
_SAME_SENTENCE_REACH = 12   # words before an injury word where its site may be named in the same sentence
_INJURY_CHAPTERS = frozenset("ST")   # a site from the sentence before: injuries only
_FOREIGN_BODY = frozenset(("foreign", "body"))
_PRIOR_SITES = 6   # the sentence before's last site words an injury may take
_ABBREVIATION_LEN = 5   # a one-word mention this short that expands to several words is an abbreviation
_PROCEDURE_WORDS = frozenset("transplant transplantation replacement bypass graft amputation implant stent "
                             "pacemaker cabg tka tha tkr thr bka aka pci".split())


_GENERIC_REFS = frozenset(("disease", "diseased", "syndrome", "disorder"))
# the generic noun of a condition's own name ("use disorder"), never another "with" subterm beside it
_GENERIC_NOUNS = frozenset("disorder disorders disease condition".split())


def _same_chapter(code: str, other: str) -> bool:
    """Two codes of one chapter; an injury of unspecified region (T14) is the chapter of the
    injuries by site (S00-S99) its site specifies ("scaphoid waist fx": S62.00-, not T14.90)."""
    kinds = {c[:3] if c.startswith("T14") else c[:1] for c in (code, other)}
    return len(kinds) == 1 or kinds == {"S", "T14"}


_OTHER_TITLE = re.compile(r"other\b", re.I)
_COMPLICATING = "complicating"   # the index's subterm for a condition in a pregnancy (PregnancyContext.walk_words)
_INDUCED = "induced"
# subterm words that name no condition of their own ("with > disorder": Other stimulant-induced disorder)
_BARE_KINDS = frozenset(("with", "disorder", "disorders"))
# what a note says induced a condition where the Table of Drugs names no class of it ("alcohol-induced")
_AGENTS = frozenset("alcohol etoh ethanol drug drugs medication medications substance steroid steroids "
                    "chemotherapy".split())
_WITHOUT_WORDS = frozenset(("without", "w", "no", "not"))


def _withouts_said(path: Sequence[str], window: Sequence[str]) -> bool:
    """Whether each "without X" subterm of an index path says what the note denies ("Nausea without
    vomiting" is no Vomiting > without nausea, R11.11: the note's "without" is before "vomiting")."""
    for p in path:
        ws = p.split()
        if len(ws) > 1 and ws[0] == "without" and not any(
                window[k] in _WITHOUT_WORDS and window[k + 1] == ws[1] for k in range(len(window) - 1)):
            return False
    return True


def _vague(cm, code: str) -> bool:
    """An unspecified code ("Alcoholic liver disease, unspecified")."""
    return "unspecified" in cm.description(code).lower()


_OF = frozenset("of to in on at".split())


# acute and subsequent myocardial infarctions, and the coronary arteries their index subterms name
INFARCTS = ("I21", "I22")
_SUBSEQUENT = "subsequent"
_CORONARIES = {"rca": ("right", "coronary", "artery"), "lad": ("left", "anterior", "descending", "coronary", "artery"),
               "lcx": ("left", "circumflex", "coronary", "artery")}


_REGION_REACH = 7   # words after "of" / "at" an injury's region may run ("at the base of the right fifth metatarsal")


def _broken(s: Sentence, k: int) -> bool:
    """Whether a comma or semicolon comes right before token k of sentence s."""
    return (k < len(s.commas) and bool(s.commas[k])) or (k < len(s.gaps) and bool(s.gaps[k]))


def phalanx_levels(words: Sequence[str]) -> Sequence[str]:
    """``words`` with the level word before a phalanx blanked ("volar middle phalanx")."""
    if not _PHALANX & set(words):
        return words
    return [("" if w in _PHALANX_LEVELS and k + 1 < len(words) and words[k + 1] in _PHALANX else w)
            for k, w in enumerate(words)]


def _of_phrase(window: Sequence[str], mention: Sequence[str], reach: int = 4) -> tuple[str, ...]:
    """The words of the phrase a preposition attaches to the mention ("fracture of the left
    distal radius"): up to ``reach`` words after it."""
    if not mention:
        return ()
    n = len(mention)
    for i in range(len(window) - n):
        if tuple(window[i:i + n]) == tuple(mention) and window[i + n] in _OF:
            # (numbers and the "and" between them count no word: "fractures of L 6th and 7th ribs")
            out, counted = [], 0
            for w in window[i + n + 1:]:
                if counted >= reach:
                    break
                out.append(w)
                counted += not (_ORDINAL.match(w) or w == "and")
            return tuple(out)
    return ()


def _own_mention(window: Sequence[str], site: Sequence[str], own: set[str]) -> bool:
    """Whether the window names ``site`` as a mention of its own ("left ankle ulcer and left foot
    ulcer": the ankle has its own ulcer, the foot's is no ankle's)."""
    n = len(site)
    return any(tuple(window[k:k + n]) == tuple(site) and own & set(window[k + n:k + n + 1 + _OWN_REACH])
               for k in range(len(window) - n + 1))


def _left_of(window: Sequence[str], mention: Sequence[str], n: int) -> tuple[str, ...]:
    """The ``n`` words of the window right before the mention's first occurrence."""
    m = len(mention)
    for k in range(len(window) - m + 1):
        if tuple(window[k:k + m]) == tuple(mention):
            return tuple(window[max(0, k - n):k])
    return ()


def _postop_left(window: Sequence[str], mention: Sequence[str]) -> tuple[str, ...]:
    """The words before a mention its "postoperative" may stand in ("acute postoperative hypoxic
    and hypercapnic respiratory failure"), never a day's ("postoperative day 2 developed ...")."""
    left = _left_of(window, mention, _POSTOP_REACH)
    cut = max((k + 1 for k, w in enumerate(left) if w in ("day", "pod")), default=0)
    return left[cut:]


def _follows_operation(window: Sequence[str], mention: Sequence[str]) -> bool:
    """Whether the window says the mention right before "after", "following", "s/p" or "status
    post" ("hypothyroidism s/p thyroidectomy"; not the "HTN" of "HTN, hypothyroidism s/p ...")."""
    n = len(mention)
    for k in range(len(window) - n + 1):
        if tuple(window[k:k + n]) != tuple(mention):
            continue
        j = k + n + (tuple(window[k + n:k + n + 1]) == ("status",))
        if window[j:j + 1] and window[j] in _AFTER_WORDS or tuple(window[j:j + 2]) == ("s", "p"):
            return True
    return False


def _procedure(word: str) -> bool:
    """A procedure's name: "-ectomy", "-ostomy", "-plasty" or a device or transplant word."""
    return word in _PROCEDURE_WORDS or word.endswith(("ectomy", "ostomy", "otomy", "plasty"))


def _procedure_fits(code: str, words: set[str]) -> bool:
    """An absence (Z89, Z90) needs a removal among the phrase's words, an implant (Z96) a
    replacement or a device: the status a procedure leaves is the one it made."""
    if code.startswith(_WHOLE_ORGANS) and "partial" in words:
        return False   # a partial mastectomy (lumpectomy), a partial nephrectomy leave the organ (no Z90.1-, Z90.5)
    if code.startswith(("Z89", "Z90")):
        return any(w.endswith("ectomy") or w in _REMOVAL_WORDS for w in words)
    if code.startswith("Z96"):
        return any(w.endswith("plasty") or w in _IMPLANT_WORDS for w in words)
    return True


_REMOVAL_WORDS = frozenset("amputation amputated amputee removal removed resection resected excision excised "
                           "enucleation bka aka absent absence loss".split())
_IMPLANT_WORDS = frozenset("replacement replaced arthroplasty hemiarthroplasty prosthesis prosthetic implant implanted "
                           "implants lens iol tka tha tkr thr pseudophakia pseudophakic shunt graft device pump "
                           "stimulator cochlear stent".split())


_CONDITION_WORD = re.compile(r"(osis|itis|oma|emia|pathy|ism|iasis|ectasis)$")


# the Neoplasm Table's own words in its site names ("see also", "neoplastic disease",
# "unspecified site"): no anatomy ("anemia of malignancy": Anemia > in > neoplastic disease is a
# condition the "with" links, not a site)
_TABLE_WORDS = frozenset("benign disease malignant neoplasm neoplastic primary secondary see site specified "
                         "unspecified".split())


def _names_with(hit: IndexHit) -> bool:
    """Whether the walk went through a "with" subterm that names a condition ("with > psychosis"),
    not a bare kind ("with > disorder")."""
    return WITH_MARK in hit.said and bool(set(hit.said[hit.said.index(WITH_MARK) + 1:]) - _BARE_KINDS)


def _denied_by_title(title: str, hit: IndexHit, hit_title: str) -> bool:
    """Whether ``title`` says "without" what the walk read under "with" ("Chronic gastric ulcer without
    hemorrhage or perforation" for "chronic gastric ulcer with bleeding": its with > hemorrhage, K25.4,
    is the note's, however vague its "chronic or unspecified" title), and the hit's title says it of
    a kind ("... with unspecified angina pectoris", I25.119, is vague in what the note may specify)."""
    _, without, denied = title.lower().partition(" without ")
    return bool(without) and WITH_MARK in hit.said and "unspecified" not in hit_title.lower().partition(" with ")[2] \
        and bool(set(re.findall(r"[a-z]+", denied)) & set(hit.said[hit.said.index(WITH_MARK) + 1:]))


def _use_disorder(said: Sequence[str]) -> bool:
    """Whether every "disorder" the words say is a "use disorder" (and one is)."""
    at = [k for k, w in enumerate(said) if w == "disorder"]
    return bool(at) and all(tuple(said[k - 1:k]) == ("use",) for k in at)


def _and_joined(window: Sequence[str], word: str) -> list[str]:
    """The words the window joins to ``word`` by "and" ("tibia and fibula", "intramural and subserosal")."""
    if word not in window:
        return []
    j = window.index(word)
    return [window[k] for k in (j - 2, j + 2) if 0 <= k < len(window) and window[(k + j) // 2] == "and"
            and window[k].isalpha()]


def _only_sites(words: set[str], sites: frozenset[str]) -> bool:
    """Whether every word is a site's ("kidney"), none a condition's ("cirrhosis", which the
    Neoplasm Table's site names also use)."""
    return all(w in sites and not _CONDITION_WORD.search(w) for w in words)


@dataclass(frozen=True)
class StatusHit:
    code: str
    sentence: int
    tok_start: int
    tok_end: int
    path: tuple[str, ...]


class IndexCoder:
    def __init__(self, tree: IndexTree, mapper: CodeMapper, icd10cm, referenced=None,
                 manifestations: dict[str, str] | None = None):
        """``referenced(code, kind)``: the codes a code's notes name (``GuidelineRules.referenced``);
        ``manifestations``: a category -> its "in diseases classified elsewhere" twin (F03 -> F02)."""
        self.tree, self.mapper, self.cm = tree, mapper, icd10cm
        self.referenced = referenced
        self.manifestations = manifestations or {}
        history = tree.main_terms("History")
        self._personal = self._sub(history, "personal")
        self._family = self._sub(history, "family")
        self._status = [i for t in _MAIN_STATUS for i in tree.main_terms(t)]
        self._absence = tree.main_terms("Absence")   # an organ removed: read when no status says it
        tree.site_words = self._sites - frozenset(SIDES) - SIDE_WORDS

    def _sub(self, ids: list[int], word: str) -> list[int]:
        return [c for i in ids for c in self.tree.nodes[i].children if self.tree.nodes[c].words[:1] == (word,)]

    def head_mentions(self, sentences: Sequence[Sentence], mentions: Sequence[Mention],
                      context: frozenset[str] = frozenset()) -> list[Mention]:
        """Mentions of codeless main terms no other mention covers, coded by the subterm the
        words beside them name: the words just before it and the phrase a preposition attaches
        ("sessile polyp in sigmoid colon": Polyp > colon, K63.5). Nothing when no subterm matches.
        ``context``: what the note says of the patient ("female", "during delivery" in a delivery
        note: "2nd-degree perineal laceration" is Laceration > perineum > female > during delivery)."""
        covered: dict[int, set[int]] = {}
        for m in mentions:
            covered.setdefault(m.sentence, set()).update(range(m.tok_start, m.tok_end))
        out: list[Mention] = []
        prior_sites: dict[int, tuple[str, ...]] = {}
        foreign: dict[int, frozenset[str]] = {}
        own_words: dict[str, frozenset[str]] = {}
        for si, s in enumerate(sentences):
            words = phalanx_levels(s.words)
            for i, w in enumerate(words):
                heads = self._codeless.get(w)
                if not heads or i in covered.get(si, ()) or names_sign(words, i, i + 1):
                    continue   # ("+ anterior fat pad sign": a sign, no Fat > pad)
                checkpoint()
                beside = tuple(words[max(0, i - _HEAD_LEFT):i]) + _of_phrase(words[i:i + 6], (w,)) + \
                    self._site_after(s, i, words)
                # an injury takes the site named earlier in its sentence or in the sentence before
                # ("cut her R palm on a glass; 3 cm laceration": Laceration > palm > right), where
                # nothing beside it is a site, or what is beside it is no site the index codes it at
                # ("cut his L index finger on a knife. 1.5 cm laceration volar middle phalanx")
                # (a measure's number is no site: "1.5 cm laceration")
                earlier = tuple(x for x in words[max(0, i - _SAME_SENTENCE_REACH):i] if x in self._sites and not x.isdigit())
                before = sentences[si - 1] if si and sentences[si - 1].section == s.section else None
                if not earlier and before is not None and si - 1 not in prior_sites:   # read once per sentence
                    prior_sites[si - 1] = tuple(x for x in phalanx_levels(before.words)
                                                if x in self._sites and not x.isdigit())[-_PRIOR_SITES:]
                named = earlier[-_PRIOR_SITES:] if earlier else prior_sites[si - 1] if before is not None else ()
                tries = [(beside, _HEAD_CHAPTERS)] + ([(named + beside, _INJURY_CHAPTERS)] if named else []) \
                    if self._sites.intersection(beside) else [(named, _INJURY_CHAPTERS)]
                # an injury's "with foreign body" subterm reads its own sentence ("3 cm laceration;
                # XR shows a retained glass fragment": Laceration > hand > right > with > foreign body)
                if si not in foreign:   # read once per sentence
                    foreign[si] = walk_words(words) & _FOREIGN_BODY
                own = own_words.get(w)   # what the head word itself says ("nodule": solitary)
                if own is None:
                    own = own_words[w] = walk_words((w,))
                hit = next((h for sites, chapters in tries if sites and
                            (h := self._head_hit(w, heads, sites, context, own, foreign[si], chapters)) is not None),
                           None)
                if hit is None:
                    continue
                tok = s.tokens[i]
                out.append(Mention(tok.start, tok.end, si, i, i + 1,
                                   [Candidate(hit.code.rstrip("-").rstrip("."), CodeSystem.ICD10CM, 0.9, "index")],
                                   "index", words=(w,)))
        return out

    def _site_after(self, s: Sentence, i: int, words: Sequence[str] | None = None) -> tuple[str, ...]:
        """The site written right after the head word at token i, with its side ("nodule RLL",
        "ulcer L heel"); never across a comma or semicolon ("ulcer; bilateral knee OA").
        ``words``: the sentence's words as read (a phalanx's level blanked)."""
        words = s.words if words is None else words
        # (a face of the part may stand between: "ulcer R plantar midfoot")
        k = i + 1 + (i + 1 < len(words) and words[i + 1] in SIDES)
        while k < len(words) and k - i <= 3 and words[k] in _FACES:
            k += 1
        if k > i + 1 and k < len(words) and words[k] in self._sites and not any(_broken(s, j) for j in range(i + 1, k + 1)):
            return tuple(words[i + 1:k + 1])
        return tuple(words[i + 1:i + 2]) if i + 1 < len(words) and words[i + 1] in self._sites else ()

    def _head_hit(self, w: str, heads: list[int], beside: tuple[str, ...], context: frozenset[str],
                  own: frozenset[str], linked: frozenset[str], chapters) -> IndexHit | None:
        """The code a codeless main term's walk gives by the sites ``beside`` it, or None where the
        walk reads anything but a site (or a "with foreign body" the sentence says)."""
        near_words = walk_words(beside)
        read = WalkWords(near_words | context | own)
        read.implied = near_words.implied - context - own   # ("heel" says foot only by implication)
        # (and the main terms its "See also" names: "carotid stenosis" is Stenosis, see also
        # Stricture > artery > carotid, I65.2-)
        hit = self.tree.walk(heads + self._see_also(w, heads), read, linked=linked)
        if hit is not None and WITH_MARK in hit.said and hit.code[:1] in _INJURY_CHAPTERS and \
                set(hit.said[hit.said.index(WITH_MARK) + 1:]) <= _FOREIGN_BODY:
            said = hit.said[:hit.said.index(WITH_MARK)]
        elif hit is None or WITH_MARK in hit.said:
            return None
        else:
            said = hit.said
        known = self._sites | context | own
        sited = set(said) & known
        # (a subterm that names a site two ways, "duodenum, duodenal", reads as its site: "duodenal
        # bulb ulcer" is Ulcer > duodenum, K26.9; and so does the condition of the site its "See"
        # names: "inflamed appendix" is Inflammation > appendix, See Appendicitis)
        if hit.code[:1] not in chapters or not all(
                x in known or any(x[:_STEM] == y[:_STEM] for y in sited) for x in said):
            return None
        return hit

    def _see_also(self, word: str, heads: list[int]) -> list[int]:
        """The main terms the "See also" of ``word``'s codeless entries names whole (memoized)."""
        memo = self.__dict__.setdefault("_see_also_memo", {})
        refs = memo.get(word)
        if refs is None:
            nodes = self.tree.nodes
            # (a codeless main term of sites like its own: Stenosis -> Stricture; never the generic
            # Disease a Syndrome or a Complaint names, nor a coded term: Hematoma -> Contusion)
            refs = memo[word] = [t for h in heads for t, extra in self.tree.references(h)
                                 if not extra and t not in heads and not nodes[t].code
                                 and not set(nodes[t].words) & _GENERIC_REFS]
        return refs

    @property
    def _sites(self) -> frozenset[str]:
        """The anatomical words of the Neoplasm Table's site names: a codeless main term is coded
        here only by the site it is at ("polyp in sigmoid colon"), never by another word."""
        table = self.__dict__.get("_site_table")
        if table is None:
            from server.pipeline.drug_tables import load_neoplasm_table
            sites = (load_neoplasm_table().site_words() - _TABLE_WORDS) | set(SIDE_WORDS)
            table = self.__dict__["_site_table"] = sites | aliases_of(sites)
        return table

    sites = _sites   # (read by the pipeline's "with" absorption)

    @property
    def _codeless(self) -> dict[str, list[int]]:
        """One-word main terms without a code or a "See" (Polyp, Effusion) that have a site
        subterm, by their word."""
        table = self.__dict__.get("_codeless_table")
        if table is None:
            table = {}
            tree = self.tree
            sites = self._sites
            for i, p in enumerate(tree.parent):
                n = tree.nodes[i]
                # (only main terms with a subterm that is a site: "History" is read elsewhere)
                if p < 0 and not n.code and not n.see and n.children and any(
                        tree.nodes[c].words and set(tree.nodes[c].words) <= sites for c in n.children):
                    for w in n.options or n.words[:1]:
                        if len(n.words) == 1 or w in n.options:
                            table.setdefault(w, []).append(i)
            self.__dict__["_codeless_table"] = table
        return table

    def _read_with(self, out: MappedCode, hit, own: set[str], walked_from, words, prefer, linked,
                   window, near) -> None:
        """What a walk through "with" read (Diabetes > type 2 > with > neuropathy), for the
        mentions it makes part of ``out``; the site read before "with" too ("Crohn's ileitis with
        SBO" is Enteritis > regional > small intestine > with > ...: the "ileitis" is that site's,
        no K52.9 beside K50.012); and the entry's other "with" codes the note says."""
        cut = hit.said.index(WITH_MARK)
        out.walked = tuple(w for w in hit.said[cut + 1:] if w not in own)
        out.site = tuple(w for w in hit.said[:cut] if w not in own)
        if walked_from:
            # (never by the generic noun of the mention's own name: "Opioid use disorder ... w/ opioid
            # withdrawal" is no "with > disorder" beside its withdrawal, F11.288)
            generic = own & _GENERIC_NOUNS
            rest = WalkWords(words - generic)
            rest.implied = getattr(words, "implied", frozenset())
            out.more, also_walked = self._more_with(walked_from, hit, rest, prefer, frozenset(linked - generic),
                                                    window, near)
            out.walked += tuple(w for w in also_walked if w not in own)
        # the note's own words for what the walk read renamed ("peripheral neuropathy")
        out.walked += tuple(w for x in out.walked for w in self.tree.renamed_from(x) if w not in own)

    def refine(self, mention_words: Sequence[str], mapped: MappedCode, window: Sequence[str],
               near: Sequence[str], prefer: frozenset[str] = frozenset(), named: str = "",
               sentence: Sequence[str] = (), beside: Sequence[str] = (),
               foreign: frozenset[str] = frozenset()) -> MappedCode | None:
        """A more specific code from the index subterms the window supports, or None. ``beside``:
        the mention's own clause, up to the next item of a list (a "with" subterm's forms are read
        there only: "PD dementia with apathy", not "PD dementia, depression, BPH"). The main
        term: the one whose own code the mention landed on, else the mention's words, its head
        noun (last word: "iron deficiency anemia" -> Anemia) or its first word."""
        if mapped.system is not CodeSystem.ICD10CM:
            return None
        tree, own = self.tree, set(mention_words)
        words = tree.renamed(walk_words(window))
        if beside:
            kept = WalkWords(words)
            kept.implied = getattr(words, "implied", frozenset())
            kept.clause = tuple(beside)
            words = kept
        if mapped.code.startswith(INFARCTS) and _CORONARIES.keys() & words and _SUBSEQUENT not in words:
            # the coronary artery a cath report names by its initials is the infarct's ("inferior STEMI,
            # RCA culprit": Infarct > myocardium > ST elevation > involving > right coronary artery,
            # I21.11); elsewhere the initials name no condition ("LAD stenosis" is no Stenosis > artery)
            # (a subsequent infarct's entries name no artery: Infarct > myocardium > subsequent > inferior)
            artery = {x for w in _CORONARIES.keys() & words for x in _CORONARIES[w]} - words
            kept = WalkWords(words | artery)
            kept.implied = getattr(words, "implied", frozenset()) | artery
            kept.clause = getattr(words, "clause", None)
            words = kept
        if mapped.code.startswith("T14") and near:
            # an injury the lexicon gave no region: the region its own noun phrase says ("L scaphoid fx"),
            # not a word elsewhere in the window ("Hand clinic", "thumb spica cast")
            # ("displaced fx of the L 5th metatarsal base": the phrase its "of" attaches); what the window
            # says of it that is no site stays ("fragility", "osteoporotic", "nonunion")
            # (read in the sentence where the window ends inside it: "fracture of the waist (middle
            # third) of the R scaphoid")
            phrase = max(_of_phrase(window, mention_words, _REGION_REACH),
                         _of_phrase(sentence, mention_words, _REGION_REACH + 2), key=len)
            said = tree.renamed(walk_words(tuple(near) + phrase))
            kept = WalkWords(said | {w for w in words if w not in self._sites})
            kept.implied = getattr(words, "implied", frozenset())
            words = kept
        # an abbreviation names its entry's words ("MDD": Disorder > depressive > major > recurrent)
        if len(mention_words) == 1 and len(mention_words[0]) <= _ABBREVIATION_LEN and \
                len(expansions(mention_words)) > 1:
            own |= expansions(mention_words)
        # from the main term whose own code the mention named (OA -> M19.90 -> Osteoarthritis),
        # before the Tabular moved it to a sibling
        codes = dict.fromkeys((named, mapped.code))
        # an unspecified code the index names by its subcategory ("Otitis, media, suppurative
        # H66.4-" for H66.40)
        codes.update(dict.fromkeys(p for c in list(codes) if c and "unspecified" in self.cm.description(c).lower()
                                   for p in (self.mapper.parent_of(c),) if p and "." in p))
        # a sided code's unspecified-side sibling is the one the index names ("fracture of the
        # left ankle" S82.892: Fracture > ankle S82.899, whose subterms say "trimalleolar")
        if mapped.code[:1] in "ST" and len(mapped.code) >= 7:
            base = mapped.code[:7]
            parent = self.mapper.parent_of(base)
            codes.update(dict.fromkeys(c for c in (base, parent + "9" if parent and len(parent) == 6 else "")
                                       if c and c not in codes))
        starts = [i for c in codes for i in tree.by_code.get(c, ())]
        # a term's "See also" entry is read too ("STEMI" -> Infarct > myocardium > ST elevation)
        starts += [t for i in starts for t, extra in tree.references(i) if not extra]
        # a subterm that gives the code and says the mention's words ("ST elevation" under
        # Infarct, myocardium -> I21.3): its own subterms refine it ("inferior" -> I21.19)
        giving = [i for c in codes for i in tree.subterms_by_code.get(c, ())]
        # (else one its substance's class names: "heroin use disorder" is Dependence > drug > opioid's,
        # where "methadone maintenance" is Maintenance > methadone's own)
        subterms = [i for i in giving if own & tree.spellings(i)]
        substances = {w for w in own if tree.drug_classes((w,))}
        if substances and not any(substances & tree.spellings(i) for i in subterms):
            subterms += [i for i in giving if tree.drug_classes(substances) & tree.spellings(i) and i not in subterms]
        if not subterms and not starts and len(giving) <= _FEW_ENTRIES:
            # an abbreviation says none of its entries' words ("COPD": Disease, lung, obstructive)
            subterms = giving
        starts += subterms
        # a "with" subterm the mention named ("COPD exacerbation": Disease, lung, obstructive >
        # with > exacerbation) is one of its entry's: the entry is walked too, for the others
        # the sentence says ("... due to acute bronchitis": with > acute bronchitis, J44.0)
        # (an entry of the subterm's own category: "Dementia > in > hypothyroidism E03.9 [F02.80]"
        # names the dementia's cause, and a "hypothyroidism" is never walked into the dementia)
        starts += [g for i in subterms for p in (tree.parent[i],)
                   if p >= 0 and tree.nodes[p].transparent and (g := tree.parent[p]) >= 0
                   and tree.nodes[g].code[:3] == tree.nodes[i].code[:3]]
        # of the main terms that code names, the one the note's own word is ("edema", not "swelling")
        said = [i for i in starts if own & tree.spellings(i)]
        if said and len(mention_words) == 1:
            # an entry the mention's word heads with a word the note says beside it ("osteoporotic
            # fracture": Fracture, pathological, beside the Fracture, traumatic its code named)
            said += [i for i in tree.head_terms(mention_words[0]) if i not in said and
                     len(tree.nodes[i].words) > 1 and set(tree.nodes[i].words[1:]) <= words]
        linked = tree.renamed(walk_words(sentence))   # what "with" may link in the mention's sentence
        hit = (tree.walk(said, words, prefer, linked) if said else None)
        walked_from = said
        if hit is None and not (said and mapped.code.startswith("T14")):
            # (an injury without a region is its own kind's: "abrasion L chest" is no Contusion >
            # chest, whose main term the index codes T14.8 too)
            hit, walked_from = tree.walk(starts, words, prefer, linked), starts
        if hit is None and subterms and "unspecified" in self.cm.description(mapped.code).lower():
            # a sibling of the subterm the mention named, under the same entry, the note names beside
            # it ("Acute DVT, L femoral vein": Thrombosis > vein > femoral I82.41-, beside > deep I82.40-),
            # for a code the mention left unspecified
            parents = list(dict.fromkeys(tree.parent[i] for i in subterms if tree.parent[i] >= 0))
            rest = WalkWords(words - own)
            rest.implied = getattr(words, "implied", frozenset())
            sibling = tree.walk(parents, rest, prefer, linked) if parents else None
            sited = set(" ".join(sibling.path).split()) if sibling is not None else set()
            if sibling is not None and sibling.code[:3] == mapped.code[:3] and WITH_MARK not in sibling.said \
                    and _only_sites(sited, self._sites) \
                    and sited <= set(near) | set(_of_phrase(window, mention_words)):   # (said, not implied)
                hit, walked_from = sibling, parents   # (a site only, said beside it: no other kind of the condition)
        if hit is None and near and near[0] not in own:
            # the adjective of another main term before the mention ("atherosclerotic PAD":
            # Arteriosclerosis, arteriosclerotic > extremities > leg > with intermittent
            # claudication): its entry, for a code of the same chapter
            adjective = [i for i in tree.main_terms(near[0]) if near[0] in tree.nodes[i].words[1:]]
            kind = tree.walk(adjective, words, prefer, linked) if adjective else None
            if kind is not None and kind.code[:1] == mapped.code[:1]:
                hit, walked_from = kind, adjective
        if hit is None and mention_words:
            # the mention's own main term; a subterm there may only refine the code, move it to
            # chapter 15 in a pregnancy ("iron deficiency anemia" at 22 weeks -> O99.012), or
            # place the mention's own word where the index puts it ("femoral neck fracture":
            # Fracture, traumatic > femur > neck, not the neck's S12.9)
            heads = tuple(dict.fromkeys((" ".join(mention_words), mention_words[-1], mention_words[0])))
            starts = [i for k in heads for i in tree.main_terms(k)]
            starts += [t for i in starts for t, extra in tree.references(i) if not extra]   # "See Arteriosclerosis"
            hit = tree.walk(starts, words, prefer, linked) if starts else None
            walked = set(" ".join(hit.path).split()) if hit is not None else set()
            if hit is not None and hit.code[:3] != mapped.code[:3] and not (prefer & walked):
                hit = None
            if hit is not None:
                walked_from = starts   # (its sibling subterms the note names too: Pain > chest, > pleuritic)
            desc = self.cm.description(mapped.code).lower()
            if hit is None and ("unspecified" in desc or (mapped.code[:1] == "S" and desc.startswith("other"))):
                # (or an injury the lexicon's "NOS" took to an "other" code: "supracondylar fracture of
                # L humerus" is Fracture, traumatic > humerus > supracondylar, S42.41-, not S42.39-)
                # no main term of its own ("fracture"): the entries it heads, where the index
                # codes the mention's own words ("femoral neck fracture": Fracture, traumatic >
                # femur > neck, not the neck's S12.9), for a code the lexicon left unspecified
                starts = [i for k in heads for i in tree.head_terms(k)]
                hit = tree.walk(starts, words, prefer) if starts else None
                walked = set(" ".join(hit.path).split()) if hit is not None else set()
                if hit is not None and not (_same_chapter(hit.code, mapped.code) and walk_words(own) & walked):
                    hit = None
        if (hit is None or hit.code == mapped.code) and mapped.code[:1] in "FG" and self._due_to_condition(window):
            # a mental disorder "due to" a disease the note names is the index's "due to known
            # physiological condition" ("mild neurocognitive disorder due to Parkinson disease": Disorder >
            # mild neurocognitive > due to known physiological condition, F06.70, not G31.84)
            entries = walked_from or said or starts
            rest = WalkWords(words | _PHYSIOLOGICAL)
            rest.implied = getattr(words, "implied", frozenset()) | _PHYSIOLOGICAL
            cause = tree.walk(entries, rest, prefer, linked) if entries else None
            walked = set(" ".join(cause.path).split()) if cause is not None else set()
            if cause is not None and {"physiological", "medical"} & walked and "not" not in walked:
                hit, walked_from = cause, entries
        if hit is not None and walked_from and WITH_MARK not in hit.said and \
                (gone := foreign & set(hit.said) - own) and _only_sites(gone, self._sites):
            # a site subterm is never read from another condition's own name after the mention ("UTI with
            # sepsis-induced acute kidney injury": no Infection > urinary > kidney, N15.9; the AKI's kidney)
            rest = WalkWords(words - gone)
            rest.implied = getattr(words, "implied", frozenset())
            hit = tree.walk(walked_from, rest, prefer, frozenset(linked - gone))
        # (a "use disorder" said beside it is the dependence's own name: "cannabis use disorder, moderate
        # (cannabis dependence)" is no "with > disorder" the drug induced, F12.288)
        own_said = own | ({"disorder"} if _use_disorder(window) else set())
        if hit is not None and WITH_MARK in hit.said and walked_from and "with" not in own and \
                _only_sites(set(hit.said[hit.said.index(WITH_MARK) + 1:]) - own_said, self._sites):
            # a "with" subterm names another condition, never the mention's own words ("alcohol use
            # disorder, moderate" is Dependence > alcohol, not its "with > disorder NEC", F10.288)
            # nor them at another site ("ureteral calculus with renal colic" is no kidney
            # calculus), unless the mention says "with" itself ("type 2 DM with hyperglycemia")
            rest = WalkWords(words - own_said)
            rest.implied = getattr(words, "implied", frozenset())
            named = hit
            hit = tree.walk(walked_from, rest, prefer, frozenset(linked - own_said))
            if hit is not None and WITH_MARK in hit.said and \
                    _only_sites(set(hit.said[hit.said.index(WITH_MARK) + 1:]) - own_said, self._sites):
                hit = None
            if named.code == mapped.code and mapped.code[:1] != "F" and hit is not None and hit.code[:1] == "F":
                # ... but where the mention's own "with" entry is the code it named, another body
                # system's ("Parkinson's disease dementia": Dementia > with > Parkinson's disease,
                # G20.A1), that is the mention's code; the dementia's own kind ("with depressed
                # mood": > with > mood disturbance) is read beside it
                hit = named
        if hit is not None and walked_from and _vague(self.cm, hit.code):
            # two subterms the note names give one subcategory ("polyneuropathy with loss of
            # protective sensation": with > LOPS, E11.40, and with > polyneuropathy, E11.42): the
            # specific one, not the one its longer wording won
            used = {w for p in hit.path for w in p.split()}
            rest = WalkWords(words - used)
            rest.implied = getattr(words, "implied", frozenset())
            other = tree.walk(walked_from, rest, prefer, frozenset(linked - used))
            if other is not None and other.code[:4] == hit.code[:4] and self.cm.id_of(other.code) >= 0 \
                    and not {w for p in other.path for w in p.split()} <= _BARE_KINDS \
                    and not _vague(self.cm, other.code):
                hit = other
        if hit is not None and walked_from and POSTPROCEDURAL & set(hit.said) and \
                not POSTPROCEDURAL & set(window) and not _follows_operation(window, mention_words):
            # "after" / "s/p" an operation makes the condition right before it postprocedural
            # ("hypothyroidism s/p thyroidectomy": E89.0), never another of the list ("HTN,
            # hypothyroidism s/p thyroidectomy": no postprocedural hypertension)
            rest = WalkWords(words - POSTPROCEDURAL)
            rest.implied = getattr(words, "implied", frozenset())
            hit = tree.walk(walked_from, rest, prefer, frozenset(linked - POSTPROCEDURAL))
        elif POSTPROCEDURAL & set(near + _postop_left(window, mention_words)) and \
                not (hit is not None and POSTPROCEDURAL & set(hit.said)):
            # a condition the note calls postprocedural whose own entry has no such subterm is its
            # body system's complication ("acute postprocedural hypoxic respiratory failure":
            # Complication > respiratory system > postoperative > respiratory failure (acute),
            # J95.821, not J96.01; I.B.16)
            letter = (hit.code if hit is not None else mapped.code)[:1]
            entries = self._postprocedural_entries().get(letter, [])
            own_words = WalkWords(set(walk_words(mention_words)) | POSTPROCEDURAL | _POSTOPERATIVE)
            after = tree.walk(entries, own_words) if entries else None
            if after is not None and after.code[:1] == letter and (POSTPROCEDURAL | _POSTOPERATIVE) & set(after.said) \
                    and set(walk_words(mention_words)) <= set(after.said):
                hit, walked_from = after, entries
        if hit is not None and walked_from and hit.path[-1:] == (_INDUCED,) and self._agent_induced(window):
            # "cocaine-induced psychosis": the drug induced it; the index's bare "induced" is a psychosis
            # another person induced (shared psychotic disorder, F24)
            rest = WalkWords(words - {_INDUCED})
            rest.implied = getattr(words, "implied", frozenset())
            hit = tree.walk(walked_from, rest, prefer, frozenset(linked - {_INDUCED}))
        if self._other_part(hit.code if hit is not None else mapped.code):
            # a site the index files under "other part of" its region yields to a sibling site the
            # note also names ("foot ulcer, left heel": Ulcer > lower limb > heel L97.4-, not > foot)
            hit = self._named_site(hit.code if hit is not None else mapped.code, words, prefer, linked,
                                   window, own) or hit
        if hit is not None and _UNSPECIFIED_SITE in self.cm.description(hit.code).lower():
            # the entry that gave an unspecified site has no site subterms; another entry of the
            # same code has ("Fracture, pathological > due to > osteoporosis M80.00"; "Osteoporosis >
            # age-related > with current pathologic fracture M80.00" > radius M80.03-)
            others = [i for i in tree.subterms_by_code.get(hit.code, ()) if tree.nodes[i].children]
            site = tree.walk(others, words, prefer) if others else None
            if site is not None and site.code[:3] == hit.code[:3] and site.code != hit.code:
                hit = IndexHit(site.code, hit.path + site.path, site.complete, hit.said + site.said)
            elif (named_site := self.tabular_site(hit.code, window)) is not None:
                # ... nor has any entry, where the Tabular has the site the note names ("second-degree
                # burn of the left lower leg": Burn > lower > limb > left T24.202, whose sibling
                # T24.23- is "of lower leg")
                hit = IndexHit(named_site, hit.path, hit.complete, hit.said)
        if hit is not None and not hit.path[-1:] == ("specified NEC",) and \
                (included := self.tabular_inclusion(hit.code, window)) is not None:
            # an index code the note's words place in a sibling by that sibling's inclusion term
            # ("R simple ovarian cyst": Cyst > ovary N83.20-, whose sibling N83.29- includes "Simple
            # cyst of ovary")
            hit = IndexHit(included, hit.path, False, hit.said)
        if mapped.code[:1] == "S" and _BITE & words:
            # an open wound a bite made is an open bite, whatever its shape (Bite > hand: S61.45-,
            # not the puncture wound's S61.43-): the index's Bite entry, at the same site
            bite = tree.walk(tree.main_terms("Bite"), words)
            if bite is not None and bite.code[:4] == mapped.code[:4]:
                hit = bite
        if hit is not None and hit.code == mapped.code and WITH_MARK in hit.said:
            # the Tabular's title already said it ("Crohn's ileitis with SBO": K50.012): what the
            # walk read under "with" is still part of the code
            same = replace(mapped, notes=list(mapped.notes))
            self._read_with(same, hit, own, walked_from, words, prefer, linked, window, near)
            if walked_from:
                same.sibling = self._listed_sibling(hit, same.code, walked_from, words, prefer, linked, window, near)
            return same
        if hit is not None and hit.code == mapped.code and walked_from and \
                (sibling := self._listed_sibling(hit, mapped.code, walked_from, words, prefer, linked, window, near)):
            return replace(mapped, notes=list(mapped.notes), sibling=sibling)
        if hit is not None and self.cm.id_of(hit.code) >= 0 and _OTHER_TITLE.match(self.cm.description(hit.code)):
            # an "other" code whose entry says "see also" another: that entry's subterm the note's words
            # name is the specific one ("acute alcohol-induced pancreatitis, interstitial edematous":
            # Pancreatitis > interstitial > acute K85.80, see also Pancreatitis, acute > alcohol induced K85.20)
            hit = self._see_also_specific(hit, words, prefer, linked) or hit
        if hit is None or hit.code == mapped.code or self.cm.id_of(hit.code) < 0 or not _withouts_said(hit.path, window):
            return None
        if named == mapped.code and _COMPLICATING in {w for p in hit.path for w in p.split()} and \
                _COMPLICATING not in near and self.cm.is_billable(mapped.code) and \
                any(mapped.code.startswith(x) for x in self.cm.referenced_codes(hit.code, "excludes1")):
            return None   # a pregnancy's "complicating" subterm, which the note's context gave, whose code's
            # Excludes1 names the mention's own ("Postpartum anemia" in a puerperal stay: O90.81, not
            # O99.03 "Anemia complicating the puerperium", which excludes anemia arising in it)
        if self.cm.is_billable(mapped.code) and not _vague(self.cm, mapped.code) and not _denied_by_title(
                self.cm.description(mapped.code), hit, self.cm.description(hit.code)) and (
                hit.code[:3] == mapped.code[:3] and _vague(self.cm, hit.code)
                and not (_ALONE.search(self.cm.description(mapped.code)) and _names_with(hit))
                or _UNCOMPLICATED in self.cm.description(hit.code).lower()
                and _UNCOMPLICATED not in self.cm.description(mapped.code).lower()):
            return None   # never less specific than the title the note said ("... cirrhosis ... with ascites";
            # "DPN" is a diabetes with its polyneuropathy, never one "without complications")
        walked = {w for p in hit.path for w in p.split()}
        if hit.code[:1] != mapped.code[:1] and WITH_MARK not in hit.said and not (walked & prefer) \
                and not (hit.code[:1] == _PERINATAL and _NEWBORN in prefer) \
                and not walked & set(walk_words(tuple(near) + _of_phrase(window, mention_words))):
            # another chapter only for a subterm said beside the mention ("R knee pain": Pain >
            # joint > knee; "fracture of the left distal radius"); "sore throat, fever" is no
            # "fever sore" (B00.1); a newborn's record takes the perinatal chapter's from anywhere
            # in the note (I.C.16: "infant of mother w/ GDM, transient hypoglycemia", P70.0)
            return None
        # the Tabular reads the words the walk read: the sentence's, for a "with" subterm
        # (with the note's context the window carries: "third trimester" for a pregnancy at 34 weeks)
        read = window
        if WITH_MARK in hit.said and sentence:
            own_sentence = set(sentence)
            read = tuple(sentence) + tuple(w for w in window if w not in own_sentence)
        # a number the walk read is the subterm's ("stage 3 sacral pressure ulcer": Ulcer >
        # pressure > stage 3 > sacral region, L89.153), however far from the mention
        near = tuple(near) + tuple(w for w in hit.said if w[:1].isdigit()) + tuple(
            w[len(_STAGE):] for w in hit.said if w.startswith(_STAGE) and w[len(_STAGE):].isdigit())   # "stage2"
        out = self.mapper.map([Candidate(hit.code, CodeSystem.ICD10CM, mapped.score, "index")],
                              side_words(undenied(read)) + tuple(w for w in hit.said if w != WITH_MARK), near)
        if out is None:
            return None
        out.notes.insert(0, RuleNote("index", "Alphabetic Index: " + " > ".join(hit.path), mapped.code))
        out.source = mapped.source
        if WITH_MARK in hit.said:
            self._read_with(out, hit, own, walked_from, words, prefer, linked, window, near)
        if self._asks_for(out.code, mapped.code):
            out.also = mapped.code
            if out.code[:1] == "O" and _PREGNANCY_WORDS.intersection(window):
                # the code the chapter 15 one asks for beside it is the condition's own, read without the
                # pregnancy ("poorly controlled T2DM in pregnancy": O24.112 with E11.65, not E11.9)
                plain = [tuple(w for w in x if w not in _PREGNANCY_WORDS) for x in (window, near, sentence, beside)]
                own_code = self.refine(mention_words, mapped, plain[0], plain[1], prefer, named, plain[2], plain[3],
                                       foreign)
                if own_code is not None and own_code.code[:3] == mapped.code[:3]:
                    out.also = own_code.code
        elif walked_from:
            out.sibling = self._listed_sibling(hit, out.code, walked_from, words, prefer, linked, window, near)
        return out

    def _due_to_condition(self, window: Sequence[str]) -> bool:
        """Whether the window says the condition is due to a disease the index codes outside the mental
        and behavioral chapter ("due to Parkinson disease", "secondary to hypothyroidism"), not to a
        substance (memoised per word)."""
        memo = self.__dict__.setdefault("_physical_memo", {})
        for k in range(len(window) - 2):
            if window[k] in ("due", "secondary") and window[k + 1] == "to":
                for w in window[k + 2:k + 2 + _CAUSE_REACH]:
                    if w not in memo:
                        # (its own main term, or the index's Disease entry of its name: "Parkinson disease")
                        codes = [self.tree.nodes[i].code for i in self.tree.main_terms(w)]
                        named = self.tree.resolve(f"Disease, {w}") if not codes and w.isalpha() else None
                        codes += [self.tree.nodes[named].code] if isinstance(named, int) else []
                        memo[w] = bool(codes) and not self.tree.drug_classes((w,)) and all(
                            c and c[:1] not in "FTXYZ" for c in codes)
                    if memo[w]:
                        return True
        return False

    def _agent_induced(self, window: Sequence[str]) -> bool:
        """Whether the window says what induced the condition ("cocaine induced", "alcohol induced")."""
        return any(w == _INDUCED and k and (window[k - 1] in _AGENTS or self.tree.drug_classes((window[k - 1],)))
                   for k, w in enumerate(window))

    def _see_also_specific(self, hit: IndexHit, words, prefer, linked) -> IndexHit | None:
        """The code a "see also" entry of ``hit``'s code gives for ``words``, where it is of the same
        category and no "other" or unspecified code; None otherwise."""
        tree = self.tree
        targets = [t for i in tree.subterms_by_code.get(hit.code, ()) for t, extra in tree.references(i) if not extra]
        other = tree.walk(targets, words, prefer, linked) if targets else None
        if other is None or other.code == hit.code or other.code[:3] != hit.code[:3] or self.cm.id_of(other.code) < 0:
            return None
        title = self.cm.description(other.code)
        return None if _OTHER_TITLE.match(title) or _vague(self.cm, other.code) else other

    def _postprocedural_entries(self) -> dict[str, list[int]]:
        """Chapter letter -> the Complication subterms of its body system that have a postoperative
        or postprocedural subterm ("respiratory system": J95), read once."""
        memo = self.__dict__.get("_postprocedural_memo")
        if memo is None:
            memo = {}
            nodes = self.tree.nodes
            for main in self.tree.main_terms("Complication"):
                for c in nodes[main].children:
                    kids = [k for k in nodes[c].children if set(nodes[k].words) & (POSTPROCEDURAL | _POSTOPERATIVE)]
                    letters = {nodes[x].code[:1] for k in kids for x in (k, *nodes[k].children) if nodes[x].code}
                    for letter in letters if len(letters) == 1 else ():
                        memo.setdefault(letter, []).append(c)
            self.__dict__["_postprocedural_memo"] = memo
        return memo

    def tabular_inclusion(self, code: str, window: Sequence[str]) -> str | None:
        """The sibling subcategory of an unspecified ``code`` one of whose Tabular inclusion terms
        the window says, every word of it (an adjective for its noun: "ovarian" for "ovary"), or
        None: N83.20- "Unspecified ovarian cyst" -> N83.29- for "simple ovarian cyst"."""
        terms = self._sibling_inclusions(code)
        if not terms:
            return None
        said = {w.lower()[:_STEM] for w in window}
        found = None
        for other, need in terms:
            if all(w in said for w in need):
                if found not in (None, other):
                    return None   # two siblings' terms: the index's code stands
                found = other
        return found.rstrip(".") if found is not None else None

    def _sibling_inclusions(self, code: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(sibling, the word stems of one of its inclusion terms) for the siblings of the
        unspecified subcategory ``code`` is in; read once per code (a note repeats its codes)."""
        memo = self.__dict__.setdefault("_inclusions_memo", {})
        hit = memo.get(code)
        if hit is None:
            hit = ()
            chain = [code, *self.cm.ancestors(code)] if self.cm.id_of(code) >= 0 else []
            plain = next((c for c in chain if _UNSPECIFIED_WORD in self.cm.description(c).lower().split()), None)
            if plain is not None and plain != chain[-1]:
                parent = chain[chain.index(plain) + 1]
                hit = tuple((other, tuple(w[:_STEM] for w in need))
                            for other in self.cm.children(parent) if other != plain
                            for term in self.cm.notes(other, "inclusion")
                            if (need := [w for w in re.findall(r"[a-z]+", term.lower()) if w not in _INCLUSION_FILLER]))
            if len(memo) > 100_000:
                memo.clear()
            memo[code] = hit
        return hit

    def tabular_site(self, code: str, window: Sequence[str]) -> str | None:
        """The Tabular subcategory beside ``code``'s "unspecified site" one whose title names a
        site the window says word for word ("Burn of second degree of lower leg" beside "... of
        unspecified site of lower limb": "lower leg"), or None."""
        if self.cm.id_of(code) < 0:
            return None
        chain = [code, *self.cm.ancestors(code)]
        plain = next((c for c in reversed(chain) if _UNSPECIFIED_SITE in self.cm.description(c).lower()), None)
        if plain is None or plain == chain[-1]:
            return None
        parent = chain[chain.index(plain) + 1]
        said = " " + " ".join(w.lower() for w in window) + " "
        base = self.cm.description(plain).lower().split()
        found = None
        for other in self.cm.children(parent):
            if other == plain:
                continue
            title = self.cm.description(other).lower().split(", except")[0].split()
            k = next((k for k, (a, b) in enumerate(zip(title, base)) if a != b), min(len(title), len(base)))
            site = [w.strip(",") for w in title[k:]]
            if not site or len(site) > _TABULAR_SITE_WORDS or _NOT_A_SITE & set(site):
                continue
            if f" {' '.join(site)} " in said:
                if found is not None:
                    return None   # two sites named: the walk's unspecified one stands
                found = other
        return found

    def _listed_sibling(self, hit, code: str, walked_from, words, prefer, linked, window: Sequence[str],
                        near: Sequence[str]) -> str:
        """The code of the sibling subterm the note joins to the walked one by "and" ("intramural
        and subserosal"), or "": the walk again with the other word in the last one's place."""
        tree = self.tree
        # (the last subterm, or an earlier one the rest of the walk follows: "open comminuted fxs of the R
        # tibia and fibula shafts" is Fracture > tibia > shaft > comminuted, and > fibula > shaft > comminuted)
        for p in range(len(hit.path) - 1, -1, -1):
            last = hit.path[p].split()
            for other in _and_joined(window, last[0]) if len(last) == 1 else ():
                twin = self._twin_walk(walked_from, last[0], other, words, prefer, linked)
                if twin is None or twin.path[:p] != hit.path[:p] or len(twin.path) <= p or twin.path[p] != other or \
                        (p == len(hit.path) - 1 and len(twin.path) != len(hit.path)):
                    continue
                if sibling := self._twin_code(twin, hit, code, window, near):
                    return sibling
        # (or a subterm above the entry the walk started from: "... comminuted fxs of the R tibia and fibula
        # shafts" walked from Fracture > tibia > shaft; the twin walk starts from > fibula > shaft)
        for start in walked_from:
            chain, i = [], start
            while i >= 0:
                chain.append(i)
                i = tree.parent[i]
            chain.reverse()
            for d in range(1, len(chain)):
                name = tree.nodes[chain[d]].words
                for other in _and_joined(window, name[0]) if len(name) == 1 else ():
                    node = next((c for c in tree.nodes[chain[d - 1]].children if other in tree.spellings(c)), None)
                    for below in chain[d + 1:]:
                        if node is not None:
                            node = next((c for c in tree.nodes[node].children
                                         if tree.nodes[c].words == tree.nodes[below].words), None)
                    twin = self._twin_walk([node], name[0], other, words, prefer, linked) if node is not None else None
                    if twin is not None and twin.path == hit.path and \
                            (sibling := self._twin_code(twin, hit, code, window, near)):
                        return sibling
        return ""

    def _twin_walk(self, starts, word: str, other: str, words, prefer, linked) -> IndexHit | None:
        """The walk from ``starts`` with ``other`` in ``word``'s place (the walk took one of the two)."""
        rest = WalkWords((words - {word}) | {other})
        rest.implied = getattr(words, "implied", frozenset())
        return self.tree.walk(starts, rest, prefer, frozenset(linked - {word}) | {other})

    def _twin_code(self, twin: IndexHit, hit: IndexHit, code: str, window: Sequence[str], near: Sequence[str]) -> str:
        """The Tabular's code of a twin walk of ``hit``'s category, other than ``code``; "" otherwise."""
        if twin.code[:3] != hit.code[:3] or twin.code == hit.code:
            return ""
        mapped = self.mapper.map([Candidate(twin.code, CodeSystem.ICD10CM, 0.9, "index")],
                                 side_words(undenied(window)) + twin.said, near)
        return mapped.code if mapped is not None and mapped.code != code else ""

    def _other_part(self, code: str) -> bool:
        code = code.rstrip("-").rstrip(".")
        return bool(code) and self.cm.id_of(code) >= 0 and _OTHER_PART in self.cm.description(code).lower()

    def _named_site(self, code: str, words, prefer, linked, window: Sequence[str],
                    own: set[str]) -> IndexHit | None:
        """The region's other site the note names, for a code of its "other part": the walk from
        the region without the words of the residual site's subterm ("foot")."""
        tree = self.tree
        for i in tree.subterms_by_code.get(code, ()):
            site, region = i, tree.parent[i]
            while region >= 0 and (not tree.nodes[region].code or self._other_part(tree.nodes[region].code)):
                site, region = region, tree.parent[region]
            used = set(tree.nodes[site].words)
            if region < 0 or not used:
                continue
            rest = WalkWords(words - used)
            rest.implied = getattr(words, "implied", frozenset())
            other = tree.walk([region], rest, prefer, frozenset(linked - used))
            if other is not None and other.path[0] not in _NOT_SITES and other.code[:3] == code[:3] \
                    and not _own_mention(window, other.path[0].split(), own) \
                    and len(other.code) == len(code) \
                    and self.cm.id_of(other.code) >= 0 and not self._other_part(other.code):
                return other
        return None

    def _more_with(self, starts: list[int], hit, words: frozenset[str], prefer: frozenset[str],
                   linked: frozenset[str], window: Sequence[str],
                   near: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The other "with" subterms of the same entry the sentence supports: each is a code of
        its own ("type 2 DM with CKD 3b ... with hyperglycemia": E11.22 and E11.65, I.A.15)."""
        more: list[str] = []
        walked: list[str] = []
        for _ in range(_MAX_WITH_CODES - 1):
            used = set(hit.said[hit.said.index(WITH_MARK) + 1:])
            words, linked = words - used, linked - used
            hit = self.tree.walk(starts, words, prefer, linked)
            if hit is None or WITH_MARK not in hit.said or not _names_with(hit):
                break   # ("psychotic disorder w/ hallucinations ... cocaine abuse": no "with > disorder" beside)
            out = self.mapper.map([Candidate(hit.code, CodeSystem.ICD10CM, 1.0, "index")],
                                  side_words(undenied(window)) + tuple(w for w in hit.said if w != WITH_MARK), near)
            if out is not None and out.code not in more:
                more.append(out.code)
                walked.extend(hit.said[hit.said.index(WITH_MARK) + 1:])
        return tuple(more), tuple(walked)

    def _asks_for(self, new: str, old: str) -> bool:
        """Whether ``new``'s notes ask for ``old`` beside it: its "code first" / "use additional
        code" names it, or it is a chapter 15 "other conditions complicating pregnancy" code
        (O98, O99, O9A: use an additional code for the condition, I.C.15.a.1)."""
        if old[:3] == new[:3]:
            return False
        if new.startswith(("O98", "O99", "O9A")) and not old.startswith("O"):
            return True
        if self.referenced is None:
            return False
        refs = self.referenced(new, "code_first") + self.referenced(new, "use_additional")
        # "Alzheimer's dementia": Dementia > Alzheimer's gives G30.9, whose note asks for the
        # dementia's F02 code (the bracketed manifestation the index flattening lost); F03 is
        # its twin, made F02 once G30 is coded (``use_manifestation_codes``)
        twin = self.manifestations.get(old[:3])
        return any(old.startswith(r) or (twin and r.startswith(twin)) for r in refs)

    def history_code(self, kind: Assertion, words: Sequence[str], core: Sequence[str] = ()) -> str | None:
        """Z80-Z87 code the index gives for a past (``HISTORICAL``) or relative's (``FAMILY``)
        condition named by ``words``; None when no subterm matches, or (given ``core``, the
        condition's own words, two or more) when the subterms walked use none of them (a one-word
        abbreviation such as "MRSA" may match a subterm's bracketed form instead)."""
        starts = self._family if kind is Assertion.FAMILY else self._personal
        hit = self.tree.walk(starts, walk_words(words)) if starts else None
        if hit is not None and len(core) == 1 and not walk_words(core) & {w for p in hit.path for w in p.split()}:
            # a one-word condition walks by its own word, never a neighbour's ("Hx of L distal radius
            # fx after fall 2016" is no history of falling; "hearing loss, h/o UTI" no hearing history)
            hit = self.tree.walk(starts, walk_words(core))
        if hit is None or not self.cm.is_billable(hit.code):
            return None
        if len(core) > 1 and not walk_words(core) & {w for p in hit.path[1:] for w in p.split()} and \
                not (len(hit.path) == 1 and (set(hit.path[0].split()) == walk_words(core) or kind is Assertion.FAMILY
                                             and set(hit.path[0].split()) <= walk_words(core))):
            return None   # "urinary incontinence" never walks to "urinary infection" on "urinary" alone
            # (a subterm of its own the condition's words all name is its: a relative's "colon polyps",
            # a past "cleft lip")
        if "unspecified" in self.cm.description(hit.code).lower() and len(hit.path) < 2 and \
                (kind is not Assertion.FAMILY or hit.code[:3] in _SITE_TABLES):
            return None   # "History > family > malignant neoplasm" alone: the site table says more
            # (a site the walk read is said: "colon polyps" is Z86.0100, of unspecified type; a
            # relative's "colon polyps" is Z83.719)
        if hit.code == _SURGERY_NEC:
            return None   # "cataracts, s/p extraction": History > personal > surgery NEC names no condition
        return self._said_kind(hit.code, core or words)

    def _said_kind(self, code: str, words: Sequence[str]) -> str:
        """The kind the note names of a history code the index gives as unspecified: the
        sibling whose title has a word the condition says that the unspecified title lacks
        (a relative's "adenomatous colon polyps": Z83.719 -> Z83.710 "adenomatous and serrated
        polyps", "and" meaning "and/or" in a title, I.A.14)."""
        title = self.cm.description(code).lower()
        if "unspecified" not in title or "." not in code:
            return code
        said = set(walk_words(words))
        own = set(normalize_phrase(title))
        parent = self.cm.ancestors(code)[:1]
        found = []
        for sib in self.cm.children(parent[0]) if parent else ():
            if sib == code or not self.cm.is_billable(sib):
                continue
            kind = set(normalize_phrase(self.cm.description(sib).lower())) - own - _TITLE_FILLER
            if kind & said:
                found.append(sib)
        return found[0] if len(found) == 1 else code

    @staticmethod
    def _names_device(hit, named: Sequence[str]) -> bool:
        """Whether a status walk from a named device (its word and the two after it) reached that
        device's own entry ("insulin pump" for "pump"; "cardiac pacemaker" for "PPM"; "heart valve"
        for "bioprosthetic aortic valve"), not another word's ("pump rep contacted: device log")."""
        walked = {w for p in hit.path for w in p.split()}
        return any(walked & set(normalize_phrase(STATUS_ABBREVIATIONS.get(w, w))) for w in named)

    def _referenced_status(self, phrase: Sequence[str]):
        """A status the index files elsewhere: "s/p L BKA" -> Amputation, "See also Absence, by
        site, acquired" -> Absence > leg > below knee (Z89.51-)."""
        for w in phrase:
            for main in self.tree.main_terms(w):
                for target, extra in self.tree.references(main):
                    if not extra:
                        continue
                    hit = self.tree.walk([target], walk_words(list(phrase) + list(extra)))
                    if hit is not None:
                        return hit
        return None

    def _tabular_status(self, phrase: Sequence[str]):
        """A status the index leaves out that a Tabular status code names by its title or an
        inclusion term ("s/p Roux-en-Y gastric bypass": Z98.84, "Gastric bypass status for
        obesity"); the one whose words the phrase says most of, two at least."""
        table = self.__dict__.get("_status_titles")
        if table is None:
            table = []
            for code in self.cm.codes:
                if not ("Z93" <= code[:3] <= "Z99") or not self.cm.is_billable(code):
                    continue
                for title in (self.cm.description(code), *self.cm.notes(code, "inclusion")):
                    head = title.lower().split(" for ")[0]
                    if not re.search(r"\bstatus$", head):
                        continue
                    core = frozenset(walk_words(w for w in normalize_phrase(head) if w not in _STATUS_FILLER))
                    if len(core) >= 2:
                        table.append((code, core))
            self.__dict__["_status_titles"] = table
        said = walk_words(phrase)
        best = max(((len(core), code) for code, core in table if core <= said), default=None)
        return IndexHit(best[1], ("status",), True, tuple(phrase)) if best is not None else None

    def status_codes(self, sentences: Sequence[Sentence], present=None) -> list[StatusHit]:
        """Status codes for "s/p X" phrases and named devices: Status > X or Presence > X,
        finished in the Tabular. ``present(sentence, start, end)``: whether ConText reads a
        device as there ("no pacemaker" is not)."""
        out: list[StatusHit] = []
        other_stent = any(_CORONARY_DEVICES & set(s.words) and _NONCORONARY_STENT & set(s.words) for s in sentences)
        for si, s in enumerate(sentences):
            words = s.words
            for i in range(len(words)):
                checkpoint()   # a run-on note is one sentence of thousands of words
                trig = next((t for t in STATUS_TRIGGERS if tuple(words[i:i + len(t)]) == t), None)
                soft = trig is None and any(tuple(words[i:i + len(t)]) == t for t in _PAST_TRIGGERS) and \
                    tuple(words[i + 1:i + 2]) != ("to",)   # "prior to right TKA scheduled" is before it, not after
                if soft:
                    trig = next(t for t in _PAST_TRIGGERS if tuple(words[i:i + len(t)]) == t)
                if trig is None and words[i] == "icd" and tuple(words[i + 1:i + 2]) and words[i + 1] in _CODE_SETS:
                    continue
                if words[i] == "ppm" and i and words[i - 1][:1].isdigit() and not is_year(words[i - 1]):
                    continue   # "220 ppm CO": parts per million, no permanent pacemaker ("MI 2020, PPM in
                    # place": a year's list item before it)
                if trig is None and (words[i] in _DEVICES or (words[i] in _REMOVALS and s.section not in _OPERATING
                                                               and "for" not in words[max(0, i - 3):i])) \
                        and (present is None or present(si, i, i + 1)) and not _PLACED_NOW & set(words):
                    # the device word is part of the phrase ("ureteral stent placement": a procedure
                    # now); an organ's removal said outside the operation's own report is its absence
                    # ("treated 2019 with right mastectomy", "mastectomy scar": Z90.11), unless it is
                    # what the stay is for ("admitted for sigmoid colectomy")
                    trig = ()
                if trig == () and words[i] in _CORONARY_DEVICES and (
                        tuple(words[i + 1:i + 2]) == ("retriever",) or
                        other_stent and not _CORONARY_WORDS & set(words)):
                    continue   # a "stent retriever" is a thrombectomy's tool; a bare stent of a note whose stent
                    # is a ureter's, a bile duct's or a limb artery's is that one
                if trig is None and (words[i] in _AMPUTATIONS or (words[i] in _LASTING_PROCEDURES and
                                                                   s.section in _HISTORY)) \
                        and s.section not in _OPERATING and (present is None or present(si, i, i + 1)) \
                        and not (words[i] == "replacement" and i and words[i - 1] in _THERAPY_BEFORE):
                    # a joint replaced or a bypass listed in the history ("PSH: R TKA 2020"), an amputation
                    # anywhere ("traumatic R BKA, ambulates with prosthesis"): the status now
                    trig = ()
                if trig is None and s.section not in _OPERATING and (
                        (words[i] in _SPELLED_AMPUTATIONS and _dated(s, i)) or
                        ((words[i] in _OPENINGS and _opening_said(words, i) or
                          (words[i] in _TUBE_LETTERS and words[i + 1:i + 2] == ["tube"]))
                         and (not (_PLACED_NOW | _MADE_NOW) & set(words) or _dated(s, i)))) and \
                        (present is None or present(si, i, i + 1)):
                    # "R 2nd toe amputation 2018", "PEG tube in place", "PEG placement 02/2024": the
                    # status now ("PEG placed HD 3", "underwent loop ileostomy" are this stay's)
                    trig = ()
                if trig is None and _port_named(words, i) and s.section not in _OPERATING and \
                        (not _PLACED_NOW & set(words) or _dated(s, i)) and (present is None or present(si, i, i + 1)):
                    # "R chest Port-A-Cath placed 7 wks ago", "chemo via port", "Mediport in place": the
                    # patient's implanted venous port (a laparoscopy's "umbilical port site" is none)
                    trig = ()
                if trig is None and words[i] in _DEPENDS_ON and (
                        _DEPENDENCE & set(words[i + 1:i + 4]) or
                        # "on 2 liters of home oxygen": the flow rate before it
                        ("home" in words[i + 1:i + 6] and _OXYGEN & set(words[i + 1:i + 7]))) and \
                        not any(words[j] == "hd" and j + 1 < len(words) and words[j + 1].isdigit()
                                for j in range(i + 1, min(i + 4, len(words)))) and \
                        not (_OXYGEN & set(words[i + 1:i + 7]) and not _DEPENDENCE & set(words[i + 1:i + 4]) - _OXYGEN
                             and not _LONG_TERM_OXYGEN & set(words)) and \
                        (present is None or present(si, i + 1, i + 2)):
                    # ("on HD#1" is the first hospital day, not hemodialysis; "SpO2 93% on 2 L O2" is
                    # the oxygen given now, not a dependence on it)
                    trig = ("on",)
                if trig is None and words[i] == "wheelchair" and words[i + 1:i + 2] in (["dependent"], ["bound"]) and \
                        (present is None or present(si, i, i + 2)):
                    trig = ()   # "wheelchair-dependent", "wheelchair bound": Status > wheelchair confinement
                if trig is None and words[i] == "home" and i + 1 < len(words) and words[i + 1] in _OXYGEN and \
                        (present is None or present(si, i, i + 2)):
                    trig = ("on",)   # "home O2 2 L/min" in a medication list
                if trig is None:
                    continue
                a = i + len(trig)
                if trig and present is not None and (
                        not present(si, i, a) or (a < len(words) and not present(si, a, a + 1))):
                    continue   # "husband s/p vasectomy": a relative's; "No prior PCI or CABG": none
                b = a
                while b < len(words) and b - a < _STATUS_SCOPE and words[b] not in _STATUS_STOP \
                        and not (b > a and (s.gaps[b] or (b < len(s.commas) and s.commas[b]
                                                          and (words[b] not in SIDE_WORDS or trig == ())))) \
                        and not any(tuple(words[b:b + len(t)]) == t for t in STATUS_TRIGGERS):
                    b += 1
                lead = ()
                if trig == ():
                    # the device's own qualifiers before it ("a cardiac pacemaker", "dual-chamber ICD")
                    k = i
                    while k > 0 and i - k < 3 and words[k - 1] not in _STATUS_STOP and not s.gaps[k] \
                            and not s.commas[k]:
                        k -= 1
                    lead = tuple(words[k:i])
                if soft and not any(_procedure(w) for w in words[a:b]):
                    continue   # "history of prostate cancer" is History's, not a status
                phrase = []
                said = set(lead) | set(words[a:b])
                # a stent of a limb's artery: Status > angioplasty (peripheral) > with implant
                limb_stent = bool(said & _LIMB_ARTERIES and said & _CORONARY_DEVICES)
                scope = lead + tuple(words[a:b])
                if trig == () and (words[i] in _OPENINGS or words[i] in _TUBE_LETTERS) and \
                        (_ATTENDED | _UNDONE) & set(words[max(0, i - _ATTENDED_BEFORE):b]):
                    continue   # "G-tube replacement", "takedown of end colostomy", "seen for colostomy care":
                    # attention to the opening (Z43.-) or its closing, no status
                if trig == () and words[i] in _TUBE_LETTERS:
                    scope = lead + (_TUBE_LETTERS[words[i]],) + tuple(words[a + 1:b])
                if any(_STAY_DAY.fullmatch(w) or w == "hd" and after[k + 1:k + 2] and after[k + 1].isdigit()
                       for after in (tuple(words[a:b + _DAY_AFTER]),) for k, w in enumerate(after)):
                    continue   # "s/p laparoscopic cholecystectomy HD#4": done in this stay, on its fourth
                    # day (no hemodialysis, no status the stay's own operation leaves; "s/p R hallux partial
                    # amputation (IPJ disarticulation) HD3": the day said just after the phrase)
                for w in scope:
                    if limb_stent and w in _CORONARY_DEVICES:
                        phrase.extend(normalize_phrase(_PERIPHERAL_STENT))
                    elif w in STATUS_ABBREVIATIONS and not (w in _CORONARY_DEVICES and said & _OTHER_VESSELS):
                        phrase.extend(normalize_phrase(STATUS_ABBREVIATIONS[w]))
                    else:
                        phrase.append(w)   # "s/p ureteral stent" is no coronary stent
                if limb_stent:
                    phrase = [w for w in phrase if w not in ("artery", "arteries")]   # (no "coronary artery")
                if "implant" in phrase and "joint" in phrase and not _JOINTS & set(phrase):
                    # a joint replaced for the fracture said before it ("L hip fracture s/p
                    # hemiarthroplasty 2019": Presence > hip joint implant, left)
                    before = words[max(0, i - _JOINT_BACK):i]
                    joint = next((_JOINT_OF[w] for w in reversed(before) if w in _JOINT_OF), None)
                    if joint is not None:
                        phrase = [joint] + [w for w in before if w in SIDE_WORDS] + phrase
                # a level above a joint is the limb's, not the joint's ("R AKA", "above-knee amputation":
                # Absence > leg Z89.61-, never Absence > extremity > knee Z89.52-)
                phrase = [w for k, w in enumerate(phrase)
                          if not (w in _LEVEL_JOINTS and k and phrase[k - 1] == "above")]
                if "transplant" in phrase:
                    # "deceased donor kidney tx": the donor is the graft's, the transplant the patient's
                    phrase = [w for w in phrase if w not in _GRAFT_SOURCE]
                hit = self.tree.walk(self._status, walk_words(phrase)) or self._referenced_status(phrase) or \
                    self._tabular_status(phrase)
                if hit is None or not hit.code.startswith("Z"):
                    hit = self.tree.walk(self._absence, walk_words(phrase)) or hit
                if hit is None:
                    continue
                if trig == () and words[i] in _DEVICES and not self._names_device(hit, words[i:i + 3]):
                    continue   # "pump rep contacted: device log confirms": the walk read another word's entry
                if hit.code.startswith("Z90") and _PARTIAL & set(words[a:b]):
                    continue   # "s/p lumpectomy + whole-breast RT": part of the organ taken, no acquired absence
                if _UNDONE & set(words[a:b]) and hit.code.startswith(_UNDONE_STATUS):
                    continue   # "s/p colostomy reversal 2019", "s/p pacemaker removal": the opening or device is gone
                mapped = self.mapper.map([Candidate(hit.code, CodeSystem.ICD10CM, 0.9, "index")],
                                         walk_words(phrase), phrase)
                if mapped is not None and not _procedure_fits(mapped.code, set(phrase) | said):
                    continue   # "s/p laser both eyes" removed no eye; a cholecystectomy implanted no joint
                if mapped is not None and mapped.code.startswith("Z9" if soft else ("Z9", "Z8", "Z7")) and \
                        (trig != ("on",) or mapped.code.startswith("Z99")):
                    out.append(StatusHit(mapped.code, si, i, b, hit.path))
        return out


def _port_named(words: Sequence[str], i: int) -> bool:
    """Whether words[i] names an implanted venous access port: a brand ("Mediport", "PowerPort",
    "Port-A-Cath") or a port of the chest, for infusion or chemotherapy ("R chest port", "chemo via
    port", "Port R chest")."""
    if words[i] in _PORT_NAMES:
        return True
    return words[i] == "port" and (tuple(words[i + 1:i + 3]) == ("a", "cath") or
                                   (i > 0 and words[i - 1] in _PORT_LEADS) or "chest" in words[i + 1:i + 3])


_PORT_NAMES = frozenset(("mediport", "powerport", "portacath"))
_PORT_LEADS = frozenset("chest implanted infusion chemo chemotherapy venous subcutaneous via power".split())


def _dated(s: Sentence, i: int) -> bool:
    """Whether a sentence places what it names at words[i] in the past: a history section, or
    near it a year, "2 yrs ago", "prior", "s/p", "h/o" ("Hx right 2nd toe amputation 2018", "PSH:
    PEG placement 02/2024"; not "admitted for PEG tube placement for dysphagia after a stroke 3
    months ago")."""
    words = s.words[max(0, i - _DATED_BEFORE):i + _DATED_AFTER]
    return s.section in _HISTORY or any(is_year(w) for w in words) or bool(_DATED & set(words)) or \
        any(pair in (("s", "p"), ("h", "o")) for pair in zip(words, words[1:]))


_DATED_BEFORE, _DATED_AFTER = 6, 6


def _opening_said(words: Sequence[str], i: int) -> bool:
    """Whether an opening's word names the opening: any but an ambiguous abbreviation, which
    needs its tube's words after it or a route before it ("PEG tube in place", "meds via PEG")."""
    beside = _AMBIGUOUS_OPENINGS.get(words[i])
    return beside is None or bool(beside & set(words[i + 1:i + 3])) or tuple(words[i + 1:i + 3]) == ("in", "place") \
        or (i > 0 and words[i - 1] in _ROUTES)
