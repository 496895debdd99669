"""Pipeline throughput (lexicon, ConText, guidelines, CodiEsp statistics; no NER model) on
CodiEsp background notes: documents/second, characters/second, and the share of time per stage.
Startup is reported separately: cold (lexicons built from the code set and data files, then
stored in a fresh cache dir) and warm (loaded from that cache), measured in the same run.

    python -m benchmarks.bench_pipeline [--docs 300]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("sections", "entities", "model", "classifier", "context", "mapping", "fusion", "guidelines")


def _background_dir() -> Path:
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "codiesp" / "background" / "text_files_en"


def main(argv: list[str] | None = None) -> None:
    """Print throughput figures; skip with a message when the shared data is absent."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=300)
    args = ap.parse_args(argv)
    folder = _background_dir()
    if not folder.is_dir():
        print(f"skipped: CodiEsp background notes not found at {folder}")
        return
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.domain import Document, Setting
    from server.pipeline import Pipeline

    files = sorted(folder.glob("*.txt"))
    notes = [p.read_text(encoding="utf-8") for p in random.Random(7).sample(files, min(args.docs, len(files)))]
    cm, pcs = load_icd10cm(), load_icd10pcs()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        Pipeline(cm, pcs, cache_dir=Path(cache))
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pipe = Pipeline(cm, pcs, cache_dir=Path(cache))
        startup_s = time.perf_counter() - t0
    pipe.code(Document("warm", notes[0], setting=Setting.INPATIENT))
    stage = dict.fromkeys(STAGES, 0.0)
    per_doc = []
    t0 = time.perf_counter()
    for i, text in enumerate(notes):
        t = time.perf_counter()
        enc = pipe.code(Document(f"b{i}", text, setting=Setting.INPATIENT))
        per_doc.append((time.perf_counter() - t) * 1000)
        for k in STAGES:
            stage[k] += enc.stage_ms.get(k, 0.0)
    wall = time.perf_counter() - t0
    chars = sum(len(t) for t in notes)
    total = sum(stage.values()) or 1.0
    print(f"pipeline startup: cold {cold_s:.2f} s, warm (lexicon cache) {startup_s:.2f} s, "
          f"{cold_s / max(startup_s, 1e-9):.1f}x ({pipe.versions})")
    print(f"{len(notes)} CodiEsp background notes, {chars / len(notes):.0f} chars on average, 1 thread")
    print(f"throughput: {len(notes) / wall:.1f} docs/s, {chars / wall / 1e3:.0f} k chars/s")
    print(f"latency per doc: median {statistics.median(per_doc):.2f} ms, "
          f"p95 {sorted(per_doc)[int(0.95 * (len(per_doc) - 1))]:.2f} ms")
    print("share of time per stage: " + ", ".join(f"{k} {100 * stage[k] / total:.0f}%" for k in STAGES))


if __name__ == "__main__":
    main()
