"""Fusion: one learned probability per candidate code from everything that supports it.

The lexicon, the mined terms, the document classifier and the code-embedding model each give a
candidate code a score; how much each is worth, and how a code's history on train should move it,
is learned (``export/build_fusion.py``) as a logistic model on **out-of-fold** candidates of
CodiEsp train: every train note is coded by a pipeline whose learned files were built without it,
and each candidate is labelled by whether the note's gold holds it. The result is a calibrated
confidence ("0.62 means right about 62% of the time on unseen notes") that orders the ranked list
and that the operating threshold applies to.

File (``server/pipeline/data/fusion.json``)::

    {"version": 1, "name": "...", "features": ["lexicon", ...], "weights": [...], "bias": -2.1,
     "threshold": 0.35, "rates": {"prior": 0.2, "counts": {"R52": "41/160", "R52*": "..."}},
     "metrics": {...}}

``rates`` holds how often each candidate code, and each 3-character category (``R52*``), was in
the gold out of fold: "pain" -> R52 is a candidate in many notes and right in a quarter of them.

Without the file the pipeline keeps its hand-set noisy-OR (``guidelines.combine``).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from server.domain import Assertion, CodeSystem
from server.errors import InvalidInput
from server.pipeline.findings import Finding, combine
from server.pipeline.scorer import SIBLING_NOTE, TAIL_NOTE

FEATURES = (
    "lexicon", "mined", "scorer", "model",              # best support per source, 0 when absent
    "has_lexicon", "has_mined", "has_scorer", "has_model",
    "noisy_or",                                          # the hand-set combination, as a feature
    "log_evidence",                                      # log(1 + spans)
    "possible", "historical",                            # assertion (present is the reference)
    "calibration",                                       # the lexicon's precision on this code (train)
    "log_prior",                                         # log(1 + train documents with this code)
    "unseen",                                            # the code never occurs in train
    "symptom",                                           # an R code
    "external",                                          # V-Y external causes, Z factors
    "tail",                                              # no phrase names it (classifier only)
    "procedure",                                         # an ICD-10-PCS code
    "scorer_rel",                                        # classifier score / the note's best one
    "lexicon_rel",                                       # noisy-OR / the note's best one
    "sibling",                                           # listed as an alternative to a named code
    "model_sim",                                         # code-embedding cosine, best phrase of the note
    "has_model_sim",
    "attention",                                         # label-attention classifier probability
    "attention_rel",                                     # ... / the note's best one
    "has_attention",                                     # a note model ran and the code is one of its labels
)
# Pairwise products of these go in too: the model learns, say, that a classifier score counts for
# more when no phrase names the code than when the lexicon already does.
INTERACT = ("lexicon", "mined", "scorer", "noisy_or", "tail", "scorer_rel", "lexicon_rel", "log_evidence",
            "calibration", "sibling", "model_sim", "attention", "attention_rel")
_PAIRS = tuple((a, b) for i, a in enumerate(INTERACT) for b in INTERACT[i:])
MATRIX_COLUMNS = FEATURES + tuple(f"{a}*{b}" for a, b in _PAIRS)   # what FusionContext.matrix gives
_PAIR_IDX = tuple((FEATURES.index(a), FEATURES.index(b)) for a, b in _PAIRS)
# How often the code / its category was right as a candidate out of fold (smoothed rate, log rows);
# from ``CandidateRates``, the last columns.
RATE_FEATURES = ("code_rate", "code_rows", "category_rate", "category_rows")
COLUMNS = MATRIX_COLUMNS + RATE_FEATURES
_AT = {name: i for i, name in enumerate(FEATURES)}
# note-relative columns: (column, the column it is the note-relative form of)
_RELATIVE = ((_AT["scorer_rel"], _AT["scorer"]), (_AT["lexicon_rel"], _AT["noisy_or"]),
             (_AT["attention_rel"], _AT["attention"]))


class CandidateRates:
    """How often each candidate code and each category held a gold code out of fold, smoothed
    toward the overall rate (``SMOOTHING`` pseudo-rows): rare codes say little either way."""

    SMOOTHING = 5.0
    MIN_ROWS = 2   # codes seen once are left to the prior (and out of the file)

    def __init__(self, counts: dict[str, tuple[int, int]] | None = None, prior: float = 0.0):
        self.counts = counts or {}
        self.prior = prior

    @classmethod
    def from_rows(cls, codes, labels) -> "CandidateRates":
        pos: dict[str, int] = {}
        rows: dict[str, int] = {}
        for c, y in zip(codes, labels):
            for key in (str(c), str(c)[:3] + "*"):
                rows[key] = rows.get(key, 0) + 1
                pos[key] = pos.get(key, 0) + int(y)
        total = len(labels)
        prior = float(np.sum(labels)) / total if total else 0.0
        return cls({k: (pos[k], n) for k, n in rows.items() if n >= cls.MIN_ROWS}, prior)

    def columns(self, codes) -> np.ndarray:
        """(len(codes), 4): code rate, log(1 + code rows), category rate, log(1 + category rows)."""
        out = np.empty((len(codes), len(RATE_FEATURES)), dtype=np.float64)
        for i, c in enumerate(codes):
            for j, key in enumerate((str(c), str(c)[:3] + "*")):
                p, n = self.counts.get(key, (0, 0))
                out[i, 2 * j] = (p + self.SMOOTHING * self.prior) / (n + self.SMOOTHING)
                out[i, 2 * j + 1] = math.log1p(n)
        return out

    def to_json(self) -> dict:
        return {"prior": round(self.prior, 6), "counts": {k: f"{p}/{n}" for k, (p, n) in sorted(self.counts.items())}}

    @classmethod
    def from_json(cls, data: dict | None) -> "CandidateRates":
        if not data:
            return cls()
        counts = {}
        for k, v in data["counts"].items():
            p, n = str(v).split("/")
            counts[str(k)] = (int(p), int(n))
        return cls(counts, float(data["prior"]))


class Fusion:
    def __init__(self, weights: np.ndarray, bias: float, name: str = "", threshold: float | None = None,
                 rates: CandidateRates | None = None):
        if weights.shape != (len(COLUMNS),):
            raise InvalidInput(f"fusion file: expected {len(COLUMNS)} weights")
        self.weights = weights.astype(np.float64)
        self.bias = float(bias)
        self.name = name
        self.threshold = threshold
        self.rates = rates or CandidateRates()

    @classmethod
    def load(cls, path: Path) -> "Fusion":
        try:
            data = json.loads(Path(path).read_text("utf-8"))
            if data.get("version") != 1 or list(data["features"]) != list(COLUMNS):
                raise InvalidInput("fusion file: version or feature list does not match this code")
            return cls(np.asarray(data["weights"], dtype=np.float64), float(data["bias"]), str(data.get("name", "")),
                       data.get("threshold"), CandidateRates.from_json(data.get("rates")))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise InvalidInput(f"fusion file unreadable ({type(e).__name__})") from e

    def save(self, path: Path, metrics: dict | None = None) -> None:
        Path(path).write_text(json.dumps({
            "version": 1, "name": self.name, "features": list(COLUMNS),
            "weights": [round(float(w), 6) for w in self.weights], "bias": round(self.bias, 6),
            "threshold": self.threshold, "rates": self.rates.to_json(), "metrics": metrics or {}},
            indent=1) + "\n", encoding="utf-8")

    def apply(self, found: dict[str, Finding], context: "FusionContext") -> None:
        """Set each finding's confidence to the fused probability."""
        if not found:
            return
        codes = list(found)
        X = np.hstack([context.matrix([found[c] for c in codes]), self.rates.columns(codes)])
        p = 1.0 / (1.0 + np.exp(-(X @ self.weights + self.bias)))
        for c, v in zip(codes, p.tolist()):
            found[c].confidence = round(v, 4)


class FusionContext:
    """What the features need beyond the finding: per-code lexicon precision and train counts."""

    def __init__(self, calibration=None, train_counts: dict[str, int] | None = None):
        self.calibration = calibration
        self.train_counts = train_counts or {}

    def matrix(self, findings: list[Finding]) -> np.ndarray:
        """One feature row per finding of one note (some features are relative to the note)."""
        X = np.stack([self.features(f) for f in findings])
        # relative to what the note may report: a past condition listed below the threshold sets no scale
        mask = [f.reportable for f in findings]
        ref = X[mask] if any(mask) else X
        for rel, col in _RELATIVE:
            X[:, rel] = X[:, col] / max(float(ref[:, col].max()), 1e-6)
        return np.hstack([X, np.stack([X[:, a] * X[:, b] for a, b in _PAIR_IDX], axis=1)])

    def features(self, f: Finding) -> np.ndarray:
        """The row of one finding; the note-relative columns are left 0 (see ``matrix``)."""
        s = f.scores
        x = np.zeros(len(FEATURES), dtype=np.float64)
        for k in ("lexicon", "mined", "scorer", "model"):
            x[_AT[k]] = min(max(float(s.get(k, 0.0)), 0.0), 1.0)
            x[_AT["has_" + k]] = 1.0 if k in s else 0.0
        x[_AT["noisy_or"]] = combine(f)
        x[_AT["log_evidence"]] = math.log1p(len(f.evidence))
        x[_AT["possible"]] = 1.0 if f.assertion is Assertion.POSSIBLE else 0.0
        x[_AT["historical"]] = 1.0 if f.assertion is Assertion.HISTORICAL else 0.0
        x[_AT["calibration"]] = self.calibration.rate(f.system, f.code) if self.calibration is not None else 0.5
        n = self.train_counts.get(f.code, 0)
        x[_AT["log_prior"]] = math.log1p(n)
        x[_AT["unseen"]] = 1.0 if n == 0 else 0.0
        x[_AT["symptom"]] = 1.0 if f.code[:1] == "R" else 0.0
        x[_AT["external"]] = 1.0 if f.code[:1] in "VWXYZ" else 0.0
        x[_AT["tail"]] = 1.0 if any(n.kind == TAIL_NOTE for n in f.notes) else 0.0
        x[_AT["procedure"]] = 1.0 if f.system is CodeSystem.ICD10PCS else 0.0
        x[_AT["sibling"]] = 1.0 if SIBLING_NOTE in s else 0.0
        if f.similarity is not None:
            x[_AT["model_sim"]], x[_AT["has_model_sim"]] = f.similarity, 1.0
        if f.attention is not None:
            x[_AT["attention"]], x[_AT["has_attention"]] = f.attention, 1.0
        return x


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-3, iters: int = 50) -> tuple[np.ndarray, float]:
    """Newton's method on the mean L2-regularised logistic loss (features standardised inside,
    weights returned on the raw scale)."""
    mu, sd = X.mean(0), X.std(0)
    sd = np.where(sd > 1e-9, sd, 1.0)
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-(Z @ w)))
        g = Z.T @ (p - y) / len(y) + reg * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z / len(y) + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[:-1] / sd
    bias = w[-1] - float((w[:-1] * mu / sd).sum())
    return weights, bias
