"""Compile the ICD-10-CM tabular XML into the Arrow cache that ``ICD10CMCodeSet`` loads.

Manifestation rule (the Medicare Code Editor's "manifestation code as principal diagnosis"
edit, rebuilt from the tabular because the MCE's own table is not shipped here):
  (a) the code's title, or an ancestor's, says "in ... classified elsewhere" (G63 Polyneuropathy
      in diseases classified elsewhere, D63.1 under D63, J91.0 under J91); "as the cause of
      diseases classified elsewhere" (B95-B97, infectious agents) and "due to / associated with
      ... classified elsewhere" (N52.1, F54) are etiology or supplementary codes, not
      manifestations, and are left out;
  (b) codes in the body-system chapters 1-17 that carry a "code first" note (own or inherited)
      and whose title places the condition "in <qualifier> disease(s)" of another system
      (G46 Vascular syndromes of brain in cerebrovascular diseases).
Rule (a) holds in every chapter, as the guidelines say of such titles (R47.82, Z91.83); rule (b)
is kept out of chapters 18-22, where "code first" notes only sequence symptoms, injuries and
status codes after their cause.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import Edition, save_columns
from .errors import CodeSetError
from .icd10cm_refs import RefResolver
from .icd10cm_xml import NOTE_KINDS, Tabular, parse_tabular
from .normalize import undotted
from .store import Lists, Strings, save_array

_ELSEWHERE = re.compile(r"\bin\b(?:(?!\bas the cause of\b|\bdue to\b).)*\bclassified elsewhere\b", re.I)
_IN_DISEASE = re.compile(r"\bin (?:[a-z-]+ ){0,2}diseases?\b", re.I)
_BODY_CHAPTERS = range(1, 18)


def read_code_list(path: Path) -> set[str]:
    """The CMS/CDC order list: one undotted code (or chapter/block id) per line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError) as e:
        raise CodeSetError(f"ICD-10-CM code list {Path(path).name} is unreadable: {e}") from e
    if not lines:
        raise CodeSetError(f"ICD-10-CM code list {Path(path).name} is empty")
    return set(lines)


def build_icd10cm(out_dir: Path, xml_path: Path, code_list: Path | None, edition: Edition) -> None:
    """Parse, cross-check and write the ICD-10-CM cache folder ``out_dir``."""
    listed = read_code_list(code_list) if code_list is not None else None
    tab = parse_tabular(xml_path, listed)
    if listed is not None:
        _cross_check(tab, listed)
    billable = [tab.end[i] == i + 1 for i in range(len(tab.codes))]
    save_columns(out_dir, "ICD10CM", edition, tab.codes, tab.descriptions, tab.parent, billable,
                 xml_version=tab.version, seventh_defs=tab.seventh_defs,
                 dropped_extensions=tab.dropped_extensions,
                 sources=[Path(xml_path).name] + ([Path(code_list).name] if code_list else []))
    for name, values, dtype in (("chapter", tab.chapter, np.int16), ("block", tab.block, np.int16),
                                ("end", tab.end, np.int32), ("seventh", tab.seventh, np.int16),
                                ("extension", tab.extension, np.bool_),
                                ("manifestation", manifestations(tab), np.bool_)):
        save_array(out_dir, name, values, dtype)
    resolver = RefResolver(tab.codes)
    _save_notes(out_dir, "", tab.notes, resolver)
    Strings.save(out_dir, "group_id", [g.id for g in tab.groups])
    Strings.save(out_dir, "group_kind", [g.kind for g in tab.groups])
    Strings.save(out_dir, "group_description", [g.description for g in tab.groups])
    save_array(out_dir, "group_chapter", [g.chapter for g in tab.groups], np.int16)
    _save_notes(out_dir, "group_", [g.notes for g in tab.groups], resolver)


def _save_notes(out_dir: Path, prefix: str, notes: Sequence[dict], resolver: RefResolver) -> None:
    """Per note kind, the note texts and the ids they cite, as list columns."""
    for kind in NOTE_KINDS:
        texts = [n.get(kind, ()) for n in notes]
        Lists.save(out_dir, f"{prefix}notes_{kind}", texts, strings=True)
        Lists.save(out_dir, f"{prefix}refs_{kind}", [resolver.resolve(t) if t else [] for t in texts],
                   strings=False)


def _cross_check(tab: Tabular, listed: set[str]) -> None:
    """Every code of the XML is in the code list and every listed code came out of the XML."""
    ours = {undotted(c) for c in tab.codes}
    groups = {g.id for g in tab.groups}
    extra = sorted(ours - listed)
    missing = sorted(listed - ours - groups)
    if extra or missing:
        raise CodeSetError(
            f"ICD-10-CM tabular and code list disagree: {len(extra)} codes only in the XML "
            f"{extra[:5]}, {len(missing)} only in the list {missing[:5]}")


def manifestations(tab: Tabular) -> list[bool]:
    """Per row, whether the code is a manifestation code (rule in the module docstring)."""
    flags: list[bool] = []
    code_first: list[bool] = []
    for i, desc in enumerate(tab.descriptions):
        p = tab.parent[i]
        inherited = p >= 0 and flags[p]
        has_cf = "code_first" in tab.notes[i] or (p >= 0 and code_first[p])
        code_first.append(has_cf)
        rule_b = (tab.chapter[i] in _BODY_CHAPTERS and has_cf and bool(_IN_DISEASE.search(desc)))
        flags.append(inherited or bool(_ELSEWHERE.search(desc)) or rule_b)
    return flags
