"""Learn the fusion model (``server/pipeline/data/fusion.json``) from **out-of-fold** candidates of
CodiEsp train (never dev or test).

Train is cut into five folds (md5 of the document id). For each fold the learned files (mined
terms, lexicon calibration, document classifier) are rebuilt on the other four, and the pipeline
codes the fold's notes with them: each candidate code, with its per-source support, is a row,
labelled 1 when the note's gold holds the code. A logistic model on all rows is the fusion.
Its honest quality is measured the same way one level up: for each fold, a fusion fitted on the
other folds' rows codes the fold (guidelines included) and MAP / micro-F1 are pooled over the five
folds. The candidate-rate features (how often a code was right as a candidate) of a row always
come from folds other than its own. The operating threshold is the one that maximises that
pooled micro-F1 of diagnoses.

    python -m export.build_fusion --train ../shared/data/codiesp/train --work build/fusion
    ... --with-linker                                  # fusion_linker.json (model stage on)
    ... --with-linker --with-heads build/heads/oof_lat.npz   # fusion_models.json (both models)
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from export import build_scorer, calibrate, mine_terms
from export.heldout_pipeline import FOLDS, split
from rules_native.codesets import load_icd10cm, load_icd10pcs
from server.domain import CodeSystem, Document, Setting
from export.codiesp import pcs_matches, read_texts
from export.evaluate import code_folder, gold_sets, score_system
from server.models.heads import HeadsOptions
from server.pipeline.fusion import COLUMNS, CandidateRates, Fusion, fit_logistic
from server.pipeline.pipeline import fusion_files

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "fusion.json"
NAME = "codiesp-train-oof-logistic-v2"
THRESHOLDS = tuple(round(0.1 + 0.025 * i, 3) for i in range(17))   # 0.1 .. 0.5


class OutOfFoldNoteModel:
    """The label-attention classifier's out-of-fold probabilities (``export.train_heads`` writes
    ``build/heads/oof_lat.npz``: each train note scored by heads trained without its fold), served
    like ``NoteModel.code_probs`` so the fusion learns from what an unseen note would get."""

    def __init__(self, path: Path, train: Path, min_prob: float = HeadsOptions().min_code_prob):
        z = np.load(path, allow_pickle=False)
        codes = [str(c) for c in z["codes"]]
        self.labels = frozenset(codes)
        by_doc = {str(d): row for d, row in zip(z["doc_ids"], z["probs"].astype(np.float32))}
        self._by_text = {}
        for doc_id, text in read_texts(train).items():
            row = by_doc.get(doc_id)
            if row is not None:
                self._by_text[text] = {c: round(float(p), 6) for c, p in zip(codes, row) if p >= min_prob}
        self.version = f"oof:{path.name}"

    def code_probs(self, text: str) -> dict[str, float]:
        return self._by_text.get(text, {})


def fold_pipeline(train: Path, work: Path, fold: int, cm, pcs, linker=None, note_model=None):
    """The pipeline whose learned files never saw ``fold``, and the fold's folder."""
    from server.pipeline import Pipeline
    from server.pipeline.artifacts import PipelineArtifacts

    d = work / f"fold{fold}"
    fit, held = split(train, d, fold)
    files = {"terms": d / "terms.tsv.gz", "cal": d / "calibration.tsv.gz", "scorer": d / "scorer.npz"}
    if not all(p.is_file() for p in files.values()):
        mine_terms.main(["--train", str(fit), "--out", str(files["terms"])])
        calibrate.main(["--train", str(fit), "--out", str(files["cal"])])
        build_scorer.main(["--train", str(fit), "--out", str(files["scorer"])])
    art = PipelineArtifacts.packaged("codiesp").without("fusion").with_files(
        mined=files["terms"], calibration=files["cal"], scorer=files["scorer"])
    pipe = Pipeline(cm, pcs, artifacts=art, cache_dir=work / "lexicon-cache", linker=linker, note_model=note_model)
    return pipe, held


def rows(pipe, folder: Path, cm) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels of every candidate code of every note in ``folder``."""
    gd, gp = gold_sets(folder, cm)
    X, y, docs, codes = [], [], [], []
    for doc_id, text in read_texts(folder).items():
        found = list(pipe.candidates(Document(doc_id=doc_id, text=text, setting=Setting.INPATIENT)).values())
        # the fusion learns what may be reported (a past condition is listed below the threshold,
        # whatever its score); the note-relative columns still see every candidate, as served
        rows_ = pipe.fusion_context.matrix(found) if found else []
        found, rows_ = [f for f in found if f.reportable], [r for f, r in zip(found, rows_) if f.reportable]
        if found:
            X.extend(rows_)
            docs.extend([doc_id] * len(found))
            codes.extend(f.code for f in found)
        for f in found:
            if f.system is CodeSystem.ICD10CM:
                y.append(float(f.code in gd.get(doc_id, ())))
            else:
                y.append(float(any(pcs_matches(f.code, g) for g in gp.get(doc_id, ()))))
    return np.asarray(X), np.asarray(y), np.asarray(docs), np.asarray(codes)


def predictions(pipe, folder: Path) -> tuple[dict, dict]:
    return code_folder(read_texts(folder), pipe)


def fold_rates(data, without: set[int]) -> CandidateRates:
    """Candidate rates from the folds of ``data`` ((X, y, codes) per fold) not in ``without``."""
    keep = [j for j in range(len(data)) if j not in without]
    return CandidateRates.from_rows(np.concatenate([data[j][2] for j in keep]),
                                    np.concatenate([data[j][1] for j in keep]))


def training_rows(data, without: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The fusion's rows and labels from every fold but ``without``; a row's candidate rates come
    from folds other than its own (and ``without``), as an unseen note's would."""
    keep = [j for j in range(len(data)) if j != without]
    X = np.vstack([np.hstack([data[j][0], fold_rates(data, {j, without}).columns(data[j][2])]) for j in keep])
    return X, np.concatenate([data[j][1] for j in keep])


def build(train: Path, work: Path, out: Path = OUT, l2: float = 1e-3, linker=None, note_model=None) -> dict:
    cm, pcs = load_icd10cm(), load_icd10pcs()
    t0 = time.perf_counter()
    folds = [fold_pipeline(train, work, k, cm, pcs, linker, note_model) for k in range(FOLDS)]
    data = [rows(pipe, held, cm) for pipe, held in folds]
    np.savez_compressed(work / f"rows-{out.stem}.npz", **{f"{n}{k}": a for k, d in enumerate(data) for n, a in zip("Xydc", d)})
    data = [(x, y, c) for x, y, _, c in data]
    # Cross-validated quality of the fusion itself: fit on four folds' rows, code the fifth.
    # The threshold first, with what the guidelines suppress listed at confidence 0 (it never
    # counts as reported); then each fold is coded as served, suppressed codes just below it.
    pooled = {"D": ({}, {}), "P": ({}, {}), "base_D": ({}, {}), "D0": ({}, {})}
    fusions = []
    for k, (pipe, held) in enumerate(folds):
        base_d, _ = predictions(pipe, held)
        w, b = fit_logistic(*training_rows(data, k), l2)
        fusions.append(Fusion(w, b, NAME, rates=fold_rates(data, {k})))
        pipe.fusion, pipe.operating_threshold = fusions[k], 0.0
        pd_, _ = predictions(pipe, held)
        pipe.fusion = None
        gd, gp = gold_sets(held, cm)
        pooled["D0"][0].update(pd_); pooled["D0"][1].update(gd)
        pooled["base_D"][0].update(base_d); pooled["base_D"][1].update(gd)
    by_t = {t: score_system(*pooled["D0"], CodeSystem.ICD10CM, t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: (by_t[t]["micro"]["f1"], -abs(t - 0.35)))
    for k, (pipe, held) in enumerate(folds):
        pipe.fusion, pipe.operating_threshold = fusions[k], threshold
        pd_, pp = predictions(pipe, held)
        pipe.fusion = None
        gd, gp = gold_sets(held, cm)
        pooled["D"][0].update(pd_); pooled["D"][1].update(gd)
        pooled["P"][0].update(pp); pooled["P"][1].update(gp)
    by_t[threshold] = score_system(*pooled["D"], CodeSystem.ICD10CM, threshold)
    metrics = {
        "protocol": "5-fold out-of-fold on CodiEsp train (learned files and fusion refit without each fold)",
        "documents": len(pooled["D"][1]),
        "diagnoses": by_t[threshold],
        "procedures": score_system(*pooled["P"], CodeSystem.ICD10PCS, threshold),
        "diagnoses_without_fusion": score_system(*pooled["base_D"], CodeSystem.ICD10CM, 0.35),
        "rows": int(sum(len(y) for _, y, _ in data)), "positives": int(sum(y.sum() for _, y, _ in data)),
    }
    w, b = fit_logistic(*training_rows(data, None), l2)
    Fusion(w, b, NAME + ("+linker" if linker is not None else "") + ("+heads" if note_model is not None else ""),
           threshold, fold_rates(data, set())).save(out, metrics)
    metrics["seconds"] = round(time.perf_counter() - t0, 1)
    metrics["threshold"] = threshold
    metrics["weights"] = dict(zip(COLUMNS, np.round(w, 3).tolist()))
    return metrics


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder for the folds and their models")
    ap.add_argument("--out", type=Path, default=None,
                    help="default: server/pipeline/data/ with the name the pipeline looks for")
    ap.add_argument("--with-linker", action="store_true",
                    help="learn with the code-embedding model stage on (its similarity and link features)")
    ap.add_argument("--with-heads", type=Path, default=None, metavar="OOF_NPZ",
                    help="learn with the label-attention classifier's out-of-fold probabilities "
                         "(build/heads/oof_lat.npz from export.train_heads)")
    args = ap.parse_args(argv)
    linker = None
    if args.with_linker:
        from server.models import CodeLinker, LinkerOptions

        linker = CodeLinker.load(options=LinkerOptions(intra_op_threads=2))
    note_model = OutOfFoldNoteModel(args.with_heads, args.train) if args.with_heads else None
    name = fusion_files(linker is not None, note_model is not None)[0]
    out = args.out or OUT.with_name(name)
    m = build(args.train, args.work, out, linker=linker, note_model=note_model)
    print(json.dumps(m, indent=1))


if __name__ == "__main__":
    main()
