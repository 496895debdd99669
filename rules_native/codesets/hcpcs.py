"""HCPCS Level II from a CMS quarterly release file supplied by the user.

Accepted layouts: the CMS ``HCPC<year>_<MON>_ANWEB.xlsx`` workbook (first sheet; header row
HCPC, SEQNUM, RECID, LONG DESCRIPTION, SHORT DESCRIPTION, ..., ADD DT, ACT EFF DT, TERM DT,
ACTION CD), or that sheet saved as CSV with the same header. The fixed-width ``.txt`` variant is
not read: its layout differs between releases; save the xlsx as CSV instead.
RECID 3 starts a code, 7 a modifier; 4 and 8 continue the previous long description.

Codes terminated before the release starts stay in the file for old claims: they are valid but
not billable; dated validation also checks each code's add and termination dates.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .. import cache
from .base import CodeSet, Edition, load_compiled, save_columns
from .errors import CodeSetError
from .normalize import _HCPCS
from .store import Strings, load_array, read_json, save_array

REQUIRED = ("HCPC", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION")
DATES = ("ADD DT", "ACT EFF DT", "TERM DT")
_MODIFIER = re.compile(r"[0-9A-Z]{2}")
_RELEASE = re.compile(r"HCPC(\d{4})_(JAN|APR|JUL|OCT)", re.I)
_QUARTER = {"JAN": (1, "January"), "APR": (4, "April"), "JUL": (7, "July"), "OCT": (10, "October")}


def load_hcpcs(path: Path, cache_dir: Path | None = None) -> "HCPCSCodeSet":
    """Load a CMS HCPCS release (HCPC2025_OCT_ANWEB.xlsx): 8,463 codes and 383 modifiers."""
    src = Path(path)
    return load_compiled(cache_dir, "hcpcs", [src], lambda out: _build(out, src), HCPCSCodeSet.from_folder,
                         label=cache.label_for("hcpcs", src))


def release_edition(src: Path) -> Edition:
    """HCPC2025_OCT_ANWEB.xlsx -> "HCPCS 2025 October release", 2025-10-01..2025-12-31."""
    m = _RELEASE.search(src.name)
    if not m:
        return Edition(f"HCPCS (release file {src.name})", None, None)
    year, (month, word) = int(m.group(1)), _QUARTER[m.group(2).upper()]
    start = dt.date(year, month, 1)
    end = dt.date(year, 12, 31) if month == 10 else dt.date(year, month + 3, 1) - dt.timedelta(days=1)
    return Edition(f"HCPCS {year} {word} release", start, end)


class HCPCSCodeSet(CodeSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        folder = self.cache_path
        meta = read_json(folder / "meta.json")
        self.modifiers: dict[str, str] = dict(meta["modifiers"])
        self._short = Strings.load(folder, "short_description")
        self.add_date: np.ndarray = load_array(folder, "add_date")      # yyyymmdd, 0 = none
        self.act_eff_date: np.ndarray = load_array(folder, "act_eff_date")
        self.term_date: np.ndarray = load_array(folder, "term_date")
        self._action = Strings.load(folder, "action_code")

    def short_description(self, code_or_id: str | int) -> str:
        return self._short[self._resolve(code_or_id)]

    def action_code(self, code_or_id: str | int) -> str:
        """CMS action code of the release (N no change, A added, D discontinued, ...)."""
        return self._action[self._resolve(code_or_id)]

    def _date_problem(self, i: int, day: dt.date) -> str:
        stamp = day.year * 10000 + day.month * 100 + day.day
        if self.add_date[i] and stamp < self.add_date[i]:
            return f"not yet effective: added {_iso(self.add_date[i])}"
        if self.term_date[i] and stamp > self.term_date[i]:
            return f"terminated {_iso(self.term_date[i])}"
        return super()._date_problem(i, day)

    def _not_billable_reason(self, i: int) -> str:
        return f"not billable: terminated {_iso(self.term_date[i])}"


def _iso(stamp: int) -> str:
    s = str(int(stamp))
    return f"{s[:4]}-{s[4:6]}-{s[6:]}"


def _build(out: Path, src: Path) -> None:
    edition = release_edition(src)
    header, rows = _read_rows(src)
    codes, mods = _collect(src, header, rows)
    if not codes:
        raise CodeSetError(f"HCPCS file {src.name} holds no codes (RECID 3 rows)")
    start = edition.effective_from
    cutoff = start.year * 10000 + start.month * 100 + start.day if start else 0
    term = [r["TERM DT"] for r in codes]
    save_columns(out, "HCPCS", edition, [r["HCPC"] for r in codes],
                 [r["LONG DESCRIPTION"] for r in codes], np.full(len(codes), -1, np.int32),
                 [not t or t >= cutoff for t in term], sources=[src.name],
                 modifiers={m["HCPC"]: m["LONG DESCRIPTION"] for m in mods})
    Strings.save(out, "short_description", [r["SHORT DESCRIPTION"] for r in codes])
    Strings.save(out, "action_code", [r.get("ACTION CD", "") for r in codes])
    for name in DATES:
        save_array(out, name.lower().replace(" dt", "_date").replace(" ", "_"),
                   [r.get(name, 0) for r in codes], np.int32)


def _collect(src: Path, header: list[str], rows: Iterator[tuple]) -> tuple[list[dict], list[dict]]:
    codes: list[dict] = []
    mods: list[dict] = []
    last: dict | None = None
    for n, row in enumerate(rows, 2):
        rec = {h: _cell(v) for h, v in zip(header, row) if h}
        if not any(rec.values()):
            continue
        kind, code = rec.get("RECID", ""), rec.get("HCPC", "")
        if kind in ("4", "8"):
            if last is None:
                raise CodeSetError(f"HCPCS file {src.name} row {n}: continuation before any code")
            last["LONG DESCRIPTION"] = f"{last['LONG DESCRIPTION']} {rec.get('LONG DESCRIPTION', '')}".strip()
            continue
        if kind == "3" and _HCPCS.fullmatch(code):
            codes.append(last := rec)
        elif kind == "7" and _MODIFIER.fullmatch(code):
            mods.append(last := rec)
        else:
            raise CodeSetError(f"HCPCS file {src.name} row {n}: RECID {kind[:2]!r} with a "
                               "code that is not an HCPCS code or modifier")
        for name in DATES:
            rec[name] = _date(src, n, rec.get(name, ""))
    return codes, mods


def _read_rows(src: Path) -> tuple[list[str], Iterator[tuple]]:
    if src.suffix.lower() == ".csv":
        rows = _csv_rows(src)
    elif src.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(src)
    else:
        raise CodeSetError(f"HCPCS file {src.name}: expected the CMS .xlsx release or a .csv "
                           "export of it (the fixed-width .txt is not read)")
    header = [str(h or "").strip().upper() for h in next(rows, ())]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise CodeSetError(f"HCPCS file {src.name} is not a CMS HCPCS release: header lacks "
                           f"{', '.join(missing)}")
    return header, rows


def _csv_rows(src: Path) -> Iterator[list[str]]:
    try:
        with src.open(newline="", encoding="utf-8-sig") as handle:
            yield from csv.reader(handle)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise CodeSetError(f"HCPCS file {src.name} is not readable CSV: {e}") from e


def _xlsx_rows(src: Path) -> Iterator[tuple]:
    import openpyxl  # only this loader needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise CodeSetError(f"HCPCS file {src.name} is not a readable xlsx workbook: {e}") from e
    try:
        yield from wb.worksheets[0].iter_rows(values_only=True)
    finally:
        wb.close()


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y%m%d")
    return str(v).strip()


def _date(src: Path, n: int, raw: str) -> int:
    if not raw:
        return 0
    if not (raw.isdigit() and len(raw) == 8):
        raise CodeSetError(f"HCPCS file {src.name} row {n}: date {raw[:10]!r} is not YYYYMMDD")
    return int(raw)
