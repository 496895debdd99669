"""The model-only ceiling: the same work the locust users send, done in-process with no gRPC, on
the gateway's CPU set and with the gateway's number of worker threads.

    python -m loadtest.baseline --cpus 0 --seconds 10 --words 300-500      # prints one JSON object

It runs as its own process so that it can pin itself (before numpy and ONNX Runtime size their
thread pools) and so that nothing of the load generator's process shares its interpreter. The
engine is built from the same ``MEDCODER_*`` environment as the gateway, so when the linker stage is
on (``MEDCODER_LINKER``), the figure includes the ONNX Runtime session running the phrases, and the
time spent in that session is reported on its own (``linker``).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from loadtest import cpus as cpu_sets


def _args(argv):
    p = argparse.ArgumentParser(prog="loadtest.baseline", description=__doc__.split("\n\n")[0])
    p.add_argument("--cpus", default="", help="CPU list to pin to (taskset syntax); default: leave as is")
    p.add_argument("--threads", type=int, default=0, help="worker threads; default: the gateway's worker_threads")
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--notes", type=Path, default=None)
    p.add_argument("--words", default="all", help="note length filter, e.g. 300-500")
    p.add_argument("--weights", default="", help="task weights, as for the locust users")
    return p.parse_args(argv)


class _TimedLinker:
    """Wraps the pipeline's linker to count phrases and the time spent in the model session."""

    def __init__(self, inner):
        self.inner = inner
        self.version = getattr(inner, "version", "code_linker")
        self._lock = threading.Lock()
        self.calls = self.phrases = 0
        self.seconds = 0.0
        self.backend: _TimedBackend | None = None

    def embed_mentions(self, phrases):
        """The one model call per note the pipeline's model stage makes."""
        t0 = time.perf_counter()
        out = self.inner.embed_mentions(phrases)
        dt = time.perf_counter() - t0
        with self._lock:
            self.calls += 1
            self.phrases += len(phrases)
            self.seconds += dt
        return out

    def __getattr__(self, name):   # index, nearest_codes, dim: the linker's own
        return getattr(self.inner, name)


class _TimedBackend:
    """Counts rows and seconds of ``ModelBackend.infer`` (server.backends): the session itself."""

    def __init__(self, backend):
        self._infer = backend.infer
        self._lock = threading.Lock()
        self.rows = 0
        self.seconds = 0.0
        backend.infer = self.infer   # instance attribute: the engine's callers go through it

    def infer(self, input_ids, attention_mask, **kw):
        t0 = time.perf_counter()
        out = self._infer(input_ids, attention_mask, **kw)
        dt = time.perf_counter() - t0
        with self._lock:
            self.rows += len(input_ids)
            self.seconds += dt
        return out


def model_stage_hook(engine) -> _TimedLinker | None:
    """MODEL-STAGE HOOK. When the pipeline's model stage (code linker, ``MEDCODER_LINKER``) is on,
    ``engine.pipeline.linking.linker`` embeds each note's phrases (``embed_mentions``) and ``engine.backend`` is the
    ``server.backends.ModelBackend`` (embedded ONNX Runtime, or Triton) that runs the encoder.
    Wrapping both measures the linker's and the session's share of the model-only figure without
    reaching into either; without a model stage this returns None and the figure is the pipeline's."""
    linking = getattr(getattr(engine, "pipeline", None), "linking", None)
    if linking is None or getattr(linking, "linker", None) is None:
        return None
    timed = _TimedLinker(linking.linker)
    linking.linker = timed
    backend = getattr(engine, "backend", None)
    timed.backend = _TimedBackend(backend) if callable(getattr(backend, "infer", None)) else None
    return timed


def _work(engine, notes, weights, stream_batch, seed, stop, tally):
    from server.claims import parse_claim_dict
    from server.domain import Setting, SourceFormat
    from loadtest.workload import as_fhir, as_hl7, random_claim, task_sequence

    rng = random.Random(seed)
    docs = claims = 0
    stages: dict[str, float] = defaultdict(float)
    for n, task in enumerate(task_sequence(weights, rng)):
        if stop.is_set():
            break
        if task == "claim":
            engine.claims.score(parse_claim_dict(random_claim(rng, f"bl-claim-{seed}-{n}")))
            claims += 1
            continue
        for i in range(stream_batch if task == "stream" else 1):
            note = rng.choice(notes)
            doc_id = f"bl-{seed}-{n}-{i}"
            if task == "fhir":
                enc, _ = engine.code(as_fhir(note, doc_id), fmt=SourceFormat.FHIR, doc_id=doc_id)
            elif task == "hl7":
                enc, _ = engine.code(as_hl7(note, doc_id), fmt=SourceFormat.HL7V2, doc_id=doc_id)
            else:
                enc, _ = engine.code(note.encode(), fmt=SourceFormat.TEXT, doc_id=doc_id, setting=Setting.INPATIENT)
            docs += 1
            for stage, ms in enc.stage_ms.items():
                stages[stage] += ms
    tally.append((docs, claims, stages))


def measure(notes: list[str], seconds: float, threads: int, weights: dict[str, int], stream_batch: int) -> dict:
    """Documents coded per minute by ``threads`` threads sharing one engine for ``seconds``."""
    from server.config import load_config
    from server.engine import Engine

    config = load_config()
    threads = threads or config.worker_threads
    engine = Engine(config, with_review_log=False)
    for note in notes[:3]:   # warm-up: lazy tables, numba caches, the session's first run
        engine.code(note.encode())
    timed = model_stage_hook(engine)
    if timed is not None:
        timed.calls = timed.phrases = 0
        timed.seconds = 0.0
        if timed.backend is not None:
            timed.backend.rows, timed.backend.seconds = 0, 0.0
    stop, tally = threading.Event(), []
    workers = [threading.Thread(target=_work, args=(engine, notes, weights, stream_batch, 1000 + i, stop, tally))
               for i in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - t0
    docs = sum(d for d, _, _ in tally)
    stages: dict[str, float] = defaultdict(float)
    for _, _, st in tally:
        for k, v in st.items():
            stages[k] += v
    out = {"what": f"in-process engine, same notes and task mix, no gRPC, {threads} threads",
           "encounters_per_min": round(docs / elapsed * 60, 1), "documents": docs,
           "claims": sum(c for _, c, _ in tally), "seconds": round(elapsed, 2), "threads": threads,
           "backend": config.backend, "linker": _linker_figures(timed, elapsed),
           "stage_ms_mean": {k: round(v / max(1, docs), 3) for k, v in stages.items()}}
    engine.close()
    return out


def _linker_figures(timed: _TimedLinker | None, elapsed: float) -> dict | None:
    if timed is None:
        return None
    out = {"calls": timed.calls, "phrases": timed.phrases,
           "phrases_per_s_in_linker": round(timed.phrases / timed.seconds, 1) if timed.seconds else None,
           "linker_seconds_per_wall_second": round(timed.seconds / elapsed, 3)}
    b = getattr(timed, "backend", None)
    if b is not None:
        out.update(session_rows=b.rows, session_rows_per_s=round(b.rows / b.seconds, 1) if b.seconds else None,
                   session_seconds_per_wall_second=round(b.seconds / elapsed, 3))
    return out


def main(argv=None) -> int:
    args = _args(argv)
    if args.cpus:
        cpu_sets.pin(cpu_sets.parse(args.cpus))   # before numpy / onnxruntime create thread pools
    from loadtest.workload import STREAM_BATCH, load_notes, parse_weights, parse_words

    notes = load_notes(args.notes, words=parse_words(args.words))
    result = measure(notes, args.seconds, args.threads, parse_weights(args.weights), STREAM_BATCH)
    result["cpus"] = cpu_sets.describe(cpu_sets.available())
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
