"""The us-claims readers: what a coder reads from a note beyond its conditions' own words, each
through the classification's tables (I.C.21 Z-codes, I.C.15 pregnancy, I.C.2 neoplasms, I.C.19
drugs, I.B.10 sequelae). ``ClaimsReaders.read`` adds their findings to the pipeline's:

- status and dependence (Status / Presence / Dependence in the index): "s/p CABG" -> Z95.1;
- screenings done at this encounter (Screening (for)): Z12 / Z13;
- pregnancy: weeks (Z3A), advanced maternal age, outcome of delivery (``pregnancy.py``);
- stroke residuals (I69, ``sequelae.py``);
- long-term drug therapy (Z79, ``medications.py``), drug effects (``drug_effects.py``);
- neoplasms by the Neoplasm Table (``neoplasms.py``);
- BMI, neoplasm pain, chemotherapy, follow-up, immunization... (``encounter_codes.py``).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import partial

from server.budget import checkpoint
from server.domain import Assertion, CodeSystem, Document, RuleNote, Setting, Span
from server.pipeline import complications, drug_effects, encounter_codes, noncompliance, pregnancy, screening, sequelae
from server.pipeline.context import RELATIVE_AFTER, assert_span, list_opens, listed_in_parenthesis
from server.pipeline.entities import Candidate, Sentence
from server.pipeline.findings import Finding, add_evidence
from server.pipeline.guidelines import DIAGNOSIS_SECTIONS
from server.pipeline.index_tree import SIDES, fold, side_words, undenied, walk_words
from server.pipeline.mapping import CodeMapper
from server.pipeline.sequencing import poisoning
from server.pipeline.text import normalize_phrase, said_undenied


# How sure a reader is of a code it derives from the classification's own tables (the index, the
# Table of Drugs, the Neoplasm Table) and a span of the note: above the operating threshold, below
# an exact tabular title (EXACT_FLOOR 0.8 is a floor; these are what a title match gets).
READ_CONFIDENCE = 0.9
# A malignancy's treatment completed and no disease left (I.C.2.d) ...
_TREATED = re.compile(r"\b(NED|no evidence of (local |biochemical )?(disease|recurrence|malignancy)|"
                      # ("CT C/A/P: NO evidence of recurrent or residual lung cancer")
                      r"no evidence of (?:recurrent|residual)(?: or (?:recurrent|residual))? (?:\w+ ){0,2}"
                      r"(?:cancer|carcinoma|malignancy|tumou?r|disease)|"
                      r"no (local |biochemical )?(signs? of )?recurrence|PSA (?:is |remains |still )?undetectable|"
                      r"excised (?:by |with |via )?(?:\w+ )?(?:in )?(?:19|20)\d\d|"
                      r"without recurrence|(cancer|disease)[- ]free|completed (his |her |all )?(treatment|therapy|"
                      r"chemo\w*|radiation|adjuvant \w+)|finished (treatment|chemo\w*|radiation))\b", re.I)
# a primary named as where a metastasis came from ("brain metastasis ... from lung adenocarcinoma")
_ORIGIN = re.compile(r"\bmetasta\w*\b[^.;\n]{0,60}?\bfrom\b", re.I)
_ORIGIN_REACH = 80
# ... unless something is still directed at it or it has spread.
_ACTIVE_CANCER = ("C77", "C78", "C79", "Z51.0", "Z51.1", "Z79.63", "Z79.81")
# nontraumatic intracranial bleeds -> their injury's code to the 5th character (Hematoma > brain > subdural,
# traumatic; Hemorrhage > subarachnoid > traumatic)
_NONTRAUMATIC_BLEEDS = {"I62.0": "S06.5X", "I60": "S06.6X"}
_SPONTANEOUS = re.compile(r"\b(non-?traumatic|spontaneous|aneurysm\w*|avm|arteriovenous malformation)\b", re.I)
_TRAUMA = re.compile(r"\b(fall|fell|falls|trauma|traumatic|struck|"
                     r"(?:hit|hitting|striking) (?:his |her |their |the )?head|head strike|tripped|tripping|slipped|"
                     r"mvc|mva|motor vehicle|assault\w*|blow to)\b", re.I)
_NO_LOC = re.compile(r"\b(?:no|den(?:y|ies|ied)|without|w/o|negative for|-)\s*(?:\w+\s+){0,2}(?:LOC|loss of consciousness)\b", re.I)
_LOC = re.compile(r"(?:\+\s*LOC|\bpositive LOC|\b(?<!no )loss of consciousness|\blost consciousness|\bbrief LOC)\b",
                  re.I)
# non-pressure ulcers whose 6th character is their depth (9: unspecified severity)
_SEVERITY_ULCERS = ("L97", "L98.41", "L98.42", "L98.49")
_WOUND_BASE = frozenset(("base", "bed", "debrided", "debridement"))   # words describing a wound's depth
_ULCER_WORDS = frozenset(("ulcer", "ulceration", "ulcers", "wound"))
_ULCER_TITLE_WORDS = frozenset(normalize_phrase("non-pressure chronic ulcer of other part and with unspecified "
                                                "severity skin buttock back lower limb left right"))
# what says an organism was found carried, not infecting (as normalised: "nares" -> "nare")
_CARRIAGE = frozenset("nare nares nasal colonization colonized carrier carriage screen screening swab".split())
_OTHER_PREGNANCY_HISTORY = "Z87.59"   # personal history of other complications of pregnancy: says nothing
_TREATING = ("Z51.0", "Z51.1", "Z79.63", "Z79.81")   # treatment directed at a cancer now
# ... as the note says it ("now receiving adjuvant chemotherapy", "Chemotherapy day ... cycle 2")
_UNDER_TREATMENT = re.compile(r"\b(?:receiving|undergoing|currently on|proceed with|here for|due for)\b[^.;\n]{0,30}"
                              r"\b(?:chemo\w*|radiation|radiotherapy|immunotherapy|cycle)\b|"
                              r"\bcycle \d+(?: day \d+)?\b[^.;\n]{0,30}\b(?:today|given|proceed\w*|started)\b|"
                              r"\bC\d+D\d+\b", re.I)
# an organism's resistance to an antimicrobial: "<drug>-resistant", "resistant to <drug>", VRE, CRE, MDR
_RESISTANT = re.compile(r"\b(vancomycin|carbapenem|penicillin|ampicillin|amoxicillin|fluoroquinolone|quinolone|"
                        r"cephalosporin|macrolide|tetracycline|sulfonamide|aminoglycoside|multi-?drug|multiple drug)s?"
                        r"[- ]resistan(?:t|ce)\b|\bresistan(?:t|ce) to (vancomycin|carbapenems?|penicillins?|"
                        r"fluoroquinolones?|quinolones?|cephalosporins?|macrolides?|tetracyclines?|sulfonamides?|"
                        r"aminoglycosides?|multiple (?:drugs|antibiotics))\b|\b(VRE|CRE|MDRO?)\b", re.I)
_RESISTANCE_WORDS = {"vre": ("vancomycin",), "cre": ("carbapenem",), "mdr": ("multiple", "drug", "antibiotic"),
                     "mdro": ("multiple", "drug", "antibiotic"), "multi drug": ("multiple", "drug", "antibiotic"),
                     "multidrug": ("multiple", "drug", "antibiotic"), "multiple drug": ("multiple", "drug", "antibiotic"),
                     "multiple drugs": ("multiple", "drug", "antibiotic"),
                     "multiple antibiotics": ("multiple", "drug", "antibiotic")}
_POLYP_HISTORY = "Z86.010"
_POLYP_TITLE = frozenset(normalize_phrase("personal history of colon polyps other and"))
_KIND_STEM = 7   # letters a kind's word shares with its title's ("adenoma", "adenomatous"; never "hyperplastic" by "hypertension")
_SUSCEPTIBLE_EXCEPT = re.compile(r"\bexcept\b", re.I)
_EXCEPT_REACH = 20   # characters before a resistance its "except" may stand in
_ORGANISM_CODES = ("B95", "B96")
_INFECTION_CHAPTERS = ("A", "B", "N39.0", "J1", "L03", "T8", "K65", "M86", "N10", "R78.81")
# a lymphoma's nodes in several regions
_LYMPHOMA_UNSITED = re.compile(r"^C8[1-8]\.\d0$")
_MULTIPLE_NODES = re.compile(r"\babove and below the diaphragm\b|\b(?:multiple|several) (?:nodal |lymph node )?"
                             r"(?:sites|regions|stations|areas)\b|\bnodes of multiple\b", re.I)
_NODE_WORDS = re.compile(r"\b(?:nodes|nodal|lymphadenopathy)\b", re.I)
_NODE_LIST_REACH = 80   # characters before "nodes" its regions may be listed in
_NODAL_REGIONS = re.compile(r"\b(?:cervical|supraclavicular|axillary|mediastinal|hilar|retroperitoneal|mesenteric|"
                            r"iliac|inguinal|para-?aortic|submandibular|portal)\b", re.I)
_METASTATIC = re.compile(r"\bmetasta\w*|\bmets\b", re.I)
# a history line of another condition, and the words that name a cancer
_OTHER_HISTORY = re.compile(r"\b(?:h/o|hx of|history of)\b", re.I)
_CANCER_WORDS = re.compile(r"\b(?:\w*carcinoma|cancer|malignan\w*|neoplasm|tumou?r|lymphoma|leukemia|melanoma|"
                           r"sarcoma|myeloma|ca)\b", re.I)
# a cue said before the cancer it speaks of ("metastases from previously excised L breast cancer")
_OF_AFTER = re.compile(r"\s+(?:of|for)\s+(?:(?:his|her|the|their)\s+)?")
_TREATED_BEFORE = re.compile(r"\bpreviously (?:excised|resected|treated)\b", re.I)
_AHEAD_REACH = 30
_SITE_CLEAR = re.compile(r"\bno (?:evidence of )?(?:local|chest wall|locoregional) recurrence\b|"
                         r"\bno evidence of (?:recurrent|residual)(?: or (?:recurrent|residual))? (?:\w+ ){0,2}"
                         r"(?:cancer|carcinoma|malignancy|tumou?r)\b|"
                         r"\bno (?:local )?(?:tx|treatment) since\b|\bno current (?:\w+ ){0,3}(?:tx|treatment)\b|"
                         r"\bpreviously (?:excised|resected)\b|"
                         r"\b(?:colonoscopy|endoscopy|mammogram|cystoscopy)\b[^.;]{0,30}"
                         r"\b(?:w/o|without|no) recurrence\b",
                         re.I)   # "surveillance colonoscopy w/o recurrence": the primary's own site is clear
_PRETERM_HISTORY = "Z87.51"   # personal history of preterm labor (in a current pregnancy: O09.21-)
_TRIMESTER_SAID = re.compile(r"\b(first|second|third) trimester")
_NO_FRACTURE = frozenset(("without", "wo", "no"))   # "osteoporosis without current fracture" (and "w/o": w o)
# Trauma that would not break a healthy bone (I.C.13.d.2): the note's own words for it.
_LOW_ENERGY = frozenset("fragility osteoporotic pathologic pathological insufficiency tripped stumbled".split())
_LOW_ENERGY_PAIRS = (("standing", "height"), ("ground", "level"), ("low", "energy"), ("minor", "fall"),
                     ("mechanical", "fall"))
_BONE_HEALING = frozenset(("healed", "healing"))
# osteoporosis without a current fracture, and its kind with one (M80.0 age-related, M80.8 other)
_OSTEOPOROSIS_KINDS = {"M81.0": "M80.0", "M81.8": "M80.8"}
# M80.0- site characters by the fracture's category (5th character of M80.0).
_M80_SITES = (("S42.0", "1"), ("S42.1", "1"), ("S42", "2"), ("S52", "3"), ("S62", "4"), ("S72", "5"),
              ("S82.5", "7"), ("S82.6", "7"), ("S82.8", "7"), ("S82", "6"), ("S92", "7"), ("S12", "8"),
              ("S22.0", "8"), ("S32.0", "8"), ("S32.1", "8"), ("S32.2", "8"), ("S32", "B"), ("S22", "A"))
# "pathologic fx", "pathologic L femur fx", "fracture through a lytic lesion", "lytic lesion with
# displaced fx"
_PATHOLOGIC = re.compile(r"\bpatholog(?:ic|ical)\s+(?:[\w/-]+\s+){0,3}?(?:fx|fracture)|"
                         r"\b(?:fx|fracture)\s+through\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?(?:lesion|mass|tumou?r|metasta\w*)|"
                         r"\b(?:lytic|blastic|destructive)\s+(?:lesion|mass|metasta\w*)\s+with\s+(?:[\w-]+\s+){0,2}?(?:fx|fracture)",
                         re.I)
# what denies a finding said after it ("no lytic or blastic lesion", "no features of a pathologic fracture")
_NOT_SAID = re.compile(r"\b(?:no|not|without|negative for|denies)\b(?:\s+[\w-]+){0,3}\s*$", re.I)
# ... or a list it opens ("no agitation, wandering, psychosis")
_DENIAL_REACH = 40   # characters before a word its list's denial may open in
_NOT_LISTED = re.compile(r"\b(?:no|not|without|negative for|denies)\b(?:[\s,/]+[\w-]+){0,4}[\s,/]*$", re.I)
_NEOPLASTIC = re.compile(r"\b(lytic|blastic|metasta\w*|mets|myeloma|tumou?r|malignan\w*|neoplas\w*)\b", re.I)
_VERTEBRA_WORDS = frozenset(["vertebra", "vertebral", "compression", *(f"l{n}" for n in range(1, 6)),
                            *(f"t{n}" for n in range(1, 13))])
# M80 has no open / closed 7th characters: an open fracture's is its closed one's.
_M80_EPISODE = {"B": "A", "C": "A", "E": "D", "F": "D", "H": "G", "J": "G", "M": "K", "N": "K", "Q": "P", "R": "P"}
# Codes of a systemic infection that severe sepsis (R65.2-) follows (its "code first" note and
# the sepsis codes of chapter 1).
_SEPSIS_CODES = ("A40", "A41", "A02.1", "A20.7", "A21.7", "A22.7", "A24.1", "A26.7", "A32.7", "A39.2", "A39.3",
                 "A39.4", "A42.7", "A54.86", "B37.7", "O85", "O86.04", "T81.44", "T80.2", "P36", "A39.1")
_NEWBORN_SEPSIS = "P36.9"   # bacterial sepsis of newborn, unspecified
_SEVERITY_WORDS = frozenset("severe septic shock organ dysfunction failure acute".split())
_SEPSIS_UNSPECIFIED = "A41.9"
_IMMUNOMODULATORS = ("Z79.60",)   # long-term use of unspecified immunomodulators and immunosuppressants
_CHEMOTHERAPY = ("Z79.63",)   # long-term chemotherapeutic agents: for non-cancer use (methotrexate for RA)
_BENIGN_FILLER = frozenset("benign neoplasm of the and other unspecified part parts".split())
# a symptom the note attributes to a condition right after it ("RLQ pain secondary to a right
# hemorrhagic corpus luteum cyst"), and how far on that condition's words may start
# (its site may stand between: "waxy stuck-on papules on trunk c/w seborrheic keratoses", L82.1 alone)
_ATTRIBUTED = re.compile(r"[ \t]*(?:(?:on|over|of|in|at)[ \t]+(?:the[ \t]+)?(?:[\w/-]+[ \t]+){1,2}?)?"
                         r"(?:(?:is|are|was|were|likely|most|probably|felt|thought|to be|all)[ \t]+){0,3}"
                         r"(?:secondary to|due to|2/2|caused by|attributed to|from|c/w|consistent with)[ \t]+", re.I)
# ... or said after the diagnosis it is the symptom of ("cyst - source of RLQ pain", "causing the pain")
_SOURCE_OF = re.compile(r"(?:[ \t]*[-,:(][ \t]*|[ \t]+)(?:(?:the|likely|probable|most likely)[ \t]+){0,2}"
                        r"(?:(?:source|cause)[ \t]+of|causing|explains|explaining|accounting[ \t]+for|"
                        r"responsible[ \t]+for)"
                        r"[ \t]+(?:(?:the|her|his|pt's|patient's)[ \t]+)?(?:[\w/-]+[ \t]+){0,2}$", re.I)
_ATTRIBUTED_REACH = 40
_SENTENCE_END = re.compile(r"[.;:\n]")
_ESRD = "N18.6"   # a kidney recipient's, before the graft
_OWN_TOBACCO = ("F17.2", "Z72.0", "Z87.891")   # the patient's own tobacco use, current or past
# the signs and symptoms a diagnosis routinely has (pain, fever, cough, nausea ...): a deficit, a
# seizure or a delirium the note attributes is coded beside its cause (I.B.6: "Oropharyngeal
# dysphagia secondary to Parkinson's disease", R13.12 with G20)
_ROUTINE_SIGNS = ("R05", "R06.0", "R07", "R10", "R11", "R19.7", "R30", "R35", "R39.1", "R50.9", "R51", "R52",
                  "R53.8", "R21", "R22", "R23")
_ALLERGY_WORDS = frozenset(("allergy", "allergic", "allergies"))
# a visit after the stay that treated a poisoning: its recovery (7th character D)
_AFTER_DISCHARGE = re.compile(r"\b(?:f/u|follow[- ]?up|seen|visit)\b[^.;]{0,30}\bafter\s+(?:(?:hospital|her|his)\s+)?"
                              r"(?:discharge|hospitali[sz]ation)\b", re.I)
_LATE_EFFECT_REACH = 3   # words between "late effect (of)" and the drug it names ("of IV heroin")
_SEQUELA_ADVICE = frozenset("discussed counseled counselled risk return possible potential delayed monitor warned "
                            "precautions no without".split())
# the words after a skin cancer that say where it is ("BCC, nodular, skin of L mid back")
_SKIN_SITE_REACH = 8
_SKIN_LESIONS = frozenset("papule papules lesion lesions nodule nodules plaque plaques macule patch growth".split())
_SKIN_BACK = 3   # sentences before a skin cancer's own where its lesion's site may be said
_SKIN_FILLER = frozenset("of the on at skin l r left right mid upper lower nodular superficial infiltrative "
                         "pigmented invasive well moderately poorly differentiated".split())
_REFUTED_ALLERGY = re.compile(r"\w\?|\bnot (?:a |an |truly )?(?:true )?allerg|\btolerat(?:ed|es|ing)\b|\bintoleran|"
                              r"\bnone known\b|\bno known\b|\bdenie[sd]\b|\bnegative\b", re.I)
# an allergy list's allergens by the words the index's History > personal > allergy gives them
_ALLERGENS = {"shellfish": ("food", "seafood"), "fish": ("food", "seafood"), "shrimp": ("food", "seafood"),
              "peanut": ("food", "peanut"), "egg": ("food", "eggs"), "milk": ("food", "milk", "products"),
              "dairy": ("food", "milk", "products"), "bee": ("insect", "bee"), "wasp": ("insect",),
              "contrast": ("contrast", "media"), "iodine": ("contrast", "media")}

# the reactions an allergy is known by (anaphylaxis, angioedema, urticaria, rash)
_REACTIONS = ("T78.0", "T78.2", "T78.3", "T78.4", "T88.6", "L50", "R21", "L27")
_HAPPENING = frozenset("today tonight now developed develops after presents presented presenting arrival ed "
                       "given treated".split())
_ALLERGY_OTHER_DRUG = "Z88.8"   # History > personal > allergy > drugs ... > specified NEC
_ADVICE = frozenset("avoid avoiding avoidance counseled counseling counsel advised educated risk risks".split())
_ENVIRONMENT = ("Z77.22",)   # exposures coded as the patient's environment, not as a contact with disease
_EXPOSURE_WORDS = frozenset("exposed exposure contact husband wife spouse partner roommate coworker household "
                            "pep".split())   # post-exposure prophylaxis ("rabies PEP started")


# I.C.15.a.1: chapters whose conditions a pregnancy's chapter 15 codes take (symptoms, injuries,
# statuses and external causes keep their own codes here)
_COMPLICATING_CHAPTERS = frozenset("ABCDEFGHIJKLMNQST")
_ORGANISM_CATEGORIES = frozenset(("B95", "B96", "B97"))
# a main term's default code: its one or two words, then "unspecified" / "not elsewhere classified"
_DEFAULT_TITLE = re.compile(r"^([a-z]+(?: [a-z]+)?), (?:unspecified|not elsewhere classified)$")
# a pneumonia of no organism (Pneumonia NOS J18.9, lobar J18.1, bronchopneumonia J18.0), and the
# specimens and antigens whose positive result names its organism
_PNEUMONIA_NOS = ("J18.0", "J18.1", "J18.8", "J18.9")
_COVID = "U07.1"
_RESPIRATORY_SPECIMENS = frozenset("sputum bal bronchoalveolar tracheal aspirate respiratory antigen antigens "
                                   "pleural".split())
_SPECIMEN_WORDS = _RESPIRATORY_SPECIMENS | frozenset("urine urinary culture cultures cx fluid lavage".split())
_FOUND_POSITIVE = frozenset("positive pos grew growing isolated detected".split())
_CONDITION_ASKED = re.compile(r"\b(condition|disease|disorder|neoplasm|injury)", re.I)
# words a Pregnancy > complicated by subterm shares with any condition: never a match alone
_GENERIC_SUBTERM = frozenset("disorder disorders disease diseases condition conditions specified other of nec "
                             "body system problems problem".split())
_INCIDENTAL = re.compile(r"\bincidental\s+(?:to\s+(?:the\s+)?)?pregnan|"
                         # ("pregnancy is uncomplicated and incidental to this visit")
                         r"\bpregnan\w*\s+(?:is\s+|was\s+)?(?:\w+\s+(?:and\s+)?)?incidental|"
                         # ("the injury is incidental and does not affect or complicate the pregnancy")
                         r"\b(?:does|did|will|do)\s+not\s+(?:affect|complicate)(?:\s+or\s+(?:affect|complicate))?"
                         r"\s+(?:the\s+|her\s+|this\s+)?pregnan\w*",
                         re.I)
_PREVIOUS_CESAREAN = re.compile(
    r"\b(?:prior|previous|hx of|history of|h/o|s/p)\s+(?:\w+\s+){0,2}?(?:LTCS|LTC/S|C/S|CS|C-section|cesarean|"
    r"caesarean|cesarean section|section)\b|\b(?:TOLAC|VBAC|repeat (?:LTCS|C/S|C-section|cesarean))\b|"
    # (one dated by an earlier year: "OB hx: 2021 primary LTCS at 39 wks", "G1 (2021) - primary low
    # transverse cesarean", "C-section 2019")
    r"\b(?:19|20)\d\d\b[^.;\n\d]{0,12}?\b(?:primary |repeat |urgent |emergent |scheduled )?(?:low transverse )?"
    r"(?:LTCS|C/S|C-section|cesarean)\b|\b(?:LTCS|C-section|cesarean(?: section| delivery)?)\s+(?:in\s+)?(?:19|20)\d\d\b",
    re.I)
_SCAR_TYPE = re.compile(r"\b(LTCS|LTC/S|low transverse|classical|vertical|T incision|mid-transverse)\b", re.I)
_SCAR_WORDS = {"lt": ("low", "transverse", "scar"), "lo": ("low", "transverse", "scar"), "cl": ("classical",),
               "ve": ("classical",), "t ": ("mid", "transverse", "t", "incision"),
               "mi": ("mid", "transverse", "t", "incision")}
_RANGE = re.compile(r"([A-Z]\d\d(?:\.[0-9A-Z]+)?)(?:\.-)?(?:\s*-\s*([A-Z]\d\d(?:\.[0-9A-Z]+)?))?")


# closing an ostomy: "colostomy takedown", "Hartmann reversal", "closure of loop ileostomy"
_OPENINGS = r"(colostomy|ileostomy|jejunostomy|gastrostomy|cystostomy|nephrostomy|tracheostomy|hartmann'?s?)"
# an implanted cardiac device interrogated or reprogrammed at the visit (the note's head says so)
_CARDIAC_DEVICES = r"(?:pacemaker|ppm|icd(?!\s?-?\s?(?:9|10))|aicd|defibrillator|crt-?d|crt-?p|loop recorder|ilr)"
_INTERROGATION = re.compile(rf"\b(?P<d1>{_CARDIAC_DEVICES})\b[^.;\n]{{0,40}}?\b(?:interrogat\w*|reprogram\w*)|"
                            rf"\b(?:interrogat\w*|reprogram\w*)\b[^.;\n]{{0,40}}?\b(?P<d2>{_CARDIAC_DEVICES})\b", re.I)
_INTERROGATION_REACH = 600   # characters from the start where the visit says what it is
_CLAUSE_END = re.compile(r"[.;\n]|$")
_EARLIER_CHECK = re.compile(r"\b(?:last|ago|prior|previous|previously|yesterday|remote)\b|\b\d{1,2}/\d{2,4}\b", re.I)
_INTERROGATED = {**{w: ("defibrillator",) for w in ("icd", "aicd", "defibrillator", "crtd")},
                 **{w: ("loop",) for w in ("looprecorder", "ilr")}}
_OSTOMY_CLOSURE = re.compile(rf"\b(?:{_OPENINGS}(?: procedure)?\s+(?:takedown|take-down|reversal|closure)|"
                             rf"(?:takedown|take-down|reversal|closure) of (?:the |her |his |a |an )?(?:loop |end |"
                             rf"diverting )?{_OPENINGS})", re.I)
_CLOSURE_BEFORE = 30
_CLOSURE_EARLIER = re.compile(r"\b(?:s/p|status post|h/o|hx|history of|prior|previous|after|following)\b[^.;]*$", re.I)
_CLOSURE_LATER = re.compile(r"[^.;]{0,30}\b(?:planned|scheduled|in \d+ (?:weeks?|months?)|will|later|candidate)\b",
                            re.I)


_UNSPECIFIED_TRIMESTER = re.compile(r"unspecified trimester", re.I)
_WELL_CHILD = "Z00.12"
# screenings a routine child examination includes (anemia, lead, developmental; I.C.21.c.5: "a screening
# code is not necessary if the screening is inherent to a routine examination")
_WELL_CHILD_SCREENINGS = ("Z13.0", "Z13.4", "Z13.88")
# a visit held to remove, insert or replace a device ("Here for planned replacement of her LNG IUD",
# "PROCEDURE: Removal and reinsertion of IUD", "presents for Nexplanon removal"): the index's entry for
# the action (Removal > device > contraceptive Z30.432; Intrauterine contraceptive device > replacement
# Z30.433), the encounter's reason
_DEVICE_ACTIONS = r"(?:removal|insertion|reinsertion|replacement|exchange|placement|change)"
_DEVICE_VISIT = re.compile(
    r"\b(?:(?:here|presents?|presenting|seen|scheduled|comes? in|returns?|encounter|visit|referred)\s+(?:today\s+)?for"
    r"|procedure(?:\s+performed)?\s*:)\s+(?:(?:a|an|the|her|his|planned|scheduled|elective|routine)\s+){0,3}"
    rf"(?:(?P<act>{_DEVICE_ACTIONS})(?:\s+(?:and|&|/)\s+(?P<act2>{_DEVICE_ACTIONS}))?\s+of\s+(?:(?:a|an|the|her|his|"
    rf"new|existing|current|old)\s+)*(?P<obj>[^.;:,()\n]{{2,50}})"
    rf"|(?P<obj2>(?:[\w-]+\s+){{0,3}}?(?:IUD|implant|Nexplanon|Implanon|catheter|stent|drain|pessary))\s+"
    rf"(?P<act3>{_DEVICE_ACTIONS})(?:\s+(?:and|&|/)\s+(?P<act4>{_DEVICE_ACTIONS}))?)\b", re.I)
_DEVICE_VISIT_REACH = 600   # characters from the start where the visit says what it is
# the index's main term for an action ("placement" of a device is its insertion; an exchange, a
# replacement or a removal with a new one is a reinsertion)
_ACTION_TERMS = {"removal": "removal", "insertion": "insertion", "placement": "insertion", "reinsertion": "reinsertion",
                 "replacement": "replacement", "exchange": "replacement", "change": "change"}
# a device in the index's words
_DEVICE_WORDS = {"iud": ("intrauterine", "contraceptive", "device"),
                 **{w: ("device", "contraceptive", "implantable", "subdermal") for w in ("nexplanon", "implanon")}}
_DEVICE_ENTRIES = {"intrauterine": "Intrauterine contraceptive device"}
_GENERIC_DEVICE = frozenset(("device", "devices", "specified", "nec", "other"))


# the dementia a disease of the index's "see also" causes (Disease > Alzheimer's G30.9 [F02.80])
_DEMENTIA_IN = "Dementia, in, diseases specified elsewhere"
_DEMENTIAS = ("F01", "F02", "F03")
_DEMENTIA_REACH = 3   # sentences read for its severity and behaviour: the disease's and the two after


_PUERPERAL = re.compile(r"\b(?:postpartum|post-partum|puerper\w*|PPD\s*#?\d)\b", re.I)
_PUERPERAL_REACH = 30   # characters either side of a condition where "postpartum" qualifies it


# a loss of consciousness with its duration ("LOC < 10 min", "lost consciousness for ~2 hours")
_LOC_FOR = re.compile(r"(?:\bLOC\b|loss of consciousness|lost consciousness|unresponsive)[^.;]{0,25}?"
                      r"(<|less than|under|~|about|approximately|approx\.?|x|for)?\s*(\d+(?:\.\d+)?)\s*"
                      r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)\b", re.I)
# (upper bound in minutes, 6th character) of S06's loss of consciousness (I.C.19; S06 6th characters)
_LOC_SPANS = ((30, "1"), (59, "2"), (359, "3"), (1440, "4"))


def _loc_duration(text: str) -> str | None:
    """The S06 6th character for the stated duration of a loss of consciousness, or None."""
    m = _LOC_FOR.search(text)
    if m is None:
        return None
    value, unit = float(m.group(2)), m.group(3).lower()
    minutes = value / 60 if unit.startswith("s") else value * 60 if unit.startswith("h") else value
    if m.group(1) and m.group(1).lower() in ("<", "less than", "under") and minutes <= 30:
        return "1"
    return next((c for bound, c in _LOC_SPANS if minutes <= bound), None)


def _conditions_in_ranges(cm) -> list[tuple[str, str, str]]:
    """(category, first, last) for each "Conditions in A15-A19" inclusion note in O98-O9A
    (FY2026: O98.0-O98.6, O99.0-O99.8, O9A.1-O9A.5), and each "use additional code from F17" note
    (O99.31-O99.33), read from the Tabular."""
    out: list[tuple[str, str, str]] = []
    stack = [c for c in ("O98", "O99", "O9A") if cm.id_of(c) >= 0]
    while stack:
        c = stack.pop()
        stack.extend(cm.children(c))
        for note in cm.notes(c, "inclusion"):
            if not note.lower().startswith("conditions in"):
                continue
            for part in re.split(r",|\band\b|\bor\b", note.split("except")[0][len("conditions in"):]):
                m = _RANGE.search(part)
                if m:
                    out.append((c, m.group(1), m.group(2) or m.group(1)))
        for note in cm.notes(c, "use_additional"):
            # a category whose own code goes with the condition's: "Use additional code from category
            # F17 to identify type of tobacco nicotine dependence" (O99.33-, smoking in a pregnancy)
            if " from " not in f" {note.lower()} ":
                continue
            for part in re.split(r",|\band\b|\bor\b", note.lower().split(" from ", 1)[1].replace("category", "")):
                m = _RANGE.search(part.upper())
                if m:
                    out.append((c, m.group(1), m.group(2) or m.group(1)))
    return out


# HIV documented as a status, or with its related illnesses denied (I.C.1.a.2.d) ...
_HIV_STATUS = re.compile(r"\b(?:asymptomatic HIV|HIV[- ](?:positive|seropositive)|HIV\s*\+|known HIV)|"
                         r"\b(?:never had|no history of|no h/o|no hx of|no prior|without any|no)\s+(?:an?\s+)?"
                         r"(?:OI|OIs|opportunistic infections?|AIDS[- ]defining)", re.I)
# ... unless the note says AIDS or HIV disease
_AIDS = re.compile(r"\b(?:has|with|dx of|diagnosis of|history of|hx of|known)\s+AIDS\b|\bAIDS\b(?![- ]defining)"
                   r"(?<!or AIDS)|\bHIV disease\b")
# "kidney transplant (2019) for", "DDKT 2021 for": what follows is the transplant's reason
_FOR_TRANSPLANT = re.compile(r"\b(?:transplant\w*|DDKT|LDKT|LURT|KTx)\b[^.;]{0,25}\b(?:for|due to|secondary to|2/2)\s*$",
                             re.I)
_REASON_REACH = 60
_TRANSPLANTED_SINCE = re.compile(r"[^.;\n]{0,80}?\b(?:s/p|status post|underwent|received|now with)\b[^.;\n]{0,25}?"
                                 r"(?:transplant\w*|DDKT|LDKT|LURT|KTx)\b", re.I)


class ClaimsReaders:
    """Built once per pipeline (us-claims); ``read`` is safe to call from many threads."""

    def __init__(self, icd10cm, mapper: CodeMapper, index, guidelines, context, sections):
        self.cm, self.mapper, self.index = icd10cm, mapper, index
        self.guidelines, self.context, self.sections = guidelines, context, sections
        self.medications = _medication_reader(icd10cm)
        self.neoplasms = _neoplasm_reader(icd10cm, mapper, _benign_morphology(index.tree),
                                          _malignant_morphology(index.tree), _unsited_morphology(index.tree))
        self.drug_effects = _drug_effect_reader(icd10cm)

    def read(self, doc: Document, sentences: list[Sentence], found: dict[str, Finding],
             preg: "pregnancy.PregnancyContext | None") -> None:
        """Add what the readers find to ``found`` (findings keyed by code)."""
        if preg is not None:
            self._pregnancy(preg, found)
            self._twin_gestation(doc.text, preg, found)
            self._delivery_trimester(preg, found)
            self._previous_cesarean(doc.text, preg, found)
            if preg.current and _OTHER_PREGNANCY_HISTORY in found:
                # a past pregnancy's loss or complication in a current pregnancy is that pregnancy's
                # poor obstetric history (O09.-), not Z87.59 (I.C.15.b.2)
                found[_OTHER_PREGNANCY_HISTORY].reportable = False
                found[_OTHER_PREGNANCY_HISTORY].notes.append(
                    RuleNote("not_reported", "a current pregnancy: its obstetric history is O09.-, not Z87.59"))
        elif pregnancy.not_pregnant(doc.text):
            self._past_pregnancies(found)
        elif pregnancy.infant_subject(doc.text) is not None or pregnancy.newborn_note(doc.text):
            for c, f in found.items():
                if c[:1] == "O" and f.reportable:
                    # "2 mo infant, born breech": the mother's pregnancy, never the baby's record (I.C.16.a.1)
                    f.reportable = False
                    f.notes.append(RuleNote("not_reported", "an infant's record: a pregnancy code is the mother's"))
        if (preg is None or not preg.current) and "Z33.1" in found and found["Z33.1"].reportable:
            # "not currently planning pregnancy; on copper IUD": the word, not a pregnant state
            found["Z33.1"].reportable = False
            found["Z33.1"].notes.append(RuleNote("not_reported", "the note documents no current pregnancy"))
        sequelae.stroke_sequelae(found, sentences, doc.text, self.index, self.mapper, self.guidelines, _made)
        checkpoint()   # each reader reads the whole note: the call's deadline is checked between them
        self._status(sentences, found)
        self._placed_this_stay(doc.text, sentences, found)   # (an outpatient procedure's report too: a cath lab's DES)
        checkpoint()
        self._screening(doc.text, sentences, found)
        checkpoint()
        self._long_term_drugs(doc.text, sentences, found)
        checkpoint()
        self._neoplasms(doc.text, sentences, found, inpatient=doc.setting is Setting.INPATIENT)
        self._skin_cancer_sites(sentences, found)
        self._treated_cancers(doc.text, found)
        self._lymphoma_sites(doc.text, found)
        _chemotherapy_of_cancer(found)
        self._drug_resistance(doc.text, sentences, found)
        self._polyp_kind(doc.text, found)
        checkpoint()
        self._drug_effects(doc.text, sentences, found, inpatient=doc.setting is Setting.INPATIENT)
        self._rejection(sentences, found)
        self._graft_versus_host(found)
        self._complications(sentences, found, inpatient=doc.setting is Setting.INPATIENT)
        self._prosthesis_joint(doc.text, found)
        self._traumatic_bleeds(doc.text, found)
        self._drug_induced(doc.text, sentences, found)
        _overdosed_not_adverse(found)
        self._noncompliance(doc.text, sentences, found)
        checkpoint()
        self._circumstances(doc.text, found, inpatient=doc.setting is Setting.INPATIENT)
        rehab = encounter_codes.rehab_stay(doc.text)   # (read once: three steps ask)
        self._surgical_aftercare(doc, found, rehab)
        self._injury_aftercare(found)
        self._receptor_status(doc.text, sentences, found)
        self._allergy_status(doc.text, sentences, found)
        self._exposures(sentences, found)
        self._irradiated(doc.text, sentences, found)
        self._colonized(sentences, found)
        self._emphysema(found)
        self._household_smoke(sentences, found)
        self._severe_sepsis(sentences, found)
        self._newborn_sepsis_organism(sentences, found)
        self._pneumonia_organism(sentences, found)
        self._ulcer_sites(sentences, found)
        self._ulcer_depth(sentences, found)
        self._atherosclerotic_pad(doc.text, sentences, found)
        self._ulcer_site_agreement(found)
        self._deep_tissue_damage(doc.text, found)
        self._osteoporotic_fractures(sentences, found)
        _one_osteoporosis_kind(found)
        self._neoplastic_fractures(doc.text, found)
        self._linked_complications(sentences, found)
        self._named_etiology(sentences, found)
        self._dementia_in(sentences, found)
        self._due_to_neoplasm(sentences, found)
        self._site_named(found)
        self._with_symptoms(sentences, found)
        self._dementia_behavior(found)
        self._dementia_severity(doc.text, sentences, found)
        self._wandering(doc.text, found)
        if preg is not None:
            self._complicating(doc.text, preg, found)
        self._transplanted_kidney(doc.text, found)
        self._asymptomatic_hiv(doc.text, found)
        self._gallbladder_and_duct_stones(doc.text, found)
        self._multiple_sites(sentences, found)
        self._sinuses(sentences, found)
        self._influenza(doc.text, found)
        self._diabetes_type(doc.text, found)
        self._asked_level(doc.text, sentences, found)
        self._underlying_condition(doc.text, found)
        self._psa_after_treatment(found)
        self._cough_duration(doc.text, found)
        self._specified_disorders(doc.text, found)
        self._gout_sites(sentences, found)
        self._scarred_injuries(doc.text, found)
        self._wound_callus(found)
        self._past_deployment(doc.text, found)
        self._burn_degrees(doc.text, found)
        self._burn_map(doc.text, sentences, found)
        self._burn_site_list(doc.text, found)
        self._burn_extent(doc.text, sentences, found)
        self._stroke_artery(sentences, found)
        self._initial_stroke_score(doc.text, found)
        self._kind_named_elsewhere(doc.text, found)
        self._in_remission(doc.text, found)
        self._ingestion_ruled_out(doc.text, found)
        self._associated_said(doc.text, found)
        self._varices_in(found)
        self._old_infarct(doc.text, sentences, found)
        if doc.setting is Setting.INPATIENT and not rehab:
            self._replaced_this_stay(sentences, found)
            self._removed_this_stay(doc.text, sentences, found)
        elif rehab and any(c.startswith("I69") for c in found):
            # a rehabilitation stay after a stroke treats its deficits, the sequelae (I69): the
            # acute infarction was the acute care stay's (I.C.9.d)
            # (and a thrombolytic of the acute care stay was given days before, not within the 24
            # hours before this admission that Z92.82 says)
            for c in [c for c in found if c[:3] in ("I60", "I61", "I62", "I63") or c == "Z92.82"]:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "the acute stroke was the acute care stay's: a "
                                                               "rehabilitation stay codes its sequelae (I69)"))
        self._replaced_joints(found)
        self._said_in_title(found)
        self._attributed_symptoms(doc.text, found)
        if "Z94.0" in found and _ESRD in found and any(c.startswith("N18") and c != _ESRD and f.reportable
                                                       for c, f in found.items()):
            # a kidney recipient's end-stage disease came before the graft; the stage the note gives
            # now is the graft's ("ESRD from IgA nephropathy, on HD 2013-2016, s/p DDKT ... current CKD 3a")
            found[_ESRD].reportable = False
            found[_ESRD].notes.append(RuleNote("not_reported", "end-stage disease before the kidney transplant: the "
                                                               "current stage is coded"))
        if encounter_codes.young_child(doc.text):
            for c in [c for c in found if c.startswith(_OWN_TOBACCO)]:
                # "3 y/o ... smoking cessation counseling": the parents' smoking, the child's exposure (Z77.22)
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "a young child's note: the tobacco is the household's"))

    def _attributed_symptoms(self, text: str, found: dict[str, Finding]) -> None:
        """A sign or symptom routinely part of a diagnosis, which the note attributes to it, is that
        diagnosis's (I.B.5): "RLQ pain secondary to a right hemorrhagic corpus luteum cyst" is N83.11
        alone; a poisoning's manifestations stay (I.C.19.e.5.b), as does a symptom the diagnosis asks
        for beside it ("use additional code for any associated fever")."""
        # (a drug the symptom is attributed to is its cause too: "nausea and vomiting due to cisplatin,
        # poor PO intake, and dehydration" is the cisplatin's adverse effect, its nature coded,
        # I.C.19.e.5.a, not the dehydration's)
        causes = sorted((e.start, c) for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT
                        and f.system is CodeSystem.ICD10CM and c[:1] not in "RZVWXY" for e in f.evidence)
        if not causes:
            return
        starts = [a for a, _ in causes]
        for c, f in found.items():
            if not c.startswith(_ROUTINE_SIGNS) or not f.reportable or f.assertion is not Assertion.PRESENT:
                continue
            for e in f.evidence:
                m = _ATTRIBUTED.match(text, e.end)
                if m is not None:
                    k = bisect_left(starts, m.end())
                    if k == len(starts) or starts[k] - m.end() > _ATTRIBUTED_REACH or \
                            _SENTENCE_END.search(text, m.end(), starts[k]):
                        continue
                    cause = causes[k][1]
                elif (m := _SOURCE_OF.search(text, max(0, e.start - _ATTRIBUTED_REACH), e.start)) is not None:
                    # (or the diagnosis said first, as its source: "Right hemorrhagic corpus luteum cyst -
                    # source of RLQ pain")
                    k = bisect_left(starts, m.start()) - 1
                    ends = [x.end for x in found[causes[k][1]].evidence if x.end <= m.start()] if k >= 0 else []
                    if not ends or m.start() - max(ends) > _ATTRIBUTED_REACH or \
                            _SENTENCE_END.search(text, max(ends), m.start()):
                        continue
                    cause = causes[k][1]
                else:
                    continue
                if "T36" <= cause[:3] <= "T65" or \
                        any(c.startswith(r) for r in self.guidelines.referenced(cause, "use_additional") if r):
                    continue
                f.reportable = False
                f.notes.append(RuleNote("not_reported", f"attributed to {cause}, which is coded: not reported "
                                                        "(I.B.5)", cause))
                break

    def _said_in_title(self, found: dict[str, Finding]) -> None:
        """A condition coded on its own main term's default ("Gangrene, not elsewhere classified",
        I96; "Edema, unspecified", R60.9) that another reported code's title already says is part
        of that combination code (I.B.9: "Acute gangrenous appendicitis with localized peritonitis",
        K35.31, and no I96 beside it), unless that code asks for it beside it ("use additional")."""
        # (an owner the note lists as history is one where the condition is chronic: coded as current)
        titles = {c: self.cm.description(c).lower() for c, f in found.items()
                  if f.reportable and self.cm.id_of(c) >= 0 and (f.assertion is Assertion.PRESENT or
                                                                  f.assertion is Assertion.HISTORICAL
                                                                  and self.guidelines.is_chronic(c))}
        for c in list(titles):
            m = _DEFAULT_TITLE.match(titles[c])
            if m is None or found[c].assertion is not Assertion.PRESENT:
                continue
            word = re.compile(rf"\b{re.escape(m.group(1))}\b")
            # (a one-word condition only beside another chapter's code: "Gout, unspecified" is no part
            # of "Chronic gout"; "Rheumatoid arthritis, unspecified" is of any code that says it)
            several = " " in m.group(1)
            owner = next((o for o, t in titles.items() if (o[:1] != c[:1] or several and o[:3] != c[:3])
                          and titles.get(o) and word.search(t)
                          and not _DEFAULT_TITLE.match(t) and not any(
                              c.startswith(r) for k in ("use_additional", "code_also")
                              for r in self.guidelines.referenced(o, k))), None)
            if owner is None:
                continue
            found[c].reportable = False
            found[c].notes.append(RuleNote("not_reported", f"its title's condition is part of {owner} "
                                                           "(combination code, I.B.9)", owner))
            titles[c] = ""

    def _status(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Status Z-codes from "s/p" phrases (Status / Presence in the index)."""
        assertion = self._assertions(sentences)
        present = lambda si, a, b: assertion(si, a, b) in (Assertion.PRESENT, Assertion.HISTORICAL)  # noqa: E731
        for hit in self.index.status_codes(sentences, present):
            s = sentences[hit.sentence]
            if "different facility" in self.cm.description(hit.code) and \
                    not any(_TRANSFERRED & set(x.words) for x in sentences):
                continue   # "s/p IV tenecteplase" given in this ED: no tPA status of another facility (Z92.82)
            a, b = s.tokens[hit.tok_start].start, s.tokens[hit.tok_end - 1].end
            f = Finding(hit.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(a, b, s.section)], Assertion.PRESENT,
                        [RuleNote("index", "Alphabetic Index: Status > " + " > ".join(hit.path))], {s.section},
                        source="lexicon")
            _add(found, f)
        # both sides in one code ("b/l TKA": Z96.653) say what each side's code would
        for code in [c for c in found if c.startswith(("Z96.6", "Z89")) and
                     "bilateral" in self.cm.description(c).lower()]:
            for side in ("right", "left"):
                twin = next((c for c in found if c[:-1] == code[:-1] and c != code and
                             side in self.cm.description(c).lower()), None)
                if twin is not None:
                    add_evidence(found[code].evidence, found.pop(twin).evidence)

    def _placed_this_stay(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A device placed or an organ removed during this stay is no status of the stay's claim:
        the procedure codes it ("LHC on HD2: LAD lesion treated with DES x1 ... Dx: NSTEMI s/p PCI"
        is no Z95.5; "underwent laparoscopic cholecystectomy day 4" no Z90.49)."""
        starts = [s.start for s in sentences]
        admitted = _ADMISSION_DATE.search(text)
        since = _date_key(admitted.groups()) if admitted else None
        for code in [c for c, f in found.items() if c.startswith(_DEVICE_STATUS) and f.reportable]:
            placed = old = False
            for e in found[code].evidence:
                s = sentences[sequelae.sentence_of(sentences, starts, e.start)]
                k = bisect_left(s.token_starts, e.start)
                before = s.words[max(0, k - _PLACED_REACH):k]   # "lesion treated with DES x1"
                # ("Dual-chamber PPM (DDD) implanted via L cephalic vein 09/21": its verb after it)
                end = bisect_left(s.token_starts, e.end)
                after = s.words[k:end + _PLACED_AFTER]
                dated = [_date_key(d.groups()) for d in _DATE.finditer(text, s.start, s.end)]
                in_stay = since is not None and bool(dated) and all(d >= since for d in dated)
                if _BEFORE_STAY & set(s.words) or (any(w.isdigit() and len(w) == 4 for w in s.words) and not in_stay):
                    old = True   # "Patent prior RCA stent", "STEMI in 2018 treated with a DES": one from before
                    # (a date on or after the note's admission date is the stay's: "Admission date:
                    # 06/09/2025 ... s/p pacemaker implantation 06/10/2025")
                elif (s.section in _STAY_SECTIONS or _procedure_label(text, s)) and (
                        _PLACED & set(before) or _IMPLANTED & set(after) or tuple(before[-2:]) == ("s", "p")) or \
                        _this_stay(s.words, k) or (s.section in DIAGNOSIS_SECTIONS and _IMPLANTED & set(after)):
                    # ("Discharge diagnoses: complete AV block - s/p pacemaker implantation 09/21")
                    placed = True   # ("Dx: NSTEMI. Cath: 90% LAD stenosis, s/p DES": this stay's)
            if placed and not old:
                found[code].reportable = False
                found[code].notes.append(RuleNote("not_reported", "placed during this stay: the procedure codes it, "
                                                                  "no status code"))

    def _delivery_trimester(self, preg: "pregnancy.PregnancyContext", found: dict[str, Finding]) -> None:
        """At a delivery, a chapter 15 code whose category has no "childbirth" character takes the
        trimester the delivery's weeks fall in, not its "unspecified trimester" (twins delivered at
        37 weeks: O30.043, not O30.049; I.C.15.a.3)."""
        if not preg.delivered or preg.trimester is None:
            return
        for c in [c for c, f in found.items() if c[:1] == "O" and f.reportable and self.cm.id_of(c) >= 0
                  and _UNSPECIFIED_TRIMESTER.search(self.cm.description(c))]:
            if self._says_childbirth(c[:3]):
                continue   # (the category has a childbirth code: the reader chose it or another, O10.02)
            # (a code with a 7th character has its trimester one level up: O60.10X0 -> O60.14X0)
            base, seventh = (c[:6], c[6:]) if len(c) > 7 and c[6] == "X" else (c, "")
            parent = self.mapper.parent_of(base)
            kids = self.cm.children(parent) if parent else []
            said = f"{preg.trimester} trimester"
            # (every trimester its title names is the delivery's: "Preterm labor third trimester with preterm
            # delivery third trimester", not the "second trimester with ... third trimester" one)
            new = next((k + seventh for k in kids if said in self.cm.description(k).lower() and
                        set(_TRIMESTER_SAID.findall(self.cm.description(k).lower())) == {preg.trimester}), None)
            if new is not None and new not in found and self.cm.id_of(new) >= 0:
                self._recode(found, c, new, "pregnancy", f"delivered in the {said}", "I.C.15.a.3")

    def _says_childbirth(self, category: str) -> bool:
        """Whether some code of the category is one "complicating childbirth" (O10 -> O10.02)."""
        memo = self.__dict__.setdefault("_childbirth_memo", {})
        if category not in memo:
            i = self.cm.id_of(category)   # (the tabular's rows are in pre-order: a category's codes follow it)
            memo[category] = i >= 0 and any("childbirth" in self.cm.description(c).lower()
                                            for c in self.cm.codes[i:int(self.cm.end[i])])
        return memo[category]

    def _pregnancy(self, preg: "pregnancy.PregnancyContext", found: dict[str, Finding]) -> None:
        """Weeks of gestation (Z3A), advanced maternal age (O09.5-), outcome of delivery (Z37)
        and a normal delivery (O80) from what the note documents (I.C.15)."""
        adds: list[tuple[str | None, tuple[int, int] | None, str]] = [
            (preg.z3a(self.cm), preg.weeks_span, "weeks of gestation (Z3A, I.C.15)")]
        if preg.elderly_span is not None and preg.postpartum_span is None:
            # (the supervision of a pregnancy, O09, is prenatal care's: none after the delivery)
            adds.append((self._index_code("Pregnancy", preg.elderly_words() + preg.walk_words()), preg.elderly_span,
                         "advanced maternal age: Pregnancy > complicated by > elderly (I.C.15.b)"))
        if preg.liveborn_span is not None and preg.delivered:
            born = ("twin", "both", "liveborn") if preg.twins else ("single", "liveborn")
            adds.append((self._index_code("Outcome of delivery", born), preg.liveborn_span,
                         "outcome of delivery (Z37, I.C.15.b.5)"))
        if preg.vaginal_span is not None and not preg.twins:   # (O80 is a single liveborn's delivery)
            adds.append((self._index_code("Delivery", ("normal",)), preg.vaginal_span,
                         "delivery without complications (O80, I.C.15.b.4)"))
        if preg.prenatal_span is not None and preg.weeks is not None:
            # a prenatal visit: the supervision of a normal pregnancy (Z34.0- the first), which gives way to
            # the high-risk supervision or the complication the note also codes (guidelines.normal_supervision)
            normal = ("supervision", "normal") + (("first",) if preg.gravida == 1 else ())
            adds.append((self._index_code("Pregnancy", normal + preg.walk_words()), preg.prenatal_span,
                         "prenatal visit: Pregnancy > supervision > normal (Z34, I.C.15.b.1)"))
        if preg.current and not preg.delivered and preg.postpartum_span is None and \
                _PRETERM_HISTORY in found and found[_PRETERM_HISTORY].reportable:
            # a past pregnancy's preterm labor makes this one's supervision high-risk (O09.21-, I.C.15.b.2)
            code = self._index_code("Pregnancy", ("supervision", "high", "risk", "due", "pre", "term", "labor")
                                    + preg.walk_words())
            if code is not None and code.startswith("O09.21"):
                self._recode(found, _PRETERM_HISTORY, code, "pregnancy",
                             "a history of preterm labor in a current pregnancy: high-risk supervision", "I.C.15.b.2")
        if preg.postpartum_span is not None and preg.routine_postpartum:
            adds.append((self._index_code("Examination", ("follow", "up", "postpartum")), preg.postpartum_span,
                         "postpartum follow-up: Examination > follow-up > postpartum (Z39.2, I.C.15.p)"))
        for code, span, why in adds:
            if code is None or span is None:
                continue
            f = Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(*span)], Assertion.PRESENT, [RuleNote("pregnancy", why)],
                        set(), source="lexicon")
            _add(found, f)

    def _twin_gestation(self, text: str, preg: "pregnancy.PregnancyContext", found: dict[str, Finding]) -> None:
        """A twin pregnancy the note documents ("di-di twin gestation", "dichorionic/diamniotic twins
        delivered"): Pregnancy > twin > its chorionicity, in the documented (or delivered) trimester
        (O30.0-, I.C.15.a.3), where no reader coded the multiple gestation."""
        if not preg.twins or not preg.current or preg.postpartum_span is not None or \
                any(c.startswith("O30") for c in found):
            return
        m = pregnancy.twins_span(text)
        if m is None:
            return
        words = ("twin",) + pregnancy.chorionicity_words(text) + \
            (("complicating", preg.trimester, "trimester") if preg.trimester else ())
        code = self._index_code("Pregnancy", words)
        if code is not None and code.startswith("O30"):
            _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(*m)], Assertion.PRESENT,
                                [RuleNote("pregnancy", "a twin pregnancy: Pregnancy > twin (O30.0-, I.C.15)")], set(),
                                source="lexicon"))

    def _past_pregnancies(self, found: dict[str, Finding]) -> None:
        """A note that says the patient is not pregnant speaks of past pregnancies: their conditions
        are history ("GDM in her 2019 and 2022 pregnancies": Z86.32), the pregnant state none."""
        for code in [c for c, f in found.items() if (c[:1] == "O" or c.startswith("Z33")) and f.reportable]:
            z = self.guidelines.history_code(code, Assertion.HISTORICAL) if code[:1] == "O" else None
            if z is None or z == _OTHER_PREGNANCY_HISTORY or self.cm.id_of(z) < 0 or not self.cm.is_billable(z):
                found[code].reportable = False
                found[code].notes.append(RuleNote("not_reported", "not currently pregnant: a past pregnancy's"))
                continue
            self._recode(found, code, z, "history_code", "a past pregnancy's condition (not currently pregnant)",
                         "I.C.21.c.4")

    def _previous_cesarean(self, text: str, preg: "pregnancy.PregnancyContext", found: dict[str, Finding]) -> None:
        """A current pregnancy after a cesarean ("prior LTCS", "desires TOLAC", "repeat C/S"):
        Cesarean delivery, previous, affecting management of pregnancy > the scar's type (O34.21-);
        none after the delivery (a readmission in the puerperium manages no pregnancy)."""
        if not preg.current or preg.postpartum_span is not None:
            return
        m = _PREVIOUS_CESAREAN.search(text)
        if m is None:
            return
        scar = _SCAR_TYPE.search(text)
        words = _SCAR_WORDS[scar.group(1).lower()[:2]] if scar else ()
        code = self._index_code("Cesarean delivery, previous, affecting management of pregnancy", words)
        if code is not None:
            _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(*m.span())], Assertion.PRESENT,
                                [RuleNote("pregnancy", "a pregnancy after a cesarean: the scar affects its management "
                                          "(O34.21-, I.C.15)")], set(), source="lexicon"))

    def _complicating(self, text: str, preg: "pregnancy.PregnancyContext", found: dict[str, Finding]) -> None:
        """A condition in a pregnancy complicates it unless the provider says the pregnancy is
        incidental (I.C.15.a.1): it is coded to chapter 15 first, under Pregnancy > complicated by
        (hypothyroidism at 26 weeks -> O99.282), else to the O98-O9A category whose "Conditions
        in" note covers its code; the condition's own code follows where that category asks for
        it ("use additional code to identify condition"), and an organism code (B95-B97) that
        named no infection gives way (GBS carrier at delivery -> O99.824 alone)."""
        if not preg.current:
            return
        if (m := _INCIDENTAL.search(text)) is not None:
            if "Z33.1" not in found:
                # (said of the pregnancy without its index words: "does not affect the pregnancy")
                span = Span(*m.span())
                note = RuleNote("pregnancy", "the provider says the pregnancy is incidental to the encounter "
                                             "(I.C.15.a.1)")
                _add(found, Finding("Z33.1", CodeSystem.ICD10CM, READ_CONFIDENCE, [span], Assertion.PRESENT, [note],
                                    set(), source="lexicon"))
            return
        tail = preg.walk_words()
        starts = self.index.tree.main_terms("Pregnancy")
        for code, f in list(found.items()):
            if f.system is not CodeSystem.ICD10CM or f.assertion is not Assertion.PRESENT or \
                    not f.reportable or code[:1] not in _COMPLICATING_CHAPTERS:
                continue
            if "T36" <= code[:3] <= "T50" and code[6:7] in ("5", "6"):
                continue   # a drug's adverse effect or underdosing: the condition it caused is the pregnancy's
            if preg.postpartum_span is not None and "L00" <= code[:3] <= "L08":
                continue   # a skin infection after the delivery is the puerperal wound's (Infection > puerperal,
                # O86.-), no "skin disease complicating the puerperium" (O99.73)
            if any(o[:len(x)] == x for x in self.guidelines.referenced(code, "excludes1") if x[:1] == "O"
                   for o in found):
                continue   # the code's own note sends it to a chapter 15 code the note has (O21.1)
            if any(o[:1] == "O" and g.reportable and any(code.startswith(r) for r in
                                                          self.guidelines.referenced(o, "use_additional"))
                   for o, g in found.items()):
                continue   # the chapter 15 code the note has asks for it beside it (O24.112 + E11.9)
            said = tuple(w for e in f.evidence[:3] for w in normalize_phrase(text[e.start:e.end]))
            words = said + normalize_phrase(self.cm.description(code))
            if any(_PUERPERAL.search(text, max(0, e.start - _PUERPERAL_REACH), e.end + _PUERPERAL_REACH)
                   for e in f.evidence[:3]):
                # a condition the note says is postpartum is the puerperium's entry ("Postpartum acute
                # blood loss anemia": Puerperal > anemia O90.81, with D62), not the childbirth's O99.02
                hit = self.index.tree.walk(self.index.tree.main_terms("Puerperal, puerperium"), walk_words(words))
                o = _finish(self.mapper, hit.code, tail + words, tail) if hit is not None and \
                    code[:3] not in _ORGANISM_CATEGORIES and hit.code.startswith("O9") and \
                    set(hit.path[0].split()) & set(walk_words(words)) - _GENERIC_SUBTERM else None
                if o is not None and o.startswith("O"):
                    spans, category = {(e.start, e.end) for e in f.evidence}, self._complicating_category(code)
                    for other in [c for c, g in found.items() if category and c != o and c.startswith(category)
                                  and {(e.start, e.end) for e in g.evidence} & spans]:
                        del found[other]   # (the mention's own walk to "complicating childbirth", O99.02)
                    _add(found, Finding(o, CodeSystem.ICD10CM, READ_CONFIDENCE, list(f.evidence), Assertion.PRESENT,
                                        [RuleNote("pregnancy", f"{code} after the delivery: Puerperal > "
                                                  f"{' > '.join(hit.path)} (I.C.15.a.1)", code)], set(f.sections),
                                        source="lexicon"))
                    continue
            # (an injury or a poisoning is its O9A.2- category's: the index's "complicated by" subterms
            # name the obstetric trauma of the delivery, O71)
            hit = self.index.tree.walk(starts, walk_words(("complicated",) + words)) if code[:1] not in "ST" else None
            o = None
            if hit is not None and hit.code.startswith("O") and len(hit.path) > 1 and hit.path[0] == "complicated" \
                    and {w for p in hit.path[1:] for w in p.split()} - _GENERIC_SUBTERM:
                o = _finish(self.mapper, hit.code, tail + words, tail)
            if o is None:
                category = self._complicating_category(code)
                o = _finish(self.mapper, category, tail, tail) if category else None
            key = "childbirth" if preg.delivered else preg.trimester
            if o is not None and key and key not in normalize_phrase(self.cm.description(o)):
                # the index's "Pregnancy" entry gives the pregnancy's code (O99.820); the documented
                # weeks or the delivery pick its sibling (O99.824 at a delivery)
                o = _finish(self.mapper, o[:-1].rstrip("."), tail, tail) or o
            if o is None or not o.startswith("O"):
                continue
            _add(found, Finding(o, CodeSystem.ICD10CM, READ_CONFIDENCE, list(f.evidence), Assertion.PRESENT,
                                [RuleNote("pregnancy", f"{code} in a pregnancy is coded to chapter 15 first (I.C.15.a.1)",
                                          code)], set(f.sections), source="lexicon"))
            asks = " ".join(self.cm.notes(o, "use_additional", inherited=True))
            if code[:3] in _ORGANISM_CATEGORIES or not (_CONDITION_ASKED.search(asks) or any(
                    code.startswith(r) for r in self.guidelines.referenced(o, "use_additional"))):
                # (kept where the chapter 15 code's note names its category: O24.013 asks for E10)
                f.reportable = False
                f.notes.append(RuleNote("not_reported", f"coded in chapter 15 as {o} (I.C.15.a.1)", o))

    def _complicating_category(self, code: str) -> str | None:
        """The deepest O98-O9A category whose "Conditions in" note covers ``code`` (E03.9 ->
        O99.2, F41.1 -> O99.34), None when none does."""
        table = self.__dict__.get("_ch15_ranges")
        if table is None:
            table = self.__dict__["_ch15_ranges"] = _conditions_in_ranges(self.cm)
        best = None
        for category, lo, hi in table:
            if lo <= code[:len(lo)] and code[:len(hi)] <= hi and (best is None or len(category) > len(best)):
                best = category
        return best

    def _index_code(self, main: str, words: tuple[str, ...]) -> str | None:
        """The billable code the index and the tabular give for ``words`` under ``main``."""
        hit = self.index.tree.walk(self.index.tree.main_terms(main), frozenset(words))
        return _finish(self.mapper, hit.code, words, words) if hit is not None else None

    def _assertions(self, sentences: list[Sentence], text: str = ""):
        """``assertion(sentence, tok_start, tok_end)``: ConText's reading of a span, triggers
        computed once per sentence (with ``text``, a parenthesis's list takes the denial before it:
        "NO NSAIDs (ibuprofen, naproxen, aspirin)")."""
        triggers: dict[int, list] = {}

        def assertion(si: int, a: int, b: int, lo: int = 0) -> Assertion:
            """``lo``: the clause's first word; triggers before it do not reach the span."""
            s = sentences[si]
            if si not in triggers:
                triggers[si] = self.context.triggers(s.words, list_opens(s, text) if text else frozenset())
            near = [t for t in triggers[si] if t.start >= lo] if lo else triggers[si]
            a_ = assert_span(near, a, b, s.gaps, s.commas)
            if a_ is Assertion.PRESENT and text and a < len(s.tokens):
                a_ = listed_in_parenthesis(triggers[si], s, text, s.tokens[a].start, a) or a_
            if a_ is Assertion.PRESENT and text and 0 < b <= len(s.tokens) and \
                    RELATIVE_AFTER.match(text, s.tokens[b - 1].end):
                a_ = Assertion.FAMILY   # "ovarian cancer (maternal aunt)"
            rule = self.sections.rules.get(s.section)
            # (a family history's past events are the relative's: "Father - colon cancer, s/p hemicolectomy")
            return rule.assertion if rule is not None and rule.assertion and (
                a_ is Assertion.PRESENT or a_ is Assertion.HISTORICAL and rule.assertion is Assertion.FAMILY) else a_

        return assertion

    def _neoplasms(self, text: str, sentences: list[Sentence], found: dict[str, Finding],
                   inpatient: bool = True) -> None:
        """Neoplasm Table codes (site, behaviour) replace the lexicon's vaguer ones of the same
        category ("breast cancer" C50.919 -> C50.412 when the note says left, upper-outer). An
        uncertain cancer ("rule out lung cancer") is coded only inpatient (II.H vs IV.H)."""
        assertion = self._assertions(sentences, text)
        if not inpatient:
            plain = assertion
            assertion = lambda si, a, b: (Assertion.HYPOTHETICAL if plain(si, a, b) is Assertion.POSSIBLE  # noqa: E731
                                          else plain(si, a, b))
        hits = list(self.neoplasms.find(text, sentences, assertion))
        # (a sentence's spread to a site is no primary there too: "breast cancer to the pleura with malignant
        # pleural effusion" is C78.2, never C38.4)
        spread = {(h.sentence, h.primary[:3]) for h in hits if h.behavior == "secondary" and h.primary}
        for h in hits:
            if h.behavior == "primary" and (h.sentence, h.code[:3]) in spread:
                continue
            note = RuleNote("index", f"Neoplasm Table: {h.site}, {h.behavior.replace('_', ' ')}")
            f = _read(h.code, sentences[h.sentence], h.tok_start, h.tok_end, note)
            span = f.evidence[0]
            sub = h.site.rsplit(" > ", 1)[1].split()[0] if " > " in h.site else ""
            for c in [c for c, g in found.items() if sub and (c[:1] in "CD" or c[:3] == "Z85") and g.evidence
                      and c[:3] != h.code[:3] and not _table_code(g)
                      and all(text[e.end:e.end + len(sub) + 2].lower().lstrip().startswith(sub) for e in g.evidence)]:
                del found[c]   # the lexicon read the first word of the table's site only ("adenocarcinoma of
                # hepatic flexure": C18.3, no liver's C22.9 or Z85.05 for "adenocarcinoma of hepatic")
            if h.historical:
                # a past tumour the lexicon did not name ("s/p hemicolectomy for adenoCA of the
                # ascending colon"): its personal history code, unless the note codes it otherwise
                z = self.guidelines.history_code(h.code, Assertion.HISTORICAL)
                if z is not None and self.cm.id_of(z) >= 0 and z not in found and \
                        not any(c[:3] == h.code[:3] or any(e.start < span.end and span.start < e.end
                                                           for e in g.evidence) for c, g in found.items()):
                    f.notes.append(RuleNote("history_code", f"history of {h.code}: {z} (I.C.21.c.4)", h.code))
                    f.code, f.assertion = z, Assertion.HISTORICAL
                    _add(found, f)
                continue
            # (another site the table gave is another tumour, brain and bone secondaries, C79.31 and
            # C79.51, unless one of them names no site: "other specified sites", "unspecified")
            same = [c for c in found if c != h.code and c[:3] == h.code[:3] and found[c].reportable
                    and not (_table_code(found[c]) and _sited(self.cm, c) and _sited(self.cm, h.code))]
            vague = "unspecified" in self.cm.description(h.code).lower()
            better = next((c for c in same if "unspecified" not in self.cm.description(c).lower()
                           and (vague or (_table_code(found[c]) and _sited(self.cm, c)))), None)
            if better is not None and not _sited(self.cm, h.code):
                found[better].merge(f)   # "NSCLC of the RUL" (C34.11) says more than "lung tumor"
                continue
            for c in same:
                f.merge(found.pop(c))
                f.code = h.code
            if h.behavior == "secondary":
                # "breast cancer to the bone": no primary bone code for the words of the spread
                for c in [c for c, g in found.items() if ("C00" <= c[:3] <= "C76" or c == _SECONDARY_NOS)
                          and g.evidence and all(e.start <= span.start < e.end for e in g.evidence)]:
                    del found[c]   # ... nor a secondary of no site for the words that name its site
                for c in [c for c, g in found.items() if c != h.code and g.evidence
                          and all(span.start < e.start < span.end for e in g.evidence)]:
                    del found[c]   # "metastatic lesions in the bone": the lesions are the spread
                for c in [c for c, g in found.items() if c != h.code and "C77" <= c[:3] <= "C79" and g.evidence
                          and not _table_code(g)
                          and all((e.start, e.end) == (span.start, span.end) for e in g.evidence)]:
                    del found[c]   # the word's own reading by the table, not the lexicon's guess from a side
                    # ("adenocarcinoma of RUL w/ metastases to liver": C78.7, no right ovary's C79.61)
            _add(found, f)
        # ... nor the site's primary the lexicon read from the sentences of that spread ("recurrent metastatic
        # breast cancer to the pleura ... carcinoma to pleura": C78.2, no pleural C38.4)
        starts = [x.start for x in sentences]
        for c in [c for c, g in found.items() if any(c[:3] == cat for _, cat in spread) and g.evidence and all(
                (sequelae.sentence_of(sentences, starts, e.start), c[:3]) in spread for e in g.evidence)]:
            del found[c]
        for b in [c for c, f in found.items() if f.reportable and c[:1] == "D" and self.cm.id_of(c) >= 0
                  and self.cm.description(c).lower().startswith("benign neoplasm")]:
            # the polyp the pathology names is that adenoma ("polyps in sigmoid colon ... Path:
            # tubular adenomas"; "Sigmoid colon polyp, cold snare: tubular adenoma": D12.5, not K63.5
            # beside it), whichever reader read the adenoma
            site = set(normalize_phrase(self.cm.description(b))) - _BENIGN_FILLER
            for c in [c for c in found if self.cm.id_of(c) >= 0 and
                      self.cm.description(c).lower().startswith("polyp") and
                      site & set(normalize_phrase(self.cm.description(c)))]:
                del found[c]

    def _skin_cancer_sites(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A skin cancer coded by its kind alone (C44.9-: "BCC of the back") takes the site its
        own words name after it, by the Neoplasm Table's skin rows (Neoplasm, skin, back: C44.509),
        with its kind's 6th character (basal cell: C44.519)."""
        vague = [c for c, f in found.items() if c.startswith("C44.9") and len(c) == 6 and f.reportable]
        if not vague:
            return
        table = self.neoplasms.table
        starts = [s.start for s in sentences]
        for c in vague:
            f = found[c]
            for e in f.evidence:
                si = sequelae.sentence_of(sentences, starts, e.start)
                s = sentences[si]
                k = bisect_left(s.token_starts, e.end)
                # its own words after it, else those after the skin lesion its sentence or the ones before it
                # name ("6 mm pearly papule L cheek ... Path: nodular basal cell carcinoma": the cheek's)
                places = [(tuple(s.words[k:k + _SKIN_SITE_REACH]), None)] + [
                    (tuple(x.words[j + 1:j + 1 + _SKIN_SITE_REACH]), x.tokens[j])
                    for x in sentences[max(0, si - _SKIN_BACK):si + 1][::-1]
                    for j, w in enumerate(x.words) if w in _SKIN_LESIONS]
                row, said, lesion = None, (), None
                for said, lesion in places:
                    after = [w for w in said if w not in _SKIN_FILLER]
                    # (the table's own "skin <site>" synonyms: "skin back", "skin axillary fold")
                    hits = (table.exact(" ".join(("skin", *after[a:a + n]))) for a in range(len(after)) for n in (2, 1))
                    row = next((r for h in hits if h is not None for r in (table.rows[h[0]],)
                                if len(r.path) == 2 and r.path[0].startswith("skin") and
                                (r.codes[0] or "").startswith("C44")), None)
                    if row is not None:
                        break
                if row is None:
                    continue
                sited = row.code("primary", [SIDES.get(w, w) for w in said], self.cm)
                code = sited[:5] + c[5] + sited[6:] if sited and len(sited) >= 6 else None
                if code is None or code == c or self.cm.id_of(code) < 0 or not self.cm.is_billable(code):
                    continue
                f = found.pop(c)
                f.notes.append(RuleNote("index", f"Neoplasm Table: skin, {row.path[1]}: {code}", c))
                f.code = code
                _add(found, f)
                for o, g in found.items() if lesion is not None else ():
                    if o[:1] == "R" and g.reportable and any(x.start <= lesion.start < x.end for x in g.evidence):
                        g.reportable = False   # (the papule the pathology names is the cancer, no skin change)
                        g.notes.append(RuleNote("not_reported", f"the lesion {code} names", code))
                break

    def _drug_resistance(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """An infecting organism's resistance to an antimicrobial (Z16, I.C.1.c), by the index's
        Resistance > organism > to > drug entry: "vancomycin-resistant Enterococcus" / "VRE"
        Z16.21, "multidrug-resistant" Z16.24, "resistant to fluoroquinolones" Z16.23. Methicillin
        resistance is its organism's own code (MRSA: A49.02, B95.62), never a Z16."""
        if not any(c.startswith(_ORGANISM_CODES) or c.startswith(_INFECTION_CHAPTERS) for c in found):
            return
        starts = [s.start for s in sentences]
        assertion = self._assertions(sentences)
        for m in _RESISTANT.finditer(text):
            if _SUSCEPTIBLE_EXCEPT.search(text, max(0, m.start() - _EXCEPT_REACH), m.start()):
                continue   # "pan-sensitive except ampicillin resistant": a susceptibility report's detail
            drug = next(g for g in m.groups() if g).lower().replace("-", " ")
            words = _RESISTANCE_WORDS.get(drug, (drug.rstrip("s"), drug))
            code = self._resistance_code(words)
            if code is None:
                continue
            si = bisect_right(starts, m.start()) - 1
            s = sentences[si]
            k = max(0, bisect_right(s.token_starts, m.start()) - 1)
            if assertion(si, k, k + 1) is not Assertion.PRESENT:
                continue   # ("no VRE", "r/o MDR organism")
            _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(m.start(), m.end(), s.section)],
                                Assertion.PRESENT, [RuleNote("index", "Alphabetic Index: Resistance > organism > "
                                                                      f"to > drug > {' '.join(words)} (I.C.1.c)")],
                                {s.section}, source="lexicon"))

    def _polyp_kind(self, text: str, found: dict[str, Finding]) -> None:
        """A history of colon polyps of unspecified kind (Z86.0100) whose kind the note says
        elsewhere ("Colonoscopy 2022 with two tubular adenomas removed ... Hx colon polyps") is the
        Tabular sibling whose title names it (Z86.0101 "adenomatous and serrated")."""
        code = _POLYP_HISTORY + "0"
        if code not in found or not found[code].reportable:
            return
        said = {w[:_KIND_STEM] for w in normalize_phrase(text)}
        kinds = []
        for c in self.cm.children(_POLYP_HISTORY):
            # the words the sibling's title says beyond the family's ("adenomatous", "serrated")
            own = {w[:_KIND_STEM] for w in normalize_phrase(self.cm.description(c)) if w not in _POLYP_TITLE}
            if c != code and own & said:
                kinds.append(c)
        if len(kinds) == 1:
            f = found.pop(code)
            f.notes.append(RuleNote("tabular", f"the polyps' kind the note says: {kinds[0]}, not {code}", code))
            f.code = kinds[0]
            _add(found, f)

    def _resistance_code(self, words: tuple[str, ...]) -> str | None:
        """Resistance > organism > to > drug > ``words``: the Z16 code, read through the entry's
        connective "to" (a subterm of no words the walk does not pass)."""
        tree = self.index.tree
        wanted = set(words) | {"organism", "drug"}
        node = next(iter(tree.main_terms("Resistance")), None)
        code = ""
        while node is not None:
            kids = [c for c in tree.nodes[node].children
                    if not tree.nodes[c].words or set(tree.nodes[c].words) <= wanted]
            node = max(kids, key=lambda c: len(tree.nodes[c].words), default=None)
            if node is not None and tree.nodes[node].code:
                code = tree.nodes[node].code
        return code if code.startswith("Z16") and self.cm.is_billable(code) else None

    def _lymphoma_sites(self, text: str, found: dict[str, Finding]) -> None:
        """A lymphoma of unspecified site (C81-C88, 5th character 0) whose note puts it in nodes
        of several regions ("nodal disease above and below the diaphragm", "cervical, mediastinal
        and retroperitoneal nodes", Ann Arbor stage III) is its Tabular sibling "lymph nodes of
        multiple sites" (C83.38)."""
        unsited = [c for c, f in found.items() if _LYMPHOMA_UNSITED.match(c) and f.reportable]
        if not unsited:
            return
        if not _MULTIPLE_NODES.search(text) and not any(
                len(_NODAL_REGIONS.findall(text, max(0, m.start() - _NODE_LIST_REACH), m.start())) >= 2
                for m in _NODE_WORDS.finditer(text)):
            return
        for c in unsited:
            sibling = c[:-1] + "8"
            if self.cm.id_of(sibling) >= 0 and "multiple sites" in self.cm.description(sibling).lower():
                f = found.pop(c)
                f.notes.append(RuleNote("tabular", f"nodes of several regions: {sibling}, not {c}", c))
                f.code = sibling
                _add(found, f)

    def _treated_cancers(self, text: str, found: dict[str, Finding]) -> None:
        """A primary malignancy treated and gone (excised or eradicated, treatment completed, no
        evidence of disease, nothing directed at it now and no spread) is its history code, Z85
        (I.C.2.d): "breast IDC, treated 2019 with mastectomy and tamoxifen, completed 2024 ... NED"."""
        cues = [m.start() for m in _TREATED.finditer(text)]
        ahead = [m.end() for m in _TREATED_BEFORE.finditer(text)]   # "from previously excised L breast cancer"
        # ... and a cue whose "of" names the cancer after it ("surveillance after completed treatment
        # of R breast cancer")
        ahead += [m.end() + len(of.group(0)) for m in _TREATED.finditer(text)
                  if (of := _OF_AFTER.match(text, m.end())) is not None]
        if not cues and not ahead:
            return
        if _UNDER_TREATMENT.search(text) and not _METASTATIC.search(text) and \
                not any("C77" <= c[:3] <= "C79" for c, f in found.items() if f.reportable):
            return   # "now receiving adjuvant chemotherapy", "cycle 2 today": treatment directed at it now
            # (with a spread, the treatment may be the spread's: the checks below)
        if any(c.startswith(_ACTIVE_CANCER) for c, f in found.items() if f.reportable):
            # ... unless only its spread is current and the note clears the primary's own site
            # ("R breast CA s/p mastectomy 2016, no tx since ... metastatic adenocarcinoma c/w breast
            # primary; no local recurrence": Z85.3 with C79.51, I.C.2.d)
            if any(c.startswith(_TREATING) for c, f in found.items() if f.reportable) or not _SITE_CLEAR.search(text):
                return
        # each cue speaks of the cancer named last before it (the first after it, when none is):
        # "Nodular BCC, L nasal ala, to Mohs. ... History of melanoma, no evidence of recurrence"
        # leaves the BCC current
        # (a secondary's evidence speaks for no primary: the cue after "metastatic ... c/w breast
        # primary" is the primary's)
        named = sorted((e.start, c) for c, f in found.items() if (c[:1] == "C" and not "C77" <= c[:3] <= "C79")
                       or c.startswith("Z85") for e in f.evidence)
        starts = [a for a, _ in named]
        spoken = set()
        for at in cues:
            k = bisect_right(starts, at) - 1
            line = text[text.rfind("\n", 0, at) + 1:at]
            if _OTHER_HISTORY.search(line) and not _CANCER_WORDS.search(line):
                continue   # another condition's: "Remote h/o kidney stone 2009, no recurrence"
            if named:
                spoken.add(named[k][1] if k >= 0 else named[0][1])
        for at in ahead:
            k = bisect_left(starts, at)
            if k < len(named) and named[k][0] - at <= _AHEAD_REACH:
                spoken.add(named[k][1])
        # (a cue after the history the assessment states speaks of the cancer the HPI names too:
        # "prostate adenocarcinoma, pT2 N0 ... A/P: Personal hx of prostate cancer, s/p RALP, PSA
        # undetectable": Z85.46, no C61)
        # (and so does the cue for a primary a diagnosis names only as a metastasis's origin: "brain
        # metastasis R frontal lobe from lung adenocarcinoma" after "hx of RLL lung adenocarcinoma s/p
        # lobectomy ... NO evidence of recurrent or residual lung cancer" is Z85.118)
        spoken |= {c for c, f in found.items() if "C00" <= c[:3] <= "C76" and not c.startswith("C44") and
                   (not f.sections & DIAGNOSIS_SECTIONS or all(_ORIGIN.search(text, max(0, e.start - _ORIGIN_REACH),
                                                                              e.end) for e in f.evidence)) and
                   self.guidelines.history_code(c, Assertion.HISTORICAL) in spoken}
        for c in [c for c, f in found.items() if "C00" <= c[:3] <= "C76" and f.reportable
                  and f.assertion is Assertion.PRESENT and c in spoken]:
            z = self.guidelines.history_code(c, Assertion.HISTORICAL)
            if z is None or self.cm.id_of(z) < 0:
                continue
            f = found.pop(c)
            f.notes.append(RuleNote("history_code", f"treated malignancy with no evidence of disease: {z}, not {c} "
                                                    "(I.C.2.d)", c))
            f.code, f.assertion, f.defaults = z, Assertion.HISTORICAL, []
            _add(found, f)

    def _screening(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Z12 / Z13 for the screenings done at this encounter (I.C.21.c.5)."""
        finish = partial(_finish, self.mapper)
        for h in screening.screening_codes(text, sentences, self.index.tree, finish):
            s = sentences[h.sentence]
            f = Finding(h.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(s.start, s.end, s.section)], Assertion.PRESENT,
                        [RuleNote("index", "Alphabetic Index: Screening > " + " > ".join(h.path) + " (I.C.21.c.5)")],
                        {s.section}, source="lexicon")
            _add(found, f)

    def _household_smoke(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Exposure to environmental tobacco smoke (Z77.22) where a code the note reports asks for it
        ("use additional code": J45 asthma, J44) and the note says the people the patient lives with
        smoke ("both parents smoke inside the home")."""
        if "Z77.22" in found or not any("Z77.22" in self.guidelines.referenced(c, "use_additional")
                                        for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT):
            return
        for s in sentences:
            words = set(s.words)
            if _HOUSEHOLD & words and _SMOKE_WORDS & words and not _NO_SMOKE & words and \
                    s.section != "family_history":   # ("Father with lung cancer (smoker)": his history)
                _add(found, Finding("Z77.22", CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(s.start, s.end, s.section)],
                                    Assertion.PRESENT, [RuleNote("use_additional", "exposure to environmental tobacco "
                                                                 "smoke: the household smokes (Z77.22)")],
                                    {s.section}, source="lexicon"))
                return

    def _emphysema(self, found: dict[str, Finding]) -> None:
        """COPD documented with emphysema is coded to the emphysema (J43.-): J44 "excludes1
        emphysema without chronic bronchitis", and its unspecified and exacerbation codes say no more
        than J43 does (I.A.12.a; the classification's COPD-with-emphysema convention)."""
        if not any(c.startswith("J43") and f.reportable for c, f in found.items()):
            return
        for c in ("J44.9", "J44.1"):
            if c in found and found[c].reportable:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "emphysema is coded (J43.-): the COPD is its"))

    def _colonized(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """An organism the note finds only as a colonization ("MRSA nares PCR: POSITIVE", "MRSA
        colonization (nares); no MRSA infection identified") is the carrier state (Z22.3-), not the
        cause of an infection (B95-B97 only name the agent of a disease, their chapter's note)."""
        if not any(c.startswith("Z22.3") and f.reportable for c, f in found.items()):
            return
        starts = [s.start for s in sentences]
        for c, f in found.items():
            if c.startswith(("B95", "B96")) and f.reportable and f.evidence and all(
                    _CARRIAGE & set(sentences[sequelae.sentence_of(sentences, starts, e.start)].words)
                    for e in f.evidence):
                f.reportable = False
                f.notes.append(RuleNote("not_reported", "found only as a colonization: the carrier state "
                                                        "(Z22.3-) says it"))

    def _irradiated(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A radiation treatment the patient had in the past (History > personal > irradiation,
        Z92.3): "L breast cancer 2013, s/p lumpectomy + XRT", "h/o Hodgkin lymphoma s/p chemo +
        neck/chest radiation"; not one given or planned now ("undergoing radiation", "plan SBRT")."""
        if any(c.startswith(_IRRADIATION_HISTORY) for c in found):
            return
        code = self._index_code("History", ("personal", "irradiation"))
        if code is None:
            return
        assertion = self._assertions(sentences, text)
        for si, s in enumerate(sentences):
            words = s.words
            for i, w in enumerate(words):
                if w not in _RADIATION or _NOT_PAST_RADIATION & set(words):
                    continue
                said = assertion(si, i, i + 1)
                before = words[max(0, i - _RADIATION_BACK):i]
                past = said is Assertion.HISTORICAL or bool(_PAST_RADIATION & set(before)) or \
                    ("s", "p") in zip(before, before[1:]) or \
                    any(len(x) == 4 and x.isdigit() and x[:2] in ("19", "20") for x in words)
                if not past or said in (Assertion.ABSENT, Assertion.HYPOTHETICAL, Assertion.FAMILY):
                    continue
                _add(found, _read(code, s, i, i + 1, RuleNote("index", "Alphabetic Index: History > personal > "
                                                                       "irradiation (I.C.21.c.4)")))
                return

    def _exposures(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Contact with or exposure to a communicable disease the patient is not found to have
        (Exposure (to) > ... -> Z20.x, I.C.21.c.1): "husband tested positive for COVID-19; she is
        asymptomatic" -> Z20.822."""
        starts = self.index.tree.main_terms("Exposure")
        assertion = self._assertions(sentences)
        for si, s in enumerate(sentences):
            if not starts or not _EXPOSURE_WORDS & set(s.words):
                continue
            contact = min(s.tokens[i].start for i, w in enumerate(s.words) if w in _EXPOSURE_WORDS)
            theirs = [c for c, f in found.items() if (c[:1] in "AB" or c.startswith("U07"))
                      and all(s.start <= e.start < s.end and e.start > contact for e in f.evidence)]
            # the disease by the note's words, else by its code's title ("exposure ... to a patient
            # with active TB": Tuberculosis of lung -> Exposure > tuberculosis)
            hit = self.index.tree.walk(starts, walk_words(s.words))
            for c in theirs:
                if hit is None or not hit.code.startswith("Z20"):
                    hit = self.index.tree.walk(starts, walk_words(normalize_phrase(self.cm.description(c))))
            k = next(i for i, w in enumerate(s.words) if w in _EXPOSURE_WORDS)
            if hit is not None and hit.code.startswith(_ENVIRONMENT):
                if assertion(si, k, k + 1) is not Assertion.PRESENT or s.section == "plan" or \
                        _ADVICE & set(s.words[:k]):
                    continue   # "counseled on avoiding secondhand smoke": advice, not the exposure (advice
                    # after it is the exposure's care: "exposure to secondhand smoke - counseled father")
                # an exposure the environment gives ("secondhand smoke exposure in the home": Z77.22)
                _add(found, Finding(hit.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(s.start, s.end, s.section)],
                                    Assertion.PRESENT, [RuleNote("index", "Alphabetic Index: Exposure > "
                                                                 + " > ".join(hit.path) + " (I.C.21.c.3)")],
                                    {s.section}, source="lexicon"))
                continue
            if hit is None or not hit.code.startswith("Z20") or not self.cm.is_billable(hit.code) or \
                    assertion(si, k, k + 1) in (Assertion.ABSENT, Assertion.HYPOTHETICAL):
                continue   # ("rabies PEP not indicated": no exposure)
            named = {c for c in found if found[c].reportable and found[c].assertion is Assertion.PRESENT}
            if any((c[:1] in "AB" or c.startswith("U07")) and c not in theirs for c in named):
                continue   # the patient has it: the disease is coded, not the exposure
            for c in theirs:   # "husband tested positive for COVID-19": the husband's, not hers
                del found[c]
            _add(found, Finding(hit.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(s.start, s.end, s.section)],
                                Assertion.PRESENT, [RuleNote("index", "Alphabetic Index: Exposure > "
                                                             + " > ".join(hit.path) + " (I.C.21.c.1)")],
                                {s.section}, source="lexicon"))

    def _severe_sepsis(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Severe sepsis (R65.2-) is never the only sepsis code: the systemic infection is coded
        first (I.C.1.d.1.a.ii, I.C.1.d.4), from Sepsis > the organism the sentence names, else
        A41.9 ("severe sepsis with septic shock due to pneumococcal pneumonia": A40.3 + R65.21)."""
        severe = [c for c, f in found.items() if c.startswith("R65.2") and f.reportable
                  and f.assertion is Assertion.PRESENT]
        if not severe:
            self._organ_dysfunction(sentences, found)
            return
        coded = [c for c in found if c.startswith(_SEPSIS_CODES) and found[c].reportable]
        if any(c != _SEPSIS_UNSPECIFIED for c in coded):
            return
        starts = self.index.tree.main_terms("Sepsis")
        evidence = found[severe[0]].evidence
        code, path = None, ""
        # the organism any of its sentences names ("ADMISSION DX: Sepsis ... 1. Severe sepsis due to
        # E. coli pyelonephritis": A41.51, the unspecified one then yields to it)
        for si in _sentences_of(sentences, evidence):
            words = tuple(w for w in sentences[si].words if w not in _SEVERITY_WORDS)   # the organism's, not R65.2's
            hit = self.index.tree.walk(starts, walk_words(words)) if starts else None
            code = _finish(self.mapper, hit.code, side_words(words)) if hit is not None else None
            path = " > ".join(hit.path) if hit is not None else ""
            if code is not None and code.startswith(_SEPSIS_CODES) and code != _SEPSIS_UNSPECIFIED:
                break
        if code is None or not code.startswith(_SEPSIS_CODES):
            if coded:
                return
            code, path = _SEPSIS_UNSPECIFIED, "unspecified organism"
        note = RuleNote("code_first", f"severe sepsis: the systemic infection first, Sepsis > {path} "
                                      "(I.C.1.d.1.a.ii)", severe[0])
        _add(found, _made(code, list(evidence), note))

    def _newborn_sepsis_organism(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A newborn's sepsis by the organism its sentence names (Sepsis > newborn > due to >
        organism): "GBS sepsis of newborn" is P36.0, "E. coli sepsis of newborn" P36.4, not P36.9."""
        f = found.get(_NEWBORN_SEPSIS)
        if f is None or not f.reportable:
            return
        starts = self.index.tree.main_terms("Sepsis")
        for si in _sentences_of(sentences, f.evidence) if starts else ():
            words = tuple(w for w in sentences[si].words if w not in _SEVERITY_WORDS) + ("newborn", "due", "to")
            hit = self.index.tree.walk(starts, walk_words(words))
            code = _finish(self.mapper, hit.code, side_words(words)) if hit is not None else None
            if code is not None and code.startswith("P36") and code != _NEWBORN_SEPSIS:
                self._recode(found, _NEWBORN_SEPSIS, code, "specificity",
                             f"a newborn's sepsis by its organism, Sepsis > {' > '.join(hit.path)}", "P36")
                return

    def _pneumonia_organism(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A pneumonia of no organism whose note finds its organism in a respiratory specimen or a
        urinary antigen ("LLL pneumonia ... Sputum cx and urine antigen positive for Streptococcus
        pneumoniae": J13, not J18.9): Pneumonia > the organism that sentence names (I.B.2)."""
        unspecified = [c for c, f in found.items() if c.startswith(_PNEUMONIA_NOS) and f.reportable
                       and f.assertion is Assertion.PRESENT]
        if unspecified and _COVID in found and found[_COVID].reportable and \
                found[_COVID].assertion is Assertion.PRESENT:
            # a pneumonia in a confirmed COVID-19 is its pneumonia (Pneumonia > COVID-19, I.C.1.g.1.c.i)
            hit = self.index.tree.walk(self.index.tree.main_terms("Pneumonia"), walk_words(("covid", "19")))
            if hit is not None and hit.code.startswith("J12"):
                for old in unspecified:
                    if old in found and hit.code not in found:
                        self._recode(found, old, hit.code, "specificity", "a pneumonia in COVID-19",
                                     "I.C.1.g.1.c.i")
                return
        starts = self.index.tree.main_terms("Pneumonia") if unspecified else []
        for s in sentences if starts else ():
            words = set(s.words)
            if not (words & _RESPIRATORY_SPECIMENS and words & _FOUND_POSITIVE) or words & _CARRIAGE:
                continue
            hit = self.index.tree.walk(starts, walk_words(tuple(w for w in s.words if w not in _SPECIMEN_WORDS)))
            code = _finish(self.mapper, hit.code, side_words(s.words)) if hit is not None else None
            if code is None or code.startswith("J18") or code[:1] not in "ABJ":
                continue
            for old in unspecified:
                if old in found and code not in found:
                    self._recode(found, old, code, "specificity", "a pneumonia by the organism its specimen "
                                 f"grew, Pneumonia > {' > '.join(hit.path)}", "I.B.2")
            return

    def _organ_dysfunction(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Sepsis with an acute organ dysfunction the sentence links to it ("sepsis due to E. coli
        with acute kidney injury", "septic encephalopathy") is severe sepsis, R65.20 beside the
        sepsis and the dysfunction (Sepsis > with > organ dysfunction, I.C.1.d.1.a); an organ
        dysfunction R65.2's own note names (N17, J96.0, G93.41, K72.0, D65, ...)."""
        sepsis = [f for c, f in found.items() if c.startswith(_SEPSIS_CODES) and f.reportable
                  and f.assertion is Assertion.PRESENT]
        if not sepsis:
            return
        organs = self.guidelines.referenced("R65.2", "use_additional")
        starts = [s.start for s in sentences]
        for c, f in found.items():
            if not (f.reportable and f.assertion is Assertion.PRESENT and organs and c.startswith(organs)):
                continue
            for e in f.evidence:
                si = sequelae.sentence_of(sentences, starts, e.start)
                s = sentences[si]
                said = [d for g in sepsis for d in g.evidence if s.start <= d.start < s.end and d.end <= e.start]
                between = [t.norm for t in s.tokens if said and said[0].end <= t.start < e.start]
                septic = "septic" in s.words or any(a == "sepsis" and b in ("associated", "induced", "related")
                                                    for a, b in zip(s.words, s.words[1:]))
                if said and ("with" in between or septic):
                    shock = "shock" in s.words and not {"no", "without"} & set(s.words)
                    code = "R65.21" if shock else "R65.20"
                    _add(found, _made(code, [said[0], e], RuleNote(
                        "combination", f"sepsis with acute organ dysfunction ({c}): severe sepsis {code} "
                                       "(I.C.1.d.1.a)", c)))
                    return

    def _osteoporotic_fractures(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A fracture from trauma that would not break a healthy bone (a fall from standing
        height, a "fragility" fracture) in a patient with known age-related osteoporosis is coded
        M80.0- at the fracture's site and side, not as a traumatic fracture (I.C.13.d.2); M81.0
        (Excludes1 with M80) goes. Other osteoporosis (M81.8: a drug's, a disuse) is M80.8- so."""
        known = next((c for c in _OSTEOPOROSIS_KINDS if c in found and found[c].reportable), None)
        if known is None:
            return
        words = {w for s in sentences for w in s.words}
        if not (_LOW_ENERGY & words or any(a in words and b in words for a, b in _LOW_ENERGY_PAIRS)):
            return
        sentence_starts = [s.start for s in sentences]
        for e in found[known].evidence:
            said = sentences[sequelae.sentence_of(sentences, sentence_starts, e.start)].words
            if any((w in _NO_FRACTURE or w == "w" and said[k + 1:k + 2] == ["o"]) and {"fracture", "fx"} &
                   set(said[k + 1:k + 4]) for k, w in enumerate(said)):
                return   # "osteoporosis w/o current fracture": the provider says the fracture is none of
                # this encounter (a healed one of years ago, Z87.310)
        for code in [c for c, f in found.items() if (c[:1] == "S" or c.startswith("T14.")) and len(c) == 8
                     and f.reportable and ("fracture" in self.cm.description(c).lower() or c.startswith("T14."))]:
            site = next((d for p, d in _M80_SITES if code.startswith(p)), None)
            if code.startswith("T14."):
                # a fracture the note names only by its vertebra ("L1 compression fracture")
                said = {w for e in found[code].evidence
                        for w in sentences[sequelae.sentence_of(sentences, sentence_starts, e.start)].words}
                site = "8" if said & _VERTEBRA_WORDS and said & {"fracture", "fx"} else None
            if site is None:
                continue
            title = self.cm.description(code).lower()
            side = "X" if site in "8A" else "1" if "right" in title else "2" if "left" in title else "9"
            new = f"{_OSTEOPOROSIS_KINDS[known]}{site}{side}{_M80_EPISODE.get(code[7], code[7])}"
            if self.cm.id_of(new) >= 0 and self._recode(found, code, new, "osteoporosis",
                                                        "fracture with minimal trauma in known osteoporosis",
                                                        "I.C.13.d.2"):
                found.pop(known, None)

    def _neoplastic_fractures(self, text: str, found: dict[str, Finding]) -> None:
        """A pathological fracture through a tumour ("pathologic fx L femoral shaft through a lytic
        lesion" with bone metastases) is Fracture, pathological > due to > neoplastic disease at
        the bone and side (M84.5-, I.C.13.c), not a traumatic fracture; the 7th character keeps
        the episode of care."""
        if not said_undenied(_PATHOLOGIC, text, _NOT_SAID) or not (said_undenied(_NEOPLASTIC, text, _NOT_SAID) or any(
                c[:1] == "C" and f.reportable for c, f in found.items())):
            return
        starts = self.index.tree.main_terms("Fracture, pathological")
        if not starts:
            return
        for code in [c for c, f in found.items() if c[:1] == "S" and len(c) == 8 and f.reportable
                     and "fracture" in self.cm.description(c).lower()]:
            title = normalize_phrase(self.cm.description(code))
            hit = self.index.tree.walk(starts, walk_words(title + ("due", "neoplastic", "disease")))
            if hit is None or "neoplastic disease" not in hit.path:
                continue
            base = _finish(self.mapper, hit.code, title, title)
            if base is None:
                continue
            new = base[:7].ljust(7, "X") + _M80_EPISODE.get(code[7], code[7])   # the S code's episode of care
            self._recode(found, code, new, "pathological_fracture", "pathological fracture through a neoplasm",
                         "I.C.13.c")

    def _prosthesis(self, code: str) -> tuple[str, frozenset[str]]:
        """The joint and sides a Z96.6- title names ("Presence of artificial knee joint, bilateral":
        knee, right and left); ("", ()) for an unspecified side or joint."""
        m = _PROSTHESIS.search(self.cm.description(code).lower()) if self.cm.id_of(code) >= 0 else None
        side = (m.group("s1") or m.group("s2")) if m is not None else None
        if side is None:
            return "", frozenset()
        return m.group("joint"), frozenset(("right", "left") if side == "bilateral" else (side,))

    def _replaced_this_stay(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """The joint the stay's own procedure replaced is no status of its claim ("PROCEDURE: Right
        total knee arthroplasty ... Dx: primary OA right knee, s/p right TKA": the procedure codes
        it, no Z96.651; I.C.21.c.3), and its arthritis is the stay's reason. The procedure is this
        stay's where a procedure section or the hospital course gives it, or a sentence says it was
        done ("Underwent ...", "... EBL 250 mL"), with no word or year that dates it before the stay."""
        done = [s.words for s in sentences if (s.section in ("procedures", "operative_details", "hospital_course") or
                                                _PERFORMED & set(s.words))
                and _JOINT_REPLACED & set(s.words) and not _BEFORE_STAY & set(s.words)
                and not any(w.isdigit() and len(w) == 4 for w in s.words)]   # ("Ortho performed L hip
        # cemented hemiarthroplasty 12/02" in a discharge summary's course)
        for c in [c for c, f in found.items() if c.startswith("Z96.6") and f.reportable]:
            joint, sides = self._prosthesis(c)
            # (a hemiarthroplasty said without its joint is the one the note's fracture replaced)
            if joint and any((joint in w or not _REPLACED_JOINTS & set(w)) and sides <= set(side_words(w))
                             for w in done):
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "replaced during this stay: the procedure codes it, "
                                                               "no status code"))

    def _removed_this_stay(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """An organ the stay's own operation removed is no absence status of its claim ("PROCEDURE:
        laparoscopic sigmoid colectomy ... Dx: diverticulitis, s/p sigmoid colectomy": the procedure
        codes it, no Z90.49), as for a joint replaced (``_replaced_this_stay``): the removal is
        named where a procedure section or the hospital course gives it, or a sentence says it was
        done, with no word or year that dates it before the stay."""
        removed = {w for s in sentences if (s.section in _STAY_SECTIONS or _PERFORMED & set(s.words))
                   and not _BEFORE_STAY & set(s.words) and not any(w.isdigit() and len(w) == 4 for w in s.words)
                   for w in s.words if w.endswith(_REMOVALS)}
        if not removed:
            return
        for c in [c for c, f in found.items() if c.startswith(_ABSENCE) and f.reportable]:
            said = {w for e in found[c].evidence for w in normalize_phrase(text[e.start:e.end])}
            if said & removed:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "removed during this stay: the procedure codes it, "
                                                               "no status code"))

    def _replaced_joints(self, found: dict[str, Finding]) -> None:
        """A joint replaced by a prosthesis (Z96.6-) has no osteoarthritis left: the arthritis of
        that joint and side is not coded, and a bilateral one is the other side's ("primary OA of
        both knees, R now replaced" with Z96.651: M17.12, not M17.0)."""
        replaced: dict[str, set[str]] = {}
        for c in [c for c, f in found.items() if c.startswith("Z96.6") and f.reportable]:
            joint, sides = self._prosthesis(c)
            if joint:
                replaced.setdefault(joint, set()).update(sides)
        if not replaced:
            return
        for c in [c for c, f in found.items() if "M15" <= c[:3] <= "M19" and f.reportable and self.cm.id_of(c) >= 0]:
            title = self.cm.description(c).lower()
            joint = next((j for j in replaced if re.search(rf"\b{j}\b", title)), None)
            side = next((x for x in ("right", "left", "bilateral") if x in title.split()), None)
            if joint is None or side is None:
                continue
            sides = {"right", "left"} if side == "bilateral" else {side}
            if sides <= replaced[joint]:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", f"the {side} {joint} is replaced (Z96.6-): "
                                                               "no arthritis of it is coded"))
            elif side == "bilateral":
                other = (sides - replaced[joint]).pop()
                kind = title.split("bilateral ", 1)[1].split(" osteoarthritis", 1)[0]
                want = f"unilateral {kind} osteoarthritis, {other} {joint}"
                new = next((x for x in self.cm.billable_descendants(c[:3])
                            if self.cm.description(x).lower() == want), None)
                if new is not None and new in found:
                    add_evidence(found[new].evidence, found.pop(c).evidence)   # the other side's, said again
                elif new is not None:
                    self._recode(found, c, new, "status", f"the {' and '.join(sorted(replaced[joint]))} {joint} "
                                 "is replaced: the arthritis is the other side's", "I.C.21.c.3")

    def _recode(self, found: dict[str, Finding], code: str, new: str, kind: str, why: str, section: str) -> bool:
        """Report the finding of ``code`` as the billable ``new`` (a traumatic fracture that is a
        pathological one, B20 that is the status Z21), with the note that says why; False, and
        nothing changed, when ``new`` is no billable code."""
        if self.cm.id_of(new) < 0 or not self.cm.is_billable(new):
            return False
        f = found.pop(code)
        f.notes.append(RuleNote(kind, f"{why}: {new}, not {code} ({section})", code))
        f.code, f.defaults = new, []
        _add(found, f)
        return True

    def _deep_tissue_damage(self, text: str, found: dict[str, Finding]) -> None:
        """A pressure ulcer its note calls a deep tissue injury is the Tabular's "pressure-induced
        deep tissue damage" of its site (L89.--6), not its unspecified stage ("R heel:
        pressure-induced deep tissue injury": L89.616)."""
        for c in [c for c, f in found.items() if _PRESSURE_UNSTAGED.match(c) and f.reportable]:
            if any(_DEEP_TISSUE.search(text, max(0, e.start - 40), e.end + 10) for e in found[c].evidence):
                new = c[:-1] + "6"
                if new not in found:
                    self._recode(found, c, new, "specificity", "a pressure-induced deep tissue injury", "I.C.12.a")

    def _ulcer_site_agreement(self, found: dict[str, Finding]) -> None:
        """A leg ulcer coded twice, by its vessel's "with ulcer of <site>" code (I83.0-, I83.2-,
        I70.23-/I70.24-) and by the ulcer's own L97 code, is at one site: where one of them says a
        named site (calf, ankle, thigh, heel) and the other "other part of lower leg" or an
        unspecified one, both say the named site ("varicose veins LLE and an ulcer of the L medial
        calf": I83.022 with L97.222). The two codes' site characters are the Tabular's same digits."""
        ulcers = [c for c, f in found.items() if _LEG_ULCER.match(c) and f.reportable]
        vessels = [c for c, f in found.items() if _VESSEL_ULCER.match(c) and f.reportable]
        if len(ulcers) != 1 or len(vessels) != 1:
            return
        u, v = ulcers[0], vessels[0]
        su, sv = u[_ULCER_SITE_AT], v[_VESSEL_SITE_AT]
        if sv in _OTHER_SITES and su in _NAMED_SITES:
            self._recode(found, v, _with_char(v, _VESSEL_SITE_AT, su), "specificity",
                         "the ulcer's site, as its L97 code says", "I.C.9, I.C.12")
        elif su in _OTHER_SITES and sv in _NAMED_SITES:
            self._recode(found, u, _with_char(u, _ULCER_SITE_AT, sv), "specificity",
                         "the ulcer's site, as its vessel's code says", "I.C.12")

    def _initial_stroke_score(self, text: str, found: dict[str, Finding]) -> None:
        """Of several NIHSS scores the note documents, the initial one is reported (I.C.18.i): the
        one said on arrival, admission or presentation, else the first the note gives ("On arrival
        NIHSS 8 ... NIHSS at discharge 3": R29.708)."""
        scores = [(c, min(e.start for e in f.evidence)) for c, f in found.items()
                  if c.startswith(_NIHSS_CODES) and f.reportable and f.evidence]
        if len(scores) < 2:
            return
        near = {at: (max(0, at - _ARRIVAL_REACH), at + _ARRIVAL_REACH) for _, at in scores}
        arrival = [(c, at) for c, at in scores if _ARRIVAL.search(text, *near[at])
                   and not _DISCHARGE_SCORE.search(text, *near[at])]
        keep = min(arrival or scores, key=lambda x: x[1])[0]
        for c, _ in scores:
            if c != keep:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", f"a later NIHSS score: the initial one is reported, "
                                                               f"{keep} (I.C.18.i)", keep))

    def _atherosclerotic_pad(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Peripheral arterial disease (I73.9) is the diabetes's peripheral angiopathy beside a
        diabetes with it (E11.51: the combination says it); otherwise a PAD the note documents as
        atherosclerotic ("native SFA/pop disease", "atherosclerotic PAD") with a leg's claudication,
        rest pain, ulcer or gangrene is atherosclerosis of the leg's native arteries at its highest
        stage (Arteriosclerosis > extremities > leg > with > rest pain: I70.22-), not PVD NOS, whose
        Excludes1 names I70.2-."""
        pad = found.get(_PVD)
        if pad is None or not pad.reportable:
            return
        angiopathy = next((c for c, f in found.items() if _ANGIOPATHY.match(c) and f.reportable), None)
        if angiopathy is not None:
            pad.reportable = False
            pad.notes.append(RuleNote("not_reported", f"the diabetes's peripheral angiopathy: {angiopathy} "
                                                      "(I.A.15 'with')", angiopathy))
            return
        if any(c[:3] in _DIABETES and f.reportable for c, f in found.items()) or \
                not said_undenied(_ATHEROSCLEROTIC, text, _NOT_SAID):
            return   # (a diabetes takes it "with" its angiopathy, E11.51; a PAD of no documented
            # atherosclerosis is the index's Disease, peripheral arterial, I73.9)
        node = self.index.tree.resolve("Arteriosclerosis, extremities")
        if node is None:
            return
        said = [(stage, m) for stage, pattern in _PAD_STAGES for m in pattern.finditer(text)
                if not _NOT_SAID.search(text, max(0, m.start() - 30), m.start())]
        ulcer = next((c for c, f in found.items() if c.startswith("L97") and f.reportable), None)
        gangrene = any(c.startswith("I96") and f.reportable for c, f in found.items())
        stage = "gangrene" if gangrene else "ulceration" if ulcer else max(
            (st for st, _ in said), key=[x for x, _ in _PAD_STAGES].index, default=None)
        if stage is None:
            return
        starts = [x.start for x in sentences]
        spans = [e.start for e in pad.evidence] + [m.start() for _, m in said]
        sides = {SIDES[w] for k in spans for w in sentences[sequelae.sentence_of(sentences, starts, k)].words
                 if w in SIDES and SIDES[w] in ("left", "right", "bilateral")}
        side = ("bilateral",) if "bilateral" in sides or len(sides) > 1 else tuple(sides)
        words = ("leg", *side, "with", *stage.split())
        if ulcer is not None:
            words += tuple(normalize_phrase(self.cm.description(ulcer)))
        hit = self.index.tree.walk(node, walk_words(words))
        if hit is None or not hit.code.startswith("I70.2"):
            return
        new = _finish(self.mapper, hit.code, words, words)
        if new is not None:
            self._recode(found, _PVD, new, "combination", f"peripheral arterial disease with {stage}: "
                         "Arteriosclerosis > extremities", "I73.9 Excludes1")

    def _ulcer_sites(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """The ulcer a combination code asks for beside it ("use additional code to identify site
        of ulcer": E11.621 + L97.421 for "diabetic foot ulcer of the L heel limited to breakdown
        of skin"), from Ulcer > lower limb > the site, depth and side in the Tabular (I.C.4.a)."""
        limb = self.index.tree.resolve("Ulcer, lower limb")
        if limb is None or any(c.startswith(("L97", "L98.4")) for c in found):
            return
        sentence_starts = [s.start for s in sentences]
        for code, f in list(found.items()):
            asks = [r for r in self.guidelines.referenced(code, "use_additional") if r.startswith(("L97", "L98.4"))]
            if not asks or not f.reportable or f.assertion is not Assertion.PRESENT:
                continue
            for e in f.evidence:
                words = sentences[sequelae.sentence_of(sentences, sentence_starts, e.start)].words
                if "ulcer" not in words and "ulceration" not in words:
                    continue
                # the combination's own words ("with foot ulcer") are not the ulcer's site
                # ("foot ulcer of the L heel": heel), unless the note names no other
                title = set(normalize_phrase(self.cm.description(code).lower()))
                hit = self.index.tree.walk(limb, walk_words(w for w in words if w not in title))
                if hit is None or hit.path[0] in ("with", "right", "left", "bilateral"):
                    # no other site: the title's is the ulcer's ("diabetic foot ulcer, right")
                    hit = self.index.tree.walk(limb, walk_words(words))
                site = _finish(self.mapper, hit.code, side_words(undenied(words))) if hit is not None else None
                if site is None or not any(site.startswith(r) for r in asks):
                    continue
                note = RuleNote("use_additional", f"{code} asks for the ulcer's site and depth: Ulcer > "
                                                  f"{' > '.join(hit.path)}", code)
                _add(found, _made(site, [e], note))
                return

    def _traumatic_bleeds(self, text: str, found: dict[str, Finding]) -> None:
        """A subdural or subarachnoid bleed in a note of a fall or a blow is traumatic (Hematoma >
        brain > subdural, traumatic: Injury, intracranial, subdural hemorrhage, S06.5X-; I62/I60
        are the nontraumatic ones), its 6th character the loss of consciousness the note states:
        none (0), of unstated duration (9), or not said (A, "status unknown")."""
        loc = "0" if _NO_LOC.search(text) else _loc_duration(text) or ("9" if _LOC.search(text) else "A")
        for code in [c for c, f in found.items() if c.startswith("S06") and f.reportable and loc != "A"
                     and (c[6:7] == "A" or (c[6:7] == "9" and loc not in "09"))]:
            # (a stated duration: "brief LOC (< 30 min)" is 1, LOC of 30 minutes or less)
            # (an intracranial injury the Tabular left "LOC status unknown" where the note says it
            # elsewhere: "Fell, denies LOC. Dx: concussion" is S06.0X0A)
            if not self._recode(found, code, code[:6] + loc + code[7:], "specificity", "the note states the loss of "
                                "consciousness", "I.C.19") and loc not in "09" and code[6:7] == "A":
                # (a duration its category has no character for: a concussion's LOC of 2 hours, S06.0X9)
                self._recode(found, code, code[:6] + "9" + code[7:], "specificity", "the note states the loss of "
                             "consciousness", "I.C.19")
        bleeds = [c for c, f in found.items() if c.startswith(tuple(_NONTRAUMATIC_BLEEDS)) and f.reportable]
        if not bleeds or _SPONTANEOUS.search(text) or not _TRAUMA.search(text):
            return
        for code in bleeds:
            injury = _NONTRAUMATIC_BLEEDS[next(p for p in _NONTRAUMATIC_BLEEDS if code.startswith(p))]
            self._recode(found, code, f"{injury}{loc}A", "traumatic", "a bleed after a fall or a blow is an "
                         "intracranial injury", "I.C.19")

    def _ulcer_depth(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """An ulcer of unspecified severity whose sentence says how deep it goes further on than
        the mention's own words ("Diabetic ulcer of L heel, 1.2 x 0.8 cm, limited to breakdown of
        skin": L97.421, not L97.429): the Tabular reads the whole sentence."""
        for code in [c for c, f in found.items()
                     if c.startswith(_SEVERITY_ULCERS) and c.endswith("9") and f.reportable]:
            # (any sentence of an ulcer at this site: "Exam: 1.2 x 1.0 cm ulcer R heel limited to
            # breakdown of skin ... Dx: diabetic foot ulcer R heel")
            site = set(normalize_phrase(self.cm.description(code).lower())) - _ULCER_TITLE_WORDS
            for k, s in enumerate(sentences):
                words = s.words
                if not _ULCER_WORDS.intersection(words) or not site.intersection(words):
                    # (or the sentence after it that describes its base: "diabetic foot ulcer of L heel ...
                    # Debrided; base with fat layer exposed, no bone or tendon", L97.422)
                    before = sentences[k - 1].words if k else ()
                    if not (_WOUND_BASE.intersection(words) and not _ULCER_WORDS.intersection(words) and
                            _ULCER_WORDS.intersection(before) and site.intersection(before)):
                        continue
                deeper = _finish(self.mapper, code[:-1], side_words(undenied(words)))
                if deeper is not None and deeper != code and deeper[:-1] == code[:-1]:
                    self._recode(found, code, deeper, "specificity", "the sentence says the ulcer's depth",
                                 "I.C.12.b")
                    break

    def _linked_complications(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A condition the note says diabetes caused that no "with" subterm of Diabetes names is
        the diabetes' other specified complication (Diabetes > type 2 > with > specified
        complication NEC: E11.69), coded beside it in its "due to disease classified elsewhere"
        form where its own index entry has one ("erectile dysfunction due to type 2 diabetes":
        E11.69 + N52.1; I.A.15: a link the provider states)."""
        diabetes = [(c, f) for c, f in found.items() if c[:3] in _DIABETES and f.reportable
                    and f.assertion is Assertion.PRESENT]
        if not diabetes:
            return
        starts = [s.start for s in sentences]
        # (a chronic diabetes code the history lists is reported too: what its notes ask for is asked)
        asked = tuple(r for c, f in found.items() if c[:3] in _DIABETES and f.reportable
                      for k in ("use_additional", "code_also") for r in self.guidelines.referenced(c, k))
        for code, f in list(found.items()):
            if code[:3] in _DIABETES or code[:1] in "ZRSTVWXY" or not f.reportable or f.assertion is not Assertion.PRESENT:
                continue
            if asked and (code.startswith(asked) or code[:3] in {r[:3] for r in asked}):
                continue   # the site of a diabetic foot ulcer (L97), the CKD stage (N18.-) the combination asks for
            words = _content_words(self.cm.description(code)) if self.cm.id_of(code) >= 0 else set()
            if any(words & _content_words(self.cm.description(c)) for c, _ in diabetes
                   if not c.endswith((".9", ".69")) and self.cm.id_of(c) >= 0):
                continue   # a condition a diabetes combination already names ("Diabetic CKD with hypertension":
                # E11.22 is the kidney's; the hypertensive CKD, I12.9, is not a complication of its own)
            for e in f.evidence:
                s = sentences[sequelae.sentence_of(sentences, starts, e.start)]
                cause = next((c for c, d in diabetes for de in d.evidence
                              if s.start <= de.start < s.end and (_caused_by(s, e.end, de.start)
                                                                      or _diabetic(s, de, e))), None)
                if cause is None:
                    continue
                combined = self._diabetes_with(cause, code)
                if combined is not None and combined not in found:
                    # a second complication the diabetes' own "with" subterm names ("T2DM with peripheral
                    # angiopathy ... and diabetic polyneuropathy": E11.51 and E11.42, I.A.15); beside the
                    # code the combination asks for ("use additional code to identify the site of ulcer")
                    wanted = tuple(r for k in ("use_additional", "code_also")
                                   for r in self.guidelines.referenced(combined, k))
                    note = RuleNote("combination", f"{code} is part of {combined}: Diabetes > with (I.A.15)", code)
                    if wanted and (code.startswith(wanted) or code[:3] in {r[:3] for r in wanted}):
                        _add(found, _made(combined, [e], note))
                    else:
                        del found[code]
                        f.code = combined
                        f.notes.append(note)
                        _add(found, f)
                    break
                other = cause[:3] + ".69"
                if self.cm.id_of(other) < 0:
                    break
                note = RuleNote("combination", f"{code} is stated as due to diabetes and no \"with\" subterm of "
                                               f"Diabetes names it: {other} beside it (I.A.15)", code)
                d = found[cause]
                if cause.endswith(".9"):   # "without complications" no longer holds
                    del found[cause]
                    d.code = other
                    d.notes.append(note)
                    _add(found, d)
                else:
                    _add(found, _made(other, [e], note))
                elsewhere = self._classified_elsewhere(code)
                if elsewhere is not None and elsewhere not in found:
                    del found[code]
                    f.code = elsewhere
                    f.notes.append(RuleNote("index", f"Alphabetic Index: due to disease classified elsewhere "
                                                     f"({cause[:3]})", code))
                    found[elsewhere] = f
                break

    def _diabetes_with(self, cause: str, code: str) -> str | None:
        """The code Diabetes > (the cause's type) > with > (the condition's title) gives, of the cause's
        own category and naming a complication: None when no "with" subterm names it."""
        starts = self.index.tree.main_terms("Diabetes")
        kind = _DIABETES_TYPES.get(cause[:3], ())
        title = [w for w in normalize_phrase(self.cm.description(code).split(",")[0].lower()) if w not in _TITLE_FILLER]
        hit = self.index.tree.walk(starts, walk_words(list(kind) + ["with"] + title)) if starts and title else None
        if hit is None or not hit.code.startswith(cause[:3]) or hit.code.rstrip("-").endswith((".69", ".9", ".8")) or \
                not any(w in title for p in hit.path for w in p.split()):
            return None
        combined = _finish(self.mapper, hit.code.rstrip("-").rstrip("."), tuple(title))
        return combined if combined is not None and self.cm.id_of(combined) >= 0 and \
            self.cm.is_billable(combined) else None

    def _named_etiology(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """The one code a code's own "code first" note names, where the sentence of its mention
        says that condition's title ("COVID-19 pneumonia": J12.82, whose note says "Code first
        COVID-19 (U07.1)", and U07.1 before it)."""
        starts = [s.start for s in sentences]
        for code, f in list(found.items()):
            if not f.reportable or f.assertion is not Assertion.PRESENT or self.cm.id_of(code) < 0:
                continue
            notes = self.cm.notes(code, "code_first")
            named = [m for n in notes for m in _CODE_IN_NOTE.findall(n)]
            if len(notes) != 1 or len(named) != 1 or named[0] in found:
                continue
            first = named[0]
            if self.cm.id_of(first) < 0 or not self.cm.is_billable(first):
                continue
            title = set(normalize_phrase(self.cm.description(first).lower())) - _TITLE_FILLER
            for e in f.evidence:
                s = sentences[sequelae.sentence_of(sentences, starts, e.start)]
                if title and title <= set(s.words):
                    note = RuleNote("code_first", f"{code}'s note: code first {first} (I.A.13)", code)
                    _add(found, _made(first, [e], note))
                    break

    def _due_to_neoplasm(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A condition the note says a neoplasm it codes caused ("anemia due to myeloma", "attributes
        the anemia to marrow involvement by myeloma") is its index entry's "in (due to) neoplastic
        disease" subterm where it has one (Anemia > in > neoplastic disease: D63.0, not D64.9;
        I.C.2.c.1), coded beside the neoplasm."""
        tumours = [(c, f) for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT
                   and ("C00" <= c[:3] <= "D49")]
        if not tumours:
            return
        tree, starts = self.index.tree, [s.start for s in sentences]
        for code, f in list(found.items()):
            if not f.reportable or f.assertion is not Assertion.PRESENT or code[:1] in "CZ" or \
                    "C00" <= code[:3] <= "D49":
                continue
            entries = tree.by_code.get(code, ())
            hit = tree.walk(list(entries), frozenset(_NEOPLASTIC_DISEASE)) if entries else None
            if hit is None or hit.code == code or not set(_NEOPLASTIC_DISEASE) <= set(hit.said):
                continue
            for e in f.evidence:
                s = sentences[sequelae.sentence_of(sentences, starts, e.start)]
                if not any(s.start <= te.start < s.end and te.start > e.end and
                           (_caused_by(s, e.end, te.start) or _attributed(s, e, te))
                           for _, t in tumours for te in t.evidence):
                    continue
                new = _finish(self.mapper, hit.code, (), ())
                if new is None:
                    break
                del found[code]
                f.code = new
                f.notes.append(RuleNote("index", "Alphabetic Index: " + " > ".join(hit.path) + " (a stated cause)",
                                        code))
                _add(found, f)
                break

    def _dementia_in(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A disease the index gives with the dementia it causes (Disease > Alzheimer's G30.9, see
        also Dementia, in, diseases specified elsewhere: the index pairs it with [F02.80]) is
        coded with that manifestation, its severity and behaviour read from the disease's sentence
        and the two after it ("Alzheimer disease ... moderate stage. ... increasing agitation":
        G30.9 + F02.B11, I.A.13); not where the note codes a dementia already."""
        if any(c[:3] in _DEMENTIAS for c, f in found.items() if f.reportable):
            return
        tree = self.index.tree
        entry = tree.resolve(_DEMENTIA_IN)
        if entry is None:
            return
        starts = [s.start for s in sentences]
        for code, f in list(found.items()):
            if not f.reportable or f.assertion is not Assertion.PRESENT or code[:1] != "G":
                continue
            if not any(tree.nodes[i].see_also == _DEMENTIA_IN and tree.nodes[tree.root(i)].words[:1] == ("disease",)
                       for i in tree.subterms_by_code.get(code, ())):
                continue
            k = sequelae.sentence_of(sentences, starts, f.evidence[0].start)
            words = tuple(w for s in sentences[k:k + _DEMENTIA_REACH] for w in s.words)
            hit = tree.walk([entry], walk_words(words))
            dementia = _finish(self.mapper, hit.code if hit is not None else tree.nodes[entry].code, words, words)
            if dementia is not None and dementia.startswith("F02"):
                _add(found, _made(dementia, list(f.evidence), RuleNote(
                    "manifestation", f"{code}: the index pairs it with its dementia, {dementia} (I.A.13)", code)))
                return

    def _gallbladder_and_duct_stones(self, text: str, found: dict[str, Finding]) -> None:
        """Stones in the gallbladder (K80.0-K80.2) and in a bile duct (K80.4-K80.5) of one
        encounter are one combination code (I.A.15): Calculus of gallbladder and bile duct with the
        cholecystitis either names (K80.6-) or without one (K80.7-), with obstruction where either
        says so. "Acute cholecystitis with cholelithiasis and choledocholithiasis" is K80.62.
        A biliary colic (the index's Colic > biliary, K80.50) beside gallbladder stones is their
        pain, no duct stone: "biliary colic from symptomatic cholelithiasis" is K80.20 alone."""
        every = [c for c, f in found.items() if c.startswith("K80.") and f.reportable]
        if any(c[:5] in ("K80.0", "K80.1", "K80.2") for c in every):
            for c in [c for c in every if c.startswith("K80.5") and found[c].evidence and
                      all(_COLIC.search(text[e.start:e.end]) for e in found[c].evidence)]:
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", "a biliary colic beside gallbladder stones is their "
                                                               "pain: no duct stone", ""))
                every.remove(c)
        # what the note says (not a code the walk's entry gave as "another with subterm": K80.10
        # beside K80.42 says no chronic cholecystitis)
        present = [c for c in every if not any(n.message.startswith("another") for n in found[c].notes)]
        gallbladder = [c for c in every if c[:5] in ("K80.0", "K80.1", "K80.2")]
        duct = [c for c in every if c[:5] in ("K80.4", "K80.5")]
        if not gallbladder or not duct or any(c[:5] in ("K80.3", "K80.6", "K80.7") for c in every):
            return
        titles = [self.cm.description(c).lower() for c in present if c[:5] in ("K80.0", "K80.1", "K80.2", "K80.4",
                                                                                 "K80.5")]
        acute = any("acute" in t for t in titles)
        chronic = any("chronic" in t for t in titles)
        inflamed = any("cholecystitis" in t and "without cholecystitis" not in t and "or cholecystitis" not in t
                       for t in titles)
        kind = ("acute and chronic" if acute and chronic else "acute" if acute else "chronic" if chronic
                else "cholecystitis, unspecified" if inflamed else None)
        obstruction = "with obstruction" if any(t.endswith("with obstruction") for t in titles) else "without obstruction"
        parent = "K80.6" if kind else "K80.7"
        want = f" {kind} cholecystitis" if kind and kind != "cholecystitis, unspecified" else (
            " cholecystitis, unspecified" if kind else " without cholecystitis")
        code = next((c for c in self.cm.children(parent) if want in self.cm.description(c).lower()
                     and self.cm.description(c).lower().endswith(obstruction)), None)
        if code is None:
            return
        parts = [c for c in every if c[:5] in ("K80.0", "K80.1", "K80.2", "K80.4", "K80.5")]
        combined = Finding(code, CodeSystem.ICD10CM, max(found[c].confidence for c in parts),
                           [e for c in parts for e in found[c].evidence], Assertion.PRESENT,
                           [RuleNote("combination", f"stones of the gallbladder and a bile duct: {code} for "
                                                    f"{', '.join(parts)} (I.A.15)")],
                           set().union(*(found[c].sections for c in parts)), source="lexicon")
        for c in parts:
            found[c].reportable = False
            found[c].notes.append(RuleNote("not_reported", f"part of combination code {code}: not reported", code))
        _add(found, combined)

    def _multiple_sites(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Rheumatoid arthritis said of joints in two regions or more ("seropositive RA of the MCPs,
        wrists and MTPs") is the subcategory's multiple-sites code (I.C.13.a): M05.79, M06.09;
        seropositive RA with no organ named is "without organ involvement" (Arthritis,
        rheumatoid > seropositive > without organ involvement > multiple sites)."""
        starts = [s.start for s in sentences]
        for code in [c for c, f in found.items() if c.startswith(_SITED_ARTHRITIS) and f.reportable
                     and f.assertion in (Assertion.PRESENT, Assertion.HISTORICAL)]:
            regions = set()
            for e in found[code].evidence:
                regions |= {_JOINT_REGIONS[w] for w in sentences[sequelae.sentence_of(sentences, starts, e.start)].words
                            if w in _JOINT_REGIONS}
            if len(regions) < 2:
                continue
            sub = _WITHOUT_ORGANS.get(code, code[:5])
            new = next((d for d in self.cm.billable_descendants(sub)
                        if "multiple sites" in self.cm.description(d).lower()), None)
            if new is not None and new != code:
                self._recode(found, code, new, "multiple_sites", f"arthritis of {len(regions)} joint regions",
                             "I.C.13.a")

    def _sinuses(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A sinusitis of several sinuses is one code: of all of them, pansinusitis (J01.4-, J32.4);
        of more than one but not all, the "other" sinusitis the Tabular's inclusion term gives it
        (J01.8- "acute sinusitis involving more than one sinus but not pansinusitis", J32.8), not a
        code per sinus ("chronic rhinosinusitis, L maxillary and ethmoid": J32.8)."""
        starts = [s.start for s in sentences]
        for category in ("J01", "J32"):
            group = [c for c, f in found.items() if c.startswith(category) and f.reportable
                     and f.assertion is Assertion.PRESENT]
            if not group:
                continue
            kinds: set[str] = set()
            every = False
            for c in group:
                for e in found[c].evidence:
                    words = sentences[sequelae.sentence_of(sentences, starts, e.start)].words
                    kinds |= {_SINUSES[w] for w in words if w in _SINUSES}
                    every = every or ("all" in words and bool(_SINUS_WORDS & set(words)))
            recurrent = any(c[4:6] in ("01", "11", "21", "31", "41", "81", "91") for c in group if category == "J01")
            if every or len(kinds) == 4:
                new = ("J01.41" if recurrent else "J01.40") if category == "J01" else "J32.4"
            elif len(kinds) >= 2:
                new = ("J01.81" if recurrent else "J01.80") if category == "J01" else "J32.8"
            else:
                continue
            keep = next((c for c in group if c == new), group[0])
            for c in group:
                if c != keep:
                    add_evidence(found[keep].evidence, found.pop(c).evidence)
            if keep != new:
                self._recode(found, keep, new, "multiple_sites", "sinusitis of " + (
                    "all sinuses" if every or len(kinds) == 4 else "more than one sinus"), "Tabular J01.8 / J32.8")

    def _influenza(self, text: str, found: dict[str, Finding]) -> None:
        """Influenza whose virus the note identifies ("influenza A", "flu B", "PCR positive for
        influenza") is J10, not the unidentified J11 (I.C.10.c); with a pneumonia it is the
        "with pneumonia" code: J10.08 beside a pneumonia of specified type (its "code also"),
        J10.00 for an unspecified one, which then goes (J18.9)."""
        flu = [c for c, f in found.items() if c.startswith(("J10", "J11")) and f.reportable]
        if not flu:
            return
        if _IDENTIFIED_FLU.search(text):
            # (only a confirmed one: a suspected influenza A stays J11, I.C.10.c)
            for c in [c for c in flu if c.startswith("J11") and found[c].assertion is not Assertion.POSSIBLE]:
                if "J10" + c[3:] not in found:
                    self._recode(found, c, "J10" + c[3:], "influenza", "an identified influenza virus", "I.C.10.c")
            flu = [c for c, f in found.items() if c.startswith(("J10", "J11")) and f.reportable]
        with_pneumonia = next((c for c in flu if c[4:5] == "0"), None)
        for c in [c for c in flu if c[4:] == "1" and with_pneumonia is not None and c[:3] == with_pneumonia[:3]]:
            # "influenza A ... with RLL pneumonia": the pneumonia's influenza code says the respiratory part
            add_evidence(found[with_pneumonia].evidence, found.pop(c).evidence)
            flu.remove(c)
        pneumonia = [c for c, f in found.items() if c[:3] in _PNEUMONIA_CATEGORIES and f.reportable
                     and f.assertion in (Assertion.PRESENT, Assertion.POSSIBLE)]
        if not pneumonia or len(flu) != 1 or flu[0][4:5] == "0":
            return
        code = flu[0]
        specified = [c for c in pneumonia if c != "J18.9"]
        new = code[:4] + ("08" if specified else "00")
        if self._recode(found, code, new, "combination", "influenza with pneumonia (Influenza > with > pneumonia)",
                        "I.C.10.c") and not specified:
            found.pop("J18.9", None)

    def _asked_level(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A code whose "use additional code" note asks for a level its category numbers ("E11.64-
        ... use additional code for hypoglycemia level, if applicable (E16.A-)": Hypoglycemia level
        1/2/3) gets the level its own sentence says ("Severe (level 3) hypoglycemia due to type 2 DM";
        "T1DM with hypoglycemia without coma - level 3 (severe) event"), where none is coded yet."""
        for code, f in list(found.items()):
            if not f.reportable or f.assertion is not Assertion.PRESENT:
                continue
            for asked in self.guidelines.referenced(code, "use_additional"):
                levels = self._levels(asked)
                if not levels or any(c.startswith(asked) and g.reportable for c, g in found.items()):
                    continue
                for si in _sentences_of(sentences, f.evidence):
                    said = {_LEVEL_NUMBERS[m.group(1).lower()]
                            for m in _LEVEL_SAID.finditer(text, sentences[si].start, sentences[si].end)}
                    if len(said) == 1 and (level := levels.get(said.pop())) is not None:
                        note = RuleNote("use_additional", f"{code} asks for {asked}-: the level its sentence "
                                                          "says", code)
                        _add(found, _made(level, [e for e in f.evidence
                                                  if sentences[si].start <= e.start < sentences[si].end], note))
                        break

    def _levels(self, category: str) -> dict[str, str]:
        """The billable codes of ``category`` by the level number their titles end in (E16.A:
        {"1": "E16.A1", ...}); empty where its codes are no numbered levels (memoised)."""
        memo = self.__dict__.setdefault("_levels_memo", {})
        hit = memo.get(category)
        if hit is None:
            kids = self.cm.children(category) if self.cm.id_of(category) >= 0 else []
            titled = {c: _LEVEL_TITLE.search(self.cm.description(c)) for c in kids if self.cm.is_billable(c)}
            hit = memo[category] = {t.group(1): c for c, t in titled.items() if t} \
                if kids and all(titled.values()) and len(titled) == len(kids) else {}
        return hit

    def _diabetes_type(self, text: str, found: dict[str, Finding]) -> None:
        """Diabetes is type 2 by default only when the record does not document its type
        (I.C.4.a.2): "T1DM ... diabetic ketoacidosis" is E10.10, not the untyped mention's E11.10."""
        if not any(c.startswith("E10") for c in found):
            return   # (no type 1 said)
        typed = [c for c, f in found.items() if c.startswith("E11") and f.assertion is not Assertion.FAMILY
                 and _TYPE_2.search(" ".join(text[e.start:e.end] for e in f.evidence))]
        if typed:
            return   # a type 2 the note also names for the patient: not this rule's to settle
        for code in [c for c, f in found.items() if c.startswith("E11") and f.reportable and f.textual]:
            new = "E10" + code[3:]
            if self._recode(found, code, new, "diabetes_type", "the record documents type 1 diabetes",
                            "I.C.4.a.2"):
                for plain in [c for c in found if c.startswith("E10.9") and c != new]:
                    add_evidence(found[new].evidence, found.pop(plain).evidence)

    def _psa_after_treatment(self, found: dict[str, Finding]) -> None:
        """An elevated or rising PSA after the prostate cancer was treated is R97.21 ("Rising PSA after
        radical prostatectomy - biochemical recurrence"; Elevated > prostate specific antigen > following
        treatment for malignant neoplasm of prostate), not R97.20."""
        if "R97.20" in found and "Z85.46" in found:   # (the patient's own history, never a brother's prostatectomy)
            self._recode(found, "R97.20", "R97.21", "specificity", "the prostate cancer was treated", "R97.2")

    def _underlying_condition(self, text: str, found: dict[str, Finding]) -> None:
        """Diabetes the note says is due to another condition it codes is the index's "due to underlying
        condition" (E08): "diabetes mellitus due to pancreatic cancer (type 3c)" is E08.9 beside C25.-,
        not the default type 2 (I.C.4.a.2)."""
        if not any(c.startswith("E11") for c in found):
            return
        causes = [e.start for c, f in found.items() if f.reportable and c[:1] not in "EZTRVWXY" for e in f.evidence]
        for m in _DIABETES_DUE_TO.finditer(text):
            if not any(m.end() <= start < m.end() + _CAUSE_REACH for start in causes):
                continue
            for code in [c for c, f in found.items() if c.startswith("E11") and f.reportable]:
                self._recode(found, code, "E08" + code[3:], "diabetes_type",
                             "diabetes due to an underlying condition the note codes", "I.C.4.a")
            return

    def _kind_named_elsewhere(self, text: str, found: dict[str, Finding]) -> None:
        """A condition named by its main term alone, whose index entry sends one of its kinds to
        another entry the encounter codes, is that kind, said once: "Hypothyroidism (Hashimoto)" is
        E06.3 alone (Hypothyroidism > autoimmune - see Thyroiditis, autoimmune), not E03.9 beside
        it. A condition the note qualifies ("type 2 diabetes" beside "type 1 diabetes") is its own."""
        present = {c for c, f in found.items() if f.reportable and f.system is CodeSystem.ICD10CM
                   and f.assertion in (Assertion.PRESENT, Assertion.HISTORICAL)}
        for code in sorted(present):
            kinds = self._kinds_sent(code)
            # (of its own block: "Obesity > hypothyroid - see Hypothyroidism" is no obesity's kind
            # unless the note says "hypothyroid obesity")
            other = next((o for k in kinds[0] for o in present
                          if o != code and o[:2] == code[:2] and o.startswith(k)), None)
            f = found[code]
            if other is None or not all(set(normalize_phrase(text[e.start:e.end])) <= kinds[1] for e in f.evidence):
                continue
            f.reportable = False
            f.notes.append(RuleNote("not_reported", f"the kind of {other} the index sends there (see reference): "
                                                    "not reported", other))
            add_evidence(found[other].evidence, f.evidence)
            found[other].notes.append(RuleNote("combination", f"{code} is the kind of {other} the index sends "
                                                              f"there (see reference)", code))

    def _kinds_sent(self, code: str) -> tuple[tuple[str, ...], frozenset[str]]:
        """The codes the entries coding ``code`` send a kind of it to ("Hypothyroidism > autoimmune -
        see Thyroiditis, autoimmune": E06.3), and those entries' own words (a mention of nothing
        more is the bare main term), read once per code."""
        memo = self.__dict__.setdefault("_kinds_memo", {})
        hit = memo.get(code)
        if hit is None:
            tree = self.index.tree
            mains = tree.by_code.get(code, ())
            hit = memo[code] = (tuple(dict.fromkeys(
                tree.nodes[t].code.rstrip("-") for main in mains
                for c in tree.nodes[main].children
                if tree.nodes[c].see and not tree.nodes[c].code and not tree.nodes[c].children
                for t in (tree.resolve(tree.nodes[c].see),) if t is not None and tree.nodes[t].code)),
                frozenset(w for main in mains for w in tree.spellings(main)))
        return hit

    def _stroke_artery(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """An acute ischemic stroke the note places in a cerebral artery's territory is that
        artery's infarction (Infarct > cerebral > due to > occlusion, embolism or thrombosis >
        cerebral arteries, by side): "acute ischemic stroke, left MCA" is I63.512, "cardioembolic
        ... left MCA" I63.412; I63.9 only where no artery is named."""
        f = found.get("I63.9")
        if f is None or not f.reportable or f.assertion is not Assertion.PRESENT:
            return
        tree = self.index.tree
        # ("Infarct > brain - see Infarct, cerebral" and "Infarct > cerebral" read alike: the one with subterms)
        entry = next((c for i in tree.main_terms("Infarct") for c in tree.nodes[i].children
                      if tree.nodes[c].code.startswith("I63") and tree.nodes[c].children), None)
        if entry is None:
            return
        starts = [s.start for s in sentences]
        for e in f.evidence:
            words = sentences[sequelae.sentence_of(sentences, starts, e.start)].words
            said = walk_words(words)
            if not _CEREBRAL_ARTERIES & said:
                continue
            how = ("embolism",) if _EMBOLIC & set(words) else ("thrombosis",) if _THROMBOTIC & set(words) \
                else ("occlusion",)
            hit = tree.walk(entry, walk_words(tuple(words) + ("due", "to") + how))
            if hit is None or not hit.code.startswith(("I63.3", "I63.4", "I63.5")):
                continue
            # the artery's own side ("left MCA territory ... with right hemiparesis": the left)
            k = next((i for i, w in enumerate(words) if fold(w) in _CEREBRAL_ARTERIES), None)
            if k is None:
                continue
            sides = [w for w in side_words(words[max(0, k - 2):k + 3]) if w in ("right", "left", "bilateral")]
            rest = [w for w in side_words(undenied(words)) if w not in ("right", "left", "bilateral", "unilateral")]
            new = _finish(self.mapper, hit.code, tuple(rest) + tuple(sides[:1]) + ("cerebral", "artery"))
            if new is not None and new != "I63.9" and self._recode(
                    found, "I63.9", new, "specificity", "the stroke is in a named cerebral artery's territory",
                    "I63, Infarct > cerebral > due to"):
                return

    def _cough_duration(self, text: str, found: dict[str, Finding]) -> None:
        """A cough by how long it has lasted, as the note says it (R05.1 acute, under 3 weeks;
        R05.2 subacute, 3 to 8; R05.3 chronic, over 8): "1 day of barky cough" is R05.1."""
        if "R05.9" not in found or not found["R05.9"].reportable:
            return
        for e in found["R05.9"].evidence:
            said = text[max(0, e.start - _DURATION_REACH):e.end + _DURATION_REACH]
            m = _DURATION.search(said)
            weeks = None
            if m is not None:
                n, unit = float(m.group(1)), m.group(2).lower()
                weeks = n / 7 if unit.startswith("d") else n * 4.3 if unit.startswith("mo") else \
                    n * 52 if unit.startswith("y") else n
            elif _CHRONIC_COUGH.search(said):
                weeks = 9
            if weeks is None:
                continue
            new = "R05.1" if weeks < 3 else "R05.2" if weeks <= 8 else "R05.3"
            how = m.group(0).removesuffix(" of") if m is not None else "long standing"
            self._recode(found, "R05.9", new, "specificity", f"a cough {how}", "R05")
            return

    def _wound_callus(self, found: dict[str, Finding]) -> None:
        """The callus rim of an ulcer the note codes ("periwound callus", "debridement of callus and
        nonviable tissue") is the ulcer's edge, no corn or callosity of its own (L84)."""
        if _CALLUS in found and any(c.startswith(_ULCERS) and f.reportable for c, f in found.items()):
            found[_CALLUS].reportable = False
            found[_CALLUS].notes.append(RuleNote("not_reported", "the ulcer's callus rim: part of the ulcer"))

    def _past_deployment(self, text: str, found: dict[str, Finding]) -> None:
        """Military deployment status (Z56.82) is a current deployment; a veteran's or a dated
        past one ("Army veteran (2 deployments, Afghanistan 2011)", "since deployment") is none."""
        if _DEPLOYED in found and _PAST_DEPLOYMENT.search(text):
            found[_DEPLOYED].reportable = False
            found[_DEPLOYED].notes.append(RuleNote("not_reported", "a past deployment: no current deployment status"))

    def _scarred_injuries(self, text: str, found: dict[str, Finding]) -> None:
        """A scar the note treats today (L91.0, L90.5) after an injury it dates in the past ("seen 2
        yrs after a full-thickness scald burn of the R palm ... hypertrophic scar") is that injury's
        sequela: the scar first, the injury with 7th character S (I.C.19.a); a hypertrophic scar is
        the scar's code, no L90.5 beside it."""
        scars = [c for c, f in found.items() if c.startswith(_SCARS) and f.reportable
                 and f.assertion is Assertion.PRESENT]
        if not scars:
            return
        if "L91.0" in scars and "L90.5" in scars:
            found["L90.5"].reportable = False
            found["L90.5"].notes.append(RuleNote("not_reported", "the hypertrophic scar L91.0 codes the scar", "L91.0"))
        scarred = [e for c in scars for e in found[c].evidence]
        for code in [c for c, f in found.items() if (c[:1] == "S" or c[:3] in _BURN_CATEGORIES) and len(c) == 8
                     and c[-1] in "AD" and f.reportable]:
            # (an injury dated in the past, whose scar the note describes near it)
            if not any(_DATED_INJURY.search(text, max(0, e.start - _DATED_REACH), e.end + _DATED_REACH)
                       and any(abs(x.start - e.start) <= _SCAR_REACH for x in scarred)
                       for e in found[code].evidence):
                continue
            new = code[:-1] + "S"
            if self.cm.id_of(new) >= 0 and self.cm.is_billable(new):
                self._recode(found, code, new, "sequela", f"an injury of the past whose scar is treated today "
                                                          f"({', '.join(scars)})", "I.C.19.a")

    def _gout_sites(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Gout at a joint the note names, its cause unsaid, is the idiopathic (primary) gout of
        that joint (Gout > idiopathic > site, M10.0-; Gout, chronic > idiopathic > site, M1A.0-, its
        7th character the tophus): "acute gout flare R 1st MTP" is M10.071, "chronic tophaceous gout,
        R foot (1st MTP)" M1A.0711."""
        starts = [s.start for s in sentences]
        for code in [c for c, f in found.items() if (c == _GOUT or c.startswith(_CHRONIC_GOUT) or
                                                     _sideless(c)) and f.reportable]:
            for e in found[code].evidence:
                words = sentences[sequelae.sentence_of(sentences, starts, e.start)].words
                said = set(words)
                if not said & _JOINTS or said & _GOUT_CAUSES or said & _GOUT_PAST or \
                        any(w.isdigit() and len(w) == 4 for w in words) or \
                        any(a == "h" and b == "o" for a, b in zip(words, words[1:])):
                    continue   # (a past flare's joint: "one gout flare (R 1st MTP) 8 months ago", "h/o gout")
                tophi = any(w in _TOPHI and (k == 0 or words[k - 1] not in _NO_TOPHI) for k, w in enumerate(words))
                chronic = code.startswith("M1A") or tophi or "chronic" in said
                # (the index's sites are joints: "L foot" is its "foot joint", M10.07-)
                # (said before the sentence: a "no tophi" at its end denies nothing of them)
                walk = ("idiopathic", "joint") + (("foot",) if said & _TOES else ()) + tuple(words)
                main = self.index.tree.main_terms("Gout, chronic" if chronic else "Gout, gouty")
                hit = self.index.tree.walk(main, walk_words(walk)) if main else None
                new = _finish(self.mapper, hit.code, side_words(walk)) if hit is not None else None
                if new and tophi and len(new) == 8:
                    # (the 7th character "with tophus (tophi)" where the note names them)
                    chars = self.cm.seventh_characters(new[:-1])
                    new = new[:-1] + next((c for c, d in chars.items() if d.lower().startswith("with tophus")), new[-1])
                if new and new != code and new[:5] in _IDIOPATHIC_GOUT and not new.startswith(("M10.00", "M1A.00")) \
                        and not (_sideless(code) and new[:6] != code[:6]):   # (its site kept, its side found)
                    self._recode(found, code, new, "specificity",
                                 f"gout of a named joint, no cause said: Gout > {' > '.join(hit.path)}", "M10/M1A")
                    break

    def _specified_disorders(self, text: str, found: dict[str, Finding]) -> None:
        """A postprocedural complication code whose note asks for the disorder beside it ("use
        additional code, if applicable, to further specify disorder": K91.89, G97.82, ...) gets the
        main term its mention named ("postoperative ileus": Ileus > postoperative K91.89, and Ileus
        K56.7 for the disorder)."""
        for code, f in list(found.items()):
            if not f.reportable or f.assertion is not Assertion.PRESENT or self.cm.id_of(code) < 0 or not any(
                    "specify disorder" in n.lower() for n in self.cm.notes(code, "use_additional", True)):
                continue
            for e in f.evidence[:1]:
                for w in normalize_phrase(text[e.start:e.end]):
                    if w in _PROCEDURAL_WORDS:
                        continue
                    own = next((self.index.tree.nodes[i].code for i in self.index.tree.main_terms(w)
                                if self.index.tree.nodes[i].code), None)
                    disorder = _finish(self.mapper, own, ()) if own else None
                    if disorder and disorder[:3] != code[:3] and disorder not in found:
                        _add(found, _made(disorder, [e], RuleNote(
                            "use_additional", f"{code} asks for the disorder: {w.capitalize()} {disorder}", code)))
                        break

    def _burn_map(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A burn note's map of sites by depth ("- Anterior chest: mixed deep partial and full
        thickness - 9%", "Dorsum L hand: superficial (first degree) erythema only": parts that do
        not say "burn" themselves): each site its burn at the highest depth said there (Burn > site
        > degree; the index's "partial thickness - code as Burn, by site, second degree", "full
        thickness skin loss - ... third degree"). Only in a note that names a burn; a part that
        lists several sites, or one a burn mention already coded, is left to the mentions."""
        if not _BURN_NOTE.search(text):
            return
        starts = self.index.tree.main_terms("Burn")
        if not starts:
            return
        coded = [e for c, f in found.items() if _BURN_SITE.match(c) and c[4] != "0" for e in f.evidence]
        # (the map details the burns the assessment states: "Thermal burns 23% TBSA - chest, ...")
        assessed = next((e for c, f in found.items() if (_BURN_SITE.match(c) or c.startswith("T30")) and f.reportable
                         for e in f.evidence if e.section in DIAGNOSIS_SECTIONS), None)
        sentence_starts = [s.start for s in sentences]
        for part in _BURN_PARTS.finditer(text):
            a, b = part.span()
            said = list(_DEGREE_WORDS.finditer(text, a, b))
            if not said or any(a <= e.start < b for e in coded):
                continue
            site = text[a:said[0].start()]
            if not self.index.tree.site_words.intersection(normalize_phrase(site.replace("/", " "))) and \
                    (after := _SITE_AFTER.match(text, said[-1].end(), b)) is not None:
                # (or right after it: "erythema without blisters (1st degree) over R volar forearm")
                site = text[after.end():b]
            if "," in site or _BURN_NOTE.search(text, a, b) or \
                    _NO_BURN.search(text, max(a, said[0].start() - 12), said[0].start()):
                continue   # several sites, or "no full-thickness areas"
            degree = max(_DEGREES[m.group(1).lower().replace(" ", "-")] for m in said)
            words = tuple(w for w in normalize_phrase(site.replace("/", " ")) if w)
            words += tuple(x for w in words for x in _BURN_SITES.get(w, ()))
            if "upper" in words and "arm" in words:
                words += ("above", "elbow")   # the tabular's upper arm is the index's "above elbow"
            words += (_ORDINALS[degree], "degree")
            checkpoint()
            hit = self.index.tree.walk(starts, walk_words(words))
            if hit is not None and (named := self.index.tabular_site(hit.code, words)) is not None:
                hit = replace(hit, code=named)   # (the Tabular's "lower leg" beside the index's lower limb)
            code = _finish(self.mapper, hit.code, side_words(words)) if hit is not None else None
            if code is None or not _BURN_SITE.match(code) or not code[4:5].isdigit() or int(code[4]) != degree:
                continue
            si = sequelae.sentence_of(sentences, sentence_starts, a) if sentences else 0
            section = sentences[si].section if sentences else ""
            _add(found, _made(code, [Span(a, b, section)] + ([assessed] if assessed is not None else []), RuleNote(
                "index", f"a burn map's site at its deepest: Burn > {' > '.join(hit.path)} (I.C.19.d.2)")))
        # a burn's blisters are its second degree (Burn > blisters), no nonthermal blister (S-0.2-)
        if any(_BURN_SITE.match(c) and f.reportable for c, f in found.items()):
            for c, f in found.items():
                if c[:1] == "S" and f.reportable and self.cm.id_of(c) >= 0 and \
                        self.cm.description(c).startswith("Blister (nonthermal)"):
                    f.reportable = False
                    f.notes.append(RuleNote("not_reported", "a burn note's blisters are the burn's (Burn > blisters)"))
                elif c == _ERYTHEMA and f.reportable:
                    f.reportable = False   # (Burn > erythema - code as Burn, first degree)
                    f.notes.append(RuleNote("not_reported", "a burn note's erythema is the burn's first degree"))
        # one site, one burn: its highest degree (I.C.19.d.2); a chemical burn is the site's corrosion
        # (T2x.4-7), never also its thermal burn
        by_site: dict[tuple[str, str], list[str]] = {}
        for c, f in found.items():
            if _BURN_SITE.match(c) and f.reportable and c[4].isdigit():
                by_site.setdefault((c[:4], c[5:7]), []).append(c)
        for group in by_site.values():
            keep = max(group, key=lambda c: (c[4] >= "4", int(c[4]) % 4))
            for c in group:
                if c != keep and found[c].reportable:
                    found[keep].evidence += [e for e in found[c].evidence if e not in found[keep].evidence]
                    found[c].reportable = False
                    found[c].notes.append(RuleNote("not_reported", f"one burn per site, its highest degree: {keep} "
                                                                   "(I.C.19.d.2)", keep))

    def _burn_site_list(self, text: str, found: dict[str, Finding]) -> None:
        """A burn said of a list of sites is a burn of each, at its degree ("Full-thickness (3rd degree)
        burns of the anterior chest wall, abdominal wall and R upper arm": T21.31XA, T21.32XA and
        T22.331A; I.C.19.d: each site coded): Burn > the item's site > the degree."""
        starts = self.index.tree.main_terms("Burn")
        for code, f in list(found.items()):
            if not (starts and _BURN_DEGREE.match(code) and code[4] in "123" and f.reportable):
                continue
            for e in f.evidence:
                tail = _LIST_TAIL.match(text, e.end)
                if tail is None:
                    continue
                for item in _LIST_ITEM.split(tail.group(0)):
                    if _DEGREE_WORDS.search(item) or _BURN_NOTE.search(item):
                        break   # (the next burn, its own degree: "..., partial-thickness burn of R forearm")
                    words = tuple(w for w in normalize_phrase(item.replace("/", " ")) if w)
                    if not words or not self.index.tree.site_words.intersection(words):
                        continue
                    words += tuple(x for w in words for x in _BURN_SITES.get(w, ()))
                    words += (_ORDINALS[int(code[4])], "degree")
                    if not any(w in SIDES for w in words):
                        # (the side of the burn the list follows: "burn of the R forearm and hand")
                        title = self.cm.description(code).lower().split()
                        words += tuple(x for x in ("right", "left") if x in title)
                    checkpoint()
                    hit = self.index.tree.walk(starts, walk_words(words))
                    if hit is not None and (named := self.index.tabular_site(hit.code, words)) is not None:
                        hit = replace(hit, code=named)
                    new = _finish(self.mapper, hit.code, side_words(words)) if hit is not None else None
                    if new is None or not _BURN_DEGREE.match(new) or new[4] != code[4] or new in found \
                            or new[-1:] != code[-1:]:
                        continue
                    at = e.end + tail.group(0).find(item)
                    _add(found, _made(new, [Span(at, at + len(item), e.section)], RuleNote(
                        "index", f"a burn of a list of sites, each at its degree: Burn > {' > '.join(hit.path)} "
                                 "(I.C.19.d)", code)))

    def _burn_degrees(self, text: str, found: dict[str, Finding]) -> None:
        """A burn of several degrees at one site is coded to the highest (I.C.19.d.2): "mixed 2nd
        and 3rd degree burn of L palm" is T23.352-, the degrees read in the burn's own clause; a burn
        coded without its degree takes the one said ("partial-thickness burn of the back of the L
        hand": Burn > partial thickness - code as ... second degree, T23.262-)."""
        for code in [c for c, f in found.items() if _BURN_SITE.match(c) and c[4:5].isdigit() and f.reportable]:
            said = 0
            for e in found[code].evidence:
                # (the words after another burn: "full-thickness burn of R forearm and partial-thickness
                # burn of R palm" says the palm's is partial)
                before = re.split(r"[.;,:\n]|\bburns?\b", text[max(0, e.start - _BURN_REACH):e.start], flags=re.I)[-1]
                clause = before + text[e.start:e.end]
                said = max([said] + [_DEGREES[w.lower().replace(" ", "-")] for w in _DEGREE_WORDS.findall(clause)])
            if not said and code[4] in "04":
                # a burn of no degree takes the one degree its sentence says of a burn ("burn scar contracture
                # of R axilla ..., sequela of a full-thickness (3rd degree) flame burn 2 yrs ago": T22.341S)
                degrees = {_DEGREES[w.lower().replace(" ", "-")] for e in found[code].evidence
                           for w in _DEGREE_WORDS.findall(_sentence_around(text, e.start, e.end))}
                said = degrees.pop() if len(degrees) == 1 else 0
            corrosion = 4 if code[4] >= "4" else 0
            if said and said > int(code[4]) - corrosion:
                new = code[:4] + str(said + corrosion) + code[5:]
                self._recode(found, code, new, "specificity", f"a burn of degree {said} at this site, its highest",
                             "I.C.19.d.2")

    def _burn_extent(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """The extent of the body surface burned (T31, corrosions T32) where the note gives the TBSA
        at a burn's first encounter (I.C.19.d.6): "TBSA 18%, of which 4% full thickness" is
        T31.10. Its 4th character is the tens of the total, its 5th those of the third degree."""
        burns = [c for c, f in found.items() if _BURN_DEGREE.match(c) and f.reportable and c[-1:] == "A"]
        if not burns:
            return
        # ("under 10% TBSA": below the number)
        totals = [(float(m.group(1) or m.group(2)) - (0.5 if _BELOW.search(text, max(0, m.start() - 12), m.start())
                                                      or _BELOW.search(m.group(0)) else 0), m)
                  for m in _TBSA.finditer(text)]
        if not totals:
            return
        total, m = max(totals, key=lambda t: t[0])
        if not 0 < total <= 100:
            return
        # ("5% full thickness" says the third degree's share; "TBSA (2nd + 3rd degree) 15%" is a sum's label)
        deep = list(_THIRD_DEGREE.finditer(text))
        third = max((float(t.group(1)) for t in deep if t.group(1)), default=None)
        if third is None:
            third = max((float(t.group(2)) for t in deep if t.group(2) and "+" not in text[max(0, t.start() - 8):t.start()]),
                        default=0.0)
        tens = min(9, int(total // 10))
        category = "T32" if all(int(c[4]) >= 4 for c in burns) else "T31"
        new = f"{category}.0" if tens == 0 else f"{category}.{tens}{min(tens, int(min(third, total) // 10))}"
        if self.cm.id_of(new) < 0 or not self.cm.is_billable(new):
            return
        section = sentences[sequelae.sentence_of(sentences, [s.start for s in sentences], m.start())].section \
            if sentences else ""
        # (the extent of the burns the assessment states, wherever the note measures it)
        assessed = next((e for c in burns for e in found[c].evidence if e.section in DIAGNOSIS_SECTIONS), None)
        _add(found, _made(new, [Span(m.start(), m.end(), section)] + ([assessed] if assessed is not None else []),
                          RuleNote("index", f"burns of {total:g}% of the body surface, {third:g}% third degree: "
                                            f"{new} (I.C.19.d.6)")))

    def _rejection(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A transplanted organ's rejection (Rejection > transplant > organ): "acute T-cell mediated
        rejection of kidney allograft" -> T86.11; the rejection names the transplant (no Z94.0)."""
        starts = self.index.tree.main_terms("Rejection")
        if not starts:
            return
        assertion = self._assertions(sentences)
        # the one organ the note's transplant status names ("s/p kidney transplant 2021 ... allograft
        # bx: acute T-cell mediated rejection": the kidney's)
        organs = {c for c, f in found.items() if c.startswith(_TRANSPLANT_STATUS) and f.reportable}
        organ = tuple(w for w in normalize_phrase(self.cm.description(next(iter(organs))))
                      if w not in ("transplant", "status")) if len(organs) == 1 else ()
        for si, s in enumerate(sentences):
            words = s.words
            k = next((i for i, w in enumerate(words) if w == "rejection"), None)
            if k is None or assertion(si, k, k + 1) is not Assertion.PRESENT:
                continue
            near = words[max(0, k - _REJECTION_REACH):k + 7]
            if not _GRAFTS & set(near) and not (organ and _REJECTION_KINDS & set(near)):
                continue   # ("food rejection", "rejection sensitivity")
            said = ["transplant"] + [w for w in near if w not in _GRAFTS]
            hit = self.index.tree.walk(starts, walk_words(said))
            if (hit is None or len(hit.path) < 2) and organ:
                hit = self.index.tree.walk(starts, walk_words(["transplant", *organ, *said[1:]]))
            if hit is None or not hit.code.startswith("T86") or len(hit.path) < 2:
                continue
            code = _finish(self.mapper, hit.code, said)
            if code is None or self.cm.id_of(code) < 0 or not self.cm.is_billable(code):
                continue
            _add(found, _read(code, s, max(0, k - 1), k + 1, RuleNote(
                "index", "Alphabetic Index: Rejection > " + " > ".join(hit.path) + " (I.C.19.g.3)")))
            # (the organ's transplant status it includes: ``_DEVICE_COMPLICATIONS``, in ``_complications``)

    def _graft_versus_host(self, found: dict[str, Finding]) -> None:
        """Graft-versus-host disease (D89.81-) is its transplant's complication, coded first as its
        code-first note asks: the T86 code of the transplant the note's status names ("s/p
        allogeneic PBSC transplant ... acute GVHD of the gut": T86.5, D89.810; no Z94.84)."""
        gvhd = next((c for c, f in found.items() if c.startswith(_GVHD) and f.reportable
                     and f.assertion is Assertion.PRESENT), None)
        if gvhd is None:
            return
        for complication, statuses in _DEVICE_COMPLICATIONS:
            if not (isinstance(complication, str) and complication.startswith("T86")) or not any(
                    c.startswith(statuses) and f.reportable for c, f in found.items()):
                continue
            code = complication if self.cm.is_billable(complication) else next(
                (c for c in self._leaves(complication) if self.cm.description(c).lower().startswith("other")), None)
            if code is not None:
                f = found[gvhd]
                _add(found, Finding(code, CodeSystem.ICD10CM, f.confidence, list(f.evidence), f.assertion,
                                    notes=[RuleNote("code_first", f"{gvhd} (graft-versus-host disease): code first "
                                                                  f"the transplant's complication, {code}")]))
            return

    def _leaves(self, code: str) -> list[str]:
        """The billable codes under ``code`` in the Tabular, in its order."""
        out = []
        for c in self.cm.children(code):
            out.extend([c] if self.cm.is_billable(c) else self._leaves(c))
        return out

    def _old_infarct(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A myocardial infarction the note dates more than 4 weeks back is the old one, I25.2
        (I.C.9.e.1: I21 for 4 weeks from onset): "NSTEMI 3/2 - >4 wks ago, recovered"."""
        starts = [s.start for s in sentences]
        latest = max((int(y) for y in _YEAR.findall(text)), default=0)
        for code in [c for c, f in found.items() if c[:3] in ("I21", "I22") and f.reportable]:
            f = found[code]
            spans = [sentences[sequelae.sentence_of(sentences, starts, e.start)] for e in f.evidence]
            # (or dated by a year before the latest the note gives: "NSTEMI in March 2019 ... echo (2023)")
            if spans and all(_OLDER_THAN_4_WEEKS.search(text[s.start:s.end]) or
                             any(int(y) < latest for y in _YEAR.findall(text[s.start:s.end])) for s in spans):
                self._recode(found, code, "I25.2", "history_code", "an infarction more than 4 weeks old",
                             "I.C.9.e.1")

    def _varices_in(self, found: dict[str, Finding]) -> None:
        """Esophageal varices in a patient whose cirrhosis or portal hypertension the note codes are
        the secondary ones (Varix > esophagus > in (due to) > cirrhosis of liver: I85.1-, the liver
        disease coded first), wherever in the note each is said (the index's "in" presumes the link)."""
        starts = self.index.tree.main_terms("Varix")
        liver = [c for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT
                 and c[:3] in ("K70", "K71", "K74", "K76") and self.cm.id_of(c) >= 0]
        if not starts or not liver:
            return
        for code in [c for c, f in found.items() if c.startswith("I85.0") and f.reportable]:
            for c in liver:
                words = ["esophagus", "in", *normalize_phrase(self.cm.description(c))]
                if code.endswith("1"):
                    words += ["with", "bleeding"]
                hit = self.index.tree.walk(starts, walk_words(words))
                new = hit.code if hit is not None else ""
                if code.endswith("1") and new.startswith("I85.1") and not new.endswith("1") and \
                        self.cm.id_of(new[:-1] + "1") >= 0:
                    new = new[:-1] + "1"   # (the bleeding the varices' own code said stays said)
                if new.startswith("I85.1") and self.cm.is_billable(new):
                    self._recode(found, code, new, "combination",
                                 f"varices in {c}: Alphabetic Index > Varix > " + " > ".join(hit.path), "I.A.15")
                    break

    def _associated_said(self, text: str, found: dict[str, Finding]) -> None:
        """A condition said in the words of a code whose "use additional code for any associated X"
        names it: "neutropenic fever" is D70.- and, by D70's note, the fever R50.81 beside it."""
        for code, f in list(found.items()):
            if f.system is not CodeSystem.ICD10CM or not f.reportable or f.assertion is not Assertion.PRESENT:
                continue
            said = {w for e in f.evidence for w in normalize_phrase(text[e.start:e.end])}
            refs = self.guidelines.referenced(code, "use_additional")
            for r in refs:
                if any(c[:3] == r[:3] for c in found) or self.cm.id_of(r) < 0 \
                        or not self.cm.is_billable(r) or sum(1 for x in refs if x[:3] == r[:3]) > 1:
                    continue   # (one code the note names: "dementia" is one of G30's F02.8- codes, not said)
                head = normalize_phrase(self.cm.description(r))[:1]
                if head and head[0] in said and head[0] not in normalize_phrase(self.cm.description(code)):
                    g = f.copy()
                    g.code, g.defaults = r, []
                    g.notes = [RuleNote("use_additional", f"{code} asks for {r}: the note says it with it", code)]
                    _add(found, g)

    def _in_remission(self, text: str, found: dict[str, Finding]) -> None:
        """A leukemia or myeloma the note says is in remission ("MM dx 2022, auto-SCT 2023; in
        stringent CR since") is its "in remission" code, wherever the note says it (C90.01, not
        C90.00); a relapse or a refractory disease keeps the code it has."""
        denied = [m.span() for m in _NOT_REMITTED.finditer(text)]
        if denied and all(any(a <= m.start() < b for a, b in denied) for m in _IN_REMISSION.finditer(text)):
            # ... and one the note says has not reached it ("AML, not yet in remission (remission status to
            # be determined on day 28 marrow)") is its "not having achieved remission" code (C92.00)
            for code in [c for c, f in found.items() if f.reportable and "C81" <= c[:3] <= "C96"
                         and self.cm.id_of(c) >= 0 and self.cm.description(c).endswith("in remission")]:
                new = code[:-1] + "0"
                if self.cm.id_of(new) < 0 or not self.cm.description(new).endswith("not having achieved remission"):
                    continue
                if new in found:
                    found[new].merge(found.pop(code))   # (the HPI's own mention of it read so already)
                else:
                    self._recode(found, code, new, "specificity", "the note says it is not in remission", "C90-C95")
            return
        if not _IN_REMISSION.search(text) or _NO_REMISSION.search(text):
            return
        for code in [c for c, f in found.items() if f.reportable and "C81" <= c[:3] <= "C96"
                     and self.cm.id_of(c) >= 0 and self.cm.description(c).endswith("not having achieved remission")]:
            new = code[:-1] + "1"
            if self.cm.id_of(new) >= 0 and self.cm.description(new).endswith("in remission") and new not in found:
                self._recode(found, code, new, "specificity", "the note says it is in remission", "C90-C95")

    def _ingestion_ruled_out(self, text: str, found: dict[str, Finding]) -> None:
        """A suspected ingestion observed and ruled out is the observation Z03.6, no poisoning
        ("found with grandmother's clonidine bottle ... observed 6 h ... Ingestion ruled out", I.C.21.c.6)."""
        m = _INGESTION_RULED_OUT.search(text)
        if m is None:
            return
        for c in [c for c in found if poisoning(c)]:
            del found[c]
        # (a swallowed object is the ingested foreign body's observation: "battery count confirmed
        # complete. Ingestion ruled out", Z03.821)
        code, what = ("Z03.821", "foreign body") if _SWALLOWED_OBJECT.search(text) else ("Z03.6", "toxic substance")
        _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(m.start(), m.end())], Assertion.PRESENT,
                            [RuleNote("encounter", f"observation for a suspected ingested {what} ruled out "
                                                   f"({code}, I.C.21.c.6)")], source="lexicon"))

    def _asymptomatic_hiv(self, text: str, found: dict[str, Finding]) -> None:
        """HIV without symptoms, AIDS or an HIV-related illness is the status Z21, not the disease
        B20 (I.C.1.a.2.d): "HIV positive", "known HIV", or HIV "never had an OI or AIDS-defining
        illness"; a note that says AIDS keeps B20."""
        f = found.get("B20")
        if f is None or not f.reportable or not _HIV_STATUS.search(text) or _AIDS.search(text):
            return
        self._recode(found, "B20", "Z21", "hiv_status", "HIV with no symptom, AIDS or related illness", "I.C.1.a.2.d")

    def _transplanted_kidney(self, text: str, found: dict[str, Finding]) -> None:
        """The end-stage renal disease a kidney transplant was done for is gone once the graft
        works (I.C.14.a.2: Z94.0, with an N18 stage only where the note documents the graft's CKD):
        "DDKT 2021 for ESRD 2/2 IgA nephropathy. Graft function stable" is Z94.0, not N18.6."""
        esrd, status = found.get("N18.6"), found.get("Z94.0")
        if esrd is None or status is None or not esrd.reportable or not status.reportable:
            return
        # (or the ESRD the sentence then says was transplanted: "ESRD 2017 due to IgA nephropathy, s/p
        # kidney transplant 2018 - stable graft")
        if all(_FOR_TRANSPLANT.search(text[max(0, e.start - _REASON_REACH):e.start]) or
               _TRANSPLANTED_SINCE.match(text, e.end) for e in esrd.evidence):
            esrd.reportable = False
            esrd.notes.append(RuleNote("not_reported", "the ESRD the kidney transplant was done for: Z94.0 "
                                       "(I.C.14.a.2)", "Z94.0"))

    def _site_named(self, found: dict[str, Finding]) -> None:
        """A site-unspecified code whose index entry sends each site elsewhere yields to the
        site's code the note gives ("UTI ... acute pyelonephritis": Infection > urinary > kidney
        - see Infection, kidney: N10, not N39.0 beside it)."""
        tree = self.index.tree
        for code, f in list(found.items()):
            if not f.reportable or self.cm.id_of(code) < 0 or \
                    "site not specified" not in self.cm.description(code).lower():
                continue
            sites = set()
            for i in (*tree.subterms_by_code.get(code, ()), *tree.by_code.get(code, ())):
                for c in tree.nodes[i].children:
                    target = tree.resolve(tree.nodes[c].see) if tree.nodes[c].see else None
                    if target is not None:
                        sites |= self._codes_under(target)
            other = next((o for o, g in found.items() if o != code and g.reportable and o[:3] in sites), None)
            if other is not None:
                f.reportable = False
                f.notes.append(RuleNote("not_reported", f"{other} names the site: {code} (site not specified) "
                                                        "not reported", other))

    def _codes_under(self, i: int, depth: int = 3) -> set[str]:
        """The categories (first three characters) of the codes an index entry and its subterms give."""
        tree = self.index.tree
        out, todo = set(), [(i, 0)]
        while todo:
            n, d = todo.pop()
            if tree.nodes[n].code:
                out.add(tree.nodes[n].code[:3])
            if d < depth:
                todo.extend((c, d + 1) for c in tree.nodes[n].children)
                todo.extend((t, depth) for t, _ in tree.references(n) if d == 0)   # "see also Pyelonephritis"
        return out

    def _classified_elsewhere(self, code: str) -> str | None:
        """The "due to (disease) classified elsewhere" subterm of the entry that gives ``code``
        (Dysfunction > sexual > male > erectile > due to > disease classified elsewhere: N52.1)."""
        tree = self.index.tree
        entries = [*tree.by_code.get(code, ()), *tree.subterms_by_code.get(code, ())]
        todo = [(c, 0) for i in entries for c in tree.nodes[i].children]
        while todo:
            i, depth = todo.pop(0)
            node = tree.nodes[i]
            if {"classified", "elsewhere"} <= set(node.words) and node.code and not node.code.endswith("-"):
                return node.code if self.cm.id_of(node.code) >= 0 else None
            if depth < 1 and node.words in ((), ("due",)):   # the connective "due to" holds it
                todo.extend((c, depth + 1) for c in node.children)
        return None

    def _late_effect_of_drug(self, words: list[str]) -> bool:
        """Whether the words call a drug's effect a "late effect" ("late effect of heroin OD", "neuropathy,
        oxaliplatin, late effect"): a drug the Table of Drugs names within a few words of it."""
        return any(words[i:i + 2] == ["late", "effect"] and
                   self.drug_effects.names_drug(words, i - _LATE_EFFECT_REACH, i + 3 + _LATE_EFFECT_REACH)
                   for i in range(len(words) - 1))

    def _drug_effects(self, text: str, sentences: list[Sentence], found: dict[str, Finding],
                      inpatient: bool = False) -> None:
        """Poisoning by intent, adverse effect and underdosing codes (Table of Drugs, I.C.19.e)."""
        # (a sequela the note only warns of is none: "Delayed neuropsych sequelae discussed")
        # ("neuropathy - late effect of oxaliplatin": a sequela too, I.C.19.a; not "late effect of cerebral
        # infarction" beside an anticoagulant's bleeding)
        encounter = "S" if any(({"sequela", "sequelae"} & set(s.words) or self._late_effect_of_drug(s.words))
                               and not _SEQUELA_ADVICE & set(s.words) for s in sentences) else \
            "D" if _AFTER_DISCHARGE.search(text) else "A"   # ("clinic f/u 10 days after discharge for intentional
        # acetaminophen overdose": the recovery after active treatment, I.C.19.a)
        taken: list[Span] = []   # the drugs a poisoning names
        starts = [s.start for s in sentences]
        conditions = {bisect_right(starts, e.start) - 1 for c, f in found.items()
                      if f.system is CodeSystem.ICD10CM and c[:1] not in "ZVWXY" for e in f.evidence}
        for e in self.drug_effects.find(text, sentences, encounter, conditions, inpatient=inpatient):
            rule = self.sections.rules.get(sentences[e.sentence].section)
            if rule is not None and rule.assertion is Assertion.FAMILY:
                continue   # a relative's overdose ("FAMILY HX: Mother - opioid overdose (deceased)"); a
                # relative's drug the patient took stays the patient's poisoning ("grandmother's clonidine")
            note = RuleNote("drug_table", f"Table of Drugs: {e.drug}, {e.intent.replace('_', ' ')} (I.C.19.e)")
            code = e.code
            if code.endswith("A") and _RESIDUAL & set(sentences[e.sentence].words) and \
                    self.cm.id_of(code[:-1] + "S") >= 0:
                # "residual oxaliplatin-induced neuropathy" 14 months after the last cycle: the
                # effect's sequela (I.C.19.a, the residual condition first), T45.1X5S
                code = code[:-1] + "S"
            f = _read(code, sentences[e.sentence], e.tok_start, e.tok_end, note)
            _add(found, f)
            if e.intent not in ("adverse_effect", "underdosing") and not drug_effects.taken_in_excess(
                    text[sentences[e.sentence].start:sentences[e.sentence].end]):
                taken.extend(f.evidence)   # (one of the regimen taken in excess stays the regimen's)
        # a drug taken in an overdose is the poisoning's, not a regimen ("taking about 20 of her own
        # zolpidem tabs in a suicide attempt": T42.6X2A, no Z79.899 from that mention)
        for c in [c for c in found if c.startswith("Z79") and taken]:
            f = found[c]
            f.evidence = [e for e in f.evidence if not any(t.start <= e.start < t.end for t in taken)]
            if not f.evidence:
                del found[c]

    def _complications(self, sentences: list[Sentence], found: dict[str, Finding], inpatient: bool = False) -> None:
        """Complications of care (T81-T85, I.C.19.g) by the index's Complication and Infection
        entries; the device's status code and the plain joint infection of its sentence say less
        ("periprosthetic joint infection R TKA": T84.53XA, not M00.9 nor Z96.651)."""
        assertions = self._assertions(sentences)
        hits = complications.find(self.index.tree, sentences, assertions, inpatient)
        # (an organ torn or bleeding because of the operation: not an injury, not a bleed of no cause)
        surgical = complications.find_surgical(self.index.tree, sentences, assertions, inpatient)
        starts = [s.start for s in sentences]
        for h in hits + surgical:
            # (a fracture's healing is no episode of the device's complication: "painful hardware ...
            # fracture healed" is T84.84XA)
            code = _finish(self.mapper, h.code, side_words(tuple(w for w in h.words if w not in _BONE_HEALING)))
            if code is None or self.cm.id_of(code) < 0 or not self.cm.is_billable(code):
                continue
            s = sentences[h.sentence]
            note = RuleNote("index", "Alphabetic Index: " + " > ".join(h.path) + " (complication of care, I.C.19.g)")
            _add(found, _read(code, s, h.tok_start, h.tok_end, note))
            lo, hi = s.tokens[h.tok_start].start, s.tokens[h.tok_end - 1].end
            says = _COMPLICATION_SAYS + (_SURGICAL_SAYS if h in surgical else ())
            # (an organ the operation tore is no injury anywhere in the note: "repair of bladder
            # injury (cystorrhaphy)" is the accident's repair)
            torn = _ORGAN_INJURIES if h in surgical and h.path[:1] == ("intraoperative",) else ()
            for c in [c for c, f in found.items() if c != code and f.evidence and (
                    (c.startswith(says) and all(bisect_right(starts, e.start) - 1 == h.sentence
                                                for e in f.evidence)) or (torn and c.startswith(torn))
                    or (c.startswith("T8") and all(lo <= e.start and e.end <= hi for e in f.evidence)))]:
                # "joint infection" of the prosthesis's own sentence; another complication read from
                # the words of this one ("surgical site infection, umbilical port site": no port's)
                found[c].reportable = False
                found[c].notes.append(RuleNote("not_reported", f"the complication {code} says it", code))
        for device, statuses in _DEVICE_COMPLICATIONS:
            complication = next((c for c in found if c.startswith(device) and found[c].reportable), None)
            for c in [c for c in found if c.startswith(statuses)] if complication else ():
                found[c].reportable = False   # (a status the complication code includes, I.C.21.c.3)
                found[c].notes.append(RuleNote("not_reported", f"{complication} names the device", complication))

    def _prosthesis_joint(self, text: str, found: dict[str, Finding]) -> None:
        """A joint prosthesis's complication coded to an unspecified joint takes the joint its status
        names and the side said beside it ("s/p bilateral THA ... posterior dislocation of R femoral
        prosthetic head": Z96.643 and T84.029A -> T84.020A); the other side's prosthesis is still a
        status (Z96.642, I.C.21.c.3)."""
        statuses = [c for c in found if c.startswith("Z96.6")]
        joints = {self._prosthesis(c)[0] for c in statuses} - {""}
        if len(joints) != 1:
            return
        joint = joints.pop()
        for code in [c for c, f in found.items() if c.startswith("T84") and f.reportable and len(c) == 8
                     and self.cm.id_of(c) >= 0 and "unspecified" in self.cm.description(c).lower()
                     and "joint" in self.cm.description(c).lower()]:
            core = code[:7].rstrip("X")
            parent = self.mapper.parent_of(core)
            sides = {side for e in found[code].evidence
                     for m in _SIDE_SAID.finditer(text, max(0, e.start - _SIDE_REACH), e.end + _SIDE_REACH)
                     for side in (("right",) if m.group(1) else ("left",))}
            if not sides:
                sides = set().union(*(self._prosthesis(c)[1] for c in statuses))
            if len(sides) != 1 or not parent:
                continue
            side = sides.pop()
            kin = [k for k in self.cm.children(parent) if f" {side} {joint} " in f" {self.cm.description(k).lower()} "]
            new = (kin[0] + "X" * (7 - len(kin[0])) + code[7]) if len(kin) == 1 else ""
            if not new or self.cm.id_of(new) < 0 or not self.cm.is_billable(new) or new in found:
                continue
            self._recode(found, code, new, "specificity", f"the {side} {joint}: the prosthesis its status names "
                         "and the side said beside it", "I.C.19.g")
            other = {"right": "left", "left": "right"}[side]
            for c in statuses:
                if self._prosthesis(c)[1] == {"right", "left"}:
                    kept = next((k for k in self.cm.children(self.mapper.parent_of(c) or c)
                                 if self._prosthesis(k) == (joint, {other})), None)
                    if kept is not None and self.cm.is_billable(kept):
                        self._recode(found, c, kept, "status", f"the {side} {joint}'s prosthesis is {new}'s: the "
                                     f"{other} one is the status", "I.C.21.c.3")
                        found[kept].reportable = True   # (no longer one the complication code includes)
            return   # (one complication per note: the joint its status names)

    def _drug_induced(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A condition in the sentence of a drug's adverse effect is the drug's doing: its index
        entry's "drug-induced" / "due to drug" subterm gives the code ("statin-associated myopathy
        ... stop atorvastatin" with T46.6X5A: Myopathy > drug-induced, G72.0; "amiodarone-induced
        hypothyroidism": Hypothyroidism > due to > medicament, E03.2; I.C.19.e.5.a)."""
        starts = [s.start for s in sentences]
        adverse: dict[int, set[str]] = {}   # sentence -> the adverse effects' codes
        drugs: dict[int, list] = {}          # sentence -> the adverse effects' evidence
        for c, f in found.items():
            if _ADVERSE_EFFECT.match(c) and f.reportable:
                for e in f.evidence:
                    adverse.setdefault(bisect_right(starts, e.start) - 1, set()).add(c)
                    drugs.setdefault(bisect_right(starts, e.start) - 1, []).append(e)
        if not adverse:
            return
        for code, f in list(found.items()):
            if f.system is not CodeSystem.ICD10CM or code[:1] in "RSTVWXYZ" or not f.reportable or \
                    f.assertion is not Assertion.PRESENT:
                continue
            # (a code that already says its kind, type 2 diabetes, stays: only its own category's
            # drug subterm replaces it, "orthostatic hypotension due to doxazosin", I95.1 -> I95.2)
            # (an idiopathic one's cause was unknown: "sensory polyneuropathy" is Polyneuropathy > sensory
            # (hereditary) (idiopathic), G60.8, until the note names the drug, G62.0)
            kind_said = not any(w in self.cm.description(code).lower() for w in ("unspecified", "idiopathic"))
            # (in the drug's own item of a list: "PMH: PMR on chronic prednisone; glucocorticoid-induced
            # osteoporosis; hypothyroidism" says no drug-induced hypothyroidism, E03.9)
            spans = [e for e in f.evidence if (k := bisect_right(starts, e.start) - 1) in adverse and any(
                ";" not in text[min(e.end, d.end):max(e.start, d.start)] for d in drugs[k])]
            if not spans:
                continue
            said = list(dict.fromkeys(w for e in spans for w in normalize_phrase(text[e.start:e.end])))
            heads = list(dict.fromkeys(n for w in said for n in self.index.tree.main_terms(w)))
            if not kind_said:
                # (and the main term the code's own title names: "oxaliplatin-induced peripheral sensory
                # neuropathy" G62.9 is Polyneuropathy > drug-induced, G62.0)
                # (one word of the note's own inside the other: never a "dyskinesia" walked as Dystonia)
                title = normalize_phrase(self.cm.description(code))
                if title and any(len(w) > 4 and (w in title[0] or title[0] in w) for w in said):
                    heads += [n for n in self.index.tree.main_terms(title[0]) if n not in heads]
            # an antineoplastic's effect is the cancer chemotherapy's (Neutropenia > due to cancer
            # chemotherapy, D70.1)
            chemo = any(c.startswith("T45.1") for e in spans for c in adverse[bisect_right(starts, e.start) - 1])
            cause = ["due", *_DRUG_CAUSE] + (list(_CHEMOTHERAPY_CAUSE) if chemo else [])
            # the drug's class, as its Table of Drugs code's title names it ("haloperidol":
            # T43.4X5A "... butyrophenone and thiothixene neuroleptics": Parkinsonism > due to >
            # drugs > neuroleptic, G21.11)
            kinds = [w for e in spans for c in adverse[bisect_right(starts, e.start) - 1]
                     for w in normalize_phrase(self.cm.description(c)) if w not in _TITLE_FILLER
                     and w not in ("adverse", "effect", "initial", "encounter", "subsequent", "sequela")]
            if kind_said and heads:
                # a code that already says its kind keeps it: the drug's subterm under the kind's own
                # subterm ("orthostatic hypotension due to doxazosin": Hypotension > orthostatic >
                # due to drugs, I95.2), never one that leaves the kind out ("Hashimoto", "level 2")
                own = {w for h in heads for w in self.index.tree.nodes[h].words} | {"due", "to"}
                hit = self.index.tree.walk(heads, walk_words(said + ["drug"]))
                if hit is None or not (set(said) - own) <= {w for p in hit.path for w in normalize_phrase(p)}:
                    continue
            else:
                hit = self.index.tree.walk(heads, walk_words(said + cause + kinds)) if heads else None
            # (Mucositis > mouth > due to antineoplastic therapy, K12.31: the chemotherapy's own subterm)
            if hit is None or not (_DRUG_CAUSE | (_ANTINEOPLASTIC if chemo else frozenset())) & \
                    {w for p in hit.path for w in p.split()}:
                continue
            new = _finish(self.mapper, hit.code, tuple(said), tuple(said))
            if new is None or new == code or new in found or kind_said and new[:3] != code[:3]:
                continue
            self._recode(found, code, new, "index", f"a drug's adverse effect: Alphabetic Index > {' > '.join(hit.path)}",
                         "I.C.19.e.5.a")

    def _noncompliance(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Noncompliance with a medication, dialysis or diet regimen (Z91.1-) by the index's
        Noncompliance entry; beside an underdosing it says the intent (I.C.19.e.5.c)."""
        starts = [s.start for s in sentences]
        underdosed = [(bisect_right(starts, e.start) - 1, e.start, e.end) for c, f in found.items()
                      if f.reportable and _UNDERDOSING.match(c) for e in f.evidence]
        entry = self.index.tree.main_terms("Noncompliance")
        for n in noncompliance.find(text, sentences, underdosed, self._assertions(sentences)):
            hit = self.index.tree.walk(entry, frozenset(n.words))
            if hit is None or self.cm.id_of(hit.code) < 0 or not self.cm.is_billable(hit.code):
                continue
            s = sentences[n.sentence]
            note = RuleNote("index", "Alphabetic Index: Noncompliance > " + " > ".join(hit.path) + " (I.C.19.e.5.c)")
            _add(found, Finding(hit.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(n.start, n.end, s.section)],
                                Assertion.PRESENT, [note], {s.section}, source="lexicon"))

    def _with_symptoms(self, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A "without X" code becomes its "with X" sibling when the same sentence documents a
        symptom that sibling's "use additional code" note names as X ("BPH w/ nocturia": N40.0 ->
        N40.1, whose note lists nocturia R35.1 among the lower urinary tract symptoms)."""
        starts = [s.start for s in sentences]
        sentence_of = lambda f: {bisect_right(starts, e.start) - 1 for e in f.evidence}  # noqa: E731
        for c in [c for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT
                  and self.cm.id_of(c) >= 0 and " without " in self.cm.description(c).lower()]:
            want = self.cm.description(c).lower().replace(" without ", " with ", 1)
            parent = c[:-1].rstrip(".")
            sibling = next((s for s in (self.cm.children(parent) if self.cm.id_of(parent) >= 0 else ())
                            if s != c and self.cm.description(s).lower() == want and self.cm.is_billable(s)), None)
            if sibling is None or sibling in found or "symptom" not in want.split(" with ", 1)[1]:
                continue   # (the "with X" is symptoms its note lists, not an organism or organ failure it asks for)
            notes = " ".join(self.cm.notes(sibling, "use_additional", True)).lower()
            if "symptom" not in notes:
                continue
            asked = self.guidelines.referenced(sibling, "use_additional")
            said = [o for o, g in found.items() if o != c and g.reportable and g.assertion is Assertion.PRESENT
                    and any(o == r or o.startswith(r) for r in asked) and sentence_of(g) & sentence_of(found[c])]
            if not said:
                continue
            f = found.pop(c)
            f.code = sibling
            f.notes.append(RuleNote("combination", f"{c} -> {sibling}: the note documents {', '.join(said)}, "
                                                   f"which {sibling}'s note lists", c))
            _add(found, f)

    def _wandering(self, text: str, found: dict[str, Finding]) -> None:
        """Wandering in a disorder Z91.83's "code first" note names (Alzheimer's disease, a dementia
        with behavioral disturbance, autism, intellectual disability) is Z91.83: "night-time
        wandering out of the house" beside G30.1 and F02.B11; a wandering no one denies."""
        if _WANDERING_CODE in found:
            return
        first = self.guidelines.referenced(_WANDERING_CODE, "code_first")
        dementia = next((c for c, f in found.items() if first and c.startswith(tuple(first)) and f.reportable
                         and f.assertion is Assertion.PRESENT), None)
        if dementia is None:
            return
        m = next((m for m in _WANDERING.finditer(text)
                  if not _NOT_LISTED.search(text, max(0, m.start() - _DENIAL_REACH), m.start())), None)
        if m is not None:
            _add(found, _made(_WANDERING_CODE, [Span(m.start(), m.end(), "")], RuleNote(
                "code_first", f"wandering in {dementia}: {_WANDERING_CODE} (its note: code first the disorder)",
                dementia)))

    def _dementia_severity(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A dementia coded at unspecified severity whose own sentence states its stage ("Dementia with
        Lewy bodies (probable DLB by ... criteria: ...), mild stage, with psychotic disturbance") is its
        code of that severity (F02.82 -> F02.A2): the stage said after its parenthesis, where its words
        are out of the mention's reach."""
        for c in [c for c, f in found.items() if c.startswith(_DEMENTIA) and f.reportable and self.cm.id_of(c) >= 0
                  and f.assertion is Assertion.PRESENT and _UNSPECIFIED_SEVERITY in self.cm.description(c)]:
            said = {m.group(1) or m.group(2) for si in _sentences_of(sentences, found[c].evidence)
                    for m in _STAGE_SAID.finditer(text, sentences[si].start, sentences[si].end)}
            if len(said) != 1:
                continue
            want = self.cm.description(c).replace(_UNSPECIFIED_SEVERITY, said.pop().lower())
            sibling = next((d for d in self.cm.billable_descendants(c[:3]) if self.cm.description(d) == want), None)
            if sibling is not None and sibling not in found:
                self._recode(found, c, sibling, "specificity", "the dementia's stage its sentence states", "F0x")

    def _dementia_behavior(self, found: dict[str, Finding]) -> None:
        """A dementia coded without behavioral disturbance in a note that documents the patient's
        agitation elsewhere ("Alzheimer's disease ... Family reports increasing agitation in
        evenings, yelling and pushing caregivers") is its "with agitation" code (F02.811; the
        tabular's inclusion terms: restlessness, aggression, combativeness), the agitation integral."""
        agitated = [c for c, f in found.items() if c.startswith(_AGITATION) and f.reportable
                    and f.assertion is Assertion.PRESENT]
        if not agitated or any(c.startswith(_DELIRIUM) and f.reportable for c, f in found.items()):
            return   # (a delirium's agitation is the delirium's: "acute confusion and agitation ... delirium")
        for c in [c for c, f in found.items() if c.startswith(_DEMENTIA) and f.reportable and self.cm.id_of(c) >= 0
                  and "without behavioral disturbance" in self.cm.description(c).lower()]:
            stem = self.cm.description(c).lower().split(", without ")[0]
            sibling = next((d for d in self.cm.billable_descendants(c[:3])
                            if self.cm.description(d).lower() == stem + ", with agitation"), None)
            if sibling is None or sibling in found:
                continue
            if self._recode(found, c, sibling, "combination",
                            f"the note documents the patient's agitation ({', '.join(agitated)})", "F0x.x11"):
                for a in agitated:
                    found[a].reportable = False
                    found[a].notes.append(RuleNote("not_reported", f"integral to {sibling}", sibling))
                return

    def _allergy_status(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A drug allergy the assessment states ("Penicillin allergy (hives)", "allergic to sulfa")
        is the patient's allergy status, History > personal > allergy > the drug's class (Z88.0
        penicillin, Z88.2 sulfonamides, Z88.5 narcotic agent ...), by the Table of Drugs category
        and its block; not an allergic reaction of unspecified cause (T78.40). An allergy list is
        read for what it is, the status of each drug or other allergen it gives (latex Z91.040,
        peanuts Z91.010), never a diagnosis; an item it doubts or refutes is none ("Amoxicillin? -
        not an allergy per chart review"; "tolerates aspirin/NSAIDs w/o problem"; "contrast - none
        known")."""
        tree = self.index.tree
        node = tree.resolve("History, personal, allergy")
        table = self.drug_effects.table
        if node is None:
            return
        assertion = self._assertions(sentences)
        statuses: set[str] = set()   # the allergy codes the note gives
        for si, s in enumerate(sentences):
            listed = s.section == "allergies"
            if not listed and (s.section not in DIAGNOSIS_SECTIONS or not _ALLERGY_WORDS & set(s.words)):
                continue
            for k, w in enumerate(s.words):
                if w not in _ALLERGY_WORDS and not listed:
                    continue
                # the drug right before ("penicillin allergy") or after "to" ("allergic to sulfa"); an
                # allergy list's every drug ("ALLERGIES: codeine -> hives; lisinopril (angioedema)")
                spans = [(k, k + 1)] if listed else \
                    [(k - 1, k)] + ([(k + 2, k + 3)] if k + 2 < len(s.words) and s.words[k + 1] == "to" else [])
                for a, b in spans:
                    if a < 0 or b > len(s.words):
                        continue
                    if listed and _REFUTED_ALLERGY.search(_item_around(text, s.tokens[a].start, s.start, s.end)):
                        continue
                    code = self._allergen_code(s.words[a], listed, node)
                    if code is None:
                        continue
                    if self.cm.id_of(code) < 0 or assertion(si, min(a, k), max(b, k + 1)) is not Assertion.PRESENT:
                        continue
                    lo, hi = s.tokens[min(a, k)].start, s.tokens[max(b, k + 1) - 1].end
                    # the reaction it gave, in parentheses after it ("(hives)"), is its history
                    reaction = re.match(r"\s*\([^()]{1,60}\)", text[hi:s.end])
                    end = hi + reaction.end() if reaction else hi
                    for c in [c for c, f in found.items() if f.evidence and (c.startswith("T78.4") and any(
                            lo <= e.start < hi for e in f.evidence) or all(lo <= e.start and e.end <= end
                                                                           for e in f.evidence))]:
                        del found[c]   # the status, not an allergic reaction of unspecified cause
                    note = RuleNote("index", "Alphabetic Index: History > personal > allergy (I.C.21.c.3)")
                    _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(lo, hi, s.section)],
                                        Assertion.PRESENT, [note], {s.section}, source="lexicon"))
                    statuses.add(code)
                    break
        if statuses:
            self._allergy_reactions(sentences, found, statuses, node)

    def _allergen_code(self, word: str, listed: bool, node: int) -> str | None:
        """The History > personal > allergy code of an allergen said in one word: a drug by its
        class in the Table of Drugs (penicillin Z88.0), another allergen only in an allergy list
        ("latex", "peanuts", "shellfish"); None for a word that names none."""
        tree, table = self.index.tree, self.drug_effects.table
        hit = table.match(word)
        effect = hit[0].codes[4] if hit is not None and set(hit[1].split()) <= {word} else None
        if not effect:
            # an allergen that is no drug ("latex", "peanuts", "bee stings", "shellfish")
            said = _ALLERGENS.get(word, (word,))
            # (a word under no subterm of its own stops at its group: no "food NEC" for
            # "anaphylaxis")
            h = next((h for path in (said, ("food", *said)) if listed and
                      (h := tree.walk(node, walk_words(path))) is not None and h.code and
                      h.code.startswith("Z91.0") and not (len(path) > 1 and h.path[-1:] == path[:1])), None)
            return h.code if h is not None else None
        category = effect[:5].rstrip("X")
        for title in (self.cm.description(category), self.cm.description(category[:3])):
            h = tree.walk(node, walk_words(normalize_phrase(title) + ("agent",)))
            if h is not None and h.code != tree.nodes[node].code:
                return h.code
        return _ALLERGY_OTHER_DRUG

    def _allergy_reactions(self, sentences: list[Sentence], found: dict[str, Finding], statuses: set[str],
                           node: int) -> None:
        """A reaction said right after an allergen the note's allergies give is that allergy's
        history, the reason a drug is avoided ("nitrofurantoin (PCN anaphylaxis)" beside "ALLERGIES:
        penicillin - anaphylaxis"): no allergic reaction of this encounter (T78.2)."""
        starts = [s.start for s in sentences]
        for c, f in list(found.items()):
            if not c.startswith(_REACTIONS) or not f.reportable or not f.evidence:
                continue
            said = 0
            for e in f.evidence:
                s = sentences[sequelae.sentence_of(sentences, starts, e.start)]
                k = bisect_left(s.token_starts, e.start)
                before = s.words[k - 1] if 0 < k <= len(s.words) else ""
                said += bool(before) and not _HAPPENING & set(s.words) and \
                    self._allergen_code(before, False, node) in statuses   # ("PCN anaphylaxis today": now)
            if said == len(f.evidence):
                f.reportable = False
                f.notes.append(RuleNote("not_reported", "the reaction an allergy the note lists is known by: "
                                                        "its history (Z88), no reaction of this encounter"))

    def _receptor_status(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """A malignancy's receptor status, one code per receptor the note states ("ER+/PR-/HER2-",
        "ER/PR positive, HER2 negative": Z17.0, Z17.22, Z17.32), each by its Tabular title; the
        tabular's combined codes (Z17.4-) only from what the lexicon reads ("triple negative")."""
        if not any(c[:1] == "C" and f.reportable for c, f in found.items()):
            return   # the status of a malignancy the encounter codes (C50 "use additional code")
        titles = self.__dict__.get("_receptor_titles")
        if titles is None:
            titles = self.__dict__["_receptor_titles"] = {
                (r, sign): c for c in self.cm.billable_descendants("Z17") for r in _RECEPTORS.values()
                for sign in ("positive", "negative") if f"{r} receptor {sign}" in self.cm.description(c).lower()}
        combined = any(c.startswith("Z17.4") for c in found)
        starts = [s.start for s in sentences]
        read: dict[str, set[str]] = {}   # receptor -> the codes its stated status gave
        for m in _RECEPTOR_STATUS.finditer(text):
            sign = "positive" if m.group("sign").lower().lstrip("(")[:1] in ("+", "p") else "negative"
            for r in re.split(r"\s*/\s*|\s+and\s+", m.group("receptors")):
                receptor = _RECEPTORS.get(re.sub(r"[^a-z0-9]", "", r.lower()), "")
                code = titles.get((receptor, sign))
                if code is None or combined:
                    continue
                read.setdefault(receptor, set()).add(code)
                si = max(0, bisect_right(starts, m.start()) - 1)
                note = RuleNote("neoplasm", f"receptor status: {self.cm.description(code)} (C50 use additional code)")
                _add(found, Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE,
                                    [Span(m.start(), m.end(), sentences[si].section if sentences else "")],
                                    Assertion.PRESENT, [note], {sentences[si].section} if sentences else set(),
                                    source="lexicon"))
        for receptor, codes in read.items():
            # the abbreviation alone ("PR", the inclusion term "PR-" without its sign) gave the
            # other status: the stated one stands
            for (r, _), c in titles.items():
                if r == receptor and c not in codes and c in found:
                    found.pop(c)

    def _circumstances(self, text: str, found: dict[str, Finding], inpatient: bool = False) -> None:
        """BMI beside a weight diagnosis, neoplasm pain, chemotherapy and cancer follow-up
        encounters (``encounter_codes``)."""
        codes = {c for c, f in found.items() if f.reportable}
        opening = encounter_codes.exam_opening(text)
        adds = encounter_codes.circumstance_codes(text, codes, opened_on=frozenset(
            c for c in codes if any(e.start < opening for e in found[c].evidence)))
        bmi = encounter_codes.bmi_code(text, self.cm)
        # (never in a pregnancy: "BMI codes should not be assigned for pregnancy", I.C.21.c.3)
        if bmi is not None and encounter_codes.keeps_bmi(codes) and not any(c[:1] == "O" for c in codes):
            adds.append(bmi)
        exam = encounter_codes.routine_exam_code(text, {c for c, f in found.items() if f.reportable
                                                        and f.assertion is Assertion.PRESENT})
        if exam is not None and any(exam.span[0] <= e.start and e.end <= exam.span[1] for c, f in found.items()
                                    if c[:1] not in "ZVWXY" and f.system is CodeSystem.ICD10CM for e in f.evidence):
            exam = None   # a condition's own yearly visit ("Annual DM visit", "annual COPD check"): no
            # general examination (I.C.21.c.13 is for an exam without complaint or diagnosis)
        if exam is not None:
            # (a routine examination is the visit's reason: no cancer follow-up beside it, Z08,
            # unless the note is an oncology visit's: "Onc surveillance: ... Annual exam ... NED")
            adds = [a for a in adds if a.code != "Z08" or encounter_codes.oncology_visit(text)] + [exam]
        elif not inpatient and not any(c.startswith("Z01.81") for c in found):   # (a stay's own pre-op check)
            pre = encounter_codes.preprocedural_exam_code(text)
            if pre is not None:
                adds.append(pre)
        closure = self._ostomy_closure(text)
        if closure is not None:
            adds.append(closure)
        after = _completed_treatment_follow_up(text, found) if not inpatient and not any(
            a.code == "Z08" for a in adds) else None
        if after is not None:
            adds.append(after)
        check = self._device_interrogation(text) if not inpatient else None
        if check is not None:
            adds.append(check)
        device = self._device_visit(text, codes) if not inpatient else None
        if device is not None:
            adds.append(device)
        for e in adds:
            f = Finding(e.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(*e.span)], Assertion.PRESENT,
                        [RuleNote("encounter", e.why)], set(), source="lexicon")
            _add(found, f)
        for c in [c for c, f in found.items() if exam is not None and exam.code.startswith(_WELL_CHILD)
                  and c.startswith(_WELL_CHILD_SCREENINGS) and f.reportable]:
            found[c].reportable = False   # a well-child exam's hemoglobin, lead and development screens
            found[c].notes.append(RuleNote("not_reported", f"inherent to the routine child examination {exam.code}: "
                                                           "no screening code (I.C.21.c.5)", exam.code))
        for visit, statuses in _DEVICE_ENCOUNTERS if check is not None else ():
            for c in [c for c, f in found.items() if c.startswith(statuses) and f.reportable and visit in found]:
                found[c].reportable = False   # (a status the encounter's code includes, I.C.21.c.3)
                found[c].notes.append(RuleNote("not_reported", f"{visit} names the device", visit))

    def _device_interrogation(self, text: str) -> "encounter_codes.EncounterCode | None":
        """A visit that interrogates or reprograms an implanted cardiac device ("IN-OFFICE
        PACEMAKER INTERROGATION", "ICD interrogated, reprogrammed"): Interrogation > cardiac
        pacemaker Z45.018 (> cardiac defibrillator Z45.02), the encounter's reason, which the
        device's presence (Z95.0, Excludes1) does not add to."""
        m = _INTERROGATION.search(text[:_INTERROGATION_REACH])
        if m is None or _EARLIER_CHECK.search(text, m.start(), _CLAUSE_END.search(text, m.end()).start()):
            return None   # ("interrogation of her PPM last month was normal": another visit's)
        device = (m.group("d1") or m.group("d2")).lower()
        # (the index reads "cardiac" as "heart")
        words = ("heart",) + _INTERROGATED.get(device.replace("-", "").replace(" ", ""), ("pacemaker",))
        code = self._index_code("Interrogation", words)
        if code is None or not code.startswith("Z45"):
            return None
        return encounter_codes.EncounterCode(code, m.span(), "Interrogation > " + " ".join(words) +
                                             " (an implanted device's check, the encounter's reason)")

    def _device_visit(self, text: str, codes: set[str]) -> "encounter_codes.EncounterCode | None":
        """A visit held to insert, remove or replace a device (``_DEVICE_VISIT``, said where the note
        states its reason): the index's entry for the action and the device, a chapter 21 code
        (Z30.43-, Z30.46, Z46.6, Z48.03), the encounter's reason; none beside a complication of a
        device, whose code is the reason (T83.3-)."""
        if any(c[:3] in ("T82", "T83", "T84", "T85") for c in codes):
            return None
        m = _DEVICE_VISIT.search(text[:_DEVICE_VISIT_REACH])
        if m is None:
            return None
        acts = [a.lower() for a in (m.group("act"), m.group("act2"), m.group("act3"), m.group("act4")) if a]
        # ("removal and reinsertion": the new device's, Reinsertion)
        act = "reinsertion" if len(acts) > 1 and acts[0] == "removal" else acts[0]
        said = normalize_phrase(m.group("obj") or m.group("obj2"))
        words = tuple(x for w in said for x in _DEVICE_WORDS.get(w, (w,)))
        action = _ACTION_TERMS[act]
        tree = self.index.tree
        hit = tree.walk(tree.main_terms(action.capitalize()), walk_words(words))
        entry = next((e for w, e in _DEVICE_ENTRIES.items() if w in words), None)
        if entry is not None:
            # (the device's own entry names the action: Intrauterine contraceptive device > replacement)
            own = tree.walk(tree.main_terms(entry), walk_words((action,)))
            hit = own or hit
        path = {w for p in hit.path for w in p.split()} if hit is not None else set()
        if hit is None or not path - _GENERIC_DEVICE:
            return None
        code = _finish(self.mapper, hit.code, words, words)
        if code is None or code[:1] != "Z":
            return None
        return encounter_codes.EncounterCode(code, m.span(), f"{action.capitalize()} > " + " > ".join(hit.path) +
                                             " (the device the visit is held for, I.C.21.c)")

    def _ostomy_closure(self, text: str) -> "encounter_codes.EncounterCode | None":
        """An encounter to close an artificial opening ("admitted electively for Hartmann reversal
        (colostomy takedown ...)", "Procedure: loop ileostomy closure"): Attention (to) > the opening
        (Z43.-, whose inclusion term is "closure of artificial openings"), not its status (Z93) nor
        the disease it was made for; one closed before ("s/p colostomy reversal 2019") or planned is
        another encounter's."""
        for m in _OSTOMY_CLOSURE.finditer(text):
            before = text[max(0, m.start() - _CLOSURE_BEFORE):m.start()]
            if _CLOSURE_EARLIER.search(before) or _CLOSURE_LATER.match(text, m.end()):
                continue
            opening = (m.group(1) or m.group(2)).lower()
            word = "colostomy" if opening.startswith("hartmann") else opening
            code = self._index_code("Attention", (word,))
            if code is not None and code.startswith("Z43"):
                return encounter_codes.EncounterCode(code, m.span(), "encounter for closure of an artificial "
                                                                     "opening: attention to it (Z43, I.C.21.c.7)")
        return None

    def _surgical_aftercare(self, doc: Document, found: dict[str, Finding], rehab: bool) -> None:
        """A visit for the healing after an operation: its aftercare code (Z47.1, Z48.3, Z48.81-;
        ``encounter_codes.surgical_aftercare``), first-listed; the condition the operation treated
        and removed is no longer coded, nor the suture removal or follow-up the aftercare includes
        (I.C.21.c.7). An inpatient stay has one only where it is a rehabilitation stay (``rehab``)."""
        if doc.setting is Setting.INPATIENT and not rehab:
            return
        reportable = {c for c, f in found.items() if f.reportable and f.assertion is Assertion.PRESENT}
        spans = {c: [(e.start, e.end) for e in f.evidence] for c, f in found.items()
                 if f.system is CodeSystem.ICD10CM}
        care = encounter_codes.surgical_aftercare(doc.text, spans, reportable,
                                                  rehab=doc.setting is Setting.INPATIENT)
        if care is None:
            return
        e = care.code
        if (e is None or e.code != "Z48.3") and care.reason is not None:
            lo, hi = care.reason
            treated = {c for c, sp in spans.items() if c[:1] not in "ZCT" and any(lo <= a and b <= hi for a, b in sp)}
            # (and the organ's condition said elsewhere: "Path: acute and chronic cholecystitis with
            # cholelithiasis" of the gallbladder removed for "biliary colic with acute cholecystitis")
            treated |= {c for c in spans if c[:1] not in "ZCTM" and any(c[:3] == t[:3] for t in treated)}
            for c in treated:
                found[c].reportable = False   # "s/p lap chole for cholelithiasis": removed, not coded
                found[c].notes.append(RuleNote("not_reported", "the condition the operation treated and removed "
                                                               "(I.C.21.c.7)"))
        if e is None:
            return
        for c in [c for c in found if c.startswith(_AFTERCARE_INCLUDES)]:
            found[c].reportable = False
            found[c].notes.append(RuleNote("not_reported", f"{e.code}, the aftercare, includes it", e.code))
        _add(found, Finding(e.code, CodeSystem.ICD10CM, READ_CONFIDENCE, [Span(*e.span)], Assertion.PRESENT,
                            [RuleNote("encounter", e.why)], set(), source="lexicon"))

    def _injury_aftercare(self, found: dict[str, Finding]) -> None:
        """An injury's aftercare is its own code with 7th character D, never an aftercare Z code
        (I.C.21.c.7): "2 wks s/p ORIF of L trimalleolar fx, sutures removed" is S82.852D, no Z48.02."""
        healing = next((c for c, f in found.items() if c[:1] in "ST" and len(c) == 8 and c[-1] == "D" and f.reportable),
                       None)
        if healing is None:
            return
        for c in [c for c, f in found.items() if c.startswith(_AFTERCARE_Z) and f.reportable]:
            found[c].reportable = False
            found[c].notes.append(RuleNote("not_reported", f"an injury's aftercare is {healing}, its subsequent "
                                                           "encounter (I.C.21.c.7)", healing))

    def _long_term_drugs(self, text: str, sentences: list[Sentence], found: dict[str, Finding]) -> None:
        """Z79 codes for the drugs the patient takes long term (I.C.21.c.3)."""
        cancer = any(c[:1] == "C" and f.reportable and f.assertion is Assertion.PRESENT for c, f in found.items())
        opioid_disorder = any(c.startswith(("F11.1", "F11.2")) and f.reportable for c, f in found.items())
        glycemic = any(c.startswith(_GLYCEMIC) and f.assertion not in (Assertion.ABSENT, Assertion.FAMILY,
                                                                       Assertion.HYPOTHETICAL)
                       for c, f in found.items())
        poisoned = any(_POISONED.match(c) and f.reportable for c, f in found.items())
        newborn = pregnancy.newborn_note(text)
        for d in self.medications.find(text, sentences, self._assertions(sentences, text)):
            s = sentences[d.sentence]
            if newborn and _MOTHER_WORDS & set(s.words):
                continue   # a newborn record's "Mother with GDM, on insulin": the mother's drug, not the infant's
            if poisoned and s.section != "medications" and drug_effects.poisoned(text[s.start:s.end]) and \
                    not drug_effects.taken_in_excess(text[s.start:s.end]):
                continue   # "after 5 beers and taking two of a friend's lorazepam": the poisoning's drug, no regimen
            if cancer and d.code.startswith(_CHEMOTHERAPY):
                continue   # chemotherapy cycles for the cancer at hand (Z51.11), not long-term therapy
            if opioid_disorder and d.name.split()[0] in _OPIOID_TREATMENT:
                continue   # buprenorphine, methadone, naloxone treat the opioid use disorder (F11.2-), no Z79
            code = d.code
            if code == _HORMONE_REPLACEMENT and (_CONTRACEPTION & set(sentences[d.sentence].words) or
                                                 _PROGESTINS & set(sentences[d.sentence].words)):
                code = _HORMONAL_CONTRACEPTIVE   # "norgestimate-ethinyl estradiol ... for contraception": Z79.3
            if code in _ANTIDIABETIC and not glycemic and (d.name.endswith(_GLIFLOZIN) or d.name in _ALSO_FOR_OTHERS):
                code = _OTHER_DRUG_THERAPY   # an SGLT2 inhibitor for heart failure, no diabetes: other drug therapy
            note = RuleNote("long_term_drug", f"long-term (current) drug therapy: {d.name} (Table of Drugs class, "
                                              "I.C.21.c.3)")
            _add(found, _read(code, sentences[d.sentence], d.tok_start, d.tok_end, note))


# the antidiabetics' own codes (oral hypoglycemic, injectable non-insulin) are for a disorder of
# glucose regulation the note names (diabetes, pregnancy diabetes, prediabetes)
_AFTERCARE_Z = ("Z48.0", "Z47.89", "Z48.89", "Z51.89")   # dressings and sutures, other orthopedic / surgical aftercare
_POISONED = re.compile(r"^T(?:3[6-9]|4\d|50)\.\w{2,3}[1-4]")   # a drug poisoning, intents 1-4
_ANTIDIABETIC = ("Z79.84", "Z79.85")
# ... the antidiabetics given for other conditions too: SGLT2 inhibitors (heart failure, CKD), GLP-1
# agonists (obesity); metformin stays the oral hypoglycemic it is
_GLIFLOZIN = "gliflozin"
_ALSO_FOR_OTHERS = frozenset("jardiance farxiga invokana semaglutide liraglutide tirzepatide wegovy zepbound saxenda "
                             "ozempic mounjaro".split())
_GLYCEMIC = ("E08", "E09", "E10", "E11", "E13", "O24", "R73", "E16")
_OTHER_DRUG_THERAPY = "Z79.899"
# a past radiation treatment, and what says it is this encounter's or planned
_IRRADIATION_HISTORY = "Z92.3"
_RADIATION = frozenset("radiation radiotherapy xrt irradiation irradiated sbrt brachytherapy".split())
_PAST_RADIATION = frozenset("treated completed prior previous remote history hx underwent received after".split())
_NOT_PAST_RADIATION = frozenset("undergoing receiving ongoing planned plan scheduled will start starting started "
                                "currently fraction fractions exposure dose consult oncology treating definitive "
                                "week".split())
_RADIATION_BACK = 8
_TITLE_COMMON = frozenset("type diabetes mellitus with without due to and or of the in other unspecified disease "
                          "disorder chronic stage complication complications specified".split())


def _content_words(title: str) -> set[str]:
    """A title's words that name the condition ("Hypertensive chronic kidney disease ...": kidney)."""
    return {w for w in re.findall(r"[a-z]+", title.lower()) if w not in _TITLE_COMMON and len(w) > 3}


# the people a patient lives with, their smoking, and what says they do not (or not near the patient)
_HOUSEHOLD = frozenset("parent parents mother father mom dad household caregiver caregivers grandmother grandfather "
                       "grandparents stepfather stepmother roommate roommates husband wife spouse partner boyfriend "
                       "girlfriend".split())
_SMOKE_WORDS = frozenset(("smoke", "smokes", "smoking", "smoker", "smokers"))
_NO_SMOKE = frozenset("no not denies never quit former outside nonsmoker nonsmokers".split())
# the paranasal sinuses a sinusitis names, and the words that say "all" of them are sinuses
_SINUSES = {"maxillary": "maxillary", "frontal": "frontal", "ethmoid": "ethmoid", "ethmoidal": "ethmoid",
            "sphenoid": "sphenoid", "sphenoidal": "sphenoid"}
_SINUS_WORDS = frozenset(("sinus", "sinuses", "paranasal"))
# a joint prosthesis's title ("Presence of right artificial knee joint")
_MOTHER_WORDS = frozenset(("mother", "maternal", "mom", "mothers"))
_SIDE_SAID = re.compile(r"\b(?:(R|right|rt)|(?:L|left|lt))\b(?!\s*(?:lung|ventric|atri))", re.I)
_SIDE_REACH = 40   # characters beside a complication's words its side may be said in
_PROSTHESIS = re.compile(r"(?:(?P<s1>right|left) )?artificial (?P<joint>\w+) joint(?:, (?P<s2>bilateral))?")
_JOINT_REPLACED = frozenset("arthroplasty hemiarthroplasty replacement tka tkr tha thr tsa".split())
# what a surgical aftercare visit includes: its suture and dressing care, its follow-up
_AFTERCARE_INCLUDES = ("Z48.0", "Z09", "Z48.89")
# an estrogen taken for contraception, or with a contraceptive progestin, is a hormonal contraceptive
_HORMONE_REPLACEMENT, _HORMONAL_CONTRACEPTIVE = "Z79.890", "Z79.3"
_TYPE_2 = re.compile(r"\b(?:type\s*(?:2|II)|T2DM|DM\s*2|DM\s*II|NIDDM)\b", re.I)
# burns and corrosions of a site (T20-T25), the 4th character their degree (1-3 burns, 5-7 corrosions)
_BURN_DEGREE = re.compile(r"^T2[0-5]\.[1-35-7]")
_GOUT, _CHRONIC_GOUT = "M10.9", "M1A.9"
_SCARS = ("L91.0", "L90.5")
_CALLUS = "L84"
_ULCERS = ("L97", "L98.4", "L89", "E08.621", "E09.621", "E10.621", "E11.621", "E13.621", "I70.23", "I70.24",
           "I83.0", "I83.2")
_DEPLOYED = "Z56.82"
_PAST_DEPLOYMENT = re.compile(r"\bveterans?\b|\b(?:since|after|during|from|prior)\s+(?:his |her |their |a |the )?"
                              r"(?:\w+\s+)?deployments?\b|\bdeployments?\b[^.;]{0,40}\b(?:19|20)\d\d\b|"
                              r"\b(?:19|20)\d\d\b[^.;]{0,30}\bdeployment", re.I)
# an injury the note dates in the past ("2 yrs after a ... burn", "burn ... 14 mo ago", "at age 6", a year)
_DATED_INJURY = re.compile(r"\b\d+\s*(?:yrs?|years?|mos?|months?)\s+(?:after|ago|since|prior)\b|"
                           r"\bat age \d+|\b(?:19|20)\d\d\b", re.I)
_SCAR_REACH = 400   # characters between an injury's words and its scar's
_BURN_CATEGORIES = frozenset(("T20", "T21", "T22", "T23", "T24", "T25"))
_DATED_REACH = 80   # characters around an injury's words its date may stand in
_DEMENTIA = ("F01", "F02", "F03")
_AGITATION = ("R45.1", "R45.6")   # restlessness and agitation; violent behavior
_DELIRIUM = ("F05", "R41.0")
_JOINTS = frozenset("ankle elbow foot feet toe toes mtp hallux knee hip shoulder wrist hand finger fingers "
                    "mcp pip dip".split())
_TOES = frozenset(("toe", "toes", "mtp", "hallux"))
_TOPHI = frozenset(("tophaceous", "tophus", "tophi"))
_NO_TOPHI = frozenset(("no", "without", "non"))   # ("no tophi": without tophus)
_COLIC = re.compile(r"\bcolic\b", re.I)
_IDIOPATHIC_GOUT = ("M10.0", "M1A.0")


def _sideless(code: str) -> bool:
    """An idiopathic gout of a site whose side is unsaid ("L foot" read past: M1A.0790)."""
    return code[:5] in _IDIOPATHIC_GOUT and code[6:7] == "9"
_GOUT_PAST = frozenset("ago history hx remote prior previous last since".split())   # ("h/o": its two words)
_GOUT_CAUSES = frozenset("drug induced lead saturnine secondary renal diuretic thiazide due".split())
_PROCEDURAL_WORDS = frozenset("postoperative postop postprocedural post operative procedural surgical complication "
                              "after following".split())
_BURN_SITE = re.compile(r"^T2[0-5]\.")
_ERYTHEMA = "L53.9"
_PVD = "I73.9"
_PRESSURE_UNSTAGED = re.compile(r"^L89\.\d\d9$")
_DEEP_TISSUE = re.compile(r"\bdeep[- ]tissue (?:pressure )?(?:injury|damage)\b|\bDTPI\b|\bDTI\b", re.I)
# a leg ulcer's own code (L97.<site><side><depth>) and its vessel's "with ulcer of <site>" code
_LEG_ULCER = re.compile(r"^L97\.\d\d\d$")
_VESSEL_ULCER = re.compile(r"^(?:I83\.[02]\d\d|I70\.2[34]\d)$")
_ULCER_SITE_AT, _VESSEL_SITE_AT = 4, 6   # the site character's place: L97.[2]22, I83.02[2]
_NAMED_SITES = frozenset("12345")   # thigh, calf, ankle, heel and midfoot, other part of foot
_OTHER_SITES = frozenset("89")      # other part of lower leg, unspecified site
_WANDERING_CODE = "Z91.83"
_WANDERING = re.compile(r"\bwander(?:s|ing|ed|er)?\b(?! atrial)", re.I)
_NIHSS_CODES = ("R29.7",)
_ARRIVAL = re.compile(r"\b(?:arrival|arrived|admission|admit|presentation|initial|initially|on presentation)\b",
                      re.I)
# a later score, or another facility's ("NIHSS 14 there", "at the outside hospital")
_DISCHARGE_SCORE = re.compile(r"\b(?:discharge|d/c|repeat|follow-up|POD|day \d|there|outside|OSH|referring)\b",
                              re.I)
_ARRIVAL_REACH = 25   # characters either side of a score its time may be said in
_ANGIOPATHY = re.compile(r"^E(?:0[89]|1[013])\.5[12]")
# what documents a PAD as atherosclerosis of the leg's native arteries
_ATHEROSCLEROTIC = re.compile(r"\b(?:atheroscleros\w*|atherosclerotic|arterioscleros\w*|arteriosclerotic|ASPVD|"
                              r"native (?:[\w/-]+ ){0,3}?(?:arter\w*|vessels?|disease|SFA))\b", re.I)
# a leg's PAD stages, lowest first (the index's: rest pain includes claudication)
_PAD_STAGES = (("intermittent claudication", re.compile(r"\bclaudication\b", re.I)),
               ("rest pain", re.compile(r"\brest pain\b", re.I)))
_BURN_NOTE = re.compile(r"\b(?:burns?|burned|scald\w*|boiling|steam|hot (?:water|liquid|oil|grease|coffee|tea|soup))\b",
                        re.I)
# the parts of a burn note a map gives one site each in: a line, or what a semicolon or a sentence's
# end closes ("R forearm: deep partial thickness, blistered - 3%.")
_BURN_PARTS = re.compile(r"[^\n;]+?(?:[.](?=\s|$)|(?=[\n;])|$)")
_NO_BURN = re.compile(r"\b(?:no|without|denies|not)\s+(?:\w+\s+)?$", re.I)
_ORDINALS = {1: "first", 2: "second", 3: "third"}
# a burn map's sites as the index's Burn entry names them ("Anterior chest": Burn > chest wall)
_BURN_SITES = {"chest": ("wall",), "abdomen": ("abdominal",), "dorsal": ("dorsum",)}
def _sentence_around(text: str, a: int, b: int) -> str:
    """The text of the sentence (to a period, semicolon or line end) that holds ``text[a:b]``."""
    lo = max(text.rfind(x, 0, a) for x in ".;\n") + 1
    ends = [k for k in (text.find(x, b) for x in ".;\n") if k >= 0]
    return text[lo:min(ends) if ends else len(text)]


# the rest of a list a site begins ("... chest wall, abdominal wall and R upper arm"), to its clause's end
_LIST_TAIL = re.compile(r"(?:\s*,\s*|\s+and\s+)[^.;:\n()]{1,80}")
# a site said after a burn's degree: "(1st degree) over R volar forearm"
_SITE_AFTER = re.compile(r"[ \t]*(?:degree)?[ \t]*\)?[ \t]*(?:(?:burns?|erythema)[ \t]+)?(?:over|of|to|on|at|involving)"
                         r"[ \t]+(?:the[ \t]+)?", re.I)
_LIST_ITEM = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
_BURN_REACH = 80   # characters before a burn's words its degrees may be said in ("mixed 2nd and 3rd degree")
_DEGREE_WORDS = re.compile(r"\b(first|1st|second|2nd|third|3rd|partial[- ]thickness|full[- ]thickness)\b"
                           r"(?!\s*(?:of|and|or)\b)", re.I)
_DEGREES = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "partial-thickness": 2, "third": 3, "3rd": 3,
            "full-thickness": 3}
_BSA = r"(?:TBSA|%?\s*total body surface(?: area)?|BSA|body surface area)"
# ("TBSA (2nd + 3rd degree, excluding superficial face): ~11%": the number may follow a parenthesis)
_TBSA = re.compile(rf"(?:\b(\d{{1,3}}(?:\.\d)?)\s*%\s*(?:of\s+(?:the\s+)?)?{_BSA}|\b{_BSA}"
                   rf"(?:[^.%\d\n]|\d(?:st|nd|rd)\b){{0,60}}?(\d{{1,3}}(?:\.\d)?)\s*%)", re.I)
_BELOW = re.compile(r"\b(?:under|less than|below)\s*$|<\s*$|\b(?:under|less than|below)\s+\d|<\s*\d", re.I)
_DEEP = r"(?:full[- ]thickness|third[- ]degree|3rd[- ]degree)"
_THIRD_DEGREE = re.compile(rf"\b(\d{{1,3}}(?:\.\d)?)\s*%\s*(?:(?:is|are|was|were)\s+)?(?:TBSA\s+)?{_DEEP}|"
                           rf"{_DEEP}\W{{0,4}}(?:burns?\W{{0,3}})?(?:~\s*|about\s+|approx\w*\s+)?"
                           rf"(\d{{1,3}}(?:\.\d)?)\s*%", re.I)
# How long a cough has lasted, said beside it ("1 day of barky cough", "cough x 3 months", "cough x3 d").
# (an age is no duration: "67-year-old with cough", "2-day-old")
_DURATION = re.compile(r"(?:\bx\s*|\b)(\d+(?:\.\d+)?)\s*-?\s*(days?|d|weeks?|wks?|months?|mos?|years?|yrs?)\b"
                       r"(?![- ]?old)"
                       r"(?:\s+of)?", re.I)
_CHRONIC_COUGH = re.compile(r"\b(chronic|persistent|longstanding)\s+(?:\w+\s+)?cough", re.I)
_DURATION_REACH = 40
# a remission said of a hematologic malignancy ("in CR", "stringent complete remission", "MRD-negative
# remission"), and what says there is none ("not in remission", "relapsed", "refractory")
# (its kind and depth may come between: "in complete hematologic and molecular remission"; a
# numbered remission is the first or a later one: "AML in CR1")
_IN_REMISSION = re.compile(r"\b(?:in|achieved|remains in|maintained)\s+(?:a\s+)?(?:stringent\s+|sustained\s+|"
                           r"complete\s+|continued\s+|MRD[- ]negative\s+|(?:hematologic|cytogenetic|molecular|"
                           r"morphologic|deep|major)(?:al)?\s+(?:and\s+)?)*(?:CR\d?|sCR|remission)\b", re.I)
# ("not yet in remission", "has not achieved CR")
_NOT_REMITTED = re.compile(r"\bnot\s+(?:yet\s+)?(?:in|achieved|attained|reached)\s+(?:a\s+)?(?:\w+\s+)?"
                           r"(?:remission|CR\d?)\b|"
                           # ("remission not yet declared by treating hematologist", "CR pending MRD")
                           r"\bremission\s+(?:is\s+|was\s+)?not\s+(?:yet\s+)?(?:declared|documented|confirmed|"
                           r"established)\b|\bCR\s+pending\b", re.I)
_NO_REMISSION = re.compile(_NOT_REMITTED.pattern + r"|\b(?:relapsed?|refractory|progression|progressive)\b", re.I)
# diabetes the note says another condition causes ("DM due to pancreatic cancer", "diabetes (type 3c) secondary
# to chronic pancreatitis"); a drug's is E09 (the drug readers'); a type the note names is its own ("type 2
# diabetes due to obesity")
_DIABETES_DUE_TO = re.compile(r"(?<!type 2 )(?<!type ii )(?<!type 1 )(?<!type i )\bdiabetes(?:\s+mellitus)?\s*"
                              r"(?:\([^)]{0,20}\)\s*)?(?:due to|secondary to|2/2)\s+"
                              r"(?:(?:his|her|the|known|underlying)\s+)?", re.I)
_CAUSE_REACH = 12   # characters from "due to" to the evidence of the condition it names
# a suspected ingestion the note rules out ("Impression: suspected ingestion ruled out", "possible ingestion,
# ruled out"), never a co-ingestion's ("amlodipine co-ingestion ruled out" beside the poisoning that was)
_INGESTION_RULED_OUT = re.compile(r"(?<![-\w])(?:ingestion|overdose|poisoning)\b[,\s]{0,3}(?:(?:was|has been)\s+)?"
                                  r"ruled\s+out\b", re.I)
# ... and what was suspected swallowed is an object, not a substance (Z03.821)
_SWALLOWED_OBJECT = re.compile(r"\b(?:foreign body|FB|button battery|battery|coin|magnets?|toy)\b", re.I)
# Influenza whose virus is identified (J10), and the pneumonias an influenza code may go with.
_IDENTIFIED_FLU = re.compile(r"\b(?:influenza|flu)\s*(?:type\s*)?[AB]\b(?!\s*(?:vaccine|shot))|"
                             r"\b(?:H1N1|H3N2|H3)\b|\b(?:influenza|flu)\b[^.;]{0,30}\b(?:PCR|test|swab|antigen)\b"
                             r"[^.;]{0,15}\bpositive\b|\bpositive for influenza\b", re.I)
_PNEUMONIA_CATEGORIES = frozenset(("J12", "J13", "J14", "J15", "J16", "J17", "J18"))
# Rheumatoid arthritis coded by site, and the regions of its joints a note names.
_SITED_ARTHRITIS = ("M05.7", "M05.8", "M05.9", "M06.0", "M06.8", "M08.0")
_WITHOUT_ORGANS = {"M05.9": "M05.7"}   # seropositive, no organ named: without organ involvement
_JOINT_REGIONS = {**dict.fromkeys("hand hands mcp mcps mcpj pip pips dip dips finger fingers knuckle knuckles "
                                  "metacarpophalangeal interphalangeal".split(), "hand"),
                  **dict.fromkeys("foot feet mtp mtps toe toes metatarsophalangeal".split(), "foot"),
                  **dict.fromkeys("wrist wrists".split(), "wrist"), **dict.fromkeys("ankle ankles".split(), "ankle"),
                  **dict.fromkeys("knee knees".split(), "knee"), **dict.fromkeys("hip hips".split(), "hip"),
                  **dict.fromkeys("shoulder shoulders".split(), "shoulder"),
                  **dict.fromkeys("elbow elbows".split(), "elbow")}
_CONTRACEPTION = frozenset("contraception contraceptive contraceptives ocp ocps".split())
_PROGESTINS = frozenset("norgestimate levonorgestrel norethindrone drospirenone desogestrel norgestrel etonogestrel "
                        "norelgestromin".split())
# a drug's adverse effect (T36-T50, 6th character 5) and the words of its "drug-induced" subterms
_ADVERSE_EFFECT = re.compile(r"T(3[6-9]|4[0-9]|50)\.\w\w5")
_DRUG_CAUSE = frozenset("drug drugs induced medicament medicaments medication".split())
_ANTINEOPLASTIC = frozenset(("antineoplastic", "chemotherapy", "cytoreductive"))
_CHEMOTHERAPY_CAUSE = ("cytoreductive", "cancer", "chemotherapy", "antineoplastic", "therapy")


def _overdosed_not_adverse(found: dict[str, Finding]) -> None:
    """A drug the encounter codes a poisoning by did its harm by that poisoning, not as an adverse
    effect of proper use ("transaminase elevation secondary to acetaminophen toxicity" after the
    overdose is T39.1X2A's, I.C.19.e.5): the adverse effect is not reported (the condition it made
    drug-induced stays so)."""
    poisoned = {c[:5] for c, f in found.items() if _POISONED.match(c) and f.reportable}
    for c, f in found.items():
        if _ADVERSE_EFFECT.match(c) and c[:5] in poisoned and f.reportable:
            f.reportable = False
            f.notes.append(RuleNote("not_reported", "the drug's poisoning is coded: no adverse effect of it"))


# medication for opioid use disorder: the disorder's code says it (F11.21 "on maintenance therapy")
_OPIOID_TREATMENT = frozenset("buprenorphine methadone naloxone naltrexone suboxone subutex sublocade".split())
# receptor abbreviations and names -> the word the Tabular's titles use
_RECEPTORS = {"er": "estrogen", "estrogen": "estrogen", "estrogenreceptor": "estrogen", "pr": "progesterone",
              "pgr": "progesterone", "progesterone": "progesterone", "progesteronereceptor": "progesterone",
              "her2": "epidermal growth factor 2", "her2neu": "epidermal growth factor 2"}
_RECEPTOR_NAME = r"(?:ER|PR|PgR|HER-?2(?:/neu)?|estrogen(?: receptor)?|progesterone(?: receptor)?)"
_RECEPTOR_STATUS = re.compile(r"\b(?P<receptors>%s(?:\s*(?:/|and)\s*%s)*)\s*(?:status\s*)?(?:is\s*|were\s*|:\s*)?"
                              r"(?P<sign>\(?[+-](?![\w+-])\)?|positive\b|negative\b|pos\b|neg\b)"
                              % (_RECEPTOR_NAME, _RECEPTOR_NAME), re.I)
_UNDERDOSING = re.compile(r"T(3[6-9]|4[0-9]|50)\.\w\w6")   # T36-T50 with 6th character 6
_CODE_IN_NOTE = re.compile(r"\(([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)\)")
_TITLE_FILLER = frozenset("unspecified other of the and or with without in due to".split())
_DIABETES = frozenset(("E08", "E09", "E10", "E11", "E13"))
_DIABETES_TYPES = {"E10": ("type", "1"), "E11": ("type", "2")}   # (the index's Diabetes > type 1 / type 2)
# What says a condition was caused by the one named next ("ED due to type 2 DM"): a link the
# provider states (I.A.15), at most this many words between the two.
_CAUSES = (("due", "to"), ("secondary", "to"), ("caused", "by"), ("from",), ("related", "to"), ("attributed", "to"))
_CAUSE_GAP = 5
_ATTRIBUTES = frozenset("attributes attribute attributed attributing ascribes ascribed".split())
_DETERMINERS = frozenset("the her his their this its".split())
_ATTRIBUTE_REACH = 24   # characters before an effect its attributing verb stands in ("attributes the anemia")
_NEOPLASTIC_DISEASE = ("neoplastic", "disease")


def _caused_by(s: Sentence, end: int, start: int) -> bool:
    """Whether the words between offsets ``end`` and ``start`` of sentence ``s`` say "due to"."""
    between = s.tokens_within(end, start, _CAUSE_GAP)
    if not between or len(between) > _CAUSE_GAP:
        return False
    return any(tuple(between[k:k + len(c)]) == c for c in _CAUSES for k in range(min(2, len(between))))


def _attributed(s: Sentence, effect: Span, cause: Span) -> bool:
    """Whether the sentence attributes ``effect`` to ``cause`` ("attributes anemia to marrow
    involvement by myeloma"): the verb right before the effect, "to" right after it."""
    before = [w for w in s.tokens_within(max(s.start, effect.start - _ATTRIBUTE_REACH), effect.start)
              if w not in _DETERMINERS]
    between = s.tokens_within(effect.end, cause.start, _CAUSE_GAP)
    return bool(before) and before[-1] in _ATTRIBUTES and between[:1] == ["to"] and len(between) <= _CAUSE_GAP


def _diabetic(s: Sentence, d: Span, e: Span) -> bool:
    """Whether span ``d`` is the adjective "diabetic" right before span ``e`` ("diabetic erectile
    dysfunction"): the adjective links the two (I.A.15)."""
    return d.end <= e.start and s.tokens_within(d.start, d.end, 1) == ["diabetic"] and not s.tokens_within(d.end, e.start, 0)


_SECONDARY_NOS = "C79.9"   # secondary malignant neoplasm of unspecified site


def _read(code: str, s: Sentence, tok_start: int, tok_end: int, note: RuleNote) -> Finding:
    """A finding a reader read from tokens [tok_start, tok_end) of sentence ``s``."""
    span = Span(s.tokens[tok_start].start, s.tokens[tok_end - 1].end, s.section)
    return Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, [span], Assertion.PRESENT, [note], {s.section},
                   source="lexicon")


def _with_char(code: str, at: int, char: str) -> str:
    """``code`` with the character at ``at`` replaced."""
    return code[:at] + char + code[at + 1:]


# a visit the note opens as a follow-up or a surveillance ("PCP f/u.", "Hepatology f/u, 58M",
# "here for surveillance colonoscopy")
_FOLLOW_UP_OPENING = re.compile(r"\b(?:f/u|follow[- ]?up|followup|surveillance|post[- ]?hospital)\b", re.I)
# ... of a condition whose treatment is over ("treated w/ levofloxacin x 7 days, completed", "SVR12
# achieved", "adenomas removed 3 yrs ago", "infection resolved")
_TREATMENT_OVER = re.compile(r"\b(?:complet(?:ed|ing|ion of)|finished|resolved|resolution|cured|SVR\s?\d*|removed|"
                             r"no recurren\w*)\b", re.I)
_FOLLOW_UP_TITLE = 100   # characters the note opens with, where it calls the visit a follow-up
_AFTER_STAY_OPENING = re.compile(r"\bhospital[ \t]+follow[- ]?up|\b(?:f/u|follow[- ]?up)[ \t]+(?:visit[ \t]+)?"
                                 r"(?:after|following|post)[ \t]+(?:hospitali[sz]ation|admission|discharge|hospital)",
                                 re.I)
_FOLLOW_UP_REACH = 300   # ... and where it says what the follow-up is for
_HISTORY_OF = ("Z86", "Z87")
_NOT_TREATED_HISTORY = ("Z87.891",)   # (a former smoker's history is no treatment completed)
_BESIDE_FOLLOW_UP = ("Z8", "Z9", "Z79")   # history, status and long-term drug codes: nothing treated now


def _completed_treatment_follow_up(text: str, found: dict[str, Finding]) -> "encounter_codes.EncounterCode | None":
    """Z09, the follow-up examination after completed treatment of a condition other than a
    malignancy (I.C.21.c.8), first-listed with the condition's history code: a visit the note opens
    as a follow-up whose first lines give that history and say the treatment is over ("PCP f/u. 58F
    seen 6 wks after CAP of RLL treated w/ levofloxacin x 7 days, completed": Z09, Z87.01), where
    nothing but history, status and long-term drugs is coded beside it."""
    opened = _FOLLOW_UP_OPENING.search(text, 0, _FOLLOW_UP_TITLE)
    # (a visit that opens as the follow-up after a hospital stay is that follow-up, whatever chronic conditions it
    # also manages: "HOSPITAL FOLLOW-UP VISIT. CC: F/u after hospitalization for pneumonia ... diabetes f/u")
    after_stay = opened is not None and _AFTER_STAY_OPENING.search(text, 0, _FOLLOW_UP_TITLE + _FOLLOW_UP_TITLE)
    if opened is None or not after_stay and any(f.reportable and f.system is CodeSystem.ICD10CM
                                                and not c.startswith(_BESIDE_FOLLOW_UP) for c, f in found.items()):
        return None   # (a visit for a condition still there, or for a screening, is that visit's)
    for c, f in found.items():
        if not (c.startswith(_HISTORY_OF) and not c.startswith(_NOT_TREATED_HISTORY) and f.reportable):
            continue
        was = {n.related_code[:3] for n in f.notes if n.kind == "history_code" and n.related_code}
        if any(o[:3] in was and g.reportable and g.assertion is Assertion.PRESENT for o, g in found.items()):
            continue   # (the condition is still coded as present: no completed treatment)
        for e in f.evidence:
            if e.start < _FOLLOW_UP_REACH and _TREATMENT_OVER.search(text, e.start, min(len(text), e.end + 120)):
                return encounter_codes.EncounterCode(
                    "Z09", opened.span(), "follow-up examination after completed treatment, with the "
                                          f"history code {c} (I.C.21.c.8)")
    return None


_UNSPECIFIED_SEVERITY = "unspecified severity"
# a dementia's stage: "mild stage", "moderate dementia", "stage: severe", ", mild," (its list item's qualifier)
_STAGE_SAID = re.compile(r"\b(mild|moderate|severe)(?:[- ]stage| dementia| major neurocognitive| neurocognitive)\b|"
                         r"(?:,[ \t]*|\bstage:?[ \t]+)(mild|moderate|severe)[ \t]*(?=,)", re.I)
_LEVEL_TITLE = re.compile(r"\blevel (\d)$", re.I)   # "Hypoglycemia level 3"
# "level 3", "level-3", "level III" (no value: "glucose level 38", "level 3.5")
_LEVEL_SAID = re.compile(r"\blevel[\s-]?(1|2|3|i{1,3})\b(?![.,]?\d)", re.I)
_LEVEL_NUMBERS = {"1": "1", "2": "2", "3": "3", "i": "1", "ii": "2", "iii": "3"}


def _sentences_of(sentences: list[Sentence], evidence: list[Span]) -> list[int]:
    """The sentences a finding's evidence lies in, each once, in the evidence's order (a run-on
    note's one sentence holds every mention: read once, not once per span)."""
    starts = [s.start for s in sentences]
    return list(dict.fromkeys(sequelae.sentence_of(sentences, starts, e.start) for e in evidence))


def _chemotherapy_of_cancer(found: dict[str, Finding]) -> None:
    """A chemotherapeutic drug given for a cancer the neoplasm reader found after the drugs were
    read (a medulloblastoma's cisplatin cycles): its cycles (Z51.11), never long-term therapy (Z79.63-)."""
    if not any(c[:1] == "C" and f.reportable and f.assertion is Assertion.PRESENT for c, f in found.items()):
        return
    regimen = any(c.startswith(_CHEMOTHERAPY) for c in found)
    for c, f in found.items():
        # (and the unspecified class code another drug of the regimen gave: "carboplatin/pemetrexed")
        if f.reportable and (c.startswith(_CHEMOTHERAPY) or (regimen and c.startswith(_IMMUNOMODULATORS))):
            f.reportable = False
            f.notes.append(RuleNote("not_reported", "chemotherapy for the cancer at hand, not long-term drug "
                                                    "therapy (I.C.21.c.3)"))


def _made(code: str, evidence: list[Span], note: RuleNote) -> Finding:
    """A finding a coding step derives from others' evidence (a sequela code from its deficit)."""
    return Finding(code, CodeSystem.ICD10CM, READ_CONFIDENCE, evidence, Assertion.PRESENT, [note],
                   {e.section for e in evidence}, source="lexicon")


def _benign_morphology(tree) -> frozenset[str]:
    """One-word main terms the index codes only through "see also Neoplasm, benign, by site"
    (Adenoma, Papilloma ...): their site is the Neoplasm Table's benign column."""
    words = {n.words[0] for i, n in enumerate(tree.nodes) if tree.parent[i] < 0 and len(n.words) == 1
             and not n.code and "neoplasm benign" in " ".join(normalize_phrase(n.see_also))}
    return frozenset(words | {w + "s" for w in words})   # "adenomas"


_AGE_RELATED_FRACTURE, _OTHER_OSTEOPOROSIS_FRACTURE = "M80.0", "M80.8"   # osteoporosis with a current fracture


def _one_osteoporosis_kind(found: dict[str, Finding]) -> None:
    """One fracture, one kind of osteoporosis: the one the note names ("fracture T12 due to
    glucocorticoid-induced osteoporosis": M80.88XA) over the age-related default another mention of
    the same fracture took (M80.08XA at the same site and episode)."""
    for c in [c for c, f in found.items() if c.startswith(_AGE_RELATED_FRACTURE) and f.reportable]:
        other = _OTHER_OSTEOPOROSIS_FRACTURE + c[len(_AGE_RELATED_FRACTURE):]
        if other in found and found[other].reportable:
            found[c].reportable = False
            found[c].notes.append(RuleNote("not_reported", f"the same fracture of the osteoporosis the note names "
                                                           f"({other})", other))


_TISSUE_ROWS = frozenset(("connective", "cartilage", "nerve"))


def _malignant_morphology(tree) -> frozenset[str]:
    """One-word main terms the index codes only through "see (also) Neoplasm, ..., malignant"
    (Osteosarcoma, Leiomyosarcoma ...): their site is the Neoplasm Table's malignant column."""
    words = set()
    for i, n in enumerate(tree.nodes):
        if tree.parent[i] < 0 and len(n.words) == 1 and not n.code:
            see = set(normalize_phrase(n.see or "")) | set(normalize_phrase(n.see_also or ""))
            if {"neoplasm", "malignant"} <= see and not see & _TISSUE_ROWS:
                words.add(n.words[0])   # (a tissue's, "Neoplasm, connective tissue", is that tissue's row at
                # the site, which the table's site words alone do not reach: liposarcoma of the thigh, C49.2-)
    words.update(_unsited_morphology(tree))
    return frozenset(words | {w + "s" for w in words})


def _unsited_morphology(tree) -> dict[str, tuple[str, frozenset[str]]]:
    """One-word main terms whose own subterms say "specified site - see Neoplasm, malignant, by site"
    and "unspecified site" with its code (Glioblastoma C71.9, Medulloblastoma C71.6): word -> the
    code of the tumour the note places nowhere, and the entry's nonessential words ("multiforme")."""
    memo = tree.__dict__.get("_unsited")
    if memo is not None:
        return memo
    out = {}
    for i, n in enumerate(tree.nodes):
        if tree.parent[i] >= 0 or len(n.words) != 1 or n.code:
            continue
        # (the index's "specified" and "unspecified" are silent words: both subterms read "site";
        # the one a "See" sends to the table, the other coded)
        sites = [tree.nodes[c] for c in n.children if tree.nodes[c].words == ("site",)]
        sited = [k for k in sites if k.see and not k.code]
        unsited = [k for k in sites if k.code and not k.see]
        if len(sited) == 1 and len(unsited) == 1 and {"neoplasm", "malignant"} <= set(normalize_phrase(sited[0].see)):
            out[n.words[0]] = (unsited[0].code.rstrip("-"), n.nonessential)
    tree.__dict__["_unsited"] = out
    return out


def _neoplasm_reader(icd10cm, mapper: CodeMapper, benign: frozenset[str] = frozenset(),
                     malignant: frozenset[str] = frozenset(), unsited: dict | None = None):
    from server.pipeline.drug_tables import load_neoplasm_table
    from server.pipeline.neoplasms import NeoplasmReader

    def finish(code: str, words) -> str | None:
        done = _finish(mapper, code, words)
        return done if done is not None and done[:3] == code[:3] else None

    return NeoplasmReader(load_neoplasm_table(), icd10cm, finish, benign, malignant, unsited)


def _drug_effect_reader(icd10cm):
    from server.pipeline.drug_effects import DrugEffectReader
    from server.pipeline.drug_tables import load_drug_table

    return DrugEffectReader(load_drug_table(), icd10cm)


def _medication_reader(icd10cm):
    from server.pipeline.drug_tables import load_drug_table, long_term_code
    from server.pipeline.medications import MedicationReader

    return MedicationReader(load_drug_table(), long_term_code, icd10cm)


# the codes a complication's own sentence names less precisely (infective arthropathy of the joint
# whose prosthesis is infected)
_COMPLICATION_SAYS = ("M00", "M01", "M02", "M24.5", "D36.1", "I82", "I74", "T14")   # (a joint infection, a
# contracture, a neuroma, a graft's thrombosis; an injury of no site: "painful hardware ... fracture healed")
# ... and what an operation's tear or bleed says of its own sentence: a hemorrhage of no cause, an
# injury, a hemoperitoneum
_SURGICAL_SAYS = ("R58", "S", "T14", "K66.1")
_ORGAN_INJURIES = ("S26", "S27", "S36", "S37")   # injuries of the heart, chest, abdominal and pelvic organs
# a complication of a device -> the status codes of that device it includes
_DEVICE_COMPLICATIONS = (("T84", ("Z96.6",)), ("T82.1", ("Z95.0", "Z95.81")),
                         (("T82.5", "T82.7", "T82.8"), ("Z95.828",)),   # a port's or a vascular graft's
                         (("T85.614", "T85.624", "T85.633", "T85.694", "T85.72"), ("Z96.41",)),   # an insulin pump
                         # a transplanted organ's complication and that organ's transplant status
                         ("T86.0", ("Z94.81",)), ("T86.5", ("Z94.84",)), ("T86.1", ("Z94.0",)), ("T86.2", ("Z94.1",)),
                         ("T86.3", ("Z94.3",)), ("T86.4", ("Z94.4",)), ("T86.81", ("Z94.2",)),
                         ("T86.82", ("Z94.5",)), ("T86.83", ("Z94.6",)), ("T86.84", ("Z94.7",)),
                         ("T86.85", ("Z94.82",)))
# statuses a procedure of the stay leaves: a device, and an organ it removed ("laparoscopic
# cholecystectomy day 4": the procedure codes it, no Z90.49)
# an encounter for a device's check and the device's presence it includes (I.C.21.c.3)
_DEVICE_ENCOUNTERS = (("Z45.02", ("Z95.810", "Z95.811")), ("Z45.018", ("Z95.0",)), ("Z45.010", ("Z95.0",)))
# the stay's first day ("Admission date: 06/09/2025", "Admitted: 3/2/2026") and a sentence's dates
_ADMISSION_DATE = re.compile(r"\badmi(?:ssion|t|tted)\b(?:\s+date)?\s*[:\-]?\s*(\d{1,2})/(\d{1,2})/(\d{4})\b", re.I)
_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")


def _date_key(parts: tuple[str, ...]) -> tuple[int, int, int]:
    """(year, month, day) of an m/d/yyyy date, for comparing."""
    month, day, year = (int(p) for p in parts)
    return year, month, day


_DEVICE_STATUS = ("Z95", "Z96", "Z97", "Z98.8", "Z90", "Z89")
_TRANSFERRED = frozenset("outside transferred transfer referring outlying osh".split())
_STAY_SECTIONS = frozenset(("hospital_course", "procedures", "operative_details"))
_REMOVALS = ("ectomy", "ectomies")   # an operation that takes an organ out
_ABSENCE = "Z90"   # acquired absence of organs
_PLACED = frozenset("placed placement deployed implanted implantation inserted insertion treated underwent received "
                    "stented "
                    "performed successful pci ptca angioplasty".split())   # ("Successful PCI with one DES to LAD")
# what says a procedure was done in this stay ("Underwent ...", "... under spinal, EBL 250 mL", "POD0")
_PERFORMED = frozenset(("performed", "underwent", "ebl", "anesthesia", "pod0", "intraoperative", "intraop"))
_REPLACED_JOINTS = frozenset("hip knee shoulder elbow ankle wrist finger toe".split())
_BEFORE_STAY = frozenset("prior previous previously history hx ago remote old known".split())
_PLACED_REACH = 12   # ("Mid LAD treated with a 3.0 x 18 mm drug-eluting stent")
_PLACED_AFTER = 5
# what says after a device that it was put in ("pacemaker implantation 09/21", "PPM implanted via L cephalic")
_IMPLANTED = frozenset("implanted implantation placed placement inserted insertion".split())
_STAY_WORDS = frozenset(("admission", "hospitalization", "stay"))
_STAY_REACH = 6   # words after a device its "this admission" may follow ("s/p DES to LAD this admission")


_PROCEDURE_LABELS = frozenset("cath lhc pci angiography angiogram procedure procedures".split())


def _procedure_label(text: str, s: Sentence) -> bool:
    """Whether the sentence opens with a procedure's label ("Cath: ..."), the report of this
    encounter's procedure."""
    return len(s.tokens) > 1 and s.words[0] in _PROCEDURE_LABELS and \
        text[s.tokens[0].end:s.tokens[1].start].strip() == ":"


def _item_around(text: str, at: int, lo: int, hi: int) -> str:
    """The item of a list at offset ``at``: between the separators (; , newline) around it."""
    a = max(text.rfind(sep, lo, at) for sep in ";,\n")
    b = min((x for x in (text.find(sep, at, hi) for sep in ";,\n") if x >= 0), default=hi)
    return text[max(a + 1, lo):b]


def _this_stay(words: list[str], k: int) -> bool:
    """Whether "this admission" / "this hospitalization" / "this stay" follows word k closely."""
    return any(words[j] == "this" and words[j + 1] in _STAY_WORDS
               for j in range(k, min(len(words) - 1, k + _STAY_REACH)))

_CEREBRAL_ARTERIES = frozenset(("mca", "aca", "pca", "pica", "cerebellar"))
_EMBOLIC = frozenset(("embolic", "cardioembolic", "embolus", "embolism", "emboli"))
_THROMBOTIC = frozenset(("thrombotic", "thrombosis", "thrombus"))


_OLDER_THAN_4_WEEKS = re.compile(r"(?:>|more than|over|greater than)\s*(?:4|four)\s*(?:wks?|weeks?)\b|"
                                 r"\b(?:[5-9]|\d\d+)\s*(?:wks?|weeks?)\s+ago\b|"
                                 r"\b(?:\d+|a|one|two|three|several)\s*(?:mos?|months?|yrs?|years?)\s+ago\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_GRAFTS = frozenset("transplant transplanted allograft graft tx txp".split())
_TRANSPLANT_STATUS = "Z94."
# words before "rejection" its graft may stand ("allograft bx this wk shows acute T-cell mediated")
_REJECTION_REACH = 9
_GVHD = "D89.81"   # graft-versus-host disease
_RESIDUAL = frozenset(("residual",))   # what says a drug's effect outlasts it (a sequela)
# what says a rejection is a graft's, beside a transplant status ("acute cellular rejection ISHLT grade 2R")
_REJECTION_KINDS = frozenset("cellular antibody mediated humoral acute chronic".split())


def _table_code(f: Finding) -> bool:
    return any(n.message.startswith("Neoplasm Table") for n in f.notes)


def _sited(cm, code: str) -> bool:
    """Whether a neoplasm code names its site ("of brain"), not "other specified" or "unspecified" ones."""
    title = cm.description(code).lower()
    return "unspecified" not in title and "other specified" not in title and "other sites" not in title


def _finish(mapper: CodeMapper, code: str, words, near=()) -> str | None:
    """The Tabular's last step for a code a table or the index gave: the billable code the words
    support (side, 7th character, the "without X" default)."""
    mapped = mapper.map([Candidate(code, CodeSystem.ICD10CM, READ_CONFIDENCE, "index")], tuple(words), tuple(near))
    return mapped.code if mapped is not None else None


def _add(found: dict[str, Finding], f: Finding) -> None:
    """Another finding of a code: merged into the one there, or added. A reader's finding
    replaces one an earlier step set aside (the sepsis a reader derives for septic shock is
    reported even where a "with" walk had taken the organism's mention)."""
    old = found.get(f.code)
    if old is not None and not old.reportable and f.reportable:
        f.evidence.extend(e for e in old.evidence if e not in f.evidence)
        found[f.code] = f
    elif old is not None:
        old.merge(f)
    else:
        found[f.code] = f
