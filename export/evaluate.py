"""CodiEsp evaluation: code a CodiEsp-layout folder and score diagnoses and procedures.

MAP follows the official CodiEsp-D/P script (trectools ``get_map(trec_eval=False)``): per
document, the ranked predictions (best first, duplicates removed) give
AP = sum over ranks k holding a gold code of precision@k, divided by the number of gold codes;
MAP is the mean over the documents that have gold codes (a document with no predictions scores 0).
Micro precision/recall/F1 use the predictions at or above the operating threshold; the same is
reported on 3-character categories. Gold is brought to FY2026 forms (``codiesp.canonical_cm``);
CodiEsp's 4-character procedure prefixes match any full code that starts with them.

    python -m export.evaluate ../shared/data/codiesp/dev
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Callable

from server.domain import CodeSystem, Document, Setting
from server.errors import InvalidInput
from export.codiesp import canonical_cm, canonical_pcs, pcs_matches, read_gold, read_texts

DEFAULT_THRESHOLD = 0.35


def _same(system: CodeSystem) -> Callable[[str, str], bool]:
    return pcs_matches if system is CodeSystem.ICD10PCS else (lambda p, g: p == g)


def average_precision(ranked: list[str], gold: set[str], match=lambda p, g: p == g) -> float:
    """AP of one ranked list: ["I10", "E11.9", "R52"] against {"I10", "R52"} -> (1/1 + 2/3) / 2."""
    if not gold:
        return 0.0
    left, hits, total = set(gold), 0, 0.0
    for k, p in enumerate(ranked, 1):
        g = next((g for g in left if match(p, g)), None)
        if g is None:
            continue
        left.discard(g)
        hits += 1
        total += hits / k
    return total / len(gold)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "tp": tp, "pred": n_pred, "gold": n_gold}


def _count_tp(pred: list[str], gold: set[str], match) -> int:
    left, tp = set(gold), 0
    for p in pred:
        g = next((g for g in left if match(p, g)), None)
        if g is not None:
            left.discard(g)
            tp += 1
    return tp


def score_system(preds: dict[str, list[tuple[str, float]]], gold: dict[str, set[str]], system: CodeSystem,
                 threshold: float) -> dict:
    """MAP and micro P/R/F1 (full code and 3-character category) for one code system."""
    match = _same(system)
    cat = (lambda c: c[:3])
    aps, tp, npred, ngold, ctp, cpred, cgold = [], 0, 0, 0, 0, 0, 0
    for doc, g in gold.items():
        ranked = list(dict.fromkeys(c for c, _ in sorted(preds.get(doc, []), key=lambda t: -t[1])))
        aps.append(average_precision(ranked, g, match))
        kept = [c for c, s in sorted(preds.get(doc, []), key=lambda t: -t[1]) if s >= threshold]
        kept = list(dict.fromkeys(kept))
        tp += _count_tp(kept, g, match); npred += len(kept); ngold += len(g)
        kc, gc = list(dict.fromkeys(cat(c) for c in kept)), {cat(c) for c in g}
        ctp += _count_tp(kc, gc, lambda p, q: p == q); cpred += len(kc); cgold += len(gc)
    for doc in preds:  # predictions for documents without gold still count as false positives
        if doc not in gold:
            kept = {c for c, s in preds[doc] if s >= threshold}
            npred += len(kept); cpred += len({cat(c) for c in kept})
    return {"map": round(sum(aps) / len(aps), 4) if aps else 0.0, "docs": len(aps),
            "micro": _prf(tp, npred, ngold), "category": _prf(ctp, cpred, cgold)}


def gold_sets(folder: Path, cm) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per document, the gold diagnosis codes in FY2026 form and the gold procedure codes."""
    gold_d = {d: {c for c in (canonical_cm(x, cm) for x in v) if c} for d, v in read_gold(folder, "D").items()}
    gold_p = {d: {canonical_pcs(x) for x in v} for d, v in read_gold(folder, "P").items()}
    return gold_d, gold_p


def code_folder(texts: dict[str, str], pipeline, setting: Setting = Setting.INPATIENT,
                stage: dict[str, float] | None = None) -> tuple[dict, dict]:
    """(diagnosis, procedure) predictions per document: [(code, confidence), ...]; per-stage
    milliseconds are summed into ``stage`` when given."""
    preds_d: dict[str, list[tuple[str, float]]] = {}
    preds_p: dict[str, list[tuple[str, float]]] = {}
    for doc_id, text in texts.items():
        enc = pipeline.code(Document(doc_id=doc_id, text=text, setting=setting))
        preds_d[doc_id] = [(c.code, c.confidence) for c in enc.codes if c.system is CodeSystem.ICD10CM]
        preds_p[doc_id] = [(c.code, c.confidence) for c in enc.codes if c.system is CodeSystem.ICD10PCS]
        if stage is not None:
            for k, v in enc.stage_ms.items():
                stage[k] = stage.get(k, 0.0) + v
    return preds_d, preds_p


def evaluate_codiesp(folder: Path, pipeline, *, split_name: str | None = None,
                     threshold: float | None = None, setting: Setting = Setting.INPATIENT) -> dict:
    """Code every English note of a CodiEsp folder and score it against ``*D.tsv`` / ``*P.tsv``.

    CodiEsp notes are hospital case reports, so they are coded as inpatient by default.
    ``threshold``: default the pipeline's operating threshold (the one the server applies).
    """
    folder = Path(folder)
    if threshold is None:
        threshold = getattr(pipeline, "operating_threshold", DEFAULT_THRESHOLD)
    texts = read_texts(folder)
    if not texts:
        raise InvalidInput("CodiEsp folder has no notes in text_files_en/")
    gold_d, gold_p = gold_sets(folder, pipeline.cm)
    stage: dict[str, float] = {}
    t0 = time.perf_counter()
    preds_d, preds_p = code_folder(texts, pipeline, setting, stage)
    elapsed = time.perf_counter() - t0
    return {"split": split_name or folder.name, "documents": len(texts), "threshold": threshold,
            "seconds": round(elapsed, 2), "stage_ms": {k: round(v, 1) for k, v in stage.items()},
            "model_versions": getattr(pipeline, "versions", {}),
            "diagnoses": score_system(preds_d, gold_d, CodeSystem.ICD10CM, threshold),
            "procedures": score_system(preds_p, gold_p, CodeSystem.ICD10PCS, threshold)}


def format_report(r: dict) -> str:
    """A plain-text table of one evaluation."""
    lines = [f"CodiEsp {r['split']}: {r['documents']} documents in {r['seconds']} s, threshold {r['threshold']}"]
    lines.append(f"{'':12}{'MAP':>7}{'P':>8}{'R':>8}{'F1':>8}{'cat P':>8}{'cat R':>8}{'cat F1':>8}")
    for name in ("diagnoses", "procedures"):
        s = r[name]
        m, c = s["micro"], s["category"]
        lines.append(f"{name:12}{s['map']:>7.3f}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}"
                     f"{c['precision']:>8.3f}{c['recall']:>8.3f}{c['f1']:>8.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Evaluate the three configurations side by side on each folder given."""
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from export.baselines import configurations

    ap = argparse.ArgumentParser(description="CodiEsp evaluation of the medcoder pipeline")
    ap.add_argument("folders", type=Path, nargs="+")
    ap.add_argument("--threshold", type=float, default=None,
                    help="operating threshold (default: each configuration's own)")
    ap.add_argument("--with-linker", action="store_true",
                    help="also the full pipeline with the code-embedding model stage (slow on CPU)")
    ap.add_argument("--with-note-model", action="store_true",
                    help="also with the label-attention note model (and with both models when --with-linker)")
    ap.add_argument("--only-models", action="store_true", help="skip the configurations without models")
    args = ap.parse_args(argv)
    cm, pcs = load_icd10cm(), load_icd10pcs()
    note_model = None
    if args.with_note_model:
        from server.models.heads import NoteModel

        note_model = NoteModel.load()
    linker = None
    if args.with_linker:
        from server.models import CodeLinker, LinkerOptions

        linker = CodeLinker.load(options=LinkerOptions(intra_op_threads=2))
    for name, pipe in configurations(cm, pcs, linker=linker, note_model=note_model):
        if args.only_models and "+" not in name:
            continue
        for folder in args.folders:
            print(f"== {name}")
            print(format_report(evaluate_codiesp(folder, pipe, threshold=args.threshold)))


if __name__ == "__main__":
    main()
