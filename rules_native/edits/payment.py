"""Payment tables the user supplies: CMS MS-DRG relative weights and the CMS-HCC V28 mapping.

Neither is shipped (they change every fiscal / payment year); both are read by path like the
edit tables, through ``rowsource.read_raw`` (tab-delimited text, CSV or xlsx, title lines above
the header allowed), columns found by header name, every row checked, and the first bad row
fails the load with its line number (``TableFormatError``).

* MS-DRG weights: the IPPS final rule's Table 5 ("List of MS-DRGs, Relative Weighting Factors,
  and Geometric and Arithmetic Mean Length of Stay"): ``MS-DRG | ... | MDC | TYPE | MS-DRG Title
  | Weights | Geometric mean LOS | Arithmetic mean LOS``.
* CMS-HCC: the "ICD-10 Mappings" file of the risk adjustment model software: ``Diagnosis Code |
  Description | ... | CMS-HCC Model Category V28 | ...``; a blank V28 cell means the code maps
  to no payment HCC.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import TableFormatError
from .rowsource import RawTable, read_raw

_DRG_RE = re.compile(r"^\d{3}$")
_ICD_RE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")
_WEIGHT_RE = re.compile(r"^\d{1,3}(\.\d+)?$")


@dataclass(frozen=True)
class DrgWeights:
    """MS-DRG -> (relative weight, title) from one Table 5 file."""

    source: str
    weights: dict[str, float]
    titles: dict[str, str]

    def weight(self, drg: str) -> float | None:
        return self.weights.get(drg)


@dataclass(frozen=True)
class HccMap:
    """ICD-10-CM (dotless) -> CMS-HCC V28 payment category ("HCC 37"), from one mapping file."""

    source: str
    categories: dict[str, str]

    def category(self, code: str) -> str | None:
        return self.categories.get(code.replace(".", "").upper())


def _names(raw: RawTable, wanted: str) -> list[str]:
    rows = [r for r in raw.header if sum(1 for f in r if f) >= 2]
    if not rows:
        raise TableFormatError(raw.source, f"no header row: expected {wanted}")
    return [re.sub(r"\s+", " ", f).strip().lower() for f in rows[-1]]


def _cell(raw: RawTable, col: int, row: int) -> str:
    return raw.columns[col][row].decode("latin-1").strip()


def load_drg_weights(path: str | Path) -> DrgWeights:
    """Read a CMS MS-DRG Table 5 (FY2026 layout). "291 ... Heart failure and shock with MCC ...
    1.2921" gives weight("291") == 1.2921."""
    raw = read_raw(Path(path), lambda f: len(f) >= 3 and bool(_DRG_RE.match(f[0])), 3)
    names = _names(raw, "'MS-DRG', 'MS-DRG Title' and 'Weights' columns")
    find = {"drg": next((i for i, n in enumerate(names) if n in ("ms-drg", "msdrg", "drg")), None),
            "weight": next((i for i, n in enumerate(names) if n.startswith("weight")), None),
            "title": next((i for i, n in enumerate(names) if "title" in n), None)}
    for role, label in (("drg", "MS-DRG"), ("weight", "Weights"), ("title", "MS-DRG Title")):
        if find[role] is None:
            raise TableFormatError(raw.source, f"header has no '{label}' column (CMS Table 5 layout)")
    weights: dict[str, float] = {}
    titles: dict[str, str] = {}
    for row in range(len(raw)):
        drg, w = _cell(raw, find["drg"], row), _cell(raw, find["weight"], row)
        if not _DRG_RE.match(drg):
            raise TableFormatError(raw.source, "MS-DRG must be 3 digits", raw.line_of(row))
        if not _WEIGHT_RE.match(w) or float(w) <= 0:
            raise TableFormatError(raw.source, "weight must be a positive decimal number", raw.line_of(row))
        if drg in weights:
            raise TableFormatError(raw.source, f"MS-DRG {drg} appears twice", raw.line_of(row))
        weights[drg] = float(w)
        titles[drg] = _cell(raw, find["title"], row)
    return DrgWeights(raw.source, weights, titles)


def load_hcc_map(path: str | Path) -> HccMap:
    """Read the CMS ICD-10 to CMS-HCC mapping file; the V28 column gives the payment HCC. "E1122
    ... 37" gives category("E11.22") == "HCC 37"; a blank cell gives None."""
    raw = read_raw(Path(path), lambda f: len(f) >= 2 and bool(_ICD_RE.match(f[0].upper())), 2)
    names = _names(raw, "'Diagnosis Code' and 'CMS-HCC Model Category V28' columns")
    code = next((i for i, n in enumerate(names) if "diagnosis" in n and "code" in n), None)
    v28 = next((i for i, n in enumerate(names) if "v28" in n and "hcc" in n and "esrd" not in n
                and not n.startswith("rx") and "payment" not in n), None)
    if code is None:
        raise TableFormatError(raw.source, "header has no 'Diagnosis Code' column")
    if v28 is None:
        raise TableFormatError(raw.source, "header has no 'CMS-HCC Model Category V28' column")
    out: dict[str, str] = {}
    for row in range(len(raw)):
        dx, cat = _cell(raw, code, row).upper(), _cell(raw, v28, row)
        if not _ICD_RE.match(dx):
            raise TableFormatError(raw.source, "diagnosis code must be ICD-10-CM without the dot", raw.line_of(row))
        if dx in out:
            raise TableFormatError(raw.source, f"diagnosis {dx} appears twice", raw.line_of(row))
        if not cat:
            continue
        if not cat.isdigit():
            raise TableFormatError(raw.source, "V28 category must be an HCC number or blank", raw.line_of(row))
        out[dx] = f"HCC {int(cat)}"
    return HccMap(raw.source, out)
