"""`make loadtest`: start (or target) a gateway pinned to its own CPUs, measure the model-only
ceiling on those same CPUs (same notes, same task mix, same worker threads, no gRPC), run locust
headless on the other CPUs, and write the report (CSV, summary.json, PNG charts, one HTML page).

    python -m loadtest.run --duration 30s --users 32            # steady load
    python -m loadtest.run --ceiling --step-users 2,4,8,16,32   # ceiling finder
    python -m loadtest.run --gateway-cpus 0 --locust-cpus 1     # the 2-core default, spelled out
    python -m loadtest.run --target 127.0.0.1:50051 --web       # locust web UI against a running gateway
    python -m loadtest.run --replicas 2 --kill-replica-at 30 --duration 60s   # SIGKILL one replica mid-run

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
import threading
import time
import urllib.request
from pathlib import Path

from loadtest import cpus as cpu_sets
from loadtest import report
from loadtest.events import load_seconds
from loadtest.replicas import ReplicaGroup
from loadtest.workload import DEFAULT_WORDS, load_notes, parse_weights, parse_words

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "loadtest" / "results"
_SERVING = re.compile(r"SERVING on ([\d.]+):(\d+)")
_BACKEND = re.compile(r"SERVING on \S+ \(backend=([\w-]+)")


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
    p.add_argument("--note-words", default="%d-%d" % DEFAULT_WORDS,
                   help="keep notes of this many words (LO-HI, or 'all'); default %(default)s")
    p.add_argument("--weights", default="", help='e.g. "text=6,fhir=2,hl7=1,stream=1,claim=2"')
    p.add_argument("--baseline-s", type=float, default=10, help="seconds of model-only baseline (0 = skip)")
    p.add_argument("--max-inflight", type=int, default=None, help="gateway admission limit (when we start it)")
    p.add_argument("--workers", type=int, default=1, help="gateway processes sharing one port (when we start it)")
    p.add_argument("--replicas", type=int, default=1,
                   help="gateway processes each on its own port, balanced round_robin by the client (when we start them)")
    p.add_argument("--kill-replica-at", type=float, default=None, metavar="S",
                   help="SIGKILL the last replica S seconds into the locust run (needs --replicas >= 2)")
    p.add_argument("--pacing-s", type=float, default=1.0,
                   help="each user starts a task at most once per this many seconds (0: back to back)")
    p.add_argument("--retries", action=argparse.BooleanOptionalAction, default=True,
                   help="the SDK's retry policy for RESOURCE_EXHAUSTED and UNAVAILABLE (client.routing)")
    p.add_argument("--backend", default=None, help="gateway backend (when we start it); default: its config")
    p.add_argument("--gateway-cpus", default="", help="CPUs of the gateway and of the model-only baseline "
                                                      "(taskset syntax); default: the first half")
    p.add_argument("--locust-cpus", "--loadgen-cpus", dest="locust_cpus", default="",
                   help="CPUs of the load generator; default: the other half")
    p.add_argument("--locust-processes", type=int, default=0,
                   help="locust processes (0: one per load-generator CPU)")
    p.add_argument("--backoff-s", type=float, default=0.05,
                   help="a user's pause after a call that failed past the retry budget")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--web", action="store_true", help="open locust's web UI instead of running headless")
    p.add_argument("--tls-ca", type=Path, default=None, help="--target speaks TLS: the CA of its certificate (PEM)")
    p.add_argument("--tls-cert", type=Path, default=None, help="client certificate for an mTLS --target (PEM)")
    p.add_argument("--tls-key", type=Path, default=None, help="its private key (PEM)")
    p.add_argument("--token-file", type=Path, default=None, help="file holding an API key for --target")
    return p.parse_args(argv)


def _check_loopback(target: str) -> None:
    """Every address of ``target`` (one, or a comma-separated replica list) must be loopback."""
    for address in target.split("://", 1)[-1].removeprefix("ipv4:").removeprefix("ipv6:").split(","):
        host = address.strip().rsplit(":", 1)[0].strip("[]")
        if host == "localhost":
            continue
        try:
            if ipaddress.ip_address(host).is_loopback:
                continue
        except ValueError:
            pass
        raise SystemExit(f"loadtest: refusing non-loopback target {host}: load tests run against 127.0.0.1 only")


def device_name() -> str:
    """CPU model and count, and the GPU's name when nvidia-smi answers."""
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    out = f"cpu: {model} x{os.cpu_count()} ({platform.machine()})"
    if shutil.which("nvidia-smi"):
        try:
            gpu = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                                 text=True, timeout=20).stdout.strip().replace("\n", ", ")
        except (OSError, subprocess.TimeoutExpired):
            gpu = ""
        if gpu:
            out += f"; gpu: {gpu}"
    return out


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_env(max_inflight: int | None) -> dict[str, str]:
    """The gateway's environment; the model-only baseline is built from the same one."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MEDCODER_REVIEW_PORT": "0", "MEDCODER_METRICS_PORT": "0"}
    if max_inflight:
        env["MEDCODER_MAX_INFLIGHT"] = str(max_inflight)
    return env


def start_gateway(log_path: Path, env: dict[str, str], workers: int = 1, cpus: set[int] | None = None,
                  backend: str | None = None):
    """Start ``medcoder serve`` (pinned to ``cpus``: its worker processes inherit the set) and wait
    for SERVING; returns (process, target, backend it reports)."""
    port = str(_free_port()) if workers > 1 else "0"
    cmd = [sys.executable, "-m", "server.cli", "serve", "--port", port, "--workers", str(workers)]
    if backend:
        cmd += ["--backend", backend]
    with open(log_path, "wb") as log:   # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=cpu_sets.pinner(cpus) if cpus else None)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        found = _SERVING.findall(text)
        if len(found) >= workers:
            reported = _BACKEND.search(text)
            return proc, f"{found[0][0]}:{found[0][1]}", reported.group(1) if reported else (backend or "unknown")
        if proc.poll() is not None:
            raise SystemExit(f"loadtest: gateway exited ({proc.returncode}); see {log_path}")
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("loadtest: gateway did not become SERVING")


def model_only_baseline(args, env: dict[str, str], cpus: set[int], threads: int | None) -> dict:
    """``loadtest.baseline`` in its own process on the gateway's CPUs (the gateway idle meanwhile):
    the same notes, task mix and worker threads, without gRPC."""
    cmd = [sys.executable, "-m", "loadtest.baseline", "--cpus", cpu_sets.describe(cpus), "--seconds",
           str(args.baseline_s), "--words", args.note_words, "--weights", args.weights]
    if args.notes:
        cmd += ["--notes", str(args.notes)]
    if threads:
        cmd += ["--threads", str(threads)]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=args.baseline_s + 600)
    if proc.returncode != 0:
        raise SystemExit(f"loadtest: model-only baseline failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class CpuUsage:
    """CPU seconds of the gateway's process tree and of the load generator over the locust phase:
    which side was saturated is what limits the figure."""

    def __init__(self, gateway_pid: int | None):
        import resource

        self._resource = resource
        self._gw = cpu_sets.process(gateway_pid)
        self._t0 = time.monotonic()
        self._gw0 = cpu_sets.tree_cpu_s(self._gw)
        self._lg0 = self._children_cpu_s()
        self.wall_s = self.gateway_s = self.loadgen_s = 0.0

    def _children_cpu_s(self) -> float:
        ru = self._resource.getrusage(self._resource.RUSAGE_CHILDREN)   # locust, once waited for
        return ru.ru_utime + ru.ru_stime

    def stop(self) -> None:
        self.wall_s = time.monotonic() - self._t0
        self.gateway_s = cpu_sets.tree_cpu_s(self._gw) - self._gw0 if self._gw is not None else 0.0
        self.loadgen_s = self._children_cpu_s() - self._lg0

    def figures(self, gw_cpus: set[int], lg_cpus: set[int]) -> dict:
        wall = max(self.wall_s, 1e-9)
        return {"wall_s": round(self.wall_s, 1),
                "gateway_cores_busy": round(self.gateway_s / wall, 2) if self._gw is not None else None,
                "gateway_cores": len(gw_cpus), "loadgen_cores_busy": round(self.loadgen_s / wall, 2),
                "loadgen_cores": len(lg_cpus)}


def what_limits(s: dict) -> str:
    """One sentence from the measured figures: which CPU set was saturated, and the serving cost."""
    use = s.get("cpu_used") or {}
    parts = []
    gw_busy, lg_busy = use.get("gateway_cores_busy"), use.get("loadgen_cores_busy")
    if gw_busy is not None:
        full = gw_busy >= 0.9 * use["gateway_cores"]
        parts.append(f"gateway process(es) used {gw_busy:.2f} of {use['gateway_cores']} pinned core(s)"
                     + (" (saturated: the gateway's CPU is the limit)" if full else ""))
        if not full and s.get("workers", 1) < use["gateway_cores"] and gw_busy >= 0.85 * s.get("workers", 1):
            parts.append("one Python process per worker: the GIL caps each near one core (raise --workers)")
    if lg_busy is not None:
        full = lg_busy >= 0.9 * use["loadgen_cores"]
        parts.append(f"load generator used {lg_busy:.2f} of {use['loadgen_cores']} core(s)"
                     + (" (saturated: the load generator is the limit)" if full else ""))
    if s.get("efficiency") is not None:
        parts.append(f"serving (gRPC, protobuf, admission, review queue, thread hand-offs) costs "
                     f"{(1 - s['efficiency']) * 100:.0f}% of the model-only rate")
    return "; ".join(parts)


def run_locust(args, target: str, prefix: Path, cpus: set[int]) -> int:
    env = {**os.environ, "MEDCODER_LT_WEIGHTS": args.weights, "PYTHONPATH": str(REPO),
           "MEDCODER_LT_NOTE_WORDS": args.note_words, "MEDCODER_LT_EVENTS_DIR": str(prefix.parent / "events"),
           "MEDCODER_LT_BACKOFF_S": str(args.backoff_s), "MEDCODER_LT_PACING_S": str(_pacing(args)),
           "MEDCODER_LT_RETRIES": "1" if args.retries else "0"}
    if args.notes:
        env["MEDCODER_LT_NOTES"] = str(args.notes)
    for name, path in (("TLS_CA", args.tls_ca), ("TLS_CERT", args.tls_cert), ("TLS_KEY", args.tls_key),
                       ("TOKEN_FILE", args.token_file)):
        if path is not None:
            env[f"MEDCODER_LT_{name}"] = str(path.resolve())
    cmd = [sys.executable, "-m", "locust", "-f", str(REPO / "loadtest" / "locustfile.py"), "--host", target,
           "--csv", str(prefix), "--csv-full-history", "--html", str(prefix.parent / "locust.html"),
           "--stop-timeout", "10"]
    processes = args.locust_processes or len(cpus)
    if processes > 1 and not args.web:
        cmd += ["--processes", str(processes)]
    if args.ceiling:
        steps = [int(x) for x in args.step_users.split(",")]
        env.update(MEDCODER_LT_SHAPE="ceiling", MEDCODER_LT_STEP_USERS=args.step_users, MEDCODER_LT_STEP_S=str(args.step_s))
        cmd += ["--headless", "--only-summary", "-t", f"{int(len(steps) * args.step_s) + 5}s"]
    elif args.web:
        cmd += ["--web-host", "127.0.0.1", "-u", str(args.users), "-r", str(args.spawn_rate)]
    else:
        cmd += ["--headless", "--only-summary", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.duration]
    return subprocess.run(cmd, cwd=REPO, env=env, preexec_fn=cpu_sets.pinner(cpus)).returncode


def _pacing(args) -> float:
    """A ceiling run offers its step's users back to back (the load is the user count)."""
    return 0.0 if args.ceiling else args.pacing_s


class ReplicaKiller:
    """SIGKILLs replica ``index`` of ``group`` ``at_s`` seconds from now (the locust run's start)
    and keeps what the report needs: when, and how many calls it held in flight."""

    WINDOW_S = 10.0   # failures within this long after the kill are the kill's

    def __init__(self, group: ReplicaGroup, index: int, at_s: float):
        self.group, self.index = group, index
        self.killed_at: float | None = None
        self.inflight = 0
        self._t0 = time.time()
        self._timer = threading.Timer(at_s, self._kill)
        self._timer.daemon = True
        self._timer.start()

    def _kill(self) -> None:
        self.inflight = self.group.kill(self.index)
        self.killed_at = time.time()

    def cancel(self) -> None:
        self._timer.cancel()

    def figures(self, events_dir: Path) -> dict:
        failed = report.failures_after(events_dir, self.killed_at - 1, self.WINDOW_S + 1)
        seconds = load_seconds(events_dir) if events_dir.is_dir() else {}
        k = int(self.killed_at)

        def rate(t0: int, t1: int) -> float:
            return round(sum(seconds.get(t, {}).get("ok", 0) for t in range(t0, t1)) / max(1, t1 - t0) * 60, 1)

        by_status: dict[str, int] = {}   # UNAVAILABLE: the dead replica's calls; RESOURCE_EXHAUSTED: the survivors' shedding
        for t in range(k - 1, k + int(self.WINDOW_S) + 1):
            for code, n in seconds.get(t, {}).get("status", {}).items():
                by_status[code] = by_status.get(code, 0) + n
        return {"at_s": round(self.killed_at - self._t0, 1), "replica": self.index, "inflight_at_kill": self.inflight,
                "window_s": self.WINDOW_S, "failed_after_kill": sum(failed.values()), "failed_by_rpc": failed,
                "failed_by_status": by_status,
                "goodput_before_per_min": rate(k - 10, k), "goodput_after_per_min": rate(k + 2, k + 12)}


def admission_refusals(log_path: Path) -> int | None:
    """Attempts the gateway(s) refused with RESOURCE_EXHAUSTED (retried by the client or not), from
    each live process's /metrics named in the log; None when none answered."""
    total, answered = 0, False
    for url in set(re.findall(r"medcoder metrics on (\S+)", log_path.read_text(errors="replace"))):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                m = re.search(r"^medcoder_admission_rejected(?:_total)? (\S+)$", r.read().decode(), re.M)
        except OSError:   # a killed replica's endpoint is gone with it
            continue
        if m:
            total, answered = total + int(float(m.group(1))), True
    return total if answered else None


def main(argv=None) -> int:
    args = _args(argv)
    try:
        gw_cpus, lg_cpus = cpu_sets.plan_cpus(args.gateway_cpus, args.locust_cpus)
        notes = load_notes(args.notes, words=parse_words(args.note_words))
        parse_weights(args.weights)
    except (ValueError, FileNotFoundError) as e:
        raise SystemExit(f"loadtest: {e}") from e
    out = args.out or RESULTS / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    proc, group, env = None, None, gateway_env(args.max_inflight)
    if args.kill_replica_at is not None and (args.target or args.replicas < 2):
        raise SystemExit("loadtest: --kill-replica-at needs --replicas 2 or more (started here)")
    if args.target:
        _check_loopback(args.target)
        target, backend = args.target, args.backend or "unknown (external gateway)"
    elif args.replicas > 1:
        group = ReplicaGroup.start(args.replicas, out / "gateway.log", env, cwd=REPO,
                                   preexec_fn=cpu_sets.pinner(gw_cpus) if gw_cpus else None,
                                   extra_args=("--backend", args.backend) if args.backend else ())
        proc, target = group.proc, group.target
        reported = _BACKEND.search(group.log())
        backend = reported.group(1) if reported else (args.backend or "unknown")
    else:
        proc, target, backend = start_gateway(out / "gateway.log", env, args.workers, gw_cpus, args.backend)
    killer = None
    try:
        baseline = model_only_baseline(args, env, gw_cpus, None) if args.baseline_s > 0 else None
        usage = CpuUsage(proc.pid if proc else None)
        if args.kill_replica_at is not None:
            killer = ReplicaKiller(group, args.replicas - 1, args.kill_replica_at)
        rc = run_locust(args, target, out / "locust", lg_cpus)
        usage.stop()
        refused = admission_refusals(out / "gateway.log") if proc else None
    finally:
        if killer is not None:
            killer.cancel()
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    summary = report.summarize(out / "locust", backend=backend, device=device_name(), baseline=baseline,
                               p99_bound_ms=args.p99_bound_ms, ceiling=args.ceiling, events_dir=out / "events")
    summary.update(gateway_cpus=cpu_sets.describe(gw_cpus) + ("" if proc else " (baseline only; external gateway)"),
                   loadgen_cpus=cpu_sets.describe(lg_cpus), shared_cpus=bool(gw_cpus & lg_cpus),
                   workers=args.workers, replicas=args.replicas, users=args.users if not args.ceiling else args.step_users,
                   note_words_mean=round(sum(len(n.split()) for n in notes) / len(notes), 1), notes=len(notes),
                   backoff_s=args.backoff_s, pacing_s=_pacing(args), retries=args.retries,
                   attempts_refused_by_admission=refused, cpu_used=usage.figures(gw_cpus, lg_cpus))
    if killer is not None and killer.killed_at is not None:
        summary["replica_kill"] = killer.figures(out / "events")
    summary["limits"] = what_limits(summary)
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
