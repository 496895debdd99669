"""FHIR R4 ingest: DocumentReference (base64 or inline attachment), Composition (section
narratives, nested), and Bundles of them with Patient/Encounter for age, sex and setting.

Resources are validated with ``fhir.resources`` (R4B models, wire-compatible with R4 for these
resources). Validation errors are reported by location and error type only: pydantic messages
can quote the input, which is PHI.
"""
from __future__ import annotations

import base64
import binascii
import json
from html.parser import HTMLParser

from server.errors import InvalidInput
from server.ingest.text import Parsed, decode_text

_SUPPORTED = ("DocumentReference", "Composition", "Bundle")
# A Bundle -> Composition -> section -> section -> narrative is ~15 levels of JSON; validating
# hundreds of levels recurses past Python's stack (121 nested sections did), so deeper is refused.
MAX_JSON_DEPTH = 64
_TOO_DEEP = f"FHIR payload nests deeper than {MAX_JSON_DEPTH} levels"
_INPATIENT_CLASSES = {"IMP", "ACUTE", "NONAC", "inpatient"}
_OUTPATIENT_CLASSES = {"AMB", "EMER", "OBSENC", "SS", "VR", "HH", "PRENC", "outpatient"}


def parse_fhir(text: str) -> Parsed:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"FHIR payload is not valid JSON (line {e.lineno}, column {e.colno})") from None
    except RecursionError:   # nested past the JSON parser's own limit
        raise InvalidInput(_TOO_DEEP) from None
    except ValueError:   # a number past Python's 4,300-digit int limit
        raise InvalidInput("FHIR payload holds a number too long to read") from None
    if _too_deep(obj):
        raise InvalidInput(_TOO_DEEP)
    if not isinstance(obj, dict) or "resourceType" not in obj:
        raise InvalidInput("FHIR payload has no resourceType")
    rtype = obj["resourceType"]
    if rtype not in _SUPPORTED:
        raise InvalidInput(f"FHIR resourceType is not supported; send one of {', '.join(_SUPPORTED)}")
    resource = _validate(obj)
    builder = _Builder()
    if rtype == "Bundle":
        builder.bundle(resource)
    elif rtype == "DocumentReference":
        builder.document_reference(resource)
    else:
        builder.composition(resource)
    if not builder.parts:
        raise InvalidInput(f"FHIR {rtype} carries no text (no text/* attachment data or section narrative)")
    return builder.result()


def _too_deep(obj) -> bool:
    """True when ``obj`` nests more than MAX_JSON_DEPTH arrays/objects (walked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return False


def _validate(obj: dict):
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    try:
        return get_fhir_model_class(obj["resourceType"]).model_validate(obj)
    except ValidationError as e:
        where = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['type']}" for err in e.errors()[:5])
        raise InvalidInput(f"FHIR {obj['resourceType']} failed validation ({where})") from None
    except (TypeError, ValueError, KeyError) as e:
        raise InvalidInput(f"FHIR {obj['resourceType']} failed validation ({type(e).__name__})") from None


class _Builder:
    def __init__(self):
        self.parts: list[tuple[str, str]] = []  # (title, text)
        self.out = Parsed(text="")

    def bundle(self, bundle) -> None:
        for entry in bundle.entry or []:
            res = entry.resource
            if res is None:
                continue
            name = type(res).__name__
            if name == "DocumentReference":
                self.document_reference(res)
            elif name == "Composition":
                self.composition(res)
            elif name == "Patient":
                self.patient(res)
            elif name == "Encounter":
                self.encounter(res)

    def document_reference(self, ref) -> None:
        self.out.doc_id = self.out.doc_id or (ref.id or "")
        title = ref.description or _concept_text(ref.type) or ""
        for content in ref.content or []:
            att = content.attachment
            if att is None or att.data is None:
                continue  # URL-only attachments cannot be fetched here
            ctype = (att.contentType or "text/plain").split(";")[0].strip().lower()
            if not ctype.startswith("text/"):
                raise InvalidInput("FHIR attachment contentType is not text/*; send text/plain or text/html")
            raw = att.data if isinstance(att.data, bytes) else _b64(att.data)
            body = decode_text(raw)
            self.parts.append((att.title or title, _html_to_text(body) if ctype == "text/html" else body))
        if ref.date and not self.out.date_of_service:
            self.out.date_of_service = str(ref.date)[:10]

    def composition(self, comp) -> None:
        self.out.doc_id = self.out.doc_id or (comp.id or "")
        if comp.date and not self.out.date_of_service:
            self.out.date_of_service = str(comp.date)[:10]
        self._sections(comp.section or [])

    def _sections(self, sections) -> None:
        for sec in sections:
            if sec.text is not None and sec.text.div:
                self.parts.append((sec.title or _concept_text(sec.code) or "", _html_to_text(sec.text.div)))
            self._sections(sec.section or [])

    def patient(self, pat) -> None:
        if pat.gender in ("female", "male"):
            self.out.sex = "F" if pat.gender == "female" else "M"
        if pat.birthDate:
            self.out.birth_date = str(pat.birthDate)

    def encounter(self, enc) -> None:
        from server.domain import Setting

        klass = getattr(enc, "class_fhir", None)
        code = getattr(klass, "code", None) if klass is not None else None
        if code in _INPATIENT_CLASSES:
            self.out.setting = Setting.INPATIENT
        elif code in _OUTPATIENT_CLASSES:
            self.out.setting = Setting.OUTPATIENT

    def result(self) -> Parsed:
        """Join the parts; a titled part becomes 'TITLE:' on its own line so the sectionizer sees it."""
        chunks, pos = [], 0
        for title, body in self.parts:
            header = f"{title.strip()}:\n" if title.strip() else ""
            chunk = header + body.strip("\n") + "\n\n"
            self.out.segments.append((pos, pos + len(chunk), title.strip()))
            chunks.append(chunk)
            pos += len(chunk)
        self.out.text = "".join(chunks).rstrip("\n") + "\n"
        return self.out


def _b64(data: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("FHIR attachment data is not valid base64") from None


def _concept_text(concept) -> str:
    if concept is None:
        return ""
    if concept.text:
        return concept.text
    for c in concept.coding or []:
        if c.display:
            return c.display
    return ""


class _Narrative(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self._BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        self.out.append(data)


def _html_to_text(html: str) -> str:
    p = _Narrative()
    p.feed(html)
    p.close()
    lines = (" ".join(line.split()) for line in "".join(p.out).split("\n"))
    return "\n".join(line for line in lines if line)
