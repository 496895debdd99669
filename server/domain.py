"""Domain objects shared by ingest, the pipeline, the rules engine and the servicer.

Protobuf stays at the edge (server/convert.py); everything inside works on these.
All offsets are character offsets into ``Document.text`` -- the text as the caller sees it
(plain text as sent; FHIR attachments decoded; HL7 with escape sequences resolved).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CodeSystem(str, enum.Enum):
    ICD10CM = "ICD10CM"
    ICD10PCS = "ICD10PCS"
    HCPCS = "HCPCS"
    CPT = "CPT"


class Assertion(str, enum.Enum):
    PRESENT = "present"
    ABSENT = "absent"
    POSSIBLE = "possible"          # uncertain: probable, suspected, rule out, likely
    HISTORICAL = "historical"
    FAMILY = "family"
    HYPOTHETICAL = "hypothetical"  # if, return if, should ... develop


class Setting(str, enum.Enum):
    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"


class SourceFormat(str, enum.Enum):
    TEXT = "text"
    FHIR = "fhir"
    HL7V2 = "hl7v2"


class Severity(str, enum.Enum):
    DENY = "deny"
    WARN = "warn"
    INFO = "info"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    section: str = ""


@dataclass(frozen=True)
class Patient:
    age_years: int | None = None
    sex: str | None = None  # "F" | "M" | None


@dataclass(frozen=True)
class Document:
    """One clinical document after ingest. ``segments`` are (start, end, title) of the parts
    a payload carried (FHIR sections, HL7 OBX groups); the sectionizer refines them."""

    doc_id: str
    text: str
    setting: Setting = Setting.OUTPATIENT
    patient: Patient = field(default_factory=Patient)
    source_format: SourceFormat = SourceFormat.TEXT
    date_of_service: str | None = None  # ISO date
    segments: tuple[tuple[int, int, str], ...] = ()


@dataclass(frozen=True)
class RuleNote:
    """A guideline or coding-convention note attached to a suggestion
    (kind: use_additional, code_first, excludes1, combination, integral_symptom, uncertain_dx...)."""

    kind: str
    message: str
    related_code: str = ""


@dataclass
class CodeSuggestion:
    system: CodeSystem
    code: str                     # dotted form for ICD-10-CM (E11.22), plain for PCS/HCPCS/CPT
    description: str
    confidence: float
    evidence: tuple[Span, ...] = ()
    assertion: Assertion = Assertion.PRESENT
    notes: tuple[RuleNote, ...] = ()
    sequence: int = 0             # 1 = principal / first-listed
    principal: bool = False
    suggestion_id: str = ""


@dataclass(frozen=True)
class CdiQuery:
    """A clarification query for the physician: the best supported code is unspecified, but the
    documentation could support a more specific one ("heart failure" without type or acuity)."""

    code: str
    question: str
    missing: tuple[str, ...]
    evidence: tuple[Span, ...] = ()


@dataclass(frozen=True)
class Edit:
    """One compliance finding (NCCI PTP, MUE, Excludes1, code editor, coverage, payer rule)."""

    kind: str
    severity: Severity
    rationale: str
    lines: tuple[int, ...] = ()
    codes: tuple[str, ...] = ()
    bypass_modifier_allowed: bool = False
    suggested_fix: str = ""


@dataclass
class CodedEncounter:
    doc_id: str
    text: str
    setting: Setting
    codes: list[CodeSuggestion] = field(default_factory=list)
    cdi_queries: list[CdiQuery] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    model_versions: dict[str, str] = field(default_factory=dict)
    stage_ms: dict[str, float] = field(default_factory=dict)
    # codes the note names only as absent, hypothetical, family, past or (outpatient) uncertain, not
    # coded as the condition (its assertion says which): what a claim billing one is checked against
    not_present: list[CodeSuggestion] = field(default_factory=list)
