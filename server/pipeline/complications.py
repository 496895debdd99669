"""Complications of care (I.C.19.g): a device, implant or surgical wound the note says is
infected, displaced or failing, coded through the Alphabetic Index's Complication(s) and
Infection entries.

"periprosthetic joint infection R TKA" -> Complication > joint prosthesis, internal > infection
or inflammation > knee (T84.5-) -> right: T84.53XA. "displacement of pacemaker RV lead" ->
Complication > cardiovascular device, graft or implant > electronic > electrode > displacement
(T82.12-) -> T82.120A. "superficial incisional SSI" -> Infection > postoperative wound > surgical
site > superficial incisional, T81.41XA.

A sentence is read when it names both a device or operation (the table below, in the index's
words) and a kind of complication near it; a complication negated, hypothetical or past, and a
device planned, are left out (an old device's new complication is read: "s/p R THA 2019, now with
aseptic loosening").
The walk chooses the code; the Tabular finishes it (side, 7th character A).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from server.budget import checkpoint
from server.domain import Assertion
from server.pipeline.entities import Sentence
from server.pipeline.index_tree import walk_words

# a device or operation in the note's words -> the index's words for it
_DEVICES: dict[str, tuple[str, ...]] = {
    **{w: ("joint", "prosthesis", "internal")
       for w in ("prosthesis", "prosthetic", "periprosthetic", "arthroplasty", "hemiarthroplasty")},
    **{w: ("joint", "prosthesis", "internal", "knee") for w in ("tka", "tkr")},
    **{w: ("joint", "prosthesis", "internal", "hip") for w in ("tha", "thr")},
    **{w: ("cardiovascular", "device", "implant", "electronic") for w in
       ("pacemaker", "ppm", "icd", "aicd", "defibrillator", "crt", "crtd")},
    "lead": ("electrode",), "leads": ("electrode",), "electrode": ("electrode",),
    "ssi": ("postoperative", "wound", "surgical", "site"),
    "pji": ("joint", "prosthesis", "internal"),   # prosthetic joint infection
    # a catheter; a Foley is the urethral one left in place (Complication > catheter > urethral >
    # indwelling, T83.-)
    "catheter": ("catheter",), **{w: ("catheter", "urethral", "indwelling") for w in ("foley", "cauti")},
    # a pacing lead is a cardiac electronic device's ("dislodgement of the RA pacing lead": T82.120)
    "pacing": ("cardiovascular", "device", "implant", "electronic"),
    "pump": ("pump",),   # "insulin pump failure": Complication > insulin pump > mechanical > breakdown
    # a stoma (Complication > gastrostomy > infection K94.22; > colostomy; > tracheostomy J95.0-)
    **{w: ("gastrostomy",) for w in ("peg", "gastrostomy", "g-tube", "gtube")},
    "colostomy": ("colostomy",), "tracheostomy": ("tracheostomy",), "trach": ("tracheostomy",),
    # a ventricular assist device and its driveline (Complication > heart > assist device >
    # infection and inflammation, T82.7)
    **{w: ("heart", "assist", "device") for w in ("lvad", "rvad", "bivad", "vad", "driveline")},
    # an intrauterine contraceptive device (Complication > intrauterine > contraceptive device >
    # mechanical > displacement, T83.32-)
    "iud": ("intrauterine", "contraceptive", "device"),
    # an amputation's stump (Complication > amputation stump > neuroma > lower limb, T87.3-)
    "stump": ("amputation", "stump"),
    # a fracture's plate, screws or nail left in ("symptomatic hardware": Complication > orthopedic >
    # device or implant > pain, T84.84)
    "hardware": ("orthopedic", "device", "implant", "internal", "fixation"),
    # a dialysis access made by surgery (Complication > arteriovenous > fistula, surgically created)
    **{w: ("arteriovenous", "fistula", "surgically", "created") for w in ("avf", "avg")},
}
# words that make a device of the word after them: an AV fistula, a surgical site, a PD catheter
_MAKES_DEVICE: dict[tuple[str, str], tuple[str, ...]] = {
    **{(q, "fistula"): ("arteriovenous", "fistula", "surgically", "created")
       for q in ("av", "arteriovenous", "brachiocephalic", "radiocephalic", "brachiobasilic", "dialysis")},
    **{(q, "graft"): ("arteriovenous", "fistula", "surgically", "created") for q in ("av", "arteriovenous")},
    ("surgical", "site"): ("postoperative", "wound", "surgical", "site"),
    # a peritoneal dialysis catheter (Complication > catheter > intraperitoneal dialysis, T85.6-/T85.71)
    **{(q, "catheter"): ("catheter", "intraperitoneal", "dialysis") for q in ("pd", "peritoneal", "tenckhoff")},
}
# words that make a complication its device's across an "and" ("infection and erosion of the pocket")
_REVISED = frozenset("revision revisions revised revise removal exchange".split())
_LINKS = frozenset("of with from in at around involving due secondary associated related".split())
# a kind of complication in the note's words -> the index's word
_KINDS: dict[str, tuple[str, ...]] = {
    # (the index's device entries say "infection and/or inflammation")
    **{w: ("infection", "inflammation") for w in ("infection", "infected", "infectious", "ssi", "pji", "septic")},
    # an infection of the urinary tract beside a catheter is the urinary catheter's
    # ("catheter-associated UTI": Complication > catheter > urethral > indwelling > infection, T83.511)
    **{w: ("infection", "inflammation", "urethral", "indwelling") for w in ("uti", "cauti")},
    **{w: ("mechanical", "displacement") for w in ("dislodged", "dislodgement", "dislodgment", "displacement",
                                                     "displaced", "migrated", "migration", "malposition",
                                                     "malpositioned")},
    **{w: ("mechanical", "loosening") for w in ("loosening", "loosened", "loose")},
    **{w: ("dislocation",) for w in ("dislocation", "dislocated")},
    **{w: ("thrombosis",) for w in ("thrombosis", "thrombosed", "clotted")},
    **{w: ("stenosis",) for w in ("stenosis", "stenotic")},
    **{w: ("neuroma",) for w in ("neuroma", "neuromas")},
    "contracture": ("capsular", "contracture"),
    # (pain only beside retained hardware: a pacemaker patient's chest pain is no device's)
    **{w: ("pain",) for w in ("pain", "painful", "symptomatic")},
    **{w: ("necrosis",) for w in ("necrosis", "necrotic")},
    **{w: ("mechanical", "breakdown") for w in ("malfunction", "malfunctioning", "breakdown", "failure", "rupture",
                                                  "ruptured")},
}
# an operation of a delivery: its wound's infection is the obstetrical surgical wound's (Infection >
# obstetrical surgical wound > incisional site > superficial, O86.01; O86.0 Excludes1 T81.4-)
_OBSTETRIC = frozenset("cesarean caesarean csection ltcs lscs episiotomy postpartum puerperal".split())
_PAST_SECTIONS = frozenset(("past_medical_history", "past_surgical_history"))
_OBSTETRIC_WOUND = ("obstetrical", "surgical", "wound", "incisional", "site")
# a "failure" is the device's only right after it ("insulin pump (mechanical) failure"; "pacemaker for
# heart failure" is not)
_NEXT_ONLY = frozenset(("failure",))
_HARDWARE_KINDS = frozenset(("pain", "painful", "symptomatic"))
_SIDE_WORDS = frozenset(("left", "right", "l", "r"))
_HARDWARE_REACH = 5   # words from "hardware" to what it has ("pain due to retained internal fixation hardware")
_GONE = frozenset(("removed", "out", "explanted"))
# an electrode is a device's only beside the device ("pacemaker RV lead"; "lead" alone is a metal
# or a verb)
_PARTS = frozenset(("lead", "leads", "electrode"))
# an amputation the note names -> the limb its stump is of
_AMPUTATIONS = {**{w: ("lower", "limb") for w in ("bka", "aka", "btka", "transtibial", "transfemoral")},
                **{w: ("upper", "limb") for w in ("bea", "aea", "transradial", "transhumeral")}}
_BREAST = frozenset(("breast", "breasts", "mastectomy"))
_BREAST_IMPLANT = frozenset(("implant", "implants", "reconstruction", "augmentation"))
# a bypass graft of a limb's arteries (the note names both somewhere): a vascular graft
_GRAFTS = frozenset(("graft", "grafts"))
_LIMB_ARTERIES = frozenset("fem pop femoral popliteal femoropopliteal fempop tibial iliac aortofemoral aortobifemoral "
                           "axillofemoral femorofemoral aortoiliac".split())
_PACED = frozenset("pacemaker ppm icd aicd defibrillator crt crtd".split())
# "SSI" is a sliding scale of insulin where a diabetes and its drugs are the sentence's
_INSULIN = frozenset("insulin lispro aspart glulisine regular humalog novolog scale dm dm2 t2dm dm1 t1dm diabetes "
                     "metformin sitagliptin glipizide glucose sugar sugars bg bgs fsbg cbg hyperglycemia hypoglycemia "
                     "a1c coverage covered meal meals achs glargine lantus basal prandial unit units npo".split())
# ... and the Supplemental Security Income a social history names ("unemployed, on SSI")
_INCOME = frozenset("income disability unemployed benefit benefits security medicaid housing shelter employed "
                    "employment".split())
_FRACTURES = frozenset(("fracture", "fractures", "fx", "fxs"))
_PLANNED = frozenset("plan planned planning scheduled candidate consider considering offered discussed for "
                     "awaiting pending".split())
_REACH = 8   # words between the device and its complication ("infection of right knee prosthesis")
# the only chapters a device complication's code may come from
_CODES = ("T81", "T82", "T83", "T84", "T85", "T87", "O86", "K94", "J95.0")
_MAIN_TERMS = ("Complication", "Infection")


@dataclass(frozen=True)
class ComplicationHit:
    code: str          # the index's code, before the Tabular's side and 7th character
    sentence: int
    tok_start: int
    tok_end: int
    words: tuple[str, ...]   # the words the Tabular finishes it with
    path: tuple[str, ...]


def find(tree, sentences: Sequence[Sentence], assertion: Callable[[int, int, int], Assertion],
         inpatient: bool = False) -> list[ComplicationHit]:
    """The complications of care the note's sentences state (in a stay, also those it calls
    probable or suspected at discharge: coded as if established, II.H)."""
    stated = (Assertion.PRESENT, Assertion.POSSIBLE) if inpatient else (Assertion.PRESENT,)
    starts = [i for t in _MAIN_TERMS for i in tree.main_terms(t)]
    complication_starts = tree.main_terms(_MAIN_TERMS[0])
    if not starts:
        return []
    out: list[ComplicationHit] = []
    paced = any(_PACED & set(s.words) for s in sentences)
    breasted = any(_BREAST & set(s.words) and _BREAST_IMPLANT & set(s.words) for s in sentences)
    grafted = any(_LIMB_ARTERIES & set(s.words) and _GRAFTS & set(s.words) for s in sentences)
    amputated = [s.words for s in sentences if _AMPUTATIONS.keys() & set(s.words)]
    stump = tuple(dict.fromkeys(w for ws in amputated for a in _AMPUTATIONS.keys() & set(ws)
                                for w in (*_AMPUTATIONS[a], *(x for x in ws if x in ("left", "right", "l", "r")))))
    # (a cesarean of years ago, "PSH: C-section 2001", makes no wound of today's an obstetric one)
    obstetric = any((_OBSTETRIC & set(s.words) or ("c", "section") in zip(s.words, s.words[1:])) and
                    s.section not in _PAST_SECTIONS and not any(len(w) == 4 and w.isdigit() for w in s.words)
                    for s in sentences)
    for si, s in enumerate(sentences):
        words = s.words
        made = {k: _MAKES_DEVICE[(words[k - 1], w)] for k, w in enumerate(words)
                if k and (words[k - 1], w) in _MAKES_DEVICE}
        made.update({k: _MAKES_DEVICE[(words[k - 2], w)] for k, w in enumerate(words)   # "AV (brachiocephalic) fistula"
                     if k > 1 and k not in made and (words[k - 2], w) in _MAKES_DEVICE and w == "fistula"})
        if grafted:
            # a bypass graft of a limb's arteries is a vascular graft ("thrombosis of L fem-pop bypass
            # graft": Complication > graft > vascular > thrombosis, T82.868; a coronary one is not)
            made.update({k: ("graft", "vascular") for k, w in enumerate(words) if w in _GRAFTS and k not in made})
        if breasted:
            # (an implant of a note on a reconstructed breast is the breast's: "capsular contracture of implant")
            made.update({k: ("breast", "implant") for k, w in enumerate(words) if w in ("implant", "implants")})
        devices = [k for k, w in enumerate(words) if (w in _DEVICES or k in made)
                   and not (w == "ssi" and (_INSULIN & set(words[max(0, k - 8):k + 2]) or _INCOME & set(words) or (
                       k < 2 and si and _INSULIN & set(sentences[si - 1].words))))]
        # (sliding-scale insulin, said before it or in the sentence before one it opens: "DM2: A1c
        # 6.8%. SSI while inpatient."; an income)
        if any(words[d] != "hardware" for d in devices):
            # ("insulin pump ... device hardware failure": the pump's)
            devices = [d for d in devices if words[d] != "hardware"]
        devices = [d for d in devices if words[d] != "hardware" or not _GONE & set(words[d + 1:d + 3])]
        # ("hardware removed 2020; now progressive L ankle pain": no device left to hurt)
        hardware = bool(devices) and words[devices[0]] == "hardware"   # (then every device is)
        if devices and all(words[k] in _PARTS for k in devices) and not paced:
            devices = []   # (a lead is a device's where the note names its pacemaker: "s/p PPM ... dislodged RA lead")
        kinds = [k for k, w in enumerate(words) if w in _KINDS and (w != "ssi" or k in devices)
                 # (retained hardware's own complication, said with it: "painful hardware", "pain due to
                 # retained hardware"; never one item of a list of risks, "infection, hardware issues")
                 and (w not in _HARDWARE_KINDS or hardware)
                 and (not hardware or any(abs(k - d) <= _HARDWARE_REACH and
                                          not any(s.commas[min(k, d) + 1:max(k, d) + 1]) for d in devices))
                 and (w not in _NEXT_ONLY or k - 1 in devices or (words[k - 1] == "mechanical" and k - 2 in devices))
                 and any(abs(k - d) <= _REACH for d in devices)
                 and (w in _HARDWARE_KINDS or not _FRACTURES & set(words[k + 1:k + 4]))]
        # ("displaced femoral neck fracture"; "symptomatic hardware; fracture healed" is the hardware's)
        if not devices or not kinds:
            continue
        checkpoint()
        k, d = kinds[0], min(devices, key=lambda d: abs(d - kinds[0]))
        between = set(words[min(k, d) + 1:max(k, d)])
        if "and" in between and not _LINKS & between:
            continue   # "follow-up of aortic stenosis and her pacemaker": two things, no device's stenosis
        if d < k and "for" in between and not _LINKS & between and not _REVISED & set(words[:d + 1]):
            continue   # "valve prosthesis (On-X), placed 2012 for rheumatic mitral stenosis": what it was for
            # (a revision's reason is the device's complication: "revision of L THA for aseptic loosening")
        # (the device itself may be an old one: "s/p R THA 2019, now with loosening")
        if assertion(si, k, k + 1) not in stated or \
                assertion(si, d, d + 1) in (Assertion.ABSENT, Assertion.HYPOTHETICAL) or \
                _PLANNED & set(words[max(0, d - 3):d]):
            continue   # "no signs of prosthetic joint infection", "r/o lead dislodgement", "plan hip arthroplasty"
        # the sentence's words but what it denies ("deep space/organ space infection ruled out")
        kept = [w for j, w in enumerate(words) if j in devices or j in kinds or
                assertion(si, j, j + 1) not in (Assertion.ABSENT, Assertion.HYPOTHETICAL)]
        said: list[str] = []   # the index's words first: a "no" late in the sentence never denies them
        if paced and all(words[x] in _PARTS for x in devices):
            said.extend(_DEVICES["pacemaker"])   # the note's pacemaker's lead
        for x in devices:
            said.extend(made[x] if x in made else _DEVICES[words[x]])
            if words[x] == "stump":
                # the amputation's limb and side ("s/p L BKA": lower limb, left); a side the
                # complication's own sentence names is its ("neuroma of L BKA stump" beside "PAD of R LE")
                own = _SIDE_WORDS & set(words)
                said.extend(w for w in stump if not (own and w in _SIDE_WORDS))
        if "surgical" in said:
            if obstetric:
                said.extend(_OBSTETRIC_WOUND)
            if {"superficial", "deep"} & set(kept):
                # a superficial or deep surgical site infection is an incisional one (the CDC's and
                # the index's "superficial incisional", "deep incisional")
                said.append("incisional")
        for x in [x for x in kinds if x == k or assertion(si, x, x + 1) not in (Assertion.ABSENT,
                                                                               Assertion.HYPOTHETICAL)]:
            # ("thrombosed AVF, no underlying stenosis": the thrombosis only)
            # "catheter-associated urinary tract infection" is the UTI's kind, spelled out
            said.extend(_KINDS["uti" if words[x] == "infection" and "urinary" in words[max(0, x - 3):x] else words[x]])
        said.extend(kept)
        # (the Infection entry only for an infection: "dislocation of the R THA" is Complication >
        # joint prosthesis > dislocation, never Infection > hip > internal joint prosthesis)
        entries = starts if "infection" in said else complication_starts
        hit = tree.walk(entries, walk_words(said))
        if hit is None or not hit.code.startswith(_CODES):
            continue
        lo, hi = min(devices + kinds), max(devices + kinds) + 1
        out.append(ComplicationHit(hit.code.rstrip("-").rstrip("."), si, lo, hi, tuple(said), hit.path))
    return out


# --- complications of the operation itself (I.C.19.g, I.B.16) -------------------------------------
# An organ cut or torn by accident during surgery (Complication > intraoperative > puncture or
# laceration), a bleed, hematoma or seroma after it (Complication > postprocedural > hemorrhage /
# hematoma / seroma): the index files each under the body system of the organ hurt, then by whether
# the operation was on that system ("inadvertent enterotomy of the terminal ileum" during a
# hemicolectomy: > digestive system > during procedure on digestive system, K91.71; a "subcutaneous
# wound hematoma" after a knee arthroplasty: > skin and subcutaneous tissue > following procedure on
# other organ, L76.32).
_ACCIDENTAL = frozenset("accidental accidentally inadvertent inadvertently unintended unintentional unintentionally "
                        "iatrogenic".split())
_TORN = frozenset("laceration lacerated lacerating puncture punctured perforation perforated tear torn injury "
                  "injured nick nicked".split())
_OPENED = ("otomy",)   # an organ opened by accident ("inadvertent cystotomy", "enterotomy")
_REPAIRS = ("rrhaphy",)   # the accident's repair ("cystorrhaphy"), not the operation it complicated
_BLEEDS = {"hemorrhage": "hemorrhage", "bleed": "hemorrhage", "bleeding": "hemorrhage", "hematoma": "hematoma",
           "hematomas": "hematoma", "seroma": "seroma", "seromas": "seroma"}
_AFTER_OPERATION = frozenset("postoperative postop postprocedural postsurgical".split())
_FOLLOWING = frozenset(("following", "after"))
# the body systems as the index names them (the first word of its subterm) and the note's words for
# their organs, whole words or the stems of operation words ("cholecyst|ectomy", "cyst|otomy")
_ORGANS: dict[str, str] = {
    **{w: "digestive" for w in ("chole", "cholecyst", "gallbladder", "gb", "bowel", "enter", "ileum", "ileal", "ile",
                                 "jejunum", "jejunal", "jejun", "duodenum", "duodenal", "duoden", "colon", "colonic",
                                 "col", "hemicol", "sigmoid", "rectum", "rectal", "proctocol", "gastr", "stomach",
                                 "gastric", "esophagus", "esophageal", "esophag", "append", "appendic", "liver",
                                 "hepatic", "hepat", "pancreas", "pancreatic", "pancreat", "pancreaticoduoden",
                                 "cecum", "cecal", "biliary", "intestine", "intestinal")},
    **{w: "genitourinary" for w in ("bladder", "cyst", "ureter", "ureteral", "urethra", "urethral", "urethr",
                                     "nephr", "kidney", "renal", "prostate", "prostat", "hyster", "uterus",
                                     "uterine", "ovary", "ovarian", "oophor", "salping", "vagina", "vaginal",
                                     "turp")},
    **{w: "respiratory" for w in ("lung", "pleura", "pleural", "pneum", "bronch", "trache", "tonsil", "tonsill")},
    **{w: "nervous" for w in ("dura", "dural", "dur", "crani", "brain", "cord")},
    **{w: "musculoskeletal" for w in ("arthro", "arthroplasty", "hemiarthroplasty", "tka", "tha", "tkr", "thr",
                                       "orif", "menisc", "bone", "joint")},
    **{w: "skin" for w in ("subcutaneous", "skin", "incision", "incisional", "cutaneous", "wound")},
    **{w: "endocrine" for w in ("thyroid", "parathyroid", "adrenal", "thyroidect")},
    **{w: "spleen" for w in ("spleen", "splenic", "splen")},
    **{w: "circulatory" for w in ("cabg", "catheterization", "cath", "angioplasty", "pci", "endarterect")},
}
_OPERATION_SUFFIXES = ("ectomy", "ectomies", "otomy", "ostomy", "oscopy", "plasty", "pexy", "rrhaphy")
# a heart operation the circulatory entries name ("following cardiac bypass", "... catheterization")
_HEART_OPERATIONS = {"cabg": "bypass", "bypass": "bypass", "catheterization": "catheterization", "cath": "catheterization"}
_GENERIC_PROCEDURE = frozenset(("during", "following", "procedure", "organ", "nonorthopedic", "surgery"))
_POSTOP_BEFORE = 4   # words before a bleed its "postoperative" may stand ("postoperative subcutaneous wound hematoma")
_ACCIDENT_REACH = 6   # words from "inadvertent" to its tear ("inadvertent 1 cm full-thickness enterotomy")
_SURGICAL_REACH = 12   # words between the bleed or tear and what says it is the operation's


def _stem_system(word: str) -> str | None:
    """The body system a note word names: an organ ("bladder"), or the organ an operation word is
    made of ("hysterectomy": hyster-, genitourinary; "cholecystectomy": cholecyst-, digestive)."""
    if word in _ORGANS:
        return _ORGANS[word]
    for suffix in _OPERATION_SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[:-len(suffix)].rstrip("o")
            for k in range(len(stem), 2, -1):   # the longest stem the table knows ("cholecyst" before "cyst")
                if stem[:k] in _ORGANS and (k == len(stem) or k >= 4):
                    return _ORGANS[stem[:k]]
            return None
    return None


def _operation_word(word: str) -> bool:
    return word.endswith(_OPERATION_SUFFIXES) or word in ("chole", "tka", "tha", "tkr", "thr", "orif", "cabg", "turp",
                                                          "arthroplasty", "hemiarthroplasty", "cath", "pci")


def find_surgical(tree, sentences: Sequence[Sentence], assertion: Callable[[int, int, int], Assertion],
                  inpatient: bool = False) -> list[ComplicationHit]:
    """The accidental lacerations and postprocedural bleeds the note states, coded by the index's
    Complication > intraoperative / postprocedural entries."""
    stated = (Assertion.PRESENT, Assertion.POSSIBLE) if inpatient else (Assertion.PRESENT,)
    starts = tree.main_terms(_MAIN_TERMS[0])
    if not starts:
        return []
    # the systems operated on this encounter: operation words outside the history sections, but the
    # accident's own ("an inadvertent cystotomy ... repair of the cystotomy") and the repairs of it
    # ("cystorrhaphy")
    accidents = {w for s in sentences for k, w in enumerate(s.words)
                 if w.endswith(_OPENED) and _ACCIDENTAL & set(s.words[max(0, k - _ACCIDENT_REACH):k])}
    operated: dict[str, set[str]] = {}
    for s in sentences:
        if s.section in _PAST_SECTIONS:
            continue
        for w in s.words:
            if _operation_word(w) and w not in accidents and not w.endswith(_REPAIRS) and \
                    (system := _stem_system(w)) is not None:
                operated.setdefault(system, set()).add(_HEART_OPERATIONS.get(w, w))
    if not operated:
        return []
    out: list[ComplicationHit] = []
    for si, s in enumerate(sentences):
        words = s.words
        if s.section in _PAST_SECTIONS:
            continue
        torn = [k for k, w in enumerate(words) if (w in _TORN or w.endswith(_OPENED)) and
                _ACCIDENTAL & set(words[max(0, k - _ACCIDENT_REACH):k + 1])]
        bled = [k for k, w in enumerate(words) if w in _BLEEDS and (
            _AFTER_OPERATION & set(words[max(0, k - _POSTOP_BEFORE):k]) or
            any(words[x:x + 2] == ["post", "op"] for x in range(max(0, k - _POSTOP_BEFORE - 1), k - 1)) or
            any(words[x] in _FOLLOWING and any(_operation_word(y) for y in words[x + 1:x + 4])
                for x in range(k + 1, min(len(words), k + _SURGICAL_REACH))))]
        for k in torn[:1] + bled[:1]:
            checkpoint()
            if assertion(si, k, k + 1) not in stated:
                continue   # "no hematoma", "r/o bladder injury"
            kind = ("intraoperative", "puncture") if k in torn else ("postprocedural", _BLEEDS[words[k]])
            # the organ hurt: a word of the clause that names one and is no operation's (the torn
            # organ may be the "-otomy" itself: "inadvertent cystotomy")
            lo, hi = max(0, k - _SURGICAL_REACH), min(len(words), k + _SURGICAL_REACH)
            # (the nearest: "dissection of the sigmoid off the bladder, an inadvertent cystotomy")
            near = sorted(range(lo, hi), key=lambda x: (abs(x - k), x))
            sites = [sy for x in near if (not _operation_word(words[x]) or x == k) and
                     (sy := _ORGANS.get(words[x]) or (_stem_system(words[x]) if x == k else None))]
            site = sites[0] if sites else None
            if site is None:
                # a bleed of no organ named is the operated organ's ("postoperative hemorrhage
                # following cholecystectomy"); only where one system was operated on
                site = next(iter(operated)) if len(operated) == 1 and k not in torn else None
            if site is None:
                continue
            hit = _surgical_code(tree, starts[0], kind, site, operated)
            if hit is not None:
                out.append(ComplicationHit(hit[0], si, k, k + 1, (), hit[1]))
    return out


def _surgical_code(tree, start: int, kind: tuple[str, str], site: str, operated: dict[str, set[str]]):
    """(code, path) under Complication > kind > site system > the operation's system."""
    node, path = start, []
    for want in kind:
        node = next((c for c in tree.nodes[node].children if tree.nodes[c].words[:1] == (want,)), None)
        if node is None:
            return None
        path.append(" ".join(tree.nodes[node].words))
    node = next((c for c in tree.nodes[node].children if tree.nodes[c].words[:1] == (site,)), None)
    if node is None:
        return None
    path.append(" ".join(tree.nodes[node].words))
    children = [c for c in tree.nodes[node].children if tree.nodes[c].code]
    other = [c for c in children if set(tree.nodes[c].words) <= _GENERIC_PROCEDURE]
    same = [c for c in children if c not in other]
    if site in operated:
        said = operated[site]
        chosen = next((c for c in same if said & set(tree.nodes[c].words)), None) or \
            next((c for c in same if site in tree.nodes[c].words), None) or (same[0] if same else None)
    else:
        chosen = other[0] if other else None
    if chosen is None:
        return None
    path.append(" ".join(tree.nodes[chosen].words))
    return tree.nodes[chosen].code.rstrip("-").rstrip("."), tuple(path)
