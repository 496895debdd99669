"""Train the document classifier the pipeline blends in (``server/pipeline/data/codiesp_scorer.npz``)
from CodiEsp **train** only (CC BY 4.0): one L2-regularised logistic model per code seen in at
least ``--min-docs`` train documents, over TF-IDF word uni/bigrams of the English text, each pruned
to its ``--top-k`` strongest features; plus the train documents' pruned TF-IDF vectors and codes
for a nearest-neighbour vote. Gold codes are brought to FY2026 billable forms; CodiEsp's
4-character procedure prefixes are expanded to one valid PCS code.

    python -m export.build_scorer --train ../shared/data/codiesp/train
"""
from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

import numpy as np

from rules_native.codesets import load_icd10cm, load_icd10pcs
from export.codiesp import canonical_cm, canonical_pcs, read_gold, read_texts
from server.pipeline.pipeline import analyse_sentences
from server.pipeline.scorer import doc_features
from server.pipeline.sections import SectionRules

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "codiesp_scorer.npz"
VERSION = "codiesp-train-logreg+knn-v2"
KNN_FEATURES_PER_DOC = 150


def expand_pcs(prefix: str, pcs_codes: list[str]) -> str | None:
    """One valid PCS code for a CodiEsp prefix: "BW20" -> "BW20ZZZ" (Z = none/no qualifier)."""
    if prefix in pcs_codes:
        return prefix
    hits = [c for c in pcs_codes if c.startswith(prefix)]
    return max(hits, key=lambda c: (c.count("Z"), c), default=None)


def labels(train: Path, cm, pcs) -> tuple[list[str], dict[str, list[tuple[str, str]]]]:
    docs = read_texts(train)
    pcs_codes = sorted(pcs.codes)
    out: dict[str, list[tuple[str, str]]] = {d: [] for d in docs}
    for d, codes in read_gold(train, "D").items():
        out.setdefault(d, []).extend(("ICD10CM", c) for c in {canonical_cm(x, cm) for x in codes} if c)
    cache: dict[str, str | None] = {}
    for d, codes in read_gold(train, "P").items():
        for x in {canonical_pcs(c) for c in codes}:
            if x not in cache:
                cache[x] = expand_pcs(x, pcs_codes)
            if cache[x]:
                out.setdefault(d, []).append(("ICD10PCS", cache[x]))
    return list(docs), out


def featurize(train: Path, doc_ids: list[str]) -> list[dict[str, int]]:
    texts = read_texts(train)
    rules = SectionRules.load()
    return [{f: v[0] for f, v in doc_features(analyse_sentences(texts[d], (), rules)).items()} for d in doc_ids]


def fit(X: np.ndarray, Y: np.ndarray, l2: float, epochs: int, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch Adam on the mean logistic loss of every code at once."""
    n, v = X.shape
    prior = np.clip(Y.mean(0), 1e-4, 1 - 1e-4)
    W = np.zeros((v, Y.shape[1]), np.float32)
    b = np.log(prior / (1 - prior)).astype(np.float32)
    m = np.zeros_like(W); s = np.zeros_like(W)
    for t in range(1, epochs + 1):
        P = 1.0 / (1.0 + np.exp(-(X @ W + b)))
        G = P - Y
        gW = X.T @ G / n + l2 * W
        b -= lr * 0.1 * G.mean(0)
        m = 0.9 * m + 0.1 * gW
        s = 0.999 * s + 0.001 * gW * gW
        W -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    return W, b


def build(train: Path, out: Path = OUT, *, min_docs: int = 2, min_df: int = 2, top_k: int = 60,
          l2: float = 1e-4, epochs: int = 120, lr: float = 0.02) -> dict:
    cm, pcs = load_icd10cm(), load_icd10pcs()
    doc_ids, gold = labels(train, cm, pcs)
    feats = featurize(train, doc_ids)
    df = Counter(f for d in feats for f in d)
    vocab = sorted(f for f, c in df.items() if c >= min_df)
    index = {f: i for i, f in enumerate(vocab)}
    idf = np.array([math.log((1 + len(doc_ids)) / (1 + df[f])) + 1 for f in vocab], np.float32)
    X = np.zeros((len(doc_ids), len(vocab)), np.float32)
    for r, d in enumerate(feats):
        for f, n in d.items():
            if f in index:
                X[r, index[f]] = (1 + math.log(n)) * idf[index[f]]
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-6)
    counts = Counter(c for d in doc_ids for c in set(gold.get(d, [])))
    classes = sorted(c for c, k in counts.items() if k >= min_docs)
    col = {c: j for j, c in enumerate(classes)}
    Y = np.zeros((len(doc_ids), len(classes)), np.float32)
    for r, d in enumerate(doc_ids):
        for c in set(gold.get(d, [])):
            if c in col:
                Y[r, col[c]] = 1.0
    W, b = fit(X, Y, l2, epochs, lr)
    return _save(out, vocab, idf, classes, W, b, top_k, X, Y)


def _inverted(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train documents as an inverted index (feature -> documents, values), each document kept
    to its strongest ``KNN_FEATURES_PER_DOC`` features, for nearest-neighbour scoring."""
    postings: list[list[tuple[int, float]]] = [[] for _ in range(X.shape[1])]
    for d in range(X.shape[0]):
        top = np.argsort(-X[d])[:KNN_FEATURES_PER_DOC]
        for f in top[X[d, top] > 0].tolist():
            postings[f].append((d, float(X[d, f])))
    ptr = np.cumsum([0] + [len(p) for p in postings]).astype(np.int32)
    docs = np.array([d for p in postings for d, _ in p], np.int32)
    vals = np.array([v for p in postings for _, v in p], np.float16)
    return ptr, docs, vals


def _save(out: Path, vocab, idf, classes, W, b, top_k, X, Y) -> dict:
    rows, cols, vals = [], [], []
    for j in range(W.shape[1]):
        w = W[:, j]
        top = np.argsort(-np.abs(w))[:top_k]
        top = top[np.abs(w[top]) > 1e-3]
        rows.extend(top.tolist()); cols.extend([j] * len(top)); vals.extend(w[top].tolist())
    order = sorted(range(len(rows)), key=lambda k: (rows[k], cols[k]))
    feat_ptr = np.zeros(len(vocab) + 1, np.int64)
    for k in order:
        feat_ptr[rows[k] + 1] += 1
    feat_ptr = np.cumsum(feat_ptr)
    post_ptr, post_doc, post_val = _inverted(X)
    label_ptr = np.cumsum([0] + [int(Y[d].sum()) for d in range(Y.shape[0])]).astype(np.int32)
    label_idx = np.concatenate([np.flatnonzero(Y[d]) for d in range(Y.shape[0])]).astype(np.int32)
    np.savez_compressed(
        out, vocab=np.array(vocab), idf=idf.astype(np.float16),
        codes=np.array([c for _, c in classes]), systems=np.array([s for s, _ in classes]),
        bias=b.astype(np.float32), feat_ptr=feat_ptr.astype(np.int32),
        code_idx=np.array([cols[k] for k in order], np.int32),
        weight=np.array([vals[k] for k in order], np.float16),
        post_ptr=post_ptr, post_doc=post_doc, post_val=post_val, label_ptr=label_ptr, label_idx=label_idx,
        version=np.array(VERSION))
    return {"codes": len(classes), "features": len(vocab), "weights": len(rows), "bytes": out.stat().st_size}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, required=True, help="CodiEsp train folder (never dev or test)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--min-docs", type=int, default=2)
    ap.add_argument("--top-k", type=int, default=60)
    ap.add_argument("--epochs", type=int, default=120)
    args = ap.parse_args(argv)
    print(build(args.train, args.out, min_docs=args.min_docs, top_k=args.top_k, epochs=args.epochs))


if __name__ == "__main__":
    main()
