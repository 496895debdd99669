"""The held-out protocol the pipeline's few free parameters are chosen with: CodiEsp **train**
split into a fit part (4/5) and a held-out fifth (md5 of the document id mod 5 == 0, 102
documents), the learned files rebuilt on the fit part only, the pipeline scored on the held-out
fifth. Dev is never looked at.

    python -m export.heldout_pipeline --train ../shared/data/codiesp/train --work /tmp/heldout
"""
from __future__ import annotations

import argparse
import hashlib
import os
from pathlib import Path

from export import build_scorer, calibrate, mine_terms


FOLDS = 5


def fold_of(doc_id: str) -> int:
    """The fold (0..4) a train document belongs to: md5 of its id mod 5."""
    return int(hashlib.md5(doc_id.encode()).hexdigest(), 16) % FOLDS


def is_held_out(doc_id: str, fold: int = 0) -> bool:
    return fold_of(doc_id) == fold


def split(train: Path, work: Path, fold: int = 0) -> tuple[Path, Path]:
    """``work/fit`` and ``work/held`` CodiEsp-layout folders (notes linked, gold filtered);
    ``fold`` 0 is the held-out fifth the free parameters were chosen on."""
    parts = {name: work / name for name in ("fit", "held")}
    for folder in parts.values():
        (folder / "text_files_en").mkdir(parents=True, exist_ok=True)
    for p in sorted((train / "text_files_en").glob("*.txt")):
        dst = parts["held" if is_held_out(p.stem, fold) else "fit"] / "text_files_en" / p.name
        if not dst.exists():
            os.symlink(p.resolve(), dst)
    for suffix in ("D", "P"):
        lines = [ln for f in sorted(train.glob(f"*{suffix}.tsv")) for ln in f.read_text("utf-8").splitlines() if ln]
        for name, folder in parts.items():
            keep = [ln for ln in lines if is_held_out(ln.split("\t")[0], fold) == (name == "held")]
            (folder / f"split{suffix}.tsv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    return parts["fit"], parts["held"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder for the split and the models")
    args = ap.parse_args(argv)
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.pipeline import Pipeline
    from export.evaluate import evaluate_codiesp, format_report
    from server.pipeline.artifacts import PipelineArtifacts

    fit, held = split(args.train, args.work)
    terms, cal, scorer = args.work / "terms.tsv.gz", args.work / "calibration.tsv.gz", args.work / "scorer.npz"
    mine_terms.main(["--train", str(fit), "--out", str(terms)])
    calibrate.main(["--train", str(fit), "--out", str(cal)])
    build_scorer.main(["--train", str(fit), "--out", str(scorer)])
    art = PipelineArtifacts.packaged("codiesp").without("fusion").with_files(mined=terms, calibration=cal,
                                                                              scorer=scorer)
    pipe = Pipeline(load_icd10cm(), load_icd10pcs(), artifacts=art)   # the fusion is measured out of fold by export.build_fusion
    print(format_report(evaluate_codiesp(held, pipe, split_name="train held-out fifth")))


if __name__ == "__main__":
    main()
