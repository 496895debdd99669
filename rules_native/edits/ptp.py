"""NCCI procedure-to-procedure (PTP) tables: loader and compiled columns.

Accepted layout (CMS practitioner and hospital PTP files, tab-delimited .txt, .txt.gz or .xlsx):
``Column 1 | Column 2 | *=in existence prior to 1996 | Effective Date | Deletion Date *=no data |
Modifier 0=not allowed 1=allowed 9=not applicable | PTP Edit Rationale``, with any copyright or
multi-row header above the first data row. The header must name the columns; every row is
checked (5-character codes, YYYYMMDD dates, deletion ``*`` or a date not before the effective
date, modifier indicator 0/1/9) and the first bad row is reported by line number.

Deletion date: CMS writes the last day an edit is in force (quarter-end, e.g. 20231231), so an
edit applies to a date of service ``effective <= DOS <= deletion``; ``*`` means not deleted.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import cache
from .dates import NEVER, Quarter, from_day_number, quarter_from_name, yyyymmdd_to_days
from .errors import TableFormatError
from .rowsource import CODE_RE, RawTable, codes_column, digits_column, read_raw, text_column

PROVIDER_TYPES = ("practitioner", "hospital", "any")
_ARRAYS = ("codes", "col1", "col2", "effective", "deletion", "modifier", "rationale")
# The compiler of the cached table: a change to any of these compiles the file afresh.
_COMPILER = tuple(Path(__file__).with_name(m) for m in ("ptp.py", "rowsource.py", "dates.py"))
_HEADER_WORDS = (("column 1", "column1"), ("column 2", "column2"), ("effective",), ("deletion",),
                 ("modifier",))


@dataclass(frozen=True, eq=False)
class PtpTable:
    """One quarter's PTP edits. Codes are indices into ``codes`` (sorted, unique); dates are
    day numbers; ``deletion`` is ``NEVER`` for ``*``. Rows are sorted by (col1, col2, effective)."""

    source: str
    provider_type: str
    quarter: Quarter
    codes: np.ndarray
    col1: np.ndarray
    col2: np.ndarray
    effective: np.ndarray
    deletion: np.ndarray
    modifier: np.ndarray
    rationale: np.ndarray
    rationales: tuple[str, ...]
    from_cache: bool = False

    def __len__(self) -> int:
        return len(self.col1)

    def active_on(self, day_number: int) -> np.ndarray:
        """Boolean mask of rows in force on a day (effective <= day <= deletion)."""
        return (self.effective <= day_number) & (day_number <= self.deletion)


def load_ptp(path: str | Path, *, provider_type: str | None = None, quarter: str | Quarter | None = None,
             cache_dir: Path | None = None) -> PtpTable:
    """Load a CMS PTP table, from the compiled cache when the file's bytes were seen before.

    ``provider_type`` and ``quarter`` default to what the file name says (``ccipra-v321r0`` is
    practitioner 2026 Q2; ``ptp_hospital_2026q2`` hospital 2026 Q2). Raises TableFormatError.
    """
    path = Path(path)
    ptype = provider_type or _provider_from_name(path.name)
    if ptype not in PROVIDER_TYPES:
        raise TableFormatError(path.name, f"provider_type must be one of {', '.join(PROVIDER_TYPES)}")
    q = Quarter.parse(quarter) if isinstance(quarter, str) else quarter or quarter_from_name(path.name)
    if not path.is_file():
        raise TableFormatError(path.name, "file not found")
    key = cache.entry_key("ptp", sources=[path], code=_COMPILER, options=f"{ptype}|{q}")
    table, _ = cache.load_or_make(cache.cache_root(cache_dir, "edits"), cache.label_for("ptp", path), key,
                                  lambda: _compile(read_raw(path, _is_ptp_row, 6), ptype, q),
                                  _save, _load)
    return table


def _save(table: PtpTable, folder: Path) -> None:
    cache.save_arrays(folder, {n: getattr(table, n) for n in _ARRAYS}, {
        "source": table.source, "provider_type": table.provider_type, "quarter": str(table.quarter),
        "rationales": list(table.rationales), "rows": len(table)})


def _load(folder: Path) -> PtpTable:
    a, meta = cache.load_arrays(folder)
    return PtpTable(meta["source"], meta["provider_type"], Quarter.parse(meta["quarter"]),
                    *(a[n] for n in _ARRAYS), tuple(meta["rationales"]), from_cache=True)


def _provider_from_name(name: str) -> str:
    low = name.lower()
    if "pra" in low or "practitioner" in low or "physician" in low:
        return "practitioner"
    if "hosp" in low or "oph" in low or "outpatient" in low:
        return "hospital"
    return "any"


def _is_ptp_row(fields: list[str]) -> bool:
    return (len(fields) >= 6 and bool(CODE_RE.match(fields[0].upper()))
            and len(fields[3]) == 8 and fields[3].isdigit())


def _check_header(raw: RawTable) -> None:
    text = raw.header_text
    if not text:
        raise TableFormatError(raw.source, "no header row: expected the CMS PTP columns "
                                           "(Column 1, Column 2, ..., Effective Date, Deletion Date, Modifier)")
    missing = [alts[0] for alts in _HEADER_WORDS if not any(a in text for a in alts)]
    if missing:
        raise TableFormatError(raw.source, f"header does not look like a CMS PTP table: no {', '.join(missing)}")


def _compile(raw: RawTable, ptype: str, quarter: Quarter | None) -> PtpTable:
    _check_header(raw)
    c1 = codes_column(raw, 0, "Column 1")
    c2 = codes_column(raw, 1, "Column 2")
    raw.fail_where((raw.columns[2] != b"") & (raw.columns[2] != b"*"), "prior-1996 flag must be '*' or empty")
    eff_num, _ = digits_column(raw, 3, 8, "Effective Date must be YYYYMMDD")
    del_num, never = digits_column(raw, 4, 8, "Deletion Date must be YYYYMMDD or *", allow=b"*")
    mod, _ = digits_column(raw, 5, 1, "Modifier indicator must be 0, 1 or 9")
    raw.fail_where((mod != 0) & (mod != 1) & (mod != 9), "Modifier indicator must be 0, 1 or 9")
    eff, ok = yyyymmdd_to_days(eff_num)
    raw.fail_where(~ok | (eff_num < 10000000), "Effective Date is not a calendar date")
    dele, ok = yyyymmdd_to_days(np.where(never, 19700101, del_num))
    raw.fail_where(~ok, "Deletion Date is not a calendar date")
    dele = np.where(never, NEVER, dele).astype(np.int32)
    raw.fail_where(dele < eff, "Deletion Date is before Effective Date")
    codes, inverse = np.unique(np.concatenate([c1, c2]), return_inverse=True)
    col1, col2 = inverse[: len(raw)].astype(np.int32), inverse[len(raw):].astype(np.int32)
    rationales, rat = text_column(raw, 6)
    order = np.lexsort((eff, col2, col1))
    q = quarter or _quarter_of(eff)
    return PtpTable(raw.source, ptype, q, codes, col1[order], col2[order], eff[order], dele[order],
                    mod.astype(np.int8)[order], rat[order], rationales)


def _quarter_of(effective: np.ndarray) -> Quarter:
    """A file that does not say its quarter belongs to the quarter of its newest edit."""
    return Quarter.containing(from_day_number(int(effective.max())))
