"""Chapter 15 (pregnancy, childbirth and the puerperium) as the Official Guidelines read it.

A note that documents a pregnancy ("G2P1 at 30w2d", "OB visit", "antepartum") changes how its
conditions are coded (I.C.15.a): a condition in pregnancy is coded to chapter 15 with the
trimester, found in the index under "complicating pregnancy" ("pre-existing essential HTN" at
33 weeks -> O10.013), the weeks of gestation get their Z3A code (I.C.15.a / Z3A note), and a
delivery gets its outcome (Z37). ``read`` finds what the note says; the pipeline passes the
words to the index walk and adds the Z3A / Z37 / O80 findings.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_WEEKS = re.compile(r"\b(\d{1,2})\s*(?:w(?:\d{1,2}d)?|\+\d|(?:weeks?|wks?)(?:\s*(?:and\s*)?\d\s*days?)?"
                    r"(?:\s*(?:of\s*)?(?:gestation|pregnant|ga)))\b", re.I)
_WEEKS_LOOSE = re.compile(r"\bat\s+(\d{1,2})\s*(?:weeks?|wks?)\b", re.I)
_GRAVIDA = re.compile(r"\bG(\d{1,2})\s*P\d|\bG(\d{1,2})\b")
_PREGNANT = re.compile(r"\b(pregnan\w*|prenatal|antepartum|antenatal|obstetric\w*|OB visit|intrauterine pregnancy|"
                       r"IUP|gestation\w*|G\d{1,2}\s*P\d|\d{1,2}w\d{1,2}d)", re.I)
_PAST = re.compile(r"\b(history of|hx of|h/o|prior|previous|past|PMH|past medical history)\b[^.;]*$|"
                   r"\b(after|since|before) (?:her |each |a |the )?$", re.I)   # ("stopped after pregnancy")
_MENOPAUSE = re.compile(r"\b(?:post-?menopaus\w*|menopaus\w*)\b", re.I)
_PAST_REACH = 60
# ("Urine hCG neg (routine pre-procedure)", "Urine hCG: negative")
_NOT_PREGNANT = re.compile(r"\b(?:not (?:currently )?pregnant|(?:urine |serum )?(?:hcg|pregnancy test)\s*:?\s*"
                           r"(?:is |was )?neg(?:ative)?)\b", re.I)
# a relative's pregnancy, said in the same sentence ("Mother with iron deficiency anemia during pregnancy")
# "no current pregnancy plans", "pregnancy test negative", "pregnancy prevention": no pregnancy
# "avoid contact with pregnant women": others'
_NO_PREGNANCY_AFTER = re.compile(r"\s*(?:plans?|planning|prevention|intention|intentions|test|testing|screen|"
                                 r"wom[ae]n|persons?|people|contacts?|patients|individuals|family members)\b", re.I)
_NO_BEFORE = re.compile(r"\b(?:no|not|nor|denies)\s+(?:current\s+|plans\s+for\s+|planning\s+(?:a\s+)?|"
                        r"desiring\s+|wanting\s+)?$|\bfuture\s+$|\bavoid(?:ing)?\s+$",
                        re.I)   # "Not planning pregnancy, uses an IUD";
# "No desire for future pregnancy", "avoid pregnancy while on it"
_NO_REACH = 24   # characters before a pregnancy word its denial may take ("not planning a ")
_RELATIVE = re.compile(r"\b(mother|mom|sister|daughter|aunt|grandmother|wife|partner|girlfriend)\b[^.;\n]*$", re.I)
_VAGINAL = re.compile(r"\b(N?SVD|spontaneous vaginal delivery|normal vaginal delivery|vaginal delivery)\b", re.I)
# a delivery the note reports, not one it plans or weighs ("repeat C-section remains an option",
# "trial of labor after cesarean")
_DELIVERED = re.compile(r"\b(delivered|delivery of|NSVD|SVD|(?:spontaneous |normal |operative |assisted )?vaginal delivery|"
                        r"(?:underwent|had|by|via)\s+(?:an?\s+)?(?:urgent\s+|emergent\s+|stat\s+|primary\s+|repeat\s+|rpt\s+)?"
                        r"(?:low transverse\s+)?(?:cesarean|c-section|LTCS|C/S)|"
                        # ("Uncomplicated rpt LTCS under spinal": one the note reports as done; not the one a
                        # postpartum visit's "day 9 after an uncomplicated cesarean" dates)
                        r"(?<!after )(?<!after a )(?<!after an )(?<!following )(?<!following an )"
                        r"(?:uncomplicated|successful)\s+(?:primary\s+|repeat\s+|rpt\s+)?(?:low transverse\s+)?"
                        r"(?:cesarean|c-section|LTCS|C/S)|"
                        r"(?:cesarean|c-section|LTCS|C/S)\s+(?:delivery\s+)?(?:was\s+)?(?:performed|done)|"
                        r"liveborn|live-born|live born)\b", re.I)
_ELDERLY = re.compile(r"\b(advanced maternal age|AMA)\b")
_CONTROL = re.compile(r"(?<!failed )(?<!failing )(?<!inadequate )\b(diet|insulin|oral hypoglycemic|oral medication)"
                      r"[- ]control(?:led)?\b"   # "failed diet control, now on insulin": not diet controlled
                      r"|\bcontrolled (?:with|w/|by|on) (diet|insulin|oral hypoglycemic)"
                      # "start carbohydrate-controlled diet", "managed with diet" (diabetes by diet)
                      r"|\b(?:carbohydrate|carb)[- ]controlled (diet)\b|\bmanaged (?:with|w/|by) (diet)\b", re.I)
# a diabetes treated with diet alone ("Plan: diet and exercise counseling ...; no insulin or oral agents
# at this time"), unless a drug is started or taken for it
_DIET_PLAN = re.compile(r"\b(?:diet (?:and|&) exercise|no (?:insulin|medications?|meds|oral agents|pharmacotherapy)"
                        r"(?: or (?:insulin|oral agents|medications?))? (?:at this time|needed|required|indicated)|"
                        # ("at goal on diet alone, no meds")
                        r"(?:on|with|w/|by) diet (?:alone|only))\b",
                        re.I)
_DRUG_STARTED = re.compile(r"\b(?:start\w*|on|begin|began|initiat\w*|continue\w*|increase\w*|add\w*)\s+"
                           r"(?:\w+\s+)?(?:insulin|metformin|glyburide|NPH|glargine|lispro|aspart|detemir)\b", re.I)
# class A1 gestational diabetes is the diet-controlled one ("GDM, A1", "A1GDM")
_A1 = re.compile(r"\b(?:GDM|gestational diabetes(?: mellitus)?)\W{0,3}(?:class\s+)?A1\b|\bA1\s*GDM\b", re.I)
_MATERNITY_AGE = 64   # the oldest age the Medicare Code Editor accepts a maternity diagnosis at
_AGE = re.compile(r"\b(\d{2})\s*(?:yo|y/o|y\.o\.|-?year-old|year old)\b|\b(\d{2})F\b", re.I)
_LIVEBORN = re.compile(r"\b(single|singleton)\b[^.;]{0,40}\b(liveborn|live-born|live born|live birth)\b"
                       r"|\b(liveborn|live-born|live born)\b"
                       r"|\b(?:viable|healthy|vigorous|live)\s+(?:\w+\s+){0,2}?(?:infant|baby|newborn|neonate|boy|girl|male|female)\b", re.I)
# a visit after the delivery ("6-week postpartum check", "postpartum visit"): the puerperium, not
# the delivery (Z39.2, I.C.15.p)
_POSTPARTUM_VISIT = re.compile(r"\b(?:postpartum|post-partum|PP)\s+(?:visit|check(?:up|-up)?|exam\w*|follow-?up)\b"
                               r"(?!\s+(?:in|at|scheduled|planned|due)\b)"
                               r"|\b\d{1,2}\s*-?\s*(?:weeks?|wks?)\s+(?:postpartum|post-partum|PP)\b"
                               r"|\b(?:six|two|four|eight)[- ]weeks?\s+(?:postpartum|post-partum)\b"
                               r"|\breadmi(?:tted|ssion)\b[^.;]{0,40}\b(?:PP|PPD|postpartum|post-partum)\b"
                               r"|\b(?:postpartum|post-partum)\s+readmission\b", re.I)
# a stay that begins days after the delivery ("Admission date: PPD #6", "6 days s/p primary LTCS"):
# a complication of the puerperium
_PUERPERAL_ADMISSION = re.compile(r"\badmi(?:t|ssion)\w*\s*(?:date)?\W{0,4}(?:PPD|postpartum day)\s*#?\d|"
                                  r"\b(?:\d{1,2}\s+days?|PPD\s*#?\s*\d{1,2})\s+(?:s/p|after|post|following)\s+"
                                  r"(?:\w+\s+){0,4}?(?:c-section|cesarean|C/S|LTCS|delivery|SVD|NSVD)\b|"
                                  # ("REASON FOR ADMISSION: Postpartum preeclampsia w/ severe features")
                                  r"\breason for admission\W{1,4}(?:postpartum|post-partum|puerperal)\b", re.I)
# a prenatal visit the note's top gives as its reason ("Routine prenatal visit:", "routine OB visit")
_PRENATAL_VISIT = re.compile(r"\b(?:routine|first|initial|new|return)\s+(?:prenatal|antenatal|OB)\s+(?:visit|care|check)|"
                             r"\b(?:prenatal|antenatal)\s+(?:visit|check)", re.I)
_VISIT_REACH = 300   # characters from the top of a note where its reason for the visit is stated
_YEAR_AFTER = re.compile(r"^[^.;\n]{0,25}\b(?:19|20)\d\d\b")
# the weeks of an earlier pregnancy's loss ("G2P0010 (SAB at 8w, 2023)"), not this one's
_PAST_LOSS = re.compile(r"\b(?:SAB|TAB|EAB|miscarriage|miscarried|abortion|IUFD|stillbirth|ectopic|loss)\b[^.;,\n]*$",
                        re.I)
_LOSS_REACH = 20


@dataclass(frozen=True)
class PregnancyContext:
    weeks: int | None
    weeks_span: tuple[int, int] | None
    gravida: int | None
    delivered: bool
    elderly_span: tuple[int, int] | None
    liveborn_span: tuple[int, int] | None
    vaginal_span: tuple[int, int] | None = None
    control: tuple[str, ...] = ()   # "diet controlled" / "insulin controlled" diabetes in pregnancy
    postpartum_span: tuple[int, int] | None = None   # a visit in the puerperium, after the delivery
    readmitted: bool = False   # ... a readmission for a complication of the puerperium, not a routine visit
    twins: bool = False   # a twin gestation (Outcome of delivery > twins > both liveborn, Z37.2)
    prenatal_span: tuple[int, int] | None = None   # a prenatal visit, the note's reason (Z34 / O09)

    @property
    def routine_postpartum(self) -> bool:
        """A postpartum visit (Z39.2), not a readmission in the puerperium for a complication."""
        return self.postpartum_span is not None and not self.readmitted

    @property
    def current(self) -> bool:
        """The note documents this pregnancy's weeks or its delivery, not only a word for one
        ("urine pregnancy test negative" is no pregnancy whose conditions chapter 15 takes)."""
        return self.weeks is not None or self.vaginal_span is not None or self.liveborn_span is not None or \
            self.readmitted   # (a readmission in the puerperium: its conditions complicate the puerperium)

    @property
    def trimester(self) -> str | None:
        """first (< 14 weeks), second (14-27) or third (28 on), as the tabular words it."""
        if self.weeks is None:
            return None
        return "first" if self.weeks < 14 else "second" if self.weeks < 28 else "third"

    def walk_words(self) -> tuple[str, ...]:
        """Words the index walk and the tabular read beside the note's: a condition "complicating
        pregnancy" in the documented trimester (or childbirth, at a delivery)."""
        if self.postpartum_span is not None:
            return ("complicating", "puerperium", "female") + self.control
        if self.delivered:
            return ("complicating", "childbirth", "during", "delivery", "female") + self.control
        words = ("complicating", "pregnancy", "female") + self.control
        if self.trimester:
            words += (self.trimester, "trimester")
        return words

    def z3a(self, icd10cm) -> str | None:
        """Weeks of gestation (Z3A): Z3A.08-Z3A.42 by week, Z3A.01 under 8, Z3A.49 over 42."""
        if self.weeks is None:
            return None
        w = self.weeks
        code = "Z3A.01" if w < 8 else "Z3A.49" if w > 42 else f"Z3A.{w:02d}"
        return code if icd10cm.id_of(code) >= 0 and icd10cm.is_billable(code) else None

    def elderly_words(self) -> tuple[str, ...]:
        """Index words for advanced maternal age (Pregnancy > complicated by > elderly > ...)."""
        return ("complicated", "elderly", "multigravida" if (self.gravida or 1) > 1 else "primigravida")


# blanks possessive (``\s*+``): two optional runs side by side split "1" + 30,000 spaces every way
_SEX = re.compile(r"\b\d{1,3}\s*+(?:(?:yo|y/o|-year-old|year old)\s*+)?([FM])\b|\b(woman|female|man|male)\b")


def sex_words(text: str) -> tuple[str, ...]:
    """("female",) for "52F" / "a 49-year-old woman", ("male",) for "66M"; () when the note
    does not say. The Tabular's titles use these words (C50.911 "... right female breast")."""
    m = _SEX.search(text)
    if m is None:
        return ()
    v = (m.group(1) or m.group(2) or "").lower()
    return ("female",) if v in ("f", "woman", "female") else ("male",) if v in ("m", "man", "male") else ()


def _in_history(headers: list[tuple[int, bool]], starts: list[int], pos: int) -> bool:
    """Whether ``pos`` lies in a past-history section: the last header before it (``headers``:
    (offset, is a history header), in text order, found once per note) says so."""
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and headers[k][1]


_HEADER = re.compile(r"(?:^|\n|\.\s+|/\s+)([A-Z][A-Z /&]{2,40}):")
_HISTORY_HEADER = re.compile(r"(PAST MEDICAL HISTORY|PMH|PAST HISTORY|MEDICAL HISTORY|PAST SURGICAL HISTORY|PSH|"
                             r"OB HX|OB HISTORY|OBSTETRIC HISTORY|OB/GYN HX|OB/GYN HISTORY)\b")


def not_pregnant(text: str) -> bool:
    """The note says the patient is not pregnant now ("not currently pregnant", "urine hCG negative")."""
    return bool(_NOT_PREGNANT.search(text)) and not _WEEKS.search(text)


def read(text: str) -> PregnancyContext | None:
    """What a note documents about a pregnancy; None when it documents none.

    "OB visit: 31 yo G2P1 at 30w2d with gestational diabetes" -> 30 weeks (third trimester),
    gravida 2."""
    if not_pregnant(text) or infant_subject(text) is not None or newborn_note(text):
        return None   # "G3P3, not currently pregnant, GDM in her 2019 and 2022 pregnancies"; a baby's
        # note ("Former 33w1d preterm infant"): the weeks are its gestation at birth
    age = _AGE.search(text, 0, _SUBJECT_REACH)
    if age is not None and int(age.group(1) or age.group(2)) > _MATERNITY_AGE and not _WEEKS.search(text):
        return None   # a 67-year-old's note: the code editor's maternity ages end at 64
    if _MENOPAUSE.search(text) and not _WEEKS.search(text):
        return None   # "on postmenopausal hormone therapy ... headaches that stopped after pregnancy"
    headers = [(h.start(1), bool(_HISTORY_HEADER.match(h.group(1)))) for h in _HEADER.finditer(text)]
    starts = [h[0] for h in headers]
    if not any(not _PAST.search(text[max(0, m.start() - _PAST_REACH):m.start()]) and
               not _RELATIVE.search(text[max(0, m.start() - _PAST_REACH):m.start()]) and
               not _in_history(headers, starts, m.start()) and not _NO_PREGNANCY_AFTER.match(text, m.end()) and
               not _NO_BEFORE.search(text[max(0, m.start() - _NO_REACH):m.start()]) for m in _PREGNANT.finditer(text)):
        return None   # "PMH: gestational diabetes (2015)": a past pregnancy's; "Mother with anemia
        # during pregnancy" in a child's note: the mother's
    # the visit's own reason, said at the top ("Postpartum visit in 6 weeks" closing a delivery
    # summary is its plan)
    pp = _POSTPARTUM_VISIT.search(text, 0, _VISIT_REACH)
    admitted = _PUERPERAL_ADMISSION.search(text, 0, _VISIT_REACH) if pp is None else None
    pp = pp or admitted
    m = None if pp else next((x for x in _WEEKS.finditer(text) if not _PAST_LOSS.search(
        text, max(0, x.start() - _LOSS_REACH), x.start())), None) or _WEEKS_LOOSE.search(text)
    weeks = int(m.group(1)) if m else None
    if weeks is not None and not 1 <= weeks <= 45:
        weeks, m = None, None
    if weeks is None and all(_GRAVIDA.fullmatch(x.group(0)) for x in _PREGNANT.finditer(text)):
        return None   # "PMH: G2P2" alone is an obstetric history, not a pregnancy
    g = _GRAVIDA.search(text)
    gravida = int(g.group(1) or g.group(2)) if g else None
    e = _ELDERLY.search(text)
    age = _AGE.search(text)
    if e is None and age is not None and int(age.group(1) or age.group(2)) >= 35:
        e = age   # 35 or older at delivery is the classification's "elderly" (O09.5-)
    def now(x: re.Match) -> bool:
        """A delivery at this encounter, not an earlier one ("PSH: C-section 2022", "prior
        cesarean", a postpartum visit's "delivered six weeks ago")."""
        return pp is None and not _PAST.search(text[max(0, x.start() - _PAST_REACH):x.start()]) and \
            not _in_history(headers, starts, x.start()) and not _YEAR_AFTER.match(text, x.end())

    delivered = any(now(x) for x in _DELIVERED.finditer(text))
    if delivered:
        e = None  # supervision codes (O09) are for prenatal visits, not the delivery
    live = next((x for x in _LIVEBORN.finditer(text) if now(x)), None)
    c = _CONTROL.search(text)
    control = (next(g for g in c.groups() if g).lower().split()[-1], "controlled") if c else \
        ("diet", "controlled") if _A1.search(text) or (_DIET_PLAN.search(text) and not _DRUG_STARTED.search(text)) \
        else ()
    v = next((x for x in _VAGINAL.finditer(text) if now(x)), None)
    visit = _PRENATAL_VISIT.search(text, 0, _VISIT_REACH) if not delivered and pp is None else None
    return PregnancyContext(weeks, m.span() if m else None, gravida, delivered,
                            e.span() if e else None, live.span() if live else None, v.span() if v else None,
                            control, pp.span() if pp else None,
                            bool(pp) and ("readmi" in pp.group(0).lower() or admitted is not None),
                            bool(_TWINS.search(text)) and not _STILLBORN.search(text),
                            visit.span() if visit else None)


# A newborn's own birth record (I.C.16.a.2): the note is about the infant, said at its top.
_NEWBORN_SUBJECT = re.compile(r"\b(?:newborn|neonat\w*|NICU|nursery|well[- ]baby|"
                              # ("NB d/c: 39w male born via SVD")
                              r"NB\s+(?:d/c|discharge|summary|note|exam|H&P)|"
                              r"\d{2}\s*(?:w|wk|wks|weeks?)(?:\s*\d\s*d)?\s+(?:male|female|infant|boy|girl)|"
                              r"(?:term|preterm|late[- ]preterm)\s+(?:male|female|infant|baby|boy|girl|neonate)|"
                              r"baby\s+(?:boy|girl)|infant\s+(?:male|female|boy|girl))\b", re.I)
_BORN = re.compile(r"\b(?:born|delivered|birth|apgars?|N?SVD|cesarean|c-section|C/S)(?!\w)", re.I)
_MATERNAL_SUBJECT = re.compile(r"\bG\d{1,2}\s*P\d|\b\d{2}\s*(?:yo|y/o|-year-old|year old|F)\b", re.I)
_OUT_OF_HOSPITAL = re.compile(r"\bborn\s+(?:at home|en route|in the car|outside the hospital|at an outside)", re.I)
_TRANSFERRED_IN = re.compile(r"\b(?:transferred|transfer|transported)\s+(?:in\s+)?from\b|\bOSH\b|\boutborn\b|"
                             r"\breferring (?:hospital|facility)|"
                             r"\bborn\s+at\s+(?:an?\s+)?(?:outside|other|another|referring|community)\s+"
                             r"(?:\w+\s+)?(?:hospital|facility|center)|\breadmi(?:t|ssion)", re.I)
_CESAREAN = re.compile(r"\b(?:cesarean|c-section|c/s|LTCS|CS delivery)\b", re.I)
_TWIN = re.compile(r"\btwin\b", re.I)
# a twin gestation and its births ("di-di twin gestation ... two liveborn"); one lost is another outcome
_TWINS = re.compile(r"\btwins?\b[^.;\n]{0,30}\b(?:gestation|pregnancy|delivery|delivered|born|liveborn)\b|"
                    r"\b(?:di-?di|mo-?di|mo-?mo|dichorionic|monochorionic)\b", re.I)
_STILLBORN = re.compile(r"\b(?:stillb\w+|demise|iufd)\b", re.I)
_NEWBORN_REACH = 200   # characters at the top where a birth record names its subject

# ("di-di", "di/di", "mono/di", "mo-mo")
_DICHORIONIC = re.compile(r"\b(?:di[-/]?di|dichorionic[- /]+diamniotic|DCDA)\b", re.I)
_MONO_DI = re.compile(r"\b(?:mo(?:no)?[-/]?di|monochorionic[- /]+diamniotic|MCDA)\b", re.I)
_MONO_MONO = re.compile(r"\b(?:mo(?:no)?[-/]?mo(?:no)?|monochorionic[- /]+monoamniotic|MCMA)\b", re.I)


def twins_span(text: str) -> tuple[int, int] | None:
    """Where the note says the pregnancy is a twin one ("di-di twin gestation")."""
    m = _TWINS.search(text)
    return m.span() if m else None


def chorionicity_words(text: str) -> tuple[str, ...]:
    """The index's words for a twin pregnancy's placentas and sacs (Pregnancy > twin > dichorionic/
    diamniotic), () where the note does not say."""
    if _DICHORIONIC.search(text):
        return ("dichorionic", "diamniotic")
    if _MONO_DI.search(text):
        return ("monochorionic", "diamniotic")
    if _MONO_MONO.search(text):
        return ("monochorionic", "monoamniotic")
    return ()


# an infant's age ("10-week-old female", "5 mo M", "former 33w1d preterm infant"): the note is about a
# baby past its birth episode
_INFANT_AGE = re.compile(r"\b(\d{1,2})[- ](day|week|wk|month|mo)s?[- ]old\b|"
                         r"\b(\d{1,2})\s*(mo|m/o|months?)\s+(?:old\s+)?(?:M|F|male|female|boy|girl|infant|baby)\b|"
                         r"\b(?:former|ex-?)\s*(\d{2})\s*-?\s*(w|wk|week)", re.I)
_SUBJECT_REACH = 400   # characters at the top where a note names its patient


def infant_subject(text: str) -> str | None:
    """The unit of the age by which the note's top names an infant as its patient ("day",
    "week", "month", "former" for a former preterm), or None: "Pt: 5 mo M" -> "month"; an
    adult's age said first ("28F ... her 3-month-old") names the mother."""
    m = _INFANT_AGE.search(text, 0, _SUBJECT_REACH)
    if m is None:
        return None
    if _MATERNAL_SUBJECT.search(text, 0, m.start()) is not None:
        return None
    unit = (m.group(2) or m.group(4) or "").lower()
    return "former" if m.group(6) else "day" if unit == "day" else "week" if unit in ("week", "wk") else "month"


def newborn_note(text: str) -> bool:
    """Whether the note's patient is a newborn (its top names a newborn, a neonate, a NICU stay, or
    an age in days), not a mother: its conditions are the perinatal period's (chapter 16)."""
    top = text[:_NEWBORN_REACH]
    unit = infant_subject(text)
    if unit is not None:
        return unit == "day"
    m = _NEWBORN_SUBJECT.search(top)
    return m is not None and not _MATERNAL_SUBJECT.search(top, 0, m.start())


def newborn_code(text: str) -> tuple[str, tuple[int, int]] | None:
    """The Z38 code of a newborn's birth record, with the span that says so, or None: "Newborn
    discharge summary: term male born via SVD at this hospital" -> Z38.00 (single, born in
    hospital, vaginally); by cesarean Z38.01; outside a hospital Z38.1; twins Z38.30/Z38.31. A
    delivery summary about the mother (her age, G/P) is not one."""
    top = text[:_NEWBORN_REACH]
    m = _NEWBORN_SUBJECT.search(top)
    # (the mother said after the newborn is its mother: "Male infant born ... to a 27 y/o G2P1")
    if m is None or _MATERNAL_SUBJECT.search(top, 0, m.start()) or not _BORN.search(text) \
            or _TRANSFERRED_IN.search(text) or infant_subject(text) in ("week", "month", "former"):
        return None   # (a newborn transferred in was born, and has its Z38, at the other facility; an
        # infant weeks or months old is past its birth episode)
    if _OUT_OF_HOSPITAL.search(text):
        return ("Z38.4" if _TWIN.search(text) else "Z38.1"), m.span()
    cesarean = bool(_CESAREAN.search(text))
    if _TWIN.search(text):
        return ("Z38.31" if cesarean else "Z38.30"), m.span()
    return ("Z38.01" if cesarean else "Z38.00"), m.span()


# a newborn's gestational age at birth ("born at 36w2d", "GA at birth: 32 0/7 wks", "35 0/7 wks") and
# its birth weight ("BW 1,620 g", "birth weight 2280 grams")
_BIRTH_WEEKS = re.compile(r"\b(\d{2})\s*(?:w\d{1,2}d|\d/7\s*(?:weeks?|wks?)|(?:weeks?|wks?)\b)", re.I)
_BIRTH_WEIGHT = re.compile(r"\b(?:BW|birth\s*weight|birthweight|wt at birth)\W{0,3}(?:of\s+|was\s+|is\s+)?"
                           r"(\d{1,2},\d{3}|\d{3,4})\s*(?:g|grams|gm|gms)\b", re.I)
_GRAMS = re.compile(r"(?:(\d+)-(\d+)|less than (\d+)) grams")
_COMPLETED = re.compile(r"(?:(less than) )?(\d+) completed weeks")
_TERM_WEEKS = 37
_CORRECTED = re.compile(r"\b(?:CGA|PMA|PCA|corrected|postmenstrual|now)\W*(?:age\W*)?$", re.I)


def newborn_maturity(text: str, icd10cm) -> list[tuple[str, tuple[int, int]]]:
    """A birth record's low birth weight and prematurity (P07, I.C.16.e), birth weight first: "born
    at 32 0/7 wks, BW 1,620 g" -> P07.16, P07.35. The codes come from the tabular's titles (their
    gram bands and completed weeks); a term newborn, or one of 2,500 g or more, gets none of its kind."""
    out = []
    w = _BIRTH_WEIGHT.search(text)
    if w is not None and (grams := int(w.group(1).replace(",", ""))) < 2500:
        for cat in ("P07.0", "P07.1"):
            for c in icd10cm.children(cat):
                m = _GRAMS.search(icd10cm.description(c))
                if m and ((m.group(3) and grams < int(m.group(3))) or
                          (m.group(1) and int(m.group(1)) <= grams <= int(m.group(2)))):
                    out.append((c, w.span()))
    # (at birth, not the corrected age at discharge: "DOL 38, CGA 37w3d ... GA at birth: 32 0/7 wks")
    g = next((x for x in _BIRTH_WEEKS.finditer(text) if not _CORRECTED.search(text, max(0, x.start() - 12), x.start())),
             None)
    if g is not None and (weeks := int(g.group(1))) < _TERM_WEEKS:
        for cat in ("P07.2", "P07.3"):
            for c in icd10cm.children(cat):
                m = _COMPLETED.search(icd10cm.description(c))
                if m and ((m.group(1) and weeks < int(m.group(2))) or (not m.group(1) and weeks == int(m.group(2)))):
                    out.append((c, g.span()))
    return out


# A suspected condition of the newborn ruled out after observation (Z05.-, I.C.16.a.6), by system.
_RULED_OUT = re.compile(r"\b(sepsis|infection|meningitis|cardiac|heart|murmur|seizures?|neurologic\w*|"
                        r"respiratory|pneumonia|gastrointestinal|GI|urinary|UTI|skin|genetic|metabolic)\b"
                        r"[^.;]{0,25}?\b(?:was |were |has been )?(?:ruled out|excluded)\b", re.I)
_Z05_BY_SYSTEM = {"sepsis": "Z05.1", "infection": "Z05.1", "meningitis": "Z05.1", "cardiac": "Z05.0",
                  "heart": "Z05.0", "murmur": "Z05.0", "seizure": "Z05.2", "seizures": "Z05.2",
                  "neurologic": "Z05.2", "respiratory": "Z05.3", "pneumonia": "Z05.3", "gastrointestinal": "Z05.5",
                  "gi": "Z05.5", "urinary": "Z05.6", "uti": "Z05.6", "skin": "Z05.71", "genetic": "Z05.41",
                  "metabolic": "Z05.42"}


def newborn_ruled_out(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Z05 codes for what a newborn was observed for and found not to have ("Sepsis ruled out; no
    abx given" -> Z05.1), by the system the suspected condition belongs to."""
    out = []
    for m in _RULED_OUT.finditer(text):
        word = m.group(1).lower()
        code = _Z05_BY_SYSTEM.get(word) or _Z05_BY_SYSTEM.get(word.rstrip("s"))
        if code is not None and code not in (c for c, _ in out):
            out.append((code, m.span()))
    return out

