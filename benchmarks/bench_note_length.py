"""Coding cost against note length (#15 "bounded work"): milliseconds per KB at 10, 100 and 1,000
KB for a run-on note (the issue's "heart failure. " repeated: one sentence), a realistic long note
(CodiEsp background notes joined; a built-in clinical paragraph when the shared data is absent)
and an adversarial one (drugs, negations, side words and a section header with a blank run). The
baseline is each note's own 10 KB figure in the same run: linear cost keeps the ratio near 1 (the
square of the length would make it 10 and 100). The issue's 10/20/40/80 KB series is printed too
(it was 0.07 / 0.19 / 0.73 / 3.1 s).

    python -m benchmarks.bench_note_length [--sizes 10 100 1000] [--series 10 20 40 80]
"""
from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PARAGRAPH = ("HPI: 67 yo M with chronic systolic heart failure, type 2 diabetes with diabetic CKD stage 3a, "
             "on warfarin for paroxysmal atrial fibrillation. Denies chest pain. No evidence of pneumonia.\n"
             "PMH: HTN; hx of MI in 2019; s/p CABG.\nAssessment: acute on chronic systolic CHF. Plan: diuresis.\n")
ADVERSARIAL = ("ASSESSMENT AND PLAN" + " " * 200 + "\nno heart failure, left right bilateral warfarin toxicity, "
               "metformin daily, BMI  of  " + " " * 50 + "x, " + "." * 40 + " ")


def realistic_text() -> str:
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    folder = shared / "codiesp" / "background" / "text_files_en"
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not files:
        return PARAGRAPH
    return "\n\n".join(p.read_text(encoding="utf-8") for p in random.Random(3).sample(files, min(600, len(files))))


def note_of(unit: str, kb: int) -> str:
    n = kb * 1024
    return (unit * (n // len(unit) + 1))[:n]


def seconds(pipe, text: str, repeat: int) -> float:
    from server.domain import Document, Setting

    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        pipe.code(Document("bench", text, setting=Setting.INPATIENT))
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000], help="note sizes in KB")
    ap.add_argument("--series", type=int, nargs="*", default=[10, 20, 40, 80],
                    help="the issue's series of run-on notes, in KB (none: skip)")
    args = ap.parse_args(argv)
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.config import load_config
    from server.domain import Document
    from server.pipeline import Pipeline

    pipe = Pipeline(load_icd10cm(), load_icd10pcs(), cache_dir=load_config().cache_dir / "pipeline")
    pipe.code(Document("warm", PARAGRAPH))
    if args.series:
        figures = [f"{kb} KB {seconds(pipe, note_of('heart failure. ', kb), 1):.3f} s" for kb in args.series]
        print("run-on \"heart failure. \" series (CPU s): " + ", ".join(figures))
    notes = {"run-on": "heart failure. ", "realistic": realistic_text(), "adversarial": ADVERSARIAL}
    print(f"{'note':12s}" + "".join(f"{kb:>10d} KB" for kb in args.sizes) + "   ratio to the first size (ms/KB)")
    for name, unit in notes.items():
        per_kb = [1e3 * seconds(pipe, note_of(unit, kb), 3 if kb <= 100 else 1) / kb for kb in args.sizes]
        ratios = " / ".join(f"{p / per_kb[0]:.2f}" for p in per_kb)
        print(f"{name:12s}" + "".join(f"{p:8.2f} ms/KB" for p in per_kb) + f"   {ratios}")


if __name__ == "__main__":
    main()
