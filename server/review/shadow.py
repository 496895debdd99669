"""``medcoder report shadow``: how the machine's suggestions compare with coders' final codes.

Per reviewed encounter, with the latest decision per suggestion (corrections win):
  suggested  S = codes of suggestions that got a decision (undecided ones are not counted)
  final      F = accepted codes + modified-to codes + added codes
  precision  |S & F| / |S|   (1 - precision is the over-coding risk)
  recall     |S & F| / |F|   (1 - recall is the under-coding risk)
  agreement  accepted unchanged / reviewed suggestions
Micro-averaged over encounters; grouped overall, per ICD-10-CM chapter (of the suggested code for
precision, of the final code for recall; ICD-10-PCS by section) and per specialty when known.

Claims (shadow mode for payers): per payer, the denial-risk flags raised when claims were scored
here (risk >= ``denial_threshold``) against what the payer's 835 later denied: precision and recall
of the flag (``server.review.denial_report``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from server.review.denial_report import PayerDenials, claim_flags_table, denial_report
from server.review.log import ReviewLog


@dataclass
class Tally:
    reviewed: int = 0     # suggestions with a decision
    accepted: int = 0
    suggested: int = 0    # |S|
    final: int = 0        # |F|
    tp_s: int = 0         # suggested codes that are final
    tp_f: int = 0         # final codes that were suggested

    @property
    def precision(self) -> float | None:
        return self.tp_s / self.suggested if self.suggested else None

    @property
    def recall(self) -> float | None:
        return self.tp_f / self.final if self.final else None

    @property
    def agreement(self) -> float | None:
        return self.accepted / self.reviewed if self.reviewed else None


@dataclass
class ShadowReport:
    encounters: int = 0
    overall: Tally = field(default_factory=Tally)
    by_chapter: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_specialty: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    claims: list[PayerDenials] = field(default_factory=list)   # per payer: risk flags vs denials
    denial_threshold: float = 0.5


def _chapter(codesets, system: str, code: str) -> str:
    if system == "ICD10CM":
        try:
            number, title = codesets.icd10cm.chapter_of(code)
            return f"{number:02d} {title}"
        except (KeyError, IndexError):
            return "?? unknown ICD-10-CM"
    if system == "ICD10PCS":
        return f"PCS section {code[:1]}"
    return system


def shadow_report(log: ReviewLog, codesets, tenant_id: str | None = None,
                  denial_threshold: float = 0.5) -> ShadowReport:
    report = ShadowReport(denial_threshold=denial_threshold)
    report.claims = [p for p in denial_report(log, tenant_id=tenant_id, threshold=denial_threshold) if p.scored]
    by_encounter: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in log.decisions(tenant_id=tenant_id):
        by_encounter[d["encounter_id"]].append(d)
    for eid, decisions in by_encounter.items():
        enc = log.encounter(eid)
        specialty = (enc or {}).get("specialty") or ""
        latest = {d["suggestion_id"]: d for d in decisions if d["suggestion_id"]}
        suggested = {(d["system"], d["suggested_code"]) for d in latest.values()}
        final = {(d["system"], d["final_code"]) for d in latest.values() if d["action"] in ("accept", "modify")}
        final |= {(d["system"], d["final_code"]) for d in decisions if d["action"] == "add"}
        report.encounters += 1
        groups = [report.overall] + ([report.by_specialty[specialty]] if specialty else [])
        for t in groups:
            _count(t, latest, suggested, final)
        for system, code in suggested:
            t = report.by_chapter[_chapter(codesets, system, code)]
            t.suggested += 1
            t.tp_s += (system, code) in final
        for system, code in final:
            t = report.by_chapter[_chapter(codesets, system, code)]
            t.final += 1
            t.tp_f += (system, code) in suggested
        for d in latest.values():
            t = report.by_chapter[_chapter(codesets, d["system"], d["suggested_code"])]
            t.reviewed += 1
            t.accepted += d["action"] == "accept"
    return report


def _count(t: Tally, latest, suggested, final) -> None:
    t.reviewed += len(latest)
    t.accepted += sum(d["action"] == "accept" for d in latest.values())
    t.suggested += len(suggested)
    t.final += len(final)
    t.tp_s += len(suggested & final)
    t.tp_f += len(final & suggested)


def _pct(x: float | None) -> str:
    return "   -  " if x is None else f"{x * 100:5.1f}%"


def format_report(r: ShadowReport) -> str:
    head = f"{'group':<48} {'reviewed':>8} {'agree':>7} {'prec':>7} {'recall':>7} {'sugg':>5} {'final':>5}"
    lines = [f"shadow report: {r.encounters} reviewed encounters", head, "-" * len(head)]

    def row(name: str, t: Tally) -> str:
        return (f"{name[:48]:<48} {t.reviewed:>8} {_pct(t.agreement):>7} {_pct(t.precision):>7} "
                f"{_pct(t.recall):>7} {t.suggested:>5} {t.final:>5}")

    lines.append(row("overall", r.overall))
    if r.by_specialty:
        lines += ["", "by specialty"] + [row(k, v) for k, v in sorted(r.by_specialty.items())]
    lines += ["", "by ICD-10-CM chapter"] + [row(k, v) for k, v in sorted(r.by_chapter.items())]
    if r.claims:
        lines += [""] + claim_flags_table(r.claims, r.denial_threshold)
    return "\n".join(lines)


def write_charts(r: ShadowReport, out_dir: Path) -> list[Path]:
    """PNG bar charts: precision / recall / agreement per chapter (and per specialty when known)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, groups in (("by_chapter", r.by_chapter), ("by_specialty", r.by_specialty)):
        if not groups:
            continue
        labels = sorted(groups)
        fig, ax = plt.subplots(figsize=(10, 0.45 * len(labels) + 1.8))
        ys = range(len(labels))
        for k, (metric, color) in enumerate((("precision", "#3b7dd8"), ("recall", "#e08a1e"),
                                             ("agreement", "#3a9a5b"))):
            vals = [getattr(groups[g], metric) or 0.0 for g in labels]
            ax.barh([y + (k - 1) * 0.27 for y in ys], vals, height=0.27, label=metric, color=color)
        ax.set_yticks(list(ys), [g[:45] for g in labels], fontsize=8)
        ax.set_xlim(0, 1)
        ax.invert_yaxis()
        ax.set_xlabel("share")
        ax.set_title(f"Shadow mode: suggestions vs coders' final codes ({name.replace('_', ' ')})")
        ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        path = out_dir / f"shadow_{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
