"""``medcoder report denials``: what each payer denied, why, and how much of it was seen coming.

Per (tenant, payer), over the latest answer to each claim (reversals left out):
  claims / denied     CLPs on file, and those denied (CLP02 4, or nothing paid on a positive charge)
  top CARCs           group-CARC of the denying adjustments (CO-97, CO-50...), by denied claims
  top codes           SVC procedure codes of denied claims
  top edits           edit kinds the denied claims were scored with (claims scored here only)
  edits predicted     denied claims scored here that had at least one edit
  score flagged       denied claims scored here whose risk was >= the threshold

and the shadow-mode view of the risk score (``claim_flags``): among claims scored here and answered
by the payer, precision = flagged and denied / flagged, recall = flagged and denied / denied.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from server.claims.model import REVERSAL
from server.review.log import ReviewLog

TOP = 10


@dataclass
class PayerDenials:
    tenant_id: str
    payer: str
    claims: int = 0
    denied: int = 0
    scored: int = 0             # claims scored here (joined)
    scored_denied: int = 0
    flagged: int = 0            # scored here with risk >= threshold
    flagged_denied: int = 0
    edits_predicted: int = 0    # denied, scored here, with at least one edit
    carcs: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    edits: Counter = field(default_factory=Counter)

    @property
    def precision(self) -> float | None:
        return self.flagged_denied / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.flagged_denied / self.scored_denied if self.scored_denied else None


def denial_report(log: ReviewLog, *, tenant_id: str | None = None, threshold: float = 0.5) -> list[PayerDenials]:
    """One ``PayerDenials`` per (tenant, payer), sorted by tenant then denials (most first)."""
    where, args = "WHERE rc.status <> ?", [REVERSAL]
    if tenant_id is not None:
        where += " AND rc.tenant_id = ?"
        args.append(tenant_id)
    rows = log.db.query(
        "SELECT rc.remit_claim_id, rc.tenant_id, rc.payer, rc.claim_id, rc.denied, rc.score_id, "
        "sc.denial_risk, sc.edits FROM remit_claims rc LEFT JOIN scored_claims sc ON sc.score_id = rc.score_id "
        f"JOIN remittances rm ON rm.remit_id = rc.remit_id {where} ORDER BY rc.paid_date, rm.imported_at", args)
    latest = {(r["tenant_id"], r["payer"], r["claim_id"]): r for r in rows}
    carcs, codes = _details(log, tenant_id)
    out: dict[tuple[str, str], PayerDenials] = {}
    for (tenant, payer, _), r in latest.items():
        p = out.setdefault((tenant, payer), PayerDenials(tenant, payer))
        p.claims += 1
        denied = bool(r["denied"])
        p.denied += denied
        if r["score_id"] and r["denial_risk"] is not None:
            edits = json.loads(r["edits"])
            flagged = float(r["denial_risk"]) >= threshold
            p.scored += 1
            p.scored_denied += denied
            p.flagged += flagged
            p.flagged_denied += flagged and denied
            if denied:
                p.edits_predicted += bool(edits)
                p.edits.update(edits)
        if denied:
            p.carcs.update(set(carcs.get(r["remit_claim_id"], ())))
            p.codes.update(set(codes.get(r["remit_claim_id"], ())))
    return sorted(out.values(), key=lambda p: (p.tenant_id, -p.denied, p.payer))


def _details(log: ReviewLog, tenant_id: str | None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Denying adjustments (group-CARC) and billed codes of each denied CLP."""
    where, args = "WHERE rc.denied = 1", []
    if tenant_id is not None:
        where += " AND rc.tenant_id = ?"
        args.append(tenant_id)
    carcs: dict[str, list[str]] = {}
    for r in log.db.query("SELECT ra.remit_claim_id, ra.group_code, ra.carc FROM remit_adjustments ra JOIN "
                          f"remit_claims rc ON rc.remit_claim_id = ra.remit_claim_id {where}", args):
        if r["group_code"] != "PR":
            carcs.setdefault(r["remit_claim_id"], []).append(f"{r['group_code']}-{r['carc']}")
    codes: dict[str, list[str]] = {}
    for r in log.db.query("SELECT rl.remit_claim_id, rl.code FROM remit_lines rl JOIN "
                          f"remit_claims rc ON rc.remit_claim_id = rl.remit_claim_id {where}", args):
        codes.setdefault(r["remit_claim_id"], []).append(r["code"])
    return carcs, codes


def _pct(x: float | None) -> str:
    return "  -   " if x is None else f"{x * 100:5.1f}%"


def claim_flags_table(report: list[PayerDenials], threshold: float) -> list[str]:
    """Shadow mode for payers: the risk score's flags vs what each payer later denied."""
    head = f"{'tenant':<16} {'payer':<24} {'scored':>7} {'denied':>7} {'flagged':>8} {'prec':>7} {'recall':>7}"
    lines = [f"claims: risk >= {threshold:g} flagged vs denied by the payer", head, "-" * len(head)]
    for p in report:
        lines.append(f"{p.tenant_id[:16]:<16} {p.payer[:24]:<24} {p.scored:>7} {p.scored_denied:>7} "
                     f"{p.flagged:>8} {_pct(p.precision):>7} {_pct(p.recall):>7}")
    return lines


def format_denials(report: list[PayerDenials], threshold: float) -> str:
    lines = [f"denial report: {sum(p.claims for p in report)} answered claims, "
             f"{sum(p.denied for p in report)} denied, {len(report)} payers"]
    for p in report:
        lines += ["", f"{p.tenant_id} / {p.payer}: {p.claims} claims, {p.denied} denied; of {p.scored_denied} "
                      f"denied claims scored here, edits predicted {p.edits_predicted}, the score flagged "
                      f"{p.flagged_denied} (risk >= {threshold:g})"]
        for name, c in (("CARCs", p.carcs), ("codes", p.codes), ("edits", p.edits)):
            top = ", ".join(f"{k} {v}" for k, v in c.most_common(TOP)) or "-"
            lines.append(f"  top {name}: {top}")
    lines += [""] + claim_flags_table(report, threshold)
    return "\n".join(lines)


PARQUET_COLUMNS = ("tenant_id", "payer", "dimension", "key", "denied_claims", "payer_claims", "payer_denied",
                   "edits_predicted", "score_flagged")


def write_parquet(report: list[PayerDenials], out: Path) -> int:
    """One row per (tenant, payer, dimension, key): dimension ``carc``, ``code`` or ``edit``, and a
    ``total`` row per payer (key ""), each with the payer's totals. Returns the row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = []
    for p in report:
        base = {"tenant_id": p.tenant_id, "payer": p.payer, "payer_claims": p.claims, "payer_denied": p.denied,
                "edits_predicted": p.edits_predicted, "score_flagged": p.flagged_denied}
        rows.append({**base, "dimension": "total", "key": "", "denied_claims": p.denied})
        for dim, c in (("carc", p.carcs), ("code", p.codes), ("edit", p.edits)):
            rows += [{**base, "dimension": dim, "key": k, "denied_claims": v} for k, v in c.most_common()]
    schema = pa.schema([(c, pa.int64() if c not in ("tenant_id", "payer", "dimension", "key") else pa.string())
                        for c in PARQUET_COLUMNS])
    table = pa.Table.from_pylist([{c: r[c] for c in PARQUET_COLUMNS} for r in rows], schema=schema)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    return len(rows)
