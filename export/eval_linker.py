"""Recall of the code linker on held-out synonyms and on CodiEsp dev.

    python -m export.eval_linker --data ../shared/data --model-dir model_repository/code_linker
    python -m export.eval_linker --baseline   # also the untuned all-MiniLM-L6-v2 (384-d, fp32)

What is measured:

- ``heldout/<source>``: texts never trained on (``linker_data.split_heldout``, seed 13): index
  phrases, inclusion terms, abbreviations. A hit at k: any of the text's codes in the top k.
- ``codiesp_dev_es_evidence``: the Spanish evidence strings of devX.tsv (DIAGNOSTICO rows) linked
  as they are. The encoder is English-only, so this is a floor, not a target.
- ``codiesp_dev_en_sentences``: the English dev text has no offsets, so each sentence is linked
  (top 10) and a document's candidates are the union; recall of its gold diagnosis codes (brought
  to target rows), exact and at 3 characters. This is the candidate recall a pipeline fusing
  embedding candidates with its lexicon could reach.
"""
from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from export.linker_data import build_pairs, resolve_code, split_heldout, target_codes
from rules_native.codesets import load_icd10cm
from server.models import CodeLinker


def recall_at(linker: CodeLinker, texts: list[str], golds: list[set[str]], ks=(1, 10)) -> dict:
    ids, _ = linker.nearest_codes(linker.embed_mentions(texts), max(ks))
    codes = linker.index.codes
    out = {"n": len(texts)}
    for k in ks:
        hits = [bool(gold & {str(codes[i]) for i in row[:k]}) for row, gold in zip(ids, golds)]
        out[f"recall@{k}"] = round(float(np.mean(hits)), 4) if hits else 0.0
    return out


def heldout_recall(linker: CodeLinker, cm, data_dir: Path) -> dict:
    _, pairs = build_pairs(cm, data_dir)
    _, held = split_heldout(pairs)
    by_source: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for p in held:
        if p.source != "parent":
            by_source[p.source][p.text].add(p.code)
    return {f"heldout/{s}": recall_at(linker, list(g), list(g.values())) for s, g in by_source.items()}


def gold_code(cm, raw: str, targets: set[str]) -> str | None:
    """CodiEsp's "w19.xxx" / "n44.8" -> a target row (W19, N44.8)."""
    code = raw.strip().upper()
    while code.endswith(("X", ".")) and len(code) > 3:
        code = code[:-1]
    return resolve_code(cm, code, targets)


def spanish_evidence(linker: CodeLinker, cm, targets: set[str], dev: Path) -> dict:
    texts, golds = [], []
    with open(dev / "devX.tsv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            code = gold_code(cm, row[2], targets) if row[1] == "DIAGNOSTICO" else None
            if code:
                texts.append(row[3])
                golds.append({code})
    return recall_at(linker, texts, golds)


def _dev_gold(cm, targets: set[str], dev: Path) -> dict[str, set[str]]:
    gold: dict[str, set[str]] = defaultdict(set)
    with open(dev / "devD.tsv", encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            code = gold_code(cm, row[1], targets)
            if code:
                gold[row[0]].add(code)
    return gold


def english_sentences(linker: CodeLinker, cm, targets: set[str], dev: Path, k: int = 10) -> dict:
    gold = _dev_gold(cm, targets, dev)
    hit = hit3 = total = total3 = cands = 0
    for doc, codes in sorted(gold.items()):
        text = (dev / "text_files_en" / f"{doc}.txt").read_text(encoding="utf-8")
        sents = [s.strip() for s in text.splitlines() if s.strip()]
        found = {c for row in linker.link(sents, k) for c, _ in row}
        cats = {c[:3] for c in codes}
        cands += len(found)
        hit += len(codes & found)
        hit3 += len(cats & {c[:3] for c in found})
        total += len(codes)
        total3 += len(cats)
    return {"docs": len(gold), "gold_codes": total, f"recall_union_top{k}": round(hit / max(total, 1), 4),
            f"recall3_union_top{k}": round(hit3 / max(total3, 1), 4),
            "candidates_per_doc": round(cands / max(len(gold), 1), 1)}


def evaluate(linker: CodeLinker, data_dir: Path) -> dict:
    cm = load_icd10cm()
    targets = set(target_codes(cm))
    dev = data_dir / "codiesp" / "dev"
    report = heldout_recall(linker, cm, data_dir)
    report["codiesp_dev_es_evidence"] = spanish_evidence(linker, cm, targets, dev)
    report["codiesp_dev_en_sentences"] = english_sentences(linker, cm, targets, dev)
    return report


def baseline_linker(build: Path) -> CodeLinker:
    """Untuned all-MiniLM-L6-v2 (mean pooled, 384-d, fp32 ONNX) behind the same runtime."""
    import torch

    from export.build_code_index import build_index
    from export.export_onnx import export
    from export.linker_model import LinkerEncoder, base_model_dir, load_base
    from server.models import LinkerOptions, open_embedder

    model = LinkerEncoder(load_base(), 384)
    model.proj.weight.data = torch.eye(384)
    path = export(model, build / "baseline" / "model.onnx")
    enc = open_embedder(path, base_model_dir() / "tokenizer.json", options=LinkerOptions(intra_op_threads=2))
    return CodeLinker(enc, build_index(load_icd10cm(), enc, ""))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data"))
    ap.add_argument("--model-dir", type=Path, default=Path("model_repository/code_linker"))
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--build", type=Path, default=Path("build/linker"))
    a = ap.parse_args(argv)
    from server.models import LinkerOptions

    results = {"code_linker_int8": evaluate(
        CodeLinker.load(a.model_dir, LinkerOptions(intra_op_threads=2)), a.data)}
    if a.baseline:
        results["base_minilm_fp32"] = evaluate(baseline_linker(a.build), a.data)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
