"""Prometheus metrics of one gateway process, served as text on ``http://127.0.0.1:<port>/metrics``.

Each ``Metrics`` has its own registry (no process-global state, so tests can run several). Counts
that live elsewhere (calls in flight, admission refusals, the active backend) are read when
scraped, not copied on every change. With ``--workers N`` each process serves its own endpoint on
``metrics_port + i``; scrape them all (docs/serving.md). Labels are RPC names, status codes, stage
and backend names: never anything from a request.

    metrics = Metrics()
    metrics.request("CodeEncounter", "OK", 0.012)
    url = metrics.serve("127.0.0.1", 0)          # http://127.0.0.1:PORT/metrics
"""
from __future__ import annotations

from typing import Callable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

# Seconds: a short note codes in ~10 ms, a long one in ~100 ms; admission refusals in well under 1 ms.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROW_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    def __init__(self):
        self.registry = r = CollectorRegistry()
        self.requests = Counter("medcoder_requests", "gRPC calls by method and final status code",
                                ["rpc", "code"], registry=r)
        self.request_seconds = Histogram("medcoder_request_seconds", "gRPC call latency by method",
                                         ["rpc"], buckets=LATENCY_BUCKETS, registry=r)
        self.stage_seconds = Histogram("medcoder_stage_seconds", "time per pipeline stage of a coded document",
                                       ["stage"], buckets=LATENCY_BUCKETS, registry=r)
        self.backend_calls = Counter("medcoder_backend_calls", "model backend calls by backend and outcome",
                                     ["backend", "outcome"], registry=r)
        self.backend_seconds = Histogram("medcoder_backend_seconds", "model backend call latency",
                                         ["backend"], buckets=LATENCY_BUCKETS, registry=r)
        self.backend_rows = Histogram("medcoder_backend_request_rows", "rows per model backend call",
                                      ["backend"], buckets=ROW_BUCKETS, registry=r)
        self.backend_batch_rows = Histogram(
            "medcoder_backend_batch_rows", "rows per model run after the embedded queue merged callers "
            "(Triton reports its own: nv_inference_exec_count vs nv_inference_count)",
            ["backend"], buckets=ROW_BUCKETS, registry=r)
        self.backend_errors = Counter("medcoder_backend_errors", "failed model backend calls by error type",
                                      ["backend", "error"], registry=r)
        self.fallbacks = Counter("medcoder_backend_fallbacks", "times calls moved from a primary backend "
                                 "to the fallback (or to nothing)", ["primary"], registry=r)
        self.phrase_lookups = Counter("medcoder_phrase_cache_lookups", "phrases the model stage asked to embed",
                                      registry=r)
        self.phrase_hits = Counter("medcoder_phrase_cache_hits", "phrases answered from the embedding cache "
                                   "without a model call", registry=r)
        self._live = _Live()
        r.register(self._live)
        self._http = None

    # -- recorded by the interceptor, the servicer and the backends --

    def request(self, rpc: str, code: str, seconds: float) -> None:
        self.requests.labels(rpc, code).inc()
        self.request_seconds.labels(rpc).observe(seconds)

    def stages(self, stage_ms: dict[str, float]) -> None:
        for stage, ms in stage_ms.items():
            self.stage_seconds.labels(stage).observe(ms / 1e3)

    def backend_call(self, backend: str, rows: int, seconds: float, error: str | None = None) -> None:
        self.backend_calls.labels(backend, "error" if error else "ok").inc()
        self.backend_rows.labels(backend).observe(rows)
        self.backend_seconds.labels(backend).observe(seconds)
        if error:
            self.backend_errors.labels(backend, error).inc()

    def backend_error(self, backend: str, error: str) -> None:
        self.backend_errors.labels(backend, error).inc()

    def backend_batch(self, backend: str, rows: int) -> None:
        self.backend_batch_rows.labels(backend).observe(rows)

    def phrase_cache(self, lookups: int, hits: int) -> None:
        self.phrase_lookups.inc(lookups)
        self.phrase_hits.inc(hits)

    def backend_fallback(self, primary: str) -> None:
        self.fallbacks.labels(primary).inc()

    # -- read at scrape time --

    def watch(self, *, admission=None, backend_names: Callable[[], tuple[str, ...]] | None = None,
              active_backend: Callable[[], str | None] | None = None,
              serving: Callable[[], bool] | None = None) -> None:
        """Where the live values come from (the admission gate, the engine's backend, health)."""
        self._live.admission = admission
        self._live.backend_names = backend_names or self._live.backend_names
        self._live.active_backend = active_backend or self._live.active_backend
        self._live.serving = serving or self._live.serving

    def exposition(self) -> bytes:
        """The text a scrape gets (Prometheus text format 0.0.4)."""
        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> str:
        """Start the HTTP endpoint (daemon thread); returns its URL. ``port`` 0 picks a free one."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        self._http = server
        return f"http://{host}:{server.server_port}/metrics"

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None


class _Live:
    """Values owned by other objects, read when scraped."""

    def __init__(self):
        self.admission = None
        self.backend_names: Callable[[], tuple[str, ...]] = tuple
        self.active_backend: Callable[[], str | None] = lambda: None
        self.serving: Callable[[], bool] = lambda: False

    def collect(self):
        if self.admission is not None:
            yield GaugeMetricFamily("medcoder_inflight", "calls admitted and not yet answered",
                                    value=self.admission.inflight)
            yield GaugeMetricFamily("medcoder_max_inflight", "admission limit (MEDCODER_MAX_INFLIGHT)",
                                    value=self.admission.max_inflight)
            yield CounterMetricFamily("medcoder_admission_rejected", "calls refused with RESOURCE_EXHAUSTED",
                                      value=self.admission.rejected)
        active = self.active_backend()
        g = GaugeMetricFamily("medcoder_backend_active", "1 for the model backend answering calls now "
                              "(backend=\"none\": no model stage, or nothing can answer)", labels=["backend"])
        for name in dict.fromkeys((*self.backend_names(), "none")):
            g.add_metric([name], 1.0 if (active or "none") == name else 0.0)
        yield g
        yield GaugeMetricFamily("medcoder_serving", "1 when health reports SERVING", value=float(self.serving()))
