"""Code-set figures: ICD-10-CM compile and load times, lookup and validation throughput, against
simple_icd_10_cm (the package the XML comes from) measured in the same run.

    python -m benchmarks.bench_codesets
"""
from __future__ import annotations

import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RUNS = 5


def _subprocess_s(code: str) -> float:
    """Median wall time of a fresh interpreter running ``code`` (interpreter start included)."""
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _rate(fn, items) -> float:
    t0 = time.perf_counter()
    for x in items:
        fn(x)
    return len(items) / (time.perf_counter() - t0)


def _sample(codes: list[str], n: int) -> list[str]:
    """Codes as callers write them: dotted, undotted, lower case, plus some unknown ones."""
    rng = random.Random(7)
    picks = rng.sample(codes, n)
    forms = [lambda c: c, lambda c: c.replace(".", ""), lambda c: c.lower()]
    out = [forms[i % 3](c) for i, c in enumerate(picks)]
    out[::20] = ["Z99.99"] * len(out[::20])
    return out


def main() -> None:
    from rules_native.codesets import load_icd10cm

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t0 = time.perf_counter()
        cs = load_icd10cm(cache)
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        load_icd10cm(cache)
        warm_load_s = time.perf_counter() - t0

        bare = _subprocess_s("import rules_native.codesets")
        loaded = _subprocess_s("from pathlib import Path; from rules_native.codesets import "
                               f"load_icd10cm; load_icd10cm(Path({str(cache)!r}))")
        python = _subprocess_s("pass")
        simple = _subprocess_s("import simple_icd_10_cm")

    # Head to head on canonical dotted codes, the only spelling simple_icd_10_cm takes in every
    # form (it rejects lower case); ours also on the mixed spellings callers send.
    rng = random.Random(11)
    canonical = rng.sample(cs.codes, 20000)
    canonical[::20] = ["Z99.99"] * len(canonical[::20])
    mixed = _sample(cs.codes, 20000)
    id_rate = _rate(cs.id_of, canonical)
    id_mixed = _rate(cs.id_of, mixed)
    validate_rate = _rate(cs.validate, canonical)
    validate_mixed = _rate(cs.validate, mixed)
    import simple_icd_10_cm as cm  # imported only now: importing it parses the whole XML

    valid_rate = _rate(cm.is_valid_item, canonical)
    known = [c for c in canonical if cm.is_valid_item(c)]
    leaf_rate = _rate(cm.is_leaf, known)
    ours_leaf = _rate(cs.is_billable, known)

    cold_load = loaded - bare
    simple_load = simple - python
    print(f"ICD-10-CM {cs.edition}: {len(cs)} codes, {int(cs.billable.sum())} billable")
    print(f"cold build from XML (parse + compile + write):  {build_s * 1000:8.0f} ms")
    print(f"cold load of compiled cache, fresh process:      {cold_load * 1000:8.1f} ms "
          f"(load {loaded * 1000:.0f} ms - interpreter+import {bare * 1000:.0f} ms, median of {RUNS})")
    print(f"warm reload in-process:                          {warm_load_s * 1000:8.1f} ms")
    print(f"baseline: import simple_icd_10_cm (its load):    {simple_load * 1000:8.1f} ms "
          f"-> ours {simple_load / cold_load:5.1f}x faster")
    print(f"id_of:       {id_rate:11,.0f} lookups/s (mixed spellings {id_mixed:11,.0f}/s)  "
          f"vs is_valid_item {valid_rate:11,.0f}/s  ratio {id_rate / valid_rate:5.2f}x")
    print(f"validate:    {validate_rate:11,.0f} checks/s  (mixed spellings {validate_mixed:11,.0f}/s)  "
          f"vs is_valid_item {valid_rate:11,.0f}/s  ratio {validate_rate / valid_rate:5.2f}x")
    print(f"is_billable: {ours_leaf:11,.0f} checks/s  vs is_leaf {leaf_rate:11,.0f}/s  "
          f"ratio {ours_leaf / leaf_rate:5.2f}x")


if __name__ == "__main__":
    main()
