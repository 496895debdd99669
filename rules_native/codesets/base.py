"""The code set every system shares: codes as integer ids (row index), columns as arrays.

Ids are row numbers of the compiled table, so Numba kernels take ``cs.ids_of(codes)`` and work
on ``cs.parent`` / ``cs.billable`` without touching strings.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from .. import cache
from .errors import CodeFormatError, CodeSetError, quote_token
from .normalize import normalize_code
from .store import Strings, load_array, read_json, save_array, write_json

# Every module of this package takes part in compiling some code set (parsers, column layout,
# normalisation), so all of them make up the compiler version in the cache key.
_COMPILER = cache.package_code(Path(__file__).parent)
_T = TypeVar("_T")


@dataclass(frozen=True)
class Validation:
    """Outcome of ``CodeSet.validate``: ``reason`` is "ok" or says what is wrong in words."""

    valid: bool
    billable: bool
    code: str
    reason: str

    def __bool__(self) -> bool:
        return self.valid and self.billable


@dataclass(frozen=True)
class Edition:
    """Which release a code set comes from and the dates it governs (inclusive)."""

    name: str
    effective_from: dt.date | None
    effective_to: dt.date | None

    def covers(self, day: dt.date) -> bool:
        after = self.effective_from is None or day >= self.effective_from
        before = self.effective_to is None or day <= self.effective_to
        return after and before

    def window(self) -> str:
        lo = self.effective_from.isoformat() if self.effective_from else "..."
        hi = self.effective_to.isoformat() if self.effective_to else "..."
        return f"{lo}..{hi}"


def as_date(day: dt.date | str | None) -> dt.date | None:
    """Accept a date, a datetime or an ISO string ("2026-01-15")."""
    if day is None or (isinstance(day, dt.date) and not isinstance(day, dt.datetime)):
        return day
    if isinstance(day, dt.datetime):
        return day.date()
    return dt.date.fromisoformat(day)


class CodeSet:
    """Codes of one system with descriptions, parents and billability, indexed by integer id."""

    def __init__(self, system: str, edition: Edition, codes: list[str],
                 descriptions: Strings | Sequence[str], parent: np.ndarray, billable: np.ndarray,
                 cache_path: Path | None = None, from_cache: bool = False):
        if not (len(codes) == len(descriptions) == len(parent) == len(billable)):
            raise CodeSetError(f"{system}: columns of different lengths")
        self.system = system
        self._edition = edition
        self.cache_path = cache_path
        self.from_cache = from_cache
        self.codes: list[str] = codes
        self._index = {c: i for i, c in enumerate(codes)}
        self._desc = descriptions
        self.parent: np.ndarray = np.asarray(parent, dtype=np.int32)
        self.billable: np.ndarray = np.asarray(billable, dtype=np.bool_)
        self._billable: list[bool] = self.billable.tolist()  # scalar reads without numpy boxing

    @classmethod
    def from_folder(cls, folder: Path, built_now: bool, **extra) -> "CodeSet":
        """Load what ``save_columns`` wrote; ``extra`` goes to subclasses' constructors."""
        meta = read_json(folder / "meta.json")
        return cls(meta["system"], edition_from_meta(meta), Strings.load(folder, "code").to_list(),
                   Strings.load(folder, "description"), load_array(folder, "parent"),
                   load_array(folder, "billable"), cache_path=folder, from_cache=not built_now,
                   **extra)

    # -- edition ---------------------------------------------------------------------------
    @property
    def edition(self) -> str:
        return self._edition.name

    @property
    def effective_from(self) -> dt.date | None:
        return self._edition.effective_from

    @property
    def effective_to(self) -> dt.date | None:
        return self._edition.effective_to

    def __len__(self) -> int:
        return len(self.codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.id_of(code) >= 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.system} {self.edition}: {len(self)} codes>"

    # -- lookups ---------------------------------------------------------------------------
    def id_of(self, code: str) -> int:
        """Id of ``code`` in any accepted spelling ("e1122" -> id of E11.22); -1 if unknown."""
        i = self._index.get(code)
        if i is not None:
            return i
        if not isinstance(code, str):
            return -1
        # The cheap spelling fix covers what callers send; the regex only sees the rest.
        i = self._index.get(self._fast_key(code))
        if i is not None:
            return i
        try:
            return self._index.get(normalize_code(self.system, code), -1)
        except CodeFormatError:
            return -1

    def _fast_key(self, code: str) -> str:
        return code.strip().upper()

    def ids_of(self, codes: Iterable[str]) -> np.ndarray:
        """int32 ids for kernels; -1 marks unknown or malformed codes."""
        return np.fromiter((self.id_of(c) for c in codes), dtype=np.int32)

    def code(self, i: int) -> str:
        return self.codes[i]

    def _resolve(self, code_or_id: str | int) -> int:
        if isinstance(code_or_id, (int, np.integer)):
            i = int(code_or_id)
            if not 0 <= i < len(self.codes):
                raise KeyError(f"{self.system} id {i} out of range 0..{len(self.codes) - 1}")
            return i
        i = self.id_of(code_or_id)
        if i < 0:
            raise KeyError(f"unknown {self.system} code {normalize_or_raw(self.system, code_or_id)}")
        return i

    def description(self, code_or_id: str | int) -> str:
        return self._desc[self._resolve(code_or_id)]

    def is_billable(self, code_or_id: str | int) -> bool:
        """False for unknown codes as well as for valid headers that have children."""
        if isinstance(code_or_id, str):
            i = self.id_of(code_or_id)
            return i >= 0 and self._billable[i]
        return self._billable[self._resolve(code_or_id)]

    # -- validation ------------------------------------------------------------------------
    def validate(self, code: str, date: dt.date | str | None = None) -> Validation:
        """Whether ``code`` may be reported (on ``date``, when given), and why not.

        Example: ``icd10cm.validate("S72.001")`` gives
        ``Validation(valid=True, billable=False, code="S72.001", reason="not billable: has children ...")``.
        """
        i = self.id_of(code) if isinstance(code, str) else -1
        if i >= 0:
            canon = self.codes[i]
        else:
            try:
                canon = normalize_code(self.system, code)
            except CodeFormatError as e:
                return malformed(code, e)
            return Validation(False, False, canon, self._unknown_reason(canon))
        day = as_date(date)
        if day is not None:
            outside = self._date_problem(i, day)
            if outside:
                return Validation(False, False, canon, outside)
        if not self._billable[i]:
            return Validation(True, False, canon, self._not_billable_reason(i))
        return Validation(True, True, canon, "ok")

    def _unknown_reason(self, canon: str) -> str:
        return f"unknown code: not in {self.system} {self.edition}"

    def _date_problem(self, i: int, day: dt.date) -> str:
        if self._edition.covers(day):
            return ""
        return f"outside {self.edition} effective window {self._edition.window()}"

    def _not_billable_reason(self, i: int) -> str:
        return "not billable: has children"


def load_compiled(cache_dir: Path | None, kind: str, sources: Sequence[Path],
                  build: Callable[[Path], None], open_folder: Callable[[Path, bool], _T], *,
                  label: str | None = None, options: str = "") -> _T:
    """A code set compiled from ``sources`` by ``build(folder)``, via the one compiled cache
    (``rules_native.cache``; default ``~/.cache/medcoder/codesets``); ``open_folder(folder,
    built_now)`` reads it. Editing a source or this package's code compiles it afresh."""
    try:
        key = cache.entry_key(kind, sources=sources, code=_COMPILER, options=options)
    except OSError as e:
        name = Path(e.filename).name if e.filename else "?"
        raise CodeSetError(f"{kind}: cannot read source file {name}: {e.strerror}") from e
    root = cache.cache_root(cache_dir, "codesets")
    return cache.load_or_build(root, label or kind, key, build, open_folder)


def malformed(code: object, error: CodeFormatError) -> Validation:
    """The Validation of input that is not code-shaped; long input is not echoed (PHI)."""
    shown = code.strip().upper() if isinstance(code, str) and len(code) <= 10 else ""
    return Validation(False, False, shown, f"malformed: expected {error.expected}")


def normalize_or_raw(system: str, code: object) -> str:
    """Canonical form for messages, or a safe placeholder when the input is not code-shaped."""
    try:
        return normalize_code(system, code)
    except CodeFormatError:
        return quote_token(code)


def save_columns(folder: Path, system: str, edition: Edition, codes: Sequence[str],
                 descriptions: Sequence[str], parent: Sequence[int], billable: Sequence[bool],
                 **meta: object) -> None:
    """Write the columns every code set has, plus its edition, into a cache folder."""
    Strings.save(folder, "code", codes)
    Strings.save(folder, "description", descriptions)
    save_array(folder, "parent", parent, np.int32)
    save_array(folder, "billable", billable, np.bool_)
    write_json(folder / "meta.json", {**meta, **edition_to_meta(edition), "system": system})


def edition_to_meta(edition: Edition) -> dict:
    return {"edition": edition.name,
            "effective_from": edition.effective_from and edition.effective_from.isoformat(),
            "effective_to": edition.effective_to and edition.effective_to.isoformat()}


def edition_from_meta(meta: dict) -> Edition:
    lo, hi = meta.get("effective_from"), meta.get("effective_to")
    return Edition(meta["edition"], lo and dt.date.fromisoformat(lo), hi and dt.date.fromisoformat(hi))
