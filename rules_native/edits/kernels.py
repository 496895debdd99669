"""Numba kernels over flat claim arrays. They return counts and never raise.

Claims arrive flattened: ``claim_off[c]:claim_off[c+1]`` are the lines (or diagnoses) of claim
``c``; codes are integer ids (-1 = not in any table). Each kernel writes findings into
caller-allocated output arrays and returns how many it wrote, or -1 when they were too small
(``PtpIndex.conflicts`` then retries with room for the worst case).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from .modifiers import DISTINCT, EM_SEPARATE, GLOBAL_PERIOD, REPEAT_LAB

# -- pair map look-ups (layout: pairmap.py). They live here, inlined into the kernels, because
# numba's on-disk cache only notices changes to the kernel's own module.
BLOCK_SHIFT = 3
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_COUNT_SHIFT = 48
BLOCK_WORDS = 8  # one 64-byte cache line per block pair


@njit(cache=True, nogil=True, inline="always")
def popcount(x):
    x = x - ((x >> np.uint64(1)) & _M1)
    x = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x = (x + (x >> np.uint64(4))) & _M4
    return np.int64((x * _H01) >> np.uint64(56))


@njit(cache=True, nogil=True, inline="always")
def row_in_force(rec, q, day):
    """A packed row belongs to quarter ``q``, is in force on ``day`` and is not indicator 9."""
    eff = rec & 0xFFFF
    dele = (rec >> 16) & 0xFFFF
    return ((rec >> 32) & 0xFF) == q and eff <= day and (day <= dele or dele == 0xFFFF) \
        and ((rec >> 40) & 0xFF) != 9


@njit(cache=True, nogil=True, inline="always")
def row_modifier(rec):
    return (rec >> 40) & 0xFF


@njit(cache=True, nogil=True, inline="always")
def _mask_below(bit):
    return (np.uint64(1) << np.uint64(bit)) - np.uint64(1)


@njit(cache=True, nogil=True, inline="always")
def coarse_slot(a, b, coarse):
    """The coarse bit of codes a and b, or -1 when their block pair holds no edit. Inlined:
    it runs for every pair of lines, and a call would cost more than the test."""
    xa = np.int64(a) >> BLOCK_SHIFT
    xb = np.int64(b) >> BLOCK_SHIFT
    lo = min(xa, xb)
    hi = max(xa, xb)
    t = ((hi * (hi + 1)) >> 1) + lo
    if (coarse[t >> 6] >> np.uint64(t & 63)) & np.uint64(1) == 0:
        return -1
    return t


@njit(cache=True, nogil=True, inline="always")
def _block(t, coarse, coarse_rank):
    """Ordinal of the non-empty block pair at coarse bit t."""
    w = t >> 6
    k = np.int64(coarse_rank[w >> 3])
    for v in range((w >> 3) << 3, w):
        k += popcount(coarse[v])
    return k + popcount(coarse[w] & _mask_below(t & 63))


@njit(cache=True, nogil=True, inline="always")
def _edit(side, bit, base, q, day, blocks, pair_rec, pstart, prec):
    """``found`` for the edit at (side, bit) of the block pair at ``blocks[base:base+8]``, -1
    when there is none in force. Word 0 holds edits lower -> upper block (or within one block),
    word 1 upper -> lower. Edits with one row that is never deleted ("simple") are answered
    from the block's own cache line when the date is past every such edit's effective date."""
    word = blocks[base + side]
    if (word >> np.uint64(bit)) & np.uint64(1) == 0:
        return -1
    k = np.int64(blocks[base + 2]) + popcount(word & _mask_below(bit))
    if side == 1:
        k += popcount(blocks[base])
    meta = np.int64(blocks[base + 7])
    simple = (blocks[base + 3 + side] >> np.uint64(bit)) & np.uint64(1) != 0
    if simple and day >= (meta & 0xFFFF) and q == (meta >> 16):
        return found_code(k, 0, np.int64((blocks[base + 5 + side] >> np.uint64(bit)) & np.uint64(1)))
    return _in_force(pair_rec[k], k, q, day, pstart, prec)


@njit(cache=True, nogil=True, inline="always")
def _in_force(first, k, q, day, pstart, prec):
    """``found`` for the row of edit k in force (see ``found_code``), or -1."""
    if row_in_force(first, q, day):
        return found_code(k, 0, row_modifier(first))
    base = pstart[k]
    for j in range(1, (first >> _COUNT_SHIFT) & 0xFF):
        if row_in_force(prec[base + j], q, day):
            return found_code(k, j, row_modifier(prec[base + j]))
    return -1


@njit(cache=True, nogil=True, inline="always")
def found_code(k, j, modifier):
    """What the kernel reports for a hit: ordinal k (or row), row offset j, modifier 0/1."""
    return (np.int64(k) << 10) | (np.int64(j) << 2) | np.int64(modifier)


@njit(cache=True, nogil=True, inline="always")
def _orders(a, b):
    """(side, bit) of edit a -> b and of edit b -> a in their block pair. Across two blocks
    both orders share one bit position (lower-block code, upper-block code) in words 0 / 1."""
    xa = np.int64(a) >> BLOCK_SHIFT
    xb = np.int64(b) >> BLOCK_SHIFT
    pa = np.int64(a) & 7
    pb = np.int64(b) & 7
    if xa == xb:
        return 0, pa * 8 + pb, 0, pb * 8 + pa
    if xa < xb:
        return 0, pa * 8 + pb, 1, pa * 8 + pb
    return 1, pb * 8 + pa, 0, pb * 8 + pa


@njit(cache=True, nogil=True)
def _ptp_row(c1, c2, q, day, p_off, p_col2, p_rec):
    lo = p_off[c1]
    hi = p_off[c1 + 1]
    while lo < hi:  # leftmost col2 >= c2
        mid = (lo + hi) >> 1
        if p_col2[mid] < c2:
            lo = mid + 1
        else:
            hi = mid
    end = p_off[c1 + 1]
    i = lo
    while i < end and p_col2[i] == c2:
        if row_in_force(p_rec[i], q, day):
            return i
        i += 1
    return -1


@njit(cache=True, nogil=True)
def _bypass(a, b, flags, sites, kind):
    """0 when no NCCI-associated modifier on lines a/b applies, else a reason code (2..6)."""
    if (flags[a] | flags[b]) & DISTINCT:
        return 2
    if sites[a] != 0 and sites[b] != 0 and (sites[a] & sites[b]) == 0:
        return 3
    if ((flags[a] & EM_SEPARATE) and kind[a] == 1) or ((flags[b] & EM_SEPARATE) and kind[b] == 1):
        return 4
    if ((flags[a] & REPEAT_LAB) and kind[a] == 2) or ((flags[b] & REPEAT_LAB) and kind[b] == 2):
        return 5
    if (flags[a] | flags[b]) & GLOBAL_PERIOD:
        return 6
    return 0


@njit(cache=True, nogil=True)
def _status(mod, a, b, flags, sites, kind):
    """0 = indicator 0, 1 = indicator 1 and no modifier applies, >= 2 = bypassed (reason)."""
    if mod != 1:
        return 0
    why = _bypass(a, b, flags, sites, kind)
    return why if why > 0 else 1


@njit(cache=True, nogil=True, inline="always")
def _candidates(lo, hi, code, day, coarse, coarse_rank, cand_a, cand_b, cand_base):
    """Phase 1 for one claim: same-day line pairs whose block pair holds an edit. Splitting the
    cheap screen from the judging (phase 2) keeps each loop's branches predictable and lets the
    block loads of phase 2 overlap. Returns (candidates, pair look-ups counted)."""
    m = 0
    checks = 0
    for a in range(lo, hi):
        ca = code[a]
        if ca < 0:
            continue
        for b in range(a + 1, hi):
            cb = code[b]
            if cb < 0 or cb == ca or day[a] != day[b]:
                continue
            checks += 2
            t = coarse_slot(ca, cb, coarse)
            if t < 0:
                continue
            cand_a[m] = a
            cand_b[m] = b
            cand_base[m] = BLOCK_WORDS * _block(t, coarse, coarse_rank)
            m += 1
    return m, checks


@njit(cache=True, nogil=True)
def ptp_conflicts(claim_off, code, day, qsel, flags, sites, kind,
                  coarse, coarse_rank, blocks, pair_rec, pstart, prec,
                  out_claim, out_col1, out_col2, out_found, out_status, counters):
    """All PTP edits in force among each claim's same-day lines, through a ``PairMap``.

    Writes (claim, column-1 line, column-2 line, found, status) per edit: ``found`` as
    ``found_code`` packs it (``PairMap.rows_of`` reads the row back); status 0 = indicator 0 (no
    modifier allowed), 1 = indicator 1 without an applicable modifier, >= 2 = bypassed by a
    modifier (the reason). ``counters[0]`` += pair look-ups (both column orders count).
    """
    most = 1
    for c in range(len(claim_off) - 1):
        most = max(most, claim_off[c + 1] - claim_off[c])
    cand_a = np.empty(most * most // 2 + 1, np.int64)
    cand_b = np.empty_like(cand_a)
    cand_base = np.empty_like(cand_a)
    n = 0
    checks = 0
    for c in range(len(claim_off) - 1):
        m, seen = _candidates(claim_off[c], claim_off[c + 1], code, day, coarse, coarse_rank,
                              cand_a, cand_b, cand_base)
        checks += seen
        for i in range(m):
            a, b, base = cand_a[i], cand_b[i], cand_base[i]
            side_ab, bit_ab, side_ba, bit_ba = _orders(code[a], code[b])
            if ((blocks[base + side_ab] >> np.uint64(bit_ab)) | (blocks[base + side_ba] >> np.uint64(bit_ba))) \
                    & np.uint64(1) == 0:
                continue  # same block pair, but no edit between these two codes (most candidates)
            first, second = a, b
            r = _edit(side_ab, bit_ab, base, qsel[a], day[a], blocks, pair_rec, pstart, prec)
            if r < 0:
                first, second = b, a
                r = _edit(side_ba, bit_ba, base, qsel[a], day[a], blocks, pair_rec, pstart, prec)
            if r < 0:
                continue
            if n >= len(out_found):
                return -1
            out_status[n] = _status(r & 3, a, b, flags, sites, kind)
            out_claim[n] = c
            out_col1[n] = first
            out_col2[n] = second
            out_found[n] = r
            n += 1
    counters[0] += checks
    return n


@njit(cache=True, nogil=True)
def ptp_conflicts_sorted(claim_off, code, day, qsel, flags, sites, kind, p_off, p_col2, p_rec,
                         out_claim, out_col1, out_col2, out_found, out_status, counters):
    """``ptp_conflicts`` for tables too large for a pair map: a binary search over the rows of
    the column-1 code instead (``found`` holds the row itself)."""
    n = 0
    checks = 0
    for c in range(len(claim_off) - 1):
        lo = claim_off[c]
        hi = claim_off[c + 1]
        for a in range(lo, hi):
            ca = code[a]
            if ca < 0:
                continue
            for b in range(a + 1, hi):
                cb = code[b]
                if cb < 0 or cb == ca or day[a] != day[b]:
                    continue
                checks += 2
                first, second = a, b
                r = _ptp_row(ca, cb, qsel[a], day[a], p_off, p_col2, p_rec)
                if r < 0:
                    first, second = b, a
                    r = _ptp_row(cb, ca, qsel[a], day[a], p_off, p_col2, p_rec)
                if r < 0:
                    continue
                if n >= len(out_found):
                    return -1
                out_status[n] = _status(row_modifier(p_rec[r]), a, b, flags, sites, kind)
                out_claim[n] = c
                out_col1[n] = first
                out_col2[n] = second
                out_found[n] = found_code(r, 0, row_modifier(p_rec[r]))
                n += 1
    counters[0] += checks
    return n


@njit(cache=True, nogil=True)
def _mue_row(cid, q, m_off, m_q):
    for r in range(m_off[cid], m_off[cid + 1]):
        if m_q[r] == q:
            return r
    return -1


@njit(cache=True, nogil=True)
def mue_exceeded(claim_off, code, day, units, qsel, m_off, m_q, m_value, m_mai,
                 out_line, out_total, out_row):
    """Lines over their MUE. MAI 1 compares each line's units; MAI 2/3 sum the units of every
    line with the same code and date of service and report once, at the first such line."""
    n = 0
    for c in range(len(claim_off) - 1):
        lo = claim_off[c]
        hi = claim_off[c + 1]
        for a in range(lo, hi):
            ca = code[a]
            if ca < 0:
                continue
            r = _mue_row(ca, qsel[a], m_off, m_q)
            if r < 0:
                continue
            if m_mai[r] == 1:
                total = units[a]
            else:
                seen = False
                for b in range(lo, a):
                    if code[b] == ca and day[b] == day[a]:
                        seen = True
                        break
                if seen:
                    continue
                total = 0
                for b in range(a, hi):
                    if code[b] == ca and day[b] == day[a]:
                        total += units[b]
            if total > m_value[r]:
                if n >= len(out_line):
                    return -1
                out_line[n] = a
                out_total[n] = total
                out_row[n] = r
                n += 1
    return n


@njit(cache=True, nogil=True)
def _excludes(x, y, parent, x_off, x_ref):
    """(note holder, referenced code) when an Excludes1 note on x or an ancestor of x names y
    or an ancestor of y; (-1, -1) otherwise."""
    a = x
    depth = 0
    while a >= 0 and depth < 16:
        for k in range(x_off[a], x_off[a + 1]):
            r = x_ref[k]
            b = y
            hops = 0
            while b >= 0 and hops < 16:
                if b == r:
                    return a, r
                b = parent[b]
                hops += 1
        a = parent[a]
        depth += 1
    return -1, -1


@njit(cache=True, nogil=True)
def excludes1_conflicts(dx_off, dx, parent, x_off, x_ref, out_claim, out_i, out_j, out_note, out_ref):
    """Pairs of diagnoses on a claim that an Excludes1 note (inherited from parents) forbids."""
    n = 0
    for c in range(len(dx_off) - 1):
        lo = dx_off[c]
        hi = dx_off[c + 1]
        for i in range(lo, hi):
            di = dx[i]
            if di < 0:
                continue
            for j in range(i + 1, hi):
                dj = dx[j]
                if dj < 0 or dj == di:
                    continue
                note, ref = _excludes(di, dj, parent, x_off, x_ref)
                if note < 0:
                    note, ref = _excludes(dj, di, parent, x_off, x_ref)
                if note < 0:
                    continue
                if n >= len(out_i):
                    return -1
                out_claim[n] = c
                out_i[n] = i
                out_j[n] = j
                out_note[n] = note
                out_ref[n] = ref
                n += 1
    return n


def empty_out(size: int, *dtypes) -> tuple[np.ndarray, ...]:
    return tuple(np.empty(max(size, 1), dtype=d) for d in dtypes)
