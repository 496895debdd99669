"""The compiled lexicons in the one compiled cache (``rules_native.cache``), so a warm start skips
re-deriving term variants from 75,000 code titles and re-reading the index lexicon (seconds) and
loads one pickle instead.

The key follows the cache's one rule: the code sets' own entries (their folder names carry their
keys), the bytes of every data file the lexicons are built from, and the source of the modules
that turn text into terms. The cache dir is the server's own (``config.cache_dir``); never point
it at untrusted files: an entry is a pickle.
"""
from __future__ import annotations

import gc
import pickle
from pathlib import Path
from typing import Iterable

from rules_native import cache

KEEP_ENTRIES = 4   # configurations that run side by side (with and without PCS, a test lexicon)
LABEL = "lexicon"
_FILE = "lexicon.pickle"
# The modules that turn text into terms: a change to any of them builds the lexicons afresh.
_COMPILER = tuple(Path(__file__).with_name(name)
                  for name in ("lexicon.py", "text.py", "trie.py", "entities.py", "lexicon_cache.py"))


def cache_key(codesets: Iterable, files: Iterable[Path | None], options: str = "") -> str | None:
    """The entry key of the lexicons built from ``codesets`` and ``files``; None when a code set
    has no compiled cache folder to name it (then nothing is cached)."""
    parts = []
    for cs in codesets:
        folder = getattr(cs, "cache_path", None) if cs is not None else "-"
        if folder is None:
            return None
        parts.append(Path(folder).name)
    return cache.entry_key("pipeline-lexicon", sources=files, code=_COMPILER, options=options, parts=parts)


def load(cache_dir: Path, key: str):
    """The cached object for ``key``, or None (missing or unreadable: the caller rebuilds, and the
    unreadable entry is discarded so that the rebuilt one takes its place)."""
    hit = cache.lookup(Path(cache_dir), LABEL, key)
    if hit is None:
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of small dicts: the collector would run dozens of times for nothing
    try:
        with open(hit.folder / _FILE, "rb") as f:
            stored_key, obj = pickle.load(f)
        if stored_key != key:
            raise ValueError("lexicon entry holds another key")
        # Loaded in one go, the lexicon's objects would sit in the young generations and every
        # later full collection would walk them all (a 1 MB note codes 2x slower). They live as
        # long as the pipeline and hold no cycles (refcounting still frees them), so park them.
        gc.freeze()
        return obj
    except Exception:  # whatever a damaged pickle raises, the cure is to rebuild it
        cache.discard(hit)
        return None
    finally:
        if enabled:
            gc.enable()


def store(cache_dir: Path, key: str, obj) -> Path | None:
    """Write ``obj`` for ``key`` atomically; returns the entry's folder, or None when the cache dir
    cannot be written (the next start builds again)."""
    def write(folder: Path) -> None:
        with open(folder / _FILE, "wb") as f:
            pickle.dump((key, obj), f, protocol=pickle.HIGHEST_PROTOCOL)

    return cache.store(Path(cache_dir), LABEL, key, write, keep=KEEP_ENTRIES)
