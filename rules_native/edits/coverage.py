"""LCD/NCD medical-necessity coverage from a CSV the user supplies.

Layout (UTF-8 CSV, header row required, one row per procedure and policy; several rows for a
procedure add up)::

    procedure_code,diagnosis_codes,article_id,policy,effective_date,end_date,description
    93000,I48.0-I48.91;R00.0;Z01.810,A57326,lcd,2025-01-01,,Electrocardiogram

* ``procedure_code`` (required): a 5-character HCPCS/CPT code.
* ``diagnosis_codes`` (required): ``;``-separated ICD-10-CM codes (dots optional): ``R00.0``
  exact, ``I48.0-I48.91`` an inclusive range (the upper bound covers its children), ``I48.*``
  or ``I48.-`` every code under I48.
* ``article_id`` (required): the LCD/NCD or billing article that lists the codes.
* ``policy`` (``lcd`` or ``ncd``, default ``lcd``), ``effective_date`` / ``end_date`` (ISO,
  optional, inclusive), ``description``: optional.

A line whose procedure has a policy in force on its date of service and none of whose
diagnoses (its pointers, else all claim diagnoses) the policy covers is not medically necessary.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import CoverageFormatError

_REQUIRED = ("procedure_code", "diagnosis_codes", "article_id")
_OPTIONAL = ("policy", "effective_date", "end_date", "description")
_DX = re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$")
_PROC = re.compile(r"^[0-9A-Z]{5}$")


def dx_key(code: str) -> str:
    return code.replace(".", "").strip().upper()


@dataclass(frozen=True)
class DxMatcher:
    """A set of ICD-10-CM codes written as exact codes, ranges and prefixes."""

    exact: frozenset[str]
    prefixes: tuple[str, ...]
    ranges: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, spec: str | list[str], where: str = "") -> "DxMatcher":
        items = spec if isinstance(spec, list) else spec.split(";")
        exact, prefixes, ranges = set(), [], []
        for item in (str(i).strip() for i in items):
            if not item:
                continue
            if item.endswith(("*", ".-", "-")) and "-" not in item[:-2]:
                p = dx_key(item.rstrip("*-").rstrip("."))
                _check_dx(p, item, where)
                prefixes.append(p)
            elif "-" in item:
                lo, _, hi = item.partition("-")
                lo, hi = dx_key(lo), dx_key(hi)
                _check_dx(lo, item, where)
                _check_dx(hi, item, where)
                if lo > hi:
                    raise ValueError(f"{where}range {item!r} runs backwards")
                ranges.append((lo, hi))
            else:
                k = dx_key(item)
                _check_dx(k, item, where)
                exact.add(k)
        if not (exact or prefixes or ranges):
            raise ValueError(f"{where}no diagnosis codes given")
        return cls(frozenset(exact), tuple(prefixes), tuple(ranges))

    def matches(self, code: str) -> bool:
        k = dx_key(code)
        if k in self.exact or any(k.startswith(p) for p in self.prefixes):
            return True
        return any(lo <= k and (k <= hi or k.startswith(hi)) for lo, hi in self.ranges)


def _check_dx(key: str, item: str, where: str) -> None:
    if not _DX.match(key):
        raise ValueError(f"{where}{item!r} is not an ICD-10-CM code, range or prefix")


@dataclass(frozen=True)
class Policy:
    procedure: str
    covered: DxMatcher
    article_id: str
    kind: str
    effective: dt.date | None
    end: dt.date | None
    description: str

    def in_force(self, day: dt.date) -> bool:
        return (self.effective is None or self.effective <= day) and (self.end is None or day <= self.end)


class CoverageTable:
    """Policies by procedure code, from one or more coverage CSVs."""

    def __init__(self, policies: list[Policy]):
        self._by_code: dict[str, list[Policy]] = {}
        for p in policies:
            self._by_code.setdefault(p.procedure, []).append(p)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_code.values())

    def uncovered(self, procedure: str, diagnoses: list[str], day: dt.date) -> list[Policy]:
        """Policies in force for ``procedure`` on ``day`` when none of them covers any of
        ``diagnoses``; empty when the line is covered or no policy applies."""
        policies = [p for p in self._by_code.get(procedure, ()) if p.in_force(day)]
        if not policies or any(p.covered.matches(d) for p in policies for d in diagnoses):
            return []
        return policies


def load_coverage(paths: list[str | Path]) -> CoverageTable:
    """Read coverage CSVs (layout in the module docstring). Raises CoverageFormatError."""
    policies: list[Policy] = []
    for path in map(Path, paths):
        if not path.is_file():
            raise CoverageFormatError(path.name, "file not found")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in _REQUIRED if c not in header]
            if missing:
                raise CoverageFormatError(path.name, f"header lacks column(s): {', '.join(missing)}", 1)
            unknown = [c for c in header if c not in _REQUIRED + _OPTIONAL]
            if unknown:
                raise CoverageFormatError(path.name, f"unknown column(s): {', '.join(unknown)}", 1)
            reader.fieldnames = header
            for line, row in enumerate(reader, start=2):
                policies.append(_policy(path.name, line, row))
    return CoverageTable(policies)


def _policy(source: str, line: int, row: dict[str, str]) -> Policy:
    get = lambda k: (row.get(k) or "").strip()  # noqa: E731
    proc = get("procedure_code").upper()
    if not _PROC.match(proc):
        raise CoverageFormatError(source, "procedure_code is not a 5-character HCPCS/CPT code", line)
    if not get("article_id"):
        raise CoverageFormatError(source, "article_id is empty", line)
    kind = get("policy").lower() or "lcd"
    if kind not in ("lcd", "ncd"):
        raise CoverageFormatError(source, "policy must be lcd or ncd", line)
    try:
        covered = DxMatcher.parse(get("diagnosis_codes"))
    except ValueError as e:
        raise CoverageFormatError(source, str(e), line) from e
    try:
        eff = dt.date.fromisoformat(get("effective_date")) if get("effective_date") else None
        end = dt.date.fromisoformat(get("end_date")) if get("end_date") else None
    except ValueError as e:
        raise CoverageFormatError(source, "effective_date and end_date must be YYYY-MM-DD", line) from e
    return Policy(proc, covered, get("article_id"), kind, eff, end, get("description"))
