"""Dates as int32 day numbers (days since 1970-01-01) so kernels compare integers.

CMS tables write dates as YYYYMMDD; claims as ISO dates. ``NEVER`` stands for the
deletion date ``*`` (no deletion).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np

NEVER = np.int32(2**31 - 1)
_EPOCH = dt.date(1970, 1, 1)


def day_number(day: dt.date) -> int:
    return (day - _EPOCH).days


def from_day_number(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def yyyymmdd_to_days(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised YYYYMMDD int -> (days int32, ok bool). ``ok`` is False for impossible
    calendar dates (20260230), so the loader can name the bad line."""
    v = values.astype(np.int64)
    y, m, d = v // 10000, (v // 100) % 100, v % 100
    ok = (y >= 1900) & (y <= 2200) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    ys = np.where(ok, y, 1970) - 1970
    ms = np.where(ok, m, 1) - 1
    months = ys.astype("datetime64[Y]").astype("datetime64[M]") + ms.astype("timedelta64[M]")
    days = months.astype("datetime64[D]") + (np.where(ok, d, 1) - 1).astype("timedelta64[D]")
    # 20260231 lands in March: the month must survive the round trip.
    ok &= days.astype("datetime64[M]") == months
    return days.astype(np.int64).astype(np.int32), ok


@dataclass(frozen=True, order=True)
class Quarter:
    """A CMS release quarter (edits are published quarterly: Jan, Apr, Jul, Oct)."""

    year: int
    q: int

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def start_day(self) -> int:
        return day_number(self.start)

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        m = re.fullmatch(r"\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*", text)
        if not m:
            raise ValueError(f"quarter must look like 2026Q2, got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)


def quarter_from_name(name: str) -> Quarter | None:
    """Read the quarter from a file name: ``..._2026q2...``, CMS NCCI versions
    (``ccipra-v321r0-f1``: version 32.1 = 2026 Q2, since version N.0 is January of 1994+N)
    or ``Eff_04-01-2026`` / ``2026-04-01`` style dates."""
    low = name.lower()
    if m := re.search(r"(20\d\d)[ _-]?q([1-4])", low):
        return Quarter(int(m.group(1)), int(m.group(2)))
    if m := re.search(r"v(\d\d)(\d)r\d", low):
        return Quarter(1994 + int(m.group(1)), int(m.group(2)) + 1)
    if m := re.search(r"(\d\d)[-_](\d\d)[-_](20\d\d)", low):
        return Quarter.containing(dt.date(int(m.group(3)), int(m.group(1)), int(m.group(2))))
    if m := re.search(r"(20\d\d)[-_](\d\d)[-_](\d\d)", low):
        return Quarter.containing(dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
    return None
