"""ICD-10-CM FY2026: the code set with hierarchy, chapters, notes and 7th characters."""
from __future__ import annotations

import datetime as dt
from functools import cached_property
import importlib.util
from pathlib import Path

import numpy as np

from .base import CodeSet, Edition, edition_from_meta, load_compiled
from .errors import CodeSetError
from .icd10cm_build import build_icd10cm
from .icd10cm_xml import NOTE_KINDS
from .normalize import undotted
from .store import Lists, Strings, load_array, read_json

XML_NAME = "icd10c-tabular-April-1-2026.xml"
CODE_LIST_NAME = "code-list-April-2026.txt"
# The April 1, 2026 update is the FY2026 code set as it stands; claims of the whole fiscal year
# are checked against it (the few April additions are the only codes it knows too early).
EDITION = Edition("FY2026 (April 1, 2026 update)", dt.date(2025, 10, 1), dt.date(2026, 9, 30))
PUBLIC_KINDS = NOTE_KINDS


def packaged_sources() -> tuple[Path, Path]:
    """The tabular XML and code list shipped in the simple-icd-10-cm wheel.

    Found with ``find_spec`` rather than ``importlib.resources.files``: importing
    simple_icd_10_cm parses the whole XML (about 2 s), which is what the cache exists to avoid.
    """
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise CodeSetError("ICD-10-CM source missing: install simple-icd-10-cm==1.5.0")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    xml, codes = data / XML_NAME, data / CODE_LIST_NAME
    for path in (xml, codes):
        if not path.is_file():
            raise CodeSetError(f"ICD-10-CM source {path.name} not found in simple_icd_10_cm; "
                               "the pinned version is simple-icd-10-cm==1.5.0")
    return xml, codes


def load_icd10cm(cache_dir: Path | None = None, *, source: Path | None = None,
                 code_list: Path | None = None) -> "ICD10CMCodeSet":
    """Load the compiled FY2026 ICD-10-CM, compiling it first if the source changed.

    ``source``/``code_list`` replace the packaged tabular XML and its code list (a new release,
    or a test fixture); with a ``source`` but no ``code_list`` the 7th-character rules are
    trusted without the list's vetting.
    """
    if source is None:
        source, code_list = packaged_sources()
    sources = [Path(source)] + ([Path(code_list)] if code_list is not None else [])
    return load_compiled(cache_dir, "icd10cm", sources,
                         lambda out: build_icd10cm(out, Path(source), code_list, EDITION),
                         ICD10CMCodeSet.from_folder)


class ICD10CMCodeSet(CodeSet):
    """ICD-10-CM with the tabular's hierarchy: every id has a chapter, a block and notes.

    Rows are in tree pre-order, so the subtree of id ``i`` is ``i .. end[i]-1``.
    """

    def __init__(self, folder: Path, built_now: bool):
        meta = read_json(folder / "meta.json")
        super().__init__("ICD10CM", edition_from_meta(meta), Strings.load(folder, "code").to_list(),
                         Strings.load(folder, "description"), load_array(folder, "parent"),
                         load_array(folder, "billable"), cache_path=folder,
                         from_cache=not built_now)
        self._folder = folder
        self._meta = meta
        self.chapter: np.ndarray = load_array(folder, "chapter")
        self.block: np.ndarray = load_array(folder, "block")
        self.end: np.ndarray = load_array(folder, "end")
        self.manifestation: np.ndarray = load_array(folder, "manifestation")
        self.extension: np.ndarray = load_array(folder, "extension")
        self._seventh = load_array(folder, "seventh")
        self._group_ids = Strings.load(folder, "group_id").to_list()
        self._group_desc = Strings.load(folder, "group_description")
        self._group_chapter = load_array(folder, "group_chapter")
        self._chapter_group = {int(c): g for g, (c, k) in enumerate(
            zip(self._group_chapter, Strings.load(folder, "group_kind").to_list())) if k == "chapter"}
        self._lists: dict[str, Lists] = {}

    @classmethod
    def from_folder(cls, folder: Path, built_now: bool, **extra) -> "ICD10CMCodeSet":
        return cls(folder, built_now)

    def _fast_key(self, code: str) -> str:
        key = code.strip().upper()
        return key[:3] + "." + key[3:] if len(key) > 3 and key[3] != "." else key

    # -- hierarchy -------------------------------------------------------------------------
    def chapter_of(self, code: str | int) -> tuple[int, str]:
        """(chapter number, chapter title): E11.22 -> (4, "Endocrine, nutritional and ...")."""
        number = int(self.chapter[self._resolve(code)])
        return number, self._group_desc[self._chapter_group[number]]

    def block_of(self, code: str | int) -> tuple[str, str]:
        """(block id, block title): E11.22 -> ("E08-E13", "Diabetes mellitus (E08-E13)")."""
        g = int(self.block[self._resolve(code)])
        return self._group_ids[g], self._group_desc[g]

    def children(self, code: str | int) -> list[str]:
        i = self._resolve(code)
        below = np.nonzero(self.parent[i + 1:self.end[i]] == i)[0] + i + 1
        return [self.codes[j] for j in below]

    def ancestors(self, code: str | int) -> list[str]:
        """Nearest first: S72.001A -> [S72.001, S72.00, S72.0, S72]."""
        out = []
        p = int(self.parent[self._resolve(code)])
        while p >= 0:
            out.append(self.codes[p])
            p = int(self.parent[p])
        return out

    def billable_descendants(self, code: str | int) -> list[str]:
        """Billable codes at or under ``code`` (a billable code returns itself): E11.2 -> E11.21..."""
        i = self._resolve(code)
        rows = np.nonzero(self.billable[i:self.end[i]])[0] + i
        return [self.codes[j] for j in rows]

    def seventh_characters(self, code: str | int) -> dict[str, str]:
        """7th characters that complete ``code`` or the leaves under it; {} where none apply.

        S72.001 -> {"A": "initial encounter for closed fracture", ...}; S72.001A -> {}.
        """
        d = int(self._seventh[self._resolve(code)])
        return dict(self._meta["seventh_defs"][d]) if d >= 0 else {}

    # -- notes -----------------------------------------------------------------------------
    def _list(self, name: str, strings: bool) -> Lists:
        lst = self._lists.get(name)
        if lst is None:
            lst = self._lists[name] = Lists.load(self._folder, name, strings)
        return lst

    def _chain(self, i: int, inherited: bool) -> list[tuple[str, int]]:
        """Rows whose notes apply to ``i``: itself, then ancestors, its block and its chapter."""
        chain = [("", i)]
        if inherited:
            p = int(self.parent[i])
            while p >= 0:
                chain.append(("", p))
                p = int(self.parent[p])
            chain.append(("group_", int(self.block[i])))
            chain.append(("group_", self._chapter_group[int(self.chapter[i])]))
        return chain

    def notes(self, code: str | int, kind: str, inherited: bool = False) -> tuple[str, ...]:
        """Note texts of ``kind`` at ``code`` (and, if ``inherited``, above it, nearest first).

        kind is one of inclusion, includes, excludes1, excludes2, use_additional, code_first,
        code_also (and notes, the tabular's free-text notes).
        """
        _check_kind(kind)
        out: list[str] = []
        for prefix, row in self._chain(self._resolve(code), inherited):
            out.extend(self._list(f"{prefix}notes_{kind}", True)[row])
        return tuple(out)

    def referenced_codes(self, code: str | int, kind: str, inherited: bool = True) -> tuple[str, ...]:
        """Codes cited by the ``kind`` notes that govern ``code``: E11.22 use_additional -> N18.1..."""
        _check_kind(kind)
        seen: dict[int, None] = {}
        for prefix, row in self._chain(self._resolve(code), inherited):
            for j in self._list(f"{prefix}refs_{kind}", False)[row]:
                seen.setdefault(j, None)
        return tuple(self.codes[j] for j in seen)

    @cached_property
    def excludes1_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(id with the Excludes1 note, id it excludes), int32 arrays for kernels.

        A note on a block or chapter is given to each category of that block or chapter, so a
        kernel finds every pair by walking ``parent`` up to the category.
        """
        own = self._list("refs_excludes1", False)
        left, right = [own.owners()], [np.asarray(own.values, dtype=np.int32)]
        groups = self._list("group_refs_excludes1", False)
        roots = np.nonzero(self.parent < 0)[0].astype(np.int32)
        for g in np.nonzero(np.diff(groups.offsets))[0]:
            if g in self._chapter_group.values():
                cats = roots[self.chapter[roots] == self._group_chapter[g]]
            else:
                cats = roots[self.block[roots] == g]
            refs = np.asarray(groups[g], dtype=np.int32)
            left.append(np.repeat(cats, len(refs)))
            right.append(np.tile(refs, len(cats)))
        return np.concatenate(left).astype(np.int32), np.concatenate(right).astype(np.int32)

    # -- validation reasons ----------------------------------------------------------------
    def _not_billable_reason(self, i: int) -> str:
        # Pre-order: a code with children has its first child in the next row.
        if self.extension[i + 1]:
            chars = ", ".join(c[-1] for c in self.codes[i + 1:int(self.end[i])])
            return f"not billable: has children (a 7th character is required: {chars})"
        return f"not billable: has children (e.g. {self.codes[i + 1]})"

    def _unknown_reason(self, canon: str) -> str:
        bare = undotted(canon)
        for n in range(len(bare) - 1, 2, -1):
            stem = self._index.get(canon[:3] + "." + bare[3:n] if n > 3 else bare[:3])
            if stem is not None:
                if len(bare) == 7 and self.seventh_characters(stem):
                    return (f"unknown code: 7th character {bare[6]!r} does not complete "
                            f"{self.codes[stem]} (or it needs placeholder X)")
                return f"unknown code: not in ICD-10-CM {self.edition}; nearest code {self.codes[stem]}"
        return f"unknown code: not in ICD-10-CM {self.edition}"

    @property
    def dropped_extensions(self) -> int:
        """Codes the 7th-character rules would make that the CMS code list rules out."""
        return int(self._meta.get("dropped_extensions", 0))


def _check_kind(kind: str) -> None:
    if kind not in NOTE_KINDS:
        raise KeyError(f"unknown note kind {kind!r}; one of {', '.join(NOTE_KINDS)}")
