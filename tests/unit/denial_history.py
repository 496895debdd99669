"""A simulated payer history with a known denial mechanism per payer, written as the gateway would
see it: claims scored (``Denials.score``), then each payer's 835 answering them.

  BUNDLER    bundles 97110 with 97140 (its own policy, in no NCCI table): CO-97 on 90% of claims
             billing both
  NECESSITY  finds 93000 and 81002 not medically necessary: CO-50 on 85% of claims billing either
  EDITS      denies what the edits say: 85% of claims with a non-bypassable MUE or PTP edit, 40%
             with a bypassable PTP edit; it ignores Excludes1 warnings

Every payer also denies 4% of claims at random (CO-16, missing information) and any claim with
a non-bypassable MUE edit 90% of the time. The hand-set weights see only the edits, so they miss
the first two payers' policies.
"""
from __future__ import annotations

import random

from server.claims.model import Claim, ClaimLine, ClaimResult
from server.claims.risk import denial_risk
from server.domain import Edit, Severity
from tests.unit.remit_fixtures import Paid, interchange, transaction

PAYERS = ("BUNDLER", "NECESSITY", "EDITS")
CODES = ("99213", "99214", "97110", "97140", "97530", "93000", "81002", "36415", "80053", "85025",
         "71046", "20610", "J1030", "96372", "G0008", "90686", "11721", "17000", "99395", "87880")
EDITS = (("excludes1", Severity.WARN, False, 0.25), ("ncci_ptp", Severity.DENY, True, 0.12),
         ("ncci_ptp", Severity.DENY, False, 0.05), ("mue", Severity.DENY, False, 0.05))


def simulated_claim(rng: random.Random, payer: str, claim_id: str) -> tuple[Claim, ClaimResult]:
    codes = rng.sample(CODES, rng.randint(2, 6))
    if rng.random() < 0.2:   # the policy codes turn up more often than chance alone
        codes += rng.choice((["97110", "97140"], ["93000"], ["81002"]))
    edits = tuple(Edit(kind, sev, "simulated", bypass_modifier_allowed=byp)
                  for kind, sev, byp, p in EDITS if rng.random() < p)
    claim = Claim(claim_id, tuple(ClaimLine(c) for c in codes), payer=payer)
    return claim, ClaimResult(claim_id, edits, denial_risk(edits))


def payer_denies(rng: random.Random, claim: Claim, result: ClaimResult) -> str | None:
    """The CARC the payer denies ``claim`` with, or None when it pays."""
    codes = {ln.code for ln in claim.lines}
    kinds = {(e.kind, e.bypass_modifier_allowed) for e in result.edits}
    if ("mue", False) in kinds and rng.random() < 0.9:
        return "151"
    if claim.payer == "BUNDLER" and {"97110", "97140"} <= codes and rng.random() < 0.9:
        return "97"
    if claim.payer == "NECESSITY" and codes & {"93000", "81002"} and rng.random() < 0.85:
        return "50"
    if claim.payer == "EDITS":
        if ("ncci_ptp", False) in kinds and rng.random() < 0.85:
            return "236"
        if ("ncci_ptp", True) in kinds and rng.random() < 0.4:
            return "97"
    return "16" if rng.random() < 0.04 else None


def answer(rng: random.Random, scored: list[tuple[Claim, ClaimResult]]) -> tuple[list[bool], bytes]:
    """Each payer's 835 for ``scored`` claims (one transaction per payer) and who was denied."""
    denied, by_payer = [], {}
    for claim, result in scored:
        carc = payer_denies(rng, claim, result)
        denied.append(carc is not None)
        lines = [(ln.code, 50.0, 0.0 if carc else 40.0, [("CO", carc, 50.0)] if carc else [("CO", "45", 10.0)], [])
                 for ln in claim.lines]
        charge = 50.0 * len(claim.lines)
        by_payer.setdefault(claim.payer, []).append(
            Paid(claim.claim_id, "4" if carc else "1", charge, 0.0 if carc else 40.0 * len(claim.lines), [], lines))
    txs = [transaction(claims, payer=p, check=f"EFT-{p}-{rng.randrange(10**6)}", st=f"{i + 1:04d}")
           for i, (p, claims) in enumerate(sorted(by_payer.items()))]
    return denied, interchange(txs).encode("ascii")
