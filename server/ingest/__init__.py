"""Ingest: a caller's payload (plain text, FHIR R4 JSON, HL7 v2) -> one ``Document``.

Every error is ``InvalidInput`` with a message that names what is wrong, never the content.
"""
from __future__ import annotations

from server.domain import Document, Patient, Setting, SourceFormat
from server.errors import InvalidInput
from server.ingest.text import decode_text, detect_format, iso_date

__all__ = ["ingest", "IngestLimits", "detect_format"]


class IngestLimits:
    def __init__(self, max_document_bytes: int = 2_000_000):
        self.max_document_bytes = max_document_bytes


def ingest(content: bytes, *, fmt: SourceFormat | None = None, doc_id: str = "",
           setting: Setting | None = None, patient: Patient | None = None,
           date_of_service: str | None = None, default_setting: Setting = Setting.OUTPATIENT,
           limits: IngestLimits | None = None) -> Document:
    """Parse ``content`` into a Document. Explicit ``setting``/``patient`` fields win over what the
    payload says; the payload wins over ``default_setting``.

    >>> ingest(b"Assessment: CHF exacerbation.").text
    'Assessment: CHF exacerbation.'
    """
    limits = limits or IngestLimits()
    if not isinstance(content, (bytes, bytearray)):
        raise InvalidInput("document content must be bytes")
    if len(content) == 0:
        raise InvalidInput("document is empty")
    if len(content) > limits.max_document_bytes:
        raise InvalidInput(f"document is {len(content)} bytes; the limit is {limits.max_document_bytes}")
    text = decode_text(content)
    fmt = fmt or detect_format(text)
    if fmt is SourceFormat.FHIR:
        from server.ingest.fhir import parse_fhir
        parsed = parse_fhir(text)
    elif fmt is SourceFormat.HL7V2:
        from server.ingest.hl7v2 import parse_hl7
        parsed = parse_hl7(text)
    else:
        from server.ingest.text import parse_text
        parsed = parse_text(text)
    if not parsed.text.strip():
        raise InvalidInput("document has no text to code (empty or whitespace only)")
    dos = _date_of_service(date_of_service) or iso_date(parsed.date_of_service)
    merged = Patient(
        age_years=(patient.age_years if patient and patient.age_years is not None
                   else parsed.age_years(dos)),
        sex=(patient.sex if patient and patient.sex else parsed.sex),
    )
    return Document(
        doc_id=doc_id or parsed.doc_id,
        text=parsed.text,
        setting=setting or parsed.setting or default_setting,
        patient=merged,
        source_format=fmt,
        date_of_service=dos,
        segments=tuple(parsed.segments),
    )


def _date_of_service(value: str | None) -> str | None:
    """The caller's date of service: a real YYYY-MM-DD date or a refusal (a date the payload
    carries is only dropped when it is not one: HL7 writes "00000000" for "unknown")."""
    if not value:
        return None
    day = iso_date(value)
    if day is None or len(value.strip()) != 10:
        raise InvalidInput("date_of_service must be a calendar date written YYYY-MM-DD")
    return day
