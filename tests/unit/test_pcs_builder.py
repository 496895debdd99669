"""The ICD-10-PCS builder: value tables compiled from the FY2024 descriptions, operative-note
snippets coded axis by axis, and procedures from the history, the plan or a denial never coded."""
from __future__ import annotations

import json
from importlib import resources

import pytest

from server.domain import CodeSystem, Document, Setting
from server.errors import InvalidInput
from server.pipeline.pcs_builder import PcsBuilder, PcsRules
from server.pipeline.pcs_tables import load_tables
from server.pipeline.pipeline import analyse_sentences
from server.pipeline.sections import SectionRules
from tests.unit.test_pipeline_support import shared_pipeline

IN, OUT = Setting.INPATIENT, Setting.OUTPATIENT

# (snippet, the FY2024 code a coder reports, the description it must carry in the code set)
OPERATIVE = [
    ("PROCEDURE: Laparoscopic cholecystectomy.", "0FT44ZZ",
     "Resection of Gallbladder, Percutaneous Endoscopic Approach"),
    ("OPERATIONS PERFORMED: Appendectomy, laparoscopic.", "0DTJ4ZZ",
     "Resection of Appendix, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Total knee arthroplasty, right.", "0SRC0JZ",
     "Replacement of Right Knee Joint with Synthetic Substitute, Open Approach"),
    ("PROCEDURE: ORIF right distal radius fracture.", "0PSH04Z",
     "Reposition Right Radius with Internal Fixation Device, Open Approach"),
    ("PROCEDURE: PCI with drug-eluting stent to LAD.", "027034Z",
     "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, Percutaneous Approach"),
    ("PROCEDURE: Cesarean section, low transverse.", "10D00Z1",
     "Extraction of Products of Conception, Low, Open Approach"),
    ("PROCEDURE: Open appendectomy for perforated appendicitis.", "0DTJ0ZZ",
     "Resection of Appendix, Open Approach"),
    ("HOSPITAL COURSE: On hospital day 2 she underwent laparoscopic cholecystectomy without complication.",
     "0FT44ZZ", "Resection of Gallbladder, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Left total hip arthroplasty with cemented femoral component.", "0SRB0J9",
     "Replacement of Left Hip Joint with Synthetic Substitute, Cemented, Open Approach"),
    ("PROCEDURE: Right upper lobectomy, thoracoscopic.", "0BTC4ZZ",
     "Resection of Right Upper Lung Lobe, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Robotic-assisted laparoscopic prostatectomy.", "0VT04ZZ",
     "Resection of Prostate, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Open left nephrectomy.", "0TT10ZZ", "Resection of Left Kidney, Open Approach"),
    ("PROCEDURE: Laparoscopic left inguinal hernia repair with mesh.", "0YU64JZ",
     "Supplement Left Inguinal Region with Synthetic Substitute, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Open umbilical hernia repair, primary closure without mesh.", "0WQF0ZZ",
     "Repair Abdominal Wall, Open Approach"),
    ("PROCEDURE: Living donor kidney transplant, right.", "0TY00Z0",
     "Transplantation of Right Kidney, Allogeneic, Open Approach"),
    ("PROCEDURE: Arthroscopic partial meniscectomy of the left knee.", "0SBD4ZZ",
     "Excision of Left Knee Joint, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: TURP.", "0VB08ZZ", "Excision of Prostate, Via Natural or Artificial Opening Endoscopic"),
    ("PROCEDURE: Supracervical hysterectomy, open.", "0UT90ZL",
     "Resection of Uterus, Supracervical, Open Approach"),
    ("PROCEDURE: Open sigmoid colectomy.", "0DTN0ZZ", "Resection of Sigmoid Colon, Open Approach"),
    ("OPERATION: Open splenectomy after splenic rupture.", "07TP0ZZ", "Resection of Spleen, Open Approach"),
    ("PROCEDURE: PTCA of the circumflex with a bare-metal stent.", "02703DZ",
     "Dilation of Coronary Artery, One Artery with Intraluminal Device, Percutaneous Approach"),
    ("PROCEDURE: Right simple mastectomy.", "0HTT0ZZ", "Resection of Right Breast, Open Approach"),
    ("PROCEDURE: Laparoscopic right oophorectomy.", "0UT04ZZ",
     "Resection of Right Ovary, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Open reduction internal fixation of left ulna with plate.", "0PSL04Z",
     "Reposition Left Ulna with Internal Fixation Device, Open Approach"),
    ("PROCEDURE: Laparoscopic bilateral salpingectomy.", "0UT74ZZ",
     "Resection of Bilateral Fallopian Tubes, Percutaneous Endoscopic Approach"),
    ("PROCEDURE: Bronchoscopy with biopsy of right upper lobe.", "0BBC8ZX",
     "Excision of Right Upper Lung Lobe, Via Natural or Artificial Opening Endoscopic, Diagnostic"),
    ("PROCEDURE: Left reverse total shoulder arthroplasty.", "0RRK00Z",
     "Replacement of Left Shoulder Joint with Reverse Ball and Socket Synthetic Substitute, Open Approach"),
]

# A procedure named but not done this stay, or done with an axis the note leaves out.
NOT_CODED = [
    "PAST SURGICAL HISTORY: Laparoscopic cholecystectomy, appendectomy.",
    "HOSPITAL COURSE: She is s/p laparoscopic cholecystectomy in 2015.",
    "HOSPITAL COURSE: History of open appendectomy.",
    "PLAN: Laparoscopic cholecystectomy next week.",
    "HOSPITAL COURSE: Orthopedics consulted; plan right total knee arthroplasty as an outpatient.",
    "HOSPITAL COURSE: The patient declined laparoscopic cholecystectomy.",
    "HOSPITAL COURSE: Scheduled for open appendectomy tomorrow.",
    "HOSPITAL COURSE: Referred to surgery for laparoscopic cholecystectomy after discharge.",
    "PROCEDURE: Chest x-ray and CT of the abdomen.",
]


@pytest.fixture(scope="module")
def builder(icd10pcs, cache_dir):
    return PcsBuilder(load_tables(icd10pcs, cache_dir))


@pytest.fixture(scope="module")
def sections():
    return SectionRules.load()


def build(builder, sections, text):
    return builder.build(text, analyse_sentences(text, (), sections))


def test_the_tables_are_the_code_sets_own(icd10pcs, cache_dir):
    tables = load_tables(icd10pcs, cache_dir)
    assert tables.axes("0SRC0J9") == ("Replacement", "Right Knee Joint", "Open", "Synthetic Substitute", "Cemented")
    assert tables.axes("027034Z") == ("Dilation", "Coronary Artery, One Artery", "Percutaneous",
                                      "Drug-eluting Intraluminal Device", "")
    assert tables.axes("10D00Z1")[1:] == ("Products of Conception", "Open", "", "Low")
    # every Resection code's description is its axes read back: the body-part names are exact
    resections = [c for t, codes in tables.codes.items() if t[0] == "0" and t[2] == "T" for c in codes]
    assert len(resections) > 300
    for c in resections:
        _, body, approach, _, qual = tables.axes(c)
        wanted = f"Resection of {body}" + (f", {qual}" if qual else "") + f", {approach}"
        assert icd10pcs.description(c).startswith(wanted), c
    # across sections 0 and 1, the axes read back out of (almost) every description; what is left
    # is Bypass's "to"/"from" wording of the same qualifier
    every = [c for codes in tables.codes.values() for c in codes]
    assert len(every) == sum(1 for i in range(len(icd10pcs)) if icd10pcs.code(i)[0] in "01") == 68362
    off = [c for c in every if not tables.axes(c)[1]
           or not all(a.split(", ")[0] in icd10pcs.description(c) for a in tables.axes(c)[1:] if a)]
    assert len(off) < 0.01 * len(every)
    # reloaded from the compiled cache: the same tables
    assert load_tables(icd10pcs, cache_dir) == tables


@pytest.mark.parametrize("text,code,description", OPERATIVE, ids=[c for _, c, _ in OPERATIVE])
def test_operative_snippets_are_built_axis_by_axis(builder, sections, icd10pcs, text, code, description):
    assert icd10pcs.description(code) == description   # the answer is the code set's, not ours
    got = [p.code for p in build(builder, sections, text) if p.code]
    assert got == [code]


@pytest.mark.parametrize("text", NOT_CODED)
def test_history_planned_declined_and_imaging_are_not_built(builder, sections, text):
    assert [p.code for p in build(builder, sections, text) if p.code] == []


def test_an_axis_the_note_leaves_out_is_not_guessed(builder, sections):
    (p,) = build(builder, sections, "PROCEDURE: Appendectomy.")     # open or laparoscopic?
    assert p.code == "" and p.undetermined == ("approach",) and p.performed
    assert p.prefix == "0DTJ" and "Percutaneous Endoscopic" in p.options
    (p,) = build(builder, sections, "PROCEDURE: Cesarean section.")  # low, classical, extraperitoneal?
    assert p.code == "" and p.undetermined == ("qualifier",) and p.options == ("Extraperitoneal", "High", "Low")
    (p,) = build(builder, sections, "PROCEDURE: Nephrectomy, open.")   # which kidney?
    assert p.code == "" and p.undetermined == ("side",) and p.options == ("Right Kidney", "Left Kidney")


def test_the_default_qualifier_is_said(builder, sections):
    (p,) = build(builder, sections, "PROCEDURE: Total knee arthroplasty, right.")
    assert p.code == "0SRC0JZ" and any("cementation not documented" in n for n in p.notes)
    (p,) = build(builder, sections, "PROCEDURE: Right total knee arthroplasty, cemented.")
    assert p.code == "0SRC0J9"


def test_two_procedures_in_one_sentence(builder, sections):
    got = [p.code for p in build(builder, sections, "PROCEDURES: Open cholecystectomy and open appendectomy.")]
    assert got == ["0FT40ZZ", "0DTJ0ZZ"]


def test_the_pipeline_codes_an_inpatient_stays_operations_only(icd10cm, icd10pcs):
    pipe = shared_pipeline(icd10cm, icd10pcs, "us-claims")
    note = ("PAST SURGICAL HISTORY: Open appendectomy 1998.\nPROCEDURE PERFORMED: Right total hip arthroplasty, "
            "uncemented.\nHOSPITAL COURSE: Chest x-ray clear. Plan laparoscopic cholecystectomy as an outpatient.")

    def pcs(setting):
        enc = pipe.code(Document("p", note, setting=setting), min_score=pipe.operating_threshold)
        return [c for c in enc.codes if c.system is CodeSystem.ICD10PCS]

    (hip,) = pcs(IN)
    assert hip.code == "0SR90JA" and note[hip.evidence[0].start:hip.evidence[0].end] == "arthroplasty"
    assert any(n.kind == "pcs_axes" and "Uncemented" in n.message for n in hip.notes)
    assert pcs(OUT) == []   # outpatient procedures are CPT/HCPCS


def test_the_curated_list_no_longer_guesses_an_approach_and_the_coder_is_asked(icd10cm, icd10pcs):
    pipe = shared_pipeline(icd10cm, icd10pcs, "us-claims")
    note = "PROCEDURE: Appendectomy."
    enc = pipe.code(Document("p", note, setting=IN), min_score=0.0)
    assert not [c for c in enc.codes if c.system is CodeSystem.ICD10PCS]   # was 0DTJ0ZZ, open assumed
    (q,) = enc.cdi_queries
    assert q.code == "0DTJ" and q.missing == ("approach",) and "Percutaneous Endoscopic" in q.question
    assert note[q.evidence[0].start:q.evidence[0].end] == "Appendectomy"
    assert "Appendectomy" not in q.question   # the query names the table's values, never the note's words


def test_the_inspection_of_a_biopsy_is_not_coded_beside_it(icd10cm, icd10pcs):
    pipe = shared_pipeline(icd10cm, icd10pcs, "us-claims")
    note = "PROCEDURE: Colonoscopy with biopsy of the sigmoid colon."
    enc = pipe.code(Document("p", note, setting=IN), min_score=0.0)
    # Excision, Diagnostic; the colonoscopy's inspection (0DJD8ZZ) is part of it (B3.11a)
    assert [c.code for c in enc.codes if c.system is CodeSystem.ICD10PCS] == ["0DBN8ZX"]
    enc = pipe.code(Document("p", "PROCEDURE: Colonoscopy, normal.", setting=IN), min_score=0.0)
    assert [c.code for c in enc.codes if c.system is CodeSystem.ICD10PCS] == ["0DJD8ZZ"]


def test_bad_rules_fail_loudly(tmp_path):
    good = json.loads(resources.files("server.pipeline").joinpath("data/pcs_builder.json").read_text("utf-8"))
    for broken in ({**good, "version": 2}, {k: v for k, v in good.items() if k != "procedures"},
                   {**good, "procedures": [{"cue": "", "root": "Resection"}]}):
        path = tmp_path / "rules.json"
        path.write_text(json.dumps(broken))
        with pytest.raises(InvalidInput):
            PcsRules.load(path)
