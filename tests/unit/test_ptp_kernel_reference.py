"""The PTP kernel (pair map and sorted fallback) against a plain-Python reference on random
tables with re-added edits, changed indicators, deletions and several quarters."""
from __future__ import annotations

import random

import numpy as np
import pytest

from rules_native.edits import modifiers
from rules_native.edits.dates import NEVER, Quarter
from rules_native.edits.index import PtpIndex, Vocab
from rules_native.edits.pairmap import PairMap
from rules_native.edits.ptp import PtpTable

MODS = [(), (), ("59",), ("LT",), ("RT",), ("25",), ("91",), ("XU",)]


def random_table(rng: random.Random, quarter: Quarter, codes: list[str]) -> PtpTable:
    rows = set()
    for _ in range(400):
        a, b = rng.sample(range(len(codes)), 2)
        start = rng.randrange(17000, 20500)
        for _ in range(rng.choice((1, 1, 1, 2, 3))):  # re-added or indicator changed
            end = start + rng.randrange(0, 900) if rng.random() < 0.4 else int(NEVER)
            rows.add((a, b, start, end, rng.choice((0, 1, 1, 9))))
            if end == int(NEVER):
                break
            start = end + 1 + rng.randrange(0, 200)
    rows = sorted(rows)
    cols = [np.array(c) for c in zip(*rows)]
    return PtpTable("t.txt", "practitioner", quarter, np.array(codes, dtype="U5"), cols[0].astype(np.int32),
                    cols[1].astype(np.int32), cols[2].astype(np.int32), cols[3].astype(np.int32),
                    cols[4].astype(np.int8), np.zeros(len(rows), np.int32), ("",))


def reference(tables, quarters, claims):
    """Straightforward: for each same-day pair, the edit of the newest quarter begun by then."""
    starts = [q.start_day for q in quarters]
    found = set()
    for ci, lines in enumerate(claims):
        for i in range(len(lines)):
            for j in range(i + 1, len(lines)):
                (ca, da, ma), (cb, db, mb) = lines[i], lines[j]
                if da != db or ca == cb:
                    continue
                qi = max([k for k, s in enumerate(starts) if s <= da] or [0])
                t = [t for t in tables if t.quarter == quarters[qi]]
                for first, second, x, y in ((i, j, ca, cb), (j, i, cb, ca)):
                    hits = [r for tb in t for r in range(len(tb)) if tb.codes[tb.col1[r]] == x
                            and tb.codes[tb.col2[r]] == y and tb.effective[r] <= da <= tb.deletion[r]
                            and tb.modifier[r] != 9]
                    if hits:
                        mod = t[0].modifier[hits[0]]
                        fa, sa = modifiers.encode(ma)
                        fb, sb = modifiers.encode(mb)
                        bypass = mod == 1 and bool((fa | fb) & modifiers.DISTINCT or (sa and sb and not sa & sb)
                                                   or (fa | fb) & modifiers.GLOBAL_PERIOD)
                        if not bypass:
                            found.add((ci, first, second))
                        break
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("use_map", [True, False])
def test_kernel_matches_the_reference(seed, use_map):
    rng = random.Random(seed)
    codes = sorted({f"{rng.randrange(10000, 99999)}" for _ in range(60)})
    quarters = [Quarter(2025, 4), Quarter(2026, 2)]
    tables = [random_table(rng, q, codes) for q in quarters]
    vocab = Vocab([t.codes for t in tables])
    ix = PtpIndex.build("practitioner", tables, vocab)
    if not use_map:
        ix = PtpIndex(**{**ix.__dict__, "pairs": PairMap.empty()})
    days = [20300, 20400, 20500, 20600]
    claims = [[(rng.choice(codes), rng.choice(days[:2] if k % 2 else days), rng.choice(MODS))
               for _ in range(rng.randint(2, 12))] for k in range(300)]
    off = np.concatenate(([0], np.cumsum([len(c) for c in claims]))).astype(np.int64)
    flat = [x for c in claims for x in c]
    code = np.array([vocab.id_of(c) for c, _, _ in flat], np.int32)
    day = np.array([d for _, d, _ in flat], np.int32)
    enc = [modifiers.encode(m) for _, _, m in flat]
    flags = np.array([f for f, _ in enc], np.int32)
    sites = np.array([s for _, s in enc], np.uint32)
    kind = np.zeros(len(flat), np.int8)  # codes here are no E/M or lab: 25 and 91 never apply
    cl, a, b, row, status = ix.conflicts(off, code, day, flags, sites, kind)
    got = {(int(c), int(x) - int(off[c]), int(y) - int(off[c])) for c, x, y, s in zip(cl, a, b, status) if s < 2}
    assert got == reference(tables, quarters, claims)
    assert got, "the random tables should produce some edits"
    for c, x, r in zip(cl, a, row):  # the row reported is the one with the column-1 code
        assert ix.col1[r] == code[x]
