"""Payment impact of the documentation: MS-DRG of the billed vs the documented codes (inpatient),
the relative-weight difference, and the CMS-HCC V28 category of each documented diagnosis.

The grouper is ``msdrg``'s (``rules_native.edits.drg``); the weights table (CMS Table 5) and the
HCC mapping are files the user supplies (``rules_native.edits.payment``). What could not be
worked out for want of a table is named in ``missing``.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from server.domain import Setting

from .documentation import LESS_SPECIFIC, MORE_SPECIFIC, NOT_BILLED, SUPPORTED, DocFlag

MISSING_WEIGHTS = "MS-DRG relative weights: no CMS Table 5 supplied (--drg-weights / MEDCODER_DRG_WEIGHTS_PATH)"
MISSING_HCC = "CMS-HCC V28 categories: no CMS ICD-10 mapping file supplied (--hcc-map / MEDCODER_HCC_MAP_PATH)"


@dataclass(frozen=True)
class Grouping:
    drg: str
    description: str
    severity: str                          # NONE, CC, MCC
    cc_mcc: tuple[tuple[str, str], ...]    # dotted secondary dx and its level, as the grouper used them
    relative_weight: float | None = None


@dataclass(frozen=True)
class PaymentImpact:
    billed: Grouping | None = None
    documented: Grouping | None = None
    # CC/MCC that make the difference: (code, level, "documented" | "billed"): only one side has it
    difference: tuple[tuple[str, str, str], ...] = ()
    weight_difference: float | None = None           # documented - billed
    hcc: tuple[tuple[str, str, bool], ...] = ()       # (documented dx, "HCC n", billed?)
    missing: tuple[str, ...] = ()


@dataclass
class PaymentTables:
    """What payment impact needs, built once: the grouper (lazily, on the first inpatient claim)
    and the user's tables (None when not supplied)."""

    weights: object | None = None
    hcc: object | None = None
    _grouper: object | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, drg_weights_path: Path | None = None, hcc_map_path: Path | None = None) -> "PaymentTables":
        from rules_native.edits.payment import load_drg_weights, load_hcc_map

        return cls(load_drg_weights(drg_weights_path) if drg_weights_path else None,
                   load_hcc_map(hcc_map_path) if hcc_map_path else None)

    def grouper(self):
        with self._lock:   # the MCE has loaded msdrg already: a few ms, once
            if self._grouper is None:
                from rules_native.edits.drg import DrgGrouper
                self._grouper = DrgGrouper()
            return self._grouper

    def _group(self, dx: Sequence[str], pcs: Sequence[str], claim) -> Grouping | None:
        if not dx:
            return None
        g = self.grouper().group([d.replace(".", "") for d in dx], list(pcs), claim.patient.age_years,
                                 claim.patient.sex, claim.service_date or dt.date.today())
        if g is None or not g.drg:
            return None
        dotted = {d.replace(".", ""): d for d in dx}
        w = self.weights.weight(g.drg) if self.weights is not None else None
        return Grouping(g.drg, g.description, g.severity,
                        tuple((dotted.get(c, c), lvl) for c, lvl in g.cc_mcc), w)

    def impact(self, claim, flags: Sequence[DocFlag], documented_dx: Sequence[str],
               documented_pcs: Sequence[str]) -> PaymentImpact:
        """``documented_dx``: the documentation's reported diagnoses, its reason for the encounter
        first; the DRG "documented" is what the chart supports, the DRG "billed" the claim's."""
        missing = []
        billed = documented = None
        diff: tuple = ()
        wdiff = None
        if claim.setting is Setting.INPATIENT:
            billed = self._group([d for d in claim.diagnoses if d], claim.procedures, claim)
            documented = self._group(documented_dx, documented_pcs, claim)
            if billed is not None and documented is not None:
                b, d = dict(billed.cc_mcc), dict(documented.cc_mcc)
                diff = tuple([(c, lvl, "documented") for c, lvl in documented.cc_mcc if b.get(c) != lvl]
                             + [(c, lvl, "billed") for c, lvl in billed.cc_mcc if d.get(c) != lvl])
                if self.weights is None:
                    missing.append(MISSING_WEIGHTS)
                elif billed.relative_weight is not None and documented.relative_weight is not None:
                    wdiff = round(documented.relative_weight - billed.relative_weight, 4)
        hcc: list[tuple[str, str, bool]] = []
        if self.hcc is None:
            missing.append(MISSING_HCC)
        else:
            billed_set = set(claim.diagnoses)
            supported = {f.documented_code or f.code for f in flags
                         if f.kind in (SUPPORTED, LESS_SPECIFIC, MORE_SPECIFIC, NOT_BILLED)
                         and f.system.value == "ICD10CM"}
            for code in sorted(supported):
                cat = self.hcc.category(code)
                if cat:
                    hcc.append((code, cat, code in billed_set))
        return PaymentImpact(billed, documented, diff, wdiff, tuple(hcc), tuple(missing))


def impact_to_json(p: PaymentImpact) -> dict:
    """``payment_impact`` as the CLI prints it (``drg_*`` only for inpatient claims)."""
    def grouping(g: Grouping | None):
        if g is None:
            return None
        out = {"drg": g.drg, "description": g.description, "severity": g.severity,
               "cc_mcc": [{"code": c, "level": lvl} for c, lvl in g.cc_mcc]}
        if g.relative_weight is not None:
            out["relative_weight"] = g.relative_weight
        return out

    out: dict = {}
    if p.billed is not None or p.documented is not None:
        out["drg_billed"] = grouping(p.billed)
        out["drg_documented"] = grouping(p.documented)
        out["cc_mcc_difference"] = [{"code": c, "level": lvl, "only_in": side} for c, lvl, side in p.difference]
    if p.weight_difference is not None:
        out["relative_weight_difference"] = p.weight_difference
    out["hcc"] = [{"code": c, "hcc": h, "billed": b} for c, h, b in p.hcc]
    out["missing"] = list(p.missing)
    return out
