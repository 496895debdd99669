"""Medications a note documents as current long-term therapy -> Z79 codes (I.C.21.c.3).

A medication list is read for what it is: its drugs are never diagnoses (the section is not
codable), but each drug the patient takes long term yields its long-term drug therapy code:
"Meds: apixaban 5 mg BID, metoprolol succinate 50 mg daily" -> Z79.01, Z79.899. Outside a
medication list a drug counts when the note says the patient is on it ("on warfarin",
"prednisone 7.5 mg daily for 9 months").

Not coded: a drug just started, tried, given for a short course or stopped ("nitrofurantoin x5
days", "prednisone burst", "no longer on anticoagulants", "metformin was discontinued"), a drug
taken as needed (PRN), anything negated or planned, and what is taken without being drug therapy
a claim reports (an iron supplement, a stool softener, a skin protectant, a hormone IUD: the
classes ``z79_classes.json`` marks "none"). The class comes from the Table of Drugs
(``drug_tables.long_term_code``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from server.budget import checkpoint
from server.domain import Assertion
from server.pipeline.drug_tables import NOT_THERAPY, names_drug
from server.pipeline.entities import Sentence

_MED_SECTIONS = frozenset(("medications",))
# Words that say a drug is taken on a schedule.
_SCHEDULE = re.compile(r"^(daily|bid|tid|qid|qhs|qd|qam|qpm|weekly|monthly|nightly|q\d+h|qod|inhaler|patch|"
                       r"q\d+(?:wk|wks|week|weeks|w|mo)|biweekly|quarterly)$")   # "q8wk"
_BREAK = re.compile(r"[,;]")
# words that open a clause of their own ("sliding scale while metformin was held", "lispro sliding
# scale + glargine": the scale is the lispro's)
_CLAUSE_WORDS = frozenset(("while", "+", "but", "then", "plus"))
_NASAL = frozenset("nasal intranasal nostril nostrils".split())   # sprayed into the nose
_FORMS = frozenset("inhaler inhaled inhalation nebulizer nebulized hfa diskus patch injection sc sq puff puffs mdi "
                   "ellipta respimat "
                   # put on the eye, ear or skin ("prednisolone acetate 1% QID OD"): no systemic steroid
                   "ophthalmic drop drops gtt gtts eye od os ou otic cream ointment topical topically "
                   "lotion "
                   # a hormone released by a device in place (Z97.5), no drug therapy
                   "iud intrauterine implant".split()) | _NASAL
_INHALED_STEROIDS = "Z79.51"
_COURSE_DAYS = 30   # "for 7 days": a course, not long-term therapy
# what says the patient does not take a prescribed drug ("amlodipine 5 mg daily (nonadherent)")
_NOT_TAKEN = frozenset("nonadherent noncompliant nonadherence noncompliance".split())
_NON = frozenset(("adherent", "compliant", "adherence", "compliance"))
_MORE = frozenset(("more", "additional", "further", "remaining"))
_STOPPED = frozenset("stop stopped discontinue discontinued dc'd".split())
_STOP_LATER = frozenset("plan planned will until after once if when continue continued transition".split())
_LONG_SPANS = frozenset("yr yrs year years month months mo mos".split())
# ("Maintenance immunosuppression: tacrolimus, ...")
_ON = frozenset(("on", "taking", "takes", "take", "continue", "continued", "resumed", "maintained", "uses", "long",
                 "chronic", "maintenance"))
# A drug in the same clause as one of these is not current long-term therapy.
_COURSE = frozenset("x1 x2 x3 x4 x5 x7 x10 x14 burst course taper sliding".split())
_OTHER_DRUG = "Z79.899"   # the class a name gets when only a close spelling in the table matched
_SHORT_TERM = frozenset("start started starting initiate initiated new newly trial burst course x1 x2 x3 x4 x5 x7 "
                        "x10 x14 sliding empiric empirically stopped stop discontinued discontinue held hold completed "
                        "off switch switched changed plan planned will consider offered declined refused "
                        "finished iv intravenous ivpb "
                        # a drug taken in an overdose is the poisoning's, not a regimen ("took a whole
                        # bottle of Tylenol")
                        "overdose overdosed ingestion ingested ingesting bottle".split())
NOT_DRUGS = frozenset("on the a an and or of to for with in at by as daily dose oxygen o2 air water food "
                      "female male woman man patient "
                       "diet meds medication medications regimen therapy home current glucose sugar sodium "
                       "potassium calcium chloride bicarbonate alcohol caffeine contrast saline fluid blood "
                       "platelet plasma vitamin level levels lab labs tablet pill drug medicine substance agent "
                       "product smoke smoking smoker tobacco cigarette cigarettes cigar barium gadolinium acting long short "
                      "release extended intermediate rapid "
                      "tonic "   # a seizure's ("tonic-clonic"), not the Table's "Tonic NEC"
                      "adrenal "   # a gland ("secondary adrenal insufficiency"), not the Table's adrenal extract
                      "dial "   # an insulin pen's ("misread the pen dial"), not the Table's Dial soap
                      # substances of use, not prescribed therapy (F12-F16, not Z79)
                      "marijuana cannabis thc cocaine crack heroin methamphetamine meth "
                      # a vaccine is given once, no regimen ("dog up to date on rabies vaccine")
                      "vaccine vaccines vaccination vaccinations vaccinated immunization".split())
_MAX_WORDS = 3
# substances of use (F12-F16): no long-term therapy, but what an overdose may be of
SUBSTANCES = frozenset("marijuana cannabis thc cocaine crack heroin methamphetamine meth".split())
_LABA = frozenset(("formoterol", "salmeterol", "vilanterol"))   # only ever inhaled, as its steroid partner
_ASA_CLASS = frozenset("class i ii iii iv v 1 2 3 4 5 ps physical".split())
# "pred" is prednisone, but a lung function's "% predicted" after a measure ("FEV1 38% pred")
_PREDICTED_OF = frozenset("fev1 fvc dlco tlc pef peak rv vc mip mep".split())
# Brands sold only as inhalers: their steroid is inhaled (Z79.51), never systemic (Z79.52).
_INHALER_BRANDS = frozenset("symbicort advair breo dulera trelegy wixela pulmicort qvar arnuity asmanex flovent "
                            "alvesco".split())
# Z79.2 is long-term antibiotic use (suppression, prophylaxis), never the course that treats an
# infection of this encounter: the note must say it is long.
_ANTIBIOTICS = "Z79.2"
_LONG_COURSE = frozenset("prophylaxis prophylactic suppressive suppression long chronic chronically lifelong "
                         "indefinitely indefinite months years maintenance".split())
_PROPHYLAXIS = frozenset(("prophylaxis", "prophylactic", "suppression", "suppressive"))
_HELD = frozenset(("held", "hold", "holding"))
_LIST_DENIALS = frozenset(("no", "not", "nor", "denies", "without", "never"))
_LIST_DENIAL_REACH = 4   # words before the list word where its denial stands ("not on antiplatelet or")
# words that give a drug as given with each chemotherapy cycle, not taken on its own
_PREMED = frozenset("premed premeds premedication premedications chemo chemotherapy protocol cycle cycles "
                    "infusion infusions".split())
# words that say a drug class is taken long-term ("long-term steroid use")
_LONG_SAID = frozenset(("long", "chronic", "longterm", "maintenance", "daily"))
# words that name a drug class rather than a drug
_CLASS_WORDS = frozenset("steroid steroids corticosteroid corticosteroids glucocorticoid glucocorticoids".split())
_EVERY = re.compile(r"^q\d+$")
_INTERVALS = frozenset("wk wks week weeks mo month months".split())
_ROUTE_IV = frozenset(("iv", "intravenous", "sc", "sq", "im"))
_LONG_INTERVAL = re.compile(r"^(q\d+(wk|wks|week|weeks|w|mo|month|months)|weekly|monthly|biweekly|quarterly)$")
_FORM_REACH = 7   # words after a drug its form may follow ("budesonide-formoterol 160/4.5 2 puffs")
_PRN_REACH = 8   # words after a drug its "PRN" may follow ("albuterol inhaler 2 puffs q4h PRN")


@dataclass(frozen=True)
class DrugMention:
    code: str          # the Z79 code
    name: str          # the drug as the note spells it (normalised)
    sentence: int
    tok_start: int
    tok_end: int


class MedicationReader:
    """Finds long-term drugs in analysed sentences."""

    def __init__(self, table, long_term_code, icd10cm=None):
        self.table = table
        self._code = long_term_code
        self.cm = icd10cm

    def find(self, text: str, sentences: Sequence[Sentence], assertions) -> list[DrugMention]:
        """Long-term drugs; ``assertions(sentence_index, tok_start, tok_end)`` gives ConText's
        reading of a span (a negated or hypothetical drug is not current therapy)."""
        out: list[DrugMention] = []
        short: set[str] = set()   # drugs the note gives as a short course anywhere ("prednisone ... x5 days")
        tapered: set[str] = set()   # ... or as tapered: short unless the note also gives them as taken
        short_codes: set[str] = set()   # the long-term classes of the short courses
        stopped: dict[str, int] = {}   # drug -> the last sentence that stops it
        listed_at: dict[str, int] = {}   # drug -> the last medication-list sentence that gives it as taken
        steroids: set[str] = set()   # the Z79 codes of the corticosteroids the note names
        steroids_named: set[str] = set()   # ... and their names
        for si, s in enumerate(sentences):
            words = s.words
            breaks = [False] + [bool(_BREAK.search(text[s.tokens[k - 1].end:s.tokens[k].start]))
                                or words[k] in _CLAUSE_WORDS or words[k - 1] == "+"
                                for k in range(1, len(words))] + [True]
            self._drug_parentheses(text, s, breaks)
            clauses = _Clauses(words, breaks)
            following = sentences[si + 1].words[:_LONG_REACH] if si + 1 < len(sentences) else ()
            # (or a sentence that opens on its label: "Meds metformin, lisinopril, atorvastatin.")
            label = 2 if words[:1] and words[0] in _LIST_OPENERS and words[1:2] and words[1] in _LIST_LABELS else \
                1 if words[:1] and words[0] in _LIST_LABELS else 0
            listed = s.section in _MED_SECTIONS or (
                label > 0 and len(words) > label and self._drug_at(words, label) is not None)
            i = 0
            while i < len(words):
                checkpoint()   # a run-on note is one sentence of thousands of words
                hit = self._drug_at(words, i, clauses.around(i, i + 1)[1])
                if hit is None:
                    i += 1
                    continue
                j, name, code = hit
                if name not in _CLASS_WORDS and self._steroid(name):
                    steroids.add(code)
                    steroids_named.add(name)
                # a drug's own clause is read ("no history of fracture, on alendronate weekly":
                # the negation is the fracture's, not the drug's)
                lo = clauses.around(i, j)[0] if not listed else 0
                # ... and from the list word before it ("nitroglycerin PRN and aspirin": the
                # PRN's reach ends at "and")
                # (a denial right before a list of drugs reaches all of it: "No antiplatelet or
                # anticoagulant"; never "no dyskinesias or motor fluctuations on carbidopa-levodopa")
                cut = max([lo] + [k + 1 for k in range(lo, i) if words[k] in ("and", "or")])
                lo = lo if cut == i and _LIST_DENIALS & set(words[max(lo, cut - _LIST_DENIAL_REACH):cut]) else cut
                if code == NOT_THERAPY:
                    pass   # a supplement, a bowel regimen, a skin protectant: read, no Z79 code
                elif code == _ANTIBIOTICS and not _LONG_COURSE & set(words[max(0, i - _PRN_REACH):j + _PRN_REACH]) \
                        and not _taken_for_months(words, j):
                    pass   # an antibiotic treats the infection at hand: long-term only when said (prophylaxis)
                elif name in steroids_named and self._premedication(words, j, clauses.around(i, j)[1]):
                    pass   # a steroid given with each chemotherapy ("dexamethasone with chemo only",
                    # "dexamethasone premed", "... day before/of/after pemetrexed"): no regimen of its own
                elif not _passing(code, words, i, j, clauses) and \
                        _current(words, i, j, listed, clauses, following, code == _INSULIN):
                    said = assertions(si, i, j, lo)
                    if said is Assertion.HYPOTHETICAL and code == _ANTIBIOTICS and \
                            _PROPHYLAXIS & set(words[j:j + 2]):
                        # "on nitrofurantoin prophylaxis": the antibiotic's purpose, taken now (an
                        # anticoagulant's "DVT prophylaxis" in a stay is no long-term therapy)
                        said = Assertion.PRESENT
                    elif said is Assertion.HYPOTHETICAL and words[j:j + 1] == ["for"] and \
                            "prevention" in words[j + 1:j + 4]:
                        said = Assertion.PRESENT   # "on apixaban for stroke prevention": what it is taken for
                    if said in (Assertion.PRESENT, Assertion.HISTORICAL):
                        out.append(DrugMention(code, name, si, i, j))
                        if listed:
                            listed_at[name] = si
                elif course := clauses.courses(*clauses.around(i, j), code == _INSULIN):
                    # (a taper of a drug the note gives as taken is its dose coming down: "prednisone
                    # 5 mg daily long-term ... will taper prednisone as tolerated" is still Z79.52, and
                    # so is "attempts to taper prednisone have failed" before the list that gives it)
                    if course == words[slice(*clauses.around(i, j))].count("taper"):
                        tapered.add(name)
                    elif code == _INSULIN and course == clauses.count(clauses.insulin_course, *clauses.around(i, j)):
                        pass   # a sliding scale in the stay beside the insulin the patient takes ("on
                        # basal insulin ...; glucose managed with insulin sliding scale"): this
                        # mention is no regimen, the other still is
                    else:
                        short.add(name)   # a short course ("x5 days", "burst", "sliding scale"), not a hold
                    short_codes.add(code)
                elif _STOPPED & (clause := set(words[slice(*clauses.around(i, j))])) and not _STOP_LATER & clause:
                    # "stop atorvastatin": stopped at this encounter, not ongoing therapy ("plan to stop
                    # adalimumab ...; continue adalimumab until then" is still taken)
                    stopped[name] = si
                i = j
        # a drug started for a short course is not long-term where the note mentions it again
        # ("Start prednisone 40 mg x5 days ... insulin while on prednisone"); nor a stopped one,
        # unless a medication list after the stop gives it ("had stopped her apixaban 2 months
        # ago ... Discharge meds: apixaban 5 mg b.i.d.": taken again)
        # ... nor a class the note names only as the short course's ("prednisone 40 mg x5 days ...
        # glucose rose on steroids": no Z79.52)
        # (unless said to be long-term: "Long-term steroid use: DEXA ordered")
        out = [d for d in out if not (d.code in short_codes and d.name in _CLASS_WORDS and not _LONG_SAID & set(
            sentences[d.sentence].words[max(0, d.tok_start - 3):d.tok_end + 2]))]
        # ... nor "on steroids" where the steroids the note names are put on the eye or inhaled
        # ("prednisolone acetate 1% drops OD ... check IOP on steroid": no Z79.52)
        out = [d for d in out if not (d.name in _CLASS_WORDS and steroids and d.code not in steroids)]
        short |= tapered - {d.name for d in out}
        # a regimen the patient came in on and this encounter stops is still the encounter's
        # long-term therapy ("HOME MEDS: glipizide 10 mg BID ... STOP glipizide": Z79.84); an
        # anti-inflammatory stopped now was the pain's own remedy, not kept up ("Ibuprofen 800 mg
        # t.i.d. ... STOP ibuprofen": no Z79.1)
        return [d for d in out if d.name not in short and (d.name not in stopped or (
            d.name in listed_at and d.code != _NSAID) or listed_at.get(d.name, -1) > stopped[d.name])]

    def names_a_drug(self, words: Sequence[str]) -> bool:
        """Whether any word of ``words`` starts a drug's name."""
        return any(self._drug_at(words, k) is not None for k in range(len(words)))

    def _class_named(self, word: str) -> str | None:
        """The Z79 code a long-term class names ``word`` by (alendronate: Z79.83), or None; each
        word is asked once (a long note repeats its words)."""
        memo = self.__dict__.setdefault("_named_memo", {})
        if word not in memo:
            if len(memo) > 100_000:
                memo.clear()
            code = self._code(word, self.cm, table=self.table) if names_drug(self.table, word) else None
            memo[word] = None if code in (None, _OTHER_DRUG, NOT_THERAPY) else code
        return memo[word]

    def _drug_parentheses(self, text: str, s: Sentence, breaks: list[bool]) -> None:
        """A parenthesis that opens on another drug after a drug is that drug's clause ("insulin
        (metformin stopped at conception)": the stop is the metformin's); one that opens on anything
        else stays its drug's ("metformin (discontinued)")."""
        words = s.words
        lo = 0   # where the clause before the parenthesis begins
        for k in range(1, len(words)):
            gap = text[s.tokens[k - 1].end:s.tokens[k].start]
            if breaks[k]:
                lo = k
            # (only after a drug of its own: "On DAPT (ASA 81 + ticagrelor)" is the DAPT's list)
            if "(" in gap and self._drug_at(words, k) is not None and \
                    any(self._drug_at(words, x) is not None for x in range(lo, k)):
                breaks[k] = True
                close = next((x for x in range(k + 1, len(words))
                              if ")" in text[s.tokens[x - 1].end:s.tokens[x].start]), len(words))
                breaks[close] = True

    def _premedication(self, words: Sequence[str], j: int, end: int) -> bool:
        """Whether the words after a drug, to its clause's end, give it as a premedication: said
        so, or tied to chemotherapy or to an antineoplastic the Z79 rules name (Z79.6-)."""
        for k in range(j, end):
            if words[k] in _PREMED:
                return True
            code = self._class_named(words[k]) if words[k] not in NOT_DRUGS and len(words[k]) > 4 else None
            if code is not None and code.startswith("Z79.6"):
                return True
        return False

    def _steroid(self, name: str) -> bool:
        """Whether the Table of Drugs files ``name`` with the glucocorticoids (T38.0)."""
        hit = self.table.match(name)
        return hit is not None and (hit[0].category() or "").startswith("T38.0")

    def _anesthetic(self, name: str) -> bool:
        """Whether the Table of Drugs puts ``name`` among the general anesthetics (T41.0-T41.2)."""
        hit = self.table.match(name)
        return hit is not None and bool(hit[0].codes[4]) and hit[0].codes[4].startswith(("T41.0", "T41.1", "T41.2"))

    def _is_drug(self, name: str) -> bool:
        memo = self.__dict__.setdefault("_drug_memo", {})
        if name not in memo:
            if len(memo) > 100_000:
                memo.clear()
            memo[name] = names_drug(self.table, name)
        return memo[name]

    def _drug_at(self, words: Sequence[str], i: int, end: int | None = None):
        """(end, name, Z79 code) of the longest drug name starting at word i, or None; its form
        words are read up to ``end``, its clause's end ("prednisone 5 mg daily, fluticasone 2 puffs":
        the puffs are the fluticasone's)."""
        if words[i] in NOT_DRUGS or words[i].isdigit():
            return None
        if words[i] == "pred" and i and (words[i - 1].isdigit() or _PREDICTED_OF & set(words[max(0, i - 4):i])):
            return None   # "FEV1 38% pred": the share of the predicted value
        short = len(words[i]) < 4 and words[i] not in self.table.aliases
        for n in range(min(_MAX_WORDS, len(words) - i), 0, -1):
            toks = words[i:i + n]
            if short and (n == 1 or " ".join(toks) not in self.table.aliases):
                continue   # (a short word only as a known abbreviation, alone or in one: "ASA 81 mg", "TMP-SMX")
            if any(t in NOT_DRUGS or t.isdigit() for t in toks[1:]):
                continue
            name = self.table.medicinal(" ".join(toks))
            if self.table.exact(name) is None and (n > 1 or self._class_named(name) is None):
                continue   # neither the Table of Drugs nor a long-term class names it ("pump" is no drug)
            if not self._is_drug(name):
                continue   # a venom or a chemical ("spider angiomata")
            if name == "asa" and i + n < len(words) and words[i + n] in _ASA_CLASS:
                return None   # "ASA class II": the anesthesia physical status, not aspirin
            if self._anesthetic(name):
                return None   # given for a procedure ("MAC with propofol"), never long-term therapy
            # the route decides some classes: "budesonide inhaler" is inhaled, budesonide alone systemic
            after = list(words[i + n:min(i + n + _FORM_REACH, len(words) if end is None else end)])
            after = after[:next((k for k, w in enumerate(after) if w in ("and", "or", "plus")), len(after))]
            form = [w for w in (*words[max(0, i - 1):i], *after) if w in _FORMS]   # "inhaled X", "X 2 puffs"
            if name in _INHALER_BRANDS or _LABA & set(words[i:i + n + 2]):
                form.append("inhaled")   # an inhaler brand or a steroid paired with a LABA ("budesonide-formoterol")
            code = self._code(" ".join([name, *form]), self.cm, table=self.table)
            if code == _INHALED_STEROIDS and _NASAL.intersection(form):
                code = NOT_THERAPY   # sprayed into the nose ("fluticasone 50 mcg nasal, 2 sprays each nostril"):
                # a local steroid, neither inhaled into the lungs nor systemic (no Z79.51, Z79.52)
            if code is not None:
                return i + n, name, code
        return None


def _current(words: Sequence[str], i: int, j: int, listed: bool, clauses: "_Clauses",
             following: Sequence[str] = (), insulin: bool = False) -> bool:
    """A regimen the patient is on now: in a medication list, said to be taken ("on X",
    "X continued"), or written with a schedule ("metformin 1000 mg BID"); and nothing in its
    clause says it is new, short or stopped. A sliding scale is only ever insulin's ("DM2 on
    metformin - sliding-scale insulin while NPO": the metformin is taken)."""
    lo, hi = clauses.around(i, j)
    after = []
    for w in words[j:min(hi, j + _PRN_REACH)]:
        if w in ("and", "or", "with"):
            break
        after.append(w)
    as_needed = any(after[k:k + 2] == ["as", "needed"] for k in range(len(after) - 1)) or \
        any(after[k:k + 3] == ["p", "r", "n"] for k in range(len(after) - 2))   # PRN in words, "p.r.n."
    if "prn" in after or as_needed:
        return False   # "nitroglycerin PRN and aspirin": the PRN is the nitroglycerin's
    if tuple(words[max(0, i - 2):i]) == ("long", "term"):
        return True   # "Long-term prednisone - taper by 1 mg every 4 weeks": the note calls it long-term
    if _FORMERLY & set(words[lo:i]):
        return False   # "previously on metformin, switched to insulin": a past regimen
    if i >= 2 and words[i - 1] == "to" and words[i - 2] in _SWITCHED and not clauses.courses(lo, hi, insulin):
        return True   # "switched to insulin detemir at conception": the regimen taken since
    if clauses.starts(lo, hi, insulin):
        # a drug started now that the note says is for the long term is its regimen ("Start
        # metformin ER 500 mg daily, titrate to 1000 mg b.i.d. (long-term)")
        # (a parenthesis after "b.i.d." may open the next sentence: ``following``)
        # (only a start: "prednisone 40 mg x 5 days, continue Advair (long-term inhaled steroid)" is
        # a course of days, and the next clause's "long-term" is the inhaler's)
        said = set(words[lo:hi]) & _SHORT_TERM - (set() if insulin else {_SLIDING})
        return bool(said) and said <= _STARTED and not clauses.courses(lo, hi, insulin) and \
            _said_long(tuple(words[j:]) + tuple(following), 0)
    if not listed and _TAPER in words[j:j + 2] and not (_LONG_SAID | _CONTINUED) & set(words[lo:hi]):
        return False   # "D/c on short prednisone taper": the taper is the course, as "x5 days" is (not one
        # the patient is kept on: "continue prednisone taper over 8 wk")
    end = min(hi, j + 5)
    scheduled = any(_SCHEDULE.match(w) for w in words[j:end]) or any(_interval(words, k, end) for k in range(j, end)) \
        or any(_LONG_INTERVAL.match(w) for w in words[max(lo, i - 2):i])   # "weekly semaglutide"
    taken = clauses.count(clauses.taken, lo, hi) > 0
    if not taken and lo >= 2 and (words[lo - 1] in ("+", "plus") or words[lo] in ("+", "plus")):
        # "on insulin lispro sliding scale + glargine": the "on" of the list's first drug
        taken = clauses.count(clauses.taken, clauses.around(lo - 2, lo - 1)[0], lo - 1) > 0
    # ("clopidogrel for secondary prevention": a drug kept up to prevent a recurrence is a regimen)
    preventive = tuple(words[j:j + 3]) in _PREVENTIVE and not _STOPPED & set(words)   # (never "... advised to stop")
    return listed or scheduled or taken or preventive


_STARTED = frozenset("start started starting initiate initiated new newly".split())
_PREVENTIVE = frozenset((("for", "secondary", "prevention"), ("for", "primary", "prevention")))
_TAPER = "taper"
_CONTINUED = frozenset(("continue", "continued", "continuing", "cont"))
_INSULIN, _SLIDING, _NSAID, _OPIOID = "Z79.4", "sliding", "Z79.1", "Z79.891"
# an insulin course a stay gives and ends ("sliding scale", "insulin gtt", "insulin drip", "basal-bolus
# insulin inpatient"); an insulin pump's "continuous infusion" is the patient's own regimen
_INSULIN_COURSES = frozenset((_SLIDING, "gtt", "drip", "inpatient"))
_TIMES_AFTER = frozenset(("on", "per", "nightly", "night", "weekly", "a"))
_LIST_LABELS = frozenset(("meds", "medications", "medication"))
_LIST_OPENERS = frozenset(("home", "current", "outpatient"))
_SWITCHED = frozenset("switched changed transitioned converted".split())
_FORMERLY = frozenset(("previously", "formerly"))
_AGO_REACH = 10   # words after "started" its "N months/years ago" may follow
_LONG_REACH = 16   # words after a drug its "(long-term)" may follow


def _passing(code: str, words: Sequence[str], i: int, j: int, clauses: "_Clauses") -> bool:
    """A pain medicine the note gives for the pain at hand: an opioid "while on" which another drug
    is taken ("docusate 100 mg BID while on oxycodone"), an anti-inflammatory without a daily
    regimen ("ibuprofen 600 mg q6h w/ food", "taking ibuprofen w/ partial relief")."""
    if code == _OPIOID:
        return tuple(words[max(0, i - 2):i]) == ("while", "on")
    return code == _NSAID and not _kept_up(words, i, j, clauses)


def _kept_up(words: Sequence[str], i: int, j: int, clauses: "_Clauses") -> bool:
    """Whether an anti-inflammatory at words[i:j] is a kept-up regimen: taken once or twice a day
    ("meloxicam 15 mg daily", "naproxen 500 mg b.i.d.") or for months and years ("daily naproxen,
    stable dose x2 yrs", "long-term"), never an every-few-hours dose for an acute pain."""
    lo, hi = clauses.around(i, j)
    after = []
    for w in words[j:min(hi, j + _PRN_REACH)]:
        if w in ("and", "or", "with", "+"):
            break
        after.append(w)
    if any(_ACUTE_DOSE.match(w) for w in after) or any(after[k:k + 3] == ["t", "i", "d"] for k in range(len(after))):
        return False
    near = list(words[max(lo, i - 2):i]) + after
    return any(w in _KEPT_UP for w in near) or any(near[k:k + 3] == ["b", "i", "d"] for k in range(len(near))) or \
        _said_long(words, j) or any(w in _SPAN_WORDS for w in words[lo:min(len(words), hi + _SPAN_REACH)])


# (a dotted "t.i.d." / "b.i.d." is three words, read as such)
_ACUTE_DOSE = re.compile(r"^(q[1-8]h|tid|qid)$")
_KEPT_UP = frozenset("daily qd bid qhs qam nightly once twice long chronic longterm chronically".split())
_SPAN_WORDS = frozenset("year years yr yrs month months mo mos since".split())
_SPAN_REACH = 6   # words past the clause a span of time may follow ("daily naproxen, stable dose x2 yrs")


def _taken_for_months(words: Sequence[str], j: int) -> bool:
    """Whether the words after a drug say it has been taken for months or years ("doxycycline 100
    mg daily for the past 4 months", "x 2 years"): an antibiotic kept up, not a course."""
    after = words[j:j + _LONG_REACH]
    return any(w in _SINCE_WORDS and k + 2 < len(after) and after[k + 1].isdigit() and after[k + 2] in _LONG_SPANS
               for k, w in enumerate(after))


_SINCE_WORDS = frozenset(("for", "x", "past"))


def _said_long(words: Sequence[str], j: int) -> bool:
    after = words[j:j + _LONG_REACH]
    return any(w == "long" and tuple(after[k + 1:k + 2]) == ("term",) or w in ("lifelong", "indefinitely")
               for k, w in enumerate(after))


def _interval(words: Sequence[str], k: int, end: int) -> bool:
    """A maintenance interval at words[k], in one word ("q8wk", "monthly") or two ("q2 wk"),
    read no further than ``end``."""
    return bool(_LONG_INTERVAL.match(words[k])) or (
        bool(_EVERY.match(words[k])) and k + 1 < end and words[k + 1] in _INTERVALS)


class _Clauses:
    """The comma- or semicolon-bounded clauses of one sentence, read once: each drug's clause is
    then looked up, never walked, so a long sentence naming many drugs costs its length."""

    def __init__(self, words: Sequence[str], breaks: Sequence[bool]):
        n = len(words)
        self._lo, self._hi = [0] * (n + 1), [n] * (n + 1)
        lo = 0
        for k in range(n + 1):
            lo = k if breaks[k] else lo
            self._lo[k] = lo
        hi = n
        for k in range(n, -1, -1):
            hi = k if breaks[k] else hi
            self._hi[k] = hi
        # running counts of the words that say short-term and taken-now: a clause's is a difference
        self.short_term, self.taken, self.course, self.sliding, self.insulin_course = [0], [0], [0], [0], [0]
        for k, w in enumerate(words):
            # "for 7 days", "x 10 days": a course of days
            # ("x 4 more days", "x 3 additional days": the rest of a course)
            count = k - 2 if k > 1 and words[k - 1] in _MORE else k - 1
            days = w in ("day", "days") and count >= 0 and words[count].isdigit() and \
                int(words[count]) <= _COURSE_DAYS \
                and not _HELD & set(words[max(0, k - 3):k]) \
                and not (k + 1 < len(words) and words[k + 1] in ("of", "ago")) \
                and not (k > 1 and words[k - 2] in ("in", "within", "after", "every", "q"))
            # ("resume in 7 days": a delay; "every 14 days": an interval)
            # ("held 2 days": how long it was paused; "3 days of painful swelling": the complaint's)
            # "x3 yrs", "x 6 months": how long it has been taken, not a course
            # ("nocturia x3 on tamsulosin", "x2 per night": how often a symptom comes, no course either)
            years = w[:1] == "x" and k + 1 < len(words) and (words[k + 1] in _LONG_SPANS or
                                                              words[k + 1] in _TIMES_AFTER)
            # "(not taking x2 months)": a drug the patient is off
            # ("prescribed amlodipine 5 mg daily (nonadherent)": prescribed, not taken)
            # ("Insulin was given in hospital only and was NOT continued")
            off = (w == "not" and k + 1 < len(words) and words[k + 1] in ("taking", "on", "using", "take", "taken",
                                                                          "continued")) \
                or w in _NOT_TAKEN or (w == "non" and k + 1 < len(words) and words[k + 1] in _NON)
            # "held": a pause of a regimen, which goes on ("metformin 1000 mg BID (held AM of surgery)",
            # "(held 2 days, resumed)", "HOLD apixaban until 11/25")
            paused = w in _HELD
            # ... and the doses it was paused for ("Warfarin held x2 doses"), no course
            held_for = bool(_HELD & set(words[max(0, k - 2):k]))
            # "infliximab 5 mg/kg IV q8 wk": an infusion given on a maintenance schedule
            infused = w in _ROUTE_IV and any(_interval(words, x, len(words)) for x in range(k + 1, min(len(words), k + 4)))
            # "self-started ... 2 yr ago": a start months or years past, taken since
            reach = set(words[k + 1:k + _AGO_REACH])
            long_ago = w in _STARTED and "ago" in reach and bool(_LONG_SPANS & reach)
            self.short_term.append(self.short_term[-1] + ((w in _SHORT_TERM and not years and not paused
                                                           and not held_for and not infused and not long_ago)
                                                          or days or off))
            self.taken.append(self.taken[-1] + (w in _ON))
            self.course.append(self.course[-1] + ((w in _COURSE and not years and not held_for) or days))
            self.sliding.append(self.sliding[-1] + (w == _SLIDING))
            self.insulin_course.append(self.insulin_course[-1] + (w in _INSULIN_COURSES))

    def around(self, i: int, j: int) -> tuple[int, int]:
        """Word indices of the clause around words [i, j)."""
        return self._lo[i], self._hi[j]

    @staticmethod
    def count(running: list[int], lo: int, hi: int) -> int:
        return running[hi] - running[lo]

    def courses(self, lo: int, hi: int, insulin: bool) -> int:
        """The words of a short course in words [lo, hi); a sliding scale, a gtt, a drip or an
        "inpatient" regimen count only for insulin."""
        if insulin:
            return self.count(self.course, lo, hi) - self.count(self.sliding, lo, hi) + \
                self.count(self.insulin_course, lo, hi)
        return self.count(self.course, lo, hi) - self.count(self.sliding, lo, hi)

    def starts(self, lo: int, hi: int, insulin: bool) -> int:
        """The words that say new, short or stopped in words [lo, hi); a sliding scale only insulin's."""
        return self.count(self.short_term, lo, hi) - (0 if insulin else self.count(self.sliding, lo, hi))
