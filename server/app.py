"""Server assembly: ``create_server`` (tests bind port 0) and ``serve`` (the `medcoder serve` loop).

Health reports NOT_SERVING until the engine is built (its model backend warm) and has coded a
warm-up note, and again during graceful shutdown (SIGTERM/SIGINT), before ``stop(grace)``. The
model backend in use is a health service of its own: ``medcoder.backend.<name>`` is SERVING for
the backend answering calls and NOT_SERVING for the others (``medcoder.backend.triton``
NOT_SERVING and ``medcoder.backend.embedded`` SERVING: the fallback is in use). Prometheus
metrics: ``server.metrics``, on ``config.metrics_port`` (+ worker index).

Review writes are a health service of their own, ``medcoder.review``: NOT_SERVING while the review
database refuses writes (disk full, read-only: ``server.review.storage``) and SERVING again once a
probe write succeeds. The overall status stays SERVING meanwhile, because coding still answers
(encounters go unkept unless ``review_keep_required``): a load balancer keeps sending coding
calls, while a monitor or a client that submits reviews watches ``medcoder.review``. A gateway
without a review log does not register it (a check of it answers NOT_FOUND).

The port is bound exclusively unless ``reuse_port`` (or ``workers`` > 1) asks for SO_REUSEPORT, so
a second server on a taken port fails at start naming it instead of silently sharing it.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from client.contract import SERVICE_NAME, pb_grpc
from server.access import AccessInterceptor, TenantLimits
from server.admission import Admission
from server.config import Config
from server.errors import Unavailable
from server.identity import Identities, reflection_on
from server.interceptors import ErrorInterceptor
from server.metrics import Metrics
from server.review.audit import AccessAudit
from server.servicer import CodingServicer, ServerState
from server.tls import grpc_server_credentials

log = logging.getLogger("medcoder.server")
BACKEND_HEALTH = "medcoder.backend."
MAX_RESPONSE_BYTES = 32 * 1024 * 1024   # a coded 2 MB note echoes its text and its codes' evidence
REVIEW_HEALTH = "medcoder.review"
WARMUP_NOTE = b"Assessment: type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a."


class Running:
    """A started server and what it needs to stop cleanly."""

    def __init__(self, server, port, health_servicer, state, pool, config, metrics=None, admission=None):
        self.server, self.port, self.health, self.state, self.pool, self.config = (
            server, port, health_servicer, state, pool, config)
        self.metrics, self.admission = metrics, admission
        self.servicer: CodingServicer | None = None
        self.metrics_url: str | None = None
        self.identities: Identities | None = None   # -- caller identity and the access audit (server/access.py) --
        self.audit: AccessAudit | None = None
        self.serving = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining = False

    def start_metrics(self, worker: int = 0) -> str | None:
        """The /metrics endpoint on ``config.metrics_host`` (127.0.0.1 unless set; it has no
        authentication): ``metrics_port + worker``, a free port for 0, none for -1. A taken port
        leaves coding up and says so (returns None)."""
        port = self.config.metrics_port
        if self.metrics is None or port < 0:
            return None
        try:
            self.metrics_url = self.metrics.serve(self.config.metrics_host, port + worker if port else 0)
        except OSError as e:
            log.error("metrics endpoint NOT started: cannot bind %s:%d (%s); set MEDCODER_METRICS_PORT",
                      self.config.metrics_host, port + worker, e.strerror or type(e).__name__)
            return None
        return self.metrics_url

    @property
    def backend_name(self) -> str:
        engine = self.state.engine
        return engine.backend_name if engine is not None else "none"

    @property
    def review_url(self) -> str | None:
        """The review page's URL, once ``warm(review_page=True)`` has started it."""
        engine = self.state.engine
        return engine.review.http_url if engine is not None else None

    async def warm(self, engine_factory=None, *, review_page: bool = False) -> float:
        """Build the engine off the event loop, code one note, start its review component (code
        search warm, retention, and with ``review_page`` the review page), then report SERVING."""
        from server.engine import Engine

        t0 = time.perf_counter()
        loop = self._loop = asyncio.get_running_loop()
        factory = engine_factory or (lambda: Engine(self.config, metrics=self.metrics))
        engine = await loop.run_in_executor(self.pool, factory)
        await loop.run_in_executor(self.pool, engine.warm, WARMUP_NOTE)
        await loop.run_in_executor(self.pool, functools.partial(engine.review.start, page=review_page))
        if self.audit is not None:
            self.audit.attach(engine.review.log)
        self.state.engine = engine
        backend = getattr(engine, "backend", None)
        if self.metrics is not None:
            self.metrics.watch(admission=self.admission, serving=lambda: self.serving,
                               backend_names=lambda: getattr(backend, "names", (self.backend_name,)),
                               active_backend=lambda: self.backend_name)
        if hasattr(backend, "add_listener"):
            backend.add_listener(self._backend_switched)
        if engine.review.log is not None:
            engine.review.add_storage_listener(self._review_storage_changed)
            await self._set_review_health(engine.review.storage_ok)
        await self._set_health(self.backend_name)
        return time.perf_counter() - t0

    async def _set_review_health(self, ok: bool) -> None:
        if not self._draining:
            status = health_pb2.HealthCheckResponse
            await self.health.set(REVIEW_HEALTH, status.SERVING if ok else status.NOT_SERVING)

    def _review_storage_changed(self, ok: bool) -> None:
        """Called from a review thread when the review database starts or stops refusing writes."""
        loop = self._loop
        if loop is not None and not loop.is_closed() and not self._draining:
            asyncio.run_coroutine_threadsafe(self._set_review_health(ok), loop)

    async def _set_health(self, active: str | None) -> None:
        """SERVING while some backend answers (or none is needed); per-backend entries as above."""
        backend = getattr(self.state.engine, "backend", None)
        serving = self.state.engine is not None and (backend is None or active not in (None, "none"))
        status = health_pb2.HealthCheckResponse
        if self._draining:
            return
        for name in getattr(backend, "names", (backend.name,) if backend is not None else ()):
            await self.health.set(BACKEND_HEALTH + name, status.SERVING if name == active else status.NOT_SERVING)
        for name in ("", SERVICE_NAME):
            await self.health.set(name, status.SERVING if serving else status.NOT_SERVING)
        self.serving = serving

    async def _stop_work(self, wait_s: float = 2.0) -> None:
        if self.servicer is not None:
            n = self.servicer.cancel_all("the server is shutting down")
            if n:
                log.info("stopping %d call(s) still at work after the grace period", n)
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(None, functools.partial(self.pool.shutdown, wait=True, cancel_futures=True))
        try:
            await asyncio.wait_for(asyncio.shield(done), wait_s)
        except asyncio.TimeoutError:
            log.warning("worker threads still busy %.1f s after being told to stop", wait_s)

    def _backend_switched(self, active: str | None) -> None:
        """Called from the backend's thread on failover and recovery."""
        loop = self._loop
        if loop is not None and not loop.is_closed() and not self._draining:
            asyncio.run_coroutine_threadsafe(self._set_health(active), loop)

    async def stop(self) -> None:
        """Drain: NOT_SERVING, calls in flight get ``grace_s`` to finish, then the work still
        running is told to stop (it does at its next checkpoint, milliseconds) and is waited for,
        so the process exits within its grace period instead of coding on unseen."""
        self.serving, self._draining = False, True
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.config.grace_s)
        await self._stop_work()
        if self.audit is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.audit.close)
        if self.state.engine is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.state.engine.review.stop, self.config.grace_s)
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.state.engine is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.state.engine.close)
        if self.metrics is not None:
            self.metrics.stop()


class PortTaken(Unavailable):
    """The gRPC port cannot be bound (another process holds it, without SO_REUSEPORT sharing)."""


async def create_server(config: Config) -> Running:
    """Bind and start the gRPC server (NOT_SERVING until ``warm``). ``config.port`` 0 picks a free port."""
    options = [("grpc.max_receive_message_length", config.receive_message_bytes),
               ("grpc.max_send_message_length", MAX_RESPONSE_BYTES),
               ("grpc.so_reuseport", int(config.reuse_port or config.workers > 1))]
    metrics = Metrics()
    identities, audit = Identities.from_config(config), AccessAudit()
    reflect = reflection_on(config, identities)
    access = AccessInterceptor(identities, TenantLimits(config.tenant_rate_per_s, config.tenant_max_inflight),
                               audit, reflection=reflect)
    server = grpc.aio.server(interceptors=[ErrorInterceptor(metrics), access], options=options)
    pool = ThreadPoolExecutor(max_workers=config.worker_threads, thread_name_prefix="medcoder-work")
    state = ServerState()
    admission = Admission(config.max_inflight, config.max_queue_wait_ms / 1000, config.admission_latency_ms / 1000)
    metrics.watch(admission=admission)
    servicer = CodingServicer(state, admission, pool, config.worker_threads, metrics,
                              call_cpu_budget_s=config.call_cpu_budget_s)
    pb_grpc.add_CodingServiceServicer_to_server(
        servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    if reflect:
        reflection.enable_server_reflection(
            (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
            server)
    credentials = grpc_server_credentials(config)
    address = f"{config.host}:{config.port}"
    try:
        port = server.add_secure_port(address, credentials) if credentials else server.add_insecure_port(address)
    except RuntimeError:   # grpc raises RuntimeError for a port it cannot bind
        port = 0
    if port == 0:
        raise PortTaken(f"cannot bind {config.host}:{config.port}: the port is taken by another process "
                        f"(choose another --port, or --reuse-port on every server of a replica group)")
    await server.start()
    running = Running(server, port, health_servicer, state, pool, config, metrics, admission)
    running.identities, running.audit = identities, audit
    running.servicer = servicer
    return running


async def serve(config: Config, *, worker: int = 0) -> None:
    """Run one gateway process until SIGTERM/SIGINT. Worker 0 also serves the review page."""
    if worker == 0:
        log.info("config %s", json.dumps(config.redacted(), sort_keys=True))
    t0 = time.perf_counter()
    running = await create_server(config)
    if worker == 0:
        (log.warning if running.identities.dev else log.info)(running.identities.startup_line(config))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics_url = running.start_metrics(worker)
    await running.warm(review_page=worker == 0)
    review_url = running.review_url
    log.info("medcoder SERVING on %s:%d (backend=%s, worker %d, cold start %.1f s)",
             config.host, running.port, _backend_label(config, running.backend_name), worker,
             time.perf_counter() - t0)
    if metrics_url:
        log.info("medcoder metrics on %s", metrics_url)
    if review_url:
        log.info("medcoder review page on %s", review_url)
    await stop.wait()
    log.info("draining (grace %.1f s)", config.grace_s)
    await running.stop()
    log.info("stopped")


def _backend_label(config: Config, active: str) -> str:
    """"embedded" / "triton" as configured; "embedded (fallback from triton)" when falling back;
    "embedded, linker off" when no model stage runs."""
    if not config.linker:
        return f"{config.backend}, linker off"
    if active != config.backend:
        return f"{active} (fallback from {config.backend})"
    return active
