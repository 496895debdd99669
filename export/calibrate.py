"""Learn, on CodiEsp **train**, how often each code the rules pipeline (lexicon + ConText +
guidelines, no learned parts) suggests is in the gold standard. The pipeline scales a lexicon
code's confidence by that rate, smoothed toward the overall rate: "pain" -> R52 is right in most
case reports, "wound" -> T14.90XA in few.

    python -m export.calibrate --train ../shared/data/codiesp/train
"""
from __future__ import annotations

import argparse
import gzip
from collections import Counter
from pathlib import Path

from rules_native.codesets import load_icd10cm, load_icd10pcs
from server.domain import CodeSystem, Document, Setting
from export.codiesp import canonical_cm, canonical_pcs, pcs_matches, read_gold, read_texts

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "codiesp_calibration.tsv.gz"


def calibrate(train: Path) -> list[tuple[str, str, int, int]]:
    """(system, code, times suggested, times in gold) over the train documents."""
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    cm, pcs = load_icd10cm(), load_icd10pcs()
    pipe = Pipeline(cm, pcs, artifacts=PipelineArtifacts.packaged("codiesp").without("scorer", "mined", "calibration", "fusion"))
    texts = read_texts(train)
    gold_d = {d: {canonical_cm(x, cm) for x in v} for d, v in read_gold(train, "D").items()}
    gold_p = {d: {canonical_pcs(x) for x in v} for d, v in read_gold(train, "P").items()}
    seen: Counter = Counter()
    hit: Counter = Counter()
    for doc_id, text in texts.items():
        enc = pipe.code(Document(doc_id=doc_id, text=text, setting=Setting.INPATIENT))
        for c in enc.codes:
            key = (c.system.value, c.code)
            seen[key] += 1
            if c.system is CodeSystem.ICD10CM:
                hit[key] += c.code in gold_d.get(doc_id, ())
            else:
                hit[key] += any(pcs_matches(c.code, g) for g in gold_p.get(doc_id, ()))
    return [(s, c, n, hit[(s, c)]) for (s, c), n in sorted(seen.items())]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = calibrate(args.train)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("system\tcode\tsuggested\tcorrect\n")
        for r in rows:
            f.write("\t".join(map(str, r)) + "\n")
    print(f"wrote {len(rows)} code rates to {args.out}")


if __name__ == "__main__":
    main()
