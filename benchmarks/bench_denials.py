"""Denials that teach: how well the per-payer fitted risk ranks denials next to the hand-set
weights, and what importing, fitting and scoring cost, on a simulated history with a known
denial mechanism per payer (``tests.unit.denial_history``: one payer bundles a code pair of its
own, one finds two codes not medically necessary, one denies what the edits say).

    python -m benchmarks.bench_denials [--claims-per-payer N] [--fresh N]

Prints, per payer and pooled, the AUC (a denied claim scored above a paid one) of the risk served
after ``fit`` (the payer's fitted model, or the hand-set weights where those ranked its held-out
claims better) and of the hand-set weights on fresh claims the fit never saw, then 835 import rate, fit
time, and the cost of ``Denials.score`` per claim with and without a fitted model (the part of
``ScoreClaim`` this adds; ``benchmarks.bench_ncci`` measures the edits themselves).
"""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    from server.claims.learned_risk import auc
    from server.review.denials import Denials
    from server.review.log import ReviewLog
    from tests.unit.denial_history import PAYERS, answer, payer_denies, simulated_claim

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims-per-payer", type=int, default=2000)
    ap.add_argument("--fresh", type=int, default=2000, help="fresh claims per payer to judge the ranking on")
    args = ap.parse_args(argv)
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as tmp:
        log = ReviewLog(Path(tmp) / "decisions.sqlite3")
        denials = Denials(log)
        scored = [simulated_claim(rng, p, f"{p}-{i}") for p in PAYERS for i in range(args.claims_per_payer)]
        t = time.perf_counter()
        for claim, result in scored:
            denials.score("bench", claim, result)
        weights_score_s = (time.perf_counter() - t) / len(scored)
        denials.flush()
        _, data = answer(rng, scored)
        t = time.perf_counter()
        imported = denials.import_835(data, tenant_id="bench", actor="bench")
        import_s = time.perf_counter() - t
        t = time.perf_counter()
        reports = denials.fit()
        fit_s = time.perf_counter() - t

        fresh = [simulated_claim(rng, p, f"fresh-{p}-{i}") for p in PAYERS for i in range(args.fresh)]
        t = time.perf_counter()
        fitted = [denials.score("bench", c, r).denial_risk for c, r in fresh]
        model_score_s = (time.perf_counter() - t) / len(fresh)
        denied = [payer_denies(rng, c, r) is not None for c, r in fresh]
        log.close()

    print(f"simulated history: {len(scored):,} claims scored, {imported.claims:,} answered by 835 "
          f"({sum(r.denied for r in reports):,} denied); fresh claims: {len(fresh):,}")
    print(f"{'payer':<10} {'AUC served':>10} {'AUC hand-set':>12} {'ratio':>6}   served   "
          "(held-out quarter of history: fitted / hand-set)")
    for payer, rep in zip(PAYERS, sorted(reports, key=lambda r: PAYERS.index(r.payer))):
        idx = [i for i, (c, _) in enumerate(fresh) if c.payer == payer]
        a_fit = auc([fitted[i] for i in idx], [denied[i] for i in idx])
        a_w = auc([fresh[i][1].denial_risk for i in idx], [denied[i] for i in idx])
        served = "fitted " if rep.fitted else "weights"
        print(f"{payer:<10} {a_fit:>10.3f} {a_w:>12.3f} {a_fit / a_w:>6.2f}   {served}  "
              f"({rep.auc_model:.3f} / {rep.auc_weights:.3f})")
    a_fit, a_w = auc(fitted, denied), auc([r.denial_risk for _, r in fresh], denied)
    print(f"{'pooled':<10} {a_fit:>10.3f} {a_w:>12.3f} {a_fit / a_w:>6.2f}")
    print(f"835 import: {imported.claims / import_s:,.0f} claims/s ({imported.adjustments:,} CAS rows, one transaction, "
          f"{import_s:.2f} s); fit of {len(reports)} payers: {fit_s:.2f} s")
    print(f"Denials.score per claim: {weights_score_s * 1e6:.1f} us with the hand-set weights, "
          f"{model_score_s * 1e6:.1f} us with a fitted model ({model_score_s / weights_score_s:.1f}x)")


if __name__ == "__main__":
    main()
