from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CodeSystem(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CODE_SYSTEM_UNSPECIFIED: _ClassVar[CodeSystem]
    ICD10CM: _ClassVar[CodeSystem]
    ICD10PCS: _ClassVar[CodeSystem]
    HCPCS: _ClassVar[CodeSystem]
    CPT: _ClassVar[CodeSystem]

class Assertion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSERTION_UNSPECIFIED: _ClassVar[Assertion]
    PRESENT: _ClassVar[Assertion]
    ABSENT: _ClassVar[Assertion]
    POSSIBLE: _ClassVar[Assertion]
    HISTORICAL: _ClassVar[Assertion]
    FAMILY: _ClassVar[Assertion]
    HYPOTHETICAL: _ClassVar[Assertion]

class Setting(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SETTING_UNSPECIFIED: _ClassVar[Setting]
    OUTPATIENT: _ClassVar[Setting]
    INPATIENT: _ClassVar[Setting]

class DocumentFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FORMAT_AUTO: _ClassVar[DocumentFormat]
    TEXT: _ClassVar[DocumentFormat]
    FHIR_R4_JSON: _ClassVar[DocumentFormat]
    HL7V2: _ClassVar[DocumentFormat]

class Sex(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEX_UNSPECIFIED: _ClassVar[Sex]
    FEMALE: _ClassVar[Sex]
    MALE: _ClassVar[Sex]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    DENY: _ClassVar[Severity]
    WARN: _ClassVar[Severity]
    INFO: _ClassVar[Severity]

class ReviewAction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REVIEW_ACTION_UNSPECIFIED: _ClassVar[ReviewAction]
    ACCEPT: _ClassVar[ReviewAction]
    MODIFY: _ClassVar[ReviewAction]
    REJECT: _ClassVar[ReviewAction]
    ADD: _ClassVar[ReviewAction]
CODE_SYSTEM_UNSPECIFIED: CodeSystem
ICD10CM: CodeSystem
ICD10PCS: CodeSystem
HCPCS: CodeSystem
CPT: CodeSystem
ASSERTION_UNSPECIFIED: Assertion
PRESENT: Assertion
ABSENT: Assertion
POSSIBLE: Assertion
HISTORICAL: Assertion
FAMILY: Assertion
HYPOTHETICAL: Assertion
SETTING_UNSPECIFIED: Setting
OUTPATIENT: Setting
INPATIENT: Setting
FORMAT_AUTO: DocumentFormat
TEXT: DocumentFormat
FHIR_R4_JSON: DocumentFormat
HL7V2: DocumentFormat
SEX_UNSPECIFIED: Sex
FEMALE: Sex
MALE: Sex
SEVERITY_UNSPECIFIED: Severity
DENY: Severity
WARN: Severity
INFO: Severity
REVIEW_ACTION_UNSPECIFIED: ReviewAction
ACCEPT: ReviewAction
MODIFY: ReviewAction
REJECT: ReviewAction
ADD: ReviewAction

class Patient(_message.Message):
    __slots__ = ("age_years", "sex")
    AGE_YEARS_FIELD_NUMBER: _ClassVar[int]
    SEX_FIELD_NUMBER: _ClassVar[int]
    age_years: int
    sex: Sex
    def __init__(self, age_years: _Optional[int] = ..., sex: _Optional[_Union[Sex, str]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("id", "format", "content", "setting", "patient", "date_of_service")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_SERVICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    format: DocumentFormat
    content: bytes
    setting: Setting
    patient: Patient
    date_of_service: str
    def __init__(self, id: _Optional[str] = ..., format: _Optional[_Union[DocumentFormat, str]] = ..., content: _Optional[bytes] = ..., setting: _Optional[_Union[Setting, str]] = ..., patient: _Optional[_Union[Patient, _Mapping]] = ..., date_of_service: _Optional[str] = ...) -> None: ...

class CodeEncounterRequest(_message.Message):
    __slots__ = ("request_id", "document", "min_score", "systems", "profile")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    SYSTEMS_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    document: Document
    min_score: float
    systems: _containers.RepeatedScalarFieldContainer[CodeSystem]
    profile: str
    def __init__(self, request_id: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., min_score: _Optional[float] = ..., systems: _Optional[_Iterable[_Union[CodeSystem, str]]] = ..., profile: _Optional[str] = ...) -> None: ...

class Span(_message.Message):
    __slots__ = ("start", "end", "section")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    SECTION_FIELD_NUMBER: _ClassVar[int]
    start: int
    end: int
    section: str
    def __init__(self, start: _Optional[int] = ..., end: _Optional[int] = ..., section: _Optional[str] = ...) -> None: ...

class RuleNote(_message.Message):
    __slots__ = ("kind", "message", "related_code")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RELATED_CODE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    message: str
    related_code: str
    def __init__(self, kind: _Optional[str] = ..., message: _Optional[str] = ..., related_code: _Optional[str] = ...) -> None: ...

class CodeSuggestion(_message.Message):
    __slots__ = ("system", "code", "description", "confidence", "evidence", "assertion", "notes", "sequence", "principal", "suggestion_id")
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    ASSERTION_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    system: CodeSystem
    code: str
    description: str
    confidence: float
    evidence: _containers.RepeatedCompositeFieldContainer[Span]
    assertion: Assertion
    notes: _containers.RepeatedCompositeFieldContainer[RuleNote]
    sequence: int
    principal: bool
    suggestion_id: str
    def __init__(self, system: _Optional[_Union[CodeSystem, str]] = ..., code: _Optional[str] = ..., description: _Optional[str] = ..., confidence: _Optional[float] = ..., evidence: _Optional[_Iterable[_Union[Span, _Mapping]]] = ..., assertion: _Optional[_Union[Assertion, str]] = ..., notes: _Optional[_Iterable[_Union[RuleNote, _Mapping]]] = ..., sequence: _Optional[int] = ..., principal: _Optional[bool] = ..., suggestion_id: _Optional[str] = ...) -> None: ...

class CdiQuery(_message.Message):
    __slots__ = ("code", "question", "missing", "evidence")
    CODE_FIELD_NUMBER: _ClassVar[int]
    QUESTION_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    code: str
    question: str
    missing: _containers.RepeatedScalarFieldContainer[str]
    evidence: _containers.RepeatedCompositeFieldContainer[Span]
    def __init__(self, code: _Optional[str] = ..., question: _Optional[str] = ..., missing: _Optional[_Iterable[str]] = ..., evidence: _Optional[_Iterable[_Union[Span, _Mapping]]] = ...) -> None: ...

class Edit(_message.Message):
    __slots__ = ("kind", "lines", "codes", "severity", "bypass_modifier_allowed", "rationale", "suggested_fix")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    BYPASS_MODIFIER_ALLOWED_FIELD_NUMBER: _ClassVar[int]
    RATIONALE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_FIX_FIELD_NUMBER: _ClassVar[int]
    kind: str
    lines: _containers.RepeatedScalarFieldContainer[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    severity: Severity
    bypass_modifier_allowed: bool
    rationale: str
    suggested_fix: str
    def __init__(self, kind: _Optional[str] = ..., lines: _Optional[_Iterable[int]] = ..., codes: _Optional[_Iterable[str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., bypass_modifier_allowed: _Optional[bool] = ..., rationale: _Optional[str] = ..., suggested_fix: _Optional[str] = ...) -> None: ...

class CodedEncounter(_message.Message):
    __slots__ = ("document_id", "text", "setting", "codes", "cdi_queries", "edits", "model_versions", "encounter_id")
    class ModelVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    CODES_FIELD_NUMBER: _ClassVar[int]
    CDI_QUERIES_FIELD_NUMBER: _ClassVar[int]
    EDITS_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    text: str
    setting: Setting
    codes: _containers.RepeatedCompositeFieldContainer[CodeSuggestion]
    cdi_queries: _containers.RepeatedCompositeFieldContainer[CdiQuery]
    edits: _containers.RepeatedCompositeFieldContainer[Edit]
    model_versions: _containers.ScalarMap[str, str]
    encounter_id: str
    def __init__(self, document_id: _Optional[str] = ..., text: _Optional[str] = ..., setting: _Optional[_Union[Setting, str]] = ..., codes: _Optional[_Iterable[_Union[CodeSuggestion, _Mapping]]] = ..., cdi_queries: _Optional[_Iterable[_Union[CdiQuery, _Mapping]]] = ..., edits: _Optional[_Iterable[_Union[Edit, _Mapping]]] = ..., model_versions: _Optional[_Mapping[str, str]] = ..., encounter_id: _Optional[str] = ...) -> None: ...

class CodeEncounterResponse(_message.Message):
    __slots__ = ("request_id", "encounter")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    encounter: CodedEncounter
    def __init__(self, request_id: _Optional[str] = ..., encounter: _Optional[_Union[CodedEncounter, _Mapping]] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class CodeEncountersItem(_message.Message):
    __slots__ = ("request_id", "encounter", "error")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    encounter: CodedEncounter
    error: Error
    def __init__(self, request_id: _Optional[str] = ..., encounter: _Optional[_Union[CodedEncounter, _Mapping]] = ..., error: _Optional[_Union[Error, _Mapping]] = ...) -> None: ...

class ClaimLine(_message.Message):
    __slots__ = ("code", "modifiers", "units", "date_of_service", "place_of_service", "diagnosis_pointers", "system")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MODIFIERS_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    DATE_OF_SERVICE_FIELD_NUMBER: _ClassVar[int]
    PLACE_OF_SERVICE_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_POINTERS_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    code: str
    modifiers: _containers.RepeatedScalarFieldContainer[str]
    units: int
    date_of_service: str
    place_of_service: str
    diagnosis_pointers: _containers.RepeatedScalarFieldContainer[int]
    system: CodeSystem
    def __init__(self, code: _Optional[str] = ..., modifiers: _Optional[_Iterable[str]] = ..., units: _Optional[int] = ..., date_of_service: _Optional[str] = ..., place_of_service: _Optional[str] = ..., diagnosis_pointers: _Optional[_Iterable[int]] = ..., system: _Optional[_Union[CodeSystem, str]] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("claim_id", "setting", "patient", "diagnoses", "lines", "payer", "procedures")
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    PATIENT_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSES_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    PAYER_FIELD_NUMBER: _ClassVar[int]
    PROCEDURES_FIELD_NUMBER: _ClassVar[int]
    claim_id: str
    setting: Setting
    patient: Patient
    diagnoses: _containers.RepeatedScalarFieldContainer[str]
    lines: _containers.RepeatedCompositeFieldContainer[ClaimLine]
    payer: str
    procedures: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, claim_id: _Optional[str] = ..., setting: _Optional[_Union[Setting, str]] = ..., patient: _Optional[_Union[Patient, _Mapping]] = ..., diagnoses: _Optional[_Iterable[str]] = ..., lines: _Optional[_Iterable[_Union[ClaimLine, _Mapping]]] = ..., payer: _Optional[str] = ..., procedures: _Optional[_Iterable[str]] = ...) -> None: ...

class ScoreClaimRequest(_message.Message):
    __slots__ = ("request_id", "claim", "x12_837", "documents")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_FIELD_NUMBER: _ClassVar[int]
    X12_837_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim: Claim
    x12_837: bytes
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    def __init__(self, request_id: _Optional[str] = ..., claim: _Optional[_Union[Claim, _Mapping]] = ..., x12_837: _Optional[bytes] = ..., documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ...) -> None: ...

class DocumentationEvidence(_message.Message):
    __slots__ = ("document_id", "span")
    DOCUMENT_ID_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    document_id: str
    span: Span
    def __init__(self, document_id: _Optional[str] = ..., span: _Optional[_Union[Span, _Mapping]] = ...) -> None: ...

class DocumentationFlag(_message.Message):
    __slots__ = ("kind", "system", "code", "why", "evidence", "documented_code")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTED_CODE_FIELD_NUMBER: _ClassVar[int]
    kind: str
    system: CodeSystem
    code: str
    why: str
    evidence: _containers.RepeatedCompositeFieldContainer[DocumentationEvidence]
    documented_code: str
    def __init__(self, kind: _Optional[str] = ..., system: _Optional[_Union[CodeSystem, str]] = ..., code: _Optional[str] = ..., why: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[DocumentationEvidence, _Mapping]]] = ..., documented_code: _Optional[str] = ...) -> None: ...

class CcMcc(_message.Message):
    __slots__ = ("code", "level", "only_in")
    CODE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    ONLY_IN_FIELD_NUMBER: _ClassVar[int]
    code: str
    level: str
    only_in: str
    def __init__(self, code: _Optional[str] = ..., level: _Optional[str] = ..., only_in: _Optional[str] = ...) -> None: ...

class DrgGrouping(_message.Message):
    __slots__ = ("drg", "description", "severity", "cc_mcc", "relative_weight")
    DRG_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    CC_MCC_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    drg: str
    description: str
    severity: str
    cc_mcc: _containers.RepeatedCompositeFieldContainer[CcMcc]
    relative_weight: float
    def __init__(self, drg: _Optional[str] = ..., description: _Optional[str] = ..., severity: _Optional[str] = ..., cc_mcc: _Optional[_Iterable[_Union[CcMcc, _Mapping]]] = ..., relative_weight: _Optional[float] = ...) -> None: ...

class HccCategory(_message.Message):
    __slots__ = ("code", "hcc", "billed")
    CODE_FIELD_NUMBER: _ClassVar[int]
    HCC_FIELD_NUMBER: _ClassVar[int]
    BILLED_FIELD_NUMBER: _ClassVar[int]
    code: str
    hcc: str
    billed: bool
    def __init__(self, code: _Optional[str] = ..., hcc: _Optional[str] = ..., billed: _Optional[bool] = ...) -> None: ...

class PaymentImpact(_message.Message):
    __slots__ = ("drg_billed", "drg_documented", "cc_mcc_difference", "relative_weight_difference", "hcc", "missing")
    DRG_BILLED_FIELD_NUMBER: _ClassVar[int]
    DRG_DOCUMENTED_FIELD_NUMBER: _ClassVar[int]
    CC_MCC_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    RELATIVE_WEIGHT_DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    HCC_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    drg_billed: DrgGrouping
    drg_documented: DrgGrouping
    cc_mcc_difference: _containers.RepeatedCompositeFieldContainer[CcMcc]
    relative_weight_difference: float
    hcc: _containers.RepeatedCompositeFieldContainer[HccCategory]
    missing: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, drg_billed: _Optional[_Union[DrgGrouping, _Mapping]] = ..., drg_documented: _Optional[_Union[DrgGrouping, _Mapping]] = ..., cc_mcc_difference: _Optional[_Iterable[_Union[CcMcc, _Mapping]]] = ..., relative_weight_difference: _Optional[float] = ..., hcc: _Optional[_Iterable[_Union[HccCategory, _Mapping]]] = ..., missing: _Optional[_Iterable[str]] = ...) -> None: ...

class ScoreClaimResponse(_message.Message):
    __slots__ = ("request_id", "claim_id", "edits", "denial_risk", "drg", "documentation", "first_listed", "payment_impact")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_ID_FIELD_NUMBER: _ClassVar[int]
    EDITS_FIELD_NUMBER: _ClassVar[int]
    DENIAL_RISK_FIELD_NUMBER: _ClassVar[int]
    DRG_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTATION_FIELD_NUMBER: _ClassVar[int]
    FIRST_LISTED_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_IMPACT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    claim_id: str
    edits: _containers.RepeatedCompositeFieldContainer[Edit]
    denial_risk: float
    drg: str
    documentation: _containers.RepeatedCompositeFieldContainer[DocumentationFlag]
    first_listed: DocumentationFlag
    payment_impact: PaymentImpact
    def __init__(self, request_id: _Optional[str] = ..., claim_id: _Optional[str] = ..., edits: _Optional[_Iterable[_Union[Edit, _Mapping]]] = ..., denial_risk: _Optional[float] = ..., drg: _Optional[str] = ..., documentation: _Optional[_Iterable[_Union[DocumentationFlag, _Mapping]]] = ..., first_listed: _Optional[_Union[DocumentationFlag, _Mapping]] = ..., payment_impact: _Optional[_Union[PaymentImpact, _Mapping]] = ...) -> None: ...

class SubmitReviewRequest(_message.Message):
    __slots__ = ("request_id", "encounter_id", "suggestion_id", "action", "system", "suggested_code", "final_code", "reason", "coder_id", "evidence", "model_versions")
    class ModelVersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ENCOUNTER_ID_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    SUGGESTED_CODE_FIELD_NUMBER: _ClassVar[int]
    FINAL_CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CODER_ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    MODEL_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    encounter_id: str
    suggestion_id: str
    action: ReviewAction
    system: CodeSystem
    suggested_code: str
    final_code: str
    reason: str
    coder_id: str
    evidence: Span
    model_versions: _containers.ScalarMap[str, str]
    def __init__(self, request_id: _Optional[str] = ..., encounter_id: _Optional[str] = ..., suggestion_id: _Optional[str] = ..., action: _Optional[_Union[ReviewAction, str]] = ..., system: _Optional[_Union[CodeSystem, str]] = ..., suggested_code: _Optional[str] = ..., final_code: _Optional[str] = ..., reason: _Optional[str] = ..., coder_id: _Optional[str] = ..., evidence: _Optional[_Union[Span, _Mapping]] = ..., model_versions: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SubmitReviewResponse(_message.Message):
    __slots__ = ("request_id", "decision_id", "recorded_at")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    decision_id: str
    recorded_at: str
    def __init__(self, request_id: _Optional[str] = ..., decision_id: _Optional[str] = ..., recorded_at: _Optional[str] = ...) -> None: ...

class ReportRemittanceRequest(_message.Message):
    __slots__ = ("request_id", "x12_835")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    X12_835_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    x12_835: bytes
    def __init__(self, request_id: _Optional[str] = ..., x12_835: _Optional[bytes] = ...) -> None: ...

class ReportRemittanceResponse(_message.Message):
    __slots__ = ("request_id", "remittance_id", "claims", "adjustments", "joined", "already_on_file")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    REMITTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENTS_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ON_FILE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    remittance_id: str
    claims: int
    adjustments: int
    joined: int
    already_on_file: int
    def __init__(self, request_id: _Optional[str] = ..., remittance_id: _Optional[str] = ..., claims: _Optional[int] = ..., adjustments: _Optional[int] = ..., joined: _Optional[int] = ..., already_on_file: _Optional[int] = ...) -> None: ...
