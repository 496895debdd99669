"""`make loadtest`: start (or target) a gateway, measure the in-process baseline on the same notes,
run locust headless, and write the report (CSV, summary.json, PNG charts, self-contained HTML).

    python -m loadtest.run --duration 30s --users 32            # steady load
    python -m loadtest.run --ceiling --step-users 2,4,8,16,32   # ceiling finder
    python -m loadtest.run --target 127.0.0.1:50051 --web       # locust web UI against a running gateway

Only loopback targets are accepted: load is never sent anywhere else.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from loadtest import report
from loadtest.workload import load_notes

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "loadtest" / "results"
_SERVING = re.compile(r"SERVING on ([\d.]+):(\d+)")


def _args(argv):
    p = argparse.ArgumentParser(prog="loadtest", description=__doc__.split("\n\n")[0])
    p.add_argument("--target", help="host:port of a running gateway (loopback only); default: start one")
    p.add_argument("--duration", default="30s", help="locust run time (steady mode), e.g. 30s, 2m")
    p.add_argument("--users", type=int, default=32)
    p.add_argument("--spawn-rate", type=float, default=8)
    p.add_argument("--ceiling", action="store_true", help="raise load stepwise and report the highest sustained rate")
    p.add_argument("--step-users", default="2,4,8,16,32,64")
    p.add_argument("--step-s", type=float, default=20)
    p.add_argument("--p99-bound-ms", type=float, default=1000)
    p.add_argument("--notes", type=Path, default=None, help="folder of .txt notes (default: CodiEsp background)")
    p.add_argument("--weights", default="", help='e.g. "text=6,fhir=2,hl7=1,stream=1,claim=2"')
    p.add_argument("--baseline-s", type=float, default=10, help="seconds of in-process baseline (0 = skip)")
    p.add_argument("--max-inflight", type=int, default=None, help="gateway admission limit (when we start it)")
    p.add_argument("--workers", type=int, default=1, help="gateway processes (when we start it)")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--web", action="store_true", help="open locust's web UI instead of running headless")
    return p.parse_args(argv)


def _check_loopback(target: str) -> None:
    host = target.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"loadtest: refusing non-loopback target {host}: load tests run against 127.0.0.1 only")


def device_name() -> str:
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu: {model} x{os.cpu_count()} ({platform.machine()})"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(log_path: Path, max_inflight: int | None, workers: int = 1):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MEDCODER_REVIEW_PORT": "0"}
    if max_inflight:
        env["MEDCODER_MAX_INFLIGHT"] = str(max_inflight)
    port = str(_free_port()) if workers > 1 else "0"
    with open(log_path, "wb") as log:   # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "client.cli", "serve", "--port", port, "--workers", str(workers)],
                                cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = _SERVING.findall(log_path.read_text(errors="replace"))
        if len(found) >= workers:
            return proc, f"{found[0][0]}:{found[0][1]}"
        if proc.poll() is not None:
            raise SystemExit(f"loadtest: gateway exited ({proc.returncode}); see {log_path}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("loadtest: gateway did not become SERVING")


def in_process_baseline(notes: list[str], seconds: float) -> dict:
    """The same notes coded in this process with no gRPC: the ceiling the gateway is measured against."""
    from server.config import load_config
    from server.domain import Setting
    from server.engine import Engine

    engine = Engine(load_config(), with_review_log=False)
    engine.code(notes[0].encode())
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        engine.code(notes[n % len(notes)].encode(), setting=Setting.INPATIENT)
        n += 1
    elapsed = time.perf_counter() - t0
    return {"what": "in-process pipeline, same notes, no gRPC, 1 thread",
            "encounters_per_min": round(n / elapsed * 60, 1), "documents": n, "seconds": round(elapsed, 2)}


def run_locust(args, target: str, prefix: Path) -> int:
    env = {**os.environ, "MEDCODER_LT_WEIGHTS": args.weights, "PYTHONPATH": str(REPO)}
    if args.notes:
        env["MEDCODER_LT_NOTES"] = str(args.notes)
    cmd = [sys.executable, "-m", "locust", "-f", str(REPO / "loadtest" / "locustfile.py"), "--host", target,
           "--csv", str(prefix), "--csv-full-history", "--html", str(prefix.parent / "locust.html"),
           "--stop-timeout", "10"]
    if args.ceiling:
        steps = [int(x) for x in args.step_users.split(",")]
        env.update(MEDCODER_LT_SHAPE="ceiling", MEDCODER_LT_STEP_USERS=args.step_users, MEDCODER_LT_STEP_S=str(args.step_s))
        cmd += ["--headless", "--only-summary", "-t", f"{int(len(steps) * args.step_s) + 5}s"]
    elif args.web:
        cmd += ["--web-host", "127.0.0.1", "-u", str(args.users), "-r", str(args.spawn_rate)]
    else:
        cmd += ["--headless", "--only-summary", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration]
    return subprocess.run(cmd, cwd=REPO, env=env).returncode


def main(argv=None) -> int:
    args = _args(argv)
    out = args.out or RESULTS / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    proc = None
    if args.target:
        _check_loopback(args.target)
        target = args.target
    else:
        proc, target = start_gateway(out / "gateway.log", args.max_inflight, args.workers)
    try:
        notes = load_notes(args.notes)
        baseline = in_process_baseline(notes, args.baseline_s) if args.baseline_s > 0 else None
        rc = run_locust(args, target, out / "locust")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    summary = report.summarize(out / "locust", backend="embedded", device=device_name(), baseline=baseline,
                               p99_bound_ms=args.p99_bound_ms, ceiling=args.ceiling)
    summary["workers"] = args.workers
    summary["users"] = args.users if not args.ceiling else args.step_users
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    pngs = report.charts(out / "locust", out)
    report.write_html(summary, pngs, out / "report.html")
    latest = RESULTS / "latest"
    if out.resolve() != latest.resolve():
        shutil.rmtree(latest, ignore_errors=True)
        shutil.copytree(out, latest)
    print(report.summary_line(summary))
    print(f"report: {out / 'report.html'}")
    return 0 if rc in (0, 1) else rc   # locust exits 1 when any request failed; the report says which


if __name__ == "__main__":
    sys.exit(main())
