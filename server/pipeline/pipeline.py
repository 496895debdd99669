"""The coding pipeline: Document -> sections and sentences -> entities -> ConText -> codes ->
guidelines -> CodedEncounter (ranked codes with evidence, CDI queries, per-stage timings)."""
from __future__ import annotations

import bisect
import datetime
import functools
import json
import re
import time
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Sequence

from server.budget import checkpoint
from server.domain import (Assertion, CodedEncounter, CodeSuggestion, CodeSystem, Document, RuleNote,
                           Setting, Span)
from server.pipeline import guidelines as gl
from server.pipeline import encounter_codes, lexicon_cache, pregnancy, screening, sequelae
from server.pipeline.claims_readers import ClaimsReaders
from server.pipeline.artifacts import PACKAGED_FUSION, PipelineArtifacts, packaged_file
from server.pipeline.calibration import Calibration
from server.pipeline.cdi import CdiRules
from server.pipeline.context import (RELATIVE_AFTER, ContextRules, Triggers, assert_span, list_opens,
                                     listed_in_parenthesis)
from server.pipeline.entities import Candidate, EntitySource, LexiconSource, Mention, Sentence
from server.pipeline.findings import Finding, add_evidence, combine
from server.pipeline.guidelines import GuidelineRules
from server.pipeline.index_coding import INFARCTS, STATUS_TRIGGERS, IndexCoder, phalanx_levels
from server.pipeline.index_tree import SIDES, IndexTree, side_words, undenied, walk_words
from server.pipeline.lexicon import STOPWORDS, Lexicon
from server.pipeline.linking import LINK_WEIGHT, LinkerStage
from server.pipeline.mapping import (ENCOUNTER_CUES, GUSTILO_III, GUSTILO_III_SHORT, HEALING_AFFECTED, CodeMapper,
                                     with_seventh)
from server.pipeline.medications import SUBSTANCES
from server.pipeline.pcs_builder import PcsBuilder, built_findings, procedure_queries
from server.pipeline.pcs_tables import load_tables
from server.pipeline.fusion import Fusion, FusionContext
from server.pipeline.scorer import TAIL_MIN, DocumentScorer, add_siblings, merge_scores
from server.pipeline.sections import DEFAULT_SECTION, SectionRules
from server.pipeline.senses import AbbreviationSenses, organism_terms
from server.pipeline.sequencing import sequence
from server.pipeline.text import Token, is_year, normalize_phrase, split_sentences, tokenize

DATA = resources.files("server.pipeline").joinpath("data")
DEFAULT_FUSION = "fusion.json"
DEFAULT_FUSION_LINKER = "fusion_linker.json"   # learned with the model stage's features
DEFAULT_THRESHOLD = 0.35
_WINDOW = 6
# us-claims reads a little further for the side and site words a coder would ("scar of the R
# forearm, sequela of a second-degree burn")
_CLAIMS_WINDOW = 8
# Words after a one-word injury mention that make it a service ("wound care", "fracture clinic").
# Words that qualify a condition without naming it: a "with" subterm that shares only these with
# another mention ("chronic" kidney disease, "chronic" pain) has not named that mention.
_QUALIFIERS = frozenset("chronic acute subacute right left bilateral unspecified mild moderate severe stage type "
                        "recurrent current other primary secondary episode".split())
# Words either side of a mention its "with" subterms may link (the sentence, bounded: a run-on
# note's one "sentence" costs its length once, not once per mention).
_LINK_REACH = 30
# Generic head nouns that, right after another condition's name, are part of it.
_HEAD_NOUNS = frozenset("infection disease disorder syndrome illness".split())
_CURRENT_CUES = frozenset(("current", "currently", "active", "ongoing", "still"))
_SITE_PREPOSITIONS = frozenset(("of", "in", "on", "at", "to"))   # "effusion of the right knee" names its own site
_GENERIC_INJURY = frozenset(("wound", "wounds", "injury", "injuries", "trauma"))
# Words that say a condition's course or type; they qualify the noun of their own clause.
_ACUITY = frozenset("chronic acute subacute persistent paroxysmal permanent longstanding recurrent intractable "
                    "intermittent episodic".split())
_CLAUSE_REACH = 40   # words back a clause's opening test name is looked for
# acuity and severity words that qualify the mention right after them, not one further away
_MODIFIES_NEXT = _ACUITY | frozenset(("severe", "mild", "moderate"))
_MODIFIER_REACH = 2
# ("severe without psychotic features")
_LINK_WORDS = frozenset("with without w o wo no not and or of in to due for on".split())
_ACUTE_WORDS = frozenset(("exacerbation", "exacerbated", "decompensated", "decompensation"))   # acuity by name
_UNCERTAIN = frozenset("likely probable probably possible possibly suspected suspect presumed presumably "
                       "questionable".split())
_TYPE_WORDS = frozenset("systolic diastolic combined congestive exacerbation controlled uncontrolled stable "
                        "unstable compensated decompensated severe mild moderate".split())
_FRACTURE_WORDS = frozenset(("fracture", "nonunion", "malunion", "union", "orif"))
_SUBSEQUENT = {"A": "D", "B": "E", "C": "F"}   # initial -> subsequent encounter (routine healing)
_INFARCT_WEEKS = 4   # an acute myocardial infarction's codes run four weeks from its onset (I.C.9.e.1)
_WEEKS_IN = {**dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 1),
             **dict.fromkeys(("mo", "mos", "month", "months"), 4.3), **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 52)}
_AGO_REACH = 6   # words after a condition its "(7 wks ago)" may stand

_SINCE = frozenset(("after", "since", "post", "following"))   # "7 weeks after an NSTEMI"
# "4 yrs ago": an injury dated years back is no longer under care
_YEARS_AGO = re.compile(r"\b(?:\d+|a|one|two|three|several|many) (?:yrs?|years?) ago\b").search
# paired organs named in the plural: both of them
_PAIRED_PLURALS = frozenset("knees hips shoulders elbows wrists ankles hands feet eyes ears breasts legs".split())
_ORGAN_INFECTIONS = frozenset(("ear", "sinus", "ears", "sinuses"))
_CESSATION_KEPT = frozenset("maintained maintaining sustained successful achieved continues ongoing".split())
_SITE_FILLER = frozenset(("of", "the", "in", "at", "over"))
_FRACTURE_NOUNS = frozenset(("fx", "fracture", "fractures", "fxs"))
_UNDER_CARE = frozenset("reduction casting cast casted splint splinting splinted orif fixation immobilization "
                         "boot sling nail nailing pinning healing".split())
# 7th characters of a healing complication (delayed healing, nonunion, malunion) the note names today
_HEALING_TROUBLE = frozenset("GHJKMNPQR")
_FRACTURE_KINDS = frozenset(("osteoporotic", "fragility", "pathological", "pathologic", "stress", "traumatic"))
_INJURY_WORDS = _FRACTURE_WORDS | _GENERIC_INJURY | frozenset(
    "fx fractures sprain strain laceration contusion dislocation concussion burn".split())
_TRANSFER = frozenset("outside another different transferred transfer referring outlying osh".split())
_PAST_SECTIONS = frozenset(("past_medical_history", "past_surgical_history"))
_PAST_WORDS = frozenset(("history", "hx", "remote", "prior", "previous"))
_DONOR = "Z52"   # donors of organs and tissues
_RECIPIENT = frozenset("transplant tx recipient graft allograft".split())
# A surgical scar's words: its "well-healed" says nothing of an injury's encounter
_SCAR_WORDS = frozenset("scar scars incision incisions sternotomy port ports".split())
# Words of a sentence that gives advice or risks, not the encounter's facts
_ADVICE_WORDS = frozenset("risk risks discussed counseled educated instructions precautions prevent promote".split())


def _old_injury(s: Sentence) -> bool:
    """A sentence about a past injury: in the history sections, or saying "history of" / "remote"."""
    return s.section in _PAST_SECTIONS or bool(_PAST_WORDS & set(s.words)) or any(
        tuple(s.words[i:i + 2]) == ("h", "o") for i in range(len(s.words) - 1))


# What a "smokes" / "smoking" that is no tobacco names (F12-F16, not F17)
_NOT_TOBACCO = frozenset("marijuana cannabis pot weed thc crack cocaine meth methamphetamine heroin".split())
# ... nor the record's field ("smoking status change would alter clozapine levels")
_NOT_TOBACCO_USE = frozenset(("status",))
# how often a nicotine user uses, when it is no dependence ("vapes occasionally, socially")
_OCCASIONAL = frozenset("occasionally occasional socially rarely".split())
# tobacco products other than cigarettes, by the index's subterms of Dependence, drug, nicotine
# (the 5th character of F17.2-: "chewing tobacco" 2, "specified product NEC" 9)
_TOBACCO_PRODUCTS = {**dict.fromkeys("cigar cigars cigarillo cigarillos pipe pipes hookah".split(), "9"),
                     **dict.fromkeys("chew chews chewing dip dips snuff smokeless".split(), "2")}
_NOT_NOW = frozenset("no denies quit never former formerly stopped".split())   # "quit cigars in 2010"
_CIGARETTE_WORDS = frozenset("cigarette cigarettes cig cigs ppd pack packs".split())
_PRODUCT_NEAR_ONLY = frozenset("pipe pipes dip dips chew".split())   # a product only beside the smoking ("pipe fitter")


def _nicotine(m: Mention, s: Sentence, note_product: str | None) -> Mention | None:
    """A nicotine dependence mention with its product (the index's subterms of Dependence > drug >
    nicotine: "smokes cigars" is another product, F17.29-, "chews tobacco" F17.22-, not the
    cigarettes a bare "smokes" defaults to; the note's one product where the mention names none);
    None for an occasional use, which is no dependence."""
    lo = max(0, m.tok_start - 2)
    near = s.words[lo:m.tok_end + 4]
    if _OCCASIONAL.intersection(near):
        return None
    if m.tok_start and s.words[m.tok_start - 1] in ("she", "he") and _HOUSEHOLD_PEOPLE & set(s.words[:3]):
        return None   # "Mother smokes ~1/2 ppd; states she smokes by the back door": the mother's (Z77.22)
    if _HOUSEHOLD_PEOPLE & set(s.words[max(0, m.tok_start - 2):m.tok_start]):
        return None   # "Her roommate smokes cigarettes indoors": the roommate's (Z77.22)
    product = next((_TOBACCO_PRODUCTS[w] for j, w in enumerate(near, lo) if w in _TOBACCO_PRODUCTS
                    and not _NOT_NOW & set(s.words[max(0, j - 2):j])), None) or note_product
    if product is None:
        return m
    return replace(m, candidates=[replace(c, code=c.code[:5] + product + c.code[6:]) for c in m.candidates])


_HOUSEHOLD_PEOPLE = frozenset("mother mom father dad parent parents sister brother grandmother grandfather husband "
                               "wife spouse partner boyfriend girlfriend roommate caregiver".split())


def _tobacco_product(sentences: Sequence[Sentence]) -> str | None:
    """The one tobacco product other than cigarettes a note says its patient uses ("Social: smokes
    cigars 3-4/day ... smoking impairs healing": every bare "smoking" is the cigars'), as the 5th
    character of F17.2-; None when the note says cigarettes, or no product, or two."""
    said: set[str] = set()
    for s in sentences:
        for j, w in enumerate(s.words):
            if (w in _TOBACCO_PRODUCTS and w not in _PRODUCT_NEAR_ONLY or w in _CIGARETTE_WORDS) and \
                    not _NOT_NOW & set(s.words[max(0, j - 2):j]):
                said.add(_TOBACCO_PRODUCTS.get(w, "1"))
    return next(iter(said)) if len(said) == 1 and "1" not in said else None


# Measurements a note writes as an abbreviation and a value ("HR 108", "PR 210", "EF 35").
_MEASURED = frozenset("nl normal wnl interval prolonged short segment".split())   # "PR nl": the ECG's interval
_UNITS = frozenset(("hr", "hrs", "h", "mm"))
_EAR_WORDS = frozenset("tm tms ear ears tympanic otitis aom om ome".split())
_NOT_HERE = frozenset(("sick", "ill", "fit"))
# a tablet crushed to be given ("meds crushed in puree") and a radiation course's fractions ("16 fx")
_CRUSH = frozenset(("crushed", "crush"))
_GIVEN_FORMS = frozenset("med meds medication medications pill pills tablet tablets puree applesauce pudding "
                         "feeding tube peg ng".split())
_RADIATION_DOSE = frozenset(("gy", "cgy", "rt", "sbrt", "imrt", "radiation", "radiotherapy", "xrt"))
_GIVEN_REACH = 4
_MEDICATIONS = "medications"
_PLAN_LEADS = frozenset("fu followup follow rtc return plan dispo disposition instructions".split())
_PHALANX_FRACTURES = ("S62", "S92")   # (a fracture's phalanx level is its code's own word)
_FRACTIONS = frozenset(("fx", "fxs", "fractions"))
# (what an "RA" follows as room air: a saturation, "on"/"off", an oxygen device weaned "to RA"; "due to RA"
# is the disease)
_AIR_BEFORE = frozenset("on off spo2 sat sats saturation saturations satting sao2 o2 oxygen pulse ox oximetry glp "
                        "hfnc nc cannula bipap cpap l lpm liters weaned".split())


def _measured_ra(text: str, words, m) -> bool:
    """Whether an "RA" is room air, a right atrial pressure or a GLP-1 receptor agonist: after a
    saturation, a percentage, "on" or an oxygen device, or before a number."""
    before = words[max(0, m.tok_start - 3):m.tok_start]
    after = words[m.tok_end:m.tok_end + 1]
    return bool(_AIR_BEFORE & set(before)) or text[max(0, m.start - 3):m.start].rstrip().endswith("%") or \
        bool(after and after[0][:1].isdigit())


_SPAN_UNITS = frozenset("years yrs year yr months mos mo".split())


def _counted_episodes(words, text: str, s, m) -> bool:
    """Whether a mention is a count of past episodes over a span: a number of two or more before a
    plural ("4 pneumonias in 3 years", "3 UTIs in the past year")."""
    k = m.tok_start
    if not k or not words[k - 1].isdigit() or int(words[k - 1]) < 2:
        return False
    if not text[s.tokens[m.tok_end - 1].start:s.tokens[m.tok_end - 1].end].lower().endswith("s"):
        return False
    after = words[m.tok_end:m.tok_end + 5]
    return after[:1] == ["in"] and bool(_SPAN_UNITS & set(after))


_MECHANISM_REACH = 4   # words before a fall its "s/p" may stand ("s/p ground-level fall")


def _status_post(words) -> bool:
    """Whether ``words`` say "s/p", "status post" or "sp" (the status reader's own triggers)."""
    return any(tuple(words[k:k + len(t)]) == t for k in range(len(words)) for t in STATUS_TRIGGERS)


_INFECTION_NOUN = frozenset((("infection",), ("infections",)))
_INFECTION_NOS = "B99.9"
# influenza named among vaccines ("flu/COVID/RSV vaccines", "Vaccines: ... flu in fall") or as given
_FLU = frozenset(("J09", "J10", "J11"))
_VACCINE_NOUNS = frozenset("vaccine vaccines vaccination vaccinations vaccinated immunization immunizations".split())
_VACCINE_WORDS = _VACCINE_NOUNS | frozenset("covid rsv pcv pcv13 pcv15 pcv20 pcv21 prevnar pneumovax ppsv23 "
                                            "pneumococcal shingrix zoster tdap mmr hpv menacwy".split())
_GIVEN_NOW = frozenset(("given", "today", "administered", "declined"))
_IMMUNE_STATUS = frozenset("current utd booster boosters boosted status toxoid shot immunized ppx prophylaxis updated td "
                           "immune immunity".split())
_SEMICOLON_LIST = 2   # semicolons that make a sentence a list whose items link nothing of each other
_OVERDOSE_WORDS = frozenset(("overdose", "overdosed", "od", "poisoning", "intoxication", "toxicity", "ingestion"))
_TESTED = frozenset("a b type pcr positive swab test tested testing rapid antigen".split())
_VACCINE_REACH = 4
# a cold that preceded the complaint ("after a URI", "recent URI", "preceding viral URI")
_COLDS = frozenset(("J00", "J06"))
_PRECIPITANT = frozenset(("after", "following", "recent", "preceding", "post"))


def _vaccine_named(words: list[str], a: int, b: int, flu: bool = True) -> bool:
    """An influenza mention that is its vaccine: given ("influenza high-dose given today"), or
    among the vaccines a sentence lists, never where the sentence tests for the virus. Another
    infection (``flu`` False) only where given or said with a vaccine's own noun ("MMR and varicella
    given today", "varicella vaccine #2"), never beside a disease a vaccine is named for
    ("sepsis due to pneumococcal pneumonia")."""
    # (an influenza's "A" / "B" is its type; after another infection it is the next item: "varicella, Hep A")
    if _TESTED & (set(words[b:b + 2]) if flu else set(words[b:b + 2]) - {"a", "b"}) or \
            _TESTED & (set(words) - {"a", "b"}):
        return False
    after = words[b:b + 3]
    if after[:1] and after[0] in _GIVEN_NOW or after[:3] in (["high", "dose", "given"], ["up", "to", "date"]):
        return True
    if after[:1] and (after[0] in _IMMUNE_STATUS or after[0] in _VACCINE_WORDS):
        return True   # "Tetanus current, no booster", "Tetanus: Td 2021", "tetanus UTD": its immunization
    if not flu:   # (or among those a sentence that opens on them lists: "Immunizations given today: MMR,
        # varicella, Hep A"; "Vaccines today: Tdap, HPV #2, meningococcal")
        return bool(_VACCINE_NOUNS & set(words[max(0, a - _VACCINE_REACH):b + _VACCINE_REACH])) or \
            bool(_VACCINE_NOUNS & set(words[:2]))
    return bool(_VACCINE_WORDS & set(words[max(0, a - _VACCINE_REACH):b + _VACCINE_REACH])) or \
        bool(_VACCINE_WORDS & set(words[:2]))


# curated abbreviations whose meaning only their sense (``data/abbreviation_senses.json``) decides
_SENSE_ONLY = frozenset(("mm", "om", "hcc", "asd"))
_IMPLANT_NAILS = frozenset("im intramedullary cephalomedullary tibial femoral trochanteric gamma locking".split())
_PERCENT = re.compile(r"\s*[:=]?\s*[<>~]?\s*\d+(?:\.\d+)?\s*%")
_NOT_TRAUMA = frozenset(("toxic", "induced", "drug", "hepatocellular", "ischemic"))
_MEASURES = frozenset("hr pr rr bp qt qtc qrs ef map cvp sat sats temp pulse fib sirs".split())   # (FIB-4 0.9;
# "SIRS 2/4": a count of criteria)
# words beside "suicidal" that make it an attempt (T14.91), not ideation (R45.851)
_ATTEMPT = frozenset("attempt attempts attempted gesture gestures overdose".split())
# words the Tabular's "without X" qualifiers name ("without behavioral disturbance", "without
# psychotic features", "without complications", "without aura", "without hyperglycemia")
_TITLE_QUALIFIERS = frozenset("behavioral disturbance psychotic feature features complication complications aura "
                              "hyperglycemia coma mention obstruction perforation hemorrhage exacerbation status "
                              "intractable dyskinesia fluctuations agitation anxiety mood esophagitis hematuria "
                              "bleeding gangrene abscess necrosis rupture loc loss consciousness ascites".split())
_SEASONS = frozenset(("spring", "summer", "winter", "autumn"))
_RAPID_TESTED = ("J09", "J10", "J11", "J02.0", "J03.0", "J12.81", "J12.82", "U07")   # infections a rapid test looks for
_DOSE_NUMBER = re.compile(r"[ \t]*#[ \t]*\d")   # a vaccine's dose number right after its disease's name
# the word after a condition's name that makes the phrase a thing named for it, not the condition
_NAMED_THINGS = frozenset("shot shots vaccine vaccines vaccination vaccinations immunization booster scale "
                          "pack packs section sections "   # "blister packs", "frozen sections"
                          "questionnaire inventory work workup test testing panel lab labs immune nonimmune "
                          "titer titers serology clinic nephrology service team pep prophylaxis medicine "
                          "prophylactic education teaching counseling candidacy candidate evaluation eval referral "
                          # "tetanus updated", "Tetanus: Tdap given"
                          "listing updated utd toxoid tdap td dtap dose doses series season "
                          "criteria rna dna pcr "   # "SIRS criteria met": the criteria; "HCV RNA": a test
                          "ag ab antigen antibody antibodies igg igm "   # "HIV-1/2 Ag/Ab": a test
                          "surveillance".split())   # "Skin cancer surveillance visit": the visit for it
# (only in its own phrase: "Hx colon polyps: surveillance colonoscopy due next year" names the polyps)
_VISIT_THINGS = frozenset(("surveillance",))
_SERVICE_WORDS = frozenset("care check clinic vac dressing dressings consult "
                           # a service or its staff: "Burn attending", "burn unit", "trauma surgery"
                           "attending unit icu surgery surgeon surgeons team service center fellow".split())
# A number refines a code only from the mention itself or right beside it: "stage 3a CKD",
# "CKD, stage 3a"; never the "2" of "type 2 diabetes ... chronic kidney disease".
_NEAR_LEFT, _NEAR_RIGHT = 1, 2
_NO_REGION, _REGION_LEFT = "T14.", 4   # an injury of unspecified region; how far back its site may be said
_MOTIVATIONAL = re.compile(r"[- ]?(?:based|techniques?|interview\w*|counsel\w*|session|approach|style|principles)\b",
                          re.I)
# what follows a lab's name when the note gives its result ("LDL 132 mg/dL", "LDL above goal")
_LAB_VALUE = re.compile(r"[ \t]*(?:[:=][ \t]*)?(?:\d+(?:\.\d+)?[ \t]*(?:mg/dl|mmol/l|u/l|iu/l)\b|"
                        r"(?:(?:is|was|remains|still|not|now|well|improved|improving|but|and|close|closer|further|"
                        r"from)[ \t]+)*"
                        r"(?:at|above|below|near|under|over|to)?[ \t]*goal\b)",
                        re.I)
_RESULT = "lab-result"   # a word no index term has
# what has a function a note abbreviates "fx" (renal function, not a kidney fracture)
_FUNCTIONS = frozenset("renal kidney liver hepatic lung pulmonary thyroid cardiac lv rv systolic diastolic bowel "
                       "bladder cognitive sexual motor sensory platelet graft neuro neurologic synthetic".split())
# a route said before a drug names no body site ("fracture on oral bisphosphonate": no mouth)
_ROUTES = frozenset("oral po topical inhaled intranasal ophthalmic otic rectal vaginal transdermal sublingual".split())
_DRUG_WORDS = frozenset("medication medications med meds drug drugs antibiotic antibiotics steroid steroids "
                        "corticosteroid corticosteroids bisphosphonate bisphosphonates contraceptive contraceptives "
                        "agent agents therapy iron anticoagulant anticoagulants anticoagulation hypoglycemic "
                        "hypoglycemics antifungal antifungals antiviral antivirals drops cream ointment spray "
                        "vancomycin prednisone estrogen".split())
_TRANSPLANT_STATUS = ("Z94",)
_TRANSPLANT_PLANNED = frozenset("interested candidate candidacy evaluation eval evaluated listed awaiting await "
                                "referral refer referred pre toward towards consider considering discuss "
                                "discussed possible potential future".split())
_TRANSPLANT_SERVICE = frozenset("hepatology nephrology surgery surgeon referral evaluation eval workup center "
                                "clinic team list waitlist candidacy candidate coordinator program".split())
_PREPROCEDURAL = "Z01.81"   # a pre-procedural examination: an outpatient encounter's reason (IV.M)
_OTHERS = frozenset("person people individual women".split())   # (words as normalised)
_HYPERTENSIVE_HEART = ("I11", "I13")
_HEART_WORDS = frozenset("heart cardiac cardiovascular cardio".split())
_HEART_CONDITIONS = frozenset("failure disease diseases cardiomyopathy hypertrophy lvh chf hf hfref hfpef hfmref "
                              "diastolic systolic dysfunction enlargement cardiomegaly myocarditis degeneration "
                              "involvement".split())
_MUSCLE_USE = frozenset(("use", "using", "usage"))
# a weight loss the note aims at ("goal 5% weight loss", "weight loss counseled", "semaglutide
# supporting weight loss"): no abnormal weight loss (R63.4)
_WEIGHT_LOSS = "R63.4"
_AIMED = frozenset("goal goals target aim counseled counselled counseling commended encouraged recommended advised "
                   "supporting support assist intentional intended planned desired".split())
_SURGICAL_WOUND = frozenset("surgical operative postoperative postop incisional incision sternotomy laparotomy".split())
_NUMBERED_WORDS = frozenset(("class", "stage", "grade", "type"))   # a roman "I" after one is the number 1
_PHRASE_BREAKS = frozenset("and or nor with without of to in on at after from for but by the a an no".split())
_PHRASE_MARKS = re.compile(r"[,:;()\[\]]")
_SCORES = ("R29.7", "R40.2")   # NIHSS, Glasgow coma scale: coded by their value
_SCORE_FILLER = frozenset("on at upon arrival admission presentation initial initially was is of score".split())
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th)$")
# A mention that says a code's whole tabular title (or inclusion term), asserted present, is
# reported at least this confident whatever the code's precision on train; one-word titles
# ("pain", "fever") are as vague as the note and keep their calibrated confidence.
EXACT_FLOOR = 0.8
# A code the guidelines take out of what is reported (integral symptom, Excludes1 loser, part of a
# combination, second code of an exclusive category) is still listed, never reported: its confidence
# is capped at SUPPRESSED_CAP x the operating threshold. CodiEsp's annotators often code it (fever
# with pneumonia: 1 in 4 integral symptoms out of fold), so it heads what is below the threshold,
# with the note that says why it is out.
SUPPRESSED_CAP = 0.99
_SOURCE_NOTES = {
    "curated": "matched a curated abbreviation or synonym",
    "description": "matched the code's tabular description",
    "inclusion": "matched an inclusion term of the code",
    "index": "matched an ICD-10-CM alphabetic index term",
    "mined": "matched a term learned from CodiEsp train",
    "model": "linked by the code-embedding model (low confidence: no lexicon term names it)",
}
# A section's weight scales a mention's confidence between this floor (weight 0) and 1 (weight 1
# or more): a medication list's mention is never worth less than three quarters of an HPI's.
_SECTION_FLOOR = 0.75
_ASSERTION_FACTOR = {Assertion.PRESENT: 1.0, Assertion.POSSIBLE: 0.85, Assertion.HISTORICAL: 0.8,
                     Assertion.FAMILY: 0.8}


def fusion_files(linker: bool, note_model: bool) -> tuple[str, ...]:
    """Fusion files to try, best match first, for the models the pipeline runs."""
    if linker and note_model:
        return ("fusion_models.json", DEFAULT_FUSION_LINKER, DEFAULT_FUSION)
    if note_model:
        return ("fusion_heads.json", DEFAULT_FUSION)
    return (DEFAULT_FUSION_LINKER, DEFAULT_FUSION) if linker else (DEFAULT_FUSION,)


class Pipeline:
    """Built once at startup; ``code`` is then safe to call from many threads (no shared state
    is written after construction, except the mapper's description-token cache, a dict whose
    concurrent fills are idempotent)."""

    def __init__(self, icd10cm, icd10pcs=None, *, artifacts: PipelineArtifacts | None = None,
                 extra_sources: Sequence[EntitySource] = (), cache_dir: Path | None = None,
                 linker=None, note_model=None):
        """``artifacts``: the files and switches of a coding profile (default: the packaged
        ``us-claims`` profile; ``server.pipeline.artifacts``).
        ``cache_dir``: where the compiled lexicons are kept between starts (the server passes
        ``config.cache_dir / "pipeline"``); None builds them in memory every time.
        ``linker``: the code-embedding model (``server.models.CodeLinker``: ``embed_mentions``,
        ``nearest_codes``, ``index``); given, phrases no lexicon term covers are linked to codes and
        suggested with low confidence, and every candidate gets its phrase similarity as a fusion
        feature (``server.pipeline.linking``).
        ``note_model``: the label-attention classifier on the same encoder
        (``server.models.NoteModel``: ``code_probs(text)``, ``labels``); its probabilities are a
        fusion feature. In ``us-claims`` it only ranks codes a span supports."""
        art = artifacts if artifacts is not None else PipelineArtifacts.packaged()
        self.artifacts = art
        self.profile = art.profile
        # the Official Guidelines' reporting rules that CodiEsp's annotation does not follow
        self.claims_rules = art.profile == "us-claims"
        self.cm = icd10cm
        self.pcs = icd10pcs
        self.sections = SectionRules.load()
        self.context = ContextRules.load()
        self.guidelines = GuidelineRules.load(icd10cm)
        self.cdi = CdiRules.load()
        self.mapper = CodeMapper(icd10cm, icd10pcs, named_words=art.index_coding)
        self.index = (IndexCoder(IndexTree.load(), self.mapper, icd10cm, self.guidelines.referenced,
                                 dict(self.guidelines.manifestations))
                      if art.index_coding else None)
        self.lexicon_from_cache = False
        self.lexicon, table, n_index, n_mined = self._lexicons(art.lexicon, art.mined, cache_dir)
        self.versions = {"profile": art.profile, "lexicon": "icd10cm-tabular+curated-v1"}
        if art.lexicon is not None:
            self.versions["lexicon"] += f"+index({n_index})"
        if self.index is not None:
            self.versions["index"] = f"icd10cm-index-tree({len(self.index.tree.nodes)})"
        systems = frozenset({CodeSystem.ICD10CM} | ({CodeSystem.ICD10PCS} if icd10pcs is not None else set()))
        additional = partial(self.guidelines.referenced, kind="use_additional")
        self.sources: list[EntitySource] = [LexiconSource(self.lexicon, systems, additional), *extra_sources]
        self.senses = AbbreviationSenses.load(icd10cm) if self.claims_rules else None
        # an abbreviation of several meanings is read only by its sense: a profile without senses
        # leaves the ones added for them ("5 mm" is no myeloma in a CodiEsp case report)
        self._sense_only = frozenset() if self.claims_rules else _SENSE_ONLY
        self.readers = (ClaimsReaders(icd10cm, self.mapper, self.index, self.guidelines, self.context, self.sections)
                        if self.index is not None else None)
        if self.senses is not None:   # B95-B97 organisms, reported where a code asks for its agent
            organisms = Lexicon()
            organisms.add_terms(organism_terms(icd10cm, self.senses.organisms), CodeSystem.ICD10CM, "curated")
            source = LexiconSource(organisms, frozenset({CodeSystem.ICD10CM}))
            source.name = "organism"
            self.sources.append(source)
        self.calibration = Calibration.load(art.calibration) if art.calibration is not None else None
        if table is not None:
            mined_source = LexiconSource(table, systems)
            mined_source.name = "mined"
            self.sources.append(mined_source)
            self.versions["mined_terms"] = f"codiesp-train({n_mined})"
        self.scorer = DocumentScorer.load(art.scorer, icd10cm, icd10pcs) if art.scorer is not None else None
        self.versions["scorer"] = self.scorer.version if self.scorer else "none"
        self.linking = LinkerStage(linker) if linker is not None else None
        # us-claims codes an inpatient stay's operations axis by axis (the curated list's
        # procedures of sections 0 and 1 stand only where the builder reads nothing)
        self.pcs_builder = (PcsBuilder(load_tables(icd10pcs, cache_dir), context=self.context)
                            if icd10pcs is not None and self.claims_rules else None)
        if self.pcs_builder is not None:
            self.versions["pcs_builder"] = f"pcs-tables({len(self.pcs_builder.tables.codes)})"
        self.note_model = note_model
        if note_model is not None:
            self.versions["note_model"] = getattr(note_model, "version", "code_linker heads")
        self.fusion = self._fusion(art.fusion, linker is not None, note_model is not None)
        self.fusion_context = FusionContext(self.calibration, self.scorer.train_counts if self.scorer else None)
        self.versions["fusion"] = self.fusion.name if self.fusion else "none"
        # The confidence from which a code is reported: learned with the fusion (the F1-best
        # threshold out of fold), else the hand-set noisy-OR's 0.35.
        self.operating_threshold = (self.fusion.threshold if self.fusion is not None and self.fusion.threshold
                                    else DEFAULT_THRESHOLD)
        if self.linking is not None:
            self.versions["linker"] = getattr(linker, "version", "code_linker")

    def _fusion(self, spec, linker: bool, note_model: bool) -> Fusion | None:
        """The fusion model: a given file, or the packaged one learned with the same models'
        features (one learned without them weighs them 0); never without the scorer it fuses."""
        if spec is None or self.scorer is None:
            return None
        if spec != PACKAGED_FUSION:
            return Fusion.load(Path(spec))
        for name in fusion_files(linker, note_model):
            path = packaged_file(name)
            if path is not None:
                return Fusion.load(path)
        return None

    def _lexicons(self, built: Path | None, mined: Path | None, cache_dir: Path | None):
        """(lexicon, mined table or None, index terms, mined terms): from ``cache_dir`` when an
        entry for exactly these code sets, files and code is there, else built (and stored)."""
        key = None
        if cache_dir is not None:
            pcs_terms = packaged_file("pcs_terms.json") if self.pcs is not None else None
            files = (packaged_file("abbreviations.json"), built, mined, pcs_terms)
            key = lexicon_cache.cache_key((self.cm, self.pcs), files)
            hit = lexicon_cache.load(cache_dir, key) if key is not None else None
            if hit is not None:
                self.lexicon_from_cache = True
                return hit
        result = self._build_lexicons(built, mined)
        if key is not None:
            try:
                lexicon_cache.store(cache_dir, key, result)
            except OSError:
                pass  # a read-only or full cache dir costs the next start time, never this one
        return result

    def _build_lexicons(self, built: Path | None, mined: Path | None):
        cm, pcs = self.cm, self.pcs
        known = (lambda c: cm.id_of(c) >= 0 or _pcs_known(pcs, c))
        lexicon = Lexicon()
        lexicon.load_curated()
        lexicon.add_codeset(cm, CodeSystem.ICD10CM)
        n_index = lexicon.load_built(built, known) if built is not None else 0
        if pcs is not None:
            data = json.loads(DATA.joinpath("pcs_terms.json").read_text("utf-8"))
            lexicon.add_terms([(t, c) for t, c in data["terms"] if pcs.id_of(c) >= 0], CodeSystem.ICD10PCS, "curated")
        table, n_mined = None, 0
        if mined is not None:
            table = Lexicon()
            n_mined = table.load_mined(mined, known)
        return lexicon, table, n_index, n_mined

    def code(self, doc: Document, *, min_score: float = 0.0) -> CodedEncounter:
        """Code one document.

        "Assessment: NSTEMI. Hx of DM2 with CKD 3a." (inpatient) -> I21.4 principal, then
        E11.22 and N18.31, each with its evidence spans and the rules that shaped it.
        """
        enc = CodedEncounter(doc_id=doc.doc_id, text=doc.text, setting=doc.setting)
        ms = enc.stage_ms
        unasserted: dict[str, Finding] = {}
        procedures: list = []
        findings = self.candidates(doc, ms, unasserted, procedures)
        checkpoint()
        t = time.perf_counter()
        if self.fusion is not None:
            self.fuse(findings)
            t = _lap(ms, "fusion", t)
        suppressed = self.apply_guidelines(findings, uncertain=frozenset(
            c for c, f in unasserted.items() if f.assertion is Assertion.POSSIBLE), text=doc.text)
        cut = self.operating_threshold
        # What the guidelines do not report stays in the ranked list, below the threshold.
        for c, f in suppressed.items():
            f.confidence = round(min(f.confidence, SUPPRESSED_CAP * cut), 4)
            findings[c] = f
        # Guideline order for what is reported; below the operating threshold, by confidence.
        reported = {c: f for c, f in findings.items() if f.confidence >= cut}
        rest = sorted((f for f in findings.values() if f.confidence < cut), key=lambda f: (-f.confidence, f.code))
        ordered = [f for f in sequence(reported, self.guidelines, self.claims_rules,
                                       doc.text if self.claims_rules else "") + rest
                   if f.confidence >= min_score]
        enc.codes = [self._suggestion(i, f) for i, f in enumerate(ordered)]
        enc.not_present = [replace(self._suggestion(0, f), sequence=0, principal=False)
                           for c, f in sorted(unasserted.items()) if c not in findings]
        enc.cdi_queries = self.cdi.queries_for([f for f in ordered if f.code not in suppressed]) + \
            procedure_queries(procedures)
        _lap(ms, "guidelines", t)
        enc.model_versions = dict(self.versions)
        return enc

    def fuse(self, findings: dict[str, Finding]) -> None:
        """Each finding's confidence from the fusion model."""
        self.fusion.apply(findings, self.fusion_context)
        # The note says the code's whole title: as confident as without the fusion, however
        # rarely CodiEsp's annotators chose that code (it learned their habits: E11.22 is almost
        # never in their gold).
        for f in findings.values():
            if f.exact:
                f.confidence = max(f.confidence, EXACT_FLOOR)

    def apply_guidelines(self, findings: dict[str, Finding], trace=None,
                         uncertain: frozenset[str] = frozenset(), text: str = "") -> dict[str, Finding]:
        """Take out of ``findings`` (fused) what the guidelines do not report; returns it, each
        with its ``not_reported`` note. ``trace(step, before, findings)``, when given, sees the
        findings before and after each step (``export.guideline_cost`` counts what each removes).
        ``uncertain``: the diagnoses the note only suspects and the policy left uncoded."""
        cut = self.operating_threshold
        suppressed: dict[str, Finding] = {}

        def past() -> None:   # past conditions are listed, never reported, and take no part below
            if self.claims_rules:
                gl.specify_from_past(findings, self.guidelines, text)
            for c in [c for c, f in findings.items() if not f.reportable]:
                suppressed[c] = findings.pop(c)

        steps = (("past condition", past),)
        if self.claims_rules:   # (before its weight loss is read as integral to it)
            steps += (("cachexia of a condition", lambda: gl.cachexia_of_condition(findings, text)),)
        steps += (("combination", lambda: gl.apply_combinations(findings, self.guidelines, suppressed)),)
        if self.claims_rules:
            steps += (("CKD not hypertensive", lambda: gl.unlink_hypertensive_ckd(findings, self.guidelines, text)),)
        steps += (("integral symptom", lambda: gl.drop_integral(
            findings, self.guidelines, suppressed, cut,
            gl.unassessed_findings(findings, cut, self.guidelines) if self.claims_rules else ())),)
        if self.claims_rules:   # before Excludes1: a stated diagnosis never loses to its own symptom,
            # and a condition with its own manifestation code takes it before Excludes1 sees the
            # unspecified one ("Alzheimer's ... dementia with agitation": F02.811, not F03.911)
            steps += (("symptom a note asks for", lambda: gl.use_asked_symptom_codes(findings, self.guidelines,
                                                                                      suppressed)),
                      ("symptom of a stated diagnosis",
                       lambda: gl.drop_diagnosed_symptoms(findings, suppressed, cut, self.guidelines, uncertain)),
                      ("finding not assessed",
                       lambda: gl.drop_unassessed_findings(findings, suppressed, cut, self.guidelines)),
                      ("companion without its partner", lambda: gl.drop_orphan_companions(findings, suppressed)),
                      ("counseling within care", lambda: gl.drop_care_counseling(findings, suppressed)),
                      ("angina of an infarction", lambda: gl.angina_of_infarction(findings, suppressed)),
                      ("planned encounter", lambda: gl.drop_planned_encounters(findings, suppressed)),
                      ("normal pregnancy", lambda: gl.normal_supervision(findings, suppressed)),
                      ("history of a current condition",
                       lambda: gl.drop_history_of_present(findings, suppressed, cut, text)),
                      ("family history", lambda: gl.drop_unrelated_family_history(findings, self.guidelines,
                                                                                  suppressed, cut)),
                      ("organ removed long ago", lambda: gl.drop_unrelated_absence(findings, self.guidelines,
                                                                                  suppressed, cut)),
                      ("external cause", lambda: gl.drop_unattached_external_causes(findings, suppressed)),
                      ("vague companion", lambda: gl.drop_vague_companions(findings, self.guidelines, suppressed)),
                      ("manifestation", lambda: gl.use_manifestation_codes(findings, self.guidelines, suppressed,
                                                                            text)))
        steps += (("Excludes1", lambda: gl.resolve_excludes1(findings, self.guidelines, suppressed,
                                                             definitive_first=self.claims_rules, text=text)),
                  ("one per condition", lambda: gl.keep_one_per_group(findings, self.guidelines, suppressed, cut)))
        if self.claims_rules:
            steps += (("same words, one code", lambda: gl.one_code_per_phrase(findings, self.guidelines, suppressed)),
                      ("one side of a bilateral code", lambda: gl.drop_side_within_bilateral(findings, self.guidelines,
                                                                                            suppressed)),
                      ("superficial injury", lambda: gl.drop_superficial_at_injury(findings, self.guidelines,
                                                                                    suppressed, text)),
                      ("infection over", lambda: gl.drop_resolved_infections(findings, suppressed)),
                      ("pneumonia's organism", lambda: gl.drop_unspecified_pneumonia(
                          findings, self._organism_pneumonias, suppressed)),
                      ("organism", lambda: gl.keep_organisms_asked_for(findings, self.guidelines, suppressed)),
                      ("pregnancy", lambda: gl.pregnancy_rules(findings, suppressed, self.cm)),
                      ("poisoning", lambda: gl.poisoning_rules(findings, suppressed)),
                      ("drug properly given", lambda: gl.reaction_to_a_drug_properly_given(
                          findings, self.guidelines, suppressed)))
        for name, step in steps:
            before = dict(findings) if trace is not None else None
            step()
            if trace is not None:
                trace(name, before, findings)
        return {c: f for c, f in suppressed.items() if c not in findings}

    def candidates(self, doc: Document, ms: dict[str, float] | None = None,
                   unasserted: dict[str, Finding] | None = None,
                   procedures: list | None = None) -> dict[str, Finding]:
        """Every candidate code of a document with its evidence and per-source support, before
        fusion and the guidelines (what ``export.build_fusion`` learns from). ``unasserted``, when
        given, receives the ICD-10-CM codes the note names only as absent, hypothetical, family,
        past or (outpatient) uncertain, which the assertion policy did not code as the condition;
        ``procedures``, the PCS builder's reading of an inpatient note (``pcs_builder``)."""
        ms = {} if ms is None else ms
        t = time.perf_counter()
        sentences = self._sentences(doc)
        t = _lap(ms, "sections", t)
        mentions: list[Mention] = []
        for src in self.sources:
            checkpoint()
            mentions.extend(src.find(doc.text, sentences))
        mentions = drop_nested_mined(mentions)
        # a newborn's own birth record is no pregnancy: the infant's record (I.C.16.a.2)
        born = pregnancy.newborn_code(doc.text) if self.claims_rules and doc.setting is Setting.INPATIENT else None
        preg = pregnancy.read(doc.text) if self.claims_rules and born is None else None
        context = (preg.walk_words() if preg else ()) + (pregnancy.sex_words(doc.text) if self.claims_rules else ())
        if self.claims_rules and preg is None and pregnancy.newborn_note(doc.text):
            context += ("newbornnote",)   # a newborn's jaundice, sepsis, hypoglycemia: Jaundice > newborn (P59.-)
        if self.claims_rules and self.index is not None:
            mentions.extend(self.index.head_mentions(sentences, mentions, frozenset(context)))
        t = _lap(ms, "entities", t)
        vectors = None
        if self.linking is not None:
            linked, vectors = self.linking.find(doc.text, sentences, mentions)
            mentions.extend(linked)
            t = _lap(ms, "model", t)
        checkpoint()
        scored = self.scorer.score(doc.text, sentences, min_prob=TAIL_MIN) if self.scorer is not None else None
        t = _lap(ms, "classifier", t)
        self._assert(mentions, sentences, _year_of(doc.date_of_service),
                     inpatient=doc.setting is Setting.INPATIENT, text=doc.text)
        t = _lap(ms, "context", t)
        findings = self._map(mentions, sentences, doc.setting, context, unasserted, doc.text)
        t = _lap(ms, "mapping", t)
        if self.readers is not None:
            checkpoint()
            self.readers.read(doc, sentences, findings, preg)
            if born is not None:
                _birth_episode(findings, born, doc, self.mapper.cm)
            t = _lap(ms, "claims", t)
        if self.pcs_builder is not None and doc.setting is Setting.INPATIENT:
            built = self.pcs_builder.build(doc.text, sentences)
            built_findings(built, findings)
            if procedures is not None:
                procedures.extend(built)
            t = _lap(ms, "procedures", t)
        if scored is not None:
            merge_scores(findings, scored, mentions, doc.setting)
            add_siblings(findings, self.scorer.by_category)
        else:
            for f in findings.values():
                f.confidence = combine(f)
        if vectors is not None:
            self.linking.similarity(findings, vectors)
        t = _lap(ms, "mapping", t)
        if self.note_model is not None:
            probs, labels = self.note_model.code_probs(doc.text), self.note_model.labels
            for f in findings.values():
                f.attention = probs.get(f.code, 0.0) if f.code in labels else None
            _lap(ms, "model", t)
        return findings

    @property
    def _organism_pneumonias(self) -> frozenset[str]:
        """The codes the index files under Pneumonia by organism (Pneumonia > pneumococcal J13,
        > Pneumocystis B59, > varicella B01.2 ...: infectious chapters and J12-J16), and Legionnaires'
        disease, a pneumonia the index files under its own entry (A48.1); built once."""
        hit = self.__dict__.get("_pneumonias")
        if hit is None:
            codes: set[str] = {_LEGIONNAIRES}
            todo = list(self.index.tree.main_terms("Pneumonia")) if self.index is not None else []
            while todo:
                n = self.index.tree.nodes[todo.pop()]
                todo.extend(n.children)
                code = n.code.rstrip("-").rstrip(".")
                if (code[:1] in "AB" and code[:3] != _INFECTIOUS_NEC) or "J12" <= code[:3] <= "J16":
                    codes.add(code)   # (not "in infectious disease NEC", B99: no organism named)
            hit = self.__dict__["_pneumonias"] = frozenset(codes)
        return hit

    def _sentences(self, doc: Document) -> list[Sentence]:
        return analyse_sentences(doc.text, doc.segments, self.sections)

    def _assert(self, mentions: list[Mention], sentences: list[Sentence], year: int | None = None,
                inpatient: bool = False, text: str = "") -> None:
        """Each mention's assertion: ConText in its sentence, then its section's default; in
        us-claims a mention dated in an earlier year than the encounter's is historical, and in
        an inpatient note a condition that "resolved" was present during the stay (treated)."""
        drugless: dict[int, bool] = {}   # medication-section sentences that name no drug
        year = year or datetime.date.today().year
        newborn = self.claims_rules and pregnancy.newborn_note(text)
        triggers: dict[int, list] = {}
        resolving: dict[int, list] = {}
        starts_at: dict[int, list[int]] = {}   # sentence -> where its mentions begin
        for m in mentions:
            starts_at.setdefault(m.sentence, []).append(m.start)
        for m in mentions:
            checkpoint()
            s = sentences[m.sentence]
            if m.sentence not in triggers:
                triggers[m.sentence] = self.context.triggers(s.words, list_opens(s, text) if self.claims_rules
                                                             else frozenset())
            a = assert_span(triggers[m.sentence], m.tok_start, m.tok_end, s.gaps, s.commas)
            if a is Assertion.PRESENT and self.claims_rules and m.tok_start and \
                    text[max(0, m.start - 2):m.start].strip() == "(" and \
                    (before := assert_span(triggers[m.sentence], m.tok_start - 1, m.tok_start, s.gaps, s.commas)) \
                    in (Assertion.POSSIBLE, Assertion.ABSENT) and \
                    (before is Assertion.POSSIBLE or text[m.end:m.end + 2].strip()[:1] == ")"):
                a = before   # "probably musculoskeletal (costochondritis)": the word it names; "not consistent
                # with vaping-associated lung injury (EVALI)": the name it is known by
            if a is Assertion.PRESENT and self.claims_rules and (k := _past_parenthesis(text, s, m)) is not None:
                # a qualifier after the parenthesis that names the condition again is the condition's
                # ("Catatonia (malignant catatonia) considered initially ... catatonia ruled out")
                gaps = list(s.gaps)
                gaps[m.tok_end:k + 1] = [False] * len(gaps[m.tok_end:k + 1])
                after = assert_span(triggers[m.sentence], m.tok_start, m.tok_end, gaps, s.commas)
                if after in (Assertion.POSSIBLE, Assertion.ABSENT, Assertion.HYPOTHETICAL):
                    a = after
            if a is Assertion.ABSENT and self.claims_rules and \
                    (inpatient or _resolved_now(s.words, m.tok_end, s.gaps, s.commas)) \
                    and not _resolved_since(s.words, m.tok_end):
                # (a symptom that brought the patient in and went away during the visit is still the
                # visit's: "chest pressure at rest x1 h, resolved on arrival")
                if m.sentence not in resolving:
                    resolving[m.sentence] = Triggers(
                        [t for t in triggers[m.sentence] if t.rule.literal not in _RESOLVED], triggers[m.sentence].words)
                a = assert_span(resolving[m.sentence], m.tok_start, m.tok_end, s.gaps, s.commas)
            if a is Assertion.PRESENT and self.claims_rules:
                # (after the stay's "resolved": a parenthesis's denial is not one that went away)
                a = listed_in_parenthesis(triggers[m.sentence], s, text, m.start, m.tok_start) or a
            if a is Assertion.PRESENT and self.claims_rules and m.tok_start and _denied_by_label(
                    triggers[m.sentence], s, text):
                a = Assertion.ABSENT   # "Ruled out: DVT L leg (duplex neg), abscess (US neg), osteomyelitis"
            if a in (Assertion.PRESENT, Assertion.POSSIBLE) and self.claims_rules and \
                    (q := _QUERIED.match(text, m.end)) is not None:
                # "OSA? - sleep study recommended, not done": a question, not a diagnosis; "Hypothyroidism?
                # - no; TSH normal": the answer denies it
                a = Assertion.ABSENT if q.group(1) or q.group(2) else Assertion.POSSIBLE
                # ("OSA? - sleep study 2023 negative": the test answers it)
            if a is Assertion.PRESENT and self.claims_rules and len(m.words) == 1 and _FREE_OF.match(text, m.end):
                a = Assertion.ABSENT   # "remains tobacco-free", "seizure-free x 2 years": none of it
            if a is Assertion.PRESENT and self.claims_rules and (v := _LABELLED.match(text, m.end)) is not None:
                a = Assertion.ABSENT if v.group(1) or v.group(3) else Assertion.HISTORICAL
            if a is Assertion.HISTORICAL and self.claims_rules and m.candidates and \
                    m.candidates[0].code[:3] in _REMITTING and _REMISSION.search(text):
                a = Assertion.PRESENT   # a leukemia or myeloma the note says is in remission is coded so
                # (C91.01), not as a history (Z85.6): "ALL dx age 7, completed maintenance 14 months ago
                # ... remains in complete remission"
            if a is Assertion.PRESENT and self.claims_rules and not inpatient and \
                    _RESOLVED_SINCE_COURSE.match(text, m.end) and _course_reason(s.words, m.tok_start):
                a = Assertion.HISTORICAL   # "completed a 7-day course of amoxicillin last month for acute
                # sinusitis, now resolved": what an earlier course treated, gone before this visit
            if a is Assertion.PRESENT and self.claims_rules and not inpatient and m.candidates and \
                    m.candidates[0].code[:1] not in _INJURY_CHAPTERS and (
                    _course_reason(s.words, m.tok_start, completed=True) or
                    _WEEKS_AFTER.search(text, max(s.start, m.start - _WEEKS_AFTER_REACH), m.start) or
                    (_AFTER_STAY.search(text, max(s.start, m.start - _WEEKS_AFTER_REACH - 30), m.start) and
                     _INFECTION_TITLE.search(self.cm.description(m.candidates[0].code) if self.cm.id_of(
                         m.candidates[0].code) >= 0 else "") and _RESOLVED_SAID.search(text))):
                a = Assertion.HISTORICAL   # "after completing 7-day course of levofloxacin for CAP", "seen 6
                # wks after CAP of RLL": what this visit follows up, treated and over (I.C.21.c.4, c.8)
            if a is Assertion.PRESENT and self.claims_rules and not inpatient and _RESOLVED_ITEM.match(text, m.end):
                a = Assertion.HISTORICAL   # a visit's "HTN - resolved after weight loss", "HTN and OSA - both
                # resolved": gone before this visit (a stay's resolved condition was treated in it)
            if a in (Assertion.PRESENT, Assertion.POSSIBLE) and self.claims_rules and \
                    (r := _RULED_OUT_ITEM.match(text, m.end)) is not None and \
                    not any(m.end < o < r.end() for o in starts_at.get(m.sentence, ())):
                a = Assertion.ABSENT   # "Sepsis - considered on arrival, RULED OUT": the item's own verdict
            if a is Assertion.PRESENT and self.claims_rules and m.candidates and \
                    m.candidates[0].code.startswith(_ATTEMPTS) and not _TODAY.search(text, s.start, s.end) and \
                    (_DATED_PAST.search(text, s.start, m.start) or _DATED_PAST.match(text, m.end)):
                a = Assertion.HISTORICAL   # "last severe episode 2 yrs ago included a suicide attempt by
                # overdose": an attempt of the past is its history, Z91.51 (I.C.21.c.4)
            if a is Assertion.POSSIBLE and self.claims_rules and not inpatient and m.candidates and \
                    m.candidates[0].code[:1] == "R" and _RULE_OUT_BEFORE.search(text, max(0, m.start - 24), m.start):
                a = Assertion.HYPOTHETICAL   # "r/o bacteremia (cx pending)": the finding looked for is no
                # sign the visit found; IV.H's symptoms are the ones the patient has
            if a is Assertion.PRESENT and self.claims_rules and \
                    _PRESENTED_WITH.search(text, max(s.start, m.start - _PRESENTED_REACH), m.start):
                a = Assertion.HISTORICAL   # "HIV dx 2016 when hospitalized w/ Pneumocystis pneumonia": the illness
                # the diagnosis was made in, years ago (I.C.21.c.4; the HIV is B20 either way)
            r = _REFUTED_ENTRY.match(text, m.end, min(s.end, m.end + _REFUTED_REACH)) if self.claims_rules else None
            if r is not None and any(m.end < o < r.end() for o in starts_at.get(m.sentence, ())):
                r = None   # (another entry between them is the refuted one)
            if self.claims_rules and (r is not None
                                      or _REFUTED_BEFORE.search(text, max(s.start, m.start - _REFUTED_REACH), m.start)
                                      or (_NO_BEFORE.search(text, max(s.start, m.start - 4), m.start)
                                          and _DX_AFTER.match(text, m.end))):
                # "hypothyroidism listed on old problem list in error"; "'hypothyroidism' - TSH repeatedly normal,
                # never treated; removed from problem list"; "no longer carries dx of HTN"; "No HTN dx": a record's
                # entry the note refutes, none of the patient's conditions wherever else it is listed
                a, m.refuted = Assertion.ABSENT, True
            if a is Assertion.PRESENT and self.claims_rules and _SCREENED_NEGATIVE.match(text, m.end):
                a = Assertion.ABSENT   # "DM2 (retinopathy screening neg 2024)": what a negative screen looked for
            if a is Assertion.PRESENT and self.claims_rules and _PART_OF.match(text, m.end):
                a = Assertion.ABSENT   # "Parkinsonism is part of DLB - not Parkinson disease": no condition of
                # its own, the other's code says it (I.B.5: signs integral to a disease are not coded)
            if a is Assertion.PRESENT and self.claims_rules and RELATIVE_AFTER.match(text, m.end):
                a = Assertion.FAMILY   # "breast cancer (mother) and ovarian cancer (maternal aunt)": theirs
            rule = self.sections.rules.get(s.section)
            m.section = s.section
            if self.claims_rules and s.section in _NARRATIVE and _clause_reports_result(
                    s, m.tok_start, self.sections.result_leads):
                m.section = "results"   # "...; lipase 1,450, CT acute interstitial pancreatitis": a finding
            if rule is not None and not rule.codable and self.claims_rules and s.section == _MEDICATIONS and \
                    self.readers is not None and m.sentence and sentences[m.sentence - 1].section == _MEDICATIONS:
                if m.sentence not in drugless:   # (read once per sentence)
                    # (a follow-up's line after the list is the plan's: "F/U: ortho 2 wks for wound check")
                    drugless[m.sentence] = not self.readers.medications.names_a_drug(s.words) and \
                        not (s.words[:1] and s.words[0] in _PLAN_LEADS or tuple(s.words[:2]) == ("f", "u"))
                if drugless[m.sentence]:
                    rule = None   # "Meds: amlodipine, atorvastatin. Former smoker, quit 2015.": the list
                    # ended with its sentence; a sentence after it that names no drug is the note's again
            if rule is not None:
                m.section_weight, m.codable = rule.weight, rule.codable
                if a is Assertion.PRESENT and rule.assertion is not None and not (
                        rule.assertion is Assertion.HISTORICAL and
                        _CURRENT_CUES & set(s.words[max(0, m.tok_start - 3):m.tok_start])):
                    a = rule.assertion   # ("PMH: ... Current smoker 1/2 ppd": current, not past)
                elif a is Assertion.HISTORICAL and rule.assertion is Assertion.FAMILY and self.claims_rules:
                    a = Assertion.FAMILY   # "FAMILY HX: Father - h/o MI at 60": the father's past
            if a is Assertion.PRESENT and self.claims_rules and _dated_before(s.words, m.tok_start, m.tok_end, year):
                a = Assertion.HISTORICAL   # "NSTEMI in 2019", "TIA (2022)": a past episode
            if a is Assertion.PRESENT and self.claims_rules and _counted_episodes(s.words, text, s, m):
                a = Assertion.HISTORICAL   # "dx 2022 after 4 pneumonias in 3 years": past episodes, counted
            if a is Assertion.PRESENT and self.claims_rules and not inpatient and \
                    _past_stay_reason(s.words, m.tok_start):
                a = Assertion.HISTORICAL   # a visit's note: "Admitted 5 wks ago for LLL pneumonia": that
                # stay's, coded here only where the note says it goes on (IV.J)
            if a is Assertion.PRESENT and newborn and _MATERNAL & set(s.words[max(0, m.tok_start - 2):m.tok_start]):
                a = Assertion.FAMILY   # a newborn's note: "maternal opioid use" is the mother's
            m.assertion = a

    def _map(self, mentions: list[Mention], sentences: list[Sentence], setting: Setting,
             context_words: tuple[str, ...] = (), unasserted: dict[str, Finding] | None = None,
             text: str = "") -> dict[str, Finding]:
        """Findings from mentions. ``context_words``: what the whole note says about every
        condition in it ("complicating pregnancy, third trimester" in an OB note)."""
        found: dict[str, Finding] = {}
        past: dict[str, Finding] = {}   # past conditions the guidelines code as history (or not at all)
        memo: dict[tuple, object] = {}  # repeated phrases in long notes map once
        denied: set[str] = set()        # codes a mention rules out ("r/o sepsis ... sepsis ruled out")
        refuted: set[str] = set()       # codes of record entries the note refutes ("HTN ... not a true dx")
        residual_sentences: set[int] = set()   # sentences where an old injury's residual is described
        said: dict[str, list[tuple]] = {}      # code -> (sentence, tokens, head word) of each present mention
        walks: list[tuple] = []                # index walks that went through another condition's words
        note_words = frozenset(w for s in sentences for w in s.words) if self.senses is not None else frozenset()
        residual_linked = self.claims_rules and sequelae.RESIDUAL_LINK.search(text) is not None
        cues = ()
        own_cues: list[frozenset[str]] = [frozenset()] * len(sentences)
        if self.index is not None:
            own_cues = [_encounter_cues(s) for s in sentences]
            noted = frozenset().union(*own_cues)
            if "open" in noted and any("closed" in s.words and _FRACTURE_NOUNS & set(s.words) for s in sentences):
                noted -= {"open"}   # (a note that calls a fracture closed too: each its own sentence's)
            if self.claims_rules and setting is Setting.INPATIENT and not encounter_codes.rehab_stay(text):
                # an acute stay treats its injuries (7th character A): its "healing" elsewhere is
                # their course in the stay ("graft take 95%, face healed"), not a later encounter's
                noted -= _ROUTINE_HEALING
            cues = tuple(sorted(noted)) + context_words
        ends = {(m.sentence, m.tok_end) for m in mentions if m.codable and len(m.words) > 0}
        # the categories the note names as present: a history list's item it calls quiet is still the
        # condition the assessment manages ("PMH: migraine w/o aura (rare) ... A/P: Migraine - infrequent,
        # sumatriptan PRN": G43.009)
        present_categories = {c.code[:3] for m in mentions if m.assertion is Assertion.PRESENT and m.codable
                              for c in m.candidates[:1]}
        ending: dict[tuple[int, int], list[tuple[int, str]]] = {}   # (sentence, end) -> (start, category)
        for m in mentions:
            if m.codable and m.candidates:
                ending.setdefault((m.sentence, m.tok_end), []).append((m.tok_start, m.candidates[0].code[:3]))
        # a note about ulcers (pressure, diabetic, venous): its "wounds" are those ulcers, not injuries
        ulcer_note = any("ulcer" in s.words or ("pressure" in s.words and "injury" in s.words) for s in sentences)
        # the conditions the note names in full: a lone head noun elsewhere refers back to one
        # (by its assertion: a child's "anemia" never refers back to the mother's "iron deficiency anemia")
        named_heads = {(m.words[-1], _whose(m.assertion)) for m in mentions if m.codable and len(m.words) > 1
                       and any(c.system is CodeSystem.ICD10CM for c in m.candidates)}
        anaphors: list[Mention] = []
        # mentions of one head noun in one sentence, each with its own qualifiers ("a stage 3 sacral
        # pressure injury and an unstageable R heel pressure injury")
        heads: dict[tuple[int, str], list[tuple[int, int]]] = {}
        starts_in: dict[int, set[int]] = {}   # sentence -> where its mentions start
        span_at: dict[tuple[int, int], int] = {}   # (sentence, start) -> end of a symptom's mention there
        span_from: dict[tuple[int, int], int] = {}   # (sentence, end) -> start of a symptom's mention there
        firsts: dict[tuple[int, str], list[tuple[int, int]]] = {}
        owned: dict[int, list[tuple[int, int, str]]] = {}   # sentence -> its conditions' own spans, categories
        coordinated: dict[tuple[int, str, str], list[tuple[int, int]]] = {}
        for m in mentions:
            if m.codable and m.words:
                heads.setdefault((m.sentence, m.words[-1]), []).append((m.tok_start, m.tok_end))
                if len(m.words) > 1 and m.words[0] not in _MODIFIES_NEXT:
                    # "burn of R forearm and ... burn of R palm": the head noun first (an acuity word is
                    # none: "acute pulmonary embolism, single subsegmental, without acute cor pulmonale")
                    firsts.setdefault((m.sentence, m.words[0]), []).append((m.tok_start, m.tok_end))
            starts_in.setdefault(m.sentence, set()).add(m.tok_start)
            if m.codable and m.candidates and m.words:
                owned.setdefault(m.sentence, []).append((m.tok_start, m.tok_end, m.candidates[0].code[:3]))
            if m.codable and m.candidates and m.candidates[0].code[:1] in "RM":
                span_at[(m.sentence, m.tok_start)] = max(m.tok_end, span_at.get((m.sentence, m.tok_start), 0))
                end = (m.sentence, m.tok_end)
                span_from[end] = min(m.tok_start, span_from.get(end, m.tok_start))
        for spans in owned.values():
            spans.sort()   # (text order, for the window's lookup)
        breaks: dict[int, list[bool]] = {}   # sentence -> where its clauses start (built once)
        stops: dict[int, list[bool]] = {}   # sentence -> where a list's item may end (built once)
        valued: dict[int, list[int]] = {}   # sentence -> its words a lab result follows (built once)
        dated: dict[int, list[tuple[int, int]]] = {}   # sentence -> its dated past episodes (built once)
        routed: dict[int, list[int]] = {}   # sentence -> its routes said before a drug (built once)
        note_words_all = frozenset(w for s in sentences for w in s.words) if self.claims_rules else frozenset()
        note_product = _tobacco_product(sentences) if self.claims_rules else None
        left_handed = sequelae.is_left_handed(text)
        # the one side a note names, where it names one ("fell onto outstretched L hand ... XR: distal
        # radius fx, Colles type": the left radius); "2 L NC" is litres
        note_sides = {SIDES[w] for s in sentences for k, w in enumerate(s.words)
                      if w in _LIMB_SIDES and not (k and s.words[k - 1].isdigit())}
        note_side = next(iter(note_sides)) if len(note_sides) == 1 else None
        for m in mentions:
            checkpoint()
            if not m.codable:
                continue
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _HEAD_NOUNS and \
                    (m.sentence, m.tok_start) in ends:
                continue   # "HIV infection": the infection is the HIV's, not B99.9 beside it
            if len(m.words) == 1 and m.words[0] in self._sense_only:
                continue
            if self.senses is not None and len(m.words) == 1 and m.words[0] in self.senses and \
                    m.tok_end < len(sentences[m.sentence].words) and \
                    sentences[m.sentence].words[m.tok_end] in ("surveillance", "screening", "screen", "risk"):
                continue   # "HCC surveillance ultrasound": a screening for it, not the disease
            if self.claims_rules and m.words == ("ra",) and _measured_ra(text, sentences[m.sentence].words, m):
                continue   # "SpO2 96% RA", "weaned to RA", "RA 8, mPAP 34", "GLP-1 RA": room air, the right
                # atrium's pressure, a receptor agonist, never rheumatoid arthritis
            if self.senses is not None and len(m.words) == 1 and m.words[0] in self.senses:
                sense = self.senses.pick(m.words[0], note_words,   # "PE:" is the exam; "on RA", room air
                                         frozenset(sentences[m.sentence].words),
                                         _history_marked(sentences[m.sentence].words, m.tok_start))
                if sense is None:
                    continue
                m = replace(m, candidates=[Candidate(sense, CodeSystem.ICD10CM, 1.0, "curated")])
            s = sentences[m.sentence]
            if self.claims_rules and len(m.words) == 1 and m.tok_end < len(s.words) and \
                    s.words[m.tok_end] in _SERVICE_WORDS and all(c.code[:1] in "ST" for c in m.candidates):
                continue   # "wound care", "wound check": a service, not an injury
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _CRUSH and \
                    _GIVEN_FORMS & set(s.words[max(0, m.tok_start - _GIVEN_REACH):m.tok_end + _GIVEN_REACH]):
                continue   # "meds crushed in puree", "levodopa given crushed": how a tablet is given
            if self.claims_rules and text[m.start:m.end].lower() in _FRACTIONS and m.tok_start and \
                    _RADIATION_DOSE & set(s.words[max(0, m.tok_start - _GIVEN_REACH):m.tok_start]):
                continue   # "42.56 Gy/16 fx", "70 Gy in 35 fx": a radiation course's fractions
            if self.claims_rules and m.words in _INFECTION_NOUN and all(c.code == _INFECTION_NOS for c in m.candidates):
                continue   # "due to infection", "signs of infection reviewed", "influenza A infection": a
                # named infection's head noun, a cause or an instruction, never an infectious disease NOS
            if self.claims_rules and m.candidates and all(c.code[:3] in _FLU or c.code[:1] in "AB"
                                                          for c in m.candidates) and \
                    _vaccine_named(s.words, m.tok_start, m.tok_end, all(c.code[:3] in _FLU for c in m.candidates)):
                continue   # "Vaccines: PCV20 done; flu due in Oct", "influenza high-dose given today", "MMR and
                # varicella given today": a vaccine-preventable infection named for its vaccine
            if self.claims_rules and m.candidates and all(c.code[:3] in _COLDS for c in m.candidates) and \
                    _PRECIPITANT & set(s.words[max(0, m.tok_start - 3):m.tok_start]):
                continue   # "asthma exacerbation after a URI", "recent URI 1 week ago": the cold that set it off
            if self.claims_rules and m.words[-1:] == ("donor",) and s.words[m.tok_end:m.tok_end + 1] == ["site"]:
                continue   # an autograft's "donor site" is the patient's own skin, no organ donor (Z52)
            if self.claims_rules and m.words == ("suicidal",) and all(c.code.startswith("T14.91") for c in m.candidates) \
                    and not _ATTEMPT & set(s.words[max(0, m.tok_start - 2):m.tok_end + 3]):
                # "suicidal thoughts", "suicidal with a plan": the ideation (R45.851), not an attempt
                m = replace(m, candidates=[Candidate("R45.851", CodeSystem.ICD10CM, m.candidates[0].score, "index")])
            if self.claims_rules and m.words == ("fistula",) and m.tok_start and \
                    s.words[m.tok_start - 1] in ("av", "arteriovenous", "avf", "dialysis", "hemodialysis"):
                continue   # a dialysis access fistula, not a fistula of a joint (M25.1-)
            if self.claims_rules and m.words == ("arrest",) and all(c.code.startswith("Z65") for c in m.candidates) \
                    and m.tok_end < len(s.words) and s.words[m.tok_end] == "of":
                continue   # "arrest of dilation", "arrest of descent": labor's, not a legal arrest (Z65.3)
            thing_at = m.tok_end + _type_numbers(s.words, m.tok_end)   # ("HIV-1/2 Ag/Ab": past the virus's types)
            if self.claims_rules and (thing_at < len(s.words) and s.words[thing_at] in _NAMED_THINGS and
                                      not s.gaps[thing_at] and not s.commas[thing_at] and
                                      not (s.words[thing_at] in _VISIT_THINGS and
                                           ":" in text[m.end:s.tokens[thing_at].start])
                                      or _DOSE_NUMBER.match(text, m.end)):
                continue   # "flu shot", "Depression Scale", "thrombophilia work-up", "rubella immune": a
                # vaccine, an instrument, a test or its result, not the condition; "Hep B #1 given": a dose
            if self.claims_rules and m.tok_start and s.words[m.tok_start - 1] == "last" and m.candidates and \
                    all(c.code[:1] in "AB" or c.code.startswith(("J09", "J10", "J11")) for c in m.candidates):
                continue   # "Tdap given (last tetanus >10 yrs)": the last dose of its vaccine (A35 is the disease)
            if self.claims_rules and m.words == ("infection",) and m.tok_start and \
                    s.words[m.tok_start - 1] in _ORGAN_INFECTIONS and all(c.code == "B99.9" for c in m.candidates):
                continue   # "4th ear infection since March", "first sinus infection": the index sends these
                # to Otitis media and Sinusitis (Infection > ear, See also), never to an unspecified B99.9
            if self.claims_rules and SUBSTANCES.intersection(m.words) and m.candidates and \
                    all("T36" <= c.code[:3] <= "T50" for c in m.candidates) and \
                    not _OVERDOSE_WORDS & set(s.words):
                continue   # "likely cocaine-induced", "cocaine use": a substance of use is no drug's adverse
                # effect; what it induced is its F1x code's, poisoning only in an overdose (I.C.5.b, I.C.19.e)
            if self.claims_rules and m.words == ("analgesia",):
                continue   # "multimodal analgesia": pain treatment, no anesthesia of skin (R20.0)
            if self.claims_rules and m.words in (("heat",), ("cold",)) and m.tok_end < len(s.words) and \
                    s.words[m.tok_end] == "intolerance":
                continue   # "heat intolerance": a symptom (of a hyperthyroidism), no effect of heat (T67)
            if self.claims_rules and m.words == ("fall",) and m.tok_start and s.words[m.tok_start - 1] in _SEASONS:
                continue   # "nasal spray in spring/fall": the season, no fall (W19, Z91.81)
            if self.claims_rules and m.tok_start and s.words[m.tok_start - 1] == "rapid" and m.candidates and \
                    all(c.code[:1] in "AB" or c.code.startswith(_RAPID_TESTED) for c in m.candidates):
                continue   # "Rapid flu not done", "rapid strep negative": a rapid test of the infection
            if self.claims_rules and len(m.words) == 1 and m.words[0] in ("allergy", "allergies", "allergic") and \
                    all(c.code.startswith("T78.4") for c in m.candidates):
                continue   # "penicillin allergy", "seasonal allergies": a status or a sensitivity, not a reaction
            if self.claims_rules and m.candidates and \
                    (_scheduled(s.words, m.tok_end) or _return_for(s.words, m.tok_start)) and \
                    all(c.code.startswith(gl.ENCOUNTER_REASONS) for c in m.candidates):
                continue   # "wound check in 48 h with PCP", "suture removal in 10 days": a later visit's
            if self.claims_rules and m.candidates and all(c.code.startswith(("Z12", "Z13")) for c in m.candidates):
                continue   # a screening is the screening reader's: done at this visit, not ordered for later
            if self.claims_rules and m.words == ("duplex",) and \
                    _SCANNED & set(s.words[max(0, m.tok_start - 3):m.tok_end + 3]):
                continue   # "renal artery duplex": an ultrasound, no duplex kidney (Q63.0)
            if self.claims_rules and m.words and m.words[-1] == "single" and m.tok_end < len(s.words) and \
                    s.words[m.tok_end] in ("vessel", "vessels"):
                continue   # "coronary arteries, single-vessel disease": no single coronary artery (Q24.5)
            if self.claims_rules and m.words == ("callus",) and _FRACTURE_WORDS & note_words_all:
                continue   # the bony callus of a healing fracture, not a callosity of the skin (L84)
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _MEASURES and m.tok_end < len(s.words) \
                    and (s.words[m.tok_end][:1].isdigit() or s.words[m.tok_end] in _MEASURED):
                continue   # "HR 108", "PR 210", "PR nl": a vital sign or an interval, not hormone receptor status
            if self.claims_rules and m.words == ("mi",) and m.tok_start and s.words[m.tok_start - 1][:1].isdigit() \
                    and text[m.start:m.end] == "mi":
                continue   # "walks 3 mi/day": miles, no myocardial infarction
            if self.claims_rules and m.words == ("fib",) and m.tok_start and s.words[m.tok_start - 1] == "tib":
                continue   # "tib/fib fx": the fibula, no fibrillation
            if self.claims_rules and m.words == ("mi",) and _MOTIVATIONAL.match(text, m.end):
                continue   # "MI-based counseling", "MI techniques": motivational interviewing
            if self.claims_rules and _score_component(text, m.start):
                continue   # "CHA2DS2-VASc 5 (age, female, HTN, TIA x2)": a score's items, not the visit's diagnoses
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _UNITS and m.tok_start and \
                    s.words[m.tok_start - 1][:1].isdigit():
                continue   # "troponin at 0 and 2 hr": hours
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _NOT_HERE and \
                    (m.words[0] != "fit" or (m.tok_start and s.words[m.tok_start - 1] == "to")):
                continue   # "sick-day rules", "ill-appearing": no illness to code (R69); "to fit her schedule"
            if self.claims_rules and (_transplanted_for(s.words, m.tok_start) or
                                      _graft_reason(text, s, m.tok_start)):
                continue   # "kidney transplant 3/2022 for ESRD": the organ failure the graft replaced
            if self.claims_rules and m.words and m.words[0] in ("nail", "nails") and m.tok_start and \
                    s.words[m.tok_start - 1] in _IMPLANT_NAILS:
                continue   # "s/p IM nail of a femur fracture": the implant, no nail of a finger (Q84.6, L60)
            if self.claims_rules and m.words == ("dysfunction",) and m.tok_start and s.words[m.tok_start - 1] == "organ":
                continue   # "sepsis with acute organ dysfunction": the sepsis's (R65.2-), no sexual dysfunction
            if self.claims_rules and m.words and m.words[-1] == "injury" and m.tok_start and \
                    s.words[m.tok_start - 1] in _NOT_TRAUMA and all(c.code[:1] == "S" for c in m.candidates):
                continue   # "toxic liver injury", "drug-induced liver injury": a liver disease, no trauma
            if self.claims_rules and len(m.words) == 1 and m.candidates and \
                    all(c.code in self._adjective(m.words[0]) and _residual(self.cm.description(c.code))
                        for c in m.candidates) and (
                    m.tok_end < len(s.words) and not s.gaps[m.tok_end] and not s.commas[m.tok_end]
                    or all(self.cm.description(c.code).lower().startswith("other ") for c in m.candidates)) and \
                    not self._asked_by_next(m, mentions):
                continue   # "ischemic burden", "neuropathic pain": the adjective of a main term ("Ischemia,
                # ischemic") qualifying the noun after it, not the residual code of its own; nor an
                # "Other ..." code for the adjective alone ("AKI - septic/ischemic": no I99.8)
            if self.claims_rules and len(m.words) == 1 and len(m.words[0]) <= 4 and m.tok_end < len(s.words) and \
                    s.words[m.tok_end][:1].isdigit() and _PERCENT.match(text, m.end):
                continue   # "TAR 57%", "TBR <1%": a measure in percent, not a syndrome
            if self.claims_rules and m.words == ("effusion",) and _EAR_WORDS & set(s.words) and \
                    all(c.code.startswith("M25.4") for c in m.candidates):
                continue   # "TM bulging w/ purulent effusion": the middle ear's, no joint's (M25.4-)
            if self.claims_rules and (_tested_list_negative(text, m.start, m.end) or (
                    m.candidates and all(c.code.startswith(_RAPID_TESTED) or c.code[:1] in "AB" for c in m.candidates)
                    and _tested_run_negative(text, m.end))):
                continue   # "Resp viral PCR (flu A/B, RSV, SARS-CoV-2) neg": what a test found absent
            if self.claims_rules and len(m.words) > 1 and m.candidates and any(
                    s.commas[j] and s.words[j] not in _QUALIFIERS_AFTER and
                    any(start <= m.tok_start and cat != m.candidates[0].code[:3]
                        for start, cat in ending.get((m.sentence, j), ()))
                    for j in range(m.tok_start + 1, min(m.tok_end, len(s.commas)))):
                continue   # "atrial fibrillation, ventricular rate 88": no index inversion "fibrillation,
                # ventricular" (I49.01) across the comma that ends another condition's term
            if self.claims_rules and m.words == ("ca",):
                continue   # "Ca" alone is calcium ("recheck 25-OH D and Ca in 8 wks"); a cancer has its site
                # ("breast Ca") or its kind ("metastatic Ca")
            if self.claims_rules and m.words == ("fell",) and _value_fell(s.words, m.tok_end):
                continue   # "K fell to 3.1 on drip", "Hgb fell from 11 to 8": a value, no fall (W19)
            if self.claims_rules and m.words == ("als",) and (
                    (m.tok_start and s.words[m.tok_start - 1] in ("via", "by")) or
                    _TRANSPORT & set(s.words[m.tok_end:m.tok_end + 2])):
                continue   # "transferred via ALS", "ALS ambulance": advanced life support, no sclerosis
            if self.claims_rules and m.words == ("hanging",) and \
                    _BODY_PARTS & set(s.words[m.tok_end:m.tok_end + 3]):
                continue   # "relieved by hanging the leg off the bed": a position, no hanging (T71.16-)
            if self.claims_rules and m.words == ("cva",) and m.tok_end < len(s.words) and \
                    s.words[m.tok_end] in ("tenderness", "tender"):
                continue   # costovertebral angle tenderness, not a stroke
            if self.claims_rules and all(c.code.startswith("F17") for c in m.candidates) and (
                    _NOT_TOBACCO & set(s.words[m.tok_end:m.tok_end + 2]) or
                    _NOT_TOBACCO_USE & set(s.words[m.tok_end:m.tok_end + 1]) or
                    (m.tok_start and s.words[m.tok_start - 1] in _NOT_TOBACCO) or   # "THC vape", "marijuana smoking"
                    (m.words == ("smoke",) and m.end - m.start == len("smoke"))):
                continue   # "smokes marijuana": not tobacco; "smoke exposure": the noun, not "she smokes"
            if self.claims_rules and all(c.code.startswith("F17") for c in m.candidates) and \
                    m.tok_end < len(s.words) and s.words[m.tok_end] == "cessation" and \
                    _CESSATION_KEPT & set(s.words[m.tok_end:m.tok_end + 4]):
                continue   # "Smoking cessation maintained": a former smoker's quitting, no current use
            if self.claims_rules and m.candidates and all(c.code.startswith("F17.2") for c in m.candidates):
                m = _nicotine(m, s, note_product)
                if m is None:
                    continue   # "vapes nicotine occasionally, socially": a use, no dependence (F17)
            if any(c.system is CodeSystem.ICD10PCS for c in m.candidates) and (
                    setting is not Setting.INPATIENT or (self.claims_rules and not _or_procedure(m))):
                continue
            words = s.words
            if self.claims_rules and m.candidates and m.candidates[0].code[:1] == "S" and \
                    not m.candidates[0].code.startswith(_PHALANX_FRACTURES):
                words = phalanx_levels(words)   # "laceration volar middle phalanx": of the finger named before
            if self.claims_rules:
                if m.sentence not in valued:
                    valued[m.sentence] = [k for k, t in enumerate(s.tokens[:-1]) if _LAB_VALUE.match(text, t.end)]
                # a lab's result is no qualifier: "Hyperlipidemia, LDL above goal" is E78.5, not the
                # index's "low-density-lipoid-type (LDL)", E78.00; nor is a past episode the note
                # dates ("COPD ... stable; last exacerbation 2023": J44.9)
                if m.sentence not in dated:
                    dated[m.sentence] = _dated_past(words, [text[t.start:t.end] for t in s.tokens])
                if m.sentence not in routed:
                    routed[m.sentence] = [k for k, w in enumerate(words[:-1]) if w in _ROUTES and
                                          words[k + 1] in _DRUG_WORDS]
                    # ... nor a wound's size ("stage 3 pressure injury 3.2 x 2.5 cm": no stage 2)
                    spans = [d.span() for d in _DIMENSIONS.finditer(text, s.start, s.end)]
                    routed[m.sentence] += [k for k, t in enumerate(s.tokens)
                                           if any(a <= t.start < b for a, b in spans)]
                blank = [k for k in valued[m.sentence] + routed[m.sentence] if not m.tok_start <= k < m.tok_end] + [
                    k for k0, k1 in dated[m.sentence] if not k0 < m.tok_start <= k1 for k in range(k0, k1 + 1)]
                if blank:
                    words = list(words)
                    for k in blank:
                        words[k] = _RESULT
                    words = tuple(words)
            span = _CLAIMS_WINDOW if self.claims_rules else _WINDOW
            lo, hi = max(0, m.tok_start - span), min(len(words), m.tok_end + span)
            item_lo, item_hi = 0, len(words)
            if self.claims_rules and s.semis:
                # a semicolon-separated list item is read on its own ("Lung cancer as above; HTN;
                # COPD": the HTN's walk never reads the lung of the item before it), and links
                # nothing of another ("Crohn's disease of ileum and colon; h/o perianal abscess")
                k = bisect.bisect_right(s.semis, m.tok_start)
                item_lo = s.semis[k - 1] if k else 0
                lo = max(lo, item_lo)
                if k < len(s.semis) and s.semis[k] >= m.tok_end:
                    item_hi = s.semis[k]
                    hi = min(hi, item_hi)
            if self.claims_rules and s.section in _LIST_SECTIONS and s.commas:
                # so is a history list's comma-separated item where the items beside it name other
                # conditions ("PMH: ... primary hypothyroidism (on levothyroxine), osteoarthritis knees,
                # cataract surgery OU": no hypothyroidism "due to surgery", E89.0)
                lo, hi = _comma_item(s.commas, starts_in.get(m.sentence, ()), m.tok_start, m.tok_end, lo, hi)
            # a history list's items link nothing of each other; elsewhere a semicolon may join what
            # the "with" convention links ("T1DM on insulin found confused; FS glucose 48, level 2
            # hypoglycemia": E10.649)
            # (nor do the items of a list of three or more: "opioid use disorder, severe, w/ withdrawal; L
            # forearm cellulitis; chronic HCV; cocaine use disorder, mild": no cocaine withdrawal)
            # (nor a semicolon's item about the other side: "R eye moderate NPDR w/ DME; L eye mild NPDR")
            link_lo, link_hi = (item_lo, item_hi) if s.section in _LIST_SECTIONS or \
                len(s.semis) >= _SEMICOLON_LIST or _other_side_item(words, item_lo, item_hi) else (0, len(words))
            if self.claims_rules and m.words:
                key = (m.sentence, m.words[-1], m.words[0])
                group = coordinated.get(key)
                if group is None:   # (built once per head pair: a run-on note repeats its mentions)
                    same_head, same_first = heads.get(key[:2], []), firsts.get((m.sentence, m.words[0]), [])
                    group = coordinated[key] = same_head if len(same_first) < 2 else \
                        same_first if len(same_head) < 2 else sorted(set(same_head) | set(same_first))
                if len(group) > 1:
                    # (to a comma, a semicolon or a spaced dash: "T2DM with hypoglycemia without coma - level 3
                    # (severe) hypoglycemia" is the level's own conjunct, no "without ... level 3")
                    if m.sentence not in stops:
                        stops[m.sentence] = _list_stops(text, s)
                    lo, hi = _own_coordinate(words, stops[m.sentence], lo, hi, m.tok_start, m.tok_end, group)
            if self.claims_rules:
                if m.sentence not in breaks:
                    breaks[m.sentence] = _clause_breaks(s)
                window = _own_acuity(words, breaks[m.sentence], lo, hi, m.tok_start, m.tok_end,
                                     uncertain=setting is not Setting.INPATIENT, others=starts_in[m.sentence])
                window = _nearest_side(window, words, m.tok_start, m.tok_end, breaks[m.sentence])
            else:
                window = tuple(words[lo:hi])
            # an injury's own sentence's healing words are its episode ("L fibular shaft fx -- healing
            # routinely" beside a tibia's "delayed union"); the note's, where its sentence says none
            own = own_cues[m.sentence] if self.claims_rules and m.candidates and m.candidates[0].code[:1] in "ST" \
                else frozenset()
            # (before the window: a "without" at its end never denies them, "preeclampsia without severe
            # features" + "complicating childbirth")
            if self.claims_rules and (_TALKED_LEADS.intersection(window) or _TALKED_AFTER.intersection(window)):
                window = _untalked(window, m.words)
            if _TRIMESTER in context_words:
                # the pregnancy's trimester now, from its weeks, over one the note dates a course from
                # ("at 24w2d ... on insulin since 1st trimester": the second)
                window = tuple(w for k, w in enumerate(window)
                               if not (w in _TRIMESTER_ORDINALS and window[k + 1:k + 2] == (_TRIMESTER,)))
            window = (tuple(sorted(own)) + context_words if own else cues) + window
            if self.claims_rules and m.tok_start > _LABEL_REACH and not any(w in SIDES for w in window):
                # a finding of an imaging result's sentence is of the site its label names ("XR R knee:
                # ... osteophytes c/w primary OA": the right knee's, M17.11), where nothing nearer says a side
                window = _imaging_label(words, text, s) + window
            if self.claims_rules and note_side and m.candidates and m.candidates[0].code[:1] in "ST" and \
                    not any(w in SIDES for w in window):
                window += (note_side,)   # an injury's side, the only one the note names
            if self.claims_rules and not any(w in SIDES for w in window) and any(
                    text[t.start:t.end].lower() in _PAIRED_PLURALS for t in s.tokens[m.tok_start:m.tok_end + 2]):
                window += ("bilateral",)   # "OA knees": both knees (M17.0), as "both" would say
            if self.claims_rules and any(c.code.startswith(_PLEGIA) for c in m.candidates):
                window = _dominance(window, left_handed)
            # (a side or an ordinal between the mention and its site is read past: "pain R 1st MTP joint";
            # so is the symptom it shares its site with: "pain and swelling of the R knee", M25.561)
            joined = span_at.get((m.sentence, m.tok_end + 1), m.tok_end + 1) - m.tok_end \
                if self.claims_rules and m.tok_end < len(words) and words[m.tok_end] == "and" and \
                (m.sentence, m.tok_end + 1) in span_at and m.candidates and m.candidates[0].code[:1] in "RM" else 0
            right = m.tok_end + joined + _NEAR_RIGHT + sum(
                1 for w in words[m.tok_end + joined:m.tok_end + joined + _NEAR_RIGHT + (2 if joined else 0)]
                if w in SIDES or _ORDINAL.match(w) or (joined and w in _SITE_FILLER))
            if self.claims_rules and m.candidates and m.candidates[0].code.startswith(_SCORES):
                # a score's value may follow when it was taken ("NIHSS on arrival 9": R29.709)
                right += sum(1 for w in words[m.tok_end:m.tok_end + _NEAR_RIGHT + 2] if w in _SCORE_FILLER)
            # (a list's next item is its own: "fever, cough, sore throat" is no "fever sore", B00.1)
            right = next((k for k in range(m.tok_end, right) if k < len(s.commas) and s.commas[k]
                          and k in starts_in.get(m.sentence, ())), right)
            left = max(0, m.tok_start - _NEAR_LEFT)
            if self.claims_rules and m.candidates and m.candidates[0].code.startswith(_SCORES) and \
                    any(w.isdigit() for w in words[m.tok_end:right]):
                left = m.tok_start   # (its value follows it: "at 21:10, NIHSS 12" is R29.712)
            shared = ()
            if self.claims_rules and joined == 0 and m.tok_start > 1 and words[m.tok_start - 1] == "and" and \
                    (m.sentence, m.tok_start - 1) in span_from and m.candidates and m.candidates[0].code[:1] in "RM":
                # (and the site of the symptom before it that it shares: "L calf pain and swelling")
                before = span_from[(m.sentence, m.tok_start - 1)]
                shared = tuple(words[max(0, before - _NEAR_LEFT):before])
            if self.claims_rules and self.index is not None and left and m.tok_start - left == 1 and \
                    words[left].isalpha() and not self.index.tree.knows(words[left]) and \
                    not {left - 1, left} & starts_in.get(m.sentence, set()) and words[left - 1] not in _PHRASE_BREAKS \
                    and not _PHRASE_MARKS.search(text, s.tokens[left - 1].end, s.tokens[left].start):
                left -= 1   # a word the index never says is read past to the one before it: an organism's
                # species ("Pneumocystis jirovecii pneumonia": Pneumonia > Pneumocystis, B59)
            if self.claims_rules and m.candidates and m.candidates[0].code.startswith(_NO_REGION):
                # an injury of no region the lexicon knew: its region is said before it, in its own
                # noun phrase ("displaced L scaphoid waist fx"), back to a comma or another mention
                # ("(Jones fx)", "XR R wrist: persistent fracture line": no region across a mark)
                left = m.tok_start
                while left > max(0, m.tok_start - _REGION_LEFT) and left - 1 not in starts_in.get(m.sentence, ()) \
                        and words[left - 1] not in _PHRASE_BREAKS and \
                        not _PHRASE_MARKS.search(text, s.tokens[left - 1].end, s.tokens[left].start):
                    left -= 1
            near = shared + tuple(words[left:right])
            # the mention's clause: to the comma where the list's next item starts
            clause_end = min(len(words), m.tok_end + _LINK_REACH)
            clause_end = next((k for k in range(m.tok_end, clause_end) if k < len(s.commas) and s.commas[k]
                               and k in starts_in.get(m.sentence, ())), clause_end)
            beside = tuple(words[m.tok_start:clause_end])
            foreign = _foreign_sites(words, owned.get(m.sentence, ()), m, lo, hi) if self.claims_rules else frozenset()
            key = (tuple(c.code for c in m.candidates), window, near, m.sentence, beside, foreign)
            if key not in memo:
                a_, b_ = max(link_lo, m.tok_start - _LINK_REACH), min(link_hi, m.tok_end + _LINK_REACH)
                if m.sentence not in breaks:   # (once per sentence: a run-on note is one of thousands of words)
                    breaks[m.sentence] = _clause_breaks(s)
                current = _present_words(words, breaks[m.sentence], a_, b_, m.tok_start, m.tok_end)
                memo[key] = self._map_mention(m, window, near, _preferred(context_words, m), current, beside,
                                              foreign)
            mapped = memo[key]
            if self.claims_rules and mapped is not None and mapped.code[:3] in _HYPERTENSIVE_HEART and \
                    not _HEART_CONDITIONS & set(window + near):
                # a heart named with no condition of it ("referred for preoperative cardiac evaluation"
                # beside "HTN") is no hypertensive heart disease (I.C.9.a.1: heart failure, I51.4-I51.9)
                plain = tuple(w for w in window if w not in _HEART_WORDS)
                a_, b_ = max(link_lo, m.tok_start - _LINK_REACH), min(link_hi, m.tok_end + _LINK_REACH)
                mapped = self._map_mention(m, plain, tuple(w for w in near if w not in _HEART_WORDS),
                                           _preferred(context_words, m),
                                           _present_words(words, breaks[m.sentence], a_, b_, m.tok_start, m.tok_end))
            if mapped is None:
                continue
            if self.claims_rules and mapped.system is CodeSystem.ICD10CM and \
                    "different facility" in self.cm.description(mapped.code) and \
                    not (_TRANSFER & set(words)) - ({"outside"} if "window" in words else set()):
                continue   # tPA status (Z92.82) is for a drug given at another facility before transfer
                # ("outside the tPA window" says none was given)
            if self.claims_rules and mapped.code.startswith(_DONOR) and \
                    _RECIPIENT & set(words[m.tok_end:m.tok_end + 2]):
                continue   # "deceased-donor kidney transplant recipient": the graft's donor, not the patient
            if self.claims_rules and mapped.code.startswith("Q") and "accessory" in m.words and \
                    _MUSCLE_USE & set(words[max(0, m.tok_start - 2):m.tok_end + 2]):
                continue   # "using accessory muscles", "accessory muscle use": the work of breathing, no anomaly
            if self.claims_rules and m.tok_start and words[m.tok_start - 1] in _FUNCTIONS and \
                    text[s.tokens[m.tok_start].start:s.tokens[m.tok_end - 1].end].lower() in ("fx", "fxn"):
                continue   # "Renal fx stable", "LV fx normal": the organ's function, no fracture
            if self.claims_rules and mapped.code.startswith(_TRANSPLANT_STATUS) and (
                    _TRANSPLANT_PLANNED & set(words[max(0, m.tok_start - 3):m.tok_start]) or
                    _TRANSPLANT_SERVICE & set(words[m.tok_end:m.tok_end + 2])):
                continue   # "interested in transplant", "transplant hepatology referral": none done yet
            if self.claims_rules and setting is Setting.INPATIENT and mapped.code.startswith(_PREPROCEDURAL):
                continue   # a stay's own pre-op evaluation ("Pre-op eval: acceptable risk") is the stay's
            if self.claims_rules and m.tok_end < len(words) and words[m.tok_end] in _OTHERS:
                continue   # "avoid contact with immunocompromised persons": other people's
            if self.claims_rules and m.tok_end < len(words) and words[m.tok_end] in _PROCESSES:
                continue   # "a sepsis alert was called", "stroke protocol", "sepsis bundle": the process, no diagnosis
            if self.claims_rules and mapped.code == _WEIGHT_LOSS and \
                    _AIMED & set(words[max(0, m.tok_start - 3):m.tok_end + 3]):
                continue   # an aim, not the abnormal weight loss the code says
            if self.claims_rules and len(m.words) == 1 and m.words[0] in _GENERIC_INJURY and \
                    mapped.code.startswith("T14.9"):
                continue   # "wound culture grew MRSA", "injury" with no site: no injury of unspecified region
            if self.claims_rules and m.words[-1:] in (("wound",), ("wounds",)) and mapped.code[:1] in "ST" and \
                    _SURGICAL_WOUND & set(words[max(0, m.tok_start - 2):m.tok_start]):
                continue   # "dehiscence of abdominal surgical wound s/p TAH": an operation's wound, no injury
            if self.claims_rules and len(m.words) == 1 and m.words[0] in ("wound", "wounds") and \
                    mapped.code[:1] == "S" and ulcer_note:
                continue   # "sacral wound" in a wound-care note on pressure or diabetic ulcers: the ulcer
            if self.claims_rules and len(m.words) == 1 and (m.words[0], _whose(m.assertion)) in named_heads and \
                    mapped.system is CodeSystem.ICD10CM and "unspecified" in self.cm.description(mapped.code).lower() \
                    and " with " not in self.cm.description(mapped.code).lower() \
                    and not any(n.kind == "index" for n in mapped.notes) \
                    and (m.tok_end >= len(words) or words[m.tok_end] not in _SITE_PREPOSITIONS):
                # (a head noun whose site the index walk read is its own condition: "distal radius
                # fracture" beside a mother's "hip fracture")
                anaphors.append(m)   # "the effusion reaccumulated": the "malignant pleural effusion", not M25.40
                continue
            section = min(1.0, _SECTION_FLOOR + (1.0 - _SECTION_FLOOR) * m.section_weight)
            conf = mapped.score * section * _ASSERTION_FACTOR.get(m.assertion, 1.0)
            if m.source == "model":
                conf *= LINK_WEIGHT
            elif self.calibration is not None and m.source != "mined":
                conf *= self.calibration.rate(mapped.system, mapped.code)
            exact = mapped.exact and m.assertion is Assertion.PRESENT and len(m.words) >= 2
            if exact:
                conf = max(conf, EXACT_FLOOR)
            notes = [RuleNote("match", _SOURCE_NOTES.get(mapped.source, "matched a lexicon term")), *mapped.notes]
            f = Finding(mapped.code, mapped.system, round(conf, 4), [Span(m.start, m.end, m.section)],
                        m.assertion, notes, {m.section}, list(mapped.defaults),
                        m.source if m.source in ("mined", "model") else "lexicon", exact=exact)
            before = f.copy() if f.assertion is Assertion.HISTORICAL and f.system is CodeSystem.ICD10CM else None
            if f.assertion is Assertion.ABSENT:
                denied.add(f.code)
                if m.refuted:
                    refuted.add(f.code)
            if self.claims_rules and f.assertion is Assertion.HISTORICAL and f.code[:1] == "S" and \
                    len(f.code) == 8 and f.code[-1] in "DGKPMNABC" and \
                    (_UNDER_CARE & set(words) or f.code[-1] in _HEALING_TROUBLE) and \
                    not any(w.isdigit() and len(w) == 4 for w in words) and \
                    not any(w == "age" and x.isdigit() for w, x in zip(words, words[1:])) and \
                    not (f.code[-1] not in _HEALING_TROUBLE and _YEARS_AGO(" ".join(words))) and \
                    not _said_healed(s.words, m.tok_start, m.tok_end):
                # (nor one the note says healed: "s/p ORIF bimalleolar fracture, healed; painful hardware")
                # (nor one the note dates by the patient's age then: "PSH: ORIF L wrist fx age 12", nor
                # years ago: "bimalleolar fx R ankle 4 yrs ago, s/p ORIF, healed" is a past one)
                # "6 wk s/p closed reduction and casting of R Colles fx ... healing as expected": the
                # fracture under care at a subsequent encounter, not a past one (I.C.19.a); one the
                # mention took as initial is the routine healing's ("4 wks s/p closed reduction of R
                # Colles fx. Cast changed": S52.531D); a nonunion or malunion the note names is today's
                # ("s/p L scaphoid fx 4 months ago ... nonunion": S62.002K)
                later = f.code[:-1] + _SUBSEQUENT.get(f.code[-1], f.code[-1])
                if later != f.code and self.cm.id_of(later) >= 0 and self.cm.is_billable(later):
                    f.code = later
                f.assertion = Assertion.PRESENT
                f.notes.append(RuleNote("seventh_character", "an injury still under care after its treatment: "
                                                             "subsequent encounter"))
            if self.claims_rules:
                late = sequelae.injury_sequela(f, s.words, m.tok_start, residual_linked)
                if late is not None and self.cm.id_of(late) >= 0 and self.cm.is_billable(late):
                    f.notes.append(RuleNote("sequela", f"old injury a residual follows: {late} (7th character S, "
                                                       "I.C.19.a)", f.code))
                    f.code, f.assertion = late, Assertion.PRESENT
                    residual_sentences.add(m.sentence)
                elif f.assertion is Assertion.HISTORICAL and f.code.startswith("I69"):
                    f.assertion = Assertion.PRESENT   # a sequela code names a present residual (I.C.9.d)
                    residual_sentences.add(m.sentence)
                elif self.index is not None and \
                        (late := sequelae.disease_sequela(f, s.words, m.tok_start, self.index.tree, self.cm)):
                    f.notes.append(RuleNote("sequela", f"a past disease a residual follows: Sequelae (of) > "
                                                       f"{late[1]}, {late[0]} (I.B.10)", f.code))
                    f.code, f.assertion, f.defaults = late[0], Assertion.PRESENT, []
            if self.claims_rules and f.assertion is Assertion.PRESENT and not _neoplasm(f.code) and \
                    _cured(words, breaks.get(m.sentence) or _clause_breaks(s), m.tok_end):
                f.assertion = Assertion.HISTORICAL   # "Hep C, treated/cured": a past condition (I.C.21.c.4)
                # (a malignancy's history is the neoplasm reader's: "BCC ... no recurrence" is Z85.828)
            history = None
            if self.claims_rules and f.assertion is Assertion.HISTORICAL and f.code[:1] in "VWXY" and \
                    not (m.words == ("fall",) and m.end - m.start > len("fall")) and \
                    _INJURY_WORDS & set(words):
                continue   # "h/o R wrist fracture 2010 (bike fall), healed": how an old injury
                # happened, no history of falling (Z91.81); "history of falls" still is one
            if self.claims_rules and f.assertion is Assertion.HISTORICAL and f.code[:1] in "VWXY" and \
                    m.words == ("fall",) and m.end - m.start == len("fall") and \
                    _status_post(words[max(0, m.tok_start - _MECHANISM_REACH):m.tok_start]):
                continue   # "subdural hematoma, s/p ground-level fall at home": the injury's mechanism,
                # one fall, no history of falling (Z91.81)
            if self.index is not None and f.assertion in (Assertion.HISTORICAL, Assertion.FAMILY):
                # the condition's own words (and their neighbours), never the rest of the window:
                # "hearing loss" in a history list is not the urinary infection two words on
                # (a fracture's kind may sit two words before it: "osteoporotic T12 compression fx")
                kind = tuple(w for w in words[max(0, m.tok_start - 3):m.tok_start] if w in _FRACTURE_KINDS) \
                    if f.code[:1] in "ST" else ()
                if "D10" <= f.code[:3] <= "D36" or f.code.startswith("K63.5"):   # a benign neoplasm's or a
                    kind += ("benign", "neoplasm")   # colon polyp's history: History > personal > neoplasm >
                    # benign > colon polyp (Z86.010-)
                # (a past fracture is History > personal > fracture, healed, whatever its neighbours
                # say: "Hx of L distal radius fx after fall 2016" is Z87.81, not a history of falling)
                history = None if f.assertion is Assertion.HISTORICAL and f.code[:1] == "S" and \
                    "fracture" in self.cm.description(f.code).lower() else \
                    self.index.history_code(f.assertion, near + kind + tuple(m.words), tuple(m.words) + kind)
                if history is None and len(m.words) == 1 and f.system is CodeSystem.ICD10CM and \
                        self.cm.id_of(f.code) >= 0 and not self.index.tree.knows(m.words[0]):
                    # an abbreviation the index does not spell ("Mother has POAG"): the words of the
                    # code it stands for walk History > family instead (glaucoma: Z83.511)
                    title = tuple(normalize_phrase(self.cm.description(f.code).lower().split(",")[0]))
                    history = self.index.history_code(f.assertion, title, title)
                if history is None and f.assertion is Assertion.HISTORICAL and "Q00" <= f.code[:3] <= "Q89" and \
                        self.cm.id_of(f.code) >= 0 and _CORRECTED & set(words):
                    # a congenital malformation the note says was corrected (I.C.17): History > personal >
                    # congenital malformation > the system its Tabular block names ("VSD repaired as an
                    # infant": Z87.74); chromosomal anomalies (Q90-Q99) last
                    system = tuple(normalize_phrase(self.cm.block_of(f.code)[1].lower()))
                    history = self.index.history_code(f.assertion, ("congenital", "malformation") + system + tuple(
                        normalize_phrase(self.cm.description(f.code).lower())))
            said_as = f.copy() if unasserted is not None and f.assertion is not Assertion.PRESENT else None
            # (what a past operation took away or replaced is gone: "She had TAVR in 03/2022 for
            # severe aortic stenosis", Z95.2 alone)
            gone = self.claims_rules and f.assertion is Assertion.PRESENT and f.code[:1] not in "CDZ" and \
                _done_before(s.words, m.tok_start)   # (the dates a qualifier's window blanks say when)
            if self.claims_rules and f.assertion is Assertion.PRESENT and f.code.startswith(INFARCTS) and \
                    max(_weeks_ago(s.words, m.tok_end), _weeks_after(s.words, m.tok_start)) > _INFARCT_WEEKS:
                # an infarct dated more than four weeks before is an old one ("Index event: NSTEMI 03/31
                # (7 wks ago)": I25.2, I.C.9.e.1)
                gone = True
            if gone:
                f.assertion = Assertion.HISTORICAL
                before = before or f.copy()   # (listed as past: an aftercare's reason is found among them)
            inactive = gone or self.claims_rules and f.assertion is Assertion.HISTORICAL and \
                _inactive(s.words, breaks.get(m.sentence) or _clause_breaks(s), m.tok_start, m.tok_end, f.code) and \
                not (f.code[:3] in present_categories and _said_rare(s.words, m.tok_end))
            f = gl.apply_assertion(f, self.guidelines, setting, history, inactive)
            if said_as is not None and said_as.system is CodeSystem.ICD10CM and (f is None or f.code != said_as.code):
                _keep_first(unasserted, said_as)   # what a claim billing it is checked against
            if before is not None and (f is None or f.code != before.code):
                # CodiEsp's annotators often code a past condition as current: listed, never reported
                instead = f"{f.code} reported instead" if f is not None else "no history code"
                before.notes.append(RuleNote("not_reported", f"past condition: {instead}", f.code if f else ""))
                before.reportable = False
                if before.code in past:
                    past[before.code].merge(before)
                else:
                    past[before.code] = before
            if f is None:
                continue
            extras = []
            if mapped.also and f.code == mapped.code:
                extra = f.copy()
                extra.code, extra.defaults = mapped.also, []
                extra.notes.append(RuleNote("use_additional", f"{mapped.code} asks for {mapped.also} beside it",
                                            mapped.code))
                extras.append(extra)
            if mapped.sibling and f.code == mapped.code and self.claims_rules:
                extra = f.copy()
                extra.code, extra.defaults = mapped.sibling, []
                extra.notes.append(RuleNote("specificity", f"each subterm the note lists: {mapped.code} and "
                                                           f"{mapped.sibling}", mapped.code))
                extras.append(extra)
            if self.claims_rules and f.code == mapped.code and f.assertion is Assertion.PRESENT and \
                    f.system is CodeSystem.ICD10CM and _BILATERAL & set(window):
                sides = _sided_pair(self.cm, f.code)
                if sides is not None:
                    # no bilateral code: the right and the left are each coded (I.B.13)
                    f.notes.append(RuleNote("laterality", f"bilateral, no bilateral code: {sides[0]} and {sides[1]} "
                                                          "(I.B.13)", f.code))
                    f.code = sides[0]
                    extra = f.copy()
                    extra.code, extra.defaults = sides[1], []
                    extras.append(extra)
            if self.claims_rules and f.code == mapped.code and f.assertion is Assertion.PRESENT and \
                    f.system is CodeSystem.ICD10CM and _of_an_eye(f.code, self.cm.description(f.code)):
                said_of = list(words)
                eyes = _eye_segments(said_of, m.tok_end)
                if eyes is None and not any(w in _EYE_MARKS for w in words[m.tok_end:]):
                    # "POAG OU. OD: ..., moderate stage. OS: ..., severe stage.": the next sentences
                    # that open with an eye say each eye's
                    for t in sentences[m.sentence + 1:m.sentence + 3]:
                        if any(_eye_at(t.words, k) for k in range(min(4, len(t.words)))):
                            said_of += t.words
                    eyes = _eye_segments(said_of, len(words))
                if eyes is not None:
                    per_eye = {}
                    for eye, other in (("right", "left"), ("left", "right")):
                        if _EYE_FREE & {said_of[k] for k in eyes[eye][1:4]}:
                            per_eye[eye] = None   # "cataract OD; OS lens clear": the left eye has none
                            continue
                        gone = {said_of[k] for k in eyes[other]} - {said_of[k] for k in eyes[eye]} - set(m.words)
                        own = tuple(said_of[k] for k in eyes[eye])   # (beyond the window too: "Primary
                        # open-angle glaucoma: OCT and VF show R eye moderate stage and L eye mild stage")
                        w_eye = tuple(w for w in window if w not in gone and w not in ("ou", "bilateral")) + own + (eye, "eye")
                        got = self._map_mention(m, w_eye, tuple(w for w in near if w not in gone) + (eye,),
                                                _preferred(context_words))
                        per_eye[eye] = got.code if got is not None and f" {eye} eye" in got.description else None
                    pair = _eye_pair(self.cm, per_eye["right"], per_eye["left"], bool(_BOTH_EYES & set(window)))
                    if pair:
                        # "POAG OD moderate, OS mild": each eye its own stage (H40.1112, H40.1121);
                        # the same in both, the bilateral code (I.B.13)
                        f.notes.append(RuleNote("laterality", "each eye as the note says it: " + ", ".join(pair), f.code))
                        f.code = pair[0]
                        for code in pair[1:]:
                            extra = f.copy()
                            extra.code, extra.defaults = code, []
                            extras.append(extra)
            if mapped.more and f.code == mapped.code:
                for code in mapped.more:
                    extra = f.copy()
                    extra.code, extra.defaults = code, []
                    extra.notes.append(RuleNote("combination", f"another \"with\" subterm of the entry that gave "
                                                               f"{mapped.code} (I.A.15)", mapped.code))
                    extras.append(extra)
            for g in (f, *extras):
                if g.code in found:
                    found[g.code].merge(g)
                else:
                    found[g.code] = g
            if self.claims_rules and f.assertion is Assertion.PRESENT:
                said.setdefault(f.code, []).append((m.sentence, m.tok_start, m.tok_end,
                                                    frozenset(m.words) - _QUALIFIERS, m.words[-1] if m.words else ""))
                if mapped.walked and f.code == mapped.code:
                    for code in (f.code, *mapped.more):
                        walks.append((m.sentence, m.tok_start, m.tok_end, code, frozenset(mapped.walked),
                                      frozenset(mapped.site)))
        starts = [s.start for s in sentences]
        for c, f in past.items():
            if residual_sentences and not c.startswith(("S", "T")) and \
                    any(sequelae.sentence_of(sentences, starts, e.start) in residual_sentences for e in f.evidence):
                # "hypertrophic scar ... from a laceration 14 months ago": the scar is present
                f.reportable, f.assertion = True, Assertion.PRESENT
                f.notes = [n for n in f.notes if n.kind != "not_reported"]
                f.notes.append(RuleNote("sequela", "residual of an old injury: coded as present (I.B.10)"))
                found[c] = f
                continue
            late = self._sided_sequela(c, found) if self.claims_rules and c[:1] == "S" else None
            if late is not None:
                # "bimalleolar fx R ankle 4 yrs ago ... A/P: post-traumatic OA R ankle as a late effect of
                # the old bimalleolar fx": the sequela is the right ankle's, as the past mention says
                # (S82.841S; the unsided S82.843S then yields to it)
                f.code, f.reportable, f.assertion = late, True, Assertion.PRESENT
                f.notes = [n for n in f.notes if n.kind != "not_reported"]
                f.notes.append(RuleNote("sequela", "old injury a residual follows, its side from the past mention: "
                                                   f"{late} (7th character S, I.C.19.a)"))
                found.setdefault(late, f)
                continue
            if self.claims_rules and c[:1] == "S" and c[-1:] not in "AS" and c not in found and \
                    self._same_injury(c, found):
                # "10 wks s/p R Colles fx ... A/P: delayed union R distal radius fx": the fracture
                # under care, said specifically once (S52.531G), not a past one beside S52.501G
                f.reportable, f.assertion = True, Assertion.PRESENT
                f.notes = [n for n in f.notes if n.kind != "not_reported"]
                found[c] = f
                continue
            if c in found and f.code[:1] == "R":
                # a symptom said as past and as present is one finding: the readers that follow see
                # both sentences ("stroke 2023 with residual dysphagia ... dysphagia unchanged": I69.391)
                add_evidence(found[c].evidence, f.evidence)
                continue
            found.setdefault(c, f)
        if self.claims_rules:
            _refer_back(anaphors, found, sentences)
            self._absorb_parts(found, said, walks)
            # a diagnosis only ever qualified ("to r/o ACS") and then ruled out is not coded (II.H)
            for c in [c for c, f in found.items() if c in denied and f.assertion is Assertion.POSSIBLE or c in refuted]:
                del found[c]   # (nor an entry the note refutes: "HTN (not on meds ... not a true dx per PCP)")
        return found

    def _absorb_parts(self, found: dict[str, Finding], said: dict[str, list[tuple]], walks: list[tuple]) -> None:
        """A condition an index walk used as a subterm is part of the code it gave (the "with"
        convention, I.A.15): "type 2 DM with diabetic peripheral neuropathy" is E11.40 (Diabetes
        > with > neuropathy) and no G62.9 beside it, unless the code's notes ask for it ("use
        additional code" for the CKD stage beside E11.22) or the note names it elsewhere too."""
        sites = self.index.sites   # a site the mention names that the walk did not ("respiratory failure"
        # is not the "heart failure" of "hypertensive heart disease with heart failure")
        by_word: dict[tuple[int, str], list[tuple]] = {}   # (sentence, walked word) -> the walks: no pair scan
        for walk in walks:
            for w in walk[4] | walk[5]:
                by_word.setdefault((walk[0], w), []).append(walk)
        for code, places in said.items():
            if code not in found or code[:1] in "RZ" or code.startswith(("A40", "A41")) or not places:
                continue   # a sepsis is never a subterm of its local infection's code
            owners = set()
            for si, a, b, own, head in places:
                # the walk named the condition itself, its head noun ("respiratory failure" is not
                # walked by "with > respiratory syncytial virus" through "respiratory")
                heads = {head, *walk_words((head,))} if head else set()
                # (by the site alone only when the site says all of it: "ileitis" is the small
                # intestine's; "respiratory failure" is not the heart's)
                owner = next((c for w in (*own, *walk_words(own)) for _, wa, wb, c, walked, site in by_word.get((si, w), ())
                              if c != code and c[:3] != code[:3] and (b <= wa or wb <= a)
                              and ((not heads or heads & walked) and not any(
                                  x in sites and not (x in walked or walk_words((x,)) & walked) for x in own)
                                   if w in walked else
                                   all(x in site or walk_words((x,)) & site for x in own))), None)
                if owner is None:
                    owners = set()
                    break
                owners.add(owner)
            if not owners:
                continue
            owner = min(owners)
            asked = sum((self.guidelines.referenced(owner, k) for k in ("use_additional", "code_first", "code_also")), ())
            kins = [r for r in asked if r[:3] == code[:3] and r != code and self.cm.id_of(r) >= 0
                    and self.cm.is_billable(r)]
            kin = kins[0] if len(kins) == 1 and kins[0] not in found else None
            if kin is not None and not any(code.startswith(r) for r in asked):
                # "neutropenic fever": D70's "use additional code for any associated fever" names
                # R50.81, the fever's code beside it (not R50.9)
                g = found.pop(code)
                g.code = kin
                g.notes.append(RuleNote("use_additional", f"{owner} asks for {kin} beside it", owner))
                found[kin] = g
                continue
            # (a range of its category, "N18.1-N18.6" for the CKD stage: an unstaged CKD is N18.9 beside it)
            if any(code.startswith(r) for r in asked) or len(kins) > 1 or self._asks_for_infection(owner, code) or \
                    any("identify complication" in n.lower() for n in self.cm.notes(owner, "use_additional")):
                continue   # (E11.69 "use additional code to identify complication": the osteomyelitis M86.-)
            if any("underlying" in n.lower() for n in self.cm.notes(owner, "code_first", True)):
                continue   # "code first underlying disease" (I85.1- secondary varices): the cirrhosis is coded first
            found[code].reportable = False
            found[code].notes.append(RuleNote("not_reported", f"part of {owner} (the index's \"with\" subterm, "
                                                              "I.A.15): not reported", owner))
            found[owner].evidence.extend(e for e in found[code].evidence if e not in found[owner].evidence)
            found[owner].notes.append(RuleNote("combination", f"{code} is part of this code (I.A.15)", code))

    def _sided_sequela(self, c: str, found: dict[str, Finding]) -> str | None:
        """The sequela (7th character S) of the past injury ``c`` where the note codes that injury's
        sequela only with an unspecified side: ``c``'s own side with S, or None."""
        if c[-1:] == "S" or len(c) != 8:
            return None
        late = c[:-1] + "S"
        if self.cm.id_of(late) < 0 or not self.cm.is_billable(late) or late in found:
            return None
        for o, g in found.items():
            if o[-1:] == "S" and o[:3] == c[:3] and g.assertion is Assertion.PRESENT and g.reportable:
                pair = _sided_pair(self.cm, o[:-1])
                if pair is not None and c[:-1] in pair:
                    return late
        return None

    def _same_injury(self, c: str, found: dict[str, Finding]) -> bool:
        """Whether a present injury of ``c``'s category, side and episode is coded only as
        unspecified: then ``c`` (said as "s/p" the injury) names the injury under care."""
        title = self.cm.description(c).lower()
        side = next((w for w in ("right", "left") if f" {w} " in title), "")
        for o, g in found.items():
            if o[:3] == c[:3] and o[-1] == c[-1] and g.assertion is Assertion.PRESENT and g.reportable:
                other = self.cm.description(o).lower()
                if "unspecified" in other and (not side or f" {side} " in other):
                    return True
        return False

    def _asks_for_infection(self, owner: str, code: str) -> bool:
        """Whether ``owner``'s "code also" / "use additional code" note asks "to identify the
        infection" and ``code`` is one ("COPD ... due to acute bronchitis": J44.0 and J20.9)."""
        notes = [n for c in (owner, owner[:3]) for kind in ("code_also", "use_additional")
                 for n in (self.cm.notes(c, kind) if self.cm.id_of(c) >= 0 else ())]
        if not any("identify the infection" in n.lower() for n in notes):
            return False
        title = self.cm.description(code).lower()
        return code[:1] in "AB" or "J00" <= code[:3] <= "J22" or any(w in title for w in _INFECTION_WORDS)

    def _asked_by_next(self, m: Mention, mentions: list[Mention]) -> bool:
        """Whether the mention right after ``m`` codes a condition whose notes ask for ``m``'s
        category beside it ("febrile neutropenia": D70's "use additional code for any associated
        fever", R50.81)."""
        cats = {c.code[:3] for c in m.candidates}
        return any(n.sentence == m.sentence and n.tok_start == m.tok_end and
                   any(r[:3] in cats for c in n.candidates if c.system is CodeSystem.ICD10CM
                       for r in self.guidelines.referenced(c.code, "use_additional"))
                   for n in mentions)

    def _adjective(self, word: str) -> frozenset[str]:
        """The main term's own codes where ``word`` is the adjective spelling of an index main term
        ("Ischemia, ischemic" I99.8: ischemic), not its noun; empty otherwise (memoised)."""
        memo = self.__dict__.setdefault("_adjective_memo", {})
        hit = memo.get(word)
        if hit is None:
            tree = self.index.tree if self.index is not None else None
            hit = memo[word] = frozenset() if tree is None else frozenset(
                tree.nodes[i].code for i in tree.main_terms(word)
                if tree.nodes[i].code and word.endswith(_ADJECTIVE_ENDS) and len(tree.nodes[i].words) > 1
                and tree.nodes[i].words[0] != word and word in tree.nodes[i].words[1:])
        return hit

    def _map_mention(self, m: Mention, window: tuple[str, ...], near: tuple[str, ...],
                     prefer: frozenset[str] = frozenset(), sentence: tuple[str, ...] = (),
                     beside: tuple[str, ...] = (), foreign: frozenset[str] = frozenset()):
        """The mention's code; with index coding, the note's side abbreviations are read and the
        main term's subterms walked ("primary OA of both knees": M19.90 -> M17.0). ``foreign``: the
        words after it that only other conditions' own names say (see ``_foreign_sites``)."""
        if self.index is None:
            return self.mapper.map(m.candidates, window, near)
        # a roman one after its numbered word is the number ("Obesity, class I": class 1, E66.811;
        # "ii" is folded in every word, a lone "I" is no number elsewhere)
        near, read = _roman_one(near), _roman_one(window)
        if self.claims_rules and _SCREEN_WORDS.intersection(read):
            # what a negative screening looked for is none of the condition's ("DM2 (retinopathy screening
            # neg 2024)": no Diabetes > with > retinopathy)
            read, near, sentence, beside = (_not_screened(x) for x in (read, near, sentence, beside))
        if self.claims_rules and "rather" in sentence:
            # what "rather than" sets aside is none of the condition's ("the anemia is due to myelosuppression
            # from carboplatin rather than anemia of the malignancy itself": no Anemia > in > neoplastic disease)
            read, near, sentence, beside = (_not_rather(x) for x in (read, near, sentence, beside))
        if self.claims_rules and _IATROGENIC in read and _PROCEDURE_WORDS.intersection(sentence):
            # a condition a procedure of its sentence caused is its postprocedural one ("pneumothorax,
            # iatrogenic, complicating the biopsy": Pneumothorax > postprocedural, J95.811)
            read, near = read + ("postprocedural",), near + ("postprocedural",)
        if _UNINVOLVED.intersection(read) or _UNINVOLVED.intersection(sentence):
            # a site the note says is spared is none of the condition's ("Crohn's colitis (colon only -
            # ileum normal)": the large intestine's K50.10, not both intestines' K50.80)
            sites = self.index.tree.site_words
            read, sentence, beside = (_involved(x, sites) for x in (read, sentence, beside))
        if m.candidates and (same := self._equivalent_terms(m.candidates[0].code)) and \
                any(_says_term(beside or window, t) for t in same[1]):
            # a term the Tabular's note makes equivalent to one of its titles' words ("the following terms
            # are to be considered equivalent to intractable: pharmacoresistant ..., refractory
            # (medically) ...", G40 and G43): "migraine without aura, refractory" is G43.019
            read, near = read + (same[0],), near + (same[0],)
        mapped = self.mapper.map(m.candidates, side_words(undenied(read)), near)
        if mapped is None:
            return None
        named = m.candidates[0].code if m.candidates else ""
        return self.index.refine(m.words, mapped, read, near, prefer, named, sentence, beside, foreign) or mapped

    def _equivalent_terms(self, code: str) -> tuple[str, tuple[tuple[str, ...], ...]] | None:
        """(the title word, the terms the code's Tabular note makes equivalent to it), read from a
        note "the following terms are to be considered equivalent to <word>: <term>, <term> and
        <term>" on the code or above it; None where it has none. Read once per code."""
        memo = self.__dict__.setdefault("_equivalent_memo", {})
        if code not in memo:
            found = None
            if self.cm.id_of(code) >= 0:
                for note in self.cm.notes(code, "notes", inherited=True):
                    e = _EQUIVALENT_NOTE.search(note)
                    if e is not None:
                        terms = re.split(r",|\band\b|\(|\)", e.group(2))
                        found = (e.group(1).lower(), tuple(t for t in (normalize_phrase(x) for x in terms) if t))
                        break
            memo[code] = found
        return memo[code]

    def _suggestion(self, i: int, f: Finding) -> CodeSuggestion:
        desc = self.cm.description(f.code) if f.system is CodeSystem.ICD10CM else (
            self.pcs.description(f.code) if self.pcs is not None else f.code)
        notes = tuple(dict.fromkeys(f.notes))
        return CodeSuggestion(system=f.system, code=f.code, description=desc,
                              confidence=round(min(f.confidence, 0.99), 4), evidence=tuple(f.evidence),
                              assertion=f.assertion, notes=notes, sequence=i + 1,
                              principal=(i == 0 and f.system is CodeSystem.ICD10CM),
                              suggestion_id="")   # the engine assigns it, with the encounter id


# What says a condition went away: during a stay, it was present and treated (an inpatient
# "acute metabolic encephalopathy, resolved" is coded).
_RESOLVED = frozenset(("resolved",))
_RESOLVED_NOW = frozenset("on upon spontaneously en prior before with".split())
_RESOLVED_REACH = 8


_NEGATORS_BEFORE = frozenset(("no", "not", "without", "nor"))
_NOT_YET = frozenset(("yet", "a", "an"))   # read past between a negator and its word ("not yet a nonunion")


def _preferred(context_words: tuple[str, ...], m: Mention | None = None) -> frozenset[str]:
    """The index subterms a note's context prefers in a tie: its own words, and a newborn's note
    its "newborn" subterms (Failure > respiratory > newborn, P28.5), unless the mention already
    names a perinatal code ("anemia of prematurity" P61.2 stays, no Anemia > newborn P61.4)."""
    perinatal = m is not None and bool(m.candidates) and m.candidates[0].code[:1] == "P"
    newborn = "newbornnote" in context_words and not perinatal
    return frozenset(context_words) | (frozenset(("newborn",)) if newborn else frozenset())


_ROUTINE_HEALING = frozenset(("healing", "healed"))
_MATERNAL = frozenset(("maternal", "mother's", "mothers", "mom's", "moms"))


def _encounter_cues(s: Sentence) -> frozenset[str]:
    """The words of a sentence that name an injury's episode of care (healing, nonunion, sequela;
    "delayed union" / "delayed healing": 7th character G), none it denies ("Not a nonunion at this
    point"); none from advice ("discussed increased risk of delayed wound healing"), a surgical
    scar ("left knee well-healed scar") or an old injury ("PMH: T12 compression fracture 2021, healed")."""
    words = s.words
    if _ADVICE_WORDS & set(words) or _old_injury(s):
        return frozenset()
    scar = bool(_SCAR_WORDS & set(words))
    out = {w for i, w in enumerate(words) if w in ENCOUNTER_CUES and not (w in ("healed", "healing") and scar)
           and not _NEGATORS_BEFORE & set([x for x in words[max(0, i - 4):i] if x not in _NOT_YET][-2:])
           and not (w == "healing" and i and words[i - 1] in HEALING_AFFECTED)}   # ("diabetes may impair healing")
    out |= {"delayed" for i in range(len(words) - 1) if words[i] == "delayed" and words[i + 1] in ("union", "healing")
            and not _NEGATORS_BEFORE & set(words[max(0, i - 2):i])}
    # "Ortho: open fx, Gustilo type II" beside "XR: displaced transverse fx of R tibial shaft": the
    # fracture is open (7th character B) where the note says so of a fracture in its own sentence
    opened = {"open" for i in range(len(words) - 1) if words[i] == "open" and words[i + 1] in _FRACTURE_NOUNS
              and not _NEGATORS_BEFORE & set(words[max(0, i - 2):i])}
    if opened:
        # ... and its Gustilo type III there ("Gustilo-Anderson type IIIB open fx": 7th character C)
        said = set(words)
        out |= opened | (said & GUSTILO_III) | (said & (GUSTILO_III_SHORT | {"gustilo", "type", "grade"})
                                                if "gustilo" in said else set())
    return frozenset(out)



def _resolved_since(words: Sequence[str], after: int) -> bool:
    """Whether the "resolved" after a mention says it went away before this stay ("created 4/2024
    for perforated diverticulitis, since resolved", "long since resolved")."""
    return any(words[k] == "resolved" and words[k - 1] == "since" for k in range(after + 1, min(len(words), after + 3)))


_IMAGING_LABELS = frozenset("xr x ray xray radiograph radiographs ct mri mr us ultrasound".split())
_LABEL_REACH = 6   # words of an imaging label before its colon ("XR R knee 3 views:")


def _imaging_label(words: Sequence[str], text: str, s) -> tuple[str, ...]:
    """The words of an imaging label that opens the sentence ("XR R knee:", "MRI L shoulder:"),
    or () where the sentence opens otherwise."""
    if not words or words[0] not in _IMAGING_LABELS:
        return ()
    for k in range(1, min(len(words), _LABEL_REACH + 1)):
        if ":" in text[s.tokens[k - 1].end:s.tokens[k].start]:
            return tuple(words[1:k])
    return ()


_UNINVOLVED = frozenset(("normal", "spared", "uninvolved", "unaffected", "unremarkable"))


def _involved(words: Sequence[str], sites: frozenset[str]) -> tuple[str, ...]:
    """``words`` without a site the next word says is spared ("ileum normal", "colon spared")."""
    return tuple(w for k, w in enumerate(words) if not (k + 1 < len(words) and words[k + 1] in _UNINVOLVED
                                                        and w in sites))


_EQUIVALENT_NOTE = re.compile(r"considered equivalent to (\w+)\s*:\s*(.+)$", re.I)


def _says_term(words: Sequence[str], term: tuple[str, ...]) -> bool:
    """Whether ``words`` say ``term``'s words one after another."""
    n = len(term)
    return any(tuple(words[k:k + n]) == term for k in range(len(words) - n + 1))


def _roman_one(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("1" if w == "i" and k and words[k - 1] in _NUMBERED_WORDS else w for k, w in enumerate(words))


_FREE_OF = re.compile(r"-free\b", re.I)
_ADMITTED = frozenset(("admitted", "hospitalized", "hospitalised", "admission", "hospitalization"))
_RECENT = frozenset(("ago", "recent", "recently", "last", "prior", "previous"))
_STAY_REASON_REACH = 16   # words from "admitted" to the reason its "for" gives


def _past_stay_reason(words: Sequence[str], i: int) -> bool:
    """Whether the mention at word i is the reason of an earlier stay the sentence tells of
    ("Admitted 5 wks ago (Memorial) for LLL pneumonia", "recent admission for CHF exacerbation")."""
    for k in range(max(0, i - _STAY_REASON_REACH), i):
        if words[k] in _ADMITTED and "for" in words[k + 1:i] and _RECENT & set(words[max(0, k - 2):i]):
            return True
    return False


def _not_screened(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words without a negative screening's target ("retinopathy screening neg")."""
    drop = {k - 1 for k, w in enumerate(words) if k and w in _SCREEN_WORDS
            and screening.NEGATIVE_RESULTS.intersection(words[k + 1:k + 3])}
    return tuple(w for k, w in enumerate(words) if k not in drop) if drop else words


_SCREEN_WORDS = frozenset(("screening", "screen", "screened"))


def _not_rather(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words without what a "rather than" sets aside (its next ``_RATHER_SPAN`` words)."""
    k = next((i for i in range(len(words) - 1) if words[i] == "rather" and words[i + 1] == "than"), None)
    return words if k is None else words[:k] + _not_rather(words[k + 2 + _RATHER_SPAN:])


_RATHER_SPAN = 6


def _past_parenthesis(text: str, s: Sentence, m) -> int | None:
    """The index of the first token after a short parenthesis right after the mention ("Catatonia
    (malignant catatonia) considered") or after the one it ends, or None."""
    if m.tok_end >= len(s.tokens):
        return None
    if text[m.end:s.tokens[m.tok_end].start].strip() == ")" and text.rfind("(", s.start, m.start) > \
            text.rfind(")", s.start, m.start) and not text[text.find(")", m.end) + 1:s.tokens[m.tok_end].start].strip():
        return m.tok_end   # (or the parenthesis it ends: "(malignant catatonia) considered")
    if text[m.end:s.tokens[m.tok_end].start].strip() != "(":
        return None
    opened = text.find("(", m.end)
    close = text.find(")", opened, opened + _PAREN_REACH)
    if close < 0 or "(" in text[opened + 1:close]:
        return None
    k = next((i for i in range(m.tok_end, len(s.tokens)) if s.tokens[i].start > close), None)
    # (the parenthesis must end its clause's words right there: "MRSA colonization (nares) - contact
    # precautions" goes on past a dash, no qualifier of the condition)
    return k if k is not None and not text[close + 1:s.tokens[k].start].strip() else None


_PAREN_REACH = 60   # characters a parenthesis after a mention may run


def _resolved_now(words: Sequence[str], after: int, gaps: Sequence[bool] = (), commas: Sequence[bool] = ()) -> bool:
    """Whether a "resolved" right after a mention says it went away during this visit ("resolved on
    arrival", "resolved spontaneously", "resolved with nitroglycerin"; not "resolved; on regular
    diet", where ``gaps`` / ``commas`` mark a semicolon or comma before the next word)."""
    for k in range(after, min(len(words) - 1, after + _RESOLVED_REACH)):
        if words[k] == "resolved":
            return words[k + 1] in _RESOLVED_NOW and not any(k + 1 < len(x) and x[k + 1] for x in (gaps, commas))
    return False


# Titles that name an infection outside chapter 1 and the acute respiratory infections (J00-J22).
_INFECTION_WORDS = ("infection", "pneumonia", "abscess", "cellulitis", "sepsis")


# What says a past condition no longer exists or is not treated (I.C.21.c.4), in its own list
# item: "asthma as a child", "migraines in college", "GERD in the past, resolved", "anxiety, no
# current treatment", "atrial flutter s/p ablation, no recurrence". ("since adolescence, twice a
# month" is a condition still there.)
_CURED_WORDS = frozenset(("cured", "svr", "svr12", "svr24"))   # (SVR: a hepatitis C cured)
_NO_RECURRENCE = (("no", "recurrence"), ("no", "recurrences"))
_GONE_WORDS = frozenset("resolved outgrew outgrown inactive healed".split()) | _CURED_WORDS
_GONE_RUNS = (("as", "a", "child"), ("as", "a", "teen"), ("as", "a", "teenager"), ("as", "a", "kid"),
              ("as", "an", "infant"), ("as", "a", "toddler"), ("in", "childhood"), ("in", "high", "school"),
              ("in", "college"), *_NO_RECURRENCE, ("in", "the", "past"),
              ("as", "child"), ("as", "kid"), ("as", "teen"), ("as", "teenager"))   # (dictated: "asthma as child")
# ... and what says only that it is quiet or untreated now: a condition kept up by its treatment
# stays coded ("hypertension, no longer on medication", "epilepsy, no seizures since 2015").
_QUIET_RUNS = (("none", "since"), ("none", "in"), ("none", "during"), ("no", "longer"), ("no", "current", "treatment"),
               ("no", "current", "medication"), ("no", "current", "medications"), ("no", "treatment"),
               ("off", "medication"), ("off", "medications"), ("off", "treatment"), ("off", "therapy"))
_QUIET_THINGS = frozenset("inhaler use medication medications treatment episodes episode attacks attack "
                          "flares flare recurrence one bout".split())   # "no inhaler use since", "last one"
_MAINTAINED = ("I10", "I11", "I12", "I13", "I15", "I16", "E08", "E09", "E10", "E11", "E13", "E78", "N18",
               "E66", "I25", "I50", "G40", "E03", "J44", "B20", "E05", "G20", "G35")
_RARE = frozenset("rare infrequent occasional".split())   # said of an episodic condition's episodes
_LEADS = frozenset("none no resolved last off not never outgrew treated healed remote both".split()) | _CURED_WORDS | _RARE
_REMOVED = frozenset("resection resected excision excised removal removed explant explanted "
                     "rai radioiodine amputation amputated bka aka".split())
# (a thyroid ablated with radioactive iodine: "RAI for Graves"; a part amputated is gone with what it was
# taken off for: "Prior L hallux amputation (2021, for osteomyelitis)")
_REPLACED = frozenset("arthroplasty replacement replaced tka tkr tha thr tsa".split())
# an operation named by its kind, dated by what _done_before reads ("underwent Hartmann's procedure 4
# mo ago for perforated sigmoid diverticulitis": the diverticulitis is its past)
_OPERATED = frozenset(("procedure", "operation", "surgery"))
# the operations that take their condition away since: a valve replaced, a prostate resected ("BPH s/p TURP")
_REPLACED_SINCE = frozenset("tavr tavi savr avr mvr tmvr turp".split())
_ITEM_REACH = 12   # words of a list item read after its condition
_TAKEN_REACH = 6   # ... of which these may say its organ was taken out
_CURED_BY = {"E05": frozenset(("rai", "radioiodine", "thyroidectomy")),   # hyperthyroidism
             "E21.0": frozenset(("parathyroidectomy",))}


def _neoplasm(code: str) -> bool:
    return code[:1] == "C" or "D00" <= code[:3] <= "D49"


def _cured(words: list[str], breaks: list[bool], b: int) -> bool:
    """Whether the list item of the condition ending at words[b] says it was cured ("Hep C,
    treated/cured", "HCV treated 2019 - SVR12") or has not come back since its treatment
    ("typical atrial flutter s/p CTI ablation - no recurrence")."""
    for k in range(b, min(len(words), b + _ITEM_REACH)):
        if k > b and k < len(breaks) and breaks[k] and words[k] not in _LEADS:
            return False
        if words[k] in _CURED_WORDS or tuple(words[k:k + 2]) in _NO_RECURRENCE:
            return True
    return False


def _taken_for(words: list[str], breaks: list[bool] | None, a: int, reach: int = 6) -> int | None:
    """Where the operation that took out the organ, or replaced the joint or valve, of the
    condition at words[a] starts, when the condition is what it was done for ("s/p total
    thyroidectomy 03/2024 for multinodular goiter", "s/p R TKA for primary OA": Z96.651 alone);
    None when it is not. (``breaks``: the clauses, none of which may start between them.)"""
    k = next((k for k in range(a - 1, max(-1, a - 5), -1) if words[k] == "for"), None)
    if k is None or breaks is not None and any(j < len(breaks) and breaks[j] for j in range(k - reach, a + 1) if j > 0):
        return None
    return next((j for j in range(max(0, k - reach), k) if words[j].endswith("ectomy") or words[j] in _REMOVED
                 or words[j] in _REPLACED or words[j] in _REPLACED_SINCE or
                 (breaks is None and words[j] in _OPERATED)), None)


def _done_before(words: list[str], a: int) -> bool:
    """Whether a condition the note gives as what an operation was done for was that operation's
    in the past: "She had TAVR (26 mm valve) in 03/2022 for severe aortic stenosis" (Z95.2 alone),
    not "here for TAVR for severe AS"."""
    j = _taken_for(words, None, a, _DONE_REACH)   # (its device's size in a parenthesis between them)
    if j is None:
        return False
    lead = words[max(0, j - 3):j]   # ("POD 10 s/p laparoscopic cholecystectomy (9/1) for ...")
    return any(w in _DONE for w in lead) or ("s", "p") in zip(lead, lead[1:]) or \
        any(len(w) == 4 and w.isdigit() and w[:2] in ("19", "20") or w == "ago" for w in words[j:a])


_DONE = frozenset("had underwent post prior previous pod".split())
_DONE_REACH = 10


def _weeks_ago(words: Sequence[str], end: int) -> float:
    """How many weeks ago the words right after a mention date it ("NSTEMI 03/31 (7 wks ago)": 7;
    "MI 3 months ago": 12.9); 0 where they give no "N <unit> ago"."""
    for k in range(end, min(len(words) - 2, end + _AGO_REACH)):
        if words[k].isdigit() and words[k + 1] in _WEEKS_IN and words[k + 2] == "ago":
            return int(words[k]) * _WEEKS_IN[words[k + 1]]
    return 0.0


def _weeks_after(words: Sequence[str], start: int) -> float:
    """How many weeks the words right before a mention say have passed since it ("returns 7 weeks
    after type 1 NSTEMI": 7); 0 where they say none."""
    for k in range(max(0, start - _AGO_REACH), start - 2):
        if words[k].isdigit() and words[k + 1] in _WEEKS_IN and words[k + 2] in _SINCE:
            return int(words[k]) * _WEEKS_IN[words[k + 1]]
    return 0.0


def _said_rare(words: list[str], b: int) -> bool:
    """Whether the item of the condition ending at words[b] calls its episodes rare."""
    return bool(words[b:b + 1]) and words[b] in _RARE


def _inactive(words: list[str], breaks: list[bool], a: int, b: int, code: str) -> bool:
    """Whether the list item of the condition at words[a:b] says it is gone: its own clause, and
    the clauses after it that open with "none", "no", "resolved", "last"..."""
    end = min(len(words), b + _ITEM_REACH)
    item: list[str] = []
    for k in range(b, end):
        if k < len(breaks) and breaks[k] and words[k] not in _LEADS:
            break
        item.append(words[k])
    if (a and words[a - 1] in ("remote", "resolved", "former", "past", "childhood")) or "childhood" in words[a:b]:
        return True   # ("PMH: childhood asthma" in an adult's history)
    if _taken_for(words, breaks, a) is not None:
        return True
    if _GONE_WORDS & set(item):
        return True
    lead = next((i for i in range(min(len(item), 3)) if tuple(item[i:i + 2]) in (("s", "p"), ("status", "post"))), None)
    if lead is not None and _REPLACED_SINCE & set(item[lead + 2:lead + 2 + _TAKEN_REACH]):
        return True   # the valve replaced since ("Severe AS s/p TAVR 2022": Z95.2 alone)
    cures = next((v for k, v in _CURED_BY.items() if code.startswith(k)), ())
    if cures and cures & set(item[:_TAKEN_REACH]):
        return True   # an overactive gland ablated or taken out since ("Graves disease 2006 treated w/
        # RAI ablation"; never the hypothyroidism that follows, "hypothyroidism s/p thyroidectomy")
    quiet_counts = not code.startswith(_MAINTAINED)
    if quiet_counts and item[:1] and item[0] in _RARE:
        return True   # "migraine w/o aura, rare": an episodic condition the visit has none of
    for i in range(len(item)):
        if any(tuple(item[i:i + len(r)]) == r for r in _GONE_RUNS):
            return True
        if not quiet_counts:
            continue
        if any(tuple(item[i:i + len(r)]) == r for r in _QUIET_RUNS):
            return True
        if item[i] == "last" and i + 1 < len(item) and item[i + 1] in _QUIET_THINGS and "ago" in item[i + 2:i + 7]:
            return True   # "last one over a year ago"
        if item[i] == "no" and "since" in item[i + 2:i + 5] and set(item[i + 1:item.index("since", i + 2)]) <= _QUIET_THINGS:
            return True   # "no inhaler use since age 12" (not "CAD, no angina since")
    return False


# what a newborn observed and found free of a suspected condition (Z05.-) does not have
_RULED_OUT_BY = {"Z05.1": ("P36", "A40", "A41", "P39.9")}
# a newborn's signs that what it was observed for may have caused (P19-P29 respiratory and
# cardiovascular disorders, P80-P81 temperature regulation)
_DISTRESS = ("P19", "P2", "P80", "P81")


def _birth_episode(found: dict[str, Finding], born: tuple[str, tuple[int, int]], doc: Document,
                   icd10cm) -> None:
    """A newborn's birth record: its Z38 code, and none of the mother's delivery codes (chapter 15,
    weeks of gestation, outcome of delivery), which go on her record (I.C.16.a.2, I.C.15.b.5)."""
    code, (a, b) = born
    for c in [c for c in found if c[:1] == "O" or c.startswith(("Z3A", "Z37"))]:
        del found[c]
    found[code] = Finding(code, CodeSystem.ICD10CM, 0.9, [Span(a, b, DEFAULT_SECTION)], Assertion.PRESENT,
                          [RuleNote("newborn", "a newborn's birth episode: Z38 first (I.C.16.a.2)")],
                          {DEFAULT_SECTION}, source="lexicon")
    for p07, (a, b) in pregnancy.newborn_maturity(doc.text, icd10cm):
        found.setdefault(p07, Finding(p07, CodeSystem.ICD10CM, 0.9, [Span(a, b, DEFAULT_SECTION)], Assertion.PRESENT,
                                      [RuleNote("newborn", "a newborn's birth weight and gestational age, weight "
                                                           "first (P07, I.C.16.e)")], {DEFAULT_SECTION},
                                      source="lexicon"))
    ruled_out = pregnancy.newborn_ruled_out(doc.text)
    for z05, _ in ruled_out:
        for c in [c for c in found if c.startswith(_RULED_OUT_BY.get(z05, ()))]:
            del found[c]   # "48 h sepsis observation ... Sepsis ruled out": observed for it, not found
    # (Z05 is for a suspected condition without its signs, I.C.21.c.5: a newborn with signs or
    # symptoms, or in respiratory or circulatory distress or with an unstable temperature, gets
    # none ("RDS, surfactant x1 ... sepsis ruled out"); physiologic jaundice and hypoglycemia of
    # prematurity do not stop it)
    ill = any(f.reportable and (c[:1] == "R" or c.startswith(_DISTRESS)) for c, f in found.items())
    for z05, (a, b) in ruled_out if not ill else ():
        found.setdefault(z05, Finding(z05, CodeSystem.ICD10CM, 0.9, [Span(a, b, DEFAULT_SECTION)], Assertion.PRESENT,
                                      [RuleNote("newborn", "a suspected condition ruled out after observation "
                                                           "(Z05, I.C.16.a.6)")], {DEFAULT_SECTION}, source="lexicon"))


def _keep_first(into: dict[str, Finding], f: Finding) -> None:
    if f.code in into:
        add_evidence(into[f.code].evidence, f.evidence)
    else:
        into[f.code] = f


_PATIENTS = frozenset((Assertion.PRESENT, Assertion.HISTORICAL, Assertion.POSSIBLE))


def _whose(a: Assertion):
    """The patient's own conditions (now, past or uncertain) are one party; a relative's, a denied
    or a hypothetical one each another: a lone head noun refers back within its party only."""
    return "patient" if a in _PATIENTS else a


def _refer_back(anaphors: list[Mention], found: dict[str, Finding], sentences: list[Sentence]) -> None:
    """A lone head noun ("the effusion") is evidence for the condition the note named in full with
    it ("malignant pleural effusion"), the nearest one said before it, else the first after: the
    readers that follow see it there (a residual's stroke sentence, a diagnosis section)."""
    if not anaphors:
        return
    starts = [s.start for s in sentences]
    ends: dict[int, list[int]] = {}   # sentence -> its tokens' end offsets, built once
    last = {}   # evidence span -> its last word, read once (a bisection: run-on notes stay linear)
    for f in found.values():
        checkpoint()
        for e in f.evidence:
            if e not in last:
                si = sequelae.sentence_of(sentences, starts, e.start)
                toks = sentences[si].tokens
                if si not in ends:
                    ends[si] = [t.end for t in toks]
                k = bisect.bisect_right(ends[si], e.end) - 1
                last[e] = toks[k].norm if k >= 0 and toks[k].start >= e.start else ""
    for m in anaphors:
        checkpoint()
        word = m.words[0]
        named = [(e.start, f) for f in found.values() if f.system is CodeSystem.ICD10CM
                 and _whose(f.assertion) is _whose(m.assertion) for e in f.evidence if last.get(e) == word]
        if not named:
            continue
        before = [x for x in named if x[0] < m.start]
        f = max(before, key=lambda x: x[0])[1] if before else min(named, key=lambda x: x[0])[1]
        span = Span(m.start, m.end, m.section)
        if span not in f.evidence:
            f.evidence.append(span)
            f.sections.add(m.section)


def _cancer_abbreviation(toks: list) -> list:
    """"CA" after a site is cancer ("mother breast ca at 44", "Hx L breast ca s/p lumpectomy"), not
    calcium ("Ca 9.8", "Mg, Ca") or a marker ("CA-125")."""
    for i in range(1, len(toks)):
        if toks[i].norm == "ca" and toks[i - 1].norm in _cancer_sites() and not (
                i + 1 < len(toks) and toks[i + 1].norm[:1].isdigit()):
            toks[i] = Token("cancer", toks[i].start, toks[i].end)
    return toks


_NEGATIVE_LABELS = frozenset(("neg", "negative", "negatives"))
_MINUS_LABEL = "(-)"
_MINUS_SIGN = re.compile(r"(?:^|(?<=[\s;]))-(?=\s)")   # a "-" standing alone before a word
_PLUS_SIGN = re.compile(r"(?:^|[\s:;.])\(?\+\)?\s*[A-Za-z]")   # "+ weakness", "(+) fever", "+cough"


def _negative_labels(text: str, a: int, b: int, toks: list, signed: bool = False) -> list:
    """A review of systems' label for what the patient denies ("Neg: CP, SOB, syncope", "Pertinent
    negatives: chest pain", "(-) bone pain, polyuria") reads as "denies" (a forward negation; as
    normalised, "deny"); a "neg" after a test ("UA neg") stays the test's. ``signed``: a review of
    systems that marks what is present with "+", where a bare "-" opening a sentence or a clause
    marks what is not ("+ weakness, DOE. - CP, palpitations, fever")."""
    out = [Token("deny", t.start, t.end) if t.norm in _NEGATIVE_LABELS and text[t.end:t.end + 1] == ":" else t
           for t in toks]
    if signed and toks:
        for m in _MINUS_SIGN.finditer(text, a, toks[-1].start):
            k = m.end() - 1   # the "-"
            if not text[a:k].strip() or text[a:k].rstrip()[-1:] == ";":
                out.insert(bisect.bisect_left([t.start for t in out], k), Token("deny", k, k + 1))
    k = text.find(_MINUS_LABEL, a, b)
    while k >= 0:
        at = bisect.bisect_left([t.start for t in out], k)
        out.insert(at, Token("deny", k, k + len(_MINUS_LABEL)))
        k = text.find(_MINUS_LABEL, k + len(_MINUS_LABEL), b)
    return out


def _bilateral_abbreviation(text: str, toks: list) -> list:
    """"b/l" is bilateral (one token), never "b" and the left side's "l"; so are both sides said
    together ("contusions of R and L knee": each knee, I.B.13)."""
    out: list = []
    for t in toks:
        if t.norm == "l" and out and out[-1].norm == "b" and text[out[-1].end:t.start] == "/":
            out[-1] = Token("bilateral", out[-1].start, t.end)
            continue
        if len(out) > 1 and out[-1].norm == "and" and {SIDES.get(t.norm), SIDES.get(out[-2].norm)} == _BOTH_SIDES:
            out[-2:] = [Token("bilateral", out[-2].start, t.end)]
            continue
        out.append(t)
    return out


_BOTH_SIDES = {"right", "left"}


@functools.lru_cache(maxsize=1)
def _cancer_sites() -> frozenset[str]:
    """The Neoplasm Table's site words and the adjectives notes use for them."""
    from server.pipeline.drug_tables import load_neoplasm_table
    return (load_neoplasm_table().site_words() | _SITE_ADJECTIVES) - STOPWORDS   # ("D and Ca": no site)


_SITE_ADJECTIVES = frozenset("ovarian pancreatic rectal gastric esophageal renal uterine endometrial cervical "
                             "testicular colorectal hepatic prostatic pulmonary".split())


def analyse_sentences(text: str, segments, section_rules: SectionRules) -> list[Sentence]:
    """Sentences of a note with their tokens and section ("PMH: HTN. DM2." -> two sentences in
    past_medical_history). Section headers themselves are not part of any sentence."""
    out: list[Sentence] = []
    for sec in section_rules.split(text, segments):
        signed = sec.name == "review_of_systems" and bool(_PLUS_SIGN.search(text, sec.body_start, sec.end))
        for a, b in split_sentences(text, sec.body_start, sec.end):
            checkpoint()
            toks = _bilateral_abbreviation(text, _cancer_abbreviation(tokenize(text, a, b)))
            toks = _negative_labels(text, a, b, toks, signed)
            if not toks:
                continue
            gaps = [False] * (len(toks) + 1)
            commas = [False] * (len(toks) + 1)
            semis: list[int] = []
            for i in range(1, len(toks)):
                if not i % 2048:
                    checkpoint()   # a run-on note is one sentence of thousands of words
                between = text[toks[i - 1].end:toks[i].start]
                # a semicolon, a parenthesis or a spaced dash ends a ConText scope: "CAD (no
                # angina), HLD, HTN"; "Osteoporosis, no fractures - alendronate weekly"
                gaps[i] = any(ch in between for ch in ";()") or _spaced_dash(between)
                commas[i] = "," in between
                if ";" in between:
                    semis.append(i)
                # ", with X" opens a clause of its own: "MDD, severe, without psychotic features,
                # with suicidal ideation" (the ideation is present)
                gaps[i] = gaps[i] or (commas[i] and toks[i].norm == "with")
            # "Alzheimer's dementia without behavioral disturbance, osteoporosis, HTN": a qualifier
            # of the condition before it, whose reach ends at its comma (one backward pass finds
            # each token's next comma: a run-on sentence stays linear)
            following, nxt = [None] * len(toks), None
            for i in range(len(toks) - 1, -1, -1):
                following[i] = nxt
                if commas[i] or gaps[i]:
                    nxt = i
            for i in range(len(toks) - 1):
                if toks[i].norm in ("without", "w/o") and _TITLE_QUALIFIERS & {t.norm for t in toks[i + 1:i + 3]} \
                        and following[i] is not None:
                    gaps[following[i]] = True
            name = sec.name
            if name in _NARRATIVE and _reports_result(toks, section_rules.result_leads):
                name = "results"
            out.append(Sentence(a, b, toks, name, gaps, commas, semis))
    return out


# Sections that tell the story; a sentence in one that opens with a test's name reports a result.
_NARRATIVE = frozenset(("history_present_illness", "hospital_course", DEFAULT_SECTION, "chief_complaint"))
# Words a test's name may follow at the start of such a sentence ("Repeat echo:", "Chest x-ray
# showed", "Noncontrast CT head").
_TEST_MODIFIERS = frozenset("repeat initial follow up bedside portable admission serial outside the her his a an "
                            "chest head abdominal abdomen pelvic pelvis renal brain spine lumbar cervical "
                            "noncontrast contrast today".split())


def _clause_reports_result(s: Sentence, k: int, leads: frozenset[str]) -> bool:
    """Whether the clause word k sits in (after the last semicolon or comma before it) opens with
    a test's name ("vomiting; lipase 1,450 U/L, CT acute interstitial pancreatitis")."""
    start = next((j for j in range(k, max(0, k - _CLAUSE_REACH), -1)
                  if s.gaps[j] or (j < len(s.commas) and s.commas[j])), 0)
    return start > 0 and _reports_result(s.tokens[start:k + 1], leads)


def _reports_result(toks, leads: frozenset[str]) -> bool:
    for i, t in enumerate(toks[:4]):
        word = t.norm
        if word in leads or (i + 1 < len(toks) and f"{word}-{toks[i + 1].norm}" in leads):
            return True
        if word not in _TEST_MODIFIERS:
            return False
    return False


def drop_nested_mined(mentions: list[Mention]) -> list[Mention]:
    """Mined terms that lie inside a longer lexicon term are not mentions of their own: the
    "kidney disease" (N28.9) or "systolic" (R01.1) of "chronic kidney disease" or "systolic heart
    failure" are read as the lexicon term says. One that names the same category ("atrial
    fibrillation" in "paroxysmal atrial fibrillation") still counts, as agreement with the
    lexicon term: it takes that term's span and candidates."""
    outer: dict[int, list[Mention]] = {}
    for m in mentions:
        if m.source != "mined":
            outer.setdefault(m.sentence, []).append(m)
    out: list[Mention] = []
    for m in mentions:
        host = None if m.source != "mined" else next(
            (o for o in outer.get(m.sentence, ()) if o.start <= m.start and m.end <= o.end
             and (o.start, o.end) != (m.start, m.end)), None)
        if host is None:
            out.append(m)
        elif {c.code[:3] for c in m.candidates} & {c.code[:3] for c in host.candidates}:
            score = m.candidates[0].score
            out.append(replace(host, candidates=[replace(c, score=score, source="mined", exact=False)
                                                 for c in host.candidates], source="mined"))
    return out


def _or_procedure(m: Mention) -> bool:
    """us-claims codes the operating-room procedures of the stay (Medical and Surgical, Obstetrics:
    PCS sections 0 and 1) done now; imaging, measurement and a procedure from the history are not
    coded ("s/p resection in 2015", "chest x-ray")."""
    return m.assertion is Assertion.PRESENT and any(
        c.system is CodeSystem.ICD10PCS and c.code[:1] in "01" for c in m.candidates)


def _year_of(date_of_service: str | None) -> int | None:
    """The encounter's year from its YYYY-MM-DD date of service; None when it has none."""
    return int(date_of_service[:4]) if date_of_service and date_of_service[:4].isdigit() else None




# Paralysis codes whose side is dominant or not (hemiplegia, monoplegia and their sequelae).
_PLEGIA = ("G81", "G83", "I69")


# a size in two or three dimensions ("3.2 x 2.5 cm", "4 x 3 x 1 mm")
_DIMENSIONS = re.compile(r"\b\d+(?:\.\d+)?\s*(?:x|\u00d7)\s*\d+(?:\.\d+)?(?:\s*(?:x|\u00d7)\s*\d+(?:\.\d+)?)?"
                         r"\s*(?:cm|mm)\b", re.I)
_TRANSPORT = frozenset("ambulance transport unit crew team medic medics ems rig".split())
_BODY_PARTS = frozenset("leg legs foot feet arm arms hand hands head limb limbs".split())
_IATROGENIC = "iatrogenic"
_PROCEDURE_WORDS = frozenset("biopsy procedure surgery operation thoracentesis paracentesis bronchoscopy placement "
                             "insertion catheterization ablation aspiration injection resection repair".split())
_LIMB_SIDES = frozenset("r rt right l lt left lle rle lue rue".split())


def _dominance(window: tuple[str, ...], left_handed: bool) -> tuple[str, ...]:
    """The window with the dominance a side of paralysis defaults to when the note does not state
    it (I.C.6.a): the right side is dominant, the left non-dominant; a left-handed patient's the
    other way."""
    # (a hand the note calls dominant says the patient's dominance, not the paralysis's: "R-hand
    # dominant ... residual L hemiparesis" is the non-dominant side, G81.94)
    window = tuple(w for k, w in enumerate(window) if not (w == "dominant" and k and window[k - 1] == "hand"))
    if "dominant" in window or "nondominant" in window:
        return window
    side = next((SIDES.get(w, w) for w in window if SIDES.get(w, w) in ("right", "left")), None)   # ("R hemiparesis")
    if side is None:
        return window
    return window + (("dominant",) if (side == "right") != left_handed else ("nondominant",))


def _dated_before(words: list[str], a: int, b: int, year: int) -> bool:
    """A year before ``year`` right after the mention ("NSTEMI in 2019", "TIA 2022", "NSTEMI in
    03/2019") dates it, and so does one right before it ("remote MI (2017 inferior STEMI)"); "since
    2019" says it has lasted from then to now."""
    for k in (a - 1, a - 2):   # (a word may qualify it between: "2017 inferior STEMI"; never a verb's
        # object: "biopsies 2022 showing eosinophilic esophagitis" is what the biopsies found then)
        if k >= 0 and is_year(words[k]) and (k < 1 or words[k - 1] not in ("since", "from")) and \
                all(w.isalpha() and not w.endswith(("ing", "ed")) and w not in _LINK_WORDS and
                    w not in _CURRENT_CUES and w not in ("now", "today") for w in words[k + 1:a]):
            return int(words[k]) < year
    if words[b:b + 2] == ["at", "age"] and words[b + 2:b + 3] and words[b + 2].isdigit():
        return True   # "femoral shaft fx at age 9" (in a 16-year-old's note): a childhood's
    for w in words[b:b + 4]:
        if is_year(w):
            return int(w) < year
        if w not in ("in", "of", "on", "x") and not (w.isdigit() and len(w) <= 2):
            return False
    return False


_SCANNED = frozenset("artery arterial arteries venous vein veins doppler ultrasound us scan study carotid "
                     "renal".split())
_LIST_SECTIONS = frozenset(("past_medical_history", "past_surgical_history", "family_history", "social_history",
                            "medications", "allergies"))
# "s/p", "h/o", "history of", "hx of", "status post" as the tokenizer splits them
_PAST_LEADS = frozenset((("s", "p"), ("h", "o"), ("history", "of"), ("hx", "of"), ("status", "post")))


def _present_words(words: list[str], commas: list[bool], a: int, b: int, ma: int, mb: int) -> tuple[str, ...]:
    """words[a:b] less what an "s/p" / "h/o" / "history of" before it dates, up to the clause's
    comma (the mention's own words [ma, mb) kept): "T2DM complicated by PAD, s/p L BKA 2021 for
    gangrene" links no gangrene to the diabetes."""
    out, past = [], False
    for k in range(a, b):
        if k < len(commas) and commas[k]:
            past = False
        if not (ma <= k < mb) and (tuple(words[k:k + 2]) in _PAST_LEADS or _operated(words, commas, k, b)
                                   or words[k] in _TALKED_LEADS):
            past = True   # (nor what the visit only talks of: "counseled on transient hyperglycemia after
            # steroid injection", "hyperglycemia risk counseled" links no hyperglycemia, E11.9)
        if past and not (ma <= k < mb):
            continue
        if not (ma <= k < mb) and words[k + 1:k + 2] and words[k + 1] in _TALKED_AFTER:
            continue
        out.append(words[k])
    return tuple(out)


def _untalked(window: tuple[str, ...], mention: tuple[str, ...]) -> tuple[str, ...]:
    """The window less what the visit only talks of: a few words after "counseled on" /
    "discussed" / "transient", and a word before "risk" ("DM2 - counseled on transient
    hyperglycemia after steroid injection" says no diabetes with hyperglycemia); the mention's own
    words kept."""
    out, skip = [], 0
    for k, w in enumerate(window):
        if w in mention:
            out.append(w)
            skip = 0
            continue
        if w in _TALKED_LEADS:
            skip = _TALKED_REACH
            continue
        if skip or window[k + 1:k + 2] and window[k + 1] in _TALKED_AFTER:
            skip = max(0, skip - 1)
            continue
        out.append(w)
    return tuple(out)


_TALKED_REACH = 4
_TALKED_LEADS = frozenset("counseled counseling counselled discussed educated education transient".split())
_TALKED_AFTER = frozenset(("risk", "risks"))


# the operation that took a condition away ("cataract surgery OU", "hernia repair 2008")
_OPERATION_NOUNS = frozenset("surgery extraction repair removal excision resection amputation bka aka".split())


def _operated(words: list[str], commas: list[bool], k: int, b: int) -> bool:
    """Whether the clause item starting at ``k`` (after a comma) names an operation on what it
    names: "..., cataract surgery OU" links no cataract to the diabetes (E11.36)."""
    if not (k < len(commas) and commas[k]):
        return False
    end = next((j for j in range(k + 1, b) if j < len(commas) and commas[j]), b)
    return any(w in _OPERATION_NOUNS for w in words[k + 1:min(end, k + 4)])


_LATER_UNITS = frozenset("h hr hrs hour hours d day days wk wks week weeks mo mos month months".split())


# the illness a past diagnosis was made in: "dx 2016 when hospitalized w/", "diagnosed in 2017 when he presented
# with", "AIDS-defining illness at diagnosis (" (a year said first: never this visit's "when she presented today")
_PRESENTED_WITH = re.compile(r"(?:\b(?:dx|dx'd|diagnosed)\b[^.;\n]{0,15}\b(?:19|20)\d\d\b[^.;\n]{0,12}\bwhen\b"
                             r"[^.;\n]{0,30}?\b(?:hospitalized|admitted|presented|found|diagnosed|seen)\b[^.;\n]{0,12}?"
                             r"\b(?:w/|with|for)|\billness(?:es)? at (?:the time of )?diagnosis\b[^.;\n]{0,3})[ \t(]*$",
                             re.I)
_PRESENTED_REACH = 90
_REFUTED_ENTRY = re.compile(r"[^.\n]*?\b(?:(?:listed|entered|recorded|documented|coded)[^.;\n]{0,30}\bin error|"
                            r"entered in error|removed from (?:the )?(?:problem )?list|not carried forward|"
                            r"not an active (?:problem|diagnosis|dx)|not a true (?:dx|diagnosis))\b", re.I)
_REFUTED_BEFORE = re.compile(r"\bno longer (?:carries|carry|has|have) (?:a |the )?(?:dx|diagnosis) of[ \t]+$", re.I)
_NO_BEFORE = re.compile(r"\bno[ \t]+$", re.I)
_DX_AFTER = re.compile(r"[ \t]+(?:dx|diagnosis)\b", re.I)   # "No HTN dx."
_REFUTED_REACH = 150   # characters after an entry its refutation may follow
_SCREENED_NEGATIVE = re.compile(r"[ \t]+(?:screen(?:ing)?|screened|exam|testing|test|work-?up|w/u|eval(?:uation)?)"
                                r"[ \t]+(?:(?:was|is|were|\w+)[ \t]+)?(?:neg|negative|normal|unremarkable|clear)\b",
                                re.I)
_PART_OF = re.compile(r"[ \t]+(?:is|are)[ \t]+(?:(?:all|only|just|likely|probably)[ \t]+)?(?:(?:a|an)[ \t]+)?"
                      r"(?:part|feature|manifestation|component)[ \t]+of\b|[ \t]+(?:is|are)[ \t]+integral[ \t]+to\b",
                      re.I)
# a condition the note asks about ("OSA?"), and the "no" that answers it
# a label and its value ("Smoking: never", "Tobacco use: former", "Seizures: none"): the value
# is the condition's status
_LABELLED = re.compile(r"[ \t]*:[ \t]*(?:(never|none|no|denies|negative|neg)|(former|quit|remote|past|prior|previous))\b"
                       # ... and a screening list's dash ("HTN - no, BP normal off meds", "OSA - no (STOP-BANG
                       # low)", "Depression - remote, resolved"), the answer alone in its clause (an inpatient
                       # "Acute hypoxemia - resolved" was treated during the stay)
                       r"|[ \t]+[-\u2013][ \t]+(?:(no|none|negative|neg)|(remote|former))[ \t]*(?=[,;.()\n]|$)",
                       re.I)
# a list item's status after a dash: gone ("HTN - resolved after weight loss"; "HTN and OSA - both resolved")
_RESOLVED_ITEM = re.compile(r"(?:[ \t]+and[ \t]+[\w/-]+(?:[ \t]+[\w/-]+)?)?[ \t]*[-\u2013:][ \t]*"
                            r"(?:both |all |now |since )?(?:(?:clinically|radiographically|radiologically|fully|"
                            r"completely|symptomatically)(?:,? and |,? )?)*resolved\b"
                            # (never what this visit watched go away: "bradycardia - resolved after 7.5 h observation")
                            r"(?![^.;\n]{0,40}\b(?:observation|arrival|in (?:the )?ED|\d+(?:\.\d+)?\s*(?:h|hr|hrs|hours))\b)",
                            re.I)
# ... and, after a comma, what an earlier course of treatment was for ("5-day prednisone burst 3 wks
# ago for poison ivy dermatitis, now fully resolved"); a visit's own complaint that went away ("chest
# pain, now resolved") is still the visit's
_RESOLVED_SINCE_COURSE = re.compile(r"\s*,\s*(?:now|since)\s+(?:fully\s+|completely\s+)?resolved\b", re.I)
# a suicide attempt the sentence dates in the past ("2 yrs ago", "in 2019"), whose code is an event's
_ATTEMPTS = ("T14.91",)
_DATED_PAST = re.compile(r"[^;]{0,40}?\b(?:(?:\d+|a|one|two|three|four|five|several)\s+"
                         r"(?:years?|yrs?|months?|mos?)\s+ago|in\s+(?:19|20)\d\d)\b", re.I)
_TODAY = re.compile(r"\b(?:today|tonight|yesterday|this (?:morning|evening|afternoon))\b", re.I)
# "r/o" or "rule out" right before a finding: what a test is to look for ("r/o bacteremia (cx pending)")
_RULE_OUT_BEFORE = re.compile(r"\b(?:r/o|rule\s+out|to\s+exclude)\s+(?:(?:an?|the|any|possible)\s+)?$", re.I)
_COURSES = frozenset("course burst taper treatment".split())   # ("after completed treatment for CAP")
_COURSE_REACH = 10   # words from the course to the condition its "for" names


_COMPLETED = frozenset("completed completing finished finishing".split())
_LEGIONNAIRES = "A48.1"
_INFECTIOUS_NEC = "B99"
_INJURY_CHAPTERS = "STVWXY"   # ("3 days after a fall": the injury's mechanism and episode, no past condition)
# "seen 6 wks after CAP": a time after an episode, the mention right after it
_WEEKS_AFTER = re.compile(r"\b\d+\s*(?:d|days?|wks?|weeks?|mos?|months?)\s+after\s+(?:an?\s+|his\s+|her\s+|the\s+)?$",
                          re.I)
_WEEKS_AFTER_REACH = 30
# ... or an infection an earlier stay treated, which the visit finds gone ("2-week follow-up after hospitalization
# for community-acquired pneumonia ... complete resolution of LLL opacity": Z09 + Z87.01)
_AFTER_STAY = re.compile(r"\b(?:after|following|post)[ \t]+(?:an?[ \t]+|the[ \t]+|his[ \t]+|her[ \t]+)?"
                         r"(?:[\w-]+[ \t]+)?(?:hospitali[sz]ation|admission|hospital[ \t]+stay|stay)[ \t]+for[ \t]+"
                         r"(?:[\w-]+[ \t]+){0,3}$", re.I)
_INFECTION_TITLE = re.compile(r"pneumonia|infection|cellulitis|abscess|pyelonephritis|cystitis|bronchitis|influenza|"
                              r"sepsis|diverticulitis|appendicitis", re.I)
_RESOLVED_SAID = re.compile(r"\b(?:resolved|resolution|cleared|back to (?:normal|baseline))\b", re.I)


def _course_reason(words: Sequence[str], i: int, completed: bool = False) -> bool:
    """Whether the mention at word i is what a course of treatment said before it was for; with
    ``completed``, one the note says was completed ("after completing 7-day course of levofloxacin
    for CAP")."""
    return any(words[k] in _COURSES and "for" in words[k + 1:i] and
               (not completed or _COMPLETED & set(words[max(0, k - 4):k]))
               for k in range(max(0, i - _COURSE_REACH), i))


# the categories whose codes say whether the disease is in remission (C90-C95: myeloma, leukemias)
_REMITTING = frozenset(("C90", "C91", "C92", "C93", "C94", "C95"))
_REMISSION = re.compile(r"\bremission\b", re.I)


# what a hospital does about a suspected condition, named after it
_PROCESSES = frozenset("alert alerts protocol bundle pathway activation".split())
# a list item's own verdict after a dash ("Sepsis - considered on arrival, RULED OUT"), with no
# other condition named between (never "Chest pain - ACS ruled out")
_RULED_OUT_ITEM = re.compile(r"[ \t]+[-\u2013][ \t]+(?:ruled out|excluded|(?:considered|suspected|possible|questionable|"
                            r"initially suspected|concern)\b[^.;\n]{0,40}?\b(?:ruled out|excluded))\b"
                            # ("- ruled out on CTA", "- excluded by echo"; "Schizophrenia - ruled out 5. Cannabis use")
                            r"(?:[ \t]+(?:by|on|with|per|after|via)[ \t]+[\w/-]+(?:[ \t]+[\w/-]+){0,2}?)?"
                            r"(?=[ \t]*[,;.()\n]|[ \t]+\d{1,2}[.)][ \t]|$)",
                            re.I)
_QUERIED = re.compile(r"[ \t]*\?(?![\w?])(?:[ \t]*[-:,;]?[ \t]*(no|none|neg|negative|denies)\b|"
                      r"[ \t]*[-:,;][ \t]*(?:[\w/]+[ \t]+){1,4}?(neg|negative|normal)\b)?", re.I)
# a return visit named before an encounter reason ("RTC 1 week for wound check"): a later visit's
_RETURN_FOR = frozenset(("rtc", "return", "f/u", "followup"))
_RETURN_REACH = 5


_ADJECTIVE_ENDS = ("ic", "ous", "al", "ive")   # ("Hyperlipemia, hyperlipidemia": two nouns)


def _residual(title: str) -> bool:
    """A title of the classification's leftovers ("Other disorder of circulatory system",
    "Polyneuropathy, unspecified")."""
    low = title.lower()
    return low.startswith("other ") or low.endswith("unspecified")


def _return_for(words: list[str], a: int) -> bool:
    """Whether a return visit is named just before the mention at words[a] ("RTC for wound check",
    "Ortho f/u 2 wks for staple removal"; "f/u" is two words as normalised)."""
    before = words[max(0, a - _RETURN_REACH):a]
    return bool(_RETURN_FOR.intersection(before)) or any(before[k:k + 2] == ["f", "u"] for k in range(len(before)))


def _scheduled(words: list[str], b: int) -> bool:
    """Whether "(in) <number> <unit>" (or "next week") follows the mention ending at word b: a later
    date ("suture removal in 10-14 days", "staple removal 7-10 days", "wound check in clinic in 3 days")."""
    after = words[b:b + 6]
    return any(w[:1].isdigit() and (k + 1 < len(after) and after[k + 1] in _LATER_UNITS or
                                    k + 2 < len(after) and after[k + 1][:1].isdigit() and after[k + 2] in _LATER_UNITS)
               for k, w in enumerate(after)) or ("next" in after[:2])


def _own_acuity(words: list[str], commas: list[bool], lo: int, hi: int, a: int, b: int,
                uncertain: bool = False, others: "set[int] | frozenset[int]" = frozenset()) -> tuple[str, ...]:
    """The window's words, less acuity and type words across a comma from the mention: they
    qualify their own clause's noun ("Atrial fibrillation, rate controlled, on chronic
    anticoagulation": the AF is not chronic). Sides and sites still reach across ("Cellulitis,
    R lower leg"). With ``uncertain`` (outpatient, IV.H), what a "likely" / "possible" qualifies
    does not refine the code ("acute pharyngitis, likely viral": J02.9, not J02.8). An acuity or
    severity word right before another mention (``others``: the sentence's mention starts) is
    that one's ("obesity presented with 12 hours of severe epigastric pain": the pain is severe)."""
    out = []
    for k in range(lo, hi):
        if uncertain and not (a <= k < b) and _qualified(words, commas, b if k >= b else lo, k):
            continue
        if words[k] in _MODIFIES_NEXT and not (a <= k < b) and not (k < a <= k + _MODIFIER_REACH) and \
                any(s in others and not (a <= s < b) and (s == k + 1 or words[k + 1] not in _LINK_WORDS)
                    and not any(commas[k + 1:s + 1]) for s in (k + 1, k + 2)):
            continue   # (so is "acute upper GI bleed from a duodenal ulcer": the bleed is acute, K26.4)
        if not commas:
            out.append(words[k])
            continue
        if (words[k] in _ACUITY or words[k] in _ACUTE_WORDS) and not (a <= k < b):
            span = range(k + 1, a + 1) if k < a else range(b, k + 1)
            if any(commas[i] for i in span if i < len(commas)) and _has_own_noun(words, commas, k):
                continue
        out.append(words[k])
    return tuple(out)


def _dated_past(words: Sequence[str], raw: Sequence[str] = ()) -> list[tuple[int, int]]:
    """The first and last words of each past episode a sentence dates ("COPD ... stable; last
    exacerbation 2023", "last flare 3 years ago") or counts ("on prednisone for frequent
    exacerbations", "2 exacerbations last yr"; ``raw``: the tokens as written, plural or not):
    they qualify no current condition (J44.9, not J44.1)."""
    out = []
    for k, w in enumerate(words):
        if (w in _FREQUENT or w.isdigit() and int(w) > 1) and words[k + 1:k + 2] and words[k + 1] in _EPISODES \
                and k + 1 < len(raw) and raw[k + 1].lower().endswith("s"):
            out.append((k, k + 1))
            continue
        if w not in _LAST:
            continue
        end = next((j for j in range(k + 1, min(len(words), k + 1 + _DATED_REACH))
                    if words[j] == "ago" or len(words[j]) == 4 and words[j][:2] in ("19", "20") and words[j].isdigit()),
                   None)
        if end is not None:
            out.append((k, end))
    return out


_LAST = frozenset(("last", "prior", "previous", "most"))
_FREQUENT = frozenset("frequent recurrent multiple several numerous repeated".split())
_EPISODES = frozenset(("exacerbation", "flare", "attack", "episode"))
_TRIMESTER = "trimester"
_TRIMESTER_ORDINALS = frozenset("first 1st second 2nd third 3rd".split())
_DATED_REACH = 5


# what a term's words after a comma may say of the condition before it ("Parkinson disease dementia,
# mild": the dementia's severity), unlike a new noun ("atrial fibrillation, ventricular rate 88")
_QUALIFIERS_AFTER = frozenset("mild moderate severe acute chronic subacute right left bilateral unspecified with "
                              "without stage type early late recurrent single episode uncomplicated complicated "
                              "controlled uncontrolled intractable not in".split())
_BILATERAL = frozenset(("bilateral", "bilaterally", "both"))
_BOTH_EYES = _BILATERAL | frozenset(("ou",))


def _said_healed(words: Sequence[str], a: int, b: int) -> bool:
    """Whether the fracture words[a:b] are said healed beside them ("fracture healed", "healed
    bimalleolar fracture"), not an incision elsewhere in the sentence ("incision well healed")."""
    return "healed" in words[b:b + _HEALED_REACH] or "healed" in words[max(0, a - _HEALED_REACH):a]


_HEALED_REACH = 2
# words that say a congenital malformation was corrected (I.C.17: its personal history code then)
_CORRECTED = frozenset("repair repaired corrected correction closure closed ligation ligated reconstruction "
                       "reconstructed surgically operated".split())


def _history_marked(words: Sequence[str], k: int) -> bool:
    """Whether "h/o", "hx" or "history of" stands right before word k ("h/o PE, off therapy")."""
    before = tuple(words[max(0, k - 2):k])
    return before[-1:] == ("hx",) or before == ("h", "o") or before == ("history", "of")


_EYE_MARKS = {"od": "right", "os": "left"}
_SIDE_OF_EYE = {"right": "right", "left": "left", "r": "right", "l": "left"}


def _eye_at(words: Sequence[str], k: int) -> str | None:
    """The eye words[k] names: "OD", "OS", or a side before "eye" ("R eye moderate stage")."""
    return _EYE_MARKS.get(words[k]) or (_SIDE_OF_EYE.get(words[k]) if tuple(words[k + 1:k + 2]) in (("eye",), ("eyes",))
                                        else None)
_EYE_FREE = frozenset("no clear normal nl unremarkable negative wnl healthy".split())


def _of_an_eye(code: str, desc: str) -> bool:
    """A code that names an eye, or both ("Primary open-angle glaucoma, bilateral, mild stage")."""
    return " eye" in desc or ("bilateral" in desc and "H00" <= code[:3] <= "H59")


def _eye_segments(words: Sequence[str], after: int) -> dict[str, list[int]] | None:
    """The words said of each eye after a condition named for both ("POAG OD moderate, OS mild":
    right ["od", "moderate"], left ["os", "mild"]); None unless both eyes are named after it, once each."""
    marks = []
    for k in range(after, len(words)):
        eye = _eye_at(words, k)
        if words[k] in _BOTH_EYES and not marks and \
                not any(w in _EYE_MARKS for w in words[k + 1:k + 3]):
            return None   # "POAG OU, OD worse": the bilateral condition, said as such (but "POAG OU -
            # OD mild stage, OS moderate stage" says each eye's)
        if eye is not None:
            marks.append((k, eye))
    if sorted(e for _, e in marks) != ["left", "right"]:
        return None
    out: dict[str, list[int]] = {}
    for i, (k, eye) in enumerate(marks):
        out[eye] = list(range(k, marks[i + 1][0] if i + 1 < len(marks) else len(words)))
    return out


_TRANSPLANTED = frozenset("transplant transplanted transplantation tx txp ddkt lrkt ldkt dkt olt oht".split())
# what may stand between a graft and the reason for it ("DDKT 2018 (ESRD from IgA nephropathy)")
_REASON_CHAIN = frozenset("esrd eskd from due to secondary".split())
_REASON_QUALIFIERS = 2   # words of a graft's reason before its condition ("(NASH cirrhosis)")


def _open_paren(text: str, start: int, reach: int) -> int:
    """Where the parenthesis a mention at ``start`` stands inside opened, within ``reach``
    characters before it; -1 when it stands in none."""
    opened = text.rfind("(", max(0, start - reach), start)
    return opened if opened >= 0 and text.find(")", opened, start) < 0 else -1


# risk scores whose items a note lists in parentheses after them
_SCORE_ITEMS = re.compile(r"\b(?:cha2ds2[- ]?vasc|chads2?|has[- ]?bled|heart score|timi|wells|curb[- ]?65|"
                          r"meld(?:[- ]na)?|child[- ]pugh|caprini|padua|grace|perc)\b[^()]{0,12}\(", re.I)
_SCORE_REACH = 40


def _score_component(text: str, start: int) -> bool:
    """Whether a mention stands inside the parenthesized items of a risk score ("CHA2DS2-VASc 5
    (age, female, HTN, TIA x2)")."""
    opened = _open_paren(text, start, _SCORE_REACH)
    return opened >= 0 and any(m.end() == opened + 1
                               for m in _SCORE_ITEMS.finditer(text, max(0, opened - _SCORE_REACH), opened + 1))


_LIST_REACH = 120   # characters a parenthesized list of tests may run
_NEGATIVE_AFTER = re.compile(r"\)\s*(?:neg\b|negative\b|not detected\b|nondetected\b|non-detected\b)", re.I)


def _type_numbers(words: Sequence[str], k: int) -> int:
    """How many one-digit type numbers stand at k before a test's name ("HIV-1/2 Ag/Ab": 1, 2; never
    "smokes 1 pack/day")."""
    n = 0
    while k + n < len(words) and n < 2 and len(words[k + n]) == 1 and words[k + n].isdigit():
        n += 1
    return n if k + n < len(words) and words[k + n] in _TEST_NAMES else 0


_TEST_NAMES = frozenset("ag ab antigen antibody antibodies igg igm rna dna pcr".split())


def _tested_list_negative(text: str, start: int, end: int) -> bool:
    """Whether a mention stands in a parenthesized list that the word after it says was negative
    ("PCR (flu A/B, RSV, SARS-CoV-2) neg")."""
    opened = _open_paren(text, start, _LIST_REACH)
    if opened < 0:
        return False
    closed = text.find(")", end, end + _LIST_REACH)
    return closed >= 0 and "(" not in text[end:closed] and _NEGATIVE_AFTER.match(text, closed) is not None


_RUN_NEGATIVE = re.compile(r"(?P<items>(?:[ \t]*,[ \t]*[\w/+.-]+(?:[ \t]+[\w/+.-]+)?){2,6})[ \t]+"
                           r"(?:neg|negative|not detected)\b", re.I)
_POSITIVE_ITEM = re.compile(r"\b(?:pos|positive|detected)\b|\+", re.I)
_RESULT_ITEM = re.compile(r"\b(?:neg|negative|nonreactive|undetectable)\b", re.I)


def _tested_run_negative(text: str, end: int) -> bool:
    """Whether an infection a panel tests for stands in a comma list that ends "negative" ("RSV
    POSITIVE; influenza A/B, SARS-CoV-2, hMPV negative"), no item of it said positive."""
    hit = _RUN_NEGATIVE.match(text, end)
    # (a list whose items carry their own results is no panel: "chronic hepatitis B, HBeAg neg, HDV
    # Ab neg" tested the hepatitis's markers)
    return hit is not None and not _POSITIVE_ITEM.search(hit.group("items")) and \
        not _RESULT_ITEM.search(hit.group("items"))


_FALL_REACH = 4   # words after "fell" where the value it fell to may stand
_HEIGHTS = frozenset("feet ft foot meters m stairs steps stories story".split())


def _value_fell(words: Sequence[str], end: int) -> bool:
    """Whether "fell" at ``end`` is a value falling to a number ("fell to 3.1", "fell from 11 to
    8"), not a person falling ("fell 10 feet to the ground")."""
    after = words[end:end + _FALL_REACH]
    return any(w == "to" and k + 1 < len(after) and after[k + 1][:1].isdigit() for k, w in enumerate(after)) \
        and not _HEIGHTS & set(after)


def _graft_reason(text: str, s: Sentence, a: int) -> bool:
    """Whether the condition at token ``a`` opens, with at most its qualifiers before it, a
    parenthesis right after a transplant ("s/p orthotopic liver transplant 2018 (NASH cirrhosis)"):
    the graft's reason, gone with the organ."""
    words = s.words
    for p in range(a, max(0, a - _REASON_QUALIFIERS - 1), -1):
        if "(" in text[s.tokens[p - 1].end:s.tokens[p].start]:
            j = next((j for j in range(p - 1, max(-1, p - 4), -1) if not words[j][:1].isdigit()), None)
            return j is not None and words[j] in _TRANSPLANTED
    return False


def _transplanted_for(words: Sequence[str], a: int) -> bool:
    """Whether the condition at words[a] is what a transplant was done for ("deceased-donor kidney
    transplant 3/2022 for ESRD due to IgA nephropathy")."""
    j = next((j for j in range(a - 1, max(-1, a - 6), -1)
              if not words[j][:1].isdigit() and words[j] not in _REASON_CHAIN), None)
    if j is not None and words[j] in _TRANSPLANTED:
        return True   # "s/p DDKT 2018 (ESRD from IgA nephropathy)": the reason right after the graft
    k = next((k for k in range(a - 1, max(-1, a - 6), -1) if words[k] == "for"), None)
    if k is None or (a - k > 2 and not {"due", "secondary", "from"} & set(words[k:a])):
        return False   # (... "for ESRD due to IgA nephropathy": its cause too)
    return bool(_TRANSPLANTED & set(words[max(0, k - 5):k]))


def _eye_pair(cm, right: str | None, left: str | None, both_said: bool = False) -> tuple[str, ...]:
    """The codes of a condition in both eyes: the bilateral code where the two differ only by the
    eye, else each eye's own; () when an eye has no code or both have the same one. ``both_said``:
    the note names the condition for both eyes, so a 7th-character code's bilateral cousin may be
    it ("POAG OU, OD worse than OS": H40.1130)."""
    if not right or not left or right == left:
        return ()
    dr, dl = cm.description(right), cm.description(left)
    if dr.replace("right eye", "left eye") != dl:
        return (right, left)
    both = dr.replace("right eye", "bilateral")
    parent = right[:-1].rstrip(".")
    kids = cm.children(parent) if cm.id_of(parent) >= 0 else ()
    match = next((k for k in kids if cm.description(k) == both and cm.is_billable(k)), None)
    if match is None and both_said and cm.id_of(right[:5]) >= 0:
        # a 7th-character code: the bilateral one is a cousin ("H40.1110" and "H40.1120": H40.1130)
        match = next((k for k in cm.billable_descendants(right[:5]) if cm.description(k) == both), None)
    return (match,) if match else (right, left)


def _sided_pair(cm, code: str, billable: bool = True) -> tuple[str, str] | None:
    """(right, left) siblings of an unspecified-side code whose category has no bilateral code
    ("Hallux valgus (acquired), unspecified foot" -> M20.11, M20.12); None otherwise. A code with a
    7th character keeps it ("Contusion of unspecified knee, initial encounter" -> S80.01XA, S80.02XA)."""
    flat = code.replace(".", "")
    if len(flat) == 7 and cm.id_of(code) >= 0 and cm.id_of(code[:-1].rstrip("X.")) >= 0:
        pair = _sided_pair(cm, code[:-1].rstrip("X."), billable=False)
        if pair is None:
            return None
        full = tuple(with_seventh(x, flat[-1]) for x in pair)
        return full if all(cm.is_billable(x) for x in full) else None
    desc = cm.description(code)
    parent = code[:-1].rstrip(".")
    if cm.id_of(parent) < 0:
        return None
    kids = {cm.description(k): k for k in cm.children(parent)}
    # (a side the mapper took from "bilateral" alone: "RA of bilateral hands" read as the left hand)
    desc = next((d for d in kids if d == re.sub(r"\b(?:right|left) ", "unspecified ", desc, count=1)), desc)
    m = re.search(r"\bunspecified (\w+)", desc)
    if m is None or "bilateral" in desc.lower():
        return None
    if any("bilateral" in d.lower() for d in kids):
        return None
    right = kids.get(desc[:m.start()] + "right " + m.group(1) + desc[m.end():])
    left = kids.get(desc[:m.start()] + "left " + m.group(1) + desc[m.end():])
    return (right, left) if right and left and (not billable or cm.is_billable(right) and cm.is_billable(left)) \
        else None


def _denied_by_label(triggers, s: Sentence, text: str) -> bool:
    """Whether the sentence is a list its opening label denies ("Ruled out: DVT L leg (duplex neg),
    abscess (US neg), osteomyelitis"): a negation that opens the sentence, then a colon."""
    first = next((t for t in triggers if t.start == 0), None)
    if first is None or first.rule.category != "NEGATED_EXISTENCE" or first.end >= len(s.tokens) or \
            first.rule.literal in _RESOLVED:
        return False   # ("Resolved: AKI, hypokalemia" lists what the stay treated)
    return text[s.tokens[first.end - 1].end:s.tokens[first.end].start].strip() == ":"


def _foreign_sites(words: Sequence[str], spans: Sequence[tuple[int, int, str]], m: Mention,
                   lo: int, hi: int) -> frozenset[str]:
    """The words of ``m``'s window after it that only the own names of other conditions there say
    ("UTI with sepsis-induced acute kidney injury": "kidney" is the AKI's, no kidney infection; "acute"
    and "injury" too): an index site subterm of ``m`` is never read from them. A word the window also
    says outside those names stays ("cellulitis of the L leg with a leg ulcer")."""
    code = m.candidates[0].code[:3] if m.candidates else ""
    # (the spans are in text order: only those starting in the window are read, a run-on note's one sentence
    # holds thousands)
    first = bisect.bisect_left(spans, (m.tok_end, -1, ""))
    inside = {k for a, b, c in spans[first:bisect.bisect_left(spans, (hi, -1, ""), first)] if c != code
              for k in range(a, min(b, hi))}
    if not inside:
        return frozenset()
    outside = {words[k] for k in range(lo, hi) if k not in inside}
    return frozenset(words[k] for k in inside) - outside


def _comma_item(commas: Sequence[bool], starts, a: int, b: int, lo: int, hi: int) -> tuple[int, int]:
    """The window [lo, hi) of the mention at [a, b) cut at the commas beyond which the list's
    next (or previous) item holds another mention."""
    cuts = [j for j in range(lo + 1, min(hi, len(commas))) if commas[j]]
    after = [j for j in cuts if j >= b]
    for k, j in enumerate(after):
        end = after[k + 1] if k + 1 < len(after) else hi
        if any(j <= x < end for x in starts):
            hi = j
            break
    before = [j for j in cuts if j <= a]
    for k in range(len(before) - 1, -1, -1):
        begin = before[k - 1] if k else lo
        if any(begin <= x < before[k] for x in starts):
            lo = before[k]
            break
    return lo, hi


def _clause_breaks(s: Sentence) -> list[bool]:
    """Where a clause starts: after a comma or a semicolon ("COPD with acute exacerbation; chronic
    hypoxic respiratory failure": the acuity is the COPD's)."""
    if not s.gaps:
        return s.commas
    return [bool(c) or bool(g) for c, g in zip(s.commas or [False] * len(s.gaps), s.gaps)]


def _list_stops(text: str, s: Sentence) -> list[bool]:
    """Where a list's item may end: before a token a comma, a semicolon or a spaced dash precedes
    (a parenthesis goes on: "level 3 (severe) hypoglycemia" is one item)."""
    out = list(s.commas or [False] * (len(s.tokens) + 1))
    for i in range(1, len(s.tokens)):
        between = text[s.tokens[i - 1].end:s.tokens[i].start]
        if ";" in between or _spaced_dash(between):
            out[i] = True
    return out


def _spaced_dash(between: str) -> bool:
    """Whether the text between two tokens is a dash with spaces around it ("Osteoporosis - alendronate")."""
    return len(between) > 2 and between[0].isspace() and between[-1].isspace() and \
        between.strip() in ("-", "--", "\u2013", "\u2014")


def _own_coordinate(words: list[str], commas: list[bool], lo: int, hi: int, a: int, b: int,
                    others: list[tuple[int, int]]) -> tuple[int, int]:
    """The window bounded by the coordinated mentions of the same head noun: each takes the
    words of its own conjunct ("a stage 3 sacral pressure injury and an unstageable R heel
    pressure injury": the first is the sacrum's, stage 3)."""
    # only the mentions inside the window bound it (a run-on note's thousand "heart failure"s are
    # looked up, never scanned: the list is in text order)
    k = bisect.bisect_left(others, (lo, -1))
    for oa, ob in others[k:bisect.bisect_right(others, (hi, hi))]:
        if oa >= b:   # one to the right: up to the conjunction or comma before it
            cut = next((k for k in range(b, oa) if words[k] in _CONJUNCTIONS or (k < len(commas) and commas[k])), hi)
            hi = min(hi, cut)
        elif ob <= a:   # one to the left: from the conjunction or comma after it
            cut = next((k for k in range(a - 1, ob - 1, -1) if words[k] in _CONJUNCTIONS
                        or (k < len(commas) and commas[k])), lo)
            lo = max(lo, cut)
        # (none between them: not coordinated, "hemorrhagic stroke (intracerebral hemorrhage)")
    return lo, hi


_CONJUNCTIONS = frozenset(("and", "or", "plus"))
_RULE_OUT = frozenset((("r", "o"), ("rule", "out"), ("to", "exclude")))


def _qualified(words: list[str], commas: list[bool], floor: int, k: int) -> bool:
    """Whether an uncertainty word ("likely", "possible") qualifies word k: one of its clause
    before it ("..., likely from occult gastrointestinal blood loss")."""
    for j in range(k - 1, floor - 1, -1):
        if words[j] in _UNCERTAIN or (j and (words[j - 1], words[j]) in _RULE_OUT):
            return True   # ("... apneas - r/o obstructive sleep apnea": the OSA is the r/o's)
        if commas and j < len(commas) and commas[j]:
            return False   # a comma before word j: the clause starts there
    return False


def _has_own_noun(words: list[str], commas: list[bool], k: int) -> bool:
    """Whether the comma-clause of word k names something of its own ("on chronic
    anticoagulation"), not only qualifiers ("Heart failure, chronic, diastolic")."""
    a = k
    while a > 0 and not commas[a]:
        a -= 1
    b = k + 1
    while b < len(words) and not (b < len(commas) and commas[b]):
        b += 1
    return any(len(w) > 3 and w not in _ACUITY and w not in _QUALIFIERS and w not in _TYPE_WORDS
               and not any(ch.isdigit() for ch in w) for w in words[a:b])


def _other_side_item(words: Sequence[str], lo: int, hi: int) -> bool:
    """Whether a semicolon's item names one side and the rest of its sentence another."""
    if lo == 0 and hi == len(words):
        return False
    own = {SIDES[w] for w in words[lo:hi] if w in SIDES}
    rest = {SIDES[w] for w in (*words[:lo], *words[hi:]) if w in SIDES}
    return len(own) == 1 and bool(rest - own)


def _handedness(words: Sequence[str], k: int) -> bool:
    """Whether the side at k is the patient's hand dominance ("right-hand-dominant", "left handed")."""
    after = tuple(words[k + 1:k + 3])
    return after[:1] in (("handed",), ("dominant",)) or after == ("hand", "dominant")


_SIDE_CLAUSE_REACH = 5   # words before a mention its own clause's side is looked for in ("R eye moderate stage POAG")


def _nearest_side(window: tuple[str, ...], words: list[str], a: int, b: int,
                  breaks: list[bool] = ()) -> tuple[str, ...]:
    """The window without the other side's words when the mention's own side is plain: in
    "L total hip arthroplasty for primary OA of L hip; R hip asymptomatic" the OA is the left's.
    The nearest side is looked for in the mention's own clause ("L low-frequency SNHL, R
    normal": the left's)."""
    own = {SIDES[w] for w in words[a:b] if w in SIDES}
    if len(own) == 1:   # "osteoarthritis of the right knee, s/p left TKA": the mention's own side
        side = own.pop()
        return tuple(w for w in window if SIDES.get(w, side) == side)
    lo = next((k for k in range(a, max(0, a - _SIDE_CLAUSE_REACH), -1) if k < len(breaks) and breaks[k]),
              max(0, a - _SIDE_CLAUSE_REACH))
    hi = next((k for k in range(b, min(len(words), b + 3)) if k < len(breaks) and breaks[k]), b + 3)
    # in its clause first ("R eye moderate stage POAG, L eye severe stage POAG": the right's); else
    # beyond it ("acute ischemic stroke, left MCA territory")
    for first, last, reach in ((lo, hi, _SIDE_CLAUSE_REACH), (0, len(words), 3)):
        for k in range(1, reach + 1):
            near = [SIDES[words[j]] for j in (*range(max(first, a - k), a), *range(b, min(last, b + k, len(words))))
                    if words[j] in SIDES and not _handedness(words, j)]
            if near:
                side = near[0]
                if len(set(near)) > 1:
                    return window
                return tuple(w for w in window if SIDES.get(w, side) == side)
    return window


def _pcs_known(icd10pcs, code: str) -> bool:
    return icd10pcs is not None and icd10pcs.id_of(code) >= 0


def _lap(ms: dict[str, float], key: str, t: float) -> float:
    now = time.perf_counter()
    ms[key] = round(ms.get(key, 0.0) + (now - t) * 1000.0, 3)
    return now
