"""What the encounter's documentation adds to ScoreClaim (#16: "ScoreClaim with one 400-word note
adds no more than the note's coding time").

In one run, best of several, in-process (the functions the servicer calls; the gRPC hop is the
same with or without documents): the note's coding time (``Engine.code``, CodeEncounter's work),
ScoreClaim without documents (``ClaimEngine.score``) and ScoreClaim with the note (``score`` +
``Engine.document_claim``). Printed: the time the note adds and its ratio to the coding time
(<= 1.0 is the target), for an outpatient claim and an inpatient one (two MS-DRG groupings more).

    python -m benchmarks.bench_claim_documentation [--runs 15]
"""
from __future__ import annotations

import argparse
import time

SENTENCES = [
    "Chief complaint: shortness of breath and leg swelling for one week.",
    "HPI: 71 year old woman with type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a, "
    "essential hypertension and chronic systolic heart failure presents with worsening dyspnea on exertion, "
    "orthopnea and bilateral lower extremity edema.",
    "She reports a 4 kg weight gain over ten days and admits to dietary indiscretion over the holidays.",
    "She denies chest pain, palpitations, syncope, fever or cough. No evidence of pneumonia on chest x-ray.",
    "PMH: hyperlipidemia; osteoarthritis of both knees; history of pulmonary embolism in 2019, completed "
    "anticoagulation; cholecystectomy in 2010.",
    "Family history: mother had breast cancer; father had coronary artery disease.",
    "Medications: metformin 1000 mg twice daily, lisinopril 20 mg daily, furosemide 40 mg daily, "
    "atorvastatin 40 mg nightly, carvedilol 12.5 mg twice daily.",
    "Social history: former smoker, quit 15 years ago, 30 pack years; no alcohol.",
    "Exam: blood pressure 152/88, heart rate 92, oxygen saturation 93% on room air. Jugular venous distension "
    "to the angle of the jaw. Bibasilar crackles. S3 present. 2+ pitting edema to the knees.",
    "Labs: creatinine 1.6, eGFR 41, potassium 4.8, BNP 1450, hemoglobin A1c 8.2, troponin negative twice.",
    "Echo: ejection fraction 30%, unchanged from last year, moderate mitral regurgitation.",
    "Assessment: acute on chronic systolic congestive heart failure, precipitated by dietary sodium. "
    "Type 2 diabetes with diabetic chronic kidney disease stage 3a, hyperglycemia. Hypertension. Hyperlipidemia.",
    "Plan: IV furosemide 40 mg twice daily, daily weights, strict intake and output, fluid restriction "
    "to 1.5 liters, low sodium diet. Continue carvedilol and lisinopril; hold metformin while on IV contrast "
    "risk. Insulin sliding scale. Recheck basic metabolic panel in the morning. Cardiology to follow.",
    "Return if chest pain develops. Follow up in heart failure clinic in one week after discharge.",
]


def note_of(words: int) -> str:
    out: list[str] = []
    while len(out) < words:
        for s in SENTENCES:
            out.extend(s.split())
    return " ".join(out[:words])


def best_ms(runs: int, fn, *args) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--words", type=int, default=400)
    args = ap.parse_args(argv)
    from server.claims import parse_claim
    from server.config import load_config
    from server.domain import Setting
    from server.engine import Engine

    engine = Engine(load_config({}), with_review_log=False)
    note = note_of(args.words).encode()
    line = [{"code": "99223", "units": 1, "date_of_service": "2026-05-01"}]
    print(f"note: {args.words} words ({len(note):,} bytes); best of {args.runs} runs, wall time, in-process")
    for setting in (Setting.OUTPATIENT, Setting.INPATIENT):
        claim = parse_claim({"claim_id": "b1", "setting": setting.value, "patient": {"age": 71, "sex": "F"},
                             "diagnoses": ["I50.9", "E11.9", "I10", "J18.9"], "lines": line})
        docs = [{"content": note, "doc_id": "note"}]

        def with_documents():
            engine.claims.score(claim)
            engine.document_claim(claim, docs)

        with_documents()   # first runs (grouper, caches) out of the figures
        coding = best_ms(args.runs, lambda: engine.code(note, setting=setting))
        bare = best_ms(args.runs, engine.claims.score, claim)
        full = best_ms(args.runs, with_documents)
        added = full - bare
        print(f"  {setting.value:10s} coding the note {coding:7.2f} ms | ScoreClaim without it {bare:6.3f} ms, "
              f"with it {full:7.2f} ms | added {added:7.2f} ms = {added / coding:.2f} x the coding time")
    engine.close()


if __name__ == "__main__":
    main()
