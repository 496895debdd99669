"""Build the Table of Drugs and Chemicals and the Neoplasm Table the pipeline looks up at run time
(``server/pipeline/data/drug_table.tsv.gz`` and ``neoplasm_table.tsv.gz``).

Input: the official FY2026 (April 1 2026) index XML from CDC/NCHS (public domain). Each row keeps
its full term path ("Insulin > human"; neoplasm sites without the main term: "Lung > upper lobe"),
its normalised synonyms (the path both ways, spellings and inversions of comma titles, the title
with each nonessential modifier: "insulin nph", "nph insulin"), its "see" reference and the six
codes exactly as the table prints them (T39.1X2, C34.1-; "--" and "-" become empty).

    python -m export.build_tables --index-dir ../shared/data/icd10cm-index-fy2026
"""
from __future__ import annotations

import argparse
import gzip
import io
import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from server.pipeline.drug_tables import (DRUG_COLUMNS, FIXED_COLUMNS, NEOPLASM_COLUMNS, PATH_SEP,
                                         normalize_name)

DATA = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data"
DRUG_XML = "icd10cm-drug-April-1-2026-XML.xml"
NEOPLASM_XML = "icd10cm-neoplasm-April-1-2026-XML.xml"
NEOPLASM_ROOT = "Neoplasm, neoplastic"
_MAX_FORMS = 16        # spelling combinations one path may yield
_MAX_NEMODS = 8        # nonessential-modifier variants one row may yield
_NONE = frozenset({"", "-", "--"})


def title_of(el: ET.Element) -> tuple[str, list[str]]:
    """(title without its nonessential modifiers, the modifiers): "Insulin (amorphous) (NPH)" ->
    ("Insulin", ["amorphous", "NPH"]); "Acid (corrosive) NEC" -> ("Acid NEC", ["corrosive"])."""
    t = el.find("title")
    if t is None:
        return "", []
    text, mods = [t.text or ""], []
    for nemod in t.findall("nemod"):
        mods += [m.strip() for m in re.findall(r"\(([^)]*)\)", nemod.text or "") if m.strip()]
        text.append(nemod.tail or "")
    plain = re.sub(r"\s+", " ", " ".join(text)).strip().strip(",").strip()
    return re.sub(r"\s+,", ",", plain), mods


def title_forms(title: str) -> list[str]:
    """How a note may say one level of the path. A comma lists spellings ("Arsenic, arsenicals",
    "lymph, lymphatic channel": each alone) or inverts a modifier ("Blockers, calcium channel":
    "blockers calcium channel" and "calcium channel blockers")."""
    parts = [p.strip() for p in re.split(r",\s+", title) if p.strip()]  # "2,4-D" is one name
    if len(parts) < 2:
        return [title]
    first = parts[0].lower().split()[0]
    if all(_same_stem(first, p.lower().split()[0]) for p in parts[1:]):
        return parts
    return [" ".join(parts), " ".join(parts[1:] + parts[:1])]


def _same_stem(a: str, b: str) -> bool:
    n = min(4, len(a), len(b))
    return n >= 3 and a[:n] == b[:n]


def synonyms(path: list[str], mods: list[str]) -> list[str]:
    """Normalised synonyms of one row, the canonical path form first, deduplicated in order."""
    out: dict[str, None] = {}
    levels = [title_forms(t) for t in path]
    for combo in itertools.islice(itertools.product(*levels), _MAX_FORMS):
        for form in (" ".join(combo), " ".join(reversed(combo))):
            out.setdefault(normalize_name(form), None)
    last = " ".join(path[:-1] + [levels[-1][0]])
    for mod in mods[:_MAX_NEMODS]:
        for form in (f"{last} {mod}", f"{mod} {last}"):
            out.setdefault(normalize_name(form), None)
    return [s for s in out if s]


def _cells(el: ET.Element) -> list[str]:
    by_col = {c.get("col"): (c.text or "").strip() for c in el.findall("cell")}
    return ["" if by_col.get(str(col), "") in _NONE else by_col[str(col)] for col in range(2, 8)]


def _clean(text: str) -> str:
    return re.sub(r"[\t\r\n|]+", " ", text).strip()


def table_rows(xml_path: Path, drop_root: str | None = None):
    """(path, synonyms, see, six codes) for every main term and subterm, in the file's order.
    ``drop_root`` leaves that main term out of its subterms' paths (the Neoplasm Table's single
    main term "Neoplasm, neoplastic")."""
    root = ET.parse(xml_path).getroot()

    def walk(el: ET.Element, path: list[str]):
        title, mods = title_of(el)
        if not title:
            return
        here = [] if title == drop_root else path + [_clean(title)]
        row_path = here or [_clean(title)]
        see = _clean(el.findtext("see") or "")
        yield PATH_SEP.join(row_path), synonyms(row_path, mods), see, _cells(el)
        for sub in el.findall("term"):
            yield from walk(sub, here)

    for main in root.iter("mainTerm"):
        yield from walk(main, [])


def write_table(rows, columns: tuple[str, ...], out: Path) -> int:
    """Gzip TSV, byte-for-byte reproducible (no timestamp or file name in the gzip header)."""
    buf = io.StringIO()
    buf.write("\t".join(FIXED_COLUMNS + columns) + "\n")
    n = 0
    for path, syns, see, codes in rows:
        buf.write("\t".join([path, "|".join(syns), see, *codes]) + "\n")
        n += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))
    return n


def build(index_dir: Path, out_dir: Path = DATA) -> dict[str, int]:
    """Both tables from ``index_dir`` into ``out_dir``; returns the row count of each file."""
    return {
        "drug_table.tsv.gz": write_table(table_rows(index_dir / DRUG_XML), DRUG_COLUMNS,
                                         out_dir / "drug_table.tsv.gz"),
        "neoplasm_table.tsv.gz": write_table(table_rows(index_dir / NEOPLASM_XML, NEOPLASM_ROOT),
                                             NEOPLASM_COLUMNS, out_dir / "neoplasm_table.tsv.gz"),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, required=True, help="folder holding the FY2026 index XML")
    ap.add_argument("--out-dir", type=Path, default=DATA)
    args = ap.parse_args(argv)
    for name, n in build(args.index_dir, args.out_dir).items():
        print(f"{name}: {n} rows, {(args.out_dir / name).stat().st_size} bytes")


if __name__ == "__main__":
    main()
