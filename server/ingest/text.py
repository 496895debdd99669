"""Plain text ingest, format detection and the shared parse result."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from server.domain import Setting, SourceFormat
from server.errors import InvalidInput

# Control characters other than tab/newline/carriage return/form feed mark binary input.
_ALLOWED_CONTROL = {"\t", "\n", "\r", "\f", "\x0b"}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass
class Parsed:
    text: str
    doc_id: str = ""
    setting: Setting | None = None
    sex: str | None = None
    birth_date: str | None = None
    date_of_service: str | None = None
    segments: list[tuple[int, int, str]] = field(default_factory=list)

    def age_years(self, on: str | None) -> int | None:
        """Age in whole years on the date of service (today when none is known)."""
        if not self.birth_date:
            return None
        try:
            born = dt.date.fromisoformat(self.birth_date[:10])
            ref = dt.date.fromisoformat(on[:10]) if on else dt.date.today()
        except ValueError:
            return None
        years = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        return years if 0 <= years < 150 else None


def iso_date(value: str | None) -> str | None:
    """``value`` as a real calendar date "YYYY-MM-DD" (ASCII digits only), else None.

    ``iso_date("2026-05-01T10:00:00Z")`` is "2026-05-01"; "2026-1-1", "2026-02-30", "0000-00-00"
    and dates written in other scripts' digits are None."""
    head = (value or "").strip()[:10]
    if not _ISO_DATE.fullmatch(head):
        return None
    try:
        return dt.date.fromisoformat(head).isoformat()
    except ValueError:
        return None


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM). Non-UTF-8 bytes and binary data are refused, not guessed at,
    so offsets always mean the same thing to us and to the caller."""
    try:
        text = bytes(content).decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidInput(f"document is not valid UTF-8 (bad byte at offset {e.start})") from None
    sample = text[:65536]
    bad = sum(1 for ch in sample if ord(ch) < 32 and ch not in _ALLOWED_CONTROL)
    if "\x00" in sample or bad > max(8, len(sample) // 100):
        raise InvalidInput("document looks like binary data, not text")
    return text


def detect_format(text: str) -> SourceFormat:
    head = text.lstrip()[:200]
    if head.startswith("{") and '"resourceType"' in text[:4096]:
        return SourceFormat.FHIR
    if head.startswith("MSH") and len(head) > 3:
        return SourceFormat.HL7V2
    return SourceFormat.TEXT


def parse_text(text: str) -> Parsed:
    return Parsed(text=text)
