"""Read the CDC ICD-10-CM tabular XML into rows in tree pre-order.

Pre-order means a code's descendants are the rows ``i+1 .. end[i]-1``, so subtree queries are
slices. Codes made by the 7th-character rules are rows like any other: a leaf under a
``sevenChrDef`` (its own or the nearest ancestor's) gets one child per extension, padded with
placeholder X to six characters (S00.01 + A -> S00.01XA, S72.001 + A -> S72.001A). The CMS code
list decides which of those exist: a few extensions do not apply to every leaf, and a generated
code absent from the list is dropped, as the official order file drops it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CodeSetError
from .normalize import dotted, undotted

NOTE_KINDS = ("inclusion", "includes", "excludes1", "excludes2", "use_additional",
              "code_first", "code_also", "notes")
_TAG_KIND = {"inclusionTerm": "inclusion", "includes": "includes", "excludes1": "excludes1",
             "excludes2": "excludes2", "useAdditionalCode": "use_additional",
             "codeFirst": "code_first", "codeAlso": "code_also", "notes": "notes"}
_SPACES = re.compile(r"\s+")
_ROOT_TAG = "ICD10CM.tabular"

Notes = dict[str, tuple[str, ...]]


@dataclass
class Group:
    """A chapter ("1".."22") or a block ("A00-A09"): codes live inside, notes apply to them."""

    kind: str
    id: str
    description: str
    chapter: int
    notes: Notes


@dataclass
class Tabular:
    version: str
    codes: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    chapter: list[int] = field(default_factory=list)
    block: list[int] = field(default_factory=list)
    seventh: list[int] = field(default_factory=list)
    extension: list[bool] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    notes: list[Notes] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    seventh_defs: list[dict[str, str]] = field(default_factory=list)
    dropped_extensions: int = 0

    def add_row(self, code: str, desc: str, parent: int, chapter: int, block: int,
                seventh: int, notes: Notes, extension: bool = False) -> int:
        self.codes.append(code)
        self.descriptions.append(desc)
        self.parent.append(parent)
        self.chapter.append(chapter)
        self.block.append(block)
        self.seventh.append(seventh)
        self.extension.append(extension)
        self.notes.append(notes)
        self.end.append(len(self.codes))
        return len(self.codes) - 1


def parse_tabular(xml_path: Path, listed: set[str] | None) -> Tabular:
    """Parse ``xml_path``; ``listed`` is the CMS code list (undotted) that vets 7th-char codes.

    With ``listed`` None every code the 7th-character rules make is kept.
    """
    try:
        root = ET.parse(xml_path).getroot()
    except (ET.ParseError, OSError) as e:
        raise CodeSetError(f"ICD-10-CM tabular {Path(xml_path).name} is not readable XML: {e}") from e
    if root.tag != _ROOT_TAG:
        raise CodeSetError(f"ICD-10-CM tabular {Path(xml_path).name}: root element is "
                           f"<{root.tag}>, expected <{_ROOT_TAG}>")
    tab = Tabular(version=(root.findtext("version") or "").strip())
    for chap in root.findall("chapter"):
        number = _chapter_number(chap)
        tab.groups.append(Group("chapter", str(number), _text(chap.find("desc")), number,
                                _notes(chap)))
        for sec in chap.findall("section"):
            tab.groups.append(Group("block", sec.get("id", "").strip(), _text(sec.find("desc")),
                                    number, _notes(sec)))
            block = len(tab.groups) - 1
            for diag in sec.findall("diag"):
                _walk(tab, diag, -1, -1, number, block, listed)
    if not tab.codes:
        raise CodeSetError(f"ICD-10-CM tabular {Path(xml_path).name} holds no <diag> codes")
    return tab


def _walk(tab: Tabular, elem: ET.Element, parent: int, seventh: int, chapter: int,
          block: int, listed: set[str] | None) -> None:
    name = (elem.findtext("name") or "").strip()
    if not name:
        raise CodeSetError(f"ICD-10-CM tabular: a <diag> under row {parent} has no <name>")
    own_def = elem.find("sevenChrDef")
    if own_def is not None:
        tab.seventh_defs.append(_seventh_def(own_def))
        seventh = len(tab.seventh_defs) - 1
    i = tab.add_row(name, _text(elem.find("desc")), parent, chapter, block, seventh, _notes(elem))
    kids = elem.findall("diag")
    for kid in kids:
        _walk(tab, kid, i, seventh, chapter, block, listed)
    if not kids and seventh >= 0:
        _extend(tab, i, listed)
    tab.end[i] = len(tab.codes)


def _extend(tab: Tabular, leaf: int, listed: set[str] | None) -> None:
    """Add the 7th-character codes of ``leaf`` that the CMS code list confirms."""
    stem = undotted(tab.codes[leaf]).ljust(6, "X")
    for char, text in tab.seventh_defs[tab.seventh[leaf]].items():
        code = stem + char
        if listed is not None and code not in listed:
            tab.dropped_extensions += 1
            continue
        tab.add_row(dotted(code), f"{tab.descriptions[leaf]}, {text}", leaf, tab.chapter[leaf],
                    tab.block[leaf], -1, {}, extension=True)


def _seventh_def(elem: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    last = None
    for ext in elem:
        if ext.tag == "extension":
            last = ext.get("char", "").strip().upper()
            out[last] = _text(ext)
        elif ext.tag == "note" and last is not None:
            # A <note> after an <extension> continues its text (as simple_icd_10_cm reads it).
            out[last] = f"{out[last]}/{_text(ext)}"
    if not out or any(len(c) != 1 for c in out):
        raise CodeSetError("ICD-10-CM tabular: a <sevenChrDef> has no or malformed <extension>")
    return out


def _notes(elem: ET.Element) -> Notes:
    out: dict[str, list[str]] = {}
    for child in elem:
        kind = _TAG_KIND.get(child.tag)
        if kind is not None:
            out.setdefault(kind, []).extend(_text(n) for n in child.findall("note"))
    return {k: tuple(v) for k, v in out.items()}


def _chapter_number(chap: ET.Element) -> int:
    raw = (chap.findtext("name") or "").strip()
    if not raw.isdigit():
        raise CodeSetError(f"ICD-10-CM tabular: chapter name {raw[:10]!r} is not a number")
    return int(raw)


def _text(elem: ET.Element | None) -> str:
    if elem is None:
        return ""
    return _SPACES.sub(" ", "".join(elem.itertext())).strip()
