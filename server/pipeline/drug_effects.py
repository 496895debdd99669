"""Poisoning, adverse effect and underdosing by the Table of Drugs and Chemicals (I.C.19.e).

- Poisoning: an overdose, an ingestion or a drug taken in error ("intentional ingestion of
  ~40 tabs of acetaminophen in a suicide attempt" -> T39.1X2A). The intent is the note's:
  self-harm, assault, accidental ("by mistake", "accidentally"), or undetermined only when the
  note says it cannot tell; a poisoning of unstated intent is accidental (I.C.19.e.5.b).
- Adverse effect: a drug correctly prescribed and taken that caused a condition ("melena
  attributed to warfarin at a therapeutic INR", "ACE-inhibitor angioedema, taken as prescribed")
  -> the condition, then T45.515A (I.C.19.e.5.a).
- Underdosing: less taken than prescribed ("ran out of his furosemide") -> T50.1X6A.
The 7th character is A unless the note says it is a later encounter (D) or a sequela (S).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Sequence

from server.budget import checkpoint
from server.pipeline.entities import Sentence
from server.pipeline.medications import NOT_DRUGS, SUBSTANCES
from server.pipeline.text import said_undenied

_SELF_HARM = re.compile(r"\b(suicid\w*|self[- ]harm|intentional(ly)?|deliberate(ly)?|"
                        # the patient's own words for it ("states she wanted to die")
                        r"want(?:s|ed)? to die|to end (?:her|his|their|my) (?:own )?life|"
                        r"kill (?:herself|himself|themselves|myself)|end it all)\b", re.I)
# what denies an intent or a poisoning said after it ("Denies self-harm intent", "no suicidal
# ideation", "not an overdose")
_DENIED = re.compile(r"\b(?:no|not|denies|denied|denying|without|negative for)\b(?:\s+\w+){0,2}\s*$", re.I)
# ... or doubts it: an intent only suspected is no documented one, and a poisoning of unknown
# intent is accidental (I.C.19.e.5.b): "r/o intentional ingestion"
_DENIED_OR_DOUBTED = re.compile(r"\b(?:no|not|denies|denied|denying|without|negative for|r/o|rule out|ruling out|"
                                r"possible|possibly|questionable|suspected|concern for|cannot exclude|unclear if|"
                                r"unclear whether)\b(?:\s+\w+){0,3}\s*$", re.I)   # ("denies any intent of self-harm")
_ASSAULT = re.compile(r"\b(assault\w*|poisoned by (another|someone|his|her))\b", re.I)
_ACCIDENT = re.compile(r"\b(accidental(ly)?|by mistake|mistak(en|ing)|unintentional(ly)?|in error)\b", re.I)
_UNDETERMINED = re.compile(r"\b(intent (unknown|undetermined|unclear)|undetermined intent)\b", re.I)
# "cyclosporine toxicity" at a prescribed dose is an adverse effect, not a poisoning (I.C.19.e.5.a)
# an overdose the sentence dates in the past ("inducted on buprenorphine 7 months ago after a
# nonfatal overdose"): history, not this encounter's poisoning (a denied history is none: "no hx of
# diabetes, was given her roommate's glipizide in error")
_PAST_EVENT = re.compile(r"\b(?:\d+|a|one|two|three|several)\s+(?:days?|weeks?|months?|years?|yrs?)\s+ago\b|"
                         r"\b(?:in|since)\s+(?:19|20)\d\d\b|\b(?<!no )(?:history of|hx of|h/o|prior|previous|remote)\b|"
                         # a year said alone, not a date's ("2016 episode included intentional
                         # acetaminophen overdose"; never "3/16/2026")
                         r"(?<![/\-\d])\b(?:19|20)\d\d\b(?![/\-]\d)", re.I)
# a drug the sentence starts or gives now treats its condition; it did not cause it
# a past adverse effect the note says has gone ("h/o amiodarone-induced hypothyroidism 2018, resolved")
_PAST_EFFECT = re.compile(r"\b(?:history of|hx of|h/o|hx|prior|previous|remote)\s+$", re.I)
_RESOLVED_AFTER = re.compile(r"[^;.\n]{0,60}\bresolved\b", re.I)
_GIVEN_NOW = frozenset("start started starting begin began initiate initiated add added continue continued".split())
# ... and in a poisoning, the drug given for it is its antidote ("given naloxone 0.4 mg IV")
_TREATED_WITH = frozenset("given administered received treated reversed responded gave required requiring "
                          "needed".split())
_TREATED_REACH = 3
_ERROR_REACH = 6   # words after a drug to the "in error" that makes it the poison ("given her roommate's
# glipizide 10 mg in error")


def _in_error(words: Sequence[str], b: int) -> bool:
    """Whether "in error" follows the drug ending at words[b]: given by mistake, not as an antidote."""
    return any(words[k] == "in" and words[k + 1] == "error" for k in range(b, min(len(words) - 1, b + _ERROR_REACH)))


# a drug the team gives: by a route the patient does not take it ("IM epinephrine"), or as an infusion
_GIVEN_ROUTE = frozenset(("iv", "im", "intravenous", "intramuscular", "intranasal"))
_GIVEN_AFTER = frozenset(("infusion", "drip", "gtt", "bolus", "protocol", "administered", "treatment"))
_GIVEN_AFTER_REACH = 3   # ("admitted for N-acetylcysteine (NAC) treatment": the antidote, its abbreviation between)
_POISONINGS = frozenset(("accidental", "self_harm", "assault", "undetermined"))
# a sentence that names a chemical's corrosion ("alkali chemical injury (corrosion) of L cornea ...
# sodium hydroxide drain cleaner", "chemical burn from lye")
_CORROSIVE = re.compile(r"\b(corrosion|corrosive|chemical (?:burn|injury|splash)|alkali (?:burn|injury)|"
                        r"acid (?:burn|injury))", re.I)
# the Table's corrosive chemicals (solvents, halogens, corrosives, soaps, metals, gases, pesticides),
# not its alcohols (T51) nor its foods, venoms and tobacco (T61-T65)
_CORRODING = ("T52", "T60")
_NOT_THE_POISON = frozenset(("no", "not", "without", "deny", "denies", "denied", "negative"))   # (words as tokenized: "deny")
_NOT_REACH = 4   # words before a drug its denial may stand in
_LIST_JOINS = frozenset(("and", "or", "nor"))
# (what the words after "r/o" name is what is ruled out: "ingestion; r/o intentional ingestion" doubts
# the intent, not the poisoning)
_RULED_OUT_AFTER = re.compile(r"^(?:\w+ ){0,2}(?:ruled out|r o|excluded|unlikely|not suspected|negative|neg)\b"
                              r"(?! (?:intentional|intent|self|suicid\w*|accidental|deliberate))")
_OVERDOSE = re.compile(r"\b(?:overdos\w*|OD)\b", re.I)
_EXCESS_TEXT = (r"more than (?:prescribed|directed|recommended|(?:the )?label\w*)|"
                r"extra (?:[a-z]+ ){0,2}(?:doses?|tabs?|tablets?|pills?)|double[ds]? (?:doses?|dosing|dosed)|"
                # ("injected 40 units of lispro instead of 4")
                r"\d+\s*(?:units?|mg|mcg|tabs?|tablets?|pills?|ml)\s+(?:of\s+[a-z]+\s+)?instead\s+of\s+(?:the\s+)?"
                r"(?:prescribed\s+|usual\s+)?\d+")
_EXCESS = re.compile(r"\b(?:%s)\b" % _EXCESS_TEXT, re.I)
_EXCESS_DENIED = re.compile(r"\b(?:no|not|denies|denied|never|without)\b[^.;]{0,30}$", re.I)
_POISONING = re.compile(r"\b(overdose\w*|Overdose\w*|OVERDOSE\w*|OD|ingest\w*|poison\w*|intoxicat\w*|"
                        r"accidental(ly)? (?:took|injected|ingested|swallowed|given|gave|administered)"
                        # a drug given or taken in error is a poisoning (I.C.19.e.5.b): "given her
                        # roommate's glipizide in error", "wrong medication"
                        r"|in error|wrong (?:medication|medicine|drug|pills?|dose)"
                        # ... and so is one taken in excess of its directions ("more than the label directs",
                        # "took an extra dose", "double dosing")
                        r"|" + _EXCESS_TEXT +
                        # "took 20 tablets", "taking about 20 of her own zolpidem tabs", "swallowed a bottle"
                        r"|(took|taking|swallowed|swallowing) (about |approximately |around |~)?"
                        r"(several|\d+|~\d+|many|a handful|a bottle|the bottle|a whole|an entire|all of|a few|"
                        r"two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|multiple)\b"
                        # (a count of doses or days is the regimen's: "oxycodone PRN (took 2 doses total)")
                        r"(?! (?:doses?|puffs?|times|days?|weeks?|wks?|hours?|hrs?|mg|mcg|units?)\b))\b")
# ("Overdose of heroin" opens a sentence; a capitalized "Took 2 ibuprofen at home", "Poison control
# consulted" are no overdose)
# "OD" is the right eye in a note that names the eyes ("timolol BID OD", "IOP 19 OD, 17 OS"), or
# after a dosing word anywhere
_EYE_NOTE = re.compile(r"\b(OS|OU)\b")
# ... and beside an eye's parts or tests ("3 mm central corneal abrasion OD", "FB sensation OD")
_EYE_WORDS = re.compile(r"\b(eyes?|ocular|cornea\w*|conjunctiv\w*|retina\w*|sclera\w*|iris|pupils?|lens|lids?|"
                        r"eyelids?|fluorescein|slit[- ]lamp|iop|intraocular|visual|vision|acuity|ophth\w*|macula\w*)\b",
                        re.I)
_EYE_REACH = 60
_DOSED_OD = re.compile(r"\b(q?hs|bid|tid|qid|daily|qd|qam|qpm|gtts?|drops?|q\d+h)\s+OD\b", re.I)


# an overdose a drug is kept or taught for ("PRN overdose", "for opioid overdose", "overdose education")
_INDICATION = re.compile(r"(?:\bprn|\bas needed(?: for)?|\bfor|\bin case of|"
                         r"\bprevent\w*|\breversal of)(?: suspected| opioid| an?)*\s+$", re.I)
# ... and what is taught or planned about one ("naloxone kit and overdose education", "overdose precautions")
_INDICATION_AFTER = re.compile(r"\s*(?:education|prevention|precautions|counseling|counselling|risk|kit|"
                               r"reversal|plan|safety)\b", re.I)
_INDICATION_REACH = 24


def taken_in_excess(text: str) -> bool:
    """Whether ``text`` says a drug of the patient's regimen was taken beyond its directions ("a couple
    of extra pills" of his long-term oxycodone): a poisoning that leaves the regimen standing."""
    return any(not _EXCESS_DENIED.search(text, max(0, m.start() - 40), m.start()) for m in _EXCESS.finditer(text))


def poisoned(text: str) -> bool:
    """Whether ``text`` (a sentence) says a poisoning: an overdose, an ingestion, a handful taken."""
    return _poisoned(text, bool(_EYE_NOTE.search(text)))


def _poisoned(text: str, eyes: bool) -> bool:
    """Whether ``text`` says a poisoning: an overdose, an ingestion, a handful taken."""
    for m in _POISONING.finditer(text):
        if _INDICATION.search(text, max(0, m.start() - _INDICATION_REACH), m.start()) or \
                _INDICATION_AFTER.match(text, m.end()):
            continue   # "Naloxone 4 mg nasal PRN overdose": what a drug is kept for, no overdose now
        if _DENIED.search(text, max(0, m.start() - 30), m.start()):
            continue   # "chronic toxicity ..., not an overdose", "no intentional ingestion"
        if _EXCESS.fullmatch(m.group(0)) and _EXCESS_DENIED.search(text, max(0, m.start() - 40), m.start()):
            continue   # "denies any missed or extra doses", "no missed/extra doses": taken as prescribed
        if m.group(0) != "OD" or not (eyes or _DOSED_OD.search(text, max(0, m.start() - 12), m.end())
                                      or _EYE_WORDS.search(text, max(0, m.start() - _EYE_REACH), m.end() + _EYE_REACH)):
            return True
    return False


# a drug taken with alcohol is a poisoning by both (I.C.19.e.5.b: "interaction of drug(s) and
# alcohol"): "drowsiness due to interaction of alprazolam with alcohol" -> T42.4X1A, T51.0X1A
_DRINKS = r"alcohol|etoh|ethanol|vodka|whiskey|whisky|liquor|tequila|rum|gin|beer|beers|wine"
_WITH_ALCOHOL = re.compile(r"\b(interaction|interacting|combined|combination|mixed|mixing)\b[^.;]{0,60}"
                           r"\b(%s)\b|\b(?:%s)[- ](?:interaction|co-?ingestion)\b|"
                           # a prescribed drug taken with a drink (I.C.19.e.5.b): "took her usual zolpidem
                           # after drinking 4 glasses of wine", "took his lorazepam then drank ~6 beers"
                           r"\b(?:took|taking)\b[^.;]{0,80}\b(?:after|then|while|before)\s+(?:\w+\s+)?"
                           r"(?:drinking|drank|consuming|consumed)\b[^.;]{0,40}\b(?:%s)\b|"
                           # ("reaction from alprazolam taken with alcohol")
                           r"\b(?:taken|took|taking)\s+with\s+(?:%s)\b|"
                           # ("accidental lorazepam poisoning with alcohol", "overdose of oxycodone and EtOH",
                           # "ingesting ~20 alprazolam tabs with most of a bottle of vodka")
                           r"\b(?:poisoning|overdose|ingestion|ingesting|ingested|intoxication)\b[^.;]{0,40}"
                           r"\b(?:with|and|plus)\s+(?:(?:most|all|half|much|part) of )?(?:an? |the )?"
                           r"(?:(?:bottle|fifth|pint|six[- ]pack|glass|glasses|cans?|shots?) of )?(?:%s)\b"
                           % ((_DRINKS,) * 5),
                           re.I)
# "reports taking amlodipine and losartan as prescribed": adherence, the only cue of an adverse effect
_ADHERENCE = re.compile(r"^(?:(?!adverse|side effect|therapeutic|correctly prescribed).)*\b(?:reports|reported|states|"
                        r"stated|says|endorses)\s+(?:taking|using)\b[^.;]{0,60}\bas prescribed\b"
                        r"(?:(?!adverse|side effect|therapeutic|correctly prescribed).)*$", re.I | re.S)
_ADVERSE = re.compile(r"\b(adverse (effect|reaction|drug)|side effect|as prescribed|"
                      r"therapeutic (INR|levels?|doses?|dosing)|correctly prescribed)\b", re.I)
# words right before a drug that make it the cause of a condition ("melena attributed to warfarin")
_CAUSE_BEFORE = frozenset("due attributed secondary caused".split())
_SECONDARY = "secondary"
# ... and "following", only with nothing but filler between ("AKI following iodinated contrast
# (iohexol)", never "admitted following surgery; on apixaban")
_FOLLOWING = "following"
_CAUSE_AFTER = frozenset(("induced", "associated", "related"))
_CAUSE_REACH = 5   # words before a drug where its cause word may stand ("due to combination of prescribed X") ...
_CAUSE_FILLER = frozenset("to by the his her their combination combined of prescribed concurrent chronic daily "
                          "high dose use iodinated contrast iv intravenous interaction interactions between "
                          # ("precipitated by anticoagulation (apixaban)": the class, then its drug)
                          "anticoagulation anticoagulant anticoagulants therapy"
                          .split())   # ... with only these between ("due to interaction of sertraline and tramadol")
_SYNDROME = "syndrome"
_SUSCEPTIBILITY = frozenset(("resistant", "resistance", "sensitive", "susceptible", "intermediate"))
_JOINED_DRUGS = frozenset(("and", "plus", "+"))
_CONTRIBUTING = frozenset(("contributing", "contributed", "contributory"))
_DENIED_LINK = frozenset(("not", "non"))   # "not chemo-related", "non-drug-induced": no cause
# what says a drug was not taken: its want caused the condition, not the drug
_NOT_TAKEN = frozenset("omission omitted nonadherence noncompliance nonadherent noncompliant cessation "
                       "withdrawal discontinuation interruption".split())
# "bleeding worsened by apixaban", "induced by warfarin"
_CAUSED_BY = frozenset("induced caused worsened exacerbated aggravated precipitated provoked".split())
# what a drug-related word names that is no condition ("steroid-related risk": a risk)
_NOT_EFFECTS = frozenset((("risk",), ("risks",), ("concern",), ("concerns",), ("counseling",), ("education",)))
_UNDERDOSING = re.compile(r"\b(ran out|running out|missed (\w+ )?dose\w*|underdos\w*|not taking|stopped taking|"
                          r"skipp\w+ (\w+ ){0,3}dose\w*|could not afford|couldn't afford|unable to afford|"
                          # the patient's own stop ("he stopped his furosemide 2 wks ago"; a physician's
                          # "stopped furosemide" is a discontinuation)
                          r"stopped (his|her|their) |self-?discontinu\w*|"
                          r"forg[eo]t(ten|ting)? to take|forg[eo]t\w* (his |her |their )?(\w+ )?dose\w*)\b", re.I)
_ALCOHOL_WORDS = frozenset(_DRINKS.split("|"))
# an underdosing that names no drug: "stopped taking it", "forgot his doses", "missed doses"
_UNNAMED_DOSES = re.compile(r"\b(?:stopped taking (?:it|them)|(?:his|her|their) (?:\w+ )?doses?|"
                            r"(?:missed|skipped) (?:\w+ )?doses?)\b", re.I)
_LONG_AGO = re.compile(r"\b(?:\d+|a|one|two|three|several|few)\s+(?:weeks?|wks?|months?|mos?|years?|yrs?)\s+ago\b",
                       re.I)
_NAMES_DRUG = 3     # words a drug name may have
_CLASS_WORDS = {"ace": "angiotensin converting enzyme", "arb": "angiotensin receptor blocker",
                "nsaid": "nonsteroidal anti-inflammatory drug", "ssri": "selective serotonin reuptake inhibitor",
                "chemotherapy": "antineoplastic", "chemo": "antineoplastic"}

_CLASS_NAMES = frozenset(_CLASS_WORDS.values())
# the drug the note takes away is the one that caused the effect
_STOPPED = re.compile(r"\b(discontinu\w*|stop(ped|ping)?|held|hold(ing)?|avoid\w*|d/c'?d?)\b", re.I)


@dataclass(frozen=True)
class DrugEffect:
    code: str
    intent: str          # accidental | self_harm | assault | undetermined | adverse_effect | underdosing
    sentence: int
    tok_start: int
    tok_end: int
    drug: str


class DrugEffectReader:
    def __init__(self, table, icd10cm):
        self.table, self.cm = table, icd10cm

    def find(self, text: str, sentences: Sequence[Sentence], encounter: str = "A",
             conditions: "set[int] | None" = None, inpatient: bool = False) -> list[DrugEffect]:
        """Drug effects the note documents. A poisoning's intent comes from the whole note; an
        adverse effect or underdosing needs its words in the drug's own sentence. ``conditions``:
        the sentences that name a condition; "as prescribed" says an adverse effect only there
        ("he reports taking glargine every night as prescribed" is adherence)."""
        eyes = bool(_EYE_NOTE.search(text))
        poisoning = _poisoned(text, eyes)
        intent = ("self_harm" if said_undenied(_SELF_HARM, text, _DENIED_OR_DOUBTED)
                  else "assault" if said_undenied(_ASSAULT, text, _DENIED_OR_DOUBTED)
                  else "undetermined" if _UNDETERMINED.search(text) else "accidental")
        out: list[DrugEffect] = []
        seen: set[tuple[str, int]] = set()
        # a note that names a corrosion names its chemical in any sentence ("splashed drain cleaner
        # (sodium hydroxide) on his L hand ... partial-thickness chemical burn"), a corrosive one
        corroded = any(_CORROSIVE.search(text, s.start, s.end) and not _PAST_EVENT.search(text[s.start:s.end])
                       for s in sentences)
        for si, s in enumerate(sentences):
            sentence = text[s.start:s.end]
            with_alcohol = bool(_WITH_ALCOHOL.search(sentence)) and not _PAST_EVENT.search(sentence)
            kind = ("underdosing" if _underdosed(sentence) else
                    intent if (poisoning and _poisoned(sentence, eyes) or _ACCIDENT.search(sentence) and poisoning
                               or with_alcohol)
                    and not _PAST_EVENT.search(sentence)
                    else "adverse_effect" if _ADVERSE.search(sentence) and (conditions is None or si in conditions)
                    and not _ADHERENCE.search(sentence)
                    else None)
            corrosive = bool(_CORROSIVE.search(sentence)) and not _PAST_EVENT.search(sentence)
            drugs = list(self._drugs(s.words))
            if with_alcohol and drugs:
                at = next((k for k, w in enumerate(s.words) if w in _ALCOHOL_WORDS), None)
                hit = self.table.exact("ethanol")
                if at is not None and hit is not None:
                    drugs.append((at, at + 1, "ethanol", self.table.rows[hit[0]]))
            cues = _underdosing_cues(text, s) if kind == "underdosing" else []
            starts = sorted(d[0] for d in drugs)
            denied_to = -1   # where the last drug a denial named ends: a list after it is denied too
            for a, b, name, row in drugs:
                if 0 <= denied_to <= a and all(w in _LIST_JOINS for w in s.words[denied_to:a]):
                    denied_to = b
                    continue   # "Denies co-ingestion of acetaminophen, aspirin, alcohol": none of them
                denied = bool(_NOT_THE_POISON & set(s.words[max(0, a - _NOT_REACH):a]))   # ("no opioids ...")
                if denied:
                    denied_to = b
                if kind == "underdosing" and not any(_underdosed_drug(text, s, a, t, starts) for t in cues):
                    continue   # ("clopidogrel 75 mg daily (NOT taking x 3 wks); atorvastatin 80 mg daily": the
                    # clopidogrel only)
                effect = kind or ("adverse_effect" if _caused(s.words, a, b, _semicolons(text, s, a))
                                  and not _ruled_out(s.words, a, inpatient) else None)
                if effect is None and corrosive and (row.codes[0] or "")[:2] in ("T5", "T6"):
                    effect = intent   # a corrosion's chemical, its toxic effect first (T51-T65, T20-T32 notes)
                elif effect is None and corroded and _CORRODING[0] <= (row.codes[0] or "")[:3] <= _CORRODING[1] \
                        and not _PAST_EVENT.search(sentence) and not denied:
                    effect = intent   # (the chemical a corrosion elsewhere in the note names)
                if effect is None:
                    continue
                if effect == "adverse_effect" and a and s.words[a - 1] in _GIVEN_NOW:
                    continue   # "amiodarone-induced hypothyroidism; start levothyroxine": the treatment
                if effect == "adverse_effect" and _PAST_EFFECT.search(text, max(s.start, s.tokens[a].start - 16),
                                                                      s.tokens[a].start) \
                        and _RESOLVED_AFTER.match(text, s.tokens[b - 1].end):
                    continue   # "h/o amiodarone-induced hypothyroidism 2018, resolved after stopping amiodarone":
                    # an effect of the past, its condition gone (I.C.21.c.4)
                if effect in _POISONINGS and not _in_error(s.words, b) and (
                        _TREATED_WITH & set(s.words[max(0, a - _TREATED_REACH):a]) or
                        _GIVEN_ROUTE & set(s.words[max(0, a - 2):a]) or
                        _GIVEN_AFTER & set(s.words[b:b + _GIVEN_AFTER_REACH])):
                    continue   # "overdose on oxycodone; given naloxone", "required 2 doses of IM epinephrine",
                    # "naloxone infusion x 18 h": the treatment, no poison
                if effect in _POISONINGS and denied:
                    continue   # "not felt to be opioid ingestion", "no opioids in the home": denied
                if effect in _POISONINGS and _RULED_OUT_AFTER.match(" ".join(s.words[b:b + _NOT_REACH + 1])):
                    continue   # "Amlodipine co-ingestion ruled out (level negative)": no poisoning by it
                if name in SUBSTANCES and not (effect in _POISONINGS and _OVERDOSE.search(sentence)):
                    continue   # a substance of use is poisoning only in an overdose ("cocaine intoxication"
                    # in a use disorder is F14.-, I.C.5.b)
                code = row.code(effect, encounter, self.cm)
                if code is None or (code, si) in seen:
                    continue
                # (each sentence's mention is evidence: the conditions of every sentence that names
                # the drug's effect are the drug's, "chemotherapy-induced neutropenia" and
                # "paclitaxel-induced polyneuropathy" both the antineoplastic's)
                seen.add((code, si))
                out.append(DrugEffect(code, effect, si, a, b, name))
            if kind == "underdosing" and cues and not drugs and si and _UNNAMED_DOSES.search(sentence) and \
                    not _LONG_AGO.search(sentence):   # ("last seizure 8 months ago after she missed doses")
                # the doses of the one drug the sentence before names ("... epilepsy on levetiracetam.
                # Pt states he forgot his doses x2 days", "Stopped taking it 6 days ago")
                before = {name: (a, b, row) for a, b, name, row in self._drugs(sentences[si - 1].words)}
                if len(before) == 1:
                    (name, (a, b, row)), = before.items()
                    code = row.code("underdosing", encounter, self.cm)
                    if code is not None and (code, si - 1) not in seen:
                        seen.add((code, si - 1))
                        out.append(DrugEffect(code, "underdosing", si - 1, a, b, name))
        return self._members(out, sentences, text, encounter)

    def names_drug(self, words: Sequence[str], lo: int, hi: int) -> bool:
        """Whether a drug the table names starts among ``words[lo:hi]``."""
        return any(max(0, lo) <= a < hi for a, _, _, _ in self._drugs(words))

    def _members(self, effects: list[DrugEffect], sentences: Sequence[Sentence], text: str,
                 encounter: str) -> list[DrugEffect]:
        """A class's effect is its member's where the note names which member was taken: "GI bleed,
        NSAID-induced" with "ibuprofen 800 mg t.i.d. ... Ibuprofen discontinued" is ibuprofen's row
        (T39.315A, propionic acid derivatives), not the class row (T39.395A, other NSAIDs). The
        member's code must be of the class's own category; of several members, the one the note
        stops is the one that did it ("stop ibuprofen", "topical diclofenac may be considered")."""
        if not any(e.drug in _CLASS_NAMES for e in effects):
            return effects
        named: dict[str, set[str]] = {}   # member's code -> how the sentences that name it read
        for s in sentences:
            for _, _, name, row in self._drugs(s.words):
                if name in _CLASS_NAMES:
                    continue
                for e in effects:
                    code = row.code(e.intent, encounter, self.cm) if e.drug in _CLASS_NAMES else None
                    if code and code[:5] == e.code[:5] and code != e.code:
                        stopped = _STOPPED.search(text, s.start, s.end) is not None
                        named.setdefault(code, set()).add("stopped" if stopped else "named")
        if not named:
            return effects
        pick = list(named) if len(named) == 1 else [c for c, how in named.items() if "stopped" in how]
        if len(pick) != 1:
            return effects
        return [DrugEffect(pick[0], e.intent, e.sentence, e.tok_start, e.tok_end, e.drug)
                if e.drug in _CLASS_NAMES and pick[0][:5] == e.code[:5] else e for e in effects]

    def _drugs(self, words: Sequence[str]):
        """(start, end, name, row) of each drug the sentence names, longest names first."""
        i = 0
        while i < len(words):
            checkpoint()   # a run-on note is one sentence of thousands of words
            if words[i] in NOT_DRUGS and words[i] not in SUBSTANCES:
                i += 1
                continue
            for n in range(min(_NAMES_DRUG, len(words) - i), 0, -1):
                toks = [_CLASS_WORDS.get(w, w) for w in words[i:i + n]]
                if len(toks[0]) < 4 and toks[0] not in _CLASS_WORDS.values():
                    continue
                if n == 1 and toks[0] in _SALTS and i and words[i - 1].isalpha() and \
                        words[i - 1] not in _BEFORE_SALT:
                    continue   # a salt names the drug before it ("lithium carbonate", "ferrous sulfate"), no antacid
                name = self.table.medicinal(" ".join(toks))
                hit = self.table.exact(name)
                if hit is None and n == 1 and words[i] in _CLASS_WORDS:
                    hit = self.table.exact(_CLASS_WORDS[words[i]] + " inhibitor") or self.table.exact(name)
                if hit is not None and any(self.table.rows[hit[0]].codes) and \
                        words[i + n:i + n + 1] != [_SYNDROME] and not _SUSCEPTIBILITY & set(words[i + n:i + n + 1]):
                    # ("serotonin syndrome": the syndrome's name; "vancomycin-resistant": an organism's)
                    if _EYE_ROUTE & set(words[i + n:i + n + _EYE_ROUTE_REACH]):
                        # eye drops are the drug's ophthalmic preparation ("prednisolone acetate 1% gtt daily
                        # OD": Prednisolone > ophthalmic preparation, T49.5X5A)
                        hit = self.table.exact(f"{name} ophthalmic preparation") or hit
                    yield i, i + n, name, self.table.rows[hit[0]]
                    i += n - 1
                    break
            i += 1


_EYE_ROUTE = frozenset("gtt gtts drop drops ophthalmic od os ou".split())
_EYE_ROUTE_REACH = 6   # words after a drug's name where its eye route may stand ("acetate 1% gtt")


# a salt or ester word ("carbonate", "sulfate", "chloride"), and the words that may stand before a salt
# named on its own ("took magnesium sulfate" is read whole; "ingested sulfate")
_SALTS = frozenset("carbonate bicarbonate sulfate sulphate chloride citrate phosphate gluconate hydrochloride "
                   "acetate succinate tartrate fumarate maleate besylate mesylate lactate nitrate".split())
_BEFORE_SALT = frozenset("of and or with on took taking ingested ingestion swallowed plus the a an his her their "
                         "iv po oral".split())
_UNCERTAIN = frozenset(("rule", "possible", "possibly", "probable", "suspected", "suspect", "questionable"))
_UNCERTAIN_REACH = 3   # words before a drug-induced condition its doubt may stand in


def _ruled_out(words: Sequence[str], a: int, inpatient: bool) -> bool:
    """Whether the words before a drug say its condition is only being ruled out or suspected
    in an outpatient note ("r/o lithium-induced hypothyroidism": no adverse effect coded, IV.H;
    an inpatient's "probable NSAID-induced ulcer" is coded as established, II.H)."""
    if inpatient:
        return False
    before = words[max(0, a - _UNCERTAIN_REACH):a]
    return bool(_UNCERTAIN & set(before)) or any(x == "r" and y == "o" for x, y in zip(before, before[1:]))


def _underdosing_cues(text: str, s: Sentence) -> list[int]:
    """The word indices of the sentence's undenied underdosing cues ("not taking", "ran out of")."""
    sentence = text[s.start:s.end]
    starts = [t.start for t in s.tokens]
    return [max(0, bisect_right(starts, s.start + m.start()) - 1) for m in _asserted_cues(sentence)]


_OWN_DOSES = re.compile(r"[^.;]{0,30}?\b(?:his|her|their)\s+doses?\b", re.I)
_UNDERDOSED_REACH = 20   # words between a drug and the cue that says less of it was taken


def _underdosed_drug(text: str, s: Sentence, a: int, t: int, starts: list[int]) -> bool:
    """Whether the underdosing cue at word t is the drug's at word a: the drugs it lists after it
    ("ran out of metformin, lisinopril"), never past its parenthesis's close or a semicolon; or the
    one drug right before it ("rifaximin 550 mg BID (ran out 10 days ago), spironolactone": the
    rifaximin's)."""
    if abs(t - a) > _UNDERDOSED_REACH:
        return False
    between = text[s.tokens[min(t, a)].start:s.tokens[max(t, a)].start]
    if ";" in between:
        # ... unless the cue's doses are the patient's own, naming no drug, and this drug is the last one
        # before them ("Valproate level <10; pt admits forgetting his doses x 4 days")
        return a < t and a == max((d for d in starts if d < t), default=-1) and \
            _OWN_DOSES.match(text, s.tokens[t].start) is not None
    if a > t:
        return ")" not in between
    return a == max((d for d in starts if d < t), default=-1)


def _underdosed(sentence: str) -> bool:
    """Whether the sentence says less was taken than prescribed, not that it was not ("denies
    missed doses", "counseled on the importance of not skipping doses"), nor that a clinician
    stopped the drug ("her PCP had stopped her HCTZ")."""
    return next(_asserted_cues(sentence), None) is not None


def _asserted_cues(sentence: str):
    """The sentence's underdosing cues that are neither denied nor a clinician's stop."""
    for m in _UNDERDOSING.finditer(sentence):
        before = sentence[max(0, m.start() - _DENIAL_REACH):m.start()]
        if not _DENIED_BEFORE.search(before) and not (
                m.group(0).lower().startswith("stopped") and _CLINICIAN.search(before)):
            yield m


# who stops a drug as its prescriber, not as the patient who takes it
_CLINICIAN = re.compile(r"\b(?:pcp|physician|doctor|dr|md|provider|cardiology|cardiologist|nephrology|team|we|"
                        r"oncology|oncologist|endocrinology|psychiatry|psychiatrist|np|pa)\b", re.I)


_DENIED_BEFORE = re.compile(r"\b(denies|denied|no|not|never|without|risks? of|importance of|avoid\w*|"
                            r"don'?t|do not|if)\W+(\w+\W+){0,2}$", re.I)
_DENIAL_REACH = 40   # characters before the cue a denial or an instruction may stand in


def _semicolons(text: str, s: Sentence, a: int) -> list[bool]:
    """Where a semicolon lies just before each of the sentence's tokens, up to token ``a``."""
    lo = max(1, a - _CAUSE_REACH)
    return [False] * lo + [";" in text[s.tokens[k - 1].end:s.tokens[k].start] for k in range(lo, min(a + 1, len(s.tokens)))]


def _cause_word(words: Sequence[str], j: int) -> bool:
    """Whether word j names a cause after it ("due", "attributed", "secondary to warfarin"; never
    "secondary prevention: DAPT (ASA + clopidogrel)")."""
    return words[j] in _CAUSE_BEFORE and (words[j] != _SECONDARY or words[j + 1:j + 2] == ["to"])


def _caused(words: Sequence[str], a: int, b: int, gaps: Sequence[bool] = ()) -> bool:
    """"attributed to warfarin", "warfarin-induced", "ACE-inhibitor angioedema" read as a cause;
    never across a semicolon (``gaps``: "anemia due to menorrhagia; ferrous sulfate" is the treatment)."""
    if b < len(words) and words[b] in _NOT_TAKEN:
        return False   # "precipitated by insulin omission": an underdosing, no adverse effect
    if a and words[a - 1] in _DENIED_LINK:
        return False   # "anemia due to marrow infiltration by myeloma, not chemo-related": denied
    if a >= 2 and words[a - 1] in _JOINED_DRUGS and words[a - 2] not in _JOINED_DRUGS and \
            _caused(words, a - 2, a - 1, gaps):
        return True   # "due to combination of prescribed ibuprofen and aspirin": both
    lo = max([0] + [k for k in range(max(0, a - _CAUSE_REACH), a + 1) if k < len(gaps) and gaps[k]])
    before = any(_cause_word(words, j) for j in range(max(lo, a - 3), a))
    k = next((k for k in range(a - 1, max(lo - 1, a - _CAUSE_REACH - 1), -1)
              if _cause_word(words, k) or words[k] == _FOLLOWING or
              (words[k] in _CAUSED_BY and words[k + 1:k + 2] == ["by"])), None)
    if k is not None and set(words[k + 1:a]) <= _CAUSE_FILLER:
        return True   # "due to combination of prescribed ibuprofen" (not "due to a fall while on apixaban")
    # ("steroid-induced, sliding scale insulin": the induced word is the steroid's, after it)
    after = (b < len(words) and words[b] in _CAUSE_AFTER and tuple(words[b + 1:b + 2]) not in _NOT_EFFECTS) or \
        bool(_CONTRIBUTING.intersection(words[b:b + 3]))   # "NSAID and aspirin use contributing to ulcer"
    return before or after or \
        (a >= 2 and words[a - 1] == "by" and words[a - 2] in _CAUSED_BY) or \
        (a >= 1 and words[a - 1] in _CAUSE_AFTER)   # "induced by warfarin", "NSAID-induced (ibuprofen)"
