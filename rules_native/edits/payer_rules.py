"""Payer rule packs: YAML files of a payer's own edits, validated on load.

Schema (version 1)::

    schema: 1
    payer: acme-health          # claims whose payer matches (case-insensitive); "*" = every payer
    name: ACME commercial 2026  # optional
    rules:
      - id: ACME-PT-01          # unique within the pack
        type: requires_modifier # requires_modifier | max_units_per_day | not_covered |
                                # requires_diagnosis | prior_authorization
        codes: ["97110", "97112-97116"]   # procedure codes or inclusive ranges
        modifiers: [GP]         # requires_modifier: one of these must be on the line
        max_units: 4            # max_units_per_day: units of these codes on one date
        diagnoses: ["M54.*"]    # requires_diagnosis: the line needs one of these (ranges/prefixes as in coverage)
        severity: deny          # deny (default) | warn
        message: "..."          # required: the rationale shown to the biller
        suggested_fix: "..."    # optional
        settings: [outpatient]  # optional: outpatient / inpatient
        effective_date: 2026-01-01   # optional, inclusive
        end_date: 2026-12-31         # optional, inclusive

Unknown keys, a missing required key, a wrong type, an unknown rule type or a bad code fail with
RulePackError naming the file and the rule.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .coverage import DxMatcher
from .errors import RulePackError

RULE_TYPES = ("requires_modifier", "max_units_per_day", "not_covered", "requires_diagnosis",
              "prior_authorization")
_RULE_KEYS = {"id", "type", "codes", "modifiers", "max_units", "diagnoses", "severity", "message",
              "suggested_fix", "settings", "effective_date", "end_date"}
_NEEDS = {"requires_modifier": "modifiers", "max_units_per_day": "max_units", "requires_diagnosis": "diagnoses"}
_PROC = re.compile(r"^[0-9A-Z]{5}$")


@dataclass(frozen=True)
class CodeRange:
    lo: str
    hi: str

    def __contains__(self, code: str) -> bool:
        return self.lo <= code <= self.hi and len(code) == len(self.lo)


@dataclass(frozen=True)
class PayerRule:
    id: str
    type: str
    codes: tuple[CodeRange, ...]
    message: str
    severity: str = "deny"
    modifiers: frozenset[str] = frozenset()
    max_units: int | None = None
    diagnoses: DxMatcher | None = None
    suggested_fix: str = ""
    settings: frozenset[str] = frozenset()
    effective: dt.date | None = None
    end: dt.date | None = None

    def applies_to(self, code: str, setting: str, day: dt.date | None) -> bool:
        if self.settings and setting not in self.settings:
            return False
        if day is not None and ((self.effective and day < self.effective) or (self.end and day > self.end)):
            return False
        return any(code in r for r in self.codes)


@dataclass(frozen=True)
class RulePack:
    payer: str
    name: str
    rules: tuple[PayerRule, ...]
    source: str

    def matches(self, payer: str | None) -> bool:
        return self.payer == "*" or (payer or "").strip().lower() == self.payer


def load_rule_pack(path: str | Path) -> RulePack:
    """Load and validate one YAML rule pack (schema in the module docstring)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise RulePackError(path.name, "file not found")
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise RulePackError(path.name, f"not valid YAML{where}") from e
    if not isinstance(doc, dict):
        raise RulePackError(path.name, "top level must be a mapping with payer and rules")
    unknown = set(doc) - {"schema", "payer", "name", "rules"}
    if unknown:
        raise RulePackError(path.name, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    if doc.get("schema", 1) != 1:
        raise RulePackError(path.name, "schema must be 1")
    payer = doc.get("payer")
    if not isinstance(payer, str) or not payer.strip():
        raise RulePackError(path.name, "payer must be a non-empty string")
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules:
        raise RulePackError(path.name, "rules must be a non-empty list")
    parsed = [_rule(path.name, i, r) for i, r in enumerate(rules, start=1)]
    ids = [r.id for r in parsed]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise RulePackError(path.name, f"duplicate rule id(s): {', '.join(dupes)}")
    return RulePack(payer.strip().lower(), str(doc.get("name", "")), tuple(parsed), path.name)


def _rule(source: str, n: int, r: object) -> PayerRule:
    if not isinstance(r, dict):
        raise RulePackError(source, "each rule must be a mapping", f"#{n}")
    rid = str(r.get("id") or f"#{n}")
    err = lambda msg: RulePackError(source, msg, rid)  # noqa: E731
    unknown = set(r) - _RULE_KEYS
    if unknown:
        raise err(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    for key in ("id", "type", "codes", "message"):
        if key not in r:
            raise err(f"missing required key '{key}'")
    if r["type"] not in RULE_TYPES:
        raise err(f"type must be one of {', '.join(RULE_TYPES)}")
    need = _NEEDS.get(r["type"])
    if need and need not in r:
        raise err(f"type {r['type']} needs '{need}'")
    severity = r.get("severity", "deny")
    if severity not in ("deny", "warn"):
        raise err("severity must be deny or warn")
    if not isinstance(r["message"], str) or not r["message"].strip():
        raise err("message must be a non-empty string")
    max_units = r.get("max_units")
    if max_units is not None and (not isinstance(max_units, int) or isinstance(max_units, bool) or max_units < 0):
        raise err("max_units must be a whole number >= 0")
    settings = _str_list(r.get("settings", []), err, "settings")
    if set(settings) - {"outpatient", "inpatient"}:
        raise err("settings may hold only outpatient and inpatient")
    try:
        diagnoses = DxMatcher.parse(_str_list(r["diagnoses"], err, "diagnoses")) if "diagnoses" in r else None
    except ValueError as e:
        raise err(str(e)) from e
    return PayerRule(
        id=rid, type=r["type"], codes=_codes(_str_list(r["codes"], err, "codes"), err),
        message=r["message"].strip(), severity=severity,
        modifiers=frozenset(m.upper() for m in _str_list(r.get("modifiers", []), err, "modifiers")),
        max_units=max_units, diagnoses=diagnoses, suggested_fix=str(r.get("suggested_fix", "")),
        settings=frozenset(settings), effective=_date(r.get("effective_date"), err),
        end=_date(r.get("end_date"), err))


def _str_list(v: object, err, key: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, (str, int)) and not isinstance(x, bool) for x in v):
        raise err(f"{key} must be a list of strings")
    return [str(x).strip() for x in v]


def _codes(items: list[str], err) -> tuple[CodeRange, ...]:
    if not items:
        raise err("codes must not be empty")
    out = []
    for item in items:
        lo, _, hi = item.upper().partition("-")
        hi = hi or lo
        if not (_PROC.match(lo) and _PROC.match(hi)) or lo > hi:
            raise err(f"{item!r} is not a procedure code or range")
        out.append(CodeRange(lo, hi))
    return tuple(out)


def _date(v: object, err) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError as e:
        raise err("dates must be YYYY-MM-DD") from e
