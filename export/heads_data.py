"""NER training data for the heads: silver spans on CodiEsp train notes and template sentences.

Silver spans: the pipeline's lexicon mentions (ICD-10-CM -> problem; ICD-10-PCS -> procedure, or
test when every candidate is imaging (section B) or measurement (section 4)); medication names
from the FY2026 drug index (substances with an adverse-effect code, i.e. medicinal); anatomy and
test names from the short curated lists below. Overlaps keep the longest span.

Templates: clinical sentences with negation / history / family cues and abbreviations, filled
from small lists; ``template_sentences(seed)`` returns (text, spans, pattern index) so whole
patterns can be held out.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

ANATOMY = (
    "abdomen", "adrenal gland", "aorta", "aortic valve", "appendix", "arm", "bladder", "bone marrow", "brain",
    "breast", "bronchus", "cervix", "chest", "colon", "coronary artery", "cornea", "duodenum", "esophagus",
    "femur", "gallbladder", "heart", "hip", "humerus", "ileum", "jejunum", "kidney", "knee", "larynx", "left lung",
    "left ventricle", "liver", "lumbar spine", "lung", "lymph node", "mediastinum", "mitral valve", "neck",
    "ovary", "pancreas", "pelvis", "pericardium", "peritoneum", "pleura", "prostate", "rectum", "retina",
    "right atrium", "right lower lobe", "right lung", "right upper lobe", "shoulder", "skin", "skull",
    "small intestine", "spinal cord", "spleen", "sternum", "stomach", "testicle", "testis", "thoracic spine",
    "thyroid", "thyroid gland", "tibia", "trachea", "ureter", "urethra", "uterus", "vagina", "vertebra",
    "wrist", "cervical spine", "left atrium", "right ventricle", "tricuspid valve", "biliary tract", "cerebellum",
)
TESTS = (
    "blood culture", "blood count", "blood pressure", "bmp", "bone scan", "biopsy", "cbc", "chest x-ray",
    "complete blood count", "creatinine", "crp", "c-reactive protein", "ct", "ct scan", "computed tomography",
    "culture", "d-dimer", "doppler", "ecg", "echocardiogram", "echocardiography", "eeg", "ekg",
    "electrocardiogram", "electromyography", "endoscopy", "ferritin", "hba1c", "hemoglobin", "inr", "lipid panel",
    "liver function tests", "magnetic resonance", "mammography", "mri", "pcr", "pet", "pet-ct", "platelet count",
    "procalcitonin", "psa", "radiograph", "serology", "spirometry", "troponin", "tsh", "ultrasound",
    "ultrasonography", "urinalysis", "urine culture", "x-ray", "leukocytosis count", "bnp", "lactate",
    "arterial blood gas", "abg", "esr", "sedimentation rate", "angiography", "cytology", "histology",
    "immunohistochemistry", "karyotype", "scintigraphy", "tumor markers", "white blood cell count",
)
_DRUG_STOP = frozenset(("air", "water", "alcohol", "acid", "gas", "oil", "salt", "sugar", "iron", "oxygen", "drug",
                        "medicament", "vaccine", "serum", "protein", "hormone", "vitamin", "soap", "lead", "gold",
                        "silver", "tar", "glue", "base", "blue", "green", "red", "lime", "milk", "food", "plant",
                        "cold", "pain", "contrast", "dye", "sodium", "potassium", "calcium", "magnesium",
                        "carbon", "nitrogen", "zinc", "copper", "chlorine", "fluoride", "iodine", "starch", "thyroid"))
_LEAD_TRIM = frozenset(("secondary", "to", "due", "with", "without", "of", "and", "or", "by", "in", "the", "a"))
TYPE_RANK = {"problem": 0, "procedure": 1, "test": 2, "medication": 3, "anatomy": 4}


def drug_names(xml_path: Path) -> frozenset[str]:
    """Lower-case medicinal substance names (main terms with an adverse-effect code) of one or two
    words, without NEC/NOS terms or common words: "metoprolol", "insulin", "ceftriaxone"."""
    out = set()
    for mt in ET.parse(xml_path).getroot().iter("mainTerm"):
        title = mt.find("title")
        cells = {c.get("col"): (c.text or "").strip() for c in mt.findall("cell")}
        if title is None or cells.get("6", "--") in ("", "--"):
            continue
        name = (title.text or "").strip().lower()
        if (not name or len(name) < 4 or len(name.split()) > 2 or re.search(r"[^a-z \-]", name)
                or " nec" in name or name in _DRUG_STOP or any(w in _DRUG_STOP for w in name.split())):
            continue
        out.add(name)
    return frozenset(out)


def _phrase_regex(phrases) -> re.Pattern:
    alts = sorted({re.escape(p) for p in phrases}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(alts) + r")(?![\w-])", re.IGNORECASE)


class SilverTagger:
    """Silver entity spans of a note (see the module docstring)."""

    def __init__(self, pipeline, drugs: frozenset[str]):
        self.pipeline = pipeline
        self.res = {"medication": _phrase_regex(drugs), "anatomy": _phrase_regex(ANATOMY),
                    "test": _phrase_regex(TESTS)}

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        from server.domain import Document

        sentences = self.pipeline._sentences(Document(doc_id="silver", text=text))
        found: list[tuple[int, int, str]] = []
        for m in self.pipeline.sources[0].find(text, sentences):
            systems = {c.system.name for c in m.candidates}
            if "ICD10CM" in systems:
                typ = "problem"
            elif all(c.code[0] in "B4" for c in m.candidates):
                typ = "test"
            else:
                typ = "procedure"
            start = _trim_lead(text, m.start, m.end)
            if start < m.end:
                found.append((start, m.end, typ))
        for typ, rx in self.res.items():
            found.extend((mm.start(), mm.end(), typ) for mm in rx.finditer(text))
        return resolve_overlaps(found)


def _trim_lead(text: str, start: int, end: int) -> int:
    """Skip leading connective words the lexicon kept ("secondary to esophageal varices")."""
    for mm in re.finditer(r"\S+", text[start:end]):
        if mm.group().lower() not in _LEAD_TRIM:
            return start + mm.start()
    return end


def resolve_overlaps(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping spans, longest first, then by type rank (problem before anatomy)."""
    keep: list[tuple[int, int, str]] = []
    taken = np.zeros(max((e for _, e, _ in spans), default=0) + 1, bool)
    for s, e, t in sorted(set(spans), key=lambda x: (-(x[1] - x[0]), TYPE_RANK[x[2]], x[0])):
        if not taken[s:e].any():
            taken[s:e] = True
            keep.append((s, e, t))
    return sorted(keep)


# ----------------------------------------------------------------------------- templates
FILL = {
    "problem": ("CHF", "AFib", "DM2", "CKD 3a", "NSTEMI", "STEMI", "COPD", "HTN", "CAD", "GERD", "AKI", "UTI", "DVT",
                "PE", "OSA", "T2DM", "acute on chronic systolic heart failure", "atrial fibrillation",
                "type 2 diabetes mellitus", "chronic kidney disease stage 3a", "community acquired pneumonia",
                "pneumonia", "sepsis", "hypertension", "hyperlipidemia", "anemia", "hypothyroidism", "asthma",
                "cellulitis", "acute kidney injury", "pulmonary embolism", "deep vein thrombosis", "cirrhosis",
                "iron deficiency anemia", "major depressive disorder", "migraine", "osteoarthritis", "gout",
                "acute pancreatitis", "urinary tract infection", "hyponatremia", "hypokalemia", "obesity",
                "congestive heart failure", "myocardial infarction", "stroke", "TIA", "seizure", "fever",
                "chest pain", "shortness of breath", "abdominal pain", "syncope"),
    "procedure": ("CABG", "PCI", "appendectomy", "laparoscopic cholecystectomy", "total knee arthroplasty",
                  "hip replacement", "hemodialysis", "cardiac catheterization", "mastectomy", "colectomy",
                  "thoracentesis", "paracentesis", "intubation", "mechanical ventilation", "tracheostomy",
                  "lumbar puncture", "nephrectomy", "hysterectomy", "craniotomy", "stent placement",
                  "blood transfusion", "radiotherapy", "chemotherapy", "lobectomy", "ERCP"),
    "medication": ("metoprolol", "lisinopril", "apixaban", "insulin glargine", "furosemide", "aspirin", "heparin",
                   "metformin", "atorvastatin", "warfarin", "amoxicillin", "ceftriaxone", "vancomycin",
                   "prednisone", "levothyroxine", "omeprazole", "amlodipine", "digoxin", "morphine",
                   "piperacillin", "enoxaparin", "clopidogrel", "gabapentin", "albuterol", "methotrexate"),
    "anatomy": ("left ventricle", "right lower lobe", "abdomen", "liver", "left kidney", "right femur", "knee",
                "chest", "lumbar spine", "colon", "gallbladder", "pancreas", "thyroid", "brain", "spleen",
                "bladder", "right shoulder", "mitral valve", "aorta", "stomach"),
    "test": ("CBC", "BMP", "chest X-ray", "echocardiogram", "troponin", "HbA1c", "ECG", "EKG", "MRI", "CT scan",
             "lipid panel", "blood cultures", "urinalysis", "ultrasound", "BNP", "D-dimer", "TSH", "ABG",
             "procalcitonin", "INR"),
}
PATTERNS = (
    "Assessment: {problem} and {problem}.",
    "No evidence of {problem}.",
    "History of {problem}, on {medication}.",
    "Family history of {problem}.",
    "Patient denies {problem} or {problem}.",
    "{problem} ruled out.",
    "Started {medication} for {problem}.",
    "Underwent {procedure} in 2019.",
    "{test} showed {problem}.",
    "s/p {procedure} for {problem}.",
    "PMH: {problem}, {problem}, {problem}.",
    "{test} of the {anatomy} was unremarkable.",
    "Mass in the {anatomy}, {test} pending.",
    "Continue {medication} and {medication}.",
    "Pt with hx of {problem} presents with {problem}.",
    "Negative for {problem}; {test} normal.",
    "Mother had {problem}.",
    "Plan: {procedure}, hold {medication}.",
    "Tenderness over the {anatomy} without {problem}.",
    "{problem} secondary to {problem}, treated with {medication}.",
    "Scheduled for {procedure} of the {anatomy}.",
    "Admitted for {problem}; {test} and {test} ordered.",
    "Discharged on {medication} after {procedure}.",
    "Known {problem}, no {problem}.",
    "Repeat {test} after {medication}.",
)


def template_sentences(seed: int, per_pattern: int = 40) -> list[tuple[str, list[tuple[int, int, str]], int]]:
    """(sentence, spans, pattern index), ``per_pattern`` random fills of every pattern."""
    rng = np.random.default_rng(seed)
    out = []
    for pi, pat in enumerate(PATTERNS):
        for _ in range(per_pattern):
            text, spans = "", []
            for lit, field in _parts(pat):
                text += lit
                if field:
                    words = FILL[field]
                    w = words[rng.integers(len(words))]
                    if pi % 3 == 0 and field == "problem" and rng.random() < 0.3:
                        w = w.lower()
                    spans.append((len(text), len(text) + len(w), field))
                    text += w
            out.append((text, spans, pi))
    return out


def _parts(pattern: str):
    pos = 0
    for mm in re.finditer(r"\{(\w+)\}", pattern):
        yield pattern[pos:mm.start()], mm.group(1)
        pos = mm.end()
    yield pattern[pos:], None
