"""Codes a note's circumstances call for, beside its conditions (us-claims):

- BMI (Z68) from the measured value, reported only with a documented weight diagnosis
  (I.B.14, I.C.21.c.3): "Obesity, BMI 33.2" -> E66.9 + Z68.33 (adult); "BMI 24" alone, nothing.
- Neoplasm related pain (G89.3, I.C.6.b.5): pain the note says is due to / from a cancer or its
  metastases.
- Encounter for antineoplastic chemotherapy (Z51.11, I.C.2.e): "here for cycle 4 of FOLFOX"; for
  immunotherapy (Z51.12): "here for C4D1 pembrolizumab"; for
  radiation therapy (Z51.0): "here for fraction 3 of 5 of palliative EBRT".
- Follow-up after completed treatment of a malignancy (Z08 with the Z85 history, I.C.2.d,
  I.C.21.c.8): "hx of melanoma, excised 2019, no further treatment ... no recurrence".
- Encounter for immunization (Z23, I.C.21.c.2): a vaccine given at this encounter.
- Therapeutic drug level monitoring (Z51.81 with the Z79 code, I.C.21.c.3): "here for a scheduled
  digoxin level", an anticoagulation clinic's INR check.
- Travel counseling (Z71.84) and a feared complaint with no diagnosis made (Z71.1, I.C.21.c.10).
Each is read from the words of the note, never from a note's phrase mapped to an answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# blanks possessive (``\s*+``): two optional runs side by side split "BMI" + 30,000 spaces every way
_BMI = re.compile(r"\bBMI\s*+(?:(?:of|is|was|=|:)\s*+)?(\d{2}(?:\.\d)?)\b", re.I)
_PAST_BMI = re.compile(r"\b(?:pre-?op(?:erative)?|prior|previous|baseline|peak|max(?:imum)?|initial|starting|"
                       r"highest|pre-?surgery)\W*$", re.I)
_PAST_BMI_REACH = 16
_ADULT_AGE = re.compile(r"\b(\d{1,3})\s*(?:yo|y/o|-year-old|year old|[FM])\b", re.I)
# the weight diagnoses a BMI accompanies (I.B.14)
WEIGHT_DX = ("E66", "E44", "E43", "E41", "E40", "E45", "E46", "R63.4", "R63.5", "R63.6")
_CANCER_PAIN = re.compile(r"\bpain\b[^.;]{0,80}\b(due to|from|secondary to|related to|caused by)\b[^.;]{0,40}"
                          r"\b(cancer|carcinoma|malignan\w*|tumou?r|metastas[ie]s|metastatic|mets|neoplasm)\b"
                          r"|\b(cancer|tumou?r|neoplasm)[- ]related pain\b|\bneoplasm related pain\b", re.I)
# (a regimen's modified or dose-dense form: "mFOLFOX6", "ddAC", "R-CHOP-21")
_REGIMENS = (r"(chemo\w*|m?(?:FOLFOX|FOLFIRI|FOLFIRINOX)\d*|CAPOX|XELOX|(?:dd)?AC|TC|(?:R-)?CHOP(?:-\d+)?|ABVD|"
             r"carboplatin|cisplatin|oxaliplatin|paclitaxel|docetaxel|gemcitabine|doxorubicin|cyclophosphamide|"
             r"pemetrexed|etoposide|irinotecan)")
_CHEMO = re.compile(r"\b(cycle|c)\s*#?\d+(?:d\d+)?\b[^.]{0,40}\b" + _REGIMENS + r"\b"
                    # ("here for adjuvant FOLFOX cycle 4 of 12": the regimen, then its cycle)
                    r"|\b(here|admitted|presents?|seen)(?: electively| today)? for (?:[\w+]+ ){0,3}" + _REGIMENS +
                    r"\s+(?:cycle|c)\s*#?\d+\b"
                    # ("admitted electively for 7+3 induction chemotherapy", "Scheduled admission for induction
                    # chemotherapy", "Encounter for induction chemotherapy")
                    r"|\b(here|admitted|admission|encounter|presents?|seen)(?: electively| today)? for "
                    r"(?:[\w+]+ ){0,3}(chemo\w*)\b",
                    re.I)
_EARLIER_CYCLE = re.compile(r"\b(?:after|following|since|s/p|post|completed|last|prior|previous)\s+(?:\w+\s+){0,2}$",
                            re.I)
_LATER_CYCLE = re.compile(r"[^.;]{0,20}\b(?:as scheduled|scheduled|planned|next week|due)\b", re.I)
# a cycle the note holds or puts off: this encounter gives no antineoplastic drug
_HELD = re.compile(r"\b(cycle|c\d+(?:d\d+)?|chemo\w*|infusion|immunotherapy|treatment)\b[^.;]{0,30}"
                   r"\b(held|holding|delayed|deferred|postponed|not given|cancell?ed)\b", re.I)
# a checkpoint inhibitor given at this encounter ("here for C4D1 pembrolizumab"): immunotherapy
_CHECKPOINT = (r"(pembrolizumab|nivolumab|atezolizumab|durvalumab|ipilimumab|cemiplimab|avelumab|dostarlimab|"
               r"tremelimumab|Keytruda|Opdivo|Tecentriq|Imfinzi|Yervoy)")
_IMMUNOTHERAPY = re.compile(r"\b(?:(?:cycle|c)\s*#?\d+(?:d\d+)?|here for|infusion of|presents? for|admitted for|"
                            r"proceed with|give|given)\b"
                            rf"[^.]{{0,30}}\b{_CHECKPOINT}\b|"
                            # ("proceed with pembrolizumab 400 mg today, cycle 5"; "Pembrolizumab ... cycle 5 (day 1)")
                            rf"\b{_CHECKPOINT}\b[^.;\n]{{0,40}}\b(?:cycle|c)\s*#?\d+(?:d1\b|"
                            r"[^.;\n]{0,15}\b(?:today|day 1)\b)", re.I)
_GIVEN_BEFORE = re.compile(r"[^.;\n]{0,30}\b(?:ago|PTA|prior to admission|previously|last (?:week|month))\b", re.I)
# a radiation treatment given at this encounter ("here for fraction 3 of 5 of palliative EBRT",
# "on-treatment visit"), not one planned or finished
_RADIATION = re.compile(r"\bfraction\s*#?\d+\s*(?:of|/)\s*\d+\b|\b(?:here|admitted|presents?|seen) for (?:\w+ ){0,3}"
                        r"(?:radiation|radiotherapy|XRT|EBRT|SBRT|SRS|IMRT|brachytherapy)\b|\bon[- ]treatment visit\b",
                        re.I)
# a visit the note's first words give as an oncology follow-up or a cancer's surveillance
_ONCOLOGY_VISIT = re.compile(r"\W*(?:\w+\W+){0,3}?(?:onc|oncology|hem/onc|heme/onc|hematology/oncology)\b"
                             r"\W*(?:\w+\W+){0,2}?(?:f/u|follow|followup|visit|clinic|surveillance)"
                             # ("Skin cancer surveillance visit.": the note's title)
                             r"|\W*(?:\w+\W+){0,3}?surveillance\s+(?:visit|f/u|follow)", re.I)
_OPENING_REASON = re.compile(r"\b(?:indication|reason for (?:visit|exam|procedure)|cc|chief complaint)\s*:\s*"
                             r"(?:\w+\s+){0,2}?surveillance\b", re.I)
_OPENING = 400   # characters the note opens with, where its indication stands
_FOLLOW_UP = re.compile(r"\b(no (evidence of )?(recurrence|recurrent disease|disease)|NED|surveillance)\b", re.I)
_VACCINE = re.compile(r"\b(vaccines?|vaccinations?|immuni[sz]ations?|boosters?|Td|Tdap|DTaP|flu shot|PPSV23|PCV\d+|"
                      r"Shingrix|MMR)\b(?:[^.;]|\.\d){0,40}\b(given|administered|received today|provided|today)\b"
                      r"|\b(given|administered)\b[^.;]{0,25}\b(vaccine|booster)\b"
                      # "rabies vaccine dose #1 (day 0) in L deltoid": a dose of a series, given now
                      r"|\b(vaccines?|boosters?)\s+(?:dose|series)\s*#?\s*\d", re.I)
_DECLINED = re.compile(r"\b(declin\w*|defer\w*|refus\w*|due|overdue|up to date)\b", re.I)
# the level and the monitoring said together ("here for INR check", "digoxin level monitoring"):
# an "INR 2.4" in an ED note's labs is no monitoring encounter
# (the visit's reason: "here for INR check", "presents for tacrolimus trough monitoring"; never a plan's
# "INR recheck in 48-72 h" nor a history's "INR checked at coumadin clinic 1 wk ago")
_LEVEL_MONITORED = re.compile(r"\b(here for|presents? for|presenting for|seen for|visit for|scheduled|routine)\b"
                              r"[^.;]{0,30}\b(INR|PT/INR|\w+ (level|trough))\b", re.I)
_LEVEL_CLINIC = re.compile(r"\b(anticoag\w*|coumadin|warfarin|INR) clinic\b", re.I)   # the visit is the monitoring
_LEVEL_ANY = re.compile(r"\b(INR|PT/INR|\w+ (level|trough))\b", re.I)
_HEADING_REACH = 80   # characters of the first line where a note names its clinic
_PALLIATIVE_CLINIC = re.compile(r"\bpalliative (?:care|medicine)\b", re.I)
# counseling about travel, not a trip the history mentions ("returned from a 14-hour flight")
_TRAVEL = re.compile(r"\b(pre-?travel|travel (clinic|medicine|consult\w*|counsel\w*|advice|vaccin\w*))\b"
                     r"|\bcounsel\w*\b[^.;]{0,40}\btravel\w*", re.I)
_FEARED = re.compile(r"\b(worried|concerned|anxious|afraid|fear\w*)\b[^.;]{0,40}\b(may|might|could)? ?have\b", re.I)
_REASSURED = re.compile(r"\breassur\w*\b", re.I)
_PAIN_VISIT = re.compile(r"\bpain (mgmt|management|clinic|control)\b", re.I)
_CHRONIC_PAIN = re.compile(r"\bchronic\b[^.;]{0,30}\bpain\b", re.I)
_COMPLETED = re.compile(r"\b(completed|no further treatment|no current (therapy|treatment)|finished|"
                        r"on no current therapy|treatment completed|excised|excision|WLE|resected|"
                        r"\w+ectomy)\b", re.I)


# A routine examination as the reason for the visit (I.C.21.c.13): Examination (for) > annual /
# periodic / routine (adult) Z00.0-, > gynecological Z01.41-, > child (over 28 days) Z00.12-.
_ROUTINE_EXAM = re.compile(r"\b(annual|routine|yearly|periodic|preventive|preventative|wellness|well[- ](?:adult|man|"
                           r"visit)|complete|comprehensive)\b[^.;:\n()]{0,20}\b(visit|exam\w*|physical|check[- ]?up|"
                           r"wellness)\b|\bhealth maintenance (visit|exam\w*)\b|\bwell[- ](child|baby)\b|"
                           # (a gynecology visit is where, not what: "GYNECOLOGY OFFICE VISIT" for bleeding)
                           r"\bgyn\w*\b[^.;:]{0,15}\bexam\w*|\bwell[- ]woman\b[^.;:]{0,15}\b(exam\w*|visit)\b|"
                           # a well-child check or visit ("24-mo WCC", "4 yo WCV")
                           r"\b(WCC|WCV)\b", re.I)
# a visit kept on a condition's schedule ("routine 3-month visit", "routine follow-up visit")
_SCHEDULED_VISIT = re.compile(r"\b\d+[- ]?(?:month|mo|week|wk)\b|\bfollow|\bf/u\b|\bquarterly\b|\bsemiannual\b|"
                              # ("routine monthly visit", "annual surveillance visit", "routine post-transplant visit")
                              r"\bmonthly\b|\bweekly\b|\bsurveillance\b|\btransplant\b|\bpost[- ]?op|"
                              # ... or held for a procedure or a problem ("GYN PROCEDURE VISIT", "gyn problem visit")
                              r"\bprocedur\w*|\bproblem\b", re.I)
_PREGNANCY_VISIT = re.compile(r"prenatal|antenatal|antepartum|postpartum|post-partum|postnatal|\bob\b|\brob\b|"
                              r"obstetric")
_ORGAN_EXAM = re.compile(r"\b(eye|eyes|vision|visual|dilated|retinal|ophthalm\w*|foot|feet|skin|dental|hearing|"
                         r"diabetic|audiolog\w*|derm\w*)\b", re.I)
# an exam the note names as an earlier visit's ("labs from her annual physical", "at last year's
# wellness visit")
_EARLIER_VISIT = re.compile(r"\b(from|at|since|after|during)\s+(her|his|the|their|a|last|recent|prior)?\s*"
                            r"(last|recent|prior|previous|most recent)?\s*$", re.I)
_EARLIER_REACH = 30
_REASON_REACH = 240   # characters from the start of a note where its reason for the visit is stated
_CHILD_AGE = re.compile(r"\b(\d{1,2})\s*(?:yo|y/o|-year-old|year old|[FM])\b|\b(\d{1,2})\s*(?:mo|month)s?[- ]old\b", re.I)


_YOUNG = 10   # years: a child this young smokes no tobacco of its own


def _stated_years(text: str) -> int | None:
    """The patient's age in whole years as the note's top states it ("3 y/o M": 3; "18-month-old":
    0, a child in months); None when it states none."""
    age = _CHILD_AGE.search(text[:_REASON_REACH])
    return None if age is None else 0 if age.group(2) is not None else int(age.group(1))


def young_child(text: str) -> bool:
    """The note's patient is a young child, by the age it states at its top ("3 y/o M",
    "18-month-old"): tobacco named in it is the household's."""
    years = _stated_years(text)
    return years is not None and years < _YOUNG


@dataclass(frozen=True)
class EncounterCode:
    code: str
    span: tuple[int, int]
    why: str


def bmi_code(text: str, icd10cm) -> EncounterCode | None:
    """Z68 for an adult's documented BMI (the caller keeps it only beside a weight diagnosis); a
    past one ("pre-op BMI 46", "peak BMI 52") is not this encounter's while a current one is given."""
    found = list(_BMI.finditer(text))
    m = next((x for x in found if not _PAST_BMI.search(text, max(0, x.start() - _PAST_BMI_REACH), x.start())),
             found[0] if found else None)
    if m is None:
        return None
    age = _ADULT_AGE.search(text)
    if age is not None and int(age.group(1)) < 20:
        return _bmi_pediatric(text, m.start(), m.end(), icd10cm)   # a child's BMI is a percentile (Z68.5-)
    value = float(m.group(1))
    code = _bmi_adult(value)
    if code is None or icd10cm.id_of(code) < 0 or not icd10cm.is_billable(code):
        return None
    return EncounterCode(code, m.span(), f"body mass index {value:g}, adult (Z68, I.B.14)")


_PERCENTILE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s*(?:percentile|%ile)", re.I)
_OF_95TH = re.compile(r"\b(\d{2,3})\s*%\s*of\s*the\s*95th", re.I)
_PERCENTILE_REACH = 80   # characters after the BMI where its percentile is said


def _bmi_pediatric(text: str, start: int, at: int, icd10cm) -> EncounterCode | None:
    """Z68.5- for a child's BMI by the percentile said with it ("BMI 30.1 (97th percentile; 104% of
    the 95th percentile)": Z68.54); None when no percentile is said."""
    said = text[at:at + _PERCENTILE_REACH]
    p = _PERCENTILE.search(said)
    if p is None:
        return None
    pct = int(p.group(1))
    of95 = _OF_95TH.search(said)
    if pct < 5:
        code = "Z68.51"
    elif pct < 85:
        code = "Z68.52"
    elif pct < 95:
        code = "Z68.53"
    else:
        share = int(of95.group(1)) if of95 else 100
        code = "Z68.54" if share < 120 else "Z68.55" if share < 140 else "Z68.56"
    if icd10cm.id_of(code) < 0 or not icd10cm.is_billable(code):
        return None
    return EncounterCode(code, (start, at + p.end()), f"body mass index at the {pct}th percentile, pediatric (Z68.5-, I.B.14)")


def _bmi_adult(v: float) -> str | None:
    if v < 20:
        return "Z68.1"
    if v < 40:
        return f"Z68.{int(v)}"
    if v < 45:
        return "Z68.41"
    if v < 50:
        return "Z68.42"
    if v < 60:
        return "Z68.43"
    if v < 70:
        return "Z68.44"
    return "Z68.45"


# the visit an examination ("Full skin exam, 52M w/ hx of melanoma": a follow-up examination;
# "PCP HTN f/u: ... h/o colon CA" is the hypertension's visit)
_EXAM_VISIT = re.compile(r"\b(?:exam|examination|check)\b", re.I)
_FIRST_SENTENCE = re.compile(r"\.(?:\s|$)|\n")


def exam_opening(text: str) -> int:
    """Where the note's first sentence or line ends when that sentence is an examination visit
    ("Full skin exam, 52M w/ hx of melanoma ..."); 0 when it is no examination."""
    m = _FIRST_SENTENCE.search(text)
    end = m.start() if m is not None else len(text)
    return end if _EXAM_VISIT.search(text, 0, end) is not None else 0


def circumstance_codes(text: str, codes: set[str], opened_on: frozenset[str] = frozenset()) -> list[EncounterCode]:
    """G89.3, Z51.11 and Z08 where the note documents their circumstances; ``codes`` are the
    codes found so far (a malignancy, its history); ``opened_on``: those the note's first
    sentence names when it is an examination visit (``exam_opening``: "Full skin exam, 52M w/ hx
    of melanoma ...": the visit is about it)."""
    out: list[EncounterCode] = []
    malignant = any(c.startswith(("C", "D0")) for c in codes)
    m = _CANCER_PAIN.search(text)
    if m is not None and (malignant or "metasta" in m.group(0).lower()):
        out.append(EncounterCode("G89.3", m.span(), "pain due to a neoplasm: G89.3 (I.C.6.b.5)"))
    held = _HELD.search(text) is not None   # "Cycle 4 AC HELD today, delay 1 week": none given
    # (a cycle given before this encounter is an earlier one's: "cycle 9 given 2 weeks ago", "C2 12 days PTA")
    m = next((x for x in _IMMUNOTHERAPY.finditer(text) if not _GIVEN_BEFORE.match(text, x.end())), None)
    if m is not None and malignant and not held:
        out.append(EncounterCode("Z51.12", m.span(), "encounter for antineoplastic immunotherapy (I.C.2.e.2)"))
    # (a cycle the note dates before this encounter is an earlier one's: "admitted day 10 after C3
    # R-CHOP with febrile neutropenia"; "C4 as scheduled" is a later one's)
    m = next((x for x in _CHEMO.finditer(text) if not _EARLIER_CYCLE.search(text, max(0, x.start() - 24), x.start())
              and not _LATER_CYCLE.match(text, x.end())), None)
    if m is not None and malignant and not held:
        out.append(EncounterCode("Z51.11", m.span(), "encounter for antineoplastic chemotherapy (I.C.2.e.2)"))
    m = _RADIATION.search(text)
    if m is not None and malignant:
        out.append(EncounterCode("Z51.0", m.span(), "encounter for antineoplastic radiation therapy (I.C.2.e.2)"))
    m = _VACCINE.search(text)
    if m is not None and not _DECLINED.search(m.group(0)):
        out.append(EncounterCode("Z23", m.span(), "encounter for immunization (Z23, I.C.21.c.2)"))
    # (an anticoagulation clinic the note is from: named in its heading)
    heading = text.find("\n", 0, _HEADING_REACH)
    m = _LEVEL_MONITORED.search(text) or (_LEVEL_CLINIC.search(text, 0, heading if heading > 0 else _HEADING_REACH)
                                          and _LEVEL_ANY.search(text))
    if m is not None and any(c.startswith("Z79") for c in codes):
        out.append(EncounterCode("Z51.81", m.span(), "therapeutic drug level monitoring (Z51.81 with the "
                                                     "long-term drug's Z79, I.C.21.c.3)"))
    m = _PALLIATIVE_CLINIC.search(text, 0, heading if heading > 0 else _HEADING_REACH)
    if m is not None:
        # a palliative care service's own visit, named in its heading ("OUTPATIENT PALLIATIVE MEDICINE -
        # FOLLOW-UP VISIT"): its encounter (Z51.5)
        out.append(EncounterCode("Z51.5", m.span(), "encounter for palliative care: the note is a palliative "
                                                    "care service's (Z51.5)"))
    m = _TRAVEL.search(text)
    if m is not None:
        out.append(EncounterCode("Z71.84", m.span(), "health counseling related to travel (Z71.84)"))
    m = _FEARED.search(text)
    if m is not None and _REASSURED.search(text) and not any(c[0] not in "RZ" for c in codes):
        out.append(EncounterCode("Z71.1", m.span(), "feared complaint, no diagnosis made (Z71.1, I.C.21.c.10)"))
    m = _CHRONIC_PAIN.search(text)
    if m is not None and _PAIN_VISIT.search(text) and not any(c.startswith("G89") for c in codes):
        out.append(EncounterCode("G89.29", m.span(), "chronic pain, encounter for its management: G89.29 with "
                                                     "the site code (I.C.6.b.1.a)"))
    history = any(c.startswith("Z85") for c in codes)
    opened = any(c.startswith("Z85") for c in opened_on)
    f, done = _FOLLOW_UP.search(text), _COMPLETED.search(text)
    # the follow-up is the visit's reason: nothing but history and status is coded ("Hx breast ca
    # ... NED" in a geriatric visit's problem list, a head CT for headaches, a hypertension
    # follow-up: no Z08)
    # (or the note opens on the follow-up: "Onc f/u: ... NED", "INDICATION: Surveillance cystoscopy")
    # (or its first sentence is an examination that names the malignancy's history: "Full skin
    # exam, 52M w/ hx of melanoma")
    reason = f is not None and (all(c[:1] == "Z" for c in codes) or _ONCOLOGY_VISIT.match(text) is not None or opened
                                or _OPENING_REASON.search(text[:_OPENING]) is not None)
    if history and reason and done is not None and not malignant:
        out.append(EncounterCode("Z08", f.span(), "follow-up after completed treatment of a malignancy "
                                                  "(Z08 with the Z85 history, I.C.21.c.8)"))
    return out


_SPORTS_EXAM = re.compile(r"\b(?:sports?|athletic|pre-?participation)\b[^.;:\n]{0,25}?\b(?:physical|exam\w*|"
                          r"evaluation|clearance|PPE)\b", re.I)
_DAYS_OLD = re.compile(r"\b(\d{1,2})[- ](?:day|d)s?[- ]old\b|\bDOL\s*#?\s*(\d{1,2})\b", re.I)
_NEWBORN_CHECK = re.compile(r"\b(?:newborn|weight|wt)\s+check\b", re.I)
_NO_ABNORMAL = re.compile(r"\b(no|without) (new |significant |other )?abnormal (exam )?findings\b", re.I)


def oncology_visit(text: str) -> bool:
    """The note opens as an oncology visit ("Onc surveillance: ...", "Heme/onc f/u")."""
    return _ONCOLOGY_VISIT.match(text) is not None


def routine_exam_code(text: str, codes: set[str]) -> EncounterCode | None:
    """Z00.00 / Z00.01, Z01.419 / Z01.411, Z00.129 / Z00.121 for a visit that is a routine
    examination, first-listed (I.C.21.c.13); "with abnormal findings" when the encounter also
    reports a condition (chronic or new) beside the Z-codes. A diagnostic exam is never one. A
    sports physical that is no annual visit is Z02.5; a newborn's check, Z00.110 / Z00.111 by its
    age in days."""
    m = _ROUTINE_EXAM.search(text[:_REASON_REACH])
    sport = _SPORTS_EXAM.search(text[:_REASON_REACH])
    if sport is not None and m is None:
        # Examination > participation in sport (Z02.5): "pre-participation sports physical" (an
        # annual well visit that is also the sports physical is the well visit)
        return EncounterCode("Z02.5", sport.span(), "examination for participation in sport (Z02.5)")
    days = _DAYS_OLD.search(text[:_REASON_REACH])
    check = _NEWBORN_CHECK.search(text[:_REASON_REACH]) or m
    age_days = int(days.group(1) or days.group(2)) if days is not None else None
    if age_days is not None and check is not None and age_days <= 28:
        # a newborn's check (Examination > newborn > under 8 / 8 to 28 days old, a weight check
        # among them: "10-day-old term M for newborn weight check", Z00.111)
        code = "Z00.110" if age_days < 8 else "Z00.111"
        return EncounterCode(code, check.span(), "health examination of a newborn (Z00.11-, I.C.21.c.13)")
    if m is None or _EARLIER_VISIT.search(text[max(0, m.start() - _EARLIER_REACH):m.start()]):
        return None   # ("returns to discuss labs from her annual physical": that visit was another's)
    # the examiner's own word that the exam found nothing new outweighs the chronic conditions it
    # managed ("Annual wellness exam - no new abnormal findings": Z00.00)
    abnormal = any(c[:1] not in "Z" for c in codes) and not _NO_ABNORMAL.search(text)
    said = m.group(0).lower()
    if _PREGNANCY_VISIT.search(said) or any(c[:1] == "O" or c.startswith("Z3A") for c in codes):
        return None   # a routine prenatal / postpartum visit has its own codes (Z34, O09, Z39.2; I.C.15)
    if _ORGAN_EXAM.search(said):
        return None   # "annual diabetic eye exam", "annual foot exam": one organ's, no general examination
    if _SCHEDULED_VISIT.search(said):
        return None   # "routine 3-month visit and lab review": a condition's follow-up, no examination
    if "gyn" in said or "woman" in said:
        code = "Z01.411" if abnormal else "Z01.419"
        return EncounterCode(code, m.span(), "routine gynecological examination (Z01.41-, I.C.21.c.13)")
    years = _stated_years(text)
    child = "child" in said or "baby" in said or said in ("wcc", "wcv") or (years is not None and years < 18)
    if child:
        code = "Z00.121" if abnormal else "Z00.129"
        return EncounterCode(code, m.span(), "routine child health examination (Z00.12-, I.C.21.c.13)")
    code = "Z00.01" if abnormal else "Z00.00"
    return EncounterCode(code, m.span(), "general adult medical examination (Z00.0-, I.C.21.c.13)")


# a visit held to clear a patient for an operation (Examination > pre-procedural (pre-operative),
# Z01.81-), said where the note states its reason: "PRE-OPERATIVE HISTORY AND PHYSICAL", "referred
# for preoperative cardiac evaluation", "medical clearance prior to R eye phacoemulsification"
_PREPROCEDURAL = re.compile(r"\b(?:pre-?\s?op(?:erative)?|pre-?\s?procedur(?:al|e)|pre-?\s?surgical|"
                            r"pre-?\s?anesthe\w*)\b"
                            r"[^.;\n]{0,30}?\b(?:evaluation|eval|clearance|assessment|exam|examination|h\s?&\s?p|"
                            r"history and physical|consult\w*|visit|work-?up)\b|"
                            r"\b(?:medical|surgical|cardiac|cardiology|pulmonary)\s+clearance\b", re.I)
_PRE_KINDS = (("Z01.810", re.compile(r"\b(?:cardiac|cardiovascular|cardiology|heart)\b", re.I)),
              ("Z01.811", re.compile(r"\b(?:pulmonary|respiratory|lung)\b", re.I)))
_PRE_REACH = 400   # characters from the start where a clearance visit says what it is
_OPERATED_NOW = re.compile(r"\b(?:operative note|op note|procedure note|procedures? performed|post-?\s?op(?:erative)? "
                           r"diagnosis|findings at surgery)\b", re.I)


def preprocedural_exam_code(text: str) -> EncounterCode | None:
    """Z01.810 (cardiovascular), Z01.811 (respiratory) or Z01.818 (other) for a pre-procedural
    examination the note's head says the visit is, listed first (IV.M); the reason for the
    operation and the findings follow it."""
    m = _PREPROCEDURAL.search(text[:_PRE_REACH])
    if m is None or _OPERATED_NOW.search(text):
        return None   # (a same-day operation's note: the operation is the encounter's, its H&P a part)
    said = m.group(0)
    code = next((c for c, kind in _PRE_KINDS if kind.search(said)), "Z01.818")
    return EncounterCode(code, m.span(), "pre-procedural examination (Z01.81-, IV.M)")


def keeps_bmi(codes: set[str]) -> bool:
    """A BMI is reported only with a weight diagnosis it is associated with (I.B.14)."""
    return any(c.startswith(WEIGHT_DX) for c in codes)


# A visit for the healing after an operation (I.C.21.c.7): a post-operative visit or check, a
# post-operative day, "2 wks s/p ...", or a rehabilitation stay after an operation; read from the
# visit's stated reason near the note's start.
_POSTOP_VISIT = re.compile(
    r"\bpost[- ]?op(?:erative)?\b\.?\s*(?::|visit|check|follow[- ]?up|f/u|fu\b|appointment|appt|eval\w*|"
    r"exam\w*|wound check|day)"
    r"|\bPOD\s*#?\s*\d+\b"
    r"|\b\d+\s*-?\s*(?:d|days?|wks?|weeks?)\s+(?:s/p|status post|post[- ]?op(?:erative)?|after|following|out from)\b"
    # (a therapy visit for it: "PT initial eval ... s/p R TKA 3 wks ago")
    r"|\b(?:PT|OT|physical therapy|occupational therapy)\s+(?:initial\s+)?(?:eval\w*|visit|session)",
    re.I)
_REHAB_STAY = re.compile(r"\brehabilitation\b|\brehab\b|\bIRF\b", re.I)
_AFTERCARE_REACH = 400
# a rehabilitation the stay sends the patient on to, or asks about, is no rehabilitation stay
# ("Discharged: 12/06 to SNF w/ skilled rehab", "PT/OT recommend acute rehab")
_REHAB_ELSEWHERE = re.compile(r"\b(?:discharg\w*|d/c|dispo\w*|transfer\w*|return\w*|recommend\w*|plan\w*|"
                              r"consult\w*|referr?\w*|will need)\b", re.I)
# the operation and the condition it treated: "s/p L carotid endarterectomy for high-grade L ICA
# stenosis", "Procedure: Laparoscopic cholecystectomy, 13 days ago, for acute calculous cholecystitis"
_OPERATED_FOR = re.compile(r"\b(?:s/p|status post|after|following|procedure:|surgery:|operation:)\s+"
                           r"(?P<op>[^.;]{3,90}?)\s+(?:for|d/t|due to)\s+(?P<reason>[^.;]{3,100})", re.I)
# the words that name an operation ("carpal tunnel release", "cholecystectomy", "ORIF", "CABG")
_OPERATION = re.compile(r"\w+(?:ectomy|otomy|ostomy|plasty|pexy|rrhaphy|scopy)\b|\b(?:repair|release|replacement|"
                        r"resection|reconstruction|fixation|fusion|excision|transplant\w*|graft\w*|bypass|"
                        r"surgery|operation|ORIF|CABG|TKA|TKR|THA|THR|TSA|TURP|PCI|EVAR|TAVR|CEA|chole|appy|"
                        r"lap\s+\w+|ablation|amputation|implant\w*|insertion|placement)\b", re.I)
_REMOVES = re.compile(r"\w+(?:ectomy|plasty|rrhaphy|pexy)\b|\b(?:repair|release|resection|excision|replacement|"
                      r"ORIF|TKA|TKR|THA|THR|TSA|TURP|CEA|chole|appy)\b", re.I)
_JOINT_REPLACEMENT = re.compile(r"\b(?:arthroplast\w*|(?:joint|knee|hip|shoulder) replacement|TKA|TKR|THA|THR|TSA|"
                                r"rTSA|UKA)\b", re.I)
_JOINT_OPERATED = re.compile(r"\b(?:s/p|status post|after|following|procedure:)\s+[^.;]{0,40}?"
                             + _JOINT_REPLACEMENT.pattern, re.I)
# Z48.81-, "Encounter for surgical aftercare following surgery on the <system>", by the chapter of
# the condition the operation treated (its body system; the Tabular's chapters are by system)
_SYSTEM_AFTERCARE = (("H", "Z48.810"), ("G", "Z48.811"), ("I", "Z48.812"), ("J", "Z48.813"),
                     (("K00", "K14"), "Z48.814"), ("K", "Z48.815"), ("N", "Z48.816"), ("L", "Z48.817"))
# what a post-operative visit finds that is no healing course: a complication of the care
_COMPLICATED = ("T80", "T81", "T82", "T83", "T84", "T85", "T86", "T87", "T88", "K91.8", "O86", "O90")


@dataclass(frozen=True)
class Aftercare:
    code: EncounterCode | None       # None: the visit finds a complication of the care (its code says it)
    reason: tuple[int, int] | None   # the characters that name the condition the operation treated


def rehab_stay(text: str) -> bool:
    """Whether an inpatient note is a rehabilitation stay's (its head says so)."""
    head = text[:_AFTERCARE_REACH]
    return any(not _REHAB_ELSEWHERE.search(head[max(0, head.rfind("\n", 0, m.start()) + 1):m.start()])
               for m in _REHAB_STAY.finditer(head))


def surgical_aftercare(text: str, reason_codes: dict[str, list[tuple[int, int]]], codes: set[str],
                       rehab: bool = False) -> Aftercare | None:
    """Z47.1 (after a joint replacement), Z48.3 (after surgery for a neoplasm) or Z48.81- (by the
    body system operated on) for a visit that is the aftercare of an operation (I.C.21.c.7), with
    the words that name the condition the operation treated.
    ``reason_codes``: every code the note's words gave, with its evidence spans (the treated
    condition is found among them, whatever its assertion); ``codes``: the codes reported.
    None when the visit is no post-operative one; no code when it finds a complication of the care."""
    head = text[:_AFTERCARE_REACH]
    visit = _POSTOP_VISIT.search(head)
    if visit is None and not (rehab and _REHAB_STAY.search(head)):
        return None
    joint = _JOINT_OPERATED.search(text, 0, _AFTERCARE_REACH + 200)
    m = _OPERATED_FOR.search(text, 0, _AFTERCARE_REACH + 200)
    if visit is None and joint is None and m is None:
        return None   # a rehabilitation stay that names no operation
    if m is not None and not _OPERATION.search(m.group("op")):
        m = None   # "after a recent course of cefdinir for sinusitis": no operation
    # (what an operation takes out or mends is gone after it; an implant, a bypass, an ablation
    # leave the condition they treat: "3 weeks after a pacemaker for sick sinus syndrome")
    reason = m.span("reason") if m is not None and _REMOVES.search(m.group("op")) else None
    if any(c.startswith(_COMPLICATED) for c in codes):
        # a surgical site infection at the post-op check: the complication is coded, not the
        # aftercare; the condition the operation removed is still gone
        return Aftercare(None, reason) if reason is not None else None
    treated = sorted((min(s for s, _ in spans), c) for c, spans in reason_codes.items()
                     if reason is not None and any(reason[0] <= s and e <= reason[1] for s, e in spans))
    first = treated[0][1] if treated else ""
    if joint is not None and (not first or first[:1] == "M"):
        return Aftercare(EncounterCode("Z47.1", joint.span(), "aftercare following joint replacement surgery "
                                                              "(Z47.1 with the Z96.6- joint, I.C.21.c.7)"), reason)
    if not first or m is None:
        return None
    if first[:1] == "C" or "D00" <= first[:3] <= "D09":
        code = "Z48.3"
        why = "aftercare following surgery for neoplasm (Z48.3, I.C.21.c.7)"
    else:
        code = next((z for ch, z in _SYSTEM_AFTERCARE if (first[:1] == ch if isinstance(ch, str)
                                                         else ch[0] <= first[:3] <= ch[1])), None)
        if code is None:
            return None   # an injury's aftercare is its own code with 7th character D (I.C.21.c.7)
        why = f"surgical aftercare following surgery on the body system of {first} (Z48.81-, I.C.21.c.7)"
    return Aftercare(EncounterCode(code, m.span("op"), why), reason)
