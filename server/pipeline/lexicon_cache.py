"""On-disk cache of the compiled lexicons, so a warm start skips re-deriving term variants
from 75,000 code titles and re-reading the index lexicon (seconds) and loads one pickle instead.

The key is the sha256 of a schema version, the code sets' own compiled-cache keys, the bytes of
every data file the lexicons are built from, and the source of the modules that turn text into
terms; a change to any of them builds (and stores) a fresh entry. Files are written under a
temporary name and renamed into place, so a crash mid-write never leaves a file that loads.
The cache dir is the server's own (``config.cache_dir``); never point it at untrusted files.
"""
from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Iterable

SCHEMA_VERSION = 1
KEEP_ENTRIES = 4
_MODULES = ("lexicon.py", "text.py", "trie.py", "entities.py", "lexicon_cache.py")


def cache_key(codesets: Iterable, files: Iterable[Path | None], options: str = "") -> str | None:
    """sha256 over everything the lexicons are built from; None when a code set has no compiled
    cache folder to name it (then nothing is cached)."""
    digest = hashlib.sha256(f"pipeline-lexicon\0{SCHEMA_VERSION}\0{options}\0".encode())
    for cs in codesets:
        if cs is None:
            digest.update(b"-\0")
            continue
        folder = getattr(cs, "cache_path", None)
        if folder is None:
            return None
        digest.update(Path(folder).name.encode() + b"\0")
    for path in files:
        digest.update(_file_digest(path) + b"\0")
    here = Path(__file__).parent
    for name in _MODULES:
        digest.update((here / name).read_bytes() + b"\0")
    return digest.hexdigest()


def _file_digest(path: Path | None) -> bytes:
    if path is None:
        return b"-"
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest().encode()


def _path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / f"lexicon-{key[:32]}.pickle"


def load(cache_dir: Path, key: str):
    """The cached object for ``key``, or None (missing or unreadable: the caller rebuilds)."""
    path = _path(cache_dir, key)
    if not path.is_file():
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of small dicts: the collector would run dozens of times for nothing
    try:
        with open(path, "rb") as f:
            stored_key, obj = pickle.load(f)
        if stored_key != key:
            return None
        # Loaded in one go, the lexicon's objects would sit in the young generations and every
        # later full collection would walk them all (a 1 MB note codes 2x slower). They live as
        # long as the pipeline and hold no cycles (refcounting still frees them), so park them.
        gc.freeze()
        return obj
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        return None
    finally:
        if enabled:
            gc.enable()


def store(cache_dir: Path, key: str, obj) -> Path:
    """Write ``obj`` for ``key`` atomically; returns the file."""
    root = Path(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    target = _path(root, key)
    fd, tmp = tempfile.mkstemp(prefix=".lexicon-", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump((key, obj), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _prune(root, keep=target)
    return target


def _prune(root: Path, keep: Path, entries: int = KEEP_ENTRIES) -> None:
    """Remove all but the newest ``entries`` cache files: each data or code change leaves one
    stale entry (~15 MB) behind; a few are kept for configurations that run side by side."""
    files = sorted(root.glob("lexicon-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [f for f in files if f != keep][entries - 1:]:
        old.unlink(missing_ok=True)
