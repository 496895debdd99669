"""Protobuf <-> domain objects. The only module of the gateway that knows both."""
from __future__ import annotations

from typing import Any

from client.contract import pb
from server.domain import (Assertion, CodedEncounter, CodeSystem, Edit, Patient, Setting,
                           Severity, SourceFormat, Span)
from server.errors import InvalidInput

_FORMATS = {pb.FORMAT_AUTO: None, pb.TEXT: SourceFormat.TEXT, pb.FHIR_R4_JSON: SourceFormat.FHIR,
            pb.HL7V2: SourceFormat.HL7V2}
_SETTINGS = {pb.OUTPATIENT: Setting.OUTPATIENT, pb.INPATIENT: Setting.INPATIENT}
_SETTINGS_PB = {v: k for k, v in _SETTINGS.items()}
_SYSTEMS = {pb.ICD10CM: CodeSystem.ICD10CM, pb.ICD10PCS: CodeSystem.ICD10PCS,
            pb.HCPCS: CodeSystem.HCPCS, pb.CPT: CodeSystem.CPT}
_SYSTEMS_PB = {v: k for k, v in _SYSTEMS.items()}
_ASSERTIONS_PB = {Assertion.PRESENT: pb.PRESENT, Assertion.ABSENT: pb.ABSENT,
                  Assertion.POSSIBLE: pb.POSSIBLE, Assertion.HISTORICAL: pb.HISTORICAL,
                  Assertion.FAMILY: pb.FAMILY, Assertion.HYPOTHETICAL: pb.HYPOTHETICAL}
_SEVERITY_PB = {Severity.DENY: pb.DENY, Severity.WARN: pb.WARN, Severity.INFO: pb.INFO}
_ACTIONS = {pb.ACCEPT: "accept", pb.MODIFY: "modify", pb.REJECT: "reject", pb.ADD: "add"}


def document_args(doc: "pb.Document") -> dict[str, Any]:
    """The keyword arguments of ``server.ingest.ingest`` for one protobuf Document."""
    if doc.format not in _FORMATS:
        raise InvalidInput("unknown document format")
    if doc.setting not in _SETTINGS and doc.setting != pb.SETTING_UNSPECIFIED:
        raise InvalidInput("unknown setting")
    patient = None
    if doc.HasField("patient"):
        age = doc.patient.age_years if doc.patient.HasField("age_years") else None
        if age is not None and not 0 <= age <= 125:
            raise InvalidInput("patient.age_years must be 0..125")
        sex = {pb.FEMALE: "F", pb.MALE: "M"}.get(doc.patient.sex)
        patient = Patient(age_years=age, sex=sex)
    return dict(content=doc.content, fmt=_FORMATS[doc.format], doc_id=doc.id,
                setting=_SETTINGS.get(doc.setting), patient=patient,
                date_of_service=doc.date_of_service or None)


def systems_of(values) -> frozenset[CodeSystem] | None:
    out = set()
    for v in values:
        if v not in _SYSTEMS:
            raise InvalidInput(f"unknown code system {int(v)}")
        out.add(_SYSTEMS[v])
    return frozenset(out) or None


def span_pb(s: Span) -> "pb.Span":
    return pb.Span(start=s.start, end=s.end, section=s.section)


def edit_pb(e: Edit) -> "pb.Edit":
    return pb.Edit(kind=e.kind, lines=list(e.lines), codes=list(e.codes),
                   severity=_SEVERITY_PB.get(e.severity, pb.SEVERITY_UNSPECIFIED),
                   bypass_modifier_allowed=e.bypass_modifier_allowed, rationale=e.rationale,
                   suggested_fix=e.suggested_fix)


def encounter_pb(enc: CodedEncounter, encounter_id: str) -> "pb.CodedEncounter":
    out = pb.CodedEncounter(document_id=enc.doc_id, text=enc.text, encounter_id=encounter_id,
                            setting=_SETTINGS_PB[enc.setting])
    for c in enc.codes:
        out.codes.append(pb.CodeSuggestion(
            system=_SYSTEMS_PB[c.system], code=c.code, description=c.description,
            confidence=float(c.confidence), evidence=[span_pb(s) for s in c.evidence],
            assertion=_ASSERTIONS_PB.get(c.assertion, pb.ASSERTION_UNSPECIFIED),
            notes=[pb.RuleNote(kind=n.kind, message=n.message, related_code=n.related_code) for n in c.notes],
            sequence=c.sequence, principal=c.principal, suggestion_id=c.suggestion_id))
    for q in enc.cdi_queries:
        out.cdi_queries.append(pb.CdiQuery(code=q.code, question=q.question, missing=list(q.missing),
                                           evidence=[span_pb(s) for s in q.evidence]))
    out.edits.extend(edit_pb(e) for e in enc.edits)
    out.model_versions.update(enc.model_versions)
    return out


def claim_dict(claim: "pb.Claim") -> dict[str, Any]:
    """A protobuf Claim as the JSON claim shape that ``server.claims`` parses (one validation path
    for the CLI's JSON files and the RPC)."""
    patient: dict[str, Any] = {}
    if claim.patient.HasField("age_years"):
        patient["age"] = claim.patient.age_years
    sex = {pb.FEMALE: "F", pb.MALE: "M"}.get(claim.patient.sex)
    if sex:
        patient["sex"] = sex
    out: dict[str, Any] = {
        "claim_id": claim.claim_id,
        "setting": (_SETTINGS.get(claim.setting) or Setting.OUTPATIENT).value,
        "patient": patient,
        "diagnoses": list(claim.diagnoses),
        "lines": [],
    }
    if claim.payer:
        out["payer"] = claim.payer
    if claim.procedures:
        out["procedures"] = list(claim.procedures)
    for line in claim.lines:
        item: dict[str, Any] = {"code": line.code, "modifiers": list(line.modifiers), "units": line.units,
                                "date_of_service": line.date_of_service}
        if line.place_of_service:
            item["place_of_service"] = line.place_of_service
        if line.diagnosis_pointers:
            item["diagnosis_pointers"] = list(line.diagnosis_pointers)
        if line.system in _SYSTEMS:
            item["system"] = _SYSTEMS[line.system].value
        out["lines"].append(item)
    return out


def action_of(value: int) -> str:
    if value not in _ACTIONS:
        raise InvalidInput("review action must be ACCEPT, MODIFY, REJECT or ADD")
    return _ACTIONS[value]


def documentation_pb(resp: "pb.ScoreClaimResponse", doc) -> None:
    """Fill a ScoreClaimResponse's documentation fields from ``Engine.document_claim``'s answer."""
    resp.documentation.extend(flag_pb(f) for f in doc.flags)
    if doc.first_listed is not None:
        resp.first_listed.CopyFrom(flag_pb(doc.first_listed))
    p = doc.impact
    out = resp.payment_impact
    for g, into in ((p.billed, out.drg_billed), (p.documented, out.drg_documented)):
        if g is not None:
            into.drg, into.description, into.severity = g.drg, g.description, g.severity
            into.cc_mcc.extend(pb.CcMcc(code=c, level=lvl) for c, lvl in g.cc_mcc)
            if g.relative_weight is not None:
                into.relative_weight = g.relative_weight
    out.cc_mcc_difference.extend(pb.CcMcc(code=c, level=lvl, only_in=side) for c, lvl, side in p.difference)
    if p.weight_difference is not None:
        out.relative_weight_difference = p.weight_difference
    out.hcc.extend(pb.HccCategory(code=c, hcc=h, billed=b) for c, h, b in p.hcc)
    out.missing.extend(p.missing)


def flag_pb(f) -> "pb.DocumentationFlag":
    """A ``server.claims.documentation.DocFlag`` on the wire (evidence as document id + offsets)."""
    return pb.DocumentationFlag(kind=f.kind, system=_SYSTEMS_PB[f.system], code=f.code, why=f.why,
                                documented_code=f.documented_code,
                                evidence=[pb.DocumentationEvidence(document_id=e.document_id, span=span_pb(e.span))
                                          for e in f.evidence])
