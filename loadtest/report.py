"""Turn locust's CSV output into the SRE report: summary.json, PNG charts and one self-contained
HTML page (charts embedded), with encounters/minute, p50/p95/p99 over time per RPC, and errors by
status code. The ceiling finder's steps are read from the same history."""
from __future__ import annotations

import base64
import csv
import html
import json
import re
from collections import defaultdict
from pathlib import Path

from loadtest import events
from loadtest.events import ENCOUNTER_NAMES
_STATUS = re.compile(r"GrpcStatus\('?([A-Z_]+)'?\)")


def _rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _f(value, default=0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def summarize(prefix: Path, *, backend: str, device: str, baseline: dict | None = None,
              p99_bound_ms: float = 1000.0, ceiling: bool = False, events_dir: Path | None = None) -> dict:
    """The numbers SREs quote, from ``<prefix>_stats.csv`` / ``_stats_history.csv`` / ``_failures.csv``
    and, for the per-step table, the users' per-second call records in ``events_dir``."""
    stats = {r["Name"]: r for r in _rows(Path(f"{prefix}_stats.csv"))}
    history = _rows(Path(f"{prefix}_stats_history.csv"))
    times = sorted({int(_f(r["Timestamp"])) for r in history}) or [0, 1]
    duration_s = max(1, times[-1] - times[0])
    enc_ok = sum(int(_f(stats[n]["Request Count"])) - int(_f(stats[n]["Failure Count"]))
                 for n in ENCOUNTER_NAMES if n in stats)
    agg = stats.get("Aggregated", {})
    errors: dict[str, int] = defaultdict(int)
    for r in _rows(Path(f"{prefix}_failures.csv")):
        m = _STATUS.search(r.get("Error", ""))
        errors[m.group(1) if m else "OTHER"] += int(_f(r.get("Occurrences")))
    per_rpc = {name: {"requests": int(_f(r["Request Count"])), "failures": int(_f(r["Failure Count"])),
                      "p50_ms": _f(r.get("50%")), "p95_ms": _f(r.get("95%")), "p99_ms": _f(r.get("99%")),
                      "rps": _f(r.get("Requests/s"))}
               for name, r in stats.items() if name != "Aggregated"}
    enc_p = _encounter_percentiles(stats)
    out = {
        "encounters_per_min": round(enc_ok / duration_s * 60, 1),
        "p50_ms": enc_p[0], "p95_ms": enc_p[1], "p99_ms": enc_p[2],
        "errors_by_status": dict(errors),
        "requests": int(_f(agg.get("Request Count"))), "failures": int(_f(agg.get("Failure Count"))),
        "duration_s": duration_s, "backend": backend, "device": device, "per_rpc": per_rpc,
        "steps": _steps(history, p99_bound_ms, events_dir),
    }
    if ceiling:   # steady runs also pass through user counts while spawning: no ceiling from those
        ok_steps = [s for s in out["steps"] if s["within_bound"]]
        out["ceiling_encounters_per_min"] = max((s["encounters_per_min"] for s in ok_steps), default=None)
        shed = [s["users"] for s in out["steps"] if s["resource_exhausted"]]
        out["first_shedding_users"] = min(shed) if shed else None
    else:
        out["steps"] = []
    out.update(offered_and_admitted(stats, duration_s, events_dir))
    out["model_only_per_min"] = baseline.get("encounters_per_min") if baseline else None
    out["efficiency"] = None
    if baseline:
        out["baseline"] = baseline
        # end-to-end over model-only; a ceiling run compares its best sustained step
        e2e = out.get("ceiling_encounters_per_min") if ceiling else out["encounters_per_min"]
        if baseline.get("encounters_per_min") and e2e:
            out["efficiency"] = round(e2e / baseline["encounters_per_min"], 3)
    return out


RETRYABLE = ("RESOURCE_EXHAUSTED", "UNAVAILABLE")


def offered_and_admitted(stats: dict, duration_s: int, events_dir: Path | None) -> dict:
    """What users asked for, what was served, and how fast the served calls were, kept apart.

    ``offered``: calls the users started per minute (a call retried inside gRPC counts once, a
    stream's items one by one) and the encounters in them; ``goodput_encounters_per_min``: encounters coded; ``admitted``: p50/p95/p99
    of the calls that succeeded, per RPC (a stream's items one by one), retries' backoff included;
    ``failed_past_retry_budget``: calls that still failed with a retryable status after the SDK's
    retries (attempts spent, budget exhausted, or the deadline); ``failed_other``: the rest."""
    calls = {n: int(_f(r["Request Count"])) for n, r in stats.items() if n != "Aggregated"}
    per_min = 60 / max(1, duration_s)
    out = {"offered": {"calls_per_min": round(sum(calls.values()) * per_min, 1),
                       "encounters_per_min": round(sum(calls.get(n, 0) for n in ENCOUNTER_NAMES) * per_min, 1)},
           "admitted": {}, "failed_past_retry_budget": {}, "failed_other": {}}
    rpcs = events.load_rpcs(events_dir) if events_dir and Path(events_dir).is_dir() else {}
    past, other = defaultdict(int), defaultdict(int)
    for name, r in sorted(rpcs.items()):
        out["admitted"][name] = {"calls": r["ok"], "p50_ms": events.percentile(r["lat"], 0.5),
                                 "p95_ms": events.percentile(r["lat"], 0.95),
                                 "p99_ms": events.percentile(r["lat"], 0.99)}
        for code, n in r["status"].items():
            (past if code in RETRYABLE else other)[code] += n
    out["failed_past_retry_budget"], out["failed_other"] = dict(past), dict(other)
    out["goodput_encounters_per_min"] = round(sum(rpcs[n]["ok"] for n in ENCOUNTER_NAMES if n in rpcs) * per_min, 1)
    return out


def failures_after(events_dir: Path, t0_s: float, window_s: float) -> dict[str, int]:
    """Failed calls by RPC that ended within ``window_s`` seconds from unix time ``t0_s``."""
    rpcs = events.load_rpcs(events_dir) if Path(events_dir).is_dir() else {}
    return {name: n for name, r in rpcs.items()
            if (n := sum(c for t, c in r["failed_at"].items() if int(t0_s) <= t < t0_s + window_s))}


def _encounter_percentiles(stats) -> tuple[float, float, float]:
    """Request-weighted percentiles over the encounter RPCs (locust keeps them per name)."""
    rows = [stats[n] for n in ENCOUNTER_NAMES if n in stats and _f(stats[n]["Request Count"]) > 0]
    if not rows:
        return 0.0, 0.0, 0.0
    total = sum(_f(r["Request Count"]) for r in rows)
    return tuple(round(sum(_f(r[k]) * _f(r["Request Count"]) for r in rows) / total, 1) for k in ("50%", "95%", "99%"))


def _steps(history: list[dict], p99_bound_ms: float, events_dir: Path | None) -> list[dict]:
    """Per user-count step: admitted encounters/minute, p50/p99 of admitted calls and calls shed
    with RESOURCE_EXHAUSTED, from the users' own records; locust's history alone (no p50, failures
    not split by status) when those are missing."""
    seconds = events.load_seconds(events_dir) if events_dir and Path(events_dir).is_dir() else {}
    users_at = {int(_f(r["Timestamp"])): int(_f(r["User Count"])) for r in history if r["Name"] == "Aggregated"}
    if seconds and users_at:
        return events.step_table(seconds, users_at, p99_bound_ms)
    return _history_steps(history, p99_bound_ms)


def _history_steps(history: list[dict], p99_bound_ms: float) -> list[dict]:
    by_step: dict[int, list[dict]] = defaultdict(list)
    for r in history:
        if r["Name"] == "Aggregated":
            by_step[int(_f(r["User Count"]))].append(r)
    enc_rate: dict[int, list[float]] = defaultdict(list)
    for r in history:
        if r["Name"] in ENCOUNTER_NAMES:
            enc_rate[(int(_f(r["Timestamp"])), int(_f(r["User Count"])))].append(_f(r["Requests/s"]) - _f(r["Failures/s"]))
    out = []
    for users, rows in sorted(by_step.items()):
        rows = rows[len(rows) // 3:] or rows   # skip the ramp into the step
        stamps = {int(_f(r["Timestamp"])) for r in rows}
        rates = [sum(v) for (t, u), v in enc_rate.items() if u == users and t in stamps]
        p99 = max((_f(r["99%"]) for r in rows), default=0.0)
        fails = sum(_f(r["Failures/s"]) for r in rows)
        epm = round(sum(rates) / max(1, len(rates)) * 60, 1)
        out.append({"users": users, "encounters_per_min": epm, "p50_ms": None, "p99_ms": p99,
                    "resource_exhausted": None, "other_errors": None, "failures_per_s": round(fails, 3),
                    "within_bound": p99 <= p99_bound_ms and fails == 0 and users > 0})
    return out


def charts(prefix: Path, out_dir: Path) -> list[Path]:
    """throughput.png (encounters/min over time) and latency.png (p50/p95/p99 per RPC over time)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = _rows(Path(f"{prefix}_stats_history.csv"))
    if not history:
        return []
    t0 = min(int(_f(r["Timestamp"])) for r in history)
    series: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for r in history:
        series[r["Name"]].append((int(_f(r["Timestamp"])) - t0, r))
    paths = []
    fig, ax = plt.subplots(figsize=(9, 4))
    per_t: dict[int, float] = defaultdict(float)
    for name in ENCOUNTER_NAMES:
        for t, r in series.get(name, []):
            per_t[t] += (_f(r["Requests/s"]) - _f(r["Failures/s"])) * 60
    ts = sorted(per_t)
    ax.plot(ts, [per_t[t] for t in ts], label="encounters/min")
    users = series.get("Aggregated", [])
    if users:
        ax2 = ax.twinx()
        ax2.plot([t for t, _ in users], [_f(r["User Count"]) for _, r in users], color="grey", ls="--", label="users")
        ax2.set_ylabel("users")
    ax.set_xlabel("seconds"), ax.set_ylabel("encounters / minute"), ax.set_title("Throughput")
    ax.legend(loc="upper left")
    fig.tight_layout()
    paths.append(out_dir / "throughput.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)
    names = [n for n in series if n != "Aggregated"]
    fig, axes = plt.subplots(len(names) or 1, 1, figsize=(9, 2.6 * max(1, len(names))), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        pts = series[name]
        for q in ("50%", "95%", "99%"):
            ax.plot([t for t, _ in pts], [_f(r[q]) for _, r in pts], label=f"p{q[:-1]}")
        ax.set_title(name), ax.set_ylabel("ms"), ax.legend(loc="upper left", fontsize=7)
    axes[-1, 0].set_xlabel("seconds")
    fig.tight_layout()
    paths.append(out_dir / "latency.png")
    fig.savefig(paths[-1], dpi=90)
    plt.close(fig)
    paths.append(_errors_chart(prefix, out_dir / "errors.png", plt))
    return paths


def _errors_chart(prefix: Path, path: Path, plt) -> Path:
    """Failures per RPC, stacked by gRPC status code."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in _rows(Path(f"{prefix}_failures.csv")):
        m = _STATUS.search(r.get("Error", ""))
        counts[r.get("Name", "?")][m.group(1) if m else "OTHER"] += int(_f(r.get("Occurrences")))
    fig, ax = plt.subplots(figsize=(9, 2.8))
    statuses = sorted({s for per in counts.values() for s in per})
    names = sorted(counts)
    bottom = [0] * len(names)
    for status in statuses:
        vals = [counts[n].get(status, 0) for n in names]
        ax.bar(names, vals, bottom=bottom, label=status)
        bottom = [b + v for b, v in zip(bottom, vals)]
    if not names:
        ax.text(0.5, 0.5, "no failed calls", ha="center", va="center", transform=ax.transAxes)
    else:
        ax.legend(fontsize=7)
    ax.set_title("Errors by RPC and status code"), ax.set_ylabel("calls")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def write_html(summary: dict, pngs: list[Path], path: Path) -> None:
    imgs = "".join(f'<h2>{html.escape(p.stem)}</h2><img alt="{html.escape(p.stem)}" '
                   f'src="data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}">' for p in pngs)
    rpc_rows = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{v['requests']}</td><td>{v['failures']}</td><td>{v['p50_ms']:.0f}</td>"
        f"<td>{v['p95_ms']:.0f}</td><td>{v['p99_ms']:.0f}</td></tr>" for n, v in summary["per_rpc"].items())
    step_rows = "".join(f"<tr><td>{s['users']}</td><td>{s['encounters_per_min']:.0f}</td><td>{_ms(s['p50_ms'])}</td>"
                        f"<td>{_ms(s['p99_ms'])}</td><td>{_n(s['resource_exhausted'])}</td><td>{_n(s['other_errors'])}</td>"
                        f"<td>{'yes' if s['within_bound'] else 'no'}</td></tr>" for s in summary["steps"])
    errors = "".join(f"<tr><td>{html.escape(k)}</td><td>{v}</td></tr>" for k, v in summary["errors_by_status"].items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>medcoder load test</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto}}td,th{{padding:2px 10px;text-align:right}}
table{{border-collapse:collapse}}tr:nth-child(even){{background:#f3f3f3}}</style></head><body>
<h1>medcoder load test</h1>
<p><b>{summary['encounters_per_min']:.0f} encounters/minute</b>, p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms
over {summary['duration_s']} s; ceiling {summary.get('ceiling_encounters_per_min')} encounters/minute.</p>
<table>{_facts(summary)}</table>
<h2>Per RPC</h2><table><tr><th>RPC</th><th>requests</th><th>failures</th><th>p50</th><th>p95</th><th>p99</th></tr>{rpc_rows}</table>
<h2>Errors by status</h2><table>{errors or '<tr><td>none</td></tr>'}</table>
<h2>Offered load steps</h2><p>Latency of admitted calls only; calls refused by admission control are counted as
RESOURCE_EXHAUSTED (each user pauses {html.escape(str(summary.get('backoff_s', '')))} s after one, as the status asks).</p>
<table><tr><th>users</th><th>admitted enc/min</th><th>p50 ms</th><th>p99 ms</th><th>RESOURCE_EXHAUSTED</th>
<th>other errors</th><th>within bound</th></tr>{step_rows}</table>
{imgs}
<h2>summary.json</h2><pre>{html.escape(json.dumps(summary, indent=2))}</pre></body></html>"""
    path.write_text(page)


def _ms(v) -> str:
    return "-" if v is None else f"{v:.0f}"


def _n(v) -> str:
    return "-" if v is None else str(v)


_FACTS = (("model-only encounters/minute (same notes, no gRPC)", "model_only_per_min"),
          ("efficiency (end-to-end / model-only)", "efficiency"), ("backend", "backend"), ("device", "device"),
          ("gateway CPUs (also the baseline's)", "gateway_cpus"), ("load generator CPUs", "loadgen_cpus"),
          ("gateway processes", "workers"), ("notes, mean words", "note_words_mean"), ("what limits it", "limits"))


def _facts(summary: dict) -> str:
    return "".join(f"<tr><th style='text-align:left'>{html.escape(label)}</th><td style='text-align:left'>"
                   f"{html.escape(str(summary.get(key)))}</td></tr>" for label, key in _FACTS if key in summary)


def summary_line(s: dict) -> str:
    line = (f"encounters/min {s['encounters_per_min']:.0f}  p50 {s['p50_ms']:.0f} ms  p99 {s['p99_ms']:.0f} ms  "
            f"errors {sum(s['errors_by_status'].values())} {dict(s['errors_by_status'])}")
    if s.get("offered"):
        line += (f"\noffered {s['offered']['calls_per_min']:.0f} calls/min ({s['offered']['encounters_per_min']:.0f} "
                 f"encounters/min)  goodput {s.get('goodput_encounters_per_min', 0):.0f} encounters/min  "
                 f"failed past the retry budget {sum(s['failed_past_retry_budget'].values())} "
                 f"{s['failed_past_retry_budget']}  other failures {s['failed_other']}")
        line += "".join(f"\n  admitted {name}: {a['calls']} calls  p50 {a['p50_ms']:.0f} ms  p95 {a['p95_ms']:.0f} ms  "
                        f"p99 {a['p99_ms']:.0f} ms" for name, a in s.get("admitted", {}).items() if a["calls"])
    if s.get("replica_kill"):
        k = s["replica_kill"]
        line += (f"\nreplica kill at {k['at_s']:.0f} s: in flight on it {k['inflight_at_kill']}, calls failed in "
                 f"the {k['window_s']:.0f} s after {k['failed_after_kill']} {k['failed_by_rpc']} "
                 f"{k.get('failed_by_status', {})}; "
                 f"goodput before {k['goodput_before_per_min']:.0f}/min, after {k['goodput_after_per_min']:.0f}/min")
    if s.get("ceiling_encounters_per_min") is not None:
        line += f"  ceiling {s['ceiling_encounters_per_min']:.0f}/min"
    if s.get("model_only_per_min") is not None:
        line += f"  model-only {s['model_only_per_min']:.0f}/min"
    if s.get("efficiency") is not None:
        line += f"  efficiency {s['efficiency']:.2f}"
    line += (f"  gateway_cpus {s.get('gateway_cpus')}  loadgen_cpus {s.get('loadgen_cpus')}"
             f"  backend {s.get('backend')}  device {s.get('device')}")
    return line
