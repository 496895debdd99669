"""Per-second call records, so the report can say, for each step of offered load, how many
encounters were admitted, how fast (p50/p99 of admitted calls only) and how many were shed with
RESOURCE_EXHAUSTED. locust's own history keeps neither failures by status per step nor latency of
successful calls apart from refused ones, and a refused call answered in 1 ms would flatter p99.

Each RPC (stream items apart) also gets one histogram of its admitted calls and its failures by
status over the whole run (``load_rpcs``): the latency of calls that were served, retries
included, kept apart from the calls that failed past the retry budget.

Each locust process (one, or several with ``--processes``) keeps a ``Recorder`` and writes
``events-<pid>.json`` when the test stops; ``load_seconds`` and ``load_rpcs`` merge those files.
Names and status codes only: no request content is ever recorded.
"""
from __future__ import annotations

import json
import os
import threading
from collections import defaultdict
from pathlib import Path

ENCOUNTER_NAMES = ("CodeEncounter", "CodeEncounters.item")


class Recorder:
    def __init__(self):
        self._lock = threading.Lock()
        # second -> {"ok": n, "lat": {ms: n}, "status": {CODE: n}}
        self._s: dict[int, dict] = defaultdict(lambda: {"ok": 0, "lat": defaultdict(int), "status": defaultdict(int)})
        # rpc -> {"ok": n, "lat": {ms: n}, "status": {CODE: n}, "failed_at": {second: n}}
        self._rpc: dict[str, dict] = defaultdict(lambda: {"ok": 0, "lat": defaultdict(int), "status": defaultdict(int),
                                                          "failed_at": defaultdict(int)})

    def record(self, name: str, at_s: float, response_time_ms: float, status: str | None) -> None:
        """One call ending at ``at_s`` (unix seconds); ``status`` None when it succeeded."""
        with self._lock:
            rpc = self._rpc[name]
            if status is None:
                rpc["ok"] += 1
                rpc["lat"][int(round(response_time_ms))] += 1
            else:
                rpc["status"][status] += 1
                rpc["failed_at"][int(at_s)] += 1
            if name not in ENCOUNTER_NAMES:
                return
            bucket = self._s[int(at_s)]
            if status is None:
                bucket["ok"] += 1
                bucket["lat"][int(round(response_time_ms))] += 1
            else:
                bucket["status"][status] += 1

    def dump(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"events-{os.getpid()}.json"
        with self._lock:
            data = {str(t): {"ok": b["ok"], "lat": {str(k): v for k, v in b["lat"].items()},
                             "status": dict(b["status"])} for t, b in self._s.items()}
            data["rpcs"] = {name: {"ok": r["ok"], "lat": {str(k): v for k, v in r["lat"].items()},
                                   "status": dict(r["status"]),
                                   "failed_at": {str(k): v for k, v in r["failed_at"].items()}}
                            for name, r in self._rpc.items()}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(path)
        return path


def load_seconds(folder: Path) -> dict[int, dict]:
    """All processes' records merged: second -> {"ok", "lat": {ms: n}, "status": {CODE: n}}."""
    merged: dict[int, dict] = defaultdict(lambda: {"ok": 0, "lat": defaultdict(int), "status": defaultdict(int)})
    for path in sorted(Path(folder).glob("events-*.json")):
        for t, b in json.loads(path.read_text()).items():
            if t == "rpcs":
                continue
            m = merged[int(t)]
            m["ok"] += b["ok"]
            for ms, n in b["lat"].items():
                m["lat"][int(ms)] += n
            for code, n in b["status"].items():
                m["status"][code] += n
    return dict(merged)


def load_rpcs(folder: Path) -> dict[str, dict]:
    """All processes' per-RPC records merged: name -> {"ok", "lat": {ms: n}, "status": {CODE: n},
    "failed_at": {second: n}}."""
    merged: dict[str, dict] = defaultdict(lambda: {"ok": 0, "lat": defaultdict(int), "status": defaultdict(int),
                                                   "failed_at": defaultdict(int)})
    for path in sorted(Path(folder).glob("events-*.json")):
        for name, r in json.loads(path.read_text()).get("rpcs", {}).items():
            m = merged[name]
            m["ok"] += r["ok"]
            for key in ("lat", "status", "failed_at"):
                for k, n in r[key].items():
                    m[key][int(k) if key != "status" else k] += n
    return dict(merged)


def percentile(hist: dict[int, int], q: float) -> float:
    """The ``q`` quantile (0..1) of a {ms: count} histogram; 0 when empty."""
    total = sum(hist.values())
    if not total:
        return 0.0
    rank, seen = q * total, 0
    for ms in sorted(hist):
        seen += hist[ms]
        if seen >= rank:
            return float(ms)
    return float(max(hist))


def step_table(seconds: dict[int, dict], users_at: dict[int, int], p99_bound_ms: float) -> list[dict]:
    """One row per offered user count: admitted encounters/min, p50/p99 of admitted calls,
    RESOURCE_EXHAUSTED and other failures. ``users_at`` maps unix seconds to the user count
    locust reported then. The first third of each step (the ramp into it) is left out."""
    if not seconds or not users_at:
        return []
    stamps = sorted(users_at)
    by_users: dict[int, list[int]] = defaultdict(list)
    for t in range(min(seconds), max(seconds) + 1):
        before = [s for s in stamps if s <= t]
        by_users[users_at[before[-1] if before else stamps[0]]].append(t)
    rows = []
    for users, ts in sorted(by_users.items()):
        if users <= 0:
            continue
        ts = sorted(ts)
        ts = ts[len(ts) // 3:] or ts
        hist: dict[int, int] = defaultdict(int)
        ok, status = 0, defaultdict(int)
        for t in ts:
            b = seconds.get(t)
            if not b:
                continue
            ok += b["ok"]
            for ms, n in b["lat"].items():
                hist[ms] += n
            for code, n in b["status"].items():
                status[code] += n
        span = max(1, len(ts))
        shed = status.pop("RESOURCE_EXHAUSTED", 0)
        p99 = percentile(hist, 0.99)
        rows.append({"users": users, "seconds": span, "encounters_per_min": round(ok / span * 60, 1),
                     "p50_ms": percentile(hist, 0.5), "p99_ms": p99, "resource_exhausted": shed,
                     "other_errors": sum(status.values()), "other_errors_by_status": dict(status),
                     "within_bound": p99 <= p99_bound_ms and not status and ok > 0})
    return rows
