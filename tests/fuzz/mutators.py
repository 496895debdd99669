"""Structured mutations of valid inputs for every parser medcoder has: plain text, FHIR R4 JSON,
HL7 v2, X12 837 and 835, the claim JSON and the review tokens file.

Each generator takes a ``random.Random`` and returns bytes. The property tests get theirs from
hypothesis (``st.randoms()``), so a failure shrinks to a seed and replays; the long fuzz target
(``tests/fuzz/run_fuzz.py``) drives them with its own seeded ``Random``. Mutations are the ones
that broke parsers before (issue #15): nesting, truncation, swapped JSON types, digits of other
scripts, huge numbers, impossible dates, odd delimiters, invalid UTF-8.
"""
from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any, Callable

CORPUS = Path(__file__).resolve().parent / "corpus"
KINDS = ("text", "fhir", "hl7", "x12", "x835", "claim", "tokens")

# Digits that str.isdigit() accepts but int() or the ASCII parsers do not (or do, and should not).
ODD_DIGITS = ("\u00b2", "\u00b9", "\u0661", "\u0662", "\u06f3", "\u0967", "\uff11", "\U0001d7ce", "\u2460")
ODD_TEXT = ("", " ", "\x00", "\u200b", "\ufeff", "\u202e", "\ud7ff", "\U0001f600", "e\u0301", "\\", "\"",
            "'", "<", "&amp;", "\r", "\n", "\t", "|", "^", "~", "*", ":", "\u2028", "%s", "{}", "\x7f")
BAD_DATES = ("2026-1-1", "2026-02-30", "0000-00-00", "00000000", "20260230", "9999-99-99", "2026-13-01",
             "\u0662\u0660\u0662\u0666-01-01", "2026-05-01T25:99", "-2026-01-01", "2026", "2026-05", "",
             "99999999999999", "1900-01-01", "2026-05-01" + "x" * 50)
HUGE_NUMBERS = (2 ** 31, -(2 ** 31) - 1, 2 ** 63, 10 ** 30, -1, 0, 1e308, -1e308, 1e-320, 4.5, float("nan"))
NOTE_WORDS = ("Assessment:", "Plan:", "heart failure", "type 2 diabetes", "no evidence of", "pneumonia",
              "history of", "CHF", "CKD stage 3a", "NSTEMI", "rule out", "left knee", "fracture", "with",
              "hypertension", ".", ",", "\n", "Discharge diagnoses:", "E11.22", "poisoning by", "pregnant")


def seeds(kind: str) -> list[bytes]:
    """The committed corpus of ``kind`` (valid documents and the inputs that once broke a parser)."""
    folder = CORPUS / kind
    return [p.read_bytes() for p in sorted(folder.glob("*")) if p.is_file()] if folder.is_dir() else []


# -- generic mutations ---------------------------------------------------------------------------
def odd_unicode(rnd: random.Random) -> str:
    return rnd.choice(ODD_DIGITS + ODD_TEXT)


def mutate_bytes(rnd: random.Random, data: bytes, rounds: int = 3) -> bytes:
    """Byte-level damage: truncate, flip, insert odd characters or invalid UTF-8, duplicate a slice."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, rounds)):
        op = rnd.randrange(7)
        at = rnd.randint(0, len(buf))
        if op == 0:
            del buf[at:]
        elif op == 1 and buf:
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 2:
            buf[at:at] = odd_unicode(rnd).encode("utf-8", "surrogatepass")
        elif op == 3:
            buf[at:at] = rnd.choice((b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"\xef\xbb\xbf"))
        elif op == 4 and buf:
            j = rnd.randint(at, min(len(buf), at + 64))
            buf[at:at] = bytes(buf[at:j]) * rnd.randint(1, 50)
        elif op == 5 and buf:
            j = rnd.randint(at, min(len(buf), at + 16))
            del buf[at:j]
        else:
            buf[at:at] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 8)))
    return bytes(buf)


def text_note(rnd: random.Random) -> bytes:
    """A made-up note of clinical words, odd characters and odd lengths."""
    if rnd.random() < 0.3 and seeds("text"):
        base = rnd.choice(seeds("text"))
        return mutate_bytes(rnd, base) if rnd.random() < 0.7 else base
    odd = rnd.choice((0.0, 0.02, 0.15))
    words = [odd_unicode(rnd) if rnd.random() < odd else rnd.choice(NOTE_WORDS) for _ in range(rnd.randint(0, 60))]
    text = " ".join(words)
    if rnd.random() < 0.1:
        text = rnd.choice(("Assessment", "heart failure. ", " ", "(", "no ")) * rnd.randint(100, 3000)
    return text.encode("utf-8", "surrogatepass")


# -- JSON (FHIR, claims) -------------------------------------------------------------------------
def _swap_value(rnd: random.Random, value: Any) -> Any:
    return rnd.choice((None, True, 0, -1, "", [], {}, odd_unicode(rnd), rnd.choice(BAD_DATES),
                       rnd.choice(HUGE_NUMBERS), [value], {"value": value}, value * 2 if isinstance(value, str) else "22",
                       "9" * rnd.choice((20, 400, 5000))))


def _nest(rnd: random.Random, value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = rnd.choice(([value], {"a": value}, {"section": [value]}))
    return value


def mutate_json(rnd: random.Random, obj: Any, rounds: int = 3) -> Any:
    """Swap a value's type, drop or add a key, nest a value deep, or put an odd date/number in."""
    obj = json.loads(json.dumps(obj))
    for _ in range(rnd.randint(1, rounds)):
        path = _random_path(rnd, obj)
        if not path:
            obj = _swap_value(rnd, obj) if rnd.random() < 0.1 else obj
            continue
        parent, key = path[-1]
        op = rnd.randrange(5)
        if op == 0:
            parent[key] = _swap_value(rnd, parent[key])
        elif op == 1 and isinstance(parent, dict):
            del parent[key]
        elif op == 2:
            parent[key] = _nest(rnd, parent[key], rnd.choice((2, 10, 40, 70, 130, 600, 1200)))
        elif op == 3 and isinstance(parent, dict):
            parent[rnd.choice(("date", "birthDate", "section", "extension", odd_unicode(rnd)))] = _swap_value(
                rnd, parent[key])
        else:
            parent[key] = rnd.choice(BAD_DATES) if rnd.random() < 0.5 else rnd.choice(HUGE_NUMBERS)
    return obj


def _random_path(rnd: random.Random, obj: Any) -> list[tuple[Any, Any]]:
    path: list[tuple[Any, Any]] = []
    node = obj
    while isinstance(node, (dict, list)) and node and rnd.random() < 0.8:
        key = rnd.choice(list(node.keys()) if isinstance(node, dict) else range(len(node)))
        path.append((node, key))
        node = node[key]
    return path


def dump_json(rnd: random.Random, obj: Any) -> bytes:
    """JSON text, sometimes truncated or with its deep nesting written out literally."""
    try:
        text = json.dumps(obj, allow_nan=True)
    except (ValueError, RecursionError):
        text = "[" * 2000
    if rnd.random() < 0.1:
        text = text[: rnd.randint(0, len(text))]
    return text.encode("utf-8", "surrogatepass")


def _narrative(rnd: random.Random) -> dict[str, str]:
    body = text_note(rnd).decode("utf-8", "replace").replace("<", "&lt;")
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{body}</p></div>'}


def fhir_resource(rnd: random.Random) -> dict[str, Any]:
    """A valid DocumentReference, Composition (nested sections) or Bundle with Patient/Encounter."""
    note = text_note(rnd)
    docref = {"resourceType": "DocumentReference", "status": "current", "date": "2026-05-01T10:00:00Z",
              "content": [{"attachment": {"contentType": rnd.choice(("text/plain", "text/html", "text/plain; charset=utf-8")),
                                          "data": base64.b64encode(note).decode()}}]}
    section: dict[str, Any] = {"title": "Assessment", "text": _narrative(rnd)}
    for _ in range(rnd.randint(0, 4)):
        section = {"title": "Part", "text": _narrative(rnd), "section": [section]}
    comp = {"resourceType": "Composition", "status": "final", "type": {"text": "note"}, "date": "2026-05-03",
            "author": [{"display": "Dr A"}], "title": "Discharge summary", "section": [section]}
    patient = {"resourceType": "Patient", "gender": rnd.choice(("female", "male", "other")), "birthDate": "1948-09-19"}
    encounter = {"resourceType": "Encounter", "status": "finished",
                 "class": {"code": rnd.choice(("IMP", "AMB", "EMER", "X"))}}
    bundle = {"resourceType": "Bundle", "type": "document",
              "entry": [{"resource": r} for r in (patient, encounter, rnd.choice((docref, comp)))]}
    return rnd.choice((docref, comp, bundle))


def fhir_document(rnd: random.Random) -> bytes:
    if rnd.random() < 0.2 and seeds("fhir"):
        base = rnd.choice(seeds("fhir"))
        return mutate_bytes(rnd, base) if rnd.random() < 0.6 else base
    obj = fhir_resource(rnd)
    return dump_json(rnd, mutate_json(rnd, obj) if rnd.random() < 0.85 else obj)


# -- HL7 v2 --------------------------------------------------------------------------------------
def hl7_message(rnd: random.Random) -> bytes:
    """An MDM^T02 / ORU^R01 with odd fields: dates, escapes, delimiters, digits, missing segments."""
    if rnd.random() < 0.2 and seeds("hl7"):
        return mutate_bytes(rnd, rnd.choice(seeds("hl7")))
    note = text_note(rnd).decode("utf-8", "replace").replace("|", "\\F\\")
    note = note.replace("\r", "\\.br\\").replace("\n", "\\.br\\") if rnd.random() < 0.9 else note
    date = lambda: rnd.choice(("20260503", "202605031015") + BAD_DATES + tuple(d * 8 for d in ODD_DIGITS))
    msg_type = rnd.choice(("MDM^T02", "ORU^R01", "MDM^T08", "ADT^A01", "MDM", "^"))
    segs = [f"MSH|^~\\&|EHR|H|MC|R|{date()}||{msg_type}|1|P|2.5",
            f"PID|1||MRN||DOE^J||{date()}|{rnd.choice(('F', 'M', 'U', '', odd_unicode(rnd)))}",
            f"PV1|1|{rnd.choice(('I', 'O', 'E', '', '^'))}",
            f"TXA|1|DS|TX|{date()}",
            f"OBR|1|||^Note|||{date()}"]
    for i in range(rnd.randint(0, 4)):
        vtype = rnd.choice(("TX", "FT", "ST", "CF", "NM", ""))
        segs.append(f"OBX|{i + 1}|{vtype}|1^{rnd.choice(('Assessment', 'Plan', '', odd_unicode(rnd)))}||{note}"
                    + rnd.choice(("", "\\X41\\", "\\Xzz\\", "\\.sp\\", "\\H\\", "~second line", "\\E\\", "\\")))
    rnd.shuffle(segs[1:]) if rnd.random() < 0.2 else None
    if rnd.random() < 0.3:
        segs[rnd.randrange(len(segs))] = odd_unicode(rnd) * rnd.randint(0, 4)
    sep = rnd.choice(("\r", "\n", "\r\n", "\r\r"))
    raw = sep.join(segs).encode("utf-8", "surrogatepass")
    if rnd.random() < 0.15:   # other encoding characters in MSH-1/2
        raw = raw.replace(b"|^~\\&", rnd.choice((b"#^~\\&", b"|^~\\", b"||||&", b"|\xc3~\\&")), 1)
    return mutate_bytes(rnd, raw, 2) if rnd.random() < 0.3 else raw


# -- X12 837 -------------------------------------------------------------------------------------
PROFESSIONAL_BODY = [
    "HL*1**20*1", "NM1*85*2*CLINIC*****XX*1234567893",
    "HL*2*1*22*0", "SBR*P*18*******MB", "NM1*IL*1*DOE*JANE****MI*123456789A", "DMG*D8*19590115*F",
    "CLM*PCN001*250***11:B:1*Y*A*Y*Y", "HI*ABK:E1122*ABF:N1831",
    "LX*1", "SV1*HC:99213:25*100*UN*1***1:2", "DTP*472*D8*20260501",
    "LX*2", "SV1*HC:20610:RT*150*UN*2***1", "DTP*472*D8*20260501",
]
INSTITUTIONAL_BODY = [
    "HL*1**20*1", "HL*2*1*22*0", "DMG*D8*19450301*M", "CLM*PCN9*9000***11:A:1**A*Y*Y",
    "DTP*434*RD8*20260428-20260501", "HI*ABK:I5021", "HI*ABF:E1122*ABF:N1831", "HI*BBR:02703ZZ:D8:20260429",
    "LX*1", "SV2*0450*HC:99284*500*UN*1", "DTP*472*D8*20260428",
]


def x12_interchange(body: list[str], version: str = "005010X222A1", se_count: int | str | None = None) -> str:
    isa = ("ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260501*1200*^*00501*"
           "000000001*0*P*:~")
    st = ["ST*837*0001*" + version, "BHT*0019*00*REF1*20260501*1200*CH"]
    n = len(st) + len(body) + 1
    return "\n".join([isa, f"GS*HC*S*R*20260501*1200*1*X*{version}~"] + [s + "~" for s in st + body]
                     + [f"SE*{n if se_count is None else se_count}*0001~", "GE*1*1~", "IEA*1*000000001~"])


def _odd_element(rnd: random.Random, element: str) -> str:
    return rnd.choice((
        rnd.choice(ODD_DIGITS) * rnd.randint(1, 3), element + rnd.choice(ODD_DIGITS), "", "-1", "1e400", "nan",
        "99999999999999999999", rnd.choice(BAD_DATES), element * 3, odd_unicode(rnd), ":" * 4, "HC:" + element))


def x12_document(rnd: random.Random) -> bytes:
    """An 837P or 837I with elements swapped for odd digits, bad dates, bad counts or cut off."""
    professional = rnd.random() < 0.6
    body = list(PROFESSIONAL_BODY if professional else INSTITUTIONAL_BODY)
    for _ in range(rnd.randint(0, 4)):
        i = rnd.randrange(len(body))
        parts = body[i].split("*")
        j = rnd.randrange(1, len(parts)) if len(parts) > 1 else 0
        parts[j] = _odd_element(rnd, parts[j]) if j else parts[j]
        body[i] = "*".join(parts)
    if rnd.random() < 0.15:
        del body[rnd.randrange(len(body))]
    if rnd.random() < 0.1:
        body += body[-3:] * rnd.randint(1, 200)
    se = rnd.choice((None, None, None, "1\u00b2", "\u0661\u0667", "", "-3", 10 ** 12))
    version = "005010X222A1" if professional else rnd.choice(("005010X223A2", "005010X223A3"))
    text = x12_interchange(body, version if rnd.random() > 0.05 else "004010", se)
    raw = text.encode("latin-1", "replace") if rnd.random() < 0.5 else text.encode("utf-8", "surrogatepass")
    return mutate_bytes(rnd, raw, 2) if rnd.random() < 0.2 else raw


# -- X12 835 -------------------------------------------------------------------------------------
REMIT_BODY = [
    "BPR*I*180*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*20260601",
    "TRN*1*EFT0001*1512345678", "N1*PR*BCBS*XV*BCBS-TX", "REF*2U*99999", "LX*1",
    "CLP*C1*1*250*180*20*12*PCN1*11*1", "CAS*PR*2*20", "NM1*QC*1*DOE*JANE****MI*123456789A", "MOA***MA01",
    "SVC*HC:99213:25*100*80**1", "DTM*472*20260501", "CAS*CO*45*20", "LQ*HE*N130",
    "SVC*HC:20610*150*100**2", "CAS*CO*45*30*1*253*5",
    "CLP*C2*4*200*0**12*PCN2", "CAS*CO*97*200", "SVC*HC:97140*200*0**1", "LQ*HE*M15",
]


def x835_document(rnd: random.Random) -> bytes:
    """An 835 with elements swapped for odd digits, signed or huge amounts, bad codes, cut off."""
    body = list(REMIT_BODY)
    for _ in range(rnd.randint(0, 4)):
        i = rnd.randrange(len(body))
        parts = body[i].split("*")
        j = rnd.randrange(1, len(parts)) if len(parts) > 1 else 0
        if j:
            parts[j] = rnd.choice((_odd_element(rnd, parts[j]), "-" + parts[j], "." + parts[j], parts[j] + ".",
                                   "ZZ", "1" * 40))
        body[i] = "*".join(parts)
    if rnd.random() < 0.15:
        del body[rnd.randrange(len(body))]
    if rnd.random() < 0.1:
        body += body[-4:] * rnd.randint(1, 200)
    version = "005010X221A1" if rnd.random() > 0.05 else rnd.choice(("004010X091A1", "005010X222A1"))
    st = [f"ST*835*0001*{version}"]
    n = len(st) + len(body) + 1
    se = rnd.choice((n, n, n, "1\u00b2", "", -3, 10 ** 12))
    isa = ("ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *260601*1200*^*00501*"
           "000000007*0*P*:~")
    text = "\n".join([isa, f"GS*HP*P*R*20260601*1200*7*X*{version}~"] + [s + "~" for s in st + body]
                     + [f"SE*{se}*0001~", "GE*1*7~", "IEA*1*000000007~"])
    raw = text.encode("latin-1", "replace") if rnd.random() < 0.5 else text.encode("utf-8", "surrogatepass")
    return mutate_bytes(rnd, raw, 2) if rnd.random() < 0.2 else raw


# -- claim JSON ----------------------------------------------------------------------------------
def claim_object(rnd: random.Random) -> dict[str, Any]:
    lines = [{"code": rnd.choice(("80053", "99213", "20610", "J3490", "9921", "ABCDE", "")),
              "modifiers": rnd.choice(([], ["25"], ["RT", "59"], ["X"])),
              "units": rnd.choice((1, 2, 0, 1.0, 1.5)),
              "date_of_service": rnd.choice(("2026-05-01", "2026-05-01") + BAD_DATES),
              "place_of_service": rnd.choice(("11", "22", "")),
              "diagnosis_pointers": rnd.choice(([1], [1, 2], [], [9]))} for _ in range(rnd.randint(1, 6))]
    return {"claim_id": rnd.choice(("c1", 7, "")), "setting": rnd.choice(("outpatient", "inpatient", "")),
            "form": rnd.choice(("professional", "institutional")),
            "patient": {"age": rnd.choice((67, 0, 124)), "sex": rnd.choice(("F", "M", "U"))},
            "diagnoses": rnd.sample(["E11.22", "N18.31", "I10", "O80", "E11.9", "E10.9", "Z00.00", "A00"], 3),
            "procedures": rnd.choice(([], ["02703ZZ"])), "payer": rnd.choice(("", "medicare")), "lines": lines}


def claim_json(rnd: random.Random) -> bytes:
    if rnd.random() < 0.15 and seeds("claim"):
        return mutate_bytes(rnd, rnd.choice(seeds("claim")))
    obj: Any = claim_object(rnd)
    if rnd.random() < 0.8:
        obj = mutate_json(rnd, obj, 4)
    if rnd.random() < 0.1:
        obj = {"claims": [obj, claim_object(rnd)]} if rnd.random() < 0.5 else [obj, obj]
    return dump_json(rnd, obj)


# -- review tokens file ---------------------------------------------------------------------------
def tokens_file(rnd: random.Random) -> bytes:
    lines = []
    for i in range(rnd.randint(0, 6)):
        token = rnd.choice((f"token-for-coder-{i:04d}", "sha256:" + "ab" * 32, "sha256:" + "zz" * 32, "short",
                            "sha256:" + "a" * 63, "t" * 600, odd_unicode(rnd) * 12))
        fields = [token, rnd.choice(("alice", "bob", odd_unicode(rnd))), rnd.choice(("clinic-a", "clinic-b"))]
        if rnd.random() < 0.15:
            fields = fields[: rnd.randint(0, 2)] + (["extra"] if rnd.random() < 0.5 else [])
        line = " ".join(fields) + rnd.choice(("", "  # comment", "#", "\t"))
        lines.append(line)
    raw = rnd.choice(("\n", "\r\n")).join(lines).encode("utf-8", "surrogatepass")
    return mutate_bytes(rnd, raw, 2) if rnd.random() < 0.2 else raw


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "text": text_note, "fhir": fhir_document, "hl7": hl7_message, "x12": x12_document, "x835": x835_document,
    "claim": claim_json, "tokens": tokens_file,
}
