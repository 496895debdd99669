"""A pair -> rows map over interned code ids: "is (a, b) an edit, and which row is in force?"
in about two memory loads, because the PTP kernel is bound by cache misses, not arithmetic.

Codes are grouped in blocks of 8 (ids are sorted codes, and edits cluster among neighbouring
codes: 9% of 8 x 8 blocks of the hospital table hold an edit).

* ``coarse``: one bit per unordered block pair {A <= B} at ``B*(B+1)/2 + A`` (114 KB for the
  10.8k codes of the hospital table; stays in L2): most pairs on a claim stop here.
* ``coarse_rank``: set coarse bits before each 512-bit superblock, so a block's ordinal costs
  popcounts within one cache line.
* ``blocks``: one 64-byte cache line per non-empty block pair (5.5 MB, L3): word 0 has bit
  ``(x&7)*8 + (y&7)`` for each edit x -> y from the lower block to the upper one (or within
  one block), word 1 the edits from the upper block back to the lower one -- so one load
  answers both column orders; word 2 counts the edits before the block, so an edit's ordinal k
  is a popcount away; words 3/4 mark "simple" edits (one row, never deleted, newest quarter,
  indicator 0/1) and words 5/6 their indicator-1 ones; word 7 holds the newest quarter and the
  latest effective date among the simple edits. For a date past that, a simple edit (most of
  them) is answered from this one cache line.
* ``pair_rec[k]``: the edit's first row packed into one int64 (``pack_rows``) with its row
  count in bits 48-55, read for the edits that are not simple (a DRAM load). Edits
  with more rows (re-added, indicator changed) read the rest from ``prec[pstart[k]:]``;
  ``pair_row[k]`` maps ordinals back to the index's rows.

Past ``MAX_CODES`` codes the map is empty and the kernel binary-searches the rows instead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from .kernels import _COUNT_SHIFT, BLOCK_SHIFT, BLOCK_WORDS, row_modifier

MAX_CODES = 100_000


def pack_rows(effective: np.ndarray, deletion: np.ndarray, quarter: np.ndarray, modifier: np.ndarray) -> np.ndarray:
    """One int64 per row -- effective and deletion day (16 bits each; deletion ``*`` =
    0xFFFF), quarter index and modifier indicator (8 bits each) -- one load instead of four."""
    eff = np.clip(effective.astype(np.int64), 0, 0xFFFE)
    dele = np.where(deletion.astype(np.int64) > 0xFFFE, 0xFFFF, deletion.astype(np.int64))
    return eff | (dele << 16) | (quarter.astype(np.int64) << 32) | (modifier.astype(np.int64) << 40)


@njit(cache=True, nogil=True)
def _fill(first, count, order, blk_of, word_of, bit_of, newest_q, blocks, pair_rec, pstart, prec, packed):
    at = 0
    for k in range(len(order)):
        g = order[k]
        base = BLOCK_WORDS * blk_of[g]
        one = np.uint64(1) << np.uint64(bit_of[g])
        blocks[base + word_of[g]] |= one
        r = first[g]
        rec = packed[r]
        if count[g] == 1 and ((rec >> 16) & 0xFFFF) == 0xFFFF and ((rec >> 32) & 0xFF) == newest_q \
                and row_modifier(rec) != 9:
            blocks[base + 3 + word_of[g]] |= one
            if row_modifier(rec) == 1:
                blocks[base + 5 + word_of[g]] |= one
            eff = np.uint64(rec & 0xFFFF)
            if eff > (blocks[base + 7] & np.uint64(0xFFFF)):
                blocks[base + 7] = (blocks[base + 7] & ~np.uint64(0xFFFF)) | eff
        pair_rec[k] = rec | (np.int64(min(count[g], 255)) << _COUNT_SHIFT)
        pstart[k] = at
        for j in range(count[g]):
            prec[at] = packed[r + j]
            at += 1
    pstart[len(order)] = at
    return 0


def _aligned_zeros(n: int) -> np.ndarray:
    """uint64 zeros starting on a 64-byte boundary, so each block pair is one cache line."""
    raw = np.zeros(n + 8, np.uint64)
    skip = (-raw.ctypes.data % 64) // 8
    return raw[skip: skip + n]


@dataclass(frozen=True, eq=False)
class PairMap:
    n: int
    coarse: np.ndarray
    coarse_rank: np.ndarray
    blocks: np.ndarray
    pair_rec: np.ndarray
    pstart: np.ndarray
    prec: np.ndarray
    pair_row: np.ndarray

    @classmethod
    def build(cls, col1: np.ndarray, col2: np.ndarray, packed: np.ndarray, n_codes: int) -> "PairMap":
        """Rows sorted by (col1, col2, ...); ``packed`` from ``pack_rows``. An empty map when
        there are too many codes (the kernel then searches the rows)."""
        if not 0 < n_codes <= MAX_CODES or len(col1) == 0:
            return cls.empty()
        new = np.ones(len(col1), dtype=bool)
        new[1:] = (col1[1:] != col1[:-1]) | (col2[1:] != col2[:-1])
        first = np.flatnonzero(new)
        count = np.diff(np.append(first, len(col1)))
        x, y = col1[first].astype(np.int64), col2[first].astype(np.int64)
        bx, by = x >> BLOCK_SHIFT, y >> BLOCK_SHIFT
        lo, hi = np.minimum(bx, by), np.maximum(bx, by)
        t = hi * (hi + 1) // 2 + lo
        word_of = (bx > by).astype(np.int64)
        bit_of = np.where(bx <= by, (x & 7) * 8 + (y & 7), (y & 7) * 8 + (x & 7))
        order = np.lexsort((bit_of, word_of, t))
        used = np.unique(t)
        blk_of = np.searchsorted(used, t)
        nb = (n_codes >> BLOCK_SHIFT) + 1
        coarse = np.zeros((nb * (nb + 1) // 2 + 511) // 512 * 8, np.uint64)
        np.bitwise_or.at(coarse, used >> 6, np.left_shift(np.uint64(1), (used & 63).astype(np.uint64)))
        per_super = np.bincount(used >> 9, minlength=len(coarse) // 8)
        coarse_rank = np.concatenate(([0], np.cumsum(per_super)[:-1])).astype(np.int32)
        blocks = _aligned_zeros(BLOCK_WORDS * len(used))
        blocks[2::BLOCK_WORDS] = np.concatenate(([0], np.cumsum(np.bincount(blk_of, minlength=len(used)))[:-1]))
        newest_q = int((packed >> 32 & 0xFF).max())
        blocks[7::BLOCK_WORDS] = np.uint64(newest_q << 16)
        pair_rec = np.zeros(len(first), np.int64)
        pstart = np.zeros(len(first) + 1, np.int32)
        prec = np.zeros(len(col1), np.int64)
        _fill(first, count, order, blk_of, word_of, bit_of, newest_q, blocks, pair_rec, pstart, prec, packed)
        return cls(n_codes, coarse, coarse_rank, blocks, pair_rec, pstart, prec, first[order].astype(np.int32))

    @classmethod
    def empty(cls) -> "PairMap":
        z64, z32 = np.zeros(1, np.int64), np.zeros(1, np.int32)
        return cls(0, np.zeros(8, np.uint64), z32, np.zeros(BLOCK_WORDS, np.uint64), z64, z32, z64, z32)

    def args(self) -> tuple:
        return self.coarse, self.coarse_rank, self.blocks, self.pair_rec, self.pstart, self.prec

    def rows_of(self, found: np.ndarray) -> np.ndarray:
        """Kernel results (``found_code``) -> row numbers of the index (the code holds the row
        itself when the map is empty and the kernel searched the rows)."""
        found = np.asarray(found, dtype=np.int64)
        if self.n == 0:
            return found >> 10
        return self.pair_row[found >> 10].astype(np.int64) + ((found >> 2) & 0xFF)
