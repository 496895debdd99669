"""Merged, kernel-ready layouts of several loaded tables.

Procedure codes of every PTP and MUE table are interned into one ``Vocab`` (sorted codes, id =
position). PTP rows become CSR over the column-1 id (rows of one column-1 code sorted by
column-2 id), MUE rows CSR over the code id. Tables of several quarters load side by side: a
line is judged by the newest loaded quarter that had started on its date of service (the
oldest loaded quarter for earlier dates), then by each edit's own effective/deletion dates.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .dates import Quarter
from . import kernels
from .pairmap import PairMap, pack_rows
from .modifiers import code_kind
from .mue import MueTable
from .ptp import PtpTable

_UNDATED = Quarter(1900, 1)



class Vocab:
    """Procedure codes (HCPCS/CPT) interned to int32 ids shared by all tables."""

    def __init__(self, code_arrays: Iterable[np.ndarray]):
        arrays = [np.asarray(a, dtype="U5") for a in code_arrays]
        self.codes = np.unique(np.concatenate(arrays)) if arrays else np.empty(0, dtype="U5")
        self._ids = {c: i for i, c in enumerate(self.codes.tolist())}
        self.kind = np.array([code_kind(c) for c in self.codes.tolist()], dtype=np.int8)

    def __len__(self) -> int:
        return len(self.codes)

    def id_of(self, code: str) -> int:
        return self._ids.get(code, -1)

    def remap(self, local_codes: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.codes, local_codes).astype(np.int32)


def _quarter_days(quarters: Sequence[Quarter]) -> np.ndarray:
    return np.array([q.start_day for q in quarters], dtype=np.int32)


def select_quarter(starts: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Index of the newest quarter start <= day for each day (0 before the first)."""
    return np.maximum(np.searchsorted(starts, days, side="right") - 1, 0).astype(np.int32)


@dataclass(frozen=True, eq=False)
class PtpIndex:
    provider_type: str
    quarters: tuple[Quarter, ...]
    quarter_starts: np.ndarray
    offsets: np.ndarray
    col1: np.ndarray
    col2: np.ndarray
    q: np.ndarray
    effective: np.ndarray
    deletion: np.ndarray
    modifier: np.ndarray
    rationale: np.ndarray
    rationales: tuple[str, ...]
    sources: tuple[str, ...]
    pairs: PairMap = field(default_factory=PairMap.empty)
    packed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def build(cls, provider_type: str, tables: Sequence[PtpTable], vocab: Vocab) -> "PtpIndex":
        quarters = tuple(sorted({t.quarter for t in tables}))
        rationales: list[str] = []
        parts = []
        for t in tables:
            ids = vocab.remap(t.codes)
            rat = np.asarray([_intern(rationales, s) for s in t.rationales], dtype=np.int32)
            parts.append((ids[t.col1], ids[t.col2], np.full(len(t), quarters.index(t.quarter), np.int32),
                          t.effective, t.deletion, t.modifier, rat[t.rationale]))
        cols = [np.concatenate(c) for c in zip(*parts)]
        if len(tables) > 1:  # one table is already sorted (monotone id remap keeps the order)
            order = np.lexsort((cols[3], cols[2], cols[1], cols[0]))
            cols = [c[order] for c in cols]
        offsets = np.searchsorted(cols[0], np.arange(len(vocab) + 1)).astype(np.int64)
        packed = pack_rows(cols[3], cols[4], cols[2], cols[5])
        return cls(provider_type, quarters, _quarter_days(quarters), offsets, *cols,
                   rationales=tuple(rationales), sources=tuple(t.source for t in tables),
                   pairs=PairMap.build(cols[0], cols[1], packed, len(vocab)), packed=packed)

    def __len__(self) -> int:
        return len(self.col1)

    def conflicts(self, claim_off: np.ndarray, code: np.ndarray, day: np.ndarray, flags: np.ndarray,
                  sites: np.ndarray, kind: np.ndarray, counters: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Run the PTP kernel over flat claim lines: (claim, column-1 line, column-2 line, row,
        status) arrays, one entry per edit in force (bypassed ones included, status >= 2)."""
        sizes = np.diff(claim_off)
        worst = int((sizes * (sizes - 1) // 2).sum())
        counters = np.zeros(1, np.int64) if counters is None else counters
        qsel = select_quarter(self.quarter_starts, day)
        # Most line pairs are no edit: start with room for 4 per line and grow once if needed.
        for cap in (min(worst, 4 * len(code) + 64), worst):
            out = kernels.empty_out(cap, np.int32, np.int32, np.int32, np.int64, np.int8)
            seen = np.zeros(2, np.int64)
            if self.pairs.n:
                n = kernels.ptp_conflicts(claim_off, code, day, qsel, flags, sites, kind, *self.pairs.args(),
                                          *out, seen)
            else:
                n = kernels.ptp_conflicts_sorted(claim_off, code, day, qsel, flags, sites, kind, self.offsets,
                                                 self.col2, self.packed, *out, seen)
            if n >= 0:
                break
        if n < 0:
            raise RuntimeError("PTP kernel output buffer too small")  # a sizing bug, never bad input
        counters[0] += seen[0]
        claim, col1, col2, found, status = (o[:n] for o in out)
        return claim, col1, col2, self.pairs.rows_of(found), status


@dataclass(frozen=True, eq=False)
class MueIndex:
    provider_type: str
    quarters: tuple[Quarter | None, ...]
    quarter_starts: np.ndarray
    offsets: np.ndarray
    code: np.ndarray
    q: np.ndarray
    value: np.ndarray
    mai: np.ndarray
    rationale: np.ndarray
    rationales: tuple[str, ...]
    mai_assumed: np.ndarray
    sources: tuple[str, ...]

    @classmethod
    def build(cls, provider_type: str, tables: Sequence[MueTable], vocab: Vocab) -> "MueIndex":
        quarters = tuple(sorted({t.quarter or _UNDATED for t in tables}))
        rationales: list[str] = []
        parts = []
        for t in tables:
            rat = np.asarray([_intern(rationales, s) for s in t.rationales], dtype=np.int32)
            qi = quarters.index(t.quarter or _UNDATED)
            parts.append((vocab.remap(t.codes), np.full(len(t), qi, np.int32), t.value, t.mai,
                          rat[t.rationale], np.full(len(t), t.mai_assumed)))
        cols = [np.concatenate(c) for c in zip(*parts)]
        order = np.lexsort((cols[1], cols[0]))
        cols = [c[order] for c in cols]
        offsets = np.searchsorted(cols[0], np.arange(len(vocab) + 1)).astype(np.int64)
        return cls(provider_type, quarters, _quarter_days(quarters), offsets, *cols[:5],
                   rationales=tuple(rationales), mai_assumed=cols[5],
                   sources=tuple(t.source for t in tables))

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        return self.offsets, self.q, self.value, self.mai


def _intern(pool: list[str], text: str) -> int:
    try:
        return pool.index(text)
    except ValueError:
        pool.append(text)
        return len(pool) - 1


@dataclass(frozen=True, eq=False)
class Excludes1Index:
    """Excludes1 notes of a code set as CSR: ``ref[offsets[a]:offsets[a+1]]`` are the codes (ids)
    the note on code ``a`` excludes. Inheritance is walked through ``parent`` by the kernel."""

    parent: np.ndarray
    offsets: np.ndarray
    ref: np.ndarray

    @classmethod
    def from_codeset(cls, codeset) -> "Excludes1Index":
        holders, refs = codeset.excludes1_pairs
        holders = np.asarray(holders, dtype=np.int32)
        refs = np.asarray(refs, dtype=np.int32)
        keep = (holders >= 0) & (refs >= 0)
        holders, refs = holders[keep], refs[keep]
        order = np.lexsort((refs, holders))
        parent = np.asarray(codeset.parent, dtype=np.int32)
        offsets = np.searchsorted(holders[order], np.arange(len(parent) + 1)).astype(np.int64)
        return cls(parent, offsets, refs[order])
