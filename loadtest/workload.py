"""What the simulated vendors send: real clinical notes (the CodiEsp background texts when
available, else the shipped examples) as plain text, FHIR DocumentReference bundles and HL7 v2
MDM^T02 messages, plus realistic outpatient claims. Pure functions: no gRPC, no locust."""
from __future__ import annotations

import base64
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_NOTES = REPO.parent / "shared" / "data" / "codiesp" / "background" / "text_files_en"
FALLBACK_NOTES = REPO / "examples" / "notes"

# Common outpatient lines (HCPCS/CPT code numbers only, no descriptors) and diagnoses.
_LINES = ["99213", "99214", "99203", "80053", "80048", "85025", "83036", "36415", "93000", "71046",
          "81001", "84443", "82565", "80061", "J1885", "G0439", "97110", "20610", "96372", "G0008"]
_DIAGNOSES = ["E11.9", "E11.22", "N18.31", "I10", "I50.9", "J44.1", "M17.11", "E78.5", "Z00.00", "R07.9",
              "J06.9", "N39.0", "K21.9", "F32.A", "I48.91", "E66.9"]


# The acceptance figure is for ~400-word notes; CodiEsp's background notes average ~320 words, so
# the default draws those of 300..500 words (mean about 390).
DEFAULT_WORDS = (300, 500)
# What one simulated vendor does, by relative weight; a stream task sends STREAM_BATCH documents.
DEFAULT_WEIGHTS = dict(text=6, fhir=2, hl7=1, stream=1, claim=2)
STREAM_BATCH = 8


def parse_words(spec: str) -> tuple[int, int] | None:
    """``"300-500"`` -> (300, 500); ``""`` or ``"all"`` -> None (no length filter)."""
    if not spec or spec == "all":
        return None
    lo, _, hi = spec.partition("-")
    try:
        bounds = int(lo), int(hi or lo)
    except ValueError as e:
        raise ValueError(f"note words must look like 300-500, not {spec!r}") from e
    if bounds[0] > bounds[1]:
        raise ValueError(f"note words {spec!r}: low bound above high bound")
    return bounds


def load_notes(folder: Path | None = None, limit: int = 400, seed: int = 7,
               words: tuple[int, int] | None = None) -> list[str]:
    """Up to ``limit`` notes (sorted, then sampled with a fixed seed so runs are comparable),
    keeping only those whose word count lies within ``words`` when given."""
    folder = Path(folder) if folder else (DEFAULT_NOTES if DEFAULT_NOTES.is_dir() else FALLBACK_NOTES)
    files = sorted(folder.glob("*.txt"))
    if not files:
        raise FileNotFoundError(f"no .txt notes in {folder}")
    random.Random(seed).shuffle(files)
    notes = []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        n = len(text.split())
        if n and (words is None or words[0] <= n <= words[1]):
            notes.append(text)
            if len(notes) == limit:
                break
    if not notes:
        raise FileNotFoundError(f"no .txt notes of {words[0]}-{words[1]} words in {folder}" if words
                                else f"no non-empty .txt notes in {folder}")
    return notes


def parse_weights(spec: str) -> dict[str, int]:
    """``"text=6,claim=0"`` over DEFAULT_WEIGHTS; an unknown task name is an error."""
    weights = dict(DEFAULT_WEIGHTS)
    for part in filter(None, spec.split(",")):
        key, _, value = part.partition("=")
        if key.strip() not in weights:
            raise ValueError(f"unknown task {key.strip()!r}; known: {', '.join(weights)}")
        weights[key.strip()] = int(value)
    return weights


def task_sequence(weights: dict[str, int], rng: random.Random):
    """Tasks drawn with the locust users' weights, forever: the in-process baseline replays the
    same mix of formats, streams and claims that the users send."""
    names = [k for k, w in weights.items() if w > 0]
    cum = [weights[k] for k in names]
    while True:
        yield rng.choices(names, weights=cum)[0]


def as_fhir(note: str, doc_id: str) -> bytes:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1960-01-01"}},
        {"resource": {"resourceType": "DocumentReference", "id": doc_id, "status": "current",
                      "content": [{"attachment": {"contentType": "text/plain",
                                                  "data": base64.b64encode(note.encode()).decode()}}]}}]}
    return json.dumps(bundle).encode()


def as_hl7(note: str, doc_id: str) -> bytes:
    esc = note.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\").replace("&", "\\T\\").replace("~", "\\R\\")
    lines = "~".join(esc.splitlines())
    segs = [f"MSH|^~\\&|LOAD|TEST|MEDCODER|RCM|20260501120000||MDM^T02|{doc_id}|P|2.5.1",
            "PID|1||LT1^^^LOAD||TEST^PATIENT||19600101|F", "PV1|1|I",
            f"OBX|1|TX|18842-5^Discharge summary^LN||{lines}||||||F"]
    return ("\r".join(segs) + "\r").encode()


def random_claim(rng: random.Random, claim_id: str) -> dict:
    n_lines = rng.randint(2, 12)
    dx = rng.sample(_DIAGNOSES, rng.randint(1, 4))
    return {"claim_id": claim_id, "setting": "outpatient",
            "patient": {"age": rng.randint(18, 90), "sex": rng.choice("FM")},
            "diagnoses": dx,
            "lines": [{"code": rng.choice(_LINES), "modifiers": rng.choice([[], [], ["25"], ["59"]]),
                       "units": rng.choice([1, 1, 1, 2]), "date_of_service": "2026-05-01",
                       "diagnosis_pointers": [1]} for _ in range(n_lines)]}
