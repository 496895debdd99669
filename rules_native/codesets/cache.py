"""Compiled code-set cache: one folder per (code set, source bytes, schema version).

The key is the sha256 of the schema version, the compiler's own code and every source file's
bytes, so editing a source, bumping ``SCHEMA_VERSION`` or changing how a column is compiled
(a fixed reference parser) compiles a fresh folder; an unchanged source reuses it. Folders are
built under a temporary name and renamed into place, so a crash mid-build or two processes
building at once never leave a half-written cache that loads.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import CodeSetError

SCHEMA_VERSION = 1
_DONE = "COMPLETE"
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    """~/.cache/medcoder/codesets (configuration, not os.environ, chooses anything else)."""
    return Path.home() / ".cache" / "medcoder" / "codesets"


def cache_label(name: str, source: Path) -> str:
    """``name`` plus the user file's stem, so two releases (HCPCS Oct and Jan) cache side by side
    instead of evicting each other."""
    return f"{name}.{re.sub(r'[^A-Za-z0-9_]', '_', Path(source).stem)[:40]}"


def source_key(name: str, sources: Sequence[Path], extra: str = "") -> str:
    """sha256 over the schema version, the compiler, ``extra`` (loader options) and the sources."""
    digest = hashlib.sha256(f"{name}\0{SCHEMA_VERSION}\0{extra}\0".encode())
    digest.update(_compiler_fingerprint())
    for path in sources:
        try:
            with open(path, "rb") as fh:
                while block := fh.read(_CHUNK):
                    digest.update(block)
        except OSError as e:
            raise CodeSetError(f"{name}: cannot read source file {Path(path).name}: {e.strerror}") from e
        digest.update(b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _compiler_fingerprint() -> bytes:
    """sha256 of this package's modules: a cache compiled by other code is not reused."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def compiled(cache_dir: Path | None, name: str, key: str,
             build: Callable[[Path], None]) -> tuple[Path, bool]:
    """Return ``(folder, built_now)`` for ``name``/``key``, calling ``build(tmp)`` on a miss."""
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = root / f"{name}-{key[:24]}"
    if (target / _DONE).exists():
        return target, False
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-build-", dir=root))
    try:
        build(tmp)
        (tmp / _DONE).write_text(key)
        try:
            os.rename(tmp, target)
        except OSError:
            # Another process finished first (or a stale incomplete folder sits there).
            if not (target / _DONE).exists():
                shutil.rmtree(target, ignore_errors=True)
                os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_stale(root, name, target)
    return target, True


def _remove_stale(root: Path, name: str, keep: Path) -> None:
    """Older compilations of the same code set are dead weight once a new one is in place."""
    for old in root.glob(f"{name}-*"):
        if old != keep and old.is_dir() and old.name[:-25] == name:
            shutil.rmtree(old, ignore_errors=True)


def write_json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, sort_keys=True))


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise CodeSetError(f"compiled code-set cache {path.name} is unreadable: {e}") from e
