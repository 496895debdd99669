"""Each parser as the fuzz tests call it: ``parse(kind, data, tmp)`` returns what the parser
returns, or raises the parser's typed error (``TYPED``); anything else is a bug."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from rules_native.codesets import CodeFormatError
from server.domain import SourceFormat
from server.errors import InvalidInput

TYPED = (InvalidInput, CodeFormatError)
_FORMATS = {"text": SourceFormat.TEXT, "fhir": SourceFormat.FHIR, "hl7": SourceFormat.HL7V2}


def parse(kind: str, data: bytes, tmp: Path) -> Any:
    """One input through the parser of ``kind`` (see ``tests.fuzz.mutators.KINDS``)."""
    if kind in _FORMATS:
        from server.ingest import ingest

        return ingest(data, fmt=_FORMATS[kind]) if len(data) % 3 else ingest(data)   # also auto-detect
    if kind == "x12":
        from server.claims.x12 import parse_837

        return parse_837(data)
    if kind == "x835":
        from server.claims.x12 import read_835

        return read_835(data)
    path = tmp / f"fuzz-{kind}.input"
    path.write_bytes(data)
    if kind == "claim":
        from server.claims.files import read_claim_file
        from server.claims.parse import parse_claim

        claims, _ = read_claim_file(path)
        out = []
        for c in claims:   # each claim alone, as score_batch reads them: one bad claim is its own error
            try:
                out.append(parse_claim(c))
            except InvalidInput as e:
                out.append(e)
        return out
    if kind == "tokens":
        from server.review.auth import TokenBook

        return TokenBook.load(path)
    raise ValueError(f"unknown parser kind {kind!r}")
