"""Build the ICD-10-CM Alphabetic Index tree the pipeline walks (``server/pipeline/data/index_tree.tsv.gz``).

Input: the FY2025 index flattened to CSV (RowID, Letter, Level, Term, See, SeeAlso, NonEssModif,
Code; CDC/NCHS, public domain). The file keeps the rows in index order with their level, so the
tree ("Osteoarthritis" > "knee" > "primary" -> M17.1-) is rebuilt at load time from the levels.
Rows are written as they are (term, see, see also, nonessential modifiers, code), tab-separated:
normalisation happens at load with the same tokenizer the notes go through.

    python -m export.build_index_tree --index-dir ../shared/data/icd10cm-index-fy2025
"""
from __future__ import annotations

import argparse
import csv
import gzip
import io
import re
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "server" / "pipeline" / "data" / "index_tree.tsv.gz"
HEADER = ("level", "term", "see", "see_also", "modifiers", "code")
_COLUMNS = ("Level", "Term", "See", "SeeAlso", "NonEssModif", "Code")


def read_rows(csv_path: Path) -> list[tuple[str, ...]]:
    """The index rows in order, as (level, term, see, see_also, modifiers, code)."""
    with open(csv_path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise SystemExit(f"{csv_path}: missing columns {missing}")
        rows = []
        for r in reader:
            level = (r["Level"] or "").strip()
            term = _clean(r["Term"])
            if not level.isdigit() or not term:
                continue
            rows.append((level, term, *(_clean(r[c]) for c in _COLUMNS[2:])))
    return _repair(rows)


# Codes the flattening lost, by the entry's full path (checked against the printed index and the
# Tabular): Hypertension > complicating > pregnancy > pre-existing > with > pre-eclampsia is O11.-
# ("Pre-existing hypertension with pre-eclampsia", by trimester), as its childbirth (O11.4) and
# puerperium (O11.5) siblings are.
_LOST_CODES = {("Hypertension, hypertensive", "complicating", "pregnancy", "pre-existing", "with", "pre-eclampsia"):
               "O11.-"}
# A See also reference that ends in a code: the entry's own code, cut into the wrong column
_SEE_ALSO_CODE = re.compile(r"^(.*\S)\s+([A-Z]\d[0-9A-Z](?:\.[0-9A-Z]*)?-?)$")


def _repair(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Terms the flattening cut after a mid-term modifier and left with a dangling "and" / "or"
    ("acute and (on) chronic" under Failure, respiratory became "acute and", modifiers "(on)"):
    the printed index pairs such a term with the sibling that follows it, so that sibling's
    word completes it ("acute and chronic"). Codes it lost (``_LOST_CODES``) are put back."""
    rows = _restore_codes(rows)
    out = list(rows)
    for k, row in enumerate(rows):
        level, term = row[0], row[1]
        if not term.endswith((" and", " or")):
            continue
        nxt = next((r for r in rows[k + 1:] if int(r[0]) <= int(level)), None)
        if nxt is not None and nxt[0] == level and " " not in nxt[1]:
            out[k] = (level, f"{term} {nxt[1]}", *row[2:])
    return out


def _restore_codes(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    out, path = [], []
    for row in rows:
        level = int(row[0])
        path[level:] = [row[1]]
        code = _LOST_CODES.get(tuple(path))
        moved = _SEE_ALSO_CODE.match(row[3])
        if moved and not row[5]:
            # "Fracture, pathological (see also Fracture, traumatic) M84.40": the flattening left
            # the entry's code at the end of its See also reference
            row = (row[0], row[1], row[2], moved.group(1), row[4], moved.group(2))
        out.append(row[:5] + (code,) if code and not row[5] else row)
    return out


def _clean(value: str | None) -> str:
    return " ".join((value or "").replace("\t", " ").split())


def write(rows: list[tuple[str, ...]], out: Path) -> None:
    """Deterministic gzip (no name, fixed mtime) so a rebuild from the same input is byte-identical."""
    buf = io.StringIO()
    buf.write("\t".join(HEADER) + "\n")
    for r in rows:
        buf.write("\t".join(r) + "\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index-dir", type=Path, required=True, help="folder with ICD10CM_2025_Index.csv")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows = read_rows(args.index_dir / "ICD10CM_2025_Index.csv")
    write(rows, args.out)
    print(f"{len(rows)} index rows -> {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
