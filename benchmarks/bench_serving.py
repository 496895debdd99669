"""Serving the code linker, on CodiEsp background notes of about 400 words, in one run:

  model-only     ONNX Runtime session run directly on the phrases the pipeline sends for the notes
  embedded       the gateway over gRPC, linker on, embedded backend (one batching queue)
  triton         the gateway over gRPC, linker on, Triton from the pip wheel (Python backend)

each as encounters/minute with p50/p99 latency from ``--clients`` concurrent gRPC clients, then the
ratios (embedded/model-only, triton/embedded), cold start to SERVING, and an overload run (far more
concurrent calls than ``max_inflight``): refusals must be fast and admitted calls' p99 bounded.

Every request of a gateway run is a note that run has not sent before (the gateway keeps recent
phrase embeddings, so a note sent twice would cost it almost no model work); the share of phrases
answered from that cache is printed. Model-only embeds every phrase of ``--model-notes`` notes,
no cache: it is the model's cost of a note never seen.

    python -m benchmarks.bench_serving [--notes 400] [--clients 8] [--seconds 8]

Clients, gateway and Triton share this machine's cores; figures are for comparison within a run.
Throughput moves with whatever else the machine runs, so each run also prints the CPU time one
encounter cost (model-only: this process during its loop; a gateway: the gateway process and
everything it started, Triton included, over the measured window) and the same ratio on that.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_SERVING = re.compile(r"SERVING on ([\d.]+):(\d+)")
_METRICS = re.compile(r"metrics on (http://\S+)")


def _background_dir() -> Path:
    shared = Path(os.environ.get("MEDCODER_SHARED_DATA", REPO.parent / "shared" / "data"))
    return shared / "codiesp" / "background" / "text_files_en"


def _notes(n: int) -> list[str]:
    """The first ``n`` background notes (sorted names) of 300-500 words."""
    out = []
    for p in sorted(_background_dir().glob("*.txt")):
        text = p.read_text(encoding="utf-8")
        if 300 <= len(text.split()) <= 500:
            out.append(text)
        if len(out) == n:
            break
    return out


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


# -- model only --------------------------------------------------------------------------------

def phrase_batches(notes: list[str]):
    """What the gateway's model stage sends per note: the phrase lists ``linker.link`` receives,
    tokenised into the PhraseEmbedder's buckets."""
    from rules_native.codesets import load_icd10cm, load_icd10pcs
    from server.backends import EmbeddedBackend
    from server.domain import Document, Setting
    from server.models import CodeLinker, default_model_dir
    from server.pipeline import Pipeline

    d = default_model_dir()
    backend = EmbeddedBackend(d / "1" / "model.onnx")
    linker, sent = CodeLinker.load(d, backend=backend), []

    class Spy:
        """The pipeline's one model call per note (``embed_mentions``), recorded."""

        def embed_mentions(self, phrases):
            sent[-1].append(list(phrases))
            return linker.embed_mentions(phrases)

        def __getattr__(self, name):   # index, nearest_codes: the linker's own
            return getattr(linker, name)

    pipe = Pipeline(load_icd10cm(), load_icd10pcs(), linker=Spy())
    for i, text in enumerate(notes):
        sent.append([])
        pipe.code(Document(f"b{i}", text, setting=Setting.OUTPATIENT))
    backend.close()
    batches = [[(ids, mask) for _, ids, mask in linker.encoder.tokenize(p).values()] for calls in sent for p in calls]
    return batches, sum(len(p) for calls in sent for p in calls)


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process and everything it started (Triton and its stubs)."""
    from loadtest.cpus import process, tree_cpu_s

    return tree_cpu_s(process(pid))


def model_only(notes: list[str], seconds: float) -> tuple[float, int, float]:
    """(encounters/minute, phrases, CPU ms per encounter) of the bare ONNX Runtime session (one
    session, threads = cores), the better of ORT's default (idle threads spin) and no spinning
    (what the embedded backend uses), each for half of ``seconds``."""
    import onnxruntime as ort

    from server.models import default_model_dir

    per_note, n_phrases = phrase_batches(notes)
    best = (0.0, 0.0)
    for spin in ("1", "0"):
        so = ort.SessionOptions()
        so.intra_op_num_threads = os.cpu_count() or 1
        so.add_session_config_entry("session.intra_op.allow_spinning", spin)
        session = ort.InferenceSession(str(default_model_dir() / "1" / "model.onnx"), so,
                                       providers=["CPUExecutionProvider"])
        done, t0, c0 = 0, time.perf_counter(), _cpu_s(os.getpid())
        while time.perf_counter() - t0 < seconds / 2 or done < len(notes):
            for ids, mask in per_note[done % len(per_note)] if per_note else ():
                session.run(["mention_embedding"], {"input_ids": ids, "attention_mask": mask})
            done += 1
        best = max(best, (done / (time.perf_counter() - t0) * 60, (_cpu_s(os.getpid()) - c0) / done * 1e3))
    return best[0], n_phrases, best[1]


# -- gateways ----------------------------------------------------------------------------------

class Gateway:
    def __init__(self, name: str, env: dict[str, str], tmp: Path):
        import grpc
        from grpc_health.v1 import health_pb2, health_pb2_grpc

        self.name, self.log_path = name, tmp / f"{name}.log"
        env = {**os.environ, "MEDCODER_DATA_DIR": str(tmp / name), "MEDCODER_METRICS_PORT": "0",
               "MEDCODER_REVIEW_PORT": "0", "PYTHONUNBUFFERED": "1", **env}
        t0 = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0"],
                                         cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        while not (m := _SERVING.search(self.log_path.read_text(errors="replace"))):
            if self.proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError(f"{name} gateway did not start; see {self.log_path}")
            time.sleep(0.05)
        self.target = f"{m.group(1)}:{m.group(2)}"
        self.metrics_url = (u.group(1) if (u := _METRICS.search(self.log_path.read_text(errors="replace")))
                            else None)
        with grpc.insecure_channel(self.target) as ch:
            status = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10).status
        assert status == health_pb2.HealthCheckResponse.SERVING
        self.cold_start_s = time.perf_counter() - t0

    def metric(self, name: str) -> float:
        """A counter's value from the gateway's /metrics (0 when absent)."""
        import urllib.request

        if not self.metrics_url:
            return 0.0
        with urllib.request.urlopen(self.metrics_url, timeout=10) as r:
            text = r.read().decode()
        m = re.search(rf"^{re.escape(name)} ([\d.e+-]+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _request(text: str):
    from client.contract import pb

    return pb.CodeEncounterRequest(document=pb.Document(content=text.encode()))


class Feed:
    """Requests in order, each once (a shared cursor over the notes for all client threads)."""

    def __init__(self, notes: list[str]):
        self.requests, self._next, self._lock = [_request(t) for t in notes], 0, threading.Lock()

    @property
    def sent(self) -> int:
        return self._next

    def take(self):
        with self._lock:
            i, self._next = self._next, self._next + 1
        return self.requests[i % len(self.requests)]


def load(target: str, feed: Feed, clients: int, seconds: float) -> tuple[float, float, float, int]:
    """(encounters/minute, p50 ms, p99 ms, errors): ``clients`` threads, each its own channel,
    coding the feed's next note for ``seconds``."""
    import grpc

    from client.contract import pb_grpc

    lat, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(k: int) -> None:
        with grpc.insecure_channel(target) as ch:
            stub = pb_grpc.CodingServiceStub(ch)
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    stub.CodeEncounter(feed.take(), timeout=60)
                    with lock:
                        lat.append((time.perf_counter() - t) * 1e3)
                except grpc.RpcError:
                    errors[0] += 1

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - t0
    return len(lat) / wall * 60, _pct(lat, 0.5), _pct(lat, 0.99), errors[0]


def overload(target: str, notes: list[str], calls: int) -> dict[str, float]:
    """``calls`` concurrent CodeEncounter calls at once (async futures on one channel)."""
    import grpc

    from client.contract import pb_grpc

    with grpc.insecure_channel(target) as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        stub.CodeEncounter(_request(notes[0]), timeout=60)
        starts, futures = [], []
        for i in range(calls):
            starts.append(time.perf_counter())
            futures.append(stub.CodeEncounter.future(_request(notes[i % len(notes)]), timeout=60))
        ok, refused = [], []
        done_at = {}
        for i, f in enumerate(futures):
            f.add_done_callback(lambda _f, i=i: done_at.setdefault(i, time.perf_counter()))
        for i, f in enumerate(futures):
            try:
                f.result()
                code = grpc.StatusCode.OK
            except grpc.RpcError as e:
                code = e.code()
            ms = (done_at.get(i, time.perf_counter()) - starts[i]) * 1e3
            (ok if code is grpc.StatusCode.OK else refused if code is grpc.StatusCode.RESOURCE_EXHAUSTED
             else []).append(ms)
    return {"admitted": len(ok), "refused": len(refused), "refused_p50_ms": _pct(refused, 0.5),
            "refused_p99_ms": _pct(refused, 0.99), "admitted_p99_ms": _pct(ok, 0.99)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=400, help="distinct notes; each gateway run sends each once at most")
    ap.add_argument("--model-notes", type=int, default=40, help="notes whose phrases the model-only run embeds")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--overload-calls", type=int, default=256)
    ap.add_argument("--max-inflight", type=int, default=8, help="admission limit for the overload run")
    args = ap.parse_args(argv if argv is not None else [])
    if not _background_dir().is_dir():
        print(f"skipped: CodiEsp background notes not found at {_background_dir()}")
        return
    notes = _notes(args.notes)
    try:
        import pytriton  # noqa: F401
        import tritonclient.grpc  # noqa: F401
        with_triton = True
    except ImportError:
        with_triton = False
    words = statistics.mean(len(t.split()) for t in notes)
    model_epm, n_phrases, model_cpu = model_only(notes[:args.model_notes], args.seconds)
    print(f"{len(notes)} CodiEsp background notes, {words:.0f} words on average, "
          f"{n_phrases / min(len(notes), args.model_notes):.1f} phrases/note to the model; {args.clients} gRPC clients, "
          f"{args.seconds:.0f} s per run, {os.cpu_count()} cores shared by clients, gateway and Triton")
    print(f"{'run':<12} {'enc/min':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'cold start s':>12} "
          f"{'phrase cache hits':>17} {'CPU ms/enc':>10}")
    print(f"{'model-only':<12} {model_epm:>9.0f} {'':>8} {'':>8} {'':>6} {'':>12} {'(no cache)':>17} {model_cpu:>10.0f}")
    rows, cpu = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        variants = [("embedded", {"MEDCODER_BACKEND": "embedded"})]
        if with_triton:
            variants.append(("triton", {"MEDCODER_BACKEND": "triton"}))
        for name, env in variants:
            gw, feed = Gateway(name, {"MEDCODER_LINKER": "1", **env}, Path(tmp)), Feed(notes)
            try:
                load(gw.target, feed, args.clients, 1.0)   # warm the channels (and the cache, as in service)
                lookups, hits = gw.metric("medcoder_phrase_cache_lookups_total"), gw.metric("medcoder_phrase_cache_hits_total")
                sent, c0 = feed.sent, _cpu_s(gw.proc.pid)
                rows[name] = load(gw.target, feed, args.clients, args.seconds)
                cpu[name] = (_cpu_s(gw.proc.pid) - c0) / max(1, feed.sent - sent) * 1e3
                lookups = gw.metric("medcoder_phrase_cache_lookups_total") - lookups
                hit_rate = (gw.metric("medcoder_phrase_cache_hits_total") - hits) / lookups if lookups else 0.0
            finally:
                gw.stop()
            epm, p50, p99, errors = rows[name]
            repeats = " (notes repeated: raise --notes)" if feed.sent > len(notes) else ""
            print(f"{name:<12} {epm:>9.0f} {p50:>8.1f} {p99:>8.1f} {errors:>6} {gw.cold_start_s:>12.1f} "
                  f"{hit_rate:>17.0%} {cpu[name]:>10.0f}{repeats}")
        print(f"ratio embedded/model-only: {rows['embedded'][0] / model_epm:.2f} "
              f"(CPU per encounter, model-only/embedded: {model_cpu / cpu['embedded']:.2f})")
        if "triton" in rows:
            print(f"ratio triton/embedded:     {rows['triton'][0] / rows['embedded'][0]:.2f} "
                  f"(CPU per encounter, embedded/triton: {cpu['embedded'] / cpu['triton']:.2f})")
        else:
            print("triton: skipped (install the 'triton' extra)")
        gw = Gateway("overload", {"MEDCODER_LINKER": "1", "MEDCODER_MAX_INFLIGHT": str(args.max_inflight)}, Path(tmp))
        try:
            o = overload(gw.target, notes, args.overload_calls)
        finally:
            gw.stop()
    print(f"overload: {args.overload_calls} concurrent calls, max_inflight {args.max_inflight} (embedded): "
          f"{o['admitted']} admitted (p99 {o['admitted_p99_ms']:.0f} ms), {o['refused']} RESOURCE_EXHAUSTED "
          f"(p50 {o['refused_p50_ms']:.1f} ms, p99 {o['refused_p99_ms']:.1f} ms)")


if __name__ == "__main__":
    main(sys.argv[1:])
