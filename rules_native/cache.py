"""The one cache of compiled tables: code sets, NCCI/MUE edit tables and the pipeline's lexicons.

An entry is a folder ``<root>/<label>-<key[:24]>`` holding what its builder wrote and a
``MANIFEST.json`` (the full key and the size of every file). One rule invalidates every entry:
the key (``entry_key``) is the sha256 of the kind, the loader's options, the bytes of every source
file and the source code of the modules that compile them (and of this module, which owns the
layout). Editing a source or the compiling code builds a new entry; there is no version to bump.

An entry is built in a hidden folder beside it and renamed into place, so a crash mid-build or two
processes building at once leave one complete entry. An entry whose manifest, sizes or content do
not read back is moved aside and rebuilt. A cache dir that cannot be written makes every start
build afresh (into a folder private to the process), slower but never failing.

Files are checked by size, not hashed, when an entry is opened: hashing the 35 MB of compiled code
sets would add a fifth to a warm start, and what damages an entry in practice (a full disk, a
partial copy, a stray write) changes a size or breaks a header. The dir is the server's own
(``config.cache_dir``): never point it at untrusted files (lexicon entries are pickles).
"""
from __future__ import annotations

import atexit
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

MANIFEST = "MANIFEST.json"
KEY_CHARS = 24           # of the key's 64 hex digits in a folder name; the manifest holds all 64
STALE_BUILD_S = 3600.0   # a hidden build folder this old was left by a killed process
# An older entry opened this recently may still be in use (a gateway of the previous release on
# the same host, which opens some tables lazily): it is pruned only once nobody opened it for this long.
PRUNE_GRACE_S = 86400.0
_CHUNK = 1 << 20
_META = "meta.json"

T = TypeVar("T")


def default_cache_dir() -> Path:
    """``~/.cache/medcoder``. Anything else is configuration's to choose (``config.cache_dir``,
    ``MEDCODER_CACHE_DIR``), passed in by the caller; this package never reads the environment."""
    return Path.home() / ".cache" / "medcoder"


def cache_root(cache_dir: Path | None, part: str) -> Path:
    """``cache_dir`` as given, else ``default_cache_dir() / part`` (``part``: "codesets", "edits")."""
    return Path(cache_dir) if cache_dir is not None else default_cache_dir() / part


def label_for(kind: str, source: Path) -> str:
    """``kind`` plus the source file's stem, so two releases (HCPCS Oct and Jan, practitioner and
    hospital PTP) keep an entry each instead of evicting each other."""
    return f"{kind}.{re.sub(r'[^A-Za-z0-9_]', '_', Path(source).stem)[:40]}"


# -- keys ----------------------------------------------------------------------------------------
def file_digest(path: Path) -> str:
    """sha256 of a file's bytes; OSError (with ``filename``) when it cannot be read."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def package_code(package_dir: Path) -> tuple[Path, ...]:
    """Every module of a package: the compiling code of loaders that share helpers freely."""
    return tuple(sorted(Path(package_dir).glob("*.py")))


@functools.lru_cache(maxsize=None)
def code_version(files: tuple[Path, ...]) -> str:
    """sha256 over the name and source of each compiling module and of this module.

    Cached per process: the code that runs is the code that was imported, whatever the files on
    disk say later."""
    digest = hashlib.sha256()
    for path in sorted({Path(__file__), *map(Path, files)}):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def entry_key(kind: str, *, sources: Iterable[Path | None] = (), code: Iterable[Path] = (),
              options: str = "", parts: Iterable[str] = ()) -> str:
    """The key of a compiled table: kind, options, compiling code, ``parts`` (the keys or entry
    names of other entries it is built from) and the sources' bytes (None: an absent optional
    source). E.g. the FY2026 ICD-10-CM: ``entry_key("icd10cm", sources=[xml, code_list], code=...)``."""
    digest = hashlib.sha256(f"{kind}\0{options}\0".encode())
    digest.update(code_version(tuple(code)).encode())
    for part in parts:
        digest.update(part.encode() + b"\0")
    for src in sources:
        digest.update((file_digest(src) if src is not None else "-").encode() + b"\0")
    return digest.hexdigest()


# -- entries -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """A complete entry; ``inode`` tells it from a newer one published under the same name."""

    folder: Path
    inode: int


def entry_name(label: str, key: str) -> str:
    return f"{label}-{key[:KEY_CHARS]}"


def lookup(root: Path, label: str, key: str) -> Entry | None:
    """The complete entry for ``key``, or None (absent, another key, missing or resized files)."""
    folder = Path(root) / entry_name(label, key)
    try:
        inode = os.stat(folder).st_ino
        manifest = json.loads((folder / MANIFEST).read_bytes())
        if manifest["key"] != key:
            return None
        for name, size in manifest["files"].items():
            if os.stat(folder / name).st_size != size:
                return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
    try:
        os.utime(folder)   # opened now: in use, not to be pruned (``PRUNE_GRACE_S``)
    except OSError:
        pass               # a read-only cache dir is still served
    return Entry(folder, inode)


def discard(entry: Entry) -> None:
    """Move a damaged entry out of the way (unless another process has replaced it already)."""
    _move_aside(entry.folder, entry.inode)


def store(root: Path, label: str, key: str, write: Callable[[Path], None], keep: int = 1) -> Path | None:
    """Build an entry with ``write(folder)`` and publish it; returns its folder, or None when
    ``root`` cannot be written (the caller goes on without a cache). Errors of ``write`` other
    than OSError propagate. Afterwards only the ``keep`` newest entries of ``label`` remain."""
    try:
        return _store(Path(root), label, key, write, keep)
    except OSError:
        return None


def load_or_build(root: Path, label: str, key: str, build: Callable[[Path], None],
                  open_entry: Callable[[Path, bool], T], keep: int = 1) -> T:
    """``open_entry(folder, built_now)`` of the entry for ``key``, built by ``build(folder)`` first
    when there is none or it does not open. For tables read from their folder (memory-mapped
    code-set columns): with an unwritable ``root`` they are built in a folder of this process's."""
    hit = lookup(root, label, key)
    if hit is not None:
        try:
            return open_entry(hit.folder, False)
        except Exception:  # whatever a damaged entry raises, the cure is the same: rebuild it
            discard(hit)
    folder = store(root, label, key, build, keep)
    if folder is None:
        private = _private_root()
        hit = lookup(private, label, key)
        folder = hit.folder if hit is not None else _store(private, label, key, build, keep)
    return open_entry(folder, True)


def load_or_make(root: Path, label: str, key: str, make: Callable[[], T],
                 save: Callable[[T, Path], None], load: Callable[[Path], T], keep: int = 1) -> tuple[T, bool]:
    """``(value, from_cache)``: ``load(folder)`` of the entry for ``key``, else ``make()``, saved
    with ``save(value, folder)`` when ``root`` can be written. For tables held in memory."""
    hit = lookup(root, label, key)
    if hit is not None:
        try:
            return load(hit.folder), True
        except Exception:  # a damaged entry: rebuild and replace it, never fail the start
            discard(hit)
    value = make()
    store(root, label, key, lambda folder: save(value, folder), keep)
    return value, False


# -- arrays (edit tables) --------------------------------------------------------------------------
def save_arrays(folder: Path, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """One ``.npy`` per array plus ``meta.json``: loads with ``np.load`` in milliseconds."""
    for name, arr in arrays.items():
        np.save(folder / f"{name}.npy", arr, allow_pickle=False)
    (folder / _META).write_text(json.dumps({"arrays": sorted(arrays), "meta": meta}))


def load_arrays(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    """What ``save_arrays`` wrote; raises (OSError, ValueError, KeyError) on a damaged folder."""
    stored = json.loads((folder / _META).read_text())
    arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in stored["arrays"]}
    return arrays, stored["meta"]


# -- internals ---------------------------------------------------------------------------------
def _store(root: Path, label: str, key: str, write: Callable[[Path], None], keep: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{label}-build-", dir=root))
    try:
        write(tmp)
        _write_manifest(tmp, key)
        target = _publish(tmp, root, label, key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, label, target, keep)
    return target


def _write_manifest(folder: Path, key: str) -> None:
    files = {}
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = Path(dirpath) / name
            files[path.relative_to(folder).as_posix()] = path.stat().st_size
    (folder / MANIFEST).write_text(json.dumps({"key": key, "files": files}, sort_keys=True))


def _publish(tmp: Path, root: Path, label: str, key: str) -> Path:
    """Rename ``tmp`` into place. A complete entry already there (another process built the same
    key) wins and ``tmp`` is dropped; a damaged one is moved aside and replaced."""
    target = root / entry_name(label, key)
    for _ in range(3):
        try:
            os.rename(tmp, target)
            return target
        except OSError:
            pass
        try:
            inode = os.stat(target).st_ino
        except FileNotFoundError:
            continue
        if lookup(root, label, key) is not None:
            return target
        _move_aside(target, inode)
    raise OSError(f"cannot publish cache entry {target.name}")


def _move_aside(path: Path, inode: int) -> None:
    trash = path.with_name(f".{path.name}-bad-{os.getpid()}-{time.monotonic_ns()}")
    try:
        if os.stat(path).st_ino != inode:
            return
        os.rename(path, trash)
    except OSError:
        return
    _remove(trash)


def _prune(root: Path, label: str, keep_path: Path, keep: int) -> None:
    """Entries of ``label`` beyond the ``keep`` newest are dead weight after each source or code
    change, once no process has opened them for ``PRUNE_GRACE_S``; build folders a killed process
    left are too."""
    try:
        paths = list(root.iterdir())
    except OSError:
        return
    older, now = [], time.time()
    for path in paths:
        if path.name.startswith(f".{label}-"):
            if now - _mtime(path) > STALE_BUILD_S:
                _remove(path)
        elif path != keep_path and path.name.rpartition("-")[0] == label:
            older.append(path)
    older.sort(key=_mtime, reverse=True)
    for path in older[max(keep - 1, 0):]:
        if now - _mtime(path) > PRUNE_GRACE_S:
            _remove(path)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except OSError:
            pass


@functools.lru_cache(maxsize=1)
def _private_root() -> Path:
    """Where this process builds what an unwritable cache dir cannot hold; removed at exit."""
    path = Path(tempfile.mkdtemp(prefix="medcoder-cache-"))
    atexit.register(shutil.rmtree, path, True)
    return path
