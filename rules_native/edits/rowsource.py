"""Read a CMS table (tab-delimited text, .gz, CSV or xlsx) into byte-string columns.

CMS files open with a copyright line and a header that may span several rows; every line
before the first data row is the header block, which the caller checks. Tab-delimited data is
split with numpy on the raw bytes (the 1.6M-row PTP file in about a second), never row by row
in Python; CSV and xlsx tables (MUE, coverage: thousands of rows) go through csv / openpyxl.
Columns are numpy ``S`` arrays; helpers turn them into validated codes, dates and integers.
"""
from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TableFormatError

CODE_RE = re.compile(r"^[0-9A-Z]{5}$")
_MAX_HEADER_LINES = 40
_WIDE = 24  # wider fields (rationales) are cut with Python slices instead of a byte matrix


@dataclass(frozen=True)
class RawTable:
    """Columns of a table (numpy ``S`` arrays), the header lines above them and the 1-based
    line number of data row 0."""

    source: str
    header: list[list[str]]
    columns: list[np.ndarray]
    first_line: int

    @property
    def header_text(self) -> str:
        """The header block lower-cased with runs of blanks collapsed, for layout checks."""
        words = " ".join(" ".join(row) for row in self.header)
        return re.sub(r"\s+", " ", words).strip().lower()

    def line_of(self, row: int) -> int:
        return self.first_line + row

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def fail_where(self, bad: np.ndarray, message: str) -> None:
        """Raise TableFormatError naming the first row where ``bad`` is True."""
        if bad.any():
            raise TableFormatError(self.source, message, self.line_of(int(np.argmax(bad))))


def read_raw(path: Path, is_data_row: Callable[[list[str]], bool], min_columns: int) -> RawTable:
    """Read ``path`` by its suffix (.xlsx, .csv, else tab-delimited text; gzip by magic bytes)."""
    path = Path(path)
    if not path.is_file():
        raise TableFormatError(path.name, "file not found")
    if path.suffix.lower() == ".xlsx":
        return _read_xlsx(path, is_data_row, min_columns)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise TableFormatError(path.name, f"not a readable gzip file ({e})") from e
    inner = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    if inner.lower().endswith(".csv"):
        text = data.decode("latin-1")
        return _from_rows(path.name, csv.reader(io.StringIO(text)), is_data_row, min_columns)
    return _read_tab(path.name, data, is_data_row, min_columns)


def _read_tab(name: str, data: bytes, is_data_row: Callable[[list[str]], bool],
              min_columns: int) -> RawTable:
    data = data.replace(b"\r", b"").rstrip(b"\n") + b"\n"
    header: list[list[str]] = []
    pos = 0
    for _ in range(_MAX_HEADER_LINES):
        end = data.find(b"\n", pos)
        if end < 0:
            break
        fields = [f.strip() for f in data[pos:end].decode("latin-1").split("\t")]
        if is_data_row(fields):
            break
        header.append(fields)
        pos = end + 1
    else:
        end = -1
    if end < 0:
        raise TableFormatError(name, "no data row found (wrong file or wrong layout)")
    ncols = data[pos:end].count(b"\t") + 1
    if ncols < min_columns:
        raise TableFormatError(name, f"expected at least {min_columns} columns, found {ncols}",
                               len(header) + 1)
    buf = np.frombuffer(data, dtype=np.uint8, offset=pos)
    newlines = np.flatnonzero(buf == 10)
    seps = np.flatnonzero((buf == 9) | (buf == 10))
    n = len(newlines)
    tabs_before = np.searchsorted(np.flatnonzero(buf == 9), newlines)
    per_line = np.diff(np.concatenate(([0], tabs_before)))
    bad = per_line != ncols - 1
    if bad.any():
        raise TableFormatError(name, f"a row does not have {ncols} tab-separated columns",
                               len(header) + 1 + int(np.argmax(bad)))
    ends = seps.reshape(n, ncols)
    starts = np.empty_like(ends)
    starts[:, 0] = np.concatenate(([0], newlines[:-1] + 1))
    starts[:, 1:] = ends[:, :-1] + 1
    cols = [_field_column(buf, starts[:, j], ends[:, j]) for j in range(ncols)]
    return RawTable(name, header, cols, len(header) + 1)


def _field_column(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Cut one column out of the byte buffer as a numpy ``S`` array, blanks trimmed."""
    lengths = ends - starts
    width = int(lengths.max()) if len(lengths) else 0
    if width == 0:
        return np.zeros(len(starts), dtype="S1")
    if width > _WIDE:
        raw = buf.tobytes()
        return np.array([raw[s:e].strip() for s, e in zip(starts.tolist(), ends.tolist())], dtype=f"S{width}")
    idx = starts[:, None] + np.arange(width)
    mat = np.where(np.arange(width) < lengths[:, None], buf[np.minimum(idx, len(buf) - 1)], 0)
    col = np.ascontiguousarray(mat.astype(np.uint8)).view(f"S{width}").ravel()
    if (mat == 32).any():
        col = np.char.strip(col)
    return col


def _from_rows(name: str, rows, is_data_row: Callable[[list[str]], bool], min_columns: int) -> RawTable:
    header: list[list[str]] = []
    data: list[list[str]] = []
    for fields in rows:
        fields = [f.strip() for f in fields]
        if data:
            data.append(fields)
        elif is_data_row(fields):
            data.append(fields)
        elif len(header) >= _MAX_HEADER_LINES:
            break
        else:
            header.append(fields)
    if not data:
        raise TableFormatError(name, "no data row found (wrong file or wrong layout)")
    first_line = len(header) + 1
    data = [r for r in data if any(r)]
    width = len(data[0])
    if width < min_columns:
        raise TableFormatError(name, f"expected at least {min_columns} columns, found {width}", first_line)
    for i, r in enumerate(data):
        if len(r) < min_columns:
            raise TableFormatError(name, f"a row has {len(r)} columns, expected {width}", first_line + i)
        r.extend([""] * (width - len(r)))
    cols = [np.array([r[c].encode("latin-1", "replace") for r in data], dtype="S") for c in range(width)]
    return RawTable(name, header, cols, first_line)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y%m%d")
    return str(v).strip()


def _read_xlsx(path: Path, is_data_row: Callable[[list[str]], bool], min_columns: int) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise TableFormatError(path.name, f"not a readable xlsx workbook ({type(e).__name__})") from e
    try:
        rows = ([_cell(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True))
        return _from_rows(path.name, rows, is_data_row, min_columns)
    finally:
        wb.close()


# -- column helpers --------------------------------------------------------------------------

def byte_matrix(col: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, width) uint8 view of an ``S`` column (zero padded) and each value's length."""
    col = col.astype(f"S{max(width, col.dtype.itemsize)}")
    mat = col.view(np.uint8).reshape(len(col), col.dtype.itemsize)
    lengths = np.count_nonzero(mat, axis=1)
    return mat[:, :width], lengths


def codes_column(raw: RawTable, j: int, what: str) -> np.ndarray:
    """Validated 5-character HCPCS/CPT codes (upper-cased) as a ``U5`` array."""
    mat, lengths = byte_matrix(raw.columns[j], 5)
    mat = np.where((mat >= 97) & (mat <= 122), mat - 32, mat).astype(np.uint8)
    ok = (lengths == 5) & (((mat >= 48) & (mat <= 57)) | ((mat >= 65) & (mat <= 90))).all(axis=1)
    raw.fail_where(~ok, f"{what} is not a 5-character HCPCS/CPT code")
    return np.ascontiguousarray(mat).view("S5").ravel().astype("U5")


def digits_column(raw: RawTable, j: int, width: int, what: str, allow: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    """Integers from a column of up to ``width`` digits. Values equal to ``allow`` (e.g. ``*``)
    are accepted and flagged in the second array; anything else non-numeric fails by line."""
    col = raw.columns[j]
    special = (col == allow) if allow else np.zeros(len(col), dtype=bool)
    mat, lengths = byte_matrix(col, width + 1)
    digit = (mat >= 48) & (mat <= 57)
    pos = np.arange(width + 1)
    ok = special | ((lengths >= 1) & (lengths <= width) & (digit | (pos >= lengths[:, None])).all(axis=1))
    raw.fail_where(~ok, what)
    vals = np.zeros(len(col), dtype=np.int64)
    for k in range(width):
        use = (k < lengths) & ~special
        vals = np.where(use, vals * 10 + (mat[:, k].astype(np.int64) - 48), vals)
    return vals, special


def text_column(raw: RawTable, j: int) -> tuple[tuple[str, ...], np.ndarray]:
    """Dictionary-encode a free-text column: (distinct values, int32 index per row)."""
    if j >= len(raw.columns):
        return ("",), np.zeros(len(raw), dtype=np.int32)
    uniq, inverse = np.unique(raw.columns[j], return_inverse=True)
    return tuple(u.decode("latin-1") for u in uniq.tolist()), inverse.astype(np.int32)
