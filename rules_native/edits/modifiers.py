"""NCCI-associated modifiers, encoded as bit flags the kernels test.

From the NCCI Policy Manual (ch. I) and the CMS modifier 59 / X{EPSU} guidance:

* 59, XE, XS, XP, XU ("distinct procedural service") bypass any PTP edit whose modifier
  indicator is 1, on either line of the pair.
* 25 (and 57, decision for surgery) bypass the edit only when they sit on the E/M line of the pair.
* 91 (repeat clinical laboratory test) bypasses only on a laboratory line.
* 24, 27, 58, 78, 79 (global surgery / hospital multiple-visit) bypass on either line.
* Anatomic modifiers (E1-E4, FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, RC, LM, RI) bypass when both
  lines carry them and name different sites (LT on one, RT on the other).

No modifier ever bypasses an edit with indicator 0; indicator 9 means the edit does not apply.
"""
from __future__ import annotations

from collections.abc import Iterable

DISTINCT = 1
EM_SEPARATE = 2
REPEAT_LAB = 4
GLOBAL_PERIOD = 8

_FLAGS = {"59": DISTINCT, "XE": DISTINCT, "XS": DISTINCT, "XP": DISTINCT, "XU": DISTINCT,
          "25": EM_SEPARATE, "57": EM_SEPARATE, "91": REPEAT_LAB,
          "24": GLOBAL_PERIOD, "27": GLOBAL_PERIOD, "58": GLOBAL_PERIOD, "78": GLOBAL_PERIOD,
          "79": GLOBAL_PERIOD}
ANATOMIC = (["E1", "E2", "E3", "E4", "FA"] + [f"F{i}" for i in range(1, 10)] + ["TA"]
            + [f"T{i}" for i in range(1, 10)] + ["LT", "RT", "LC", "LD", "RC", "LM", "RI"])
_SITE_BIT = {m: 1 << i for i, m in enumerate(ANATOMIC)}  # 31 sites fit a uint32
NCCI_ASSOCIATED = frozenset(_FLAGS) | frozenset(ANATOMIC)

# bypass reasons the PTP kernel reports (status >= BYPASSED means no edit)
STATUS_NOT_ALLOWED, STATUS_NO_MODIFIER, BYPASSED = 0, 1, 2
BYPASS_REASON = {2: "59/X{EPSU}", 3: "anatomic modifiers", 4: "25/57 on the E/M line",
                 5: "91 on the laboratory line", 6: "global-period modifier"}


def encode(modifiers: Iterable[str]) -> tuple[int, int]:
    """Modifiers of one line -> (flag bits, anatomic site bits)."""
    flags = sites = 0
    for m in modifiers:
        m = m.strip().upper()
        flags |= _FLAGS.get(m, 0)
        sites |= _SITE_BIT.get(m, 0)
    return flags, sites


def code_kind(code: str) -> int:
    """1 for evaluation and management codes, 2 for laboratory codes, 0 otherwise."""
    if code.isdigit():
        n = int(code)
        if 99202 <= n <= 99499 or 92002 <= n <= 92014:
            return 1
        if 80047 <= n <= 89398:
            return 2
        return 0
    if code.endswith("U") and code[:4].isdigit():
        return 2  # proprietary laboratory analyses (0001U...)
    return 1 if code in ("G0463", "G0402", "G0438", "G0439") else 0
