"""Code-set search for the review page: by code prefix ("e11.2", "I5023") or by words
("systolic heart failure acute"), each hit with its place in the hierarchy.

Word search keeps codes whose description contains every word (prefix of a word, case-insensitive);
billable codes and shorter descriptions rank first, so "heart failure" shows I50.9 before the
long combination codes.
"""
from __future__ import annotations

import bisect
import re
import threading
from typing import Any

import numpy as np

from server.errors import InvalidInput

_WORD = re.compile(r"[a-z0-9]+")
MAX_QUERY_CHARS = 100
SYSTEMS = ("ICD10CM", "ICD10PCS", "HCPCS", "CPT")


class _Index:
    def __init__(self, cs):
        self.cs = cs
        self.codes: list[str] = list(cs.codes)
        self.bare = sorted((c.replace(".", ""), i) for i, c in enumerate(self.codes))
        self.bare_keys = [b for b, _ in self.bare]
        self.lower = [" " + " ".join(_WORD.findall(cs.description(i).lower())) for i in range(len(self.codes))]
        self.billable = np.asarray(cs.billable, dtype=bool) if hasattr(cs, "billable") else None
        self.parent = np.asarray(cs.parent, dtype=np.int64)


class CodeSearch:
    def __init__(self, codesets):
        self.codesets = codesets
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}

    def _index(self, system: str) -> _Index:
        with self._lock:
            idx = self._indexes.get(system)
            if idx is None:
                if system not in SYSTEMS:
                    raise InvalidInput("system must be one of " + ", ".join(SYSTEMS))
                try:
                    cs = self.codesets.get(system)
                except Exception as e:  # HCPCS without its CMS release file
                    raise InvalidInput(f"the {system} code set is not loaded on this server") from e
                idx = self._indexes[system] = _Index(cs)
            return idx

    def warm(self, system: str = "ICD10CM") -> None:
        self._index(system)

    def search(self, system: str, query: str, limit: int = 25) -> list[dict[str, Any]]:
        """Up to ``limit`` hits, code-prefix matches first, each with ``path`` (ancestors, root first)."""
        query = query.strip()
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInput(f"search text is longer than {MAX_QUERY_CHARS} characters")
        if not query:
            return []
        idx = self._index(system)
        hits: list[int] = []
        if " " not in query and len(query) <= 8:
            hits = self._by_prefix(idx, query.replace(".", "").upper(), limit)
        words = _WORD.findall(query.lower())
        if words and len(hits) < limit:
            seen = set(hits)
            hits += [i for i in self._by_words(idx, words, limit * 4) if i not in seen][: limit - len(hits)]
        return [self._entry(idx, i, with_path=True) for i in hits[:limit]]

    def _by_prefix(self, idx: _Index, bare: str, limit: int) -> list[int]:
        lo = bisect.bisect_left(idx.bare_keys, bare)
        out = []
        for key, i in idx.bare[lo:lo + limit]:
            if not key.startswith(bare):
                break
            out.append(i)
        return out

    def _by_words(self, idx: _Index, words: list[str], cap: int) -> list[int]:
        needles = [" " + w for w in words]
        found = [i for i, d in enumerate(idx.lower) if all(n in d for n in needles)]
        billable = idx.billable
        found.sort(key=lambda i: (not (billable is not None and billable[i]), len(idx.lower[i]), idx.codes[i]))
        return found[:cap]

    def lookup(self, system: str, code: str) -> dict[str, Any] | None:
        """One code with its ancestors (root first) and children, or None when it is unknown."""
        idx = self._index(system)
        i = idx.cs.id_of(code[:16]) if code else -1
        if i < 0:
            return None
        entry = self._entry(idx, i, with_path=True)
        kids = np.nonzero(idx.parent == i)[0]
        entry["children"] = [self._entry(idx, int(j), with_path=False) for j in kids[:200]]
        return entry

    def _entry(self, idx: _Index, i: int, with_path: bool) -> dict[str, Any]:
        out = {"code": idx.codes[i], "description": idx.cs.description(i),
               "billable": bool(idx.billable[i]) if idx.billable is not None else True}
        if with_path:
            path, p = [], int(idx.parent[i])
            while p >= 0:
                path.append({"code": idx.codes[p], "description": idx.cs.description(p)})
                p = int(idx.parent[p])
            out["path"] = path[::-1]
        return out
