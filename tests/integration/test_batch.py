"""`medcoder batch` on real Ray: a local Ray for the output layout and error rows; a head and a second
node started with `ray start` (separate processes and object stores) for a node killed with SIGKILL
mid-job. Every input id must come out exactly once, in `encounters/` or `errors/`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("ray.data", reason="the batch extra (ray[data]) is not installed")
import pyarrow as pa  # noqa: E402
import pyarrow.dataset as pads  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from benchmarks.ray_cluster import LocalCluster  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
NOTES = ["Assessment: acute on chronic systolic heart failure. Type 2 diabetes with diabetic CKD stage 3a.",
         "Community-acquired pneumonia of the right lower lobe. History of hypertension.",
         "Left knee osteoarthritis, primary. No evidence of fracture.",
         "Acute appendicitis; laparoscopic appendectomy performed."]


@pytest.fixture(scope="module", autouse=True)
def _warm_cache(cache_dir):
    """Code sets and pipeline tables built once here, so the coder actors load them warm instead of
    each building them at once on two cores."""
    from server.config import load_config
    from server.engine import Engine

    Engine(load_config({"cache_dir": cache_dir}), with_review_log=False).close()


def _batch(args, *, cache_dir: Path, env: dict | None = None, **popen) -> subprocess.Popen:
    env = {**os.environ, **(env or {}), "MEDCODER_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "server.cli", "batch", *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            **popen)


def _finish(proc: subprocess.Popen, timeout_s: float) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)   # the driver and the local Ray it started
        out, err = proc.communicate()
        pytest.fail(f"medcoder batch did not finish in {timeout_s:.0f} s\n{err[-3000:]}")
    return proc.returncode, out, err


def _read(out: Path, name: str) -> pa.Table:
    return pads.dataset(out / name, format="parquet", partitioning="hive").to_table()


def _inputs(folder: Path, n: int, repeat: int = 1) -> list[str]:
    """n good records over a JSON Lines file and a Parquet file, and four bad ones; ``repeat``
    makes each note that many paragraphs long (more coding per record)."""
    folder.mkdir()
    good = [{"id": f"enc-{i}", "content": " ".join([NOTES[i % len(NOTES)]] * repeat) + f" Visit {i}.",
             "setting": ("inpatient", "outpatient")[i % 2], "format": "text"} for i in range(n)]
    good[1]["patient"] = {"age": 71, "sex": "M"}
    good[2]["claim_lines"] = [{"code": "99213", "units": 1, "date_of_service": "2026-01-05"}]
    half = n // 2
    with open(folder / "a.jsonl", "w") as f:
        for rec in good[:half]:
            f.write(json.dumps(rec) + "\n")
        f.write("{this line is not json\n")
        f.write(json.dumps({"id": "no-content", "setting": "inpatient"}) + "\n")
        f.write(json.dumps({"id": "bad-fhir", "content": '{"resourceType": 7}', "format": "fhir"}) + "\n")
    rows = good[half:] + [{"id": "bad-setting", "content": "CHF.", "setting": "emergency", "format": "text"}]
    pq.write_table(pa.Table.from_pylist([{k: r.get(k) for k in ("id", "content", "setting", "format")}
                                         for r in rows]), folder / "b.parquet")
    return [r["id"] for r in good] + ["no-content", "bad-fhir", "bad-setting"]


def _ids_once(out: Path) -> Counter:
    enc, err = _read(out, "encounters"), _read(out, "errors")
    return Counter(enc["id"].to_pylist() + [i for i in err["id"].to_pylist() if i])


def _nodes_so_far(out: Path) -> set[str]:
    """The Ray nodes whose coded rows are already written (files still being written are skipped)."""
    nodes = set()
    try:
        files = list(out.glob(".tmp-*/encounters/*/*.parquet"))
    except FileNotFoundError:   # the job committed while we looked
        return nodes
    for f in files:
        try:
            nodes.update(pq.read_table(f, columns=["node"])["node"].to_pylist())
        except (OSError, pa.ArrowException):
            pass
    return nodes


def test_local_batch_writes_four_datasets_and_bad_records_become_error_rows(cache_dir, tmp_path):
    ids = _inputs(tmp_path / "in", 40)
    out = tmp_path / "out"
    code, stdout, err = _finish(_batch([tmp_path / "in", "--out", out, "--num-cpus", "2", "--batch-size", "8"],
                                       cache_dir=cache_dir), 240)
    assert code == 0, err[-3000:]
    assert stdout.strip().splitlines()[-1].startswith("encounters 40 ")
    assert "errors 4 (bad_record 3, invalid_input 1)" in stdout and "encounters/s" in stdout

    assert _ids_once(out) == Counter(ids)
    errors = {r["id"]: r for r in _read(out, "errors").to_pylist()}
    assert errors["no-content"]["kind"] == "bad_record" and "content" in errors["no-content"]["reason"]
    assert errors["bad-setting"]["kind"] == "bad_record" and errors["bad-setting"]["source"].endswith("b.parquet")
    assert errors["bad-fhir"]["kind"] == "invalid_input"
    assert errors[""]["reason"] == "line is not a JSON object" and errors[""]["source"].endswith("a.jsonl")

    codes = _read(out, "codes").to_pylist()
    by_id = {}
    for c in codes:
        by_id.setdefault(c["id"], []).append(c)
    chf = by_id["enc-0"]
    assert {"I50.23", "E11.22"} <= {c["code"] for c in chf}
    text = NOTES[0] + " Visit 0."
    for c in chf:
        assert c["system"] == "ICD10CM" and c["profile"] == "us-claims" and dict(c["model_versions"])
        assert all(0 <= s < e <= len(text) for s, e in zip(c["evidence_start"], c["evidence_end"]))
    assert sum(c["principal"] for c in chf) == 1
    assert any(c["assertion"] == "historical" for c in by_id["enc-1"])   # "History of hypertension"
    edits = _read(out, "edits").to_pylist()
    assert all(e["id"] in by_id or e["id"] in ids for e in edits)

    # a rerun that dies half-way (driver and its local Ray SIGKILLed) leaves the last datasets whole
    before = sorted(_read(out, "encounters")["encounter_id"].to_pylist())
    proc = _batch([tmp_path / "in", "--out", out, "--num-cpus", "2", "--batch-size", "4"], cache_dir=cache_dir)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not list(out.glob(".tmp-*/*/*/*.parquet")) and proc.poll() is None:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert sorted(_read(out, "encounters")["encounter_id"].to_pylist()) == before
    assert _ids_once(out) == Counter(ids)


def test_bad_input_path_is_one_line_and_exit_2(cache_dir, tmp_path):
    (tmp_path / "notes.csv").write_text("id,content\n1,CHF\n")
    (tmp_path / "nocontent.parquet").write_bytes(b"")
    pq.write_table(pa.table({"id": ["1"], "text": ["CHF"]}), tmp_path / "nocol.parquet")
    for path, fragment in ((tmp_path / "missing", "no such file or folder"),
                           (tmp_path / "notes.csv", "unsupported file type"),
                           (tmp_path / "nocol.parquet", "no column content")):
        code, _, err = _finish(_batch([path, "--out", tmp_path / "out"], cache_dir=cache_dir), 60)
        assert code == 2 and fragment in err and len(err.strip().splitlines()) == 1, err


def test_second_node_killed_mid_job_loses_and_duplicates_nothing(cache_dir, tmp_path):
    """Head (2 CPUs) and a second node (1 CPU), two coder actors spread over them; the second
    node's whole process group gets SIGKILL once the first results are written. Ray recreates its
    actor on the head and reruns the unfinished batches; the written files of a retried write task
    replace, never add to, what it wrote before."""
    # enough coding (~10 s per actor) that both actors are busy when the second node dies, even
    # when one of them took longer to start
    ids = _inputs(tmp_path / "in", 1200, repeat=8)
    out = tmp_path / "out"
    with LocalCluster(head_cpus=2) as cluster:
        cluster.add_node(cpus=1)
        proc = _batch([tmp_path / "in", "--out", out, "--address", cluster.address, "--cpu-actors", "2",
                       "--batch-size", "8"], cache_dir=cache_dir, env=cluster.env)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None and len(_nodes_so_far(out)) < 2:
            time.sleep(0.05)
        assert proc.poll() is None, "the job ended before the node could be killed"
        assert len(_nodes_so_far(out)) == 2, "the second node wrote nothing in time"
        cluster.kill_node(1)
        code, stdout, err = _finish(proc, 300)
    assert code == 0, err[-3000:]
    assert _ids_once(out) == Counter(ids)            # 0 lost, 0 duplicated
    # every row says which node coded it; whether the killed node's finished rows survive or are
    # rewritten by the head depends on whether Ray had committed its write task before the kill
    # (both happen: the clean-clone run of 2026-12-04 saw the head rewrite them all), so only
    # exactly-once is required of the output
    nodes = _read(out, "encounters")["node"].to_pylist()
    assert all(nodes) and 1 <= len(set(nodes)) <= 2
    assert stdout.strip().splitlines()[-1].startswith("encounters 1200 ")
