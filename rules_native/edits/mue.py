"""Medically Unlikely Edit (MUE) tables: loader and compiled columns.

Accepted layouts (CSV, tab-delimited text or xlsx, copyright lines above the header allowed):

* CMS practitioner / outpatient hospital / DME tables: ``HCPCS/CPT Code | <Provider> MUE Values |
  MUE Adjudication Indicator | MUE Rationale``; the MAI cell is ``1 Line Edit``,
  ``2 Date of Service Edit: Policy`` or ``3 Date of Service Edit: Clinical`` (or the bare digit).
* Tables without an MAI column (the partial Medicaid CSV: ``HCPCS/CPT Code, MUE Values,
  MUE Rationale``). They get ``default_mai``, 1 unless told otherwise: every MUE was a claim-line
  edit before CMS added MAIs in 2013, and a table that does not say more gives no ground for
  summing units across lines.

Columns are found by their header names; a header without a code or an MUE value column, a
code that is not 5 characters, a non-numeric value, an MAI other than 1/2/3 or a code listed
twice fails with the file name and line number.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import cache
from .dates import Quarter, quarter_from_name
from .errors import TableFormatError
from .rowsource import CODE_RE, RawTable, codes_column, digits_column, read_raw, text_column

MAI_LINE, MAI_POLICY, MAI_CLINICAL = 1, 2, 3
_ARRAYS = ("codes", "value", "mai", "rationale")
# The compiler of the cached table: a change to any of these compiles the file afresh.
_COMPILER = tuple(Path(__file__).with_name(m) for m in ("mue.py", "rowsource.py", "dates.py"))
MAI_NAMES = {MAI_LINE: "line edit", MAI_POLICY: "date of service edit: policy",
             MAI_CLINICAL: "date of service edit: clinical"}


@dataclass(frozen=True, eq=False)
class MueTable:
    """One quarter's MUEs: ``codes`` (sorted, unique) with value, MAI and rationale index each."""

    source: str
    provider_type: str
    quarter: Quarter | None
    codes: np.ndarray
    value: np.ndarray
    mai: np.ndarray
    rationale: np.ndarray
    rationales: tuple[str, ...]
    mai_assumed: bool = False
    from_cache: bool = False

    def __len__(self) -> int:
        return len(self.codes)

    def limit(self, code: str) -> tuple[int, int] | None:
        """(MUE value, MAI) for a code, or None when the table has no MUE for it."""
        i = int(np.searchsorted(self.codes, code))
        if i < len(self.codes) and self.codes[i] == code:
            return int(self.value[i]), int(self.mai[i])
        return None


def load_mue(path: str | Path, *, provider_type: str | None = None, quarter: str | Quarter | None = None,
             default_mai: int = MAI_LINE, cache_dir: Path | None = None) -> MueTable:
    """Load an MUE table (see the module docstring for layouts). Raises TableFormatError."""
    path = Path(path)
    if default_mai not in MAI_NAMES:
        raise ValueError("default_mai must be 1, 2 or 3")
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter or quarter_from_name(path.name)
    if not path.is_file():
        raise TableFormatError(path.name, "file not found")
    options = f"{provider_type}|{q}|{default_mai}"
    key = cache.entry_key("mue", sources=[path], code=_COMPILER, options=options)

    def make() -> MueTable:
        raw = read_raw(path, _is_mue_row, 2)
        return _compile(raw, provider_type or _provider_from(raw, path.name), q, default_mai)

    table, _ = cache.load_or_make(cache.cache_root(cache_dir, "edits"), cache.label_for("mue", path), key,
                                  make, _save, _load)
    return table


def _save(t: MueTable, folder: Path) -> None:
    cache.save_arrays(folder, {n: getattr(t, n) for n in _ARRAYS}, {
        "source": t.source, "provider_type": t.provider_type,
        "quarter": str(t.quarter) if t.quarter else None, "rationales": list(t.rationales),
        "mai_assumed": t.mai_assumed})


def _load(folder: Path) -> MueTable:
    a, m = cache.load_arrays(folder)
    return MueTable(m["source"], m["provider_type"], Quarter.parse(m["quarter"]) if m["quarter"] else None,
                    *(a[n] for n in _ARRAYS), tuple(m["rationales"]), m["mai_assumed"], from_cache=True)


def _is_mue_row(fields: list[str]) -> bool:
    return len(fields) >= 2 and bool(CODE_RE.match(fields[0].upper())) and fields[1].isdigit()


def _provider_from(raw: RawTable, name: str) -> str:
    text = raw.header_text + " " + name.lower()
    if "practitioner" in text or "_pra" in text:
        return "practitioner"
    if "outpatient hospital" in text or "hospital" in text or "oph" in text:
        return "hospital"
    if "dme" in text:
        return "dme"
    return "any"


def _columns(raw: RawTable) -> dict[str, int]:
    """Map roles to column indices from the header row (the last header line with names)."""
    rows = [r for r in raw.header if sum(1 for f in r if f) >= 2]
    if not rows:
        raise TableFormatError(raw.source, "no header row: expected 'HCPCS/CPT Code' and 'MUE Values' columns")
    names = [f.lower() for f in rows[-1]]
    found: dict[str, int] = {}
    for i, f in enumerate(names):
        if "code" in f and ("hcpcs" in f or "cpt" in f) and "code" not in found:
            found["code"] = i
        elif "mue value" in f:
            found["value"] = i
        elif "adjudication" in f or f.strip() == "mai":
            found["mai"] = i
        elif "rationale" in f:
            found["rationale"] = i
    for role, label in (("code", "HCPCS/CPT Code"), ("value", "MUE Values")):
        if role not in found:
            raise TableFormatError(raw.source, f"header has no '{label}' column")
    if found["code"] != 0 or found["value"] != 1:
        raise TableFormatError(raw.source, "expected the code in column 1 and the MUE value in column 2")
    return found


def _compile(raw: RawTable, ptype: str, quarter: Quarter | None, default_mai: int) -> MueTable:
    cols = _columns(raw)
    codes = codes_column(raw, cols["code"], "HCPCS/CPT Code")
    value, _ = digits_column(raw, cols["value"], 6, "MUE value must be a whole number")
    if "mai" in cols:
        mai_cells = raw.columns[cols["mai"]]
        mai = np.char.ljust(mai_cells, 1).view(np.uint8).reshape(len(raw), -1)[:, 0].astype(np.int64) - 48
        raw.fail_where((mai < 1) | (mai > 3), "MUE Adjudication Indicator must start with 1, 2 or 3")
    else:
        mai = np.full(len(raw), default_mai)
    rationales, rat = text_column(raw, cols["rationale"]) if "rationale" in cols else (("",), np.zeros(len(raw), np.int32))
    order = np.argsort(codes, kind="stable")
    dup = np.zeros(len(raw), dtype=bool)
    dup[order[1:]] = codes[order[1:]] == codes[order[:-1]]
    raw.fail_where(dup, "code listed twice")
    return MueTable(raw.source, ptype, quarter, codes[order], value[order].astype(np.int32),
                    mai[order].astype(np.int8), rat[order], rationales, mai_assumed="mai" not in cols)
