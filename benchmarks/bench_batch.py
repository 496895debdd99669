"""`medcoder batch` on Ray against in-process coding on the same cores, in the same run.

Over the CodiEsp background notes (2,751, ../shared/data) written to one JSON Lines file:

- in-process: W processes (default: every CPU) each building the engine once and coding its share
  of the notes back to back; wall time from start (engine loads included) to the last note. This is
  the baseline: what the machine does with no Ray at all.
- 1 node: a `ray start` head with W CPUs, W coder actors.
- 2 nodes: a head and a second node (separate `ray start` processes, object stores and workers),
  the CPUs split between them, W actors spread over both.
- 2 nodes, second killed: as above with a spare CPU slot on the head; the second node's process
  group gets SIGKILL once a third of the encounters are written. Ray recreates its actor on the
  head and reruns its unfinished batches.

Each Ray row is the driver's own figure (start of the job to the last file, actor start-up
included) and the count of ids lost or duplicated in the output. Ratio = encounters/s over the
in-process figure.

    python -m benchmarks.bench_batch [--notes 2751] [--workers 2] [--skip-kill]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"encounters (\d+) .* errors (\d+) .* ([\d.]+) encounters/s in ([\d.]+) s")


def _background_dir() -> Path:
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "codiesp" / "background" / "text_files_en"


def _write_input(folder: Path, limit: int) -> list[str]:
    files = sorted(_background_dir().glob("*.txt"))[:limit]
    with open(folder / "notes.jsonl", "w") as f:
        for p in files:
            f.write(json.dumps({"id": p.stem, "content": p.read_text(encoding="utf-8"), "setting": "inpatient"}) + "\n")
    return [p.stem for p in files]


def _code_share(paths: list[str]) -> tuple[int, int]:
    """(coded, failed): a note the engine fails on counts as the batch's error row does."""
    from server.config import load_config
    from server.domain import Setting, SourceFormat
    from server.engine import Engine

    engine = Engine(load_config(), with_review_log=False)
    failed = 0
    for p in paths:
        try:
            engine.code(Path(p).read_bytes(), fmt=SourceFormat.TEXT, doc_id=Path(p).stem, setting=Setting.INPATIENT)
        except Exception:
            failed += 1
    return len(paths) - failed, failed


def in_process(limit: int, workers: int) -> dict:
    paths = [str(p) for p in sorted(_background_dir().glob("*.txt"))[:limit]]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        shares = list(pool.map(_code_share, [paths[i::workers] for i in range(workers)]))
    wall = time.perf_counter() - t0
    n, failed = sum(s[0] for s in shares), sum(s[1] for s in shares)
    return {"mode": f"in-process, {workers} processes", "encounters": n, "errors": failed, "wall_s": wall,
            "per_s": (n + failed) / wall, "lost": 0, "duplicated": 0}


def _job(folder: Path, out: Path, cluster, actors: int, kill_at: int | None = None) -> dict:
    """One `medcoder batch` against ``cluster``; SIGKILL its node 1 once ``kill_at`` rows are written."""
    env = {**cluster.env, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "batch", str(folder), "--out", str(out),
                             "--address", cluster.address, "--cpu-actors", str(actors), "--batch-size", "16"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    killed = False
    while kill_at is not None and proc.poll() is None and not killed:
        if _rows_written(out) >= kill_at:
            cluster.kill_node(1)
            killed = True
        time.sleep(0.1)
    stdout, _ = proc.communicate(timeout=1800)
    m = _LINE.search(stdout)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"medcoder batch exited {proc.returncode}: {stdout[-500:]}")
    return {"encounters": int(m.group(1)), "errors": int(m.group(2)), "per_s": float(m.group(3)),
            "wall_s": float(m.group(4)), "killed": killed}


def _rows_written(out: Path) -> int:
    import pyarrow.parquet as pq

    n = 0
    try:
        files = list(out.glob(".tmp-*/encounters/*/*.parquet"))
    except FileNotFoundError:
        return 0
    for f in files:
        try:
            n += pq.ParquetFile(f).metadata.num_rows
        except Exception:   # a file still being written
            pass
    return n


def _check(out: Path, ids: list[str]) -> tuple[int, int]:
    import pyarrow.dataset as pads

    seen = Counter(pads.dataset(out / "encounters", partitioning="hive").to_table(columns=["id"])["id"].to_pylist())
    seen.update(pads.dataset(out / "errors", partitioning="hive").to_table(columns=["id"])["id"].to_pylist())
    return len(set(ids) - set(seen)), sum(v - 1 for v in seen.values() if v > 1)


def on_ray(folder: Path, ids: list[str], workers: int, *, nodes: int, kill: bool) -> dict:
    from benchmarks.ray_cluster import LocalCluster

    head = workers if nodes == 1 or kill else max(1, workers - 1)
    with tempfile.TemporaryDirectory(prefix="bench-batch-out-") as tmp, LocalCluster(head_cpus=head) as cluster:
        if nodes == 2:
            cluster.add_node(cpus=max(1, workers - head) if not kill else 1)
        r = _job(folder, Path(tmp) / "out", cluster, workers, kill_at=len(ids) // 3 if kill else None)
        lost, dup = _check(Path(tmp) / "out", ids)
    mode = f"Ray, {nodes} node{'s' if nodes > 1 else ''}" + (", 2nd SIGKILLed at 1/3" if kill else "")
    return {"mode": mode, **r, "lost": lost, "duplicated": dup}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=2751)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip-kill", action="store_true")
    args = ap.parse_args(argv)
    if not _background_dir().is_dir():
        print(f"skipped: no {_background_dir()} (../shared/data)")
        return
    with tempfile.TemporaryDirectory(prefix="bench-batch-in-") as tmp:
        ids = _write_input(Path(tmp), args.notes)
        rows = [in_process(args.notes, args.workers)]
        print(_fmt(rows[0], rows[0]["per_s"]), flush=True)
        runs = [(1, False), (2, False)] + ([] if args.skip_kill else [(2, True)])
        for nodes, kill in runs:
            rows.append(on_ray(Path(tmp), ids, args.workers, nodes=nodes, kill=kill))
            print(_fmt(rows[-1], rows[0]["per_s"]), flush=True)


def _fmt(r: dict, base: float) -> str:
    return (f"{r['mode']:<38} {r['encounters']:>5} encounters {r['errors']:>3} errors  {r['wall_s']:6.1f} s  "
            f"{r['per_s']:6.1f}/s  "
            f"ratio {r['per_s'] / base:.2f}  lost {r['lost']}  duplicated {r['duplicated']}")


if __name__ == "__main__":
    main()
