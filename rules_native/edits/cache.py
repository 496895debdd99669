"""On-disk columnar cache for compiled edit tables: one folder of .npy arrays per source.

The folder name is a sha256 of the layout version, the loader options and the source bytes, so
a changed file (or a new quarter under the same name) compiles afresh and an unchanged one loads
with ``np.load`` in milliseconds. Folders are written under a temporary name and renamed, so a
crash or two processes compiling at once never leave a half-written cache behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

LAYOUT_VERSION = 1
_DONE = "meta.json"


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "medcoder" / "edits"


def content_key(kind: str, path: Path, options: str = "") -> str:
    digest = hashlib.sha256(f"{kind}\0{LAYOUT_VERSION}\0{options}\0".encode())
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def load(cache_dir: Path | None, kind: str, key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    folder = _folder(cache_dir, kind, key)
    meta_path = folder / _DONE
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in meta["arrays"]}
    return arrays, meta["meta"]


def store(cache_dir: Path | None, kind: str, key: str, arrays: dict[str, np.ndarray], meta: dict) -> None:
    target = _folder(cache_dir, kind, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-", dir=target.parent))
    try:
        for name, arr in arrays.items():
            np.save(tmp / f"{name}.npy", arr, allow_pickle=False)
        (tmp / _DONE).write_text(json.dumps({"arrays": sorted(arrays), "meta": meta}))
        try:
            os.rename(tmp, target)
        except OSError:  # another process won the race: its folder is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _folder(cache_dir: Path | None, kind: str, key: str) -> Path:
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    return root / f"{kind}-{key[:32]}"
