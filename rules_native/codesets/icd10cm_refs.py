"""Code references inside ICD-10-CM notes, resolved to existing codes.

Notes cite codes in parentheses: "(N18.1-N18.6)", "(I12.-, I13.-)", "(E08.22, E09.22)",
"(A00-B99)". A trailing "-" or ".-" means "the category or subcategory and everything under it",
which is the code itself here: consumers walk ``parent`` to cover the subtree. A range is
expanded to the existing codes of the same level between its ends (N18.1-N18.6 -> N18.1, N18.2,
N18.3, N18.4, N18.5, N18.6; A00-A09 -> every category A00..A09). Qualifiers after a range
("T36-T65 with fifth or sixth character 1-4 or 6") are not applied: the range is kept whole,
so a reference may be wider than the note; it is never narrower. Citations of codes that do
not exist (typos, deleted codes) are dropped rather than guessed.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence

# Whole tokens only: "(G6PD)" or "(STAT5b)" hold code-shaped fragments that are not codes.
_CODE = r"(?<![0-9A-Z])[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?(?![0-9A-Z])"
# The range branch is tried before a bare trailing dash, so "N18.1-N18.6" is one range.
_REF = re.compile(rf"({_CODE})(?:\s*-\s*({_CODE})(?:\.?-)?|\.?-)?")
_PARENS = re.compile(r"\(([^()]*)\)")
# Outside parentheses a note's words can look like codes ("any type in A15", "vitamin B12"), so
# only unmistakable citations count there: a range ("S06.1- to S06.6-", "F01-F02"), a cited
# subtree ("A74.-", "S04.04-") or a dotted code ("E72.4").
_OUTSIDE = re.compile(rf"({_CODE})(?:\.?-)?\s*(?:-|\bto\b)\s*({_CODE})(?:\.?-)?|({_CODE})\.?-"
                      rf"|(?<![0-9A-Z])([A-Z]\d[0-9A-Z]\.[0-9A-Z]{{1,4}})(?![0-9A-Z])")
_CATEGORY = re.compile(rf"\bcategory\s+({_CODE})", re.I)


class RefResolver:
    """Turn note text into ids of existing codes; ``codes`` are dotted canonical codes."""

    def __init__(self, codes: Sequence[str]):
        self._index = {c: i for i, c in enumerate(codes)}
        by_len: dict[int, list[str]] = {}
        for c in codes:
            by_len.setdefault(len(c.replace(".", "")), []).append(c.replace(".", ""))
        self._sorted = {n: sorted(v) for n, v in by_len.items()}

    def resolve(self, notes: Iterable[str]) -> list[int]:
        """Ids cited by ``notes``, in order of first citation, without repeats."""
        seen: dict[int, None] = {}
        for note in notes:
            for group in _PARENS.findall(note):
                for start, end in _REF.findall(group.upper()):
                    for i in self._expand(start, end):
                        seen.setdefault(i, None)
            # "concussion with other intracranial injuries classified in subcategories S06.1- to
            # S06.6-" (S06.0 Excludes1)
            for start, end, tree, code in _OUTSIDE.findall(_PARENS.sub(" ", note)):
                for i in self._expand(start or tree or code, end):
                    seen.setdefault(i, None)
            # a category cited in the text itself: "Use additional code from category E11 to further
            # identify any manifestations" (O24.1)
            for code in _CATEGORY.findall(note):
                i = self._lookup(code.upper())
                if i >= 0:
                    seen.setdefault(i, None)
        return list(seen)

    def _expand(self, start: str, end: str) -> list[int]:
        if not end:
            i = self._lookup(start)
            return [i] if i >= 0 else []
        lo, hi = start.replace(".", ""), end.replace(".", "")
        level = min(len(lo), len(hi))
        lo, hi = lo[:level], hi[:level]
        pool = self._sorted.get(level, [])
        left = bisect.bisect_left(pool, lo)
        right = bisect.bisect_right(pool, hi)
        return [self._index[_dot(c)] for c in pool[left:right]]

    def _lookup(self, code: str) -> int:
        i = self._index.get(code, -1)
        if i < 0 and code.endswith("X"):
            # "T36.0X-" style citations pad with placeholders that the subcategory lacks.
            i = self._index.get(code.rstrip("X").rstrip("."), -1)
        return i


def _dot(code: str) -> str:
    return code if len(code) <= 3 else code[:3] + "." + code[3:]
