"""A light document classifier learned on CodiEsp train (``export/build_scorer.py``): one
logistic model per code over TF-IDF word uni/bigrams, pruned to its strongest features.

It re-weights the codes the lexicon finds and ranks the other candidate codes of the same
mentions; it never adds a code no mention in the note names, and a code it adds has that mention
as its evidence.
The file is optional: without it the pipeline is lexicon and rules only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from server.domain import Assertion, CodeSystem, RuleNote, Setting, Span
from server.errors import InvalidInput
from server.pipeline.entities import Mention, Sentence
from server.pipeline.findings import MAX_EVIDENCE, Finding, combine
from server.pipeline.lexicon import STOPWORDS

_TOP_EVIDENCE = 3
KNN_NEIGHBOURS = 50
KNN_WEIGHT = 0.7   # share of the nearest-neighbour vote in a code's probability (rest: logistic)
ADD_MIN = 0.05     # a supported code the lexicon mapped elsewhere is listed from this probability (ranked low)
TAIL_MIN = 0.005   # a code no phrase names is listed from this probability, at the end of the ranked list
TAIL_CAP = 0.3     # ... and never above this confidence (below the operating threshold) without fusion
TAIL_MAX = 60      # ... at most this many per note, the most probable first
TAIL_NOTE = "statistical_only"


def doc_features(sentences: Sequence[Sentence]) -> dict[str, tuple[int, int, int]]:
    """Feature -> (count, first start, first end): word unigrams and bigrams, stopwords out."""
    feats: dict[str, tuple[int, int, int]] = {}
    for s in sentences:
        toks = [t for t in s.tokens if t.norm not in STOPWORDS and not t.norm.isdigit()]
        prev = None
        for t in toks:
            for f, a in ((t.norm, t.start), (f"{prev.norm} {t.norm}" if prev else None, prev.start if prev else 0)):
                if f is None:
                    continue
                c = feats.get(f)
                feats[f] = (1, a, t.end) if c is None else (c[0] + 1, c[1], c[2])
            prev = t
    return feats


@dataclass
class Scored:
    code: str
    system: CodeSystem
    prob: float
    evidence: tuple[Span, ...]


class DocumentScorer:
    """The pruned per-code logistic models, indexed by feature for sparse scoring."""

    def __init__(self, vocab: list[str], idf: np.ndarray, codes: list[str], systems: list[str],
                 bias: np.ndarray, feat_ptr: np.ndarray, code_idx: np.ndarray, weight: np.ndarray, version: str,
                 knn: dict[str, np.ndarray] | None = None):
        if not (len(vocab) == len(idf) == len(feat_ptr) - 1 and len(codes) == len(systems) == len(bias)):
            raise InvalidInput("scorer file: inconsistent array lengths")
        if knn is not None and len(knn["post_ptr"]) != len(vocab) + 1:
            raise InvalidInput("scorer file: neighbour index does not match the vocabulary")
        self.allowed = np.ones(len(codes), dtype=bool)
        self.knn = knn
        self.n_docs = len(knn["label_ptr"]) - 1 if knn is not None else 0
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.idf, self.codes, self.bias = idf, codes, bias
        self.systems = [CodeSystem(s) for s in systems]
        self.feat_ptr, self.code_idx, self.weight = feat_ptr, code_idx, weight
        self.version = version
        counts = np.bincount(knn["label_idx"], minlength=len(codes)) if knn is not None else np.zeros(len(codes))
        self.train_counts = {c: int(n) for c, n in zip(codes, counts.tolist()) if n}
        # ICD-10-CM category -> the codes train uses in it, most used first (sibling alternatives)
        self.by_category: dict[str, list[str]] = {}
        for c, sys_ in sorted(zip(codes, systems), key=lambda t: -self.train_counts.get(t[0], 0)):
            if sys_ == CodeSystem.ICD10CM.value:
                self.by_category.setdefault(c[:3], []).append(c)

    @classmethod
    def load(cls, path: Path, icd10cm, icd10pcs=None) -> "DocumentScorer":
        """Load a scorer file; fails loudly when its codes are not in the code sets."""
        try:
            z = np.load(path, allow_pickle=False)
            knn = ({k: z[k] for k in ("post_ptr", "post_doc", "post_val", "label_ptr", "label_idx")}
                   if "post_ptr" in z.files else None)
            if knn is not None:
                knn["post_val"] = knn["post_val"].astype(np.float32)
            obj = cls([str(v) for v in z["vocab"]], z["idf"].astype(np.float32), [str(c) for c in z["codes"]],
                      [str(s) for s in z["systems"]], z["bias"].astype(np.float32), z["feat_ptr"],
                      z["code_idx"], z["weight"].astype(np.float32), str(z["version"]), knn)
        except (KeyError, ValueError, OSError) as e:
            raise InvalidInput(f"scorer file unreadable ({type(e).__name__})") from e
        for c, s in zip(obj.codes, obj.systems):
            cs = icd10cm if s is CodeSystem.ICD10CM else icd10pcs
            if cs is not None and cs.id_of(c) < 0:
                raise InvalidInput(f"scorer file: unknown {s.value} code {c}")
        if icd10pcs is None:  # no procedure code set: never suggest a procedure
            obj.allowed &= np.array([s is not CodeSystem.ICD10PCS for s in obj.systems])
        return obj

    def score(self, text: str, sentences: Sequence[Sentence], min_prob: float = 0.05) -> list[Scored]:
        """Codes with probability >= ``min_prob``, best first, each with the spans of the words
        that raised it most."""
        feats = doc_features(sentences)
        ids, vals, spans = [], [], []
        for f, (n, a, b) in feats.items():
            i = self.vocab.get(f)
            if i is not None:
                ids.append(i)
                vals.append((1.0 + math.log(n)) * self.idf[i])
                spans.append((a, b))
        if not ids:
            return []
        x = np.asarray(vals, dtype=np.float32)
        x /= max(float(np.linalg.norm(x)), 1e-6)
        ids_arr = np.asarray(ids, dtype=np.int64)
        lo, hi = self.feat_ptr[ids_arr], self.feat_ptr[ids_arr + 1]
        lengths = (hi - lo).astype(np.int64)
        if lengths.sum() == 0:
            return []
        rows = np.repeat(np.arange(len(ids)), lengths)
        flat = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)])
        ci = self.code_idx[flat]
        w = self.weight[flat] * x[rows]
        logits = self.bias + np.bincount(ci, weights=w, minlength=len(self.codes)).astype(np.float32)
        prob = 1.0 / (1.0 + np.exp(-logits))
        if self.knn is not None:
            prob = (1.0 - KNN_WEIGHT) * prob + KNN_WEIGHT * self._neighbour_vote(ids_arr, x)
        keep = np.flatnonzero((prob >= min_prob) & self.allowed)
        if keep.size == 0:
            return []
        # Evidence: per kept code, the features that pushed it up most.
        pos = (w > 0) & np.isin(ci, keep)
        order = np.lexsort((-w[pos], ci[pos]))
        ev_codes, ev_rows = ci[pos][order], rows[pos][order]
        evidence: dict[int, list[Span]] = {}
        for c, r in zip(ev_codes.tolist(), ev_rows.tolist()):
            lst = evidence.setdefault(c, [])
            if len(lst) < _TOP_EVIDENCE:
                lst.append(Span(*spans[r]))
        return [Scored(self.codes[c], self.systems[c], float(prob[c]), tuple(evidence.get(c, ())))
                for c in keep[np.argsort(-prob[keep])].tolist()]

    def _neighbour_vote(self, ids: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Per code, the similarity-weighted share of the nearest train documents that carry it."""
        k = self.knn
        lo, hi = k["post_ptr"][ids], k["post_ptr"][ids + 1]
        lengths = (hi - lo).astype(np.int64)
        vote = np.zeros(len(self.codes), np.float64)
        if lengths.sum() == 0:
            return vote
        flat = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi)])
        sims = np.bincount(k["post_doc"][flat], weights=k["post_val"][flat] * np.repeat(x, lengths),
                           minlength=self.n_docs)
        top = np.argsort(-sims)[:KNN_NEIGHBOURS]
        w = np.clip(sims[top], 0.0, None) ** 3
        if w.sum() <= 0:
            return vote
        for d, wd in zip(top.tolist(), (w / w.sum()).tolist()):
            vote[k["label_idx"][k["label_ptr"][d]:k["label_ptr"][d + 1]]] += wd
        return vote


def merge_scores(found: dict[str, Finding], scored: list[Scored], mentions: list[Mention], setting: Setting) -> None:
    """Blend classifier probabilities into the findings.

    A code found by the lexicon gains confidence when the classifier agrees. A code the
    classifier ranks from ``ADD_MIN`` that the lexicon mapped elsewhere is added when a mention
    asserted present (or possible) in a codable section names it among its candidates, and that
    mention is its evidence: "erythematous plaque" may support L53.9. Any other code from
    ``TAIL_MIN`` is added at the end of the ranked list (confidence at most ``TAIL_CAP``, below
    the operating threshold) with the words that raised it as evidence. A code whose mention
    is negated or hypothetical ("no fever") is never added.
    """
    negated = [m for m in mentions if m.assertion in (Assertion.ABSENT, Assertion.HYPOTHETICAL)]
    denied = {c.code for m in negated for c in m.candidates[:1]}
    negated_spans = [(m.start, m.end) for m in negated]
    support = _supporting_spans(mentions, setting)
    for s in scored:
        f = found.get(s.code)
        if f is not None:
            f.scores["scorer"] = s.prob
    tail: list[str] = []
    for s in scored:
        spans, assertion = support.get(s.code, ([], Assertion.PRESENT))
        if s.code in found or s.code in denied:
            continue
        if s.system is CodeSystem.ICD10PCS and setting is not Setting.INPATIENT:
            continue
        if spans and s.prob >= ADD_MIN:
            found[s.code] = Finding(s.code, s.system, round(s.prob, 4), list(spans), assertion,
                                    [RuleNote("statistical", "ranked by the document classifier (CodiEsp train) "
                                              "among the candidates of this mention")],
                                    set(), [], "scorer")
        elif s.prob >= TAIL_MIN and len(tail) < TAIL_MAX:
            # No phrase names it, yet notes worded like this one carry it: a low-ranked
            # suggestion for the coder, its evidence the words that raised it, never words
            # of a negated phrase ("denies fever" raises no fever-like code).
            evidence = [e for e in s.evidence if not any(a <= e.start and e.end <= b for a, b in negated_spans)]
            if not evidence:
                continue
            found[s.code] = Finding(s.code, s.system, round(s.prob, 4), evidence, Assertion.PRESENT,
                                    [RuleNote(TAIL_NOTE, "suggested by the document classifier (CodiEsp train) "
                                              "from the note's wording; no phrase names it")],
                                    set(), [], "scorer")
            tail.append(s.code)
    for f in found.values():
        f.confidence = combine(f)
    for c in tail:
        found[c].confidence = min(found[c].confidence, TAIL_CAP)


def _supporting_spans(mentions: list[Mention], setting: Setting) -> dict[str, tuple[list[Span], Assertion]]:
    """Code -> (spans, assertion) of the codable mentions that name it, asserted present, or
    possible where uncertain diagnoses are coded (inpatient, II.H); present wins."""
    allowed = {Assertion.PRESENT} | ({Assertion.POSSIBLE} if setting is Setting.INPATIENT else set())
    out: dict[str, tuple[list[Span], Assertion]] = {}
    for m in mentions:
        if not m.codable or m.assertion not in allowed:
            continue
        span = Span(m.start, m.end, m.section)
        for c in m.candidates:
            spans, a = out.get(c.code, ([], m.assertion))
            if len(spans) < MAX_EVIDENCE and span not in spans:  # bounded: a 1 MB note repeats terms
                spans.append(span)
            out[c.code] = (spans, Assertion.PRESENT if Assertion.PRESENT in (a, m.assertion) else a)
    return out


SIBLINGS_MAX = 3    # alternatives listed per named code
SIBLING_NOTE = "sibling"


def add_siblings(found: dict[str, Finding], by_category: dict[str, list[str]]) -> None:
    """For each code the note's words name, the codes of the same category that train notes
    used most are listed as low-ranked alternatives with the same evidence: "heart failure"
    mapped to I50.23 also offers I50.9 and I50.22, for the coder to pick if the mapping read
    too much (or too little) into the words."""
    named = [f for f in found.values() if f.textual and f.system is CodeSystem.ICD10CM and f.scores and f.reportable]
    for f in sorted(named, key=lambda f: -f.confidence):
        for c in by_category.get(f.code[:3], ())[:SIBLINGS_MAX]:
            if c in found:
                continue
            found[c] = Finding(c, f.system, round(min(f.confidence, TAIL_CAP) * 0.5, 4), list(f.evidence[:3]),
                               f.assertion, [RuleNote(SIBLING_NOTE, f"alternative to {f.code} for the same words", f.code)],
                               set(f.sections), [], SIBLING_NOTE)
