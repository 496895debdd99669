"""The claim as the compliance engine sees it, and what scoring returns.

Line numbers: ``Edit.lines`` holds 0-based indices into ``Claim.lines``; rationales and
suggested fixes speak to people and count lines from 1 ("line 2"), as claim forms do.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from server.domain import Edit, Patient, Setting

PROFESSIONAL, INSTITUTIONAL = "professional", "institutional"


@dataclass(frozen=True)
class ClaimLine:
    code: str                          # HCPCS/CPT, upper case
    modifiers: tuple[str, ...] = ()
    units: int = 1
    date_of_service: dt.date | None = None
    place_of_service: str = ""
    diagnosis_pointers: tuple[int, ...] = ()   # 1-based into Claim.diagnoses
    usable: bool = True                # False when the line could not be read well enough to edit


@dataclass(frozen=True)
class Claim:
    """One claim. ``diagnoses`` are ICD-10-CM in canonical dotted form where they parsed (the
    first is the principal / first-listed); ``issues`` are edits found while reading it
    (``invalid_line``, ``invalid_code``) so a bad line never sinks the rest of the claim."""

    claim_id: str
    lines: tuple[ClaimLine, ...]
    diagnoses: tuple[str, ...] = ()
    setting: Setting = Setting.OUTPATIENT
    patient: Patient = field(default_factory=Patient)
    payer: str = ""
    form: str = PROFESSIONAL           # professional (837P / CMS-1500) or institutional (837I / UB-04)
    procedures: tuple[str, ...] = ()   # ICD-10-PCS, inpatient only (for MS-DRG grouping)
    issues: tuple[Edit, ...] = ()
    # attachment control numbers (837 PWK06): the documents sent with the claim, by Document.id
    attachments: tuple[str, ...] = ()

    @property
    def service_date(self) -> dt.date | None:
        """The latest line date (the discharge / through date for code-set and MCE versions)."""
        days = [ln.date_of_service for ln in self.lines if ln.date_of_service is not None]
        return max(days) if days else None


@dataclass(frozen=True)
class ClaimResult:
    """Edits found on one claim.

    ``denial_risk`` in [0, 1] is the chance that at least one edit leads to a denial when each
    edit is taken as an independent event with the weight of its kind and severity
    (docs/compliance.md lists the weights): ``1 - prod(1 - w_e)``. A claim with no edits scores 0;
    one non-bypassable denial (indicator-0 PTP pair, MAI 2 MUE, invalid code) scores >= 0.95.
    ``error`` is set (and ``denial_risk`` is 1) when the claim could not be read at all.
    """

    claim_id: str
    edits: tuple[Edit, ...] = ()
    denial_risk: float = 0.0
    drg: str = ""
    drg_description: str = ""
    error: str = ""

    def kinds(self) -> set[str]:
        return {e.kind for e in self.edits}
