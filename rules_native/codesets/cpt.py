"""CPT (AMA CPT Level I, Category II/III and PLA codes).

CPT descriptors are licensed by the AMA: medcoder ships none. A user with a licence passes a
file; without one the code set knows CPT codes by shape only (``licensed=False``): every
well-formed code validates, with an empty description and a reason that says so.

Licensed file layout: UTF-8 CSV (``.csv``) or tab-separated (``.tsv``/``.txt``, or any file
whose first line has a tab), one header row naming at least ``code`` and ``descriptor``
(``description`` is accepted too; case and spaces ignored; other columns are ignored), then one
code per row: ``99213,"Office or other outpatient visit ..."``.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

from .. import cache
from .base import CodeSet, Edition, Validation, load_compiled, malformed, save_columns
from .errors import CodeFormatError, CodeSetError
from .normalize import normalize_code

_CODE_COLS = ("code", "cpt", "cptcode", "hcpc")
_DESC_COLS = ("descriptor", "description", "longdescriptor", "longdescription")
UNLICENSED = Edition("CPT (format only: no licensed file)", None, None)


def load_cpt(path: Path | None = None, cache_dir: Path | None = None, *,
             edition: str | None = None) -> "CPTCodeSet":
    """Load a licensed CPT file, or the format-only code set when ``path`` is None."""
    if path is None:
        return CPTCodeSet("CPT", UNLICENSED, [], [], np.zeros(0, np.int32), np.zeros(0, np.bool_))
    src = Path(path)
    name = edition or f"CPT (licensed file {src.name})"
    return load_compiled(cache_dir, "cpt", [src], lambda out: _build(out, src, name), CPTCodeSet.from_folder,
                         label=cache.label_for("cpt", src), options=name)


class CPTCodeSet(CodeSet):
    @property
    def licensed(self) -> bool:
        return len(self.codes) > 0

    def description(self, code_or_id: str | int) -> str:
        if not self.licensed and isinstance(code_or_id, str):
            normalize_code("CPT", code_or_id)  # raises CodeFormatError when not a CPT code
            return ""
        return super().description(code_or_id)

    def is_billable(self, code_or_id: str | int) -> bool:
        if not self.licensed:
            return self.validate(code_or_id).valid if isinstance(code_or_id, str) else False
        return super().is_billable(code_or_id)

    def validate(self, code: str, date: dt.date | str | None = None) -> Validation:
        if self.licensed:
            return super().validate(code, date)
        try:
            canon = normalize_code("CPT", code)
        except CodeFormatError as e:
            return malformed(code, e)
        return Validation(True, True, canon,
                          "format only: no licensed CPT file loaded, existence not checked")


def _build(out: Path, src: Path, edition: str) -> None:
    codes, descs = read_cpt_file(src)
    save_columns(out, "CPT", Edition(edition, None, None), codes, descs,
                 np.full(len(codes), -1, np.int32), np.ones(len(codes), np.bool_),
                 sources=[src.name])


def read_cpt_file(src: Path) -> tuple[list[str], list[str]]:
    try:
        text = src.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise CodeSetError(f"CPT file {src.name} is unreadable: {e}") from e
    first = text.split("\n", 1)[0]
    tab = src.suffix.lower() in (".tsv", ".txt") or "\t" in first
    rows = csv.reader(io.StringIO(text), delimiter="\t" if tab else ",")
    header = [h.strip().lower().replace(" ", "").replace("_", "") for h in next(rows, [])]
    code_col = next((header.index(c) for c in _CODE_COLS if c in header), None)
    desc_col = next((header.index(c) for c in _DESC_COLS if c in header), None)
    if code_col is None or desc_col is None:
        raise CodeSetError(f"CPT file {src.name}: header must name 'code' and 'descriptor' "
                           f"columns, found {len(header)} columns without them")
    codes: list[str] = []
    descs: list[str] = []
    for n, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            codes.append(normalize_code("CPT", row[code_col]))
            descs.append(row[desc_col].strip())
        except (CodeFormatError, IndexError) as e:
            raise CodeSetError(f"CPT file {src.name} line {n}: not a CPT code and descriptor") from e
    if not codes:
        raise CodeSetError(f"CPT file {src.name} holds no codes")
    if len(set(codes)) != len(codes):
        raise CodeSetError(f"CPT file {src.name} repeats codes")
    return codes, descs
