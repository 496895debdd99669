"""ICD-10-CM guideline cases (``medcoder eval guidelines FILE``): code each case's note in-process and
check the codes against the ones a correct coder reports.

A case file has one JSON object a line (``../shared/data/guidelines-dev/README.md``): ``id``,
``setting``, ``note``, ``must``, ``must_not``, ``rule`` and ``why``, optionally ``may`` (codes a
coder may report: supportable, not required). A case passes when every ``must`` code is reported
and no ``must_not`` code is; other codes are not scored. Beside the pass rate the report gives the
code-level figures an auditor of real notes uses: precision (reported diagnosis codes that are in
``must`` or ``may``; external causes V00-Y99 left out, as the cases leave them out), recall (``must``
codes reported) and how often the first-listed code is the first ``must`` code. "Reported" is what
``medcoder code --format tsv`` lists for the note: the codes at or above the operating threshold,
through the same call (``server.cli.code_in_process``). Codes compare exactly, upper case with the
dot: a clinic note "cough, probable pneumonia" must report the cough (R05.9) and must not report
pneumonia (J18.9), since outpatient uncertain diagnoses are coded as their symptoms (IV.H).

Offline code: the command imports this module when it runs, never at serve time. Messages about a
bad case file name the line, never the note.
"""
from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, TextIO

SETTINGS = ("inpatient", "outpatient")
_LISTS = ("must", "must_not", "may")


class CaseError(Exception):
    """A case file that cannot be used (missing, not JSONL, a field wrong): the command exits 2."""


@dataclass(frozen=True)
class Case:
    """One guideline case; ``line`` is its 1-based line in the file."""
    id: str
    setting: str
    note: str
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    rule: str
    why: str
    line: int
    may: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseResult:
    """How one case came out: the ``must`` codes not reported, the ``must_not`` codes reported, and
    every code reported (sorted)."""
    id: str
    rule: str
    setting: str
    passed: bool
    missing: tuple[str, ...]
    wrongly: tuple[str, ...]
    got: tuple[str, ...]
    first: str = ""                  # the first-listed diagnosis code reported
    extra: tuple[str, ...] = ()      # reported diagnosis codes neither required nor allowed
    must_found: int = 0
    must_total: int = 0


def normalise(code: str) -> str:
    """A code as the cases write it: " e11.9 " -> "E11.9" (the dot is kept, never added)."""
    return code.strip().upper()


def load_cases(path: Path) -> list[Case]:
    """Every case of a JSONL file, checked; blank lines are skipped. Raises CaseError naming the
    file and line of the first bad one (a duplicate id, a missing field, a setting other than
    inpatient/outpatient)."""
    path = Path(path)
    if not path.is_file():
        raise CaseError(f"no such file: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CaseError(f"{path}: not UTF-8 text") from None
    cases, seen = [], set()
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        case = _parse_line(raw, f"{path}, line {n}", n)
        if case.id in seen:
            raise CaseError(f"{path}, line {n}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise CaseError(f"{path}: no cases")
    return cases


def _parse_line(raw: str, where: str, line: int) -> Case:
    # messages quote field names and positions only: a value may be (or contain) note text
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as e:
        raise CaseError(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
    if not isinstance(obj, dict):
        raise CaseError(f"{where}: not a JSON object")
    for field in ("id", "note", "rule"):
        if not isinstance(obj.get(field), str) or not obj[field].strip():
            raise CaseError(f"{where}: field '{field}' must be a non-empty string")
    if obj.get("setting") not in SETTINGS:
        raise CaseError(f"{where}: field 'setting' must be 'inpatient' or 'outpatient'")
    codes = {}
    for field in _LISTS:
        value = obj.get(field, None if field == "must" else [])
        if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
            raise CaseError(f"{where}: field '{field}' must be a list of code strings")
        codes[field] = tuple(normalise(c) for c in value)
    why = obj.get("why", "")
    if not isinstance(why, str):
        raise CaseError(f"{where}: field 'why' must be a string")
    return Case(id=obj["id"].strip(), setting=obj["setting"], note=obj["note"], must=codes["must"],
                must_not=codes["must_not"], rule=obj["rule"].strip(), why=why, line=line, may=codes["may"])


def _diagnosis(code: str) -> bool:
    """An ICD-10-CM diagnosis code other than an external cause (ICD-10-PCS codes are 7 characters
    without a dot; V00-Y99 are in neither list of a case)."""
    return ("." in code or len(code) == 3) and code[:1] not in "VWXY"


def score_case(case: Case, reported: Iterable[str], setting: str = "") -> CaseResult:
    """Pass or fail one case against the codes reported for its note, in reporting order.
    ``setting``: the one coded with ("" when the server's default was left to decide)."""
    ordered = list(dict.fromkeys(normalise(c) for c in reported))
    got = set(ordered)
    missing = tuple(c for c in case.must if c not in got)
    wrongly = tuple(c for c in case.must_not if c in got)
    allowed = set(case.must) | set(case.may)
    dx = [c for c in ordered if _diagnosis(c)]
    return CaseResult(id=case.id, rule=case.rule, setting=setting, passed=not missing and not wrongly,
                      missing=missing, wrongly=wrongly, got=tuple(sorted(got)), first=dx[0] if dx else "",
                      extra=tuple(c for c in dx if c not in allowed),
                      must_found=len(case.must) - len(missing), must_total=len(case.must))


def code_metrics(results: list[CaseResult], cases: list[Case]) -> dict[str, float | int]:
    """Code-level precision, recall and first-listed agreement over every case."""
    first = {c.id: c.must[0] if c.must else "" for c in cases}
    reported = sum(sum(1 for c in r.got if _diagnosis(c)) for r in results)
    extra = sum(len(r.extra) for r in results)
    found, total = sum(r.must_found for r in results), sum(r.must_total for r in results)
    agree = sum(1 for r in results if r.first and r.first == first.get(r.id))
    return {"reported": reported, "precision": (reported - extra) / reported if reported else 0.0,
            "must": total, "recall": found / total if total else 0.0,
            "first_listed": agree, "cases": len(results)}


def metrics_line(m: dict) -> str:
    """"codes: precision 0.83 (130/157), recall 0.85 (121/143), first-listed 11/22"."""
    right = round(m["precision"] * m["reported"])
    return (f"codes: precision {m['precision']:.2f} ({right}/{m['reported']}), recall {m['recall']:.2f} "
            f"({round(m['recall'] * m['must'])}/{m['must']}), first-listed {m['first_listed']}/{m['cases']}")


def build_engine(config):
    """The in-process engine, built once for every case exactly as ``medcoder code`` builds it. The
    one place the engine's config is chosen (``--profile`` arrives in ``config``)."""
    from server.cli import local_engine

    return local_engine(config)


def code_cases(engine, cases: list[Case], *, setting_from_case: bool = True) -> list[CaseResult]:
    """Code every case's note (as a .txt file named ``<id>.txt`` would be) and score it."""
    from server.cli import code_in_process

    results = []
    for case in cases:
        setting = case.setting if setting_from_case else None
        try:
            enc = code_in_process(engine, case.note.encode("utf-8"), fmt="text", doc_id=case.id,
                                  setting=setting)
        except Exception as e:   # typed errors carry a public message that never quotes the note
            if getattr(e, "message", None) is None:
                raise
            raise CaseError(f"case {case.id} (line {case.line}): {e.message}") from None
        results.append(score_case(case, (c.code for c in enc.codes), setting or ""))   # reporting order
    return results


def by_rule(results: list[CaseResult]) -> dict[str, tuple[int, int]]:
    """rule family -> (passed, cases), sorted by family."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        counts[r.rule][0] += r.passed
        counts[r.rule][1] += 1
    return {rule: (p, n) for rule, (p, n) in sorted(counts.items())}


def summary_line(results: list[CaseResult]) -> str:
    """"guideline cases passed: 121/160 = 76%"."""
    passed = sum(r.passed for r in results)
    return f"guideline cases passed: {passed}/{len(results)} = {passed / len(results):.0%}"


def format_report(results: list[CaseResult], cases: list[Case] | None = None, *, verbose: bool = False) -> str:
    """Each failing case (``id: missing [...] wrongly [...] got [...]``), the pass rate of each rule
    family, then the summary line. ``verbose``: passing cases too, and each failing case's ``why``."""
    why = {c.id: c.why for c in cases or ()}
    lines = []
    for r in results:
        if not r.passed:
            lines.append(f"{r.id}: missing {list(r.missing)} wrongly {list(r.wrongly)} got {list(r.got)}")
            if verbose and why.get(r.id):
                lines.append(f"    {r.rule}: {why[r.id]}")
        elif verbose:
            lines.append(f"{r.id}: passed, got {list(r.got)}")
    table = by_rule(results)
    width = max(len("rule"), *(len(k) for k in table))
    lines.append(f"{'rule':<{width}}  {'passed':>7}  {'rate':>5}")
    for rule, (p, n) in table.items():
        lines.append(f"{rule:<{width}}  {f'{p}/{n}':>7}  {p / n:>5.0%}")
    if cases:
        lines.append(metrics_line(code_metrics(results, cases)))
    lines.append(summary_line(results))
    return "\n".join(lines)


def write_json(out: Path, results: list[CaseResult], cases: list[Case] | None = None) -> None:
    """The per-case results (no note text), the per-family counts, the totals and (given the
    cases) the code-level figures."""
    doc = {"passed": sum(r.passed for r in results), "cases": len(results),
           "by_rule": {k: {"passed": p, "cases": n} for k, (p, n) in by_rule(results).items()},
           "results": [asdict(r) for r in results]}
    if cases:
        doc["codes"] = code_metrics(results, cases)
    Path(out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def run_guidelines(path: Path, config, *, setting_from_case: bool = True, verbose: bool = False,
                   json_out: Path | None = None, out: TextIO | None = None) -> list[CaseResult]:
    """``medcoder eval guidelines``: load and check the cases, build the engine once, code and score
    every case, print the report (and write ``json_out``). Raises CaseError on bad input."""
    cases = load_cases(path)
    if json_out is not None and not Path(json_out).parent.is_dir():
        raise CaseError(f"no such folder for --json: {Path(json_out).parent}")
    engine = build_engine(config)
    try:
        results = code_cases(engine, cases, setting_from_case=setting_from_case)
    finally:
        engine.close()
    print(format_report(results, cases, verbose=verbose), file=out or sys.stdout)
    if json_out is not None:
        write_json(json_out, results, cases)
    return results
