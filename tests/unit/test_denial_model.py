"""The per-payer denial-risk model, fitted from a simulated history with a known denial mechanism
per payer (``tests.unit.denial_history``), through the real store: claims scored, the payers' 835s
imported, ``Denials.fit``, then fresh claims scored with the fitted models."""
from __future__ import annotations

import random

import pytest

from server.claims.learned_risk import PayerModel, auc
from server.review.denials import Denials
from server.review.log import ReviewLog
from tests.unit.denial_history import PAYERS, answer, payer_denies, simulated_claim


def _history(denials: Denials, rng: random.Random, per_payer: int, prefix: str):
    scored = []
    for payer in PAYERS:
        for i in range(per_payer):
            claim, result = simulated_claim(rng, payer, f"{prefix}{payer}-{i}")
            denials.score("clinic-a", claim, result)
            scored.append((claim, result))
    denials.flush()
    return scored


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    log = ReviewLog(tmp_path_factory.mktemp("denials") / "log.db")
    denials = Denials(log, min_claims=200, min_denied=20)
    rng = random.Random(7)
    _, data = answer(rng, _history(denials, rng, 600, "H"))
    assert denials.import_835(data, tenant_id="clinic-a", actor="test").joined == 3 * 600
    reports = denials.fit()
    yield denials, reports, rng
    log.close()


def test_the_fitted_score_ranks_denials_above_payments_better_than_the_hand_set_weights(fitted):
    denials, reports, rng = fitted
    assert [(r.payer, r.fitted) for r in reports] == [("BUNDLER", True), ("EDITS", True), ("NECESSITY", True)]
    fresh = []
    for payer in PAYERS:
        for i in range(400):
            claim, result = simulated_claim(rng, payer, f"T{payer}-{i}")
            fresh.append((claim, result, denials.score("clinic-a", claim, result).denial_risk))
    denied = [payer_denies(rng, c, r) is not None for c, r, _ in fresh]
    model_auc = auc([m for *_, m in fresh], denied)
    weights_auc = auc([r.denial_risk for _, r, _ in fresh], denied)
    print(f"\nfresh claims: AUC fitted per payer {model_auc:.3f}, hand-set weights {weights_auc:.3f}")
    for r in reports:
        print(f"  {r.payer:<10} held-out quarter: AUC fitted {r.auc_model:.3f}, hand-set {r.auc_weights:.3f}")
    assert model_auc >= 0.8 and model_auc > weights_auc + 0.1
    for r in reports:   # the held-out quarter of each payer's own history says the same
        assert r.auc_model >= 0.8 and r.auc_model >= r.auc_weights


def test_a_payer_below_the_minimum_keeps_the_hand_set_weights(tmp_path):
    log = ReviewLog(tmp_path / "log.db")
    denials = Denials(log, min_claims=200, min_denied=20)
    rng = random.Random(3)
    _, data = answer(rng, _history(denials, rng, 60, "S"))
    denials.import_835(data, tenant_id="clinic-a", actor="test")
    assert all(not r.fitted for r in denials.fit())
    claim, result = simulated_claim(rng, "BUNDLER", "new")
    assert denials.score("clinic-a", claim, result).denial_risk == result.denial_risk


def test_a_stored_model_is_what_a_restarted_gateway_scores_with(fitted, tmp_path):
    denials, _, rng = fitted
    again = Denials(denials.log)
    assert again.load() == 3
    claim, result = simulated_claim(rng, "NECESSITY", "again")
    assert again.score("clinic-a", claim, result).denial_risk == denials.score("clinic-a", claim, result).denial_risk
    # another tenant's history teaches nothing about this tenant's claims
    assert again.score("clinic-b", claim, result).denial_risk == result.denial_risk
    model = again.model("clinic-a", "necessity")
    assert PayerModel.from_json(model.to_json()).coef == model.coef


def test_auc_counts_ties_as_half():
    assert auc([0.1, 0.9], [False, True]) == 1.0
    assert auc([0.5, 0.5], [False, True]) == 0.5
    assert auc([0.2, 0.3], [True, True]) is None


def test_the_shadow_report_sets_each_payers_flags_against_its_denials(fitted):
    from server.review.auth import Coder
    from server.review.pages import denials_page
    from server.review.shadow import format_report, shadow_report

    denials, _, _ = fitted
    report = shadow_report(denials.log, None, tenant_id="clinic-a", denial_threshold=0.3)
    by_payer = {p.payer: p for p in report.claims}
    assert set(by_payer) == set(PAYERS)
    for (tenant, payer), rows in denials.history("clinic-a").items():
        flagged = [r for r in rows if r["denial_risk"] >= 0.3]
        hits = sum(r["denied"] for r in flagged)
        p = by_payer[payer]
        assert (p.scored, p.flagged, p.flagged_denied) == (len(rows), len(flagged), hits)
        assert p.precision == hits / len(flagged) and p.recall == hits / sum(r["denied"] for r in rows)
    text = format_report(report)
    assert "claims: risk >= 0.3 flagged vs denied by the payer" in text and "NECESSITY" in text
    page = denials_page(Coder("alice", "clinic-a"), "csrf", report.claims, 0.3)
    assert "CO-50" in page and "<td>NECESSITY</td>" in page



def test_a_withdrawn_model_stays_withdrawn_after_a_restart(fitted, tmp_path):
    """When a refit finds the hand-set weights rank a payer's held-out claims better, ``fit`` stores
    an empty model row for it: a restarted gateway must not bring back the older fitted model."""
    denials, _, rng = fitted
    model = denials.model("clinic-a", "EDITS")
    denials._store_model("clinic-a", "EDITS", "", model, "{}")
    restarted = Denials(denials.log)
    assert restarted.load() == 2 and restarted.model("clinic-a", "EDITS") is None
    claim, result = simulated_claim(rng, "EDITS", "w1")
    assert restarted.score("clinic-a", claim, result).denial_risk == result.denial_risk
    assert restarted.model("clinic-a", "BUNDLER") is not None
