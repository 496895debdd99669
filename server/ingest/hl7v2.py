"""HL7 v2 ingest: MDM^T02 and ORU^R01 with TX / FT / ST OBX segments.

Escape sequences (\\F\\ \\S\\ \\T\\ \\R\\ \\E\\ \\.br\\ \\Xhh\\) are resolved and repetitions become
lines, so offsets point into the text as a person reads it. PID gives birth date and sex, PV1-2 the
patient class (I = inpatient).
"""
from __future__ import annotations

import re

from server.domain import Setting
from server.errors import InvalidInput
from server.ingest.text import Parsed, iso_date

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{2}$")
_TEXT_TYPES = {"TX", "FT", "ST", "CF"}
_SUPPORTED = {("MDM", "T02"), ("MDM", "T08"), ("MDM", "T06"), ("ORU", "R01")}


def parse_hl7(text: str) -> Parsed:
    raw = [s for s in re.split(r"\r\n|\r|\n", text.strip()) if s.strip()]
    if not raw or not raw[0].startswith("MSH") or len(raw[0]) < 8:
        raise InvalidInput("HL7 v2 message must start with an MSH segment")
    fs = raw[0][3]
    enc = raw[0][4:8]
    if len(set(enc + fs)) != 5:
        raise InvalidInput("HL7 v2 MSH-2 encoding characters are malformed")
    comp, rep, esc, sub = enc[0], enc[1], enc[2], enc[3]
    segments = []
    for n, seg in enumerate(raw, start=1):
        seg_id = seg.split(fs, 1)[0]
        if not _SEGMENT_ID.match(seg_id):
            raise InvalidInput(f"HL7 v2 segment {n} has no valid segment id")
        segments.append(seg.split(fs))
    msh = segments[0]
    # MSH-1 is the field separator itself, so MSH fields are shifted by one.
    msg_type = _field(msh, 9, offset=-1).split(comp)
    if len(msg_type) < 2 or (msg_type[0], msg_type[1]) not in _SUPPORTED:
        raise InvalidInput("HL7 v2 message type must be MDM^T02 or ORU^R01")
    out = Parsed(text="", doc_id=_field(msh, 10, offset=-1))
    unesc = _Unescaper(fs, comp, rep, esc, sub)
    parts: list[tuple[str, str]] = []
    for seg in segments[1:]:
        sid = seg[0]
        if sid == "PID":
            _pid(seg, comp, out)
        elif sid == "PV1":
            pclass = _field(seg, 2).split(comp)[0]
            out.setting = Setting.INPATIENT if pclass == "I" else (Setting.OUTPATIENT if pclass in ("O", "E") else None)
        elif sid == "TXA" and not out.date_of_service:
            out.date_of_service = _hl7_date(_field(seg, 4))
        elif sid == "OBR" and not out.date_of_service:
            out.date_of_service = _hl7_date(_field(seg, 7))
        elif sid == "OBX" and _field(seg, 2) in _TEXT_TYPES:
            title = _field(seg, 3).split(comp)[1:2] or [""]
            value = "\n".join(unesc(r) for r in _field(seg, 5).split(rep))
            parts.append((unesc(title[0]), value))
    if not parts:
        raise InvalidInput("HL7 v2 message has no OBX text segments (TX/FT/ST)")
    pos, chunks = 0, []
    last_title = None
    for title, body in parts:
        header = f"{title}:\n" if title and title != last_title else ""
        last_title = title or last_title
        chunk = header + body + "\n"
        out.segments.append((pos, pos + len(chunk), title))
        chunks.append(chunk)
        pos += len(chunk)
    out.text = "".join(chunks)
    return out


def _field(seg: list[str], n: int, offset: int = 0) -> str:
    i = n + offset
    return seg[i] if 0 < i < len(seg) else ""


def _pid(seg: list[str], comp: str, out: Parsed) -> None:
    dob = _hl7_date(_field(seg, 7))
    if dob:
        out.birth_date = dob
    sex = _field(seg, 8)[:1].upper()
    if sex in ("F", "M"):
        out.sex = sex


def _hl7_date(value: str) -> str | None:
    """HL7 DTM "YYYYMMDD[hhmm...]" as YYYY-MM-DD; None for "00000000", "20260230" and the like."""
    digits = value[:8]
    return iso_date(f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}") if len(digits) == 8 else None


class _Unescaper:
    def __init__(self, fs, comp, rep, esc, sub):
        self.esc = esc
        self.table = {"F": fs, "S": comp, "T": sub, "R": rep, "E": esc, ".br": "\n", ".sp": "\n"}
        self.pattern = re.compile(re.escape(esc) + r"([^" + re.escape(esc) + r"]{1,32})" + re.escape(esc))

    def __call__(self, value: str) -> str:
        return self.pattern.sub(self._one, value) if self.esc in value else value

    def _one(self, m: re.Match) -> str:
        body = m.group(1)
        if body in self.table:
            return self.table[body]
        if body.startswith("X") and len(body) % 2 == 1:
            try:
                return bytes.fromhex(body[1:]).decode("utf-8", "replace")
            except ValueError:
                return ""
        if body.startswith((".in", ".ti", ".sk", ".ce", ".fi", ".nf")):
            return ""   # formatting commands carry no text
        if body.startswith(("H", "N")) and len(body) == 1:
            return ""   # highlight on/off
        return ""
