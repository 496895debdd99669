"""Reading a CodiEsp-layout folder (``text_files_en/``, ``*D.tsv``, ``*P.tsv``) and bringing its
gold codes to the forms medcoder emits.

CodiEsp gold is lower case, from the 2018 edition, and inconsistent about placeholders
("w19.xxx" vs "t14.8"); procedures are often cut to 4 characters ("bw20"). ``canonical_cm``
maps an ICD-10-CM gold code to the FY2026 billable code a coder would report today (r51 -> R51.9,
t14.8 -> T14.8XXA); procedure prefixes are kept as prefixes and matched as such.
"""
from __future__ import annotations

import csv
from pathlib import Path

from server.errors import InvalidInput


def read_gold(folder: Path, suffix: str) -> dict[str, list[str]]:
    """doc id -> gold codes (lower case, as written) from the folder's ``*{suffix}.tsv``."""
    files = sorted(Path(folder).glob(f"*{suffix}.tsv"))
    if not files:
        return {}
    gold: dict[str, list[str]] = {}
    with open(files[0], encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) >= 2 and row[1].strip():
                gold.setdefault(row[0].strip(), []).append(row[1].strip().lower())
    return gold


def read_texts(folder: Path) -> dict[str, str]:
    """doc id -> English text from ``text_files_en/``."""
    d = Path(folder) / "text_files_en"
    if not d.is_dir():
        raise InvalidInput("CodiEsp folder has no text_files_en/ subfolder")
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(d.glob("*.txt"))}


def canonical_cm(raw: str, icd10cm) -> str | None:
    """The FY2026 billable form of a CodiEsp ICD-10-CM gold code, or None if it has none.

    "n44.8" -> "N44.8"; "r51" -> "R51.9" (split since 2018); "t14.8" -> "T14.8XXA";
    "w19.xxx" -> "W19.XXXA".
    """
    bare = raw.strip().upper().replace(".", "")
    if len(bare) < 3:
        return None
    code = bare[:3] + ("." + bare[3:] if len(bare) > 3 else "")
    if icd10cm.id_of(code) >= 0 and icd10cm.is_billable(code):
        return code
    stem = code.rstrip("X").rstrip(".")
    if icd10cm.id_of(stem) >= 0:
        if icd10cm.seventh_characters(stem):
            cat, _, rest = stem.partition(".")
            full = f"{cat}.{(rest + 'XXX')[:3]}A"
            if icd10cm.id_of(full) >= 0:
                return full
        kids = icd10cm.billable_descendants(stem)
        if kids:
            return _default_child(kids, icd10cm)
    return None


def _default_child(kids: list[str], icd10cm) -> str:
    for k in kids:
        d = icd10cm.description(k).lower()
        if "unspecified" in d or "without" in d:
            return k
    return kids[0]


def canonical_pcs(raw: str) -> str:
    """Upper-case PCS gold code or prefix ("bw20" -> "BW20")."""
    return raw.strip().upper()


def pcs_matches(pred: str, gold: str) -> bool:
    """A full predicted PCS code matches a gold code or the 4-character prefix CodiEsp kept."""
    return pred == gold or (len(gold) < 7 and pred.startswith(gold))
