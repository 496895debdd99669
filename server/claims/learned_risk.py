"""Denial risk learned from a payer's own remittances, in place of the hand-set weights of
``risk.py`` once the payer has enough history.

One logistic regression per payer (numpy, Newton steps with an L2 penalty; a logistic model's
probabilities are calibrated on the data it was fitted to, so no separate calibration step). Its
features, for a claim about to be sent to payer P:

  prior               logit of the hand-set risk (``risk.denial_risk``): the model starts from it
  edit:<key>          the claim has an edit of that kind (``ncci_ptp/bypassable``, ``excludes1/warn``)
  <group>:code        how much more often than usual P denied claims billing one of this claim's
  <group>:pair        codes (or code pairs) with a CARC of ``group`` (bundling, units, necessity...):
                      the largest smoothed log-odds ratio over the claim's codes (pairs), 0 if none
                      was denied before

"Usual" is P's own rate for that CARC group. A code billed 3 times and denied twice is shrunk
toward the usual rate (``SMOOTHING`` pseudo-claims), so a rare code does not swing the score.
While fitting, a claim's own outcome is left out of its counts (leave-one-out), or the counts
would simply repeat the answer.

    model = fit_payer("BCBS-TX", history_rows)       # rows: see ``HistoryRow``
    model.risk(edit_keys, codes, weights_risk)       # in [0, 1]
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from server.domain import Edit, Severity

SMOOTHING = 5.0        # pseudo-claims at the payer's usual rate behind every code's count
L2 = 1.0               # ridge penalty on the coefficients (not the intercept)
MAX_PAIR_LINES = 40    # codes beyond this on one claim are not paired (a 450-line claim is ~100k pairs)

# CARC -> the reason group its denials share (X12 Claim Adjustment Reason Codes, washington publishing)
CARC_GROUPS: dict[str, str] = {
    **dict.fromkeys(("97", "231", "234", "236", "B15", "B20"), "bundling"),
    **dict.fromkeys(("151", "119", "35", "273", "B5"), "units"),
    **dict.fromkeys(("50", "55", "56", "57", "58", "150", "152"), "necessity"),
    **dict.fromkeys(("96", "204", "49", "54", "110", "170", "171", "172", "B7", "B9"), "coverage"),
    **dict.fromkeys(("4", "5", "6", "7", "8", "9", "10", "11", "12", "146", "181", "182", "189", "199"), "coding"),
    **dict.fromkeys(("16", "17", "125", "226", "227", "252", "A1"), "information"),
    **dict.fromkeys(("15", "39", "62", "197", "198", "288"), "authorization"),
    **dict.fromkeys(("18", "B13"), "duplicate"),
    **dict.fromkeys(("29",), "timely_filing"),
    **dict.fromkeys(("22", "24", "26", "27", "31", "32", "33", "109", "200"), "eligibility"),
}
GROUPS = ("bundling", "units", "necessity", "coverage", "coding", "information", "authorization",
          "duplicate", "timely_filing", "eligibility", "other")
DENYING_CAS = ("CO", "OA", "PI")   # PR (patient responsibility) is a payment, not a denial


def carc_group(carc: str) -> str:
    return CARC_GROUPS.get(carc.upper(), "other")


def edit_keys(edits: Iterable[Edit]) -> list[str]:
    """The edit features of a claim: kind, ``/bypassable`` when a modifier may bypass it, ``/warn``
    for warnings; informational edits are not features."""
    out = []
    for e in edits:
        if e.severity is Severity.INFO:
            continue
        key = (e.kind + ("/bypassable" if e.bypass_modifier_allowed else "")
               + ("/warn" if e.severity is Severity.WARN else ""))
        if key not in out:
            out.append(key)
    return out


@dataclass(frozen=True)
class HistoryRow:
    """One claim scored here and later answered by the payer's 835."""

    claim_id: str
    edits: tuple[str, ...]       # ``edit_keys`` at scoring time
    codes: tuple[str, ...]       # billed line codes
    weights_risk: float          # the hand-set risk at scoring time
    denied: bool
    groups: tuple[str, ...] = ()  # CARC groups of its denying adjustments (denied claims)


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def _pairs(codes: Sequence[str]) -> list[str]:
    uniq = sorted(set(codes))[:MAX_PAIR_LINES]
    return [f"{a}+{b}" for a, b in combinations(uniq, 2)]


@dataclass
class _Counts:
    """Per item (code or pair): claims billing it, and claims denied with each CARC group."""

    billed: Counter = field(default_factory=Counter)
    denied: dict[str, Counter] = field(default_factory=lambda: {g: Counter() for g in GROUPS})
    base: dict[str, float] = field(default_factory=dict)   # usual denial rate per group

    def add(self, items: Iterable[str], groups: Iterable[str]) -> None:
        items = list(items)
        self.billed.update(items)
        for g in groups:
            self.denied[g].update(items)


@dataclass
class PayerModel:
    """A fitted model for one payer (and tenant): coefficients by feature name, and the counts its
    code and pair features read."""

    payer: str
    coef: dict[str, float]
    intercept: float
    codes: _Counts
    pairs: _Counts
    claims: int = 0
    denied: int = 0
    auc_model: float | None = None     # on the held-out quarter of the history, when it had both outcomes
    auc_weights: float | None = None   # the hand-set weights on the same held-out claims
    model_id: str = ""

    def features(self, edits: Iterable[str], codes: Sequence[str], weights_risk: float,
                 leave_out: tuple[str, ...] | None = None) -> dict[str, float]:
        """``leave_out``: the claim's own CARC groups when it is part of the counts (fitting)."""
        x = {"prior": _logit(weights_risk)}
        for key in edits:
            x[f"edit:{key}"] = 1.0
        for kind, counts, items in (("code", self.codes, sorted(set(codes))), ("pair", self.pairs, _pairs(codes))):
            for g, denied in counts.denied.items():
                if not denied:
                    continue
                base = counts.base[g]
                best = base   # the logit is monotone: find the highest rate, take one logit of it
                for it in items:
                    d = denied.get(it, 0)
                    if not d:
                        continue
                    n = counts.billed[it]
                    if leave_out is not None:
                        n -= 1
                        d -= g in leave_out
                    rate = (d + SMOOTHING * base) / (n + SMOOTHING)
                    if rate > best:
                        best = rate
                if best > base:
                    x[f"{g}:{kind}"] = _logit(best) - _logit(base)
        return x

    def score(self, x: dict[str, float]) -> float:
        z = self.intercept + sum(self.coef.get(k, 0.0) * v for k, v in x.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def risk(self, edits: Iterable[str], codes: Sequence[str], weights_risk: float) -> float:
        return round(self.score(self.features(edits, codes, weights_risk)), 4)

    # -- storage ----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        def counts(c: _Counts) -> dict[str, Any]:
            keep = {it for g in c.denied.values() for it in g}
            return {"billed": {it: c.billed[it] for it in sorted(keep)}, "base": c.base,
                    "denied": {g: dict(v) for g, v in c.denied.items() if v}}
        return {"payer": self.payer, "coef": self.coef, "intercept": self.intercept, "claims": self.claims,
                "denied": self.denied, "codes": counts(self.codes), "pairs": counts(self.pairs),
                "auc_model": self.auc_model, "auc_weights": self.auc_weights}

    @classmethod
    def from_json(cls, doc: dict[str, Any], model_id: str = "") -> "PayerModel":
        def counts(d: dict[str, Any]) -> _Counts:
            c = _Counts(billed=Counter(d["billed"]), base=dict(d["base"]))
            for g, v in d["denied"].items():
                c.denied[g] = Counter(v)
            return c
        return cls(doc["payer"], dict(doc["coef"]), float(doc["intercept"]), counts(doc["codes"]),
                   counts(doc["pairs"]), int(doc["claims"]), int(doc["denied"]), doc.get("auc_model"),
                   doc.get("auc_weights"), model_id)


def _count(rows: Sequence[HistoryRow]) -> tuple[_Counts, _Counts]:
    codes, pairs = _Counts(), _Counts()
    for r in rows:
        groups = r.groups if r.denied else ()
        codes.add(set(r.codes), groups)
        pairs.add(_pairs(r.codes), groups)
    n = max(1, len(rows))
    for c in (codes, pairs):
        # usual rate of a denial of each group, floored so a group never seen still has a base
        c.base = {g: max(sum(g in r.groups for r in rows if r.denied), 0.5) / n for g in GROUPS}
        # items only ever paid cannot raise a score; keeping them would only grow the model
        c.billed = Counter({it: v for it, v in c.billed.items() if any(it in d for d in c.denied.values())})
    return codes, pairs


def _newton(X: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Ridge logistic regression (intercept in column 0, not penalised) by Newton's method."""
    w = np.zeros(X.shape[1])
    pen = np.full(X.shape[1], l2)
    pen[0] = 1e-6
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(X @ w, -30, 30)))
        grad = X.T @ (p - y) + pen * w
        hess = (X * (p * (1 - p))[:, None]).T @ X + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _fit(payer: str, rows: Sequence[HistoryRow]) -> PayerModel:
    codes, pairs = _count(rows)
    model = PayerModel(payer, {}, 0.0, codes, pairs, len(rows), sum(r.denied for r in rows))
    feats = [model.features(r.edits, r.codes, r.weights_risk, leave_out=r.groups if r.denied else ())
             for r in rows]
    names = sorted({k for f in feats for k in f})
    X = np.zeros((len(rows), len(names) + 1))
    X[:, 0] = 1.0
    col = {k: i + 1 for i, k in enumerate(names)}
    for i, f in enumerate(feats):
        for k, v in f.items():
            X[i, col[k]] = v
    y = np.array([r.denied for r in rows], dtype=float)
    w = _newton(X, y)
    model.intercept = float(w[0])
    model.coef = {k: float(w[col[k]]) for k in names}
    return model


def auc(scores: Sequence[float], denied: Sequence[bool]) -> float | None:
    """Chance that a denied claim scores above a paid one (ties count half); None without both."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(denied, dtype=bool)
    pos, neg = int(y.sum()), int((~y).sum())
    if not pos or not neg:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    sorted_s = s[order]
    i = 0
    while i < len(s):   # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def fit_payer(payer: str, rows: Sequence[HistoryRow]) -> PayerModel:
    """Fit on three quarters of ``rows`` (by claim id, so the split is the same every run), report
    the AUC of the model and of the hand-set weights on the last quarter, then refit on all rows."""
    held = [r for r in rows if _quarter(r.claim_id)]
    train = [r for r in rows if not _quarter(r.claim_id)]
    auc_model = auc_weights = None
    if train and held and any(r.denied for r in train) and not all(r.denied for r in train):
        trial = _fit(payer, train)
        y = [r.denied for r in held]
        auc_model = auc([trial.risk(r.edits, r.codes, r.weights_risk) for r in held], y)
        auc_weights = auc([r.weights_risk for r in held], y)
    model = _fit(payer, rows)
    model.auc_model, model.auc_weights = auc_model, auc_weights
    return model


def _quarter(claim_id: str) -> bool:
    import zlib

    return zlib.crc32(claim_id.encode("utf-8", "replace")) % 4 == 0
