"""Order the codes of an encounter: the principal (inpatient) or first-listed (outpatient)
diagnosis first, then the rest by support, with "code first" / "use additional code" pairs
honoured (etiology before manifestation: E11.22 before N18.31)."""
from __future__ import annotations

import bisect
import re

from server.domain import Assertion, CodeSystem, RuleNote
from server.pipeline.findings import SECTION_PRIORITY, Finding


_COVID = "U07.1"
# a visit for chemotherapy, immunotherapy or radiation: its Z51 code leads the malignancy (I.C.2.e.2)
_ANTINEOPLASTIC_ENCOUNTERS = ("Z51.0", "Z51.1")
# Z codes that say why the encounter happened and are listed first when it happened for that.
# (therapeutic drug level monitoring, Z51.81: the anticoagulation clinic's INR visit; an implanted
# device's check and adjustment, Z45.0-)
ENCOUNTER_FIRST = ("Z08", "Z09", "Z12", "Z13", "Z51.81", "Z45.0")
# Routine examinations and surgical aftercare, read only from a visit's stated reason
# (``encounter_codes``): always first.
ROUTINE_EXAMS = ("Z00.0", "Z00.12", "Z01.41", "Z01.81", "Z02.5",   # Z01.81-: pre-procedural (IV.M)
                 "Z38",   # a newborn's birth episode: the Z38 code is principal (I.C.16.a.2)
                 "Z47.1", "Z48.3", "Z48.81")   # surgical aftercare, read from the visit's reason (I.C.21.c.7)


def _drug_code(c: str) -> bool:
    return len(c) >= 7 and c[0] == "T" and "36" <= c[1:3] <= "50"


def poisoning(c: str) -> bool:
    """A poisoning by a drug (T36-T50) or a toxic effect of a substance (T51-T65), by its intent."""
    # (the intent is the 6th character, or the 5th where a placeholder X follows it: T58.01XA)
    return len(c) >= 7 and c[0] == "T" and "36" <= c[1:3] <= "65" and (c[6] if c[6] != "X" else c[5]) in "1234"


def _adverse_effect(c: str) -> bool:
    return _drug_code(c) and c[6] in "56"


# B95-B97 are "supplementary or additional codes to identify the infectious agent(s) in diseases
# classified elsewhere" (their chapter's note)
_ORGANISM_CODES = ("B95", "B96", "B97")
_TOBACCO = "F17.2"
# Chapter 18 holds many symptoms but not all (I.B.4): pain the body-system chapters classify by site
# (joint, back, limb, muscle, eye, ear, breast) is a symptom as much as R10 is, and yields likewise
_SITE_SYMPTOMS = ("M25.5", "M54.2", "M54.5", "M54.6", "M54.9", "M79.1", "M79.6", "H57.1", "H92.0", "N64.4")
_ACUTE_TITLE = re.compile(r"\b(ketoacidosis|hyperosmolarity|hypoglycemia|exacerbation|acute)\b", re.I)
_RANK_WEIGHT = 0.05          # each earlier first mention counts this much toward leading
_LISTED_RANK_WEIGHT = 0.15   # us-claims: the physician's order of the final diagnoses counts more
_DIAGNOSIS_SECTIONS = frozenset(("discharge_diagnoses", "assessment"))


def _position(f: Finding, diagnosis_order: bool) -> tuple[int, int]:
    """Where a finding is first said; with ``diagnosis_order``, its place in the diagnosis list."""
    listed = [e.start for e in f.evidence if e.section in _DIAGNOSIS_SECTIONS]
    if diagnosis_order and listed:
        return 0, min(listed)
    return 1, min((e.start for e in f.evidence), default=10**9)


def _visit_symptom(f: Finding, rank: int) -> bool:
    """A symptom the visit came for (the chief complaint) or the assessment lists first: one that
    survived the symptom rules has no stated diagnosis explaining it, and leads the chronic
    conditions managed beside it ("Impression: 1. Chest pain, noncardiac. 2. Hypertension": R07.89,
    IV.D)."""
    return "chief_complaint" in f.sections or (rank == 0 and bool(f.sections & _DIAGNOSIS_SECTIONS))


def principal_score(f: Finding, icd10cm, rank: int = 0, chronic: tuple[str, ...] = (),
                    rank_weight: float = _RANK_WEIGHT) -> float:
    """How likely a code is the reason for the encounter. Symptoms yield to a confirmed diagnosis,
    history/status (Z) codes and external causes (V-Y) come last, and a manifestation code
    (code-first) never leads."""
    s = f.confidence + max((SECTION_PRIORITY.get(x, 0.0) for x in f.sections), default=0.0)
    c = f.code
    if f.system is not CodeSystem.ICD10CM:
        return s - 5.0
    if c[0] == "O":
        # chapter 15 codes have sequencing priority (I.C.15.a.1); at a delivery the complication of
        # labor or delivery leads the other maternal conditions that complicate it (O99, O9A:
        # "GBS carrier ... 2nd-degree perineal laceration": O70.1 first, I.C.15.b.4)
        # (an injury or poisoning in a pregnancy: O9A.2- before its injury, which its note asks for)
        # (a multiple gestation is the pregnancy's state: what complicates it, or a cesarean's
        # indication, leads it: breech of twin B, O32.1XX2, before O30.043)
        # (a high-risk pregnancy's supervision leads a routine prenatal visit; a condition complicating
        # the pregnancy that the visit manages leads it: O10.013 before O09.523, I.C.15.b.2)
        s += 0.7 if c.startswith(("O9A.2", "O30")) else 0.4 if c.startswith(("O99", "O9A", "O09")) else 1.0
    elif poisoning(c):
        s += 0.6    # a poisoning code comes before its manifestations (I.C.19.e.5.b)
    elif c == _COVID:
        s += 0.6    # COVID-19 before its manifestations, respiratory failure among them (I.C.1.g.1.b)
    elif _adverse_effect(c):
        s -= 0.8    # the nature of an adverse effect comes first, the drug after (I.C.19.e.5.a)
    elif c[:1] in "ST" and len(c) == 8 and c[-1] == "S":
        s -= 0.8    # a sequela's residual comes first, the injury that caused it after (I.C.19.a)
    elif c.startswith(ROUTINE_EXAMS):
        s += 2.0    # a routine examination visit lists its Z00 / Z01 code first (I.C.21.c.13)
    elif c.startswith(_ANTINEOPLASTIC_ENCOUNTERS):
        s += 1.5    # a visit for chemotherapy, immunotherapy or radiation, read from its stated reason, lists
        # it first, the malignancy after (I.C.2.e.2)
    elif c.startswith(ENCOUNTER_FIRST):
        s += 0.5    # the encounter's reason: follow-up (I.C.21.c.8), screening, drug monitoring
    elif c.startswith("Z3A"):
        s -= 2.5
    elif c[0] in "VWXY":
        s -= 3.0
    elif c[0] == "Z":
        s -= 1.5
    elif c.startswith(_TOBACCO) and "chief_complaint" not in f.sections:
        s -= 0.5    # tobacco dependence is what a stay or visit also manages, rarely what occasions it
    elif c.startswith(_ORGANISM_CODES):
        s -= 2.0    # an organism's code says the agent of a condition coded elsewhere: never first
    elif (c[0] == "R" or c.startswith(_SITE_SYMPTOMS)) and \
            not (_visit_symptom(f, rank) and not icd10cm.notes(c, "code_first", True)):
        s -= 0.8    # (R65.2-: its infection comes first)
    i = icd10cm.id_of(c)
    if i >= 0 and bool(icd10cm.manifestation[i]):
        s -= 2.0
    elif i >= 0 and c[0] not in "RZOST" and icd10cm.notes(c, "code_first", True) and \
            not icd10cm.referenced_codes(c, "code_first", True):
        s -= 0.5    # "code first underlying disease", naming none (I85.11's cirrhosis): its cause leads
    if f.assertion not in (Assertion.PRESENT, Assertion.POSSIBLE):
        s -= 0.2   # (a stay's uncertain diagnosis is coded and sequenced as if established, II.H)
    # A chronic condition rarely occasions the stay when an acute one is documented.
    if chronic and c.startswith(chronic) and not (i >= 0 and _ACUTE_TITLE.search(icd10cm.description(c))):
        s -= 0.2   # (its acute complication is no chronic condition: "T1DM with ketoacidosis")
    # The first diagnosis written (``rank`` in text order) tends to be the reason for the encounter.
    return s - rank_weight * min(rank, 10)


def sequence(found: dict[str, Finding], rules, diagnosis_order: bool = False, text: str = "") -> list[Finding]:
    """Findings in reporting order: principal first, then pairs fixed so that a code whose
    "code first" note names another present code follows it. ``diagnosis_order`` (us-claims):
    the order of the final diagnoses / assessment leads, as the physician listed them (the first
    listed is the reason for the stay, II / IV), before the order of the note's first mentions.
    ``text``: the note, where "admitted with X" / "presents for X" says the encounter's reason."""
    by_pos = sorted(found.values(), key=lambda f: _position(f, diagnosis_order))
    rank = {id(f): i for i, f in enumerate(by_pos)}
    icd10cm, chronic = rules.cm, rules.chronic
    weight = _LISTED_RANK_WEIGHT if diagnosis_order else _RANK_WEIGHT
    reason = {id(f) for f in found.values() if text and _said_as_reason(f, text)}
    order = sorted(found.values(), key=lambda f: (-principal_score(f, icd10cm, rank[id(f)], chronic, weight)
                                                  - _REASON_WEIGHT * (id(f) in reason), f.code))
    dx = [f for f in order if f.system is CodeSystem.ICD10CM]
    px = [f for f in order if f.system is not CodeSystem.ICD10CM]
    dx = _cause_first(_rule_lead(_etiology_first(dx, rules)), icd10cm)
    dx = _rehydration_first(dx, text)
    dx = _chemotherapy_anemia_first(dx, text)
    dx = _operated_condition_first(dx, text)
    return dx + px


def _operated_condition_first(dx: list[Finding], text: str) -> list[Finding]:
    """A stay admitted electively for an operation: the condition operated on is principal, not a
    complication of the operation that arose during the stay (II; I.B.16: "Elective robotic
    prostatectomy ... POD 2 postoperative ileus": C61 before K91.89)."""
    if len(dx) < 2 or not dx[0].code.startswith(_AFTER_OPERATION) or not _ELECTIVE.search(text) or \
            _READMITTED.search(text):
        return dx   # ("readmitted 4 days after elective sigmoid colectomy ... postoperative ileus": its own)
    # (the one the note names first: the indication opens an operation's summary, "INDICATION:
    # Papillary thyroid carcinoma", before what followed the operation)
    operated = min((f for f in dx[1:] if not f.code.startswith(_AFTER_OPERATION) and f.code[:1] not in "RZSTVWXY"
                    and f.assertion in (Assertion.PRESENT, Assertion.POSSIBLE)),
                   key=lambda f: min((e.start for e in f.evidence), default=len(text)), default=None)
    return _put_first(dx, operated, "the elective operation's condition; its complication arose in the stay")


def _put_first(dx: list[Finding], f: Finding | None, why: str) -> list[Finding]:
    """``dx`` with ``f`` moved to the front, its note saying ``why`` it leads the code it displaced."""
    if f is not None:
        f.notes.append(RuleNote("sequencing", f"first-listed before {dx[0].code}: {why}", dx[0].code))
        dx.remove(f)
        dx.insert(0, f)
    return dx


# the chapters' intraoperative and postprocedural complication categories (a device's complication,
# T82-T85, is what a revision is admitted for)
_AFTER_OPERATION = ("D78", "E36", "E89", "G97", "H59", "H95", "I97", "J95", "K91", "L76", "M96", "N99")
_ELECTIVE = re.compile(r"\belective(?:ly)?\b", re.I)
_READMITTED = re.compile(r"\bre-?admi\w*|\bafter (?:an? |his |her |the )?elective\b", re.I)


def _rehydration_first(dx: list[Finding], text: str) -> list[Finding]:
    """A stay or visit for a malignancy's dehydration where rehydration is what is done: the
    dehydration first, the malignancy after (I.C.2.c.3: "admitted w/ ... dehydration ... treated w/
    IV fluids and antiemetics only": E86.0 before C01)."""
    if len(dx) < 2 or not _MALIGNANCY_LEAD.match(dx[0].code) or not _REHYDRATION.search(text):
        return dx
    dry = next((f for f in dx[1:] if f.code.startswith(_DEHYDRATION)), None)
    return _put_first(dx, dry, "the malignancy's dehydration is what is treated (I.C.2.c.3)")


def _chemotherapy_anemia_first(dx: list[Finding], text: str) -> list[Finding]:
    """A stay or visit for the anemia chemotherapy caused, treated by transfusion: the anemia first,
    then the malignancy and the drug's adverse effect (I.C.2.c.2: "admitted for symptomatic anemia
    due to chemo ... transfused 2 u PRBC": D64.81, C34.11, T45.1X5A); an anemia of the neoplasm
    itself (D63.0) follows its malignancy (I.C.2.c.1)."""
    if len(dx) < 2 or not _MALIGNANCY_LEAD.match(dx[0].code) or not _TRANSFUSED.search(text) or \
            not _FOR_ANEMIA.search(text):
        return dx   # (a follow-up that also transfuses is the cancer's visit)
    anemia = next((f for f in dx[1:] if f.code == _CHEMOTHERAPY_ANEMIA), None)
    return _put_first(dx, anemia, "the chemotherapy's anemia is what is treated (I.C.2.c.2)")


_CHEMOTHERAPY_ANEMIA = "D64.81"
_FOR_ANEMIA = re.compile(r"\b(?:admitted|admission|presents?|presented|here)\b[^.;]{0,40}\b(?:anemia|hgb|hemoglobin)\b",
                         re.I)
_TRANSFUSED = re.compile(r"\btransfus\w+|\bPRBCs?\b", re.I)
_MALIGNANCY_LEAD = re.compile(r"C[0-8]|C9[0-6]")
_DEHYDRATION = "E86"
_REHYDRATION = re.compile(r"\b(?:IV|intravenous)\s+(?:fluids?|hydration|rehydration)\b|\bIVFs?\b|\brehydrat\w+", re.I)


def _cause_first(dx: list[Finding], icd10cm) -> list[Finding]:
    """A code that names a consequence never leads its cause: severe sepsis (R65.2-) follows the
    systemic infection (I.C.1.d.4: "the underlying systemic infection first"), an acute blood loss
    anemia (D62) the hemorrhage that caused it ("bleeding duodenal ulcer" K26.4 leads)."""
    if not dx:
        return dx
    lead = dx[0].code
    if lead.startswith("R65.2"):
        cause = next((f for f in dx[1:] if f.code.startswith(_SEPSIS) or
                      "sepsis" in icd10cm.description(f.code).lower()), None)
    elif lead.startswith("D62"):
        # (never a title that denies it: "... gastritis without bleeding")
        cause = next((f for f in dx[1:] if _BLEEDING.search(_affirmed_part(icd10cm.description(f.code)))), None)
    else:
        return dx
    if cause is not None:
        dx.remove(cause)
        dx.insert(0, cause)
    return dx


def _rule_lead(dx: list[Finding]) -> list[Finding]:
    """The chapter rules that name the first-listed code outright, where the lead is the condition
    they put after it: B20 before an HIV-related infection (I.C.1.a.2.a: "PJP pneumonia in AIDS"
    is B20, B59); the systemic infection before its localized one (I.C.1.d.4: A41.51 before N10);
    a poisoning before its manifestations (I.C.19.e.5.b: T46.1X1A before R00.1); an insulin
    pump's failure before the underdosing's diabetic crisis (I.C.4.a.6.a: T85.6- before E10.10);
    a screening before what it found (I.C.21.c.5: Z12.11 before the polyp, K63.5); a chemotherapy
    visit's Z51.11 before its malignancy (I.C.2.e.2)."""
    if len(dx) < 2:
        return dx
    lead = dx[0].code
    codes = [f.code for f in dx]
    for first, led in _LEADS:
        if not lead.startswith(led):
            continue
        if first == "T85.6" and not any(c.startswith("T38.3X6") for c in codes):
            continue
        cause = next((f for f in dx[1:] if f.code.startswith(first) and
                      not (first == "T" and not poisoning(f.code))), None)
        if cause is not None:
            cause.notes.append(RuleNote("sequencing", f"first-listed before {lead} (chapter rule)", lead))
            dx.remove(cause)
            dx.insert(0, cause)
            break
    return dx


# (the code that leads, the leads it displaces)
_LEADS = (("B20", ("A", "B0", "B1", "B2", "B3", "B4", "B5", "J12", "J13", "J14", "J15", "J16", "J17", "J18",
                   "C46", "G00", "G01", "G02", "G03", "G04", "G05")),
          ("A41", ("N10", "N30", "N39.0", "J13", "J14", "J15", "J18", "L03", "K65", "K81", "K83.0", "A08", "A09",
                   "K57.2", "K57.3", "K35", "M86", "I33")),
          ("A40", ("N10", "N39.0", "J13", "J15", "J18", "L03")),
          # (and the conditions a poisoning brings on: "methanol toxicity w/ acute metabolic acidosis",
          # T51.1X1A before E87.21; respiratory failure, arrhythmia, encephalopathy, kidney injury)
          ("T", ("R", "E87", "E16", "G92", "G93.4", "J96", "I47", "I49", "N17", "K72")),
          ("T85.6", ("E10", "E11", "E13")),
          ("Z12.1", ("K5", "K6", "D12", "D37.4", "D37.5", "C18", "C19", "C20")),
          ("Z12.3", ("N6", "R92", "D24", "D48.6")),
          # COPD with an acute lower respiratory infection before the bronchitis its note asks to code
          # also (J44.0 + J20.9) and before the exacerbation coded beside it (J44.0, J20.9, J44.1); the
          # liver disease before the portal hypertension it causes (Hypertension > portal (due to chronic
          # liver disease) K76.6)
          ("J44.0", ("J20", "J21", "J22", "J44.1")),
          ("K70", ("K76.6",)), ("K74", ("K76.6",)),
          # a visit for chemotherapy, immunotherapy or radiation the note states lists it before the
          # malignancy it treats (I.C.2.e.2: "Today: C2D1 ddAC" is Z51.11, C50.412)
          ("Z51.1", ("C",)), ("Z51.0", ("C",)),
          # a pathological fracture in neoplastic disease before the neoplasm its note asks to code also
          # (M84.5- "Code also underlying neoplasm": "pathologic fx of R femoral neck through a breast cancer
          # metastasis", M84.551A, C79.51)
          ("M84.5", ("C",)))


def _affirmed_part(title: str) -> str:
    """A title less what it denies: "diverticulosis of large intestine without perforation or
    abscess with bleeding" keeps its bleeding, "gastritis without bleeding" has none."""
    return _DENIED.sub(" ", title.lower())


_DENIED = re.compile(r"\bwithout\b.*?(?=\bwith\b|$)")


_SEPSIS = ("A40", "A41")
_BLEEDING = re.compile(r"\b(hemorrhage|bleeding)\b", re.I)


def _said_as_reason(f: Finding, text: str) -> bool:
    """A finding the note gives as the encounter's reason: "admitted with dehydration", "presents
    for evaluation of chest pain", "Principal dx: ..." (Section II: the condition chiefly responsible
    for the stay)."""
    return f.system is CodeSystem.ICD10CM and not f.code.startswith(ROUTINE_EXAMS) and any(
        _REASON.search(text, max(0, e.start - _REASON_REACH), e.start) or
        _PRINCIPAL.search(text, max(0, e.start - _REASON_REACH), e.start) or
        _OPERATED_REASON.search(text, max(0, e.start - _OPERATED_REACH), e.start) for e in f.evidence)


_REASON = re.compile(r"(?:\b(?:admitted|admission|presents?|presented|presenting|here)\s+(?:with\b|w/|for\b|due to\b)|"
                     r"\bc/o|\bcomplain(?:s|ing)\s+of\b)\s*"
                     r"(?:(?:an?|the|acute|new|worsening|evaluation of|management of)\s+|"
                     r"\d+(?:\s*-\s*\d+)?\s*(?:hours?|hrs?|days?|d|weeks?|wks?|months?|mos?)\s+(?:of\s+)?){0,3}$", re.I)
# ... or the note's own heading names it principal ("Principal dx: complete heart block", "Indication/Principal
# diagnosis: 1. primary osteoarthritis, R knee")
_PRINCIPAL = re.compile(r"\bprincipal\s+(?:dx|diagnos[ie]s)\s*:\s*(?:\d{1,2}[.)]\s*)?(?:[\w'-]+\s+){0,4}$", re.I)
_REASON_REACH = 60   # characters before a finding its "admitted with" may stand
# ... or the operation the stay was for names it ("admitted for L frontal craniotomy and resection of a
# solitary 2.8 cm brain metastasis": C79.31 leads the lung primary, I.C.2.b)
_OPERATED_REASON = re.compile(
    r"\b(?:admitted|admission|adm|presents?|presented|here|scheduled)\s+for\b[^.;:]{0,60}?\b"
    r"(?:(?:resection|excision|removal|repair|debridement|drainage|fixation|ablation|amputation|reduction|"
    r"evacuation|decompression)\s+of|(?:radiosurgery|SRS|radiation|radiotherapy|XRT)\s+to)\s+"
    r"(?:[\w.-]+\s+){0,5}$", re.I)   # ("... of solitary R frontal brain met", "SRS to 3 new brain metastases")
_OPERATED_REACH = 160
_REASON_WEIGHT = 0.3


def _etiology_first(dx: list[Finding], rules) -> list[Finding]:
    codes = [f.code for f in dx]
    # Only a code with a "code first" note can move a later one before it, and only a code with a
    # "use additional" note can be moved before an earlier one: every other pair is skipped. A
    # move to position i changes no pair before i, so the next pass starts there. A long note's
    # hundreds of codes cost their number times the few with notes, not its cube.
    firsts_of = {c: rules.referenced(c, "code_first") for c in codes}
    after_of = {c: rules.referenced(c, "use_additional") for c in codes}
    start = 0
    for _ in range(len(dx)):
        moved = False
        noted = [j for j, g in enumerate(dx) if after_of[g.code]]
        for i in range(start, len(dx)):
            f = dx[i]
            firsts = firsts_of[f.code]
            later = range(i + 1, len(dx)) if firsts else noted[bisect.bisect_right(noted, i):]
            for j in later:
                g = dx[j]
                after = after_of[g.code]
                # (a drug's adverse effect is never the "code first" of its effect: the Tabular names
                # poisonings there, "T43.22 with sixth character 1-4", and the effect leads, I.C.19.e.5.a)
                if (_hits(firsts, g.code) and not _adverse_effect(g.code)) or \
                        (_hits(after, f.code) and not _acute_reason(rules.cm, f.code)):
                    kind = "code_first" if _hits(firsts, g.code) else "use_additional"
                    if kind == "code_first":
                        # several underlying conditions of one manifestation: the one its note names
                        # first leads (N18's "code first ... diabetic chronic kidney disease (E11.22);
                        # hypertensive chronic kidney disease (I12.-)": E11.22, I12.9, N18.31)
                        j = min((k for k in later if k == j or k > j and _hits(firsts, dx[k].code)
                                 and not _adverse_effect(dx[k].code)),
                                key=lambda k: (_named_at(firsts, dx[k].code), k))
                        g = dx[j]
                    g.notes.append(RuleNote(kind, f"sequenced before {f.code} (etiology before manifestation)", f.code))
                    dx.insert(i, dx.pop(j))
                    moved, start = True, i
                    break
            if moved:
                break
        if not moved:
            break
    for f in dx:
        _note_pairs(f, codes, rules)
    return dx


def _acute_reason(icd10cm, code: str) -> bool:
    """A code another's "use additional code" names that is itself an acute episode: it keeps its
    place ("alcohol dependence with withdrawal" admitted for, beside the alcoholic cirrhosis whose
    note asks for the dependence code: F10.231 leads, Section II)."""
    return icd10cm.id_of(code) >= 0 and bool(_WITHDRAWAL.search(icd10cm.description(code)))


_WITHDRAWAL = re.compile(r"\bwithdrawal\b", re.I)


def _note_pairs(f: Finding, codes: list[str], rules) -> None:
    """Say which present codes satisfy this code's "use additional code" note, or that one is missing."""
    for kind in ("use_additional", "code_first"):
        refs = rules.referenced(f.code, kind)
        if not refs:
            continue
        met = [c for c in codes if c != f.code and _hits(refs, c)]
        if met:
            msg = ("additional code present: " if kind == "use_additional" else "underlying condition coded first: ")
            note = RuleNote(kind, msg + ", ".join(met), met[0])
        elif kind == "code_first" and bool(rules.cm.manifestation[rules.cm.id_of(f.code)]):
            note = RuleNote(kind, "manifestation code: code the underlying condition first", "")
        else:
            continue
        if note not in f.notes:
            f.notes.append(note)


def _named_at(refs: tuple[str, ...], code: str) -> int:
    """Where a note's list names ``code`` (the first of its references the code falls under)."""
    return next(k for k, r in enumerate(refs) if code.startswith(r))


def _hits(refs: tuple[str, ...], code: str) -> bool:
    return bool(refs) and code.startswith(tuple(refs))   # a code starts with itself: equal is a hit
