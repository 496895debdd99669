"""Per-code precision of the lexicon learned on CodiEsp train (``export/calibrate.py``).

A lexicon hit's confidence is scaled by how often that code, when the rules suggested it on
train, was right; rates are smoothed toward the overall rate so a code seen twice moves little.
"""
from __future__ import annotations

import gzip
from pathlib import Path

from server.domain import CodeSystem
from server.errors import InvalidInput

_SMOOTHING = 3.0


class Calibration:
    def __init__(self, rows: dict[tuple[str, str], tuple[int, int]]):
        seen = sum(n for n, _ in rows.values())
        self.overall = (sum(k for _, k in rows.values()) / seen) if seen else 1.0
        self.rates = {key: (k + _SMOOTHING * self.overall) / (n + _SMOOTHING) for key, (n, k) in rows.items()}

    @classmethod
    def load(cls, path: Path) -> "Calibration":
        """Read 'system, code, suggested, correct' gzip TSV; fails loudly on a bad file."""
        rows: dict[tuple[str, str], tuple[int, int]] = {}
        with gzip.open(path, "rt", encoding="utf-8") as f:
            if f.readline().rstrip("\n").split("\t") != ["system", "code", "suggested", "correct"]:
                raise InvalidInput("calibration: bad header (expected system, code, suggested, correct)")
            for i, line in enumerate(f, 2):
                parts = line.rstrip("\n").split("\t")
                try:
                    n, k = int(parts[2]), int(parts[3])
                except (IndexError, ValueError) as e:
                    raise InvalidInput(f"calibration: malformed line {i}") from e
                if not 0 <= k <= n:
                    raise InvalidInput(f"calibration: line {i} has more correct than suggested")
                rows[(parts[0], parts[1])] = (n, k)
        return cls(rows)

    def rate(self, system: CodeSystem, code: str) -> float:
        """How often this code was right on train (the overall rate for codes never suggested)."""
        return self.rates.get((system.value, code), self.overall)
