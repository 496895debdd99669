"""Pipeline throughput on CodiEsp background notes, per coding profile, in the same run:
documents/second on one thread (one core), characters/second, and CPU milliseconds per note by
stage. The `codiesp` profile (the pipeline as it was before `us-claims` became the default) is the
baseline; the ratio is us-claims / codiesp. Startup is reported too: cold (lexicons built, then
stored in a fresh cache dir) and warm (loaded from that cache).

    python -m benchmarks.bench_pipeline [--docs 300] [--profiles us-claims codiesp]

A profile may name a variant after a colon: ``us-claims:no-pcs-builder`` is us-claims with the
ICD-10-PCS builder off, the baseline for what the builder costs
(``--profiles us-claims us-claims:no-pcs-builder``).
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
STAGES = ("sections", "entities", "model", "classifier", "context", "mapping", "claims", "procedures", "fusion",
          "guidelines")


def _background_dir() -> Path:
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "codiesp" / "background" / "text_files_en"


def run_profile(profile: str, notes: list[str], cm, pcs) -> dict:
    """Startup and coding figures of one profile's pipeline over ``notes``."""
    from server.domain import Document, Setting
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    name, _, variant = profile.partition(":")
    art = PipelineArtifacts.packaged(name)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        Pipeline(cm, pcs, artifacts=art, cache_dir=Path(cache))
        cold_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pipe = Pipeline(cm, pcs, artifacts=art, cache_dir=Path(cache))
        warm_s = time.perf_counter() - t0
    if variant == "no-pcs-builder":
        pipe.pcs_builder = None
    elif variant:
        raise SystemExit(f"unknown profile variant {variant!r} (known: no-pcs-builder)")
    pipe.code(Document("warm", notes[0], setting=Setting.INPATIENT))
    stage = dict.fromkeys(STAGES, 0.0)
    per_doc = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i, text in enumerate(notes):
        t = time.perf_counter()
        enc = pipe.code(Document(f"b{i}", text, setting=Setting.INPATIENT))
        per_doc.append((time.perf_counter() - t) * 1000)
        for k in STAGES:
            stage[k] += enc.stage_ms.get(k, 0.0)
    return {"profile": profile, "cold_s": cold_s, "warm_s": warm_s, "wall_s": time.perf_counter() - t0,
            "cpu_s": time.process_time() - cpu0, "per_doc": per_doc, "stage": stage, "n": len(notes),
            "chars": sum(len(t) for t in notes)}


def report(r: dict) -> None:
    n = r["n"]
    print(f"[{r['profile']}] startup cold {r['cold_s']:.2f} s, warm {r['warm_s']:.2f} s")
    print(f"[{r['profile']}] throughput {n / r['wall_s']:.1f} docs/s on one thread, "
          f"{r['chars'] / r['wall_s'] / 1e3:.0f} k chars/s; CPU {1000 * r['cpu_s'] / n:.2f} ms/note")
    print(f"[{r['profile']}] latency per doc: median {statistics.median(r['per_doc']):.2f} ms, "
          f"p95 {sorted(r['per_doc'])[int(0.95 * (n - 1))]:.2f} ms")
    print(f"[{r['profile']}] ms per note by stage: "
          + ", ".join(f"{k} {r['stage'][k] / n:.2f}" for k in STAGES if r["stage"][k] > 0))


def main(argv: list[str] | None = None) -> None:
    """Print throughput figures; skip with a message when the shared data is absent."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--profiles", nargs="+", default=["us-claims", "codiesp"])
    args = ap.parse_args(argv)
    folder = _background_dir()
    if not folder.is_dir():
        print(f"skipped: CodiEsp background notes not found at {folder}")
        return
    from rules_native.codesets import load_icd10cm, load_icd10pcs

    files = sorted(folder.glob("*.txt"))
    notes = [p.read_text(encoding="utf-8") for p in random.Random(7).sample(files, min(args.docs, len(files)))]
    cm, pcs = load_icd10cm(), load_icd10pcs()
    print(f"{len(notes)} CodiEsp background notes, {sum(map(len, notes)) / len(notes):.0f} chars on average")
    results = [run_profile(p, notes, cm, pcs) for p in args.profiles]
    for r in results:
        report(r)
    if len(results) > 1:
        base = results[-1]
        for r in results[:-1]:
            print(f"{r['profile']} / {base['profile']}: {base['wall_s'] / r['wall_s']:.2f}x the documents/s, "
                  f"{r['cpu_s'] / base['cpu_s']:.2f}x the CPU per note")


if __name__ == "__main__":
    main()
