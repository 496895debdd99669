"""Columns on disk as .npy files: numbers as plain arrays, strings as one UTF-8 blob + offsets.

Why not Arrow: the pinned stack (numpy<2 for Numba) cannot import pyarrow 26, and .npy needs
nothing beyond numpy. The layout is Arrow's anyway (values + offsets), so strings and lists of
strings are decoded one at a time on demand and the blob is memory-mapped, not read.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import CodeSetError

_SEP = "\x1f"  # ASCII unit separator: never part of a code or a tabular note


def write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True))


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CodeSetError(f"compiled code-set cache {path.name} is unreadable: {e}") from e


def save_array(folder: Path, name: str, values: Sequence | np.ndarray, dtype) -> None:
    np.save(folder / f"{name}.npy", np.asarray(values, dtype=dtype), allow_pickle=False)


def load_array(folder: Path, name: str, mmap: bool = False) -> np.ndarray:
    try:
        return np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise CodeSetError(f"compiled code-set cache {folder.name}/{name}.npy is unreadable: {e}") from e


class Strings:
    """A string column: item i is ``blob[offsets[i] : offsets[i+1] - 1]`` (one separator between)."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self._blob = blob
        self._offsets = offsets
        # item reads slice a memoryview (no copy, the mapping stays shared): a slice of the memmap
        # itself builds a numpy.memmap object each time, ~4 us of a ~5 us read, and a note reads
        # hundreds of descriptions
        self._bytes = memoryview(np.ascontiguousarray(blob).view(np.ndarray)).cast("B") if len(blob) else memoryview(b"")

    @staticmethod
    def save(folder: Path, name: str, items: Sequence[str]) -> None:
        if any(_SEP in s for s in items):
            raise CodeSetError(f"column {name}: text holds the reserved separator U+001F")
        encoded = [s.encode("utf-8") for s in items]
        lengths = np.fromiter((len(b) + 1 for b in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        blob = np.frombuffer(_SEP.encode().join(encoded), dtype=np.uint8)
        np.save(folder / f"{name}.blob.npy", blob, allow_pickle=False)
        np.save(folder / f"{name}.off.npy", offsets, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, name: str) -> "Strings":
        return cls(load_array(folder, f"{name}.blob", mmap=True), load_array(folder, f"{name}.off"))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        lo, hi = self._offsets[i], self._offsets[i + 1] - 1
        return str(self._bytes[lo:hi], "utf-8")

    def to_list(self) -> list[str]:
        """All items at once: one decode and one split, far cheaper than n slices."""
        if len(self) == 0:
            return []
        return self._blob.tobytes().decode("utf-8").split(_SEP)


class Lists:
    """Per row, a variable-length list: ``values[offsets[i]:offsets[i+1]]``."""

    def __init__(self, values: np.ndarray | Strings, offsets: np.ndarray):
        self.values = values
        self.offsets = offsets

    @staticmethod
    def save(folder: Path, name: str, rows: Sequence[Sequence], strings: bool) -> None:
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        flat = [v for r in rows for v in r]
        if strings:
            Strings.save(folder, f"{name}.values", flat)
        else:
            save_array(folder, f"{name}.values", flat, np.int32)
        save_array(folder, f"{name}.offsets", offsets, np.int64)

    @classmethod
    def load(cls, folder: Path, name: str, strings: bool) -> "Lists":
        values = (Strings.load(folder, f"{name}.values") if strings
                  else load_array(folder, f"{name}.values"))
        return cls(values, load_array(folder, f"{name}.offsets"))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> tuple:
        lo, hi = int(self.offsets[i]), int(self.offsets[i + 1])
        if isinstance(self.values, Strings):
            return tuple(self.values[j] for j in range(lo, hi))
        return tuple(int(v) for v in self.values[lo:hi])

    def owners(self) -> np.ndarray:
        """Row of each flattened value (for pair arrays such as Excludes1)."""
        return np.repeat(np.arange(len(self), dtype=np.int32), np.diff(self.offsets))
