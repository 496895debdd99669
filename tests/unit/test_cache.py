"""The one compiled cache (rules_native.cache): one key rule, atomic entries, damage rebuilt,
an unwritable dir costs time only, and processes building at once leave one valid entry."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from rules_native import cache

REPO = Path(__file__).resolve().parents[2]


class Builder:
    """A compiled 'table': the source file's lines as an array, counting how often it was built."""

    def __init__(self, source: Path):
        self.source = source
        self.builds = 0

    def build(self, folder: Path) -> None:
        self.builds += 1
        np.save(folder / "lines.npy", np.array(self.source.read_text().splitlines()), allow_pickle=False)
        (folder / "meta.json").write_text(json.dumps({"source": self.source.name}))

    @staticmethod
    def open(folder: Path, built_now: bool) -> tuple[list[str], bool]:
        json.loads((folder / "meta.json").read_text())
        return np.load(folder / "lines.npy", allow_pickle=False).tolist(), built_now


def _load(root: Path, b: Builder, code: tuple[Path, ...] = ()):
    key = cache.entry_key("demo", sources=[b.source], code=code)
    return cache.load_or_build(root, "demo", key, b.build, Builder.open)


def _entries(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir())


@pytest.fixture
def source(tmp_path) -> Path:
    p = tmp_path / "codes.txt"
    p.write_text("A01\nB02\n")
    return p


def test_an_unchanged_source_is_reused_and_an_edited_one_rebuilt(tmp_path, source):
    root, b = tmp_path / "cache", Builder(source)
    assert _load(root, b) == (["A01", "B02"], True)
    assert _load(root, b) == (["A01", "B02"], False) and b.builds == 1
    first = _entries(root)
    source.write_text("A01\nB02\nC03\n")
    assert _load(root, b) == (["A01", "B02", "C03"], True)
    # the previous entry was opened a moment ago: a process of the previous release may still read it
    assert len(_entries(root)) == 2 and first[0] in _entries(root)
    old = time.time() - cache.PRUNE_GRACE_S - 60
    os.utime(root / first[0], (old, old))   # nobody opened it for a day
    source.write_text("A01\nB02\nC03\nD04\n")
    assert _load(root, b) == (["A01", "B02", "C03", "D04"], True)
    assert first[0] not in _entries(root) and len(_entries(root)) == 2  # the stale one is gone


def test_a_change_to_the_compiling_code_rebuilds(tmp_path, source):
    builder_module = tmp_path / "demo_build.py"
    builder_module.write_text("def build(): return 1\n")
    root, b = tmp_path / "cache", Builder(source)
    assert _load(root, b, (builder_module,))[1]
    assert not _load(root, b, (builder_module,))[1]
    builder_module.write_text("def build(): return 2  # a fixed parser\n")
    cache.code_version.cache_clear()  # a new process: the edited module is what it imports
    assert _load(root, b, (builder_module,))[1] and b.builds == 2


def test_the_key_is_content_not_names_or_times(tmp_path, source):
    key = cache.entry_key("demo", sources=[source], options="x")
    copy = tmp_path / "other.txt"
    copy.write_bytes(source.read_bytes())
    os.utime(copy, (0, 0))
    assert cache.entry_key("demo", sources=[copy], options="x") == key
    assert cache.entry_key("demo", sources=[copy], options="y") != key
    assert cache.entry_key("demo", sources=[copy, None]) != cache.entry_key("demo", sources=[copy])


@pytest.mark.parametrize("damage", ["truncate", "drop_file", "bad_manifest", "same_size_garbage"])
def test_a_damaged_entry_is_rebuilt_and_replaced(tmp_path, source, damage):
    root, b = tmp_path / "cache", Builder(source)
    _load(root, b)
    (entry,) = root.iterdir()
    if damage == "truncate":
        data = (entry / "lines.npy").read_bytes()
        (entry / "lines.npy").write_bytes(data[: len(data) // 2])
    elif damage == "drop_file":
        (entry / "meta.json").unlink()
    elif damage == "bad_manifest":
        (entry / cache.MANIFEST).write_text("{not json")
    else:  # same size, so only opening it tells: the cache must not serve it
        (entry / "meta.json").write_bytes(b"\0" * (entry / "meta.json").stat().st_size)
    assert _load(root, b) == (["A01", "B02"], True)
    assert _load(root, b) == (["A01", "B02"], False)  # the rebuilt entry took its place
    assert b.builds == 2 and len(_entries(root)) == 1


def test_an_unwritable_cache_dir_costs_time_never_the_start(tmp_path, source):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    root, b = blocker / "cache", Builder(source)  # cannot be created, even by root
    assert _load(root, b) == (["A01", "B02"], True)
    assert _load(root, b)[0] == ["A01", "B02"]
    key = cache.entry_key("demo", sources=[source])
    assert cache.store(root, "demo", key, b.build) is None
    value, from_cache = cache.load_or_make(root, "demo", key, lambda: 7, lambda v, f: None, lambda f: 0)
    assert (value, from_cache) == (7, False)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only dirs")
def test_a_read_only_cache_dir_serves_its_entries_and_builds_the_rest(tmp_path, source):
    root, b = tmp_path / "cache", Builder(source)
    _load(root, b)
    root.chmod(0o555)
    try:
        assert _load(root, b) == (["A01", "B02"], False)
        source.write_text("Z99\n")
        assert _load(root, b) == (["Z99"], True)
    finally:
        root.chmod(0o755)


def test_load_or_make_saves_once_and_loads_after(tmp_path):
    root = tmp_path / "cache"
    key = hashlib.sha256(b"table").hexdigest()

    def make():
        return {"codes": np.array(["99213", "99214"])}

    def save(value, folder):
        cache.save_arrays(folder, value, {"rows": 2})

    def load(folder):
        arrays, meta = cache.load_arrays(folder)
        assert meta == {"rows": 2}
        return arrays

    first, hit = cache.load_or_make(root, "table", key, make, save, load)
    again, hit_again = cache.load_or_make(root, "table", key, make, save, load)
    assert (hit, hit_again) == (False, True) and again["codes"].tolist() == ["99213", "99214"]


def test_stale_build_folders_of_killed_processes_are_cleared(tmp_path, source):
    root, b = tmp_path / "cache", Builder(source)
    root.mkdir()
    stale = root / ".demo-build-killed"
    stale.mkdir()
    os.utime(stale, (0, 0))
    fresh = root / ".demo-build-running"  # another process may be building right now
    fresh.mkdir()
    _load(root, b)
    assert not stale.exists() and fresh.exists()


def test_default_dir_is_not_chosen_by_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCODER_CACHE_DIR", str(tmp_path))
    assert cache.default_cache_dir() == Path.home() / ".cache" / "medcoder"
    assert cache.cache_root(None, "edits") == Path.home() / ".cache" / "medcoder" / "edits"
    assert cache.cache_root(tmp_path, "edits") == tmp_path


RACER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    import numpy as np
    from rules_native import cache

    root, gate, n = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])

    def build(folder):
        # wait until every process is building, so they really race to publish
        (gate / str(os.getpid())).touch()
        deadline = time.monotonic() + 60
        while len(list(gate.iterdir())) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        np.save(folder / "rows.npy", np.arange(100_000))
        (folder / "builder.txt").write_text(str(os.getpid()))

    def open_entry(folder, built_now):
        assert np.load(folder / "rows.npy").sum() == 4999950000
        return (folder / "builder.txt").read_text()

    key = cache.entry_key("race", options="one")
    print(cache.load_or_build(root, "race", key, build, open_entry))
""")


def test_processes_building_at_once_leave_one_valid_entry(tmp_path):
    root, gate, n = tmp_path / "cache", tmp_path / "gate", 3
    gate.mkdir()
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, str(script), str(root), str(gate), str(n)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * n, [err for _, err in results]
    assert len(list(gate.iterdir())) == n  # all of them built
    winners = {out.strip() for out, _ in results}
    assert len(winners) == 1  # every process opened the same, published entry
    (entry,) = root.iterdir()  # and nothing else: no half-built or losing folders left
    assert cache.lookup(root, "race", cache.entry_key("race", options="one")).folder == entry
    assert (entry / "builder.txt").read_text() == winners.pop()
