"""The compiled cache: rebuilt when the source changes, reused otherwise; bad sources fail loudly.

Uses a tiny tabular XML in the CDC layout so each build takes milliseconds.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rules_native.cache import PRUNE_GRACE_S
from rules_native.codesets import CodeSetError, load_icd10cm

TABULAR = """<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning and certain other consequences of external causes (S00-T88)</desc>
    <excludes2><note>birth trauma (P10-P15)</note></excludes2>
    <section id="S00-S09">
      <desc>Injuries to the head (S00-S09)</desc>
      <diag>
        <name>S00</name>
        <desc>Superficial injury of head</desc>
        <excludes1><note>diffuse cerebral contusion (S06.2-)</note></excludes1>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
        </sevenChrDef>
        <diag>
          <name>S00.0</name>
          <desc>Superficial injury of scalp</desc>
          <diag><name>S00.01</name><desc>Abrasion of scalp</desc></diag>
          <diag><name>S00.02</name><desc>Blister of scalp</desc>%EXTRA%</diag>
        </diag>
      </diag>
      <diag>
        <name>S06</name>
        <desc>Intracranial injury</desc>
        <diag><name>S06.2</name><desc>Diffuse traumatic brain injury</desc></diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


def _write(tmp_path, extra: str = "", name: str = "tabular.xml"):
    path = tmp_path / name
    path.write_text(TABULAR.replace("%EXTRA%", extra))
    return path


def test_tiny_source_compiles_with_seventh_characters(tmp_path):
    cs = load_icd10cm(tmp_path / "cache", source=_write(tmp_path))
    assert cs.codes[:4] == ["S00", "S00.0", "S00.01", "S00.01XA"]
    assert cs.description("S00.01XD") == "Abrasion of scalp, subsequent encounter"
    assert cs.is_billable("S00.01XA") and not cs.is_billable("S00.01")
    assert cs.is_billable("S06.2")  # no 7th-character rule above it
    left, right = cs.excludes1_pairs
    assert [(cs.code(a), cs.code(b)) for a, b in zip(left, right)] == [("S00", "S06.2")]
    assert cs.notes("S00.01XA", "excludes2", inherited=True) == ("birth trauma (P10-P15)",)


def test_cache_is_reused_then_rebuilt_when_the_source_changes(tmp_path):
    cache = tmp_path / "cache"
    src = _write(tmp_path)
    first = load_icd10cm(cache, source=src)
    again = load_icd10cm(cache, source=src)
    assert not first.from_cache and again.from_cache and again.cache_path == first.cache_path
    old = time.time() - PRUNE_GRACE_S - 60
    os.utime(first.cache_path, (old, old))   # no process has opened the old compilation for a day
    src = _write(tmp_path, "<inclusionTerm><note>Blood blister</note></inclusionTerm>")
    changed = load_icd10cm(cache, source=src)
    assert not changed.from_cache and changed.cache_path != first.cache_path
    assert changed.notes("S00.02", "inclusion") == ("Blood blister",)
    assert not first.cache_path.exists()  # the stale compilation was removed
    assert [p.name for p in cache.iterdir()] == [changed.cache_path.name]


def test_code_list_vets_generated_codes_and_cross_checks(tmp_path):
    src = _write(tmp_path)
    listed = ["19", "S00-S09", "S00", "S000", "S0001", "S0001XA", "S0001XD", "S0002", "S0002XA",
              "S06", "S062"]
    code_list = tmp_path / "codes.txt"
    code_list.write_text("\n".join(listed))
    cs = load_icd10cm(tmp_path / "cache", source=src, code_list=code_list)
    assert cs.id_of("S00.02XD") == -1 and cs.id_of("S00.02XA") >= 0
    assert cs.dropped_extensions == 1
    code_list.write_text("\n".join(listed + ["S063"]))
    with pytest.raises(CodeSetError, match="disagree"):
        load_icd10cm(tmp_path / "cache2", source=src, code_list=code_list)


@pytest.mark.parametrize("text, match", [
    ("<ICD10CM.index><version>2026</version></ICD10CM.index>", "root element"),
    ("<ICD10CM.tabular><chapter><name>1</name>", "not readable XML"),
    ("<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>", "no <diag>"),
])
def test_wrong_or_broken_source_fails_loudly(tmp_path, text, match):
    src = tmp_path / "bad.xml"
    src.write_text(text)
    with pytest.raises(CodeSetError, match=match):
        load_icd10cm(tmp_path / "cache", source=src)
    assert not any((tmp_path / "cache").glob("icd10cm-*"))  # nothing half-built is left


def test_missing_source_fails_loudly(tmp_path):
    with pytest.raises(CodeSetError, match="cannot read"):
        load_icd10cm(tmp_path / "cache", source=tmp_path / "absent.xml")


# -- the compiled cache (rules_native.cache) as the code-set loaders use it ---------------------
REPO = Path(__file__).resolve().parents[2]
LOADER = """
import sys
import time
from pathlib import Path
from rules_native.codesets import load_icd10cm
cs = load_icd10cm(Path(sys.argv[1]), source=Path(sys.argv[2]))
print(cs.from_cache, cs.cache_path.name, cs.description("S00.01XD"))
"""


def _run_loader(tmp_path, cache, src, pythonpath=REPO, wrap=()):
    script = tmp_path / "loader.py"
    script.write_text(LOADER)
    out = subprocess.run([*wrap, sys.executable, str(script), str(cache), str(src)], capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(pythonpath)}, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    from_cache, name, desc = out.stdout.strip().split(" ", 2)
    assert desc == "Abrasion of scalp, subsequent encounter"
    return from_cache == "True", name


def test_a_change_to_the_compiler_recompiles(tmp_path):
    copy = tmp_path / "code"
    shutil.copytree(REPO / "rules_native", copy / "rules_native",
                    ignore=shutil.ignore_patterns("__pycache__"))
    cache, src = tmp_path / "cache", _write(tmp_path)
    first = _run_loader(tmp_path, cache, src, copy)
    assert not first[0] and _run_loader(tmp_path, cache, src, copy) == (True, first[1])
    with open(copy / "rules_native" / "codesets" / "icd10cm_build.py", "a") as f:
        f.write("\n# a fixed column\n")
    old = time.time() - PRUNE_GRACE_S - 60
    os.utime(cache / first[1], (old, old))   # the old release's gateways are gone
    changed = _run_loader(tmp_path, cache, src, copy)
    assert not changed[0] and changed[1] != first[1]
    assert [p.name for p in cache.iterdir()] == [changed[1]]


@pytest.mark.parametrize("column", ["code.blob.npy", "description.off.npy", "meta.json"])
def test_a_truncated_column_is_recompiled_not_served(tmp_path, column):
    cache, src = tmp_path / "cache", _write(tmp_path)
    first = load_icd10cm(cache, source=src)
    path = first.cache_path / column
    path.write_bytes(path.read_bytes()[:-7])
    again = load_icd10cm(cache, source=src)
    assert not again.from_cache and again.codes == first.codes
    assert again.description("S00.01XD") == "Abrasion of scalp, subsequent encounter"
    assert load_icd10cm(cache, source=src).from_cache


def _read_only_wrapper(folder: Path) -> tuple[str, ...]:
    """A command prefix under which ``folder`` cannot be written, even by root (permissions do not
    stop root: a read-only bind mount in a private mount namespace does)."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return ()
    mount = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f'{mount} && ! touch "{folder}/probe"'],
                           capture_output=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("cannot make a directory read-only for root here")
    return ("unshare", "-m", "sh", "-c", f'{mount} && exec "$0" "$@"')


def test_a_read_only_cache_dir_serves_its_entry_and_compiles_the_rest(tmp_path):
    cache, src = tmp_path / "cache", _write(tmp_path)
    load_icd10cm(cache, source=src)
    other = _write(tmp_path, "<inclusionTerm><note>Blood blister</note></inclusionTerm>", name="other.xml")
    try:
        wrap = _read_only_wrapper(cache)
        assert _run_loader(tmp_path, cache, src, wrap=wrap)[0]
        assert not _run_loader(tmp_path, cache, other, wrap=wrap)[0]
    finally:
        cache.chmod(0o755)
    assert len(list(cache.iterdir())) == 1


def test_processes_compiling_at_once_leave_one_entry(tmp_path):
    cache, src = tmp_path / "cache", _write(tmp_path)
    script = tmp_path / "loader.py"
    script.write_text(LOADER)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, str(script), str(cache), str(src)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-2000:] for _, err in outs]
    names = {out.split()[1] for out, _ in outs}
    assert [p.name for p in cache.iterdir()] == list(names)
    assert load_icd10cm(cache, source=src).from_cache
