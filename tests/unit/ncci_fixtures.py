"""Tiny NCCI/MUE tables in the exact CMS layouts, written into a test's tmp_path."""
from __future__ import annotations

from pathlib import Path

PTP_COPYRIGHT = "CPT codes, descriptions and other data only are copyright 2025 American Medical Association."
PTP_HEADER = [
    "Column1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tPTP Edit Rationale",
    "\t\tprior to 1996\tDate\tDate\t0=not allowed\t",
    "\t\t\t\t*=no data\t1=allowed\t",
    "\t\t\t\t\t9=not applicable\t",
]


def ptp_text(rows: list[tuple], header: bool = True) -> str:
    """rows: (col1, col2, effective, deletion, modifier[, rationale])."""
    lines = [PTP_COPYRIGHT, *PTP_HEADER] if header else []
    for r in rows:
        col1, col2, eff, dele, mod, *rat = r
        lines.append(f"{col1}\t{col2}\t\t{eff}\t{dele}\t{mod}\t{rat[0] if rat else 'Misuse of column two code with column one code'}")
    return "\r\n".join(lines) + "\r\n"


def write_ptp(tmp: Path, name: str, rows: list[tuple]) -> Path:
    path = tmp / name
    path.write_text(ptp_text(rows))
    return path


MUE_HEADERS = {
    "practitioner": "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale",
    "hospital": "HCPCS/CPT Code,Outpatient Hospital Services MUE Values,MUE Adjudication Indicator,MUE Rationale",
    "dme": "HCPCS/CPT Code,DME Supplier Services MUE Values,MUE Adjudication Indicator,MUE Rationale",
}
MAI_TEXT = {1: "1 Line Edit", 2: "2 Date of Service Edit: Policy", 3: "3 Date of Service Edit: Clinical"}


def write_mue(tmp: Path, name: str, rows: list[tuple[str, int, int]], provider: str = "practitioner") -> Path:
    """rows: (code, MUE value, MAI) in the CMS CSV layout with its copyright line."""
    lines = ['"CPT codes, descriptions and other data only are copyright 2025 American Medical Association."',
             MUE_HEADERS[provider]]
    lines += [f'{c},{v},"{MAI_TEXT[m]}","Clinical: Data"' for c, v, m in rows]
    path = tmp / name
    path.write_text("\n".join(lines) + "\n")
    return path


def line(code: str, day: str = "2026-05-01", units: int = 1, mods: tuple[str, ...] = (), ptrs=(1,)) -> dict:
    return {"code": code, "modifiers": list(mods), "units": units, "date_of_service": day,
            "place_of_service": "11", "diagnosis_pointers": list(ptrs)}


def claim(*lines: dict, claim_id: str = "c1", **extra) -> dict:
    out = {"claim_id": claim_id, "setting": "outpatient", "patient": {"age": 67, "sex": "F"},
           "diagnoses": ["M17.11"], "lines": list(lines), "payer": "medicare"}
    out.update(extra)
    return out
