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


# -- remittance (X12 835): what the payer did with a claim -----------------------------------------
PAID_STATUSES = {"1", "2", "3", "19", "20", "21", "23", "25"}   # CLP02: processed (primary, secondary, ...)
DENIED, REVERSAL = "4", "22"


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: group (CO contractual, PR patient, OA other, PI payer-initiated, CR
    correction), the CARC and its amount; ``line`` is the 0-based SVC line, -1 for the claim."""

    group: str
    carc: str
    amount: float
    line: int = -1


@dataclass(frozen=True)
class RemitLine:
    """One SVC service line as paid: the billed procedure code and what the payer did."""

    code: str
    modifiers: tuple[str, ...]
    charge: float
    paid: float
    units: float
    rarcs: tuple[str, ...] = ()   # LQ*HE remark codes of this line


@dataclass(frozen=True)
class RemitClaim:
    """One CLP: ``claim_id`` is CLP01, the submitter's claim id (the 837's CLM01), which joins the
    remittance to the claim scored here."""

    claim_id: str
    status: str                  # CLP02
    charge: float                # CLP03
    paid: float                  # CLP04
    patient_resp: float          # CLP05
    payer_claim_id: str          # CLP07
    adjustments: tuple[Adjustment, ...] = ()
    lines: tuple[RemitLine, ...] = ()
    rarcs: tuple[str, ...] = ()  # claim-level remarks (MOA / MIA)

    @property
    def denied(self) -> bool:
        """Denied outright (CLP02 4), or processed with nothing paid on a positive charge."""
        if self.status == DENIED:
            return True
        return self.status in PAID_STATUSES and self.paid == 0 and self.charge > 0


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction set (ST..SE): one payer's payment (``check`` is TRN02, the check or EFT
    trace number) and the claims it answers."""

    payer: str                   # the payer's id (N1*PR N104, or REF*2U), else its name, as written
    payer_name: str
    check: str
    paid_date: str               # ISO (BPR16), "" when absent
    total_paid: float            # BPR02
    claims: tuple[RemitClaim, ...]
