"""What following the coding guidelines costs against CodiEsp's gold, out of fold (train only).

CodiEsp's annotators coded what a case report mentions, not what a claim may report: a symptom
integral to a diagnosis also coded, the loser of an Excludes1 pair, a past condition as if current,
even findings the note denies ("no adenopathies" -> R59.9). medcoder reports none of these, so
each costs micro-F1 on CodiEsp. This prints, pooled over the five folds of ``export.build_fusion``:

- per guideline step, the codes it takes out of the report that scored at or above the operating
  threshold, split by whether CodiEsp's gold holds them (what reporting them would add to TP / FP);
- the gold codes whose every lexicon mention in the note is negated, a relative's or hypothetical.

    python -m export.guideline_cost --train ../shared/data/codiesp/train --work build/fusion [--with-linker]

It reads the out-of-fold rows ``build_fusion`` left in ``--work`` (``rows-fusion*.npz``).
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

from export.build_fusion import fold_pipeline, fold_rates, training_rows
from export.heldout_pipeline import FOLDS
from rules_native.codesets import load_icd10cm, load_icd10pcs
from server.domain import Assertion, CodeSystem, Document, Setting
from export.codiesp import read_texts
from export.evaluate import gold_sets
from server.pipeline.fusion import Fusion, fit_logistic
from server.pipeline.pipeline import DATA, drop_nested_mined, fusion_files

_UNCODABLE = {Assertion.ABSENT: "negated", Assertion.FAMILY: "relative's", Assertion.HYPOTHETICAL: "hypothetical"}


def cost(train: Path, work: Path, linker=None) -> dict:
    cm, pcs = load_icd10cm(), load_icd10pcs()
    name = fusion_files(linker is not None, False)[0]
    z = np.load(work / f"rows-{Path(name).stem}.npz")
    threshold = Fusion.load(Path(str(DATA.joinpath(name)))).threshold   # the shipped file's
    gold, _ = gold_sets(train, cm)
    removed: Counter = Counter()
    reported: Counter = Counter()
    unreachable: Counter = Counter()
    data = [(z[f"X{j}"], z[f"y{j}"], z[f"c{j}"]) for j in range(FOLDS)]
    for k in range(FOLDS):
        pipe, held = fold_pipeline(train, work, k, cm, pcs, linker)
        pipe.fusion = Fusion(*fit_logistic(*training_rows(data, k)), "oof", rates=fold_rates(data, {k}))
        pipe.operating_threshold = threshold
        for doc_id, text in read_texts(held).items():
            g = gold.get(doc_id, set())
            doc = Document(doc_id=doc_id, text=text, setting=Setting.INPATIENT)
            findings = pipe.candidates(doc)
            pipe.fuse(findings)

            def trace(step, before, after, g=g):
                for c, f in before.items():
                    if c not in after and f.system is CodeSystem.ICD10CM and f.confidence >= threshold:
                        removed[(step, c in g)] += 1

            pipe.apply_guidelines(findings, trace)
            for c, f in findings.items():
                if f.system is CodeSystem.ICD10CM and f.confidence >= threshold:
                    reported[c in g] += 1
            unreachable.update(_uncodable_gold(pipe, doc, g, findings))
    n_gold = sum(len(v) for v in gold.values())
    steps = {}
    for step in dict.fromkeys(s for s, _ in removed):
        steps[step] = {"gold": removed[(step, True)], "not_gold": removed[(step, False)]}
    tp, fp = reported[True], reported[False]
    add_tp = sum(v["gold"] for v in steps.values())
    add_fp = sum(v["not_gold"] for v in steps.values())
    return {"threshold": threshold, "gold": n_gold, "reported": {"tp": tp, "fp": fp, "f1": _f1(tp, tp + fp, n_gold)},
            "removed_at_or_above_threshold": steps,
            "f1_if_all_were_reported": _f1(tp + add_tp, tp + fp + add_tp + add_fp, n_gold),
            "gold_only_mentioned_as": dict(unreachable)}


def _f1(tp: int, pred: int, gold: int) -> float:
    return round(2 * tp / (pred + gold), 4) if pred + gold else 0.0


def _uncodable_gold(pipe, doc: Document, gold: set[str], findings) -> Counter:
    """Gold codes the note names only in a negated, relative's or hypothetical mention."""
    sentences = pipe._sentences(doc)
    mentions = drop_nested_mined([m for src in pipe.sources for m in src.find(doc.text, sentences)])
    pipe._assert(mentions, sentences)
    seen: dict[str, set[Assertion]] = {}
    for m in mentions:
        for c in m.candidates:
            seen.setdefault(c.code, set()).add(m.assertion)
    out: Counter = Counter()
    for c in gold - set(findings):
        kinds = seen.get(c, set())
        if len(kinds) == 1 and next(iter(kinds)) in _UNCODABLE:
            out[_UNCODABLE[next(iter(kinds))]] += 1
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--work", type=Path, required=True, help="the --work folder of export.build_fusion")
    ap.add_argument("--with-linker", action="store_true", help="the fusion learned with the model stage on")
    args = ap.parse_args(argv)
    linker = None
    if args.with_linker:
        from server.models import CodeLinker, LinkerOptions

        linker = CodeLinker.load(options=LinkerOptions(intra_op_threads=2))
    print(json.dumps(cost(args.train, args.work, linker), indent=1))


if __name__ == "__main__":
    main()
