"""Denials that teach: 835 remittances in the decision store, joined to the claims scored here,
and the per-payer risk models fitted from them (``server.claims.learned_risk``).

    denials = Denials(review_log, min_claims=200)
    denials.import_835(data, tenant_id="clinic-a", actor="alice", channel="cli")   # ImportResult
    result = denials.score("clinic-a", claim, result)   # the payer's model, else the hand-set weights
    denials.fit()                                       # refit every payer with enough history

Import is all or nothing: the file is read whole first (``read_835`` raises one InvalidInput for
a truncated, garbled or wrong-version file) and then written in one transaction. A file already
imported for the tenant (same bytes) imports nothing; so does a CLP already on file for the same
payer, check / EFT trace, claim id, payer claim number and status (the same payment sent in a new
envelope). Each CLP is joined to the latest time its claim id was scored here for that tenant.

Claims scored through ``ScoreClaim`` are queued and appended in batches on a writer thread (one
commit per batch), so scoring never waits on the database; they hold claim ids, the payer, edit
kinds and billed codes, never patient data.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

from server.claims.learned_risk import DENYING_CAS, HistoryRow, PayerModel, carc_group, edit_keys, fit_payer
from server.claims.model import REVERSAL, Claim, ClaimResult
from server.claims.x12 import read_835
from server.errors import InvalidInput
from server.review.log import ReviewLog, now

log = logging.getLogger("medcoder.denials")

MIN_CLAIMS, MIN_DENIED = 200, 20   # below either, a payer keeps the hand-set weights
_SCORED_COLS = ("score_id", "tenant_id", "claim_id", "payer", "scored_at", "denial_risk", "weights_risk",
                "risk_model", "edits", "codes")


@dataclass(frozen=True)
class ImportResult:
    remit_id: str          # "" when the file was imported before
    claims: int            # CLP rows stored now
    adjustments: int       # CAS rows stored now
    lines: int             # SVC rows stored now
    joined: int            # of the stored CLPs, how many answer a claim scored here
    skipped: int           # CLPs already on file (this file or the same payment in another)
    already_imported: bool = False


@dataclass(frozen=True)
class FitReport:
    tenant_id: str
    payer: str
    claims: int
    denied: int
    fitted: bool           # False: the hand-set weights stay (too little history, or they rank better)
    auc_model: float | None = None
    auc_weights: float | None = None
    why: str = ""

    def line(self) -> str:
        def f(x):
            return "   -  " if x is None else f"{x:6.3f}"
        what = "fitted" if self.fitted else f"hand-set weights ({self.why})"
        return (f"{self.tenant_id:<16} {self.payer[:24]:<24} {self.claims:>7} {self.denied:>7} "
                f"{f(self.auc_model)} {f(self.auc_weights)}  {what}")


FIT_HEADER = f"{'tenant':<16} {'payer':<24} {'claims':>7} {'denied':>7} {'AUC':>6} {'AUC-w':>6}  model"


def payer_key(payer: str) -> str:
    """Payers are matched on their identifier (835 N1*PR N104, 837 NM1*PR NM109) or name, case- and
    space-insensitively."""
    return " ".join(payer.split()).upper()


class Denials:
    """Remittances, scored claims and per-payer models of one review log. Thread-safe."""

    def __init__(self, review_log: ReviewLog, *, min_claims: int = MIN_CLAIMS, min_denied: int = MIN_DENIED,
                 flush_every_s: float = 0.5, max_pending: int = 100_000):
        self.log, self.db = review_log, review_log.db
        self.min_claims, self.min_denied = min_claims, min_denied
        self.flush_every_s, self.max_pending = flush_every_s, max_pending
        self._models: dict[tuple[str, str], PayerModel] = {}
        self._pending: deque[tuple] = deque()
        self._lock, self._write_lock = threading.Lock(), threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped = 0

    # -- scoring ----------------------------------------------------------------------------
    def score(self, tenant_id: str, claim: Claim, result: ClaimResult) -> ClaimResult:
        """``result`` with the payer's fitted risk in place of the hand-set one when that payer has
        a model, and the scored claim queued for the store (it is what a later 835 joins to)."""
        if result.error:
            return result
        keys = edit_keys(result.edits)
        codes = [ln.code for ln in claim.lines if ln.code]
        model = self._models.get((tenant_id, payer_key(claim.payer))) if self._models else None
        risk = model.risk(keys, codes, result.denial_risk) if model is not None else result.denial_risk
        row = (uuid.uuid4().hex, tenant_id, claim.claim_id[:64], payer_key(claim.payer)[:80], now(), risk,
               result.denial_risk, model.model_id if model is not None else "weights", json.dumps(keys),
               json.dumps(codes[:450]))
        with self._lock:
            if len(self._pending) < self.max_pending:
                self._pending.append(row)
            else:
                self.dropped += 1
        return replace(result, denial_risk=risk) if model is not None else result

    def flush(self) -> int:
        """Append the queued scored claims in one transaction; a failing database keeps them queued."""
        with self._write_lock:
            with self._lock:
                rows, self._pending = list(self._pending), deque()
            if not rows:
                return 0
            sql = f"INSERT INTO scored_claims ({', '.join(_SCORED_COLS)}) VALUES ({', '.join('?' * len(_SCORED_COLS))})"
            try:
                with self.db.transaction():
                    for row in rows:
                        self.db.execute(sql, row)
            except Exception as e:  # noqa: BLE001 - scoring goes on; the rows retry next round
                with self._lock:
                    self._pending.extendleft(reversed(rows[-self.max_pending:]))
                log.error("denials: cannot append %d scored claims (%s); retrying", len(rows), type(e).__name__)
                return 0
            return len(rows)

    def start(self, *, refit_every_s: float = 0.0, leader: bool = True) -> None:
        """Load the stored models and start the writer; with ``refit_every_s`` > 0 refit (the
        ``leader`` process, which stores the models) or reload (the others) that often."""
        self.load()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(refit_every_s, leader),
                                            name="medcoder-denials", daemon=True)
            self._thread.start()

    def _run(self, refit_every_s: float, leader: bool) -> None:
        import time

        next_fit = time.monotonic() + refit_every_s
        while not self._stop.wait(self.flush_every_s):
            self.flush()
            if refit_every_s > 0 and time.monotonic() >= next_fit:
                next_fit = time.monotonic() + refit_every_s
                try:
                    self.fit() if leader else self.load()
                except Exception as e:  # noqa: BLE001 - the current models stay; next round retries
                    log.error("denials: scheduled refit failed (%s)", type(e).__name__)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.flush()

    # -- remittances ------------------------------------------------------------------------
    def import_835(self, data: bytes, *, tenant_id: str, actor: str, channel: str = "cli") -> ImportResult:
        """Store one 835 file for ``tenant_id`` (all of it or, on any error, none of it)."""
        try:
            remits = read_835(data)
        except InvalidInput as e:
            if channel != "grpc":
                self.log.audit(channel, actor, tenant_id, "import-remittance", "remittance", "failed: INVALID_ARGUMENT")
            raise e
        digest = hashlib.sha256(data).hexdigest()
        with self.db.transaction():
            if self.db.query("SELECT 1 FROM remittances WHERE tenant_id = ? AND digest = ?", (tenant_id, digest)):
                result = ImportResult("", 0, 0, 0, 0, sum(len(r.claims) for r in remits), already_imported=True)
            else:
                result = self._store(remits, digest, tenant_id, actor)
            if channel != "grpc":   # the gRPC access audit records ReportRemittance itself
                self.log.audit(channel, actor, tenant_id, "import-remittance",
                               f"remittance:{result.remit_id}" if result.remit_id else "remittance",
                               f"ok: {result.claims} claims, {result.skipped} already on file")
        return result

    def _store(self, remits, digest: str, tenant_id: str, actor: str) -> ImportResult:
        remit_id = uuid.uuid4().hex
        n_claims = n_adj = n_lines = joined = skipped = 0
        for r in remits:
            payer = payer_key(r.payer)
            for c in r.claims:
                key = (tenant_id, payer, r.check, c.claim_id, c.payer_claim_id, c.status)
                if self.db.query("SELECT 1 FROM remit_claims WHERE tenant_id = ? AND payer = ? AND check_number = ? "
                                 "AND claim_id = ? AND payer_claim_id = ? AND status = ?", key):
                    skipped += 1
                    continue
                rcid = uuid.uuid4().hex
                scored = self.db.query("SELECT score_id FROM scored_claims WHERE tenant_id = ? AND claim_id = ? "
                                       "ORDER BY scored_at DESC LIMIT 1", (tenant_id, c.claim_id))
                score_id = scored[0]["score_id"] if scored else ""
                self.db.execute(
                    "INSERT INTO remit_claims (remit_claim_id, remit_id, tenant_id, payer, check_number, paid_date, "
                    "claim_id, payer_claim_id, status, charge, paid, patient_resp, denied, rarcs, score_id) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (rcid, remit_id, tenant_id, payer, r.check, r.paid_date, c.claim_id, c.payer_claim_id, c.status,
                     c.charge, c.paid, c.patient_resp, int(c.denied), " ".join(c.rarcs), score_id))
                for seq, a in enumerate(c.adjustments):
                    self.db.execute("INSERT INTO remit_adjustments (remit_claim_id, seq, line, group_code, carc, "
                                    "amount) VALUES (?,?,?,?,?,?)", (rcid, seq, a.line, a.group, a.carc, a.amount))
                for i, ln in enumerate(c.lines):
                    self.db.execute("INSERT INTO remit_lines (remit_claim_id, line, code, modifiers, charge, paid, "
                                    "units, rarcs) VALUES (?,?,?,?,?,?,?,?)",
                                    (rcid, i, ln.code, " ".join(ln.modifiers), ln.charge, ln.paid, ln.units,
                                     " ".join(ln.rarcs)))
                n_claims, n_adj, n_lines = n_claims + 1, n_adj + len(c.adjustments), n_lines + len(c.lines)
                joined += bool(score_id)
        payers = " ".join(sorted({payer_key(r.payer) for r in remits}))[:400]
        self.db.execute("INSERT INTO remittances (remit_id, tenant_id, imported_at, actor, digest, payers, claims, "
                        "adjustments) VALUES (?,?,?,?,?,?,?,?)",
                        (remit_id, tenant_id, now(), actor[:200], digest, payers, n_claims, n_adj))
        return ImportResult(remit_id, n_claims, n_adj, n_lines, joined, skipped)

    # -- history and models -----------------------------------------------------------------
    def history(self, tenant_id: str | None = None) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """Per (tenant, payer): the latest answer to each claim scored here (reversals left out),
        with what it was scored as and the CARCs of its denying adjustments."""
        where = " AND rc.tenant_id = ?" if tenant_id is not None else ""
        rows = self.db.query(
            "SELECT rc.remit_claim_id, rc.tenant_id, rc.payer, rc.claim_id, rc.denied, rc.paid_date, "
            "sc.denial_risk, sc.weights_risk, sc.edits, sc.codes FROM remit_claims rc "
            "JOIN scored_claims sc ON sc.score_id = rc.score_id JOIN remittances rm ON rm.remit_id = rc.remit_id "
            f"WHERE rc.status <> ? AND rc.score_id <> ''{where} ORDER BY rc.paid_date, rm.imported_at",
            (REVERSAL, tenant_id) if tenant_id is not None else (REVERSAL,))
        adj = self._denying_adjustments(tenant_id)
        latest: dict[tuple[str, str, str], dict[str, Any]] = {}
        for r in rows:
            r["carcs"] = adj.get(r["remit_claim_id"], [])
            latest[(r["tenant_id"], r["payer"], r["claim_id"])] = r
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for (tenant, payer, _), r in latest.items():
            out.setdefault((tenant, payer), []).append(r)
        return out

    def _denying_adjustments(self, tenant_id: str | None) -> dict[str, list[str]]:
        where = " AND rc.tenant_id = ?" if tenant_id is not None else ""
        rows = self.db.query(
            "SELECT ra.remit_claim_id, ra.group_code, ra.carc FROM remit_adjustments ra "
            f"JOIN remit_claims rc ON rc.remit_claim_id = ra.remit_claim_id WHERE rc.denied = 1{where} "
            "ORDER BY ra.remit_claim_id, ra.seq", (tenant_id,) if tenant_id is not None else ())
        out: dict[str, list[str]] = {}
        for r in rows:
            if r["group_code"] in DENYING_CAS:
                out.setdefault(r["remit_claim_id"], []).append(f"{r['group_code']}-{r['carc']}")
        return out

    def fit(self, tenant_id: str | None = None, *, store: bool = True) -> list[FitReport]:
        """Fit every payer with at least ``min_claims`` answered claims and ``min_denied`` denials
        (and as many paid); a model that ranks the held-out quarter of the history at least as
        well as the hand-set weights is stored and used from now on. The others keep the weights."""
        reports = []
        for (tenant, payer), rows in sorted(self.history(tenant_id).items()):
            hist = [_history_row(r) for r in rows]
            denied = sum(h.denied for h in hist)
            if len(hist) < self.min_claims or denied < self.min_denied or len(hist) - denied < self.min_denied:
                reports.append(FitReport(tenant, payer, len(hist), denied, False, why="too little history"))
                continue
            model = fit_payer(payer, hist)
            if model.auc_model is not None and model.auc_weights is not None and model.auc_model < model.auc_weights:
                # the payer denies what the edits say: the documented weights already rank its claims better
                self._models.pop((tenant, payer), None)
                if store:   # an empty model row: a restart must not bring back an older fitted model
                    self._store_model(tenant, payer, "", model, "{}")
                reports.append(FitReport(tenant, payer, len(hist), denied, False, model.auc_model, model.auc_weights,
                                         why="they rank the held-out claims better"))
                continue
            model.model_id = uuid.uuid4().hex
            if store:
                self._store_model(tenant, payer, model.model_id, model, json.dumps(model.to_json()))
            self._models[(tenant, payer)] = model
            reports.append(FitReport(tenant, payer, len(hist), denied, True, model.auc_model, model.auc_weights))
        return reports

    def _store_model(self, tenant: str, payer: str, model_id: str, model: PayerModel, doc: str) -> None:
        with self.db.transaction():
            self.db.execute("INSERT INTO risk_models (model_id, tenant_id, payer, fitted_at, claims, denied, "
                            "auc_model, auc_weights, model) VALUES (?,?,?,?,?,?,?,?,?)",
                            (model_id or uuid.uuid4().hex, tenant, payer, now(), model.claims, model.denied,
                             model.auc_model, model.auc_weights, doc))

    def load(self) -> int:
        """The latest stored model of every (tenant, payer); returns how many."""
        rows = self.db.query("SELECT model_id, tenant_id, payer, fitted_at, model FROM risk_models "
                             "ORDER BY fitted_at, model_id")
        latest = {(r["tenant_id"], r["payer"]): r for r in rows}
        models = {key: PayerModel.from_json(doc, r["model_id"]) for key, r in latest.items()
                  if (doc := json.loads(r["model"]))}   # "{}": the hand-set weights ranked better
        self._models = models
        return len(models)

    def model(self, tenant_id: str, payer: str) -> PayerModel | None:
        return self._models.get((tenant_id, payer_key(payer)))


def _history_row(r: dict[str, Any]) -> HistoryRow:
    """A denied claim with no CO / OA / PI adjustment still counts, as a denial of group ``other``."""
    groups = tuple(sorted({carc_group(c.split("-", 1)[1]) for c in r["carcs"]}))
    return HistoryRow(r["claim_id"], tuple(json.loads(r["edits"])), tuple(json.loads(r["codes"])),
                      float(r["weights_risk"]), bool(r["denied"]), groups or (("other",) if r["denied"] else ()))
