"""``medcoder batch INPUT --out DIR``: code a folder of encounters on Ray Data.

Read (Parquet, or JSON Lines as text so one bad line is one error row) -> ``map_batches`` on a pool
of ``Coder`` actors (each builds the gateway's engine once) -> ``BatchSink`` (four Parquet
datasets, swapped into ``DIR`` when the job is done). Ray retries the work of a lost node: its
actors are recreated elsewhere and their unfinished batches run again; each write task writes files
named by its task index, so nothing is written twice. docs/deploy.md has the cluster recipes.
"""
from __future__ import annotations

import logging
import shutil
import time
import uuid
import zlib
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("medcoder.batch")
SUFFIXES = {".parquet": "parquet", ".jsonl": "jsonl"}
REQUIRED = ("id", "content")


class BatchInputError(Exception):
    """INPUT is not a .parquet/.jsonl file or a folder holding some, or a Parquet file lacks a
    required column: nothing was started."""


@dataclass(frozen=True)
class BatchOptions:
    """How the job runs. ``cpu_actors`` None: one per CPU of the cluster; ``gpu_actors``: actors
    holding one GPU each beside the CPU pool, for the encoder on Triton (``backend="triton"``: each
    actor's own Triton on its GPU, or the one ``triton_url`` names); ``address`` None starts a local Ray, "auto" or "ray://host:10001" joins one."""

    address: str | None = None
    cpu_actors: int | None = None
    gpu_actors: int = 0
    batch_size: int = 32
    local_cpus: int | None = None


@dataclass
class BatchSummary:
    encounters: int = 0
    codes: int = 0
    edits: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def per_s(self) -> float:
        return (self.encounters + sum(self.errors.values())) / self.wall_s if self.wall_s else 0.0

    def line(self) -> str:
        errs = ", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())) or "none"
        return (f"encounters {self.encounters}  codes {self.codes}  edits {self.edits}  "
                f"errors {sum(self.errors.values())} ({errs})  {self.per_s:.1f} encounters/s in {self.wall_s:.1f} s")


def find_inputs(path: Path) -> dict[str, list[str]]:
    """{"parquet": [...], "jsonl": [...]} under ``path`` (a file or a folder, walked sorted)."""
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        if not files:
            raise BatchInputError(f"no .parquet or .jsonl files in {path}")
    else:
        raise BatchInputError(f"no such file or folder: {path}")
    out: dict[str, list[str]] = {"parquet": [], "jsonl": []}
    for f in files:
        kind = SUFFIXES.get(f.suffix.lower())
        if kind is None:
            raise BatchInputError(f"{f}: unsupported file type (use .parquet or .jsonl)")
        out[kind].append(str(f.resolve()))
    for f in out["parquet"]:
        _check_parquet(f)
    return out


def _check_parquet(path: str) -> None:
    import pyarrow.parquet as pq

    try:
        names = pq.read_schema(path).names
    except Exception as e:   # not Parquet at all: its name and the reader's complaint (no content)
        raise BatchInputError(f"{path}: not a readable Parquet file ({type(e).__name__})") from None
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise BatchInputError(f"{path}: no column {', '.join(missing)} (need id and content)")


def run_batch(inputs: dict[str, list[str]], out: Path, config, options: BatchOptions) -> BatchSummary:
    """Code every record of ``inputs`` into ``out``; the figures of the run."""
    import ray

    from server.batch.sink import BatchSink, commit, empty_schemas

    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob(".tmp-*"):           # what a killed run left behind: never read
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out / f".tmp-{uuid.uuid4().hex[:12]}"
    started_here = not ray.is_initialized()
    if started_here:
        _init_ray(ray, options)
    try:
        t0 = time.perf_counter()
        ds = _coded(ray, inputs, config, options)
        sink = BatchSink(tmp)
        ds.write_datasink(sink, ray_remote_args={"num_cpus": 0})   # the actors hold the CPU slots
        wall = time.perf_counter() - t0
        commit(tmp, out, empty_schemas())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if started_here:
            ray.shutdown()
    c = sink.counts
    errors = {k.split(":", 1)[1]: v for k, v in c.items() if k.startswith("error:")}
    return BatchSummary(c["encounters"], c["codes"], c["edits"], errors, wall)


def _init_ray(ray, options: BatchOptions) -> None:
    from pathlib import Path

    # the workers import this package as the driver does: from the folder that holds it (a source
    # checkout or site-packages), whatever the worker's own PYTHONPATH
    root = Path(__file__).resolve().parents[2]
    env = {"env_vars": {"PYTHONPATH": str(root)}}
    if options.address:
        ray.init(address=options.address, runtime_env=env, log_to_driver=False)
    else:
        ray.init(num_cpus=options.local_cpus, include_dashboard=False, runtime_env=env, log_to_driver=False)


def _read(ray, inputs: dict[str, list[str]]):
    """One dataset of records as JSON text (``text``, ``path``): JSON Lines as read, Parquet row
    groups turned into the same lines, so one actor pool codes both. Reading holds no CPU slot (the
    coder actors hold them all; a reader waiting for one would wait for ever)."""
    free = {"num_cpus": 0}
    parts = []
    if inputs["jsonl"]:
        parts.append(ray.data.read_text(inputs["jsonl"], include_paths=True, drop_empty_lines=True,
                                        ray_remote_args=free))
    if inputs["parquet"]:
        import pyarrow.parquet as pq

        groups = [{"path": f, "row_group": g} for f in inputs["parquet"]
                  for g in range(pq.ParquetFile(f).num_row_groups)]
        parts.append(ray.data.from_items(groups).map_batches(parquet_lines, batch_format="pyarrow", batch_size=1,
                                                             **free))
    return parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])


def parquet_lines(batch):
    """Rows of the Parquet row groups named in ``batch`` as JSON text lines (dates as ISO text)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    texts, paths = [], []
    for item in batch.to_pylist():
        rows = pq.ParquetFile(item["path"]).read_row_group(item["row_group"]).to_pylist()
        texts += [json.dumps(r, default=str) for r in rows]
        paths += [item["path"]] * len(rows)
    return pa.table({"text": pa.array(texts, pa.string()), "path": pa.array(paths, pa.string())})


def _coded(ray, inputs, config, options: BatchOptions):
    from server.batch.records import Coder

    cpus = int(ray.cluster_resources().get("CPU", 1))
    n_cpu = options.cpu_actors if options.cpu_actors is not None else max(1, cpus)
    pools = []
    if n_cpu > 0:
        pools.append(({"num_cpus": 1}, n_cpu))
    if options.gpu_actors > 0:
        pools.append(({"num_cpus": 0, "num_gpus": 1}, options.gpu_actors))
    if not pools:
        raise BatchInputError("no actors: give --cpu-actors or --gpu-actors at least 1")
    total = sum(n for _, n in pools)
    ds = _read(ray, inputs)
    outs, share = [], 0
    for resources, n in pools:
        part = ds if len(pools) == 1 else ds.filter(_Share(share, share + n, total))
        share += n
        outs.append(part.map_batches(Coder, fn_constructor_kwargs={"config": config}, batch_format="pyarrow",
                                     batch_size=options.batch_size, concurrency=n, **resources))
    return outs[0] if len(outs) == 1 else outs[0].union(*outs[1:])


class _Share:
    """Routes a record to a pool by a stable hash of its line (the GPU pool takes its share)."""

    def __init__(self, lo: int, hi: int, total: int):
        self.lo, self.hi, self.total = lo, hi, total

    def __call__(self, row) -> bool:
        key = row["text"].encode("utf-8", "replace")
        return self.lo <= zlib.crc32(key) % self.total < self.hi
