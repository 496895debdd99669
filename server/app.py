"""Server assembly: ``create_server`` (tests bind port 0) and ``serve`` (the `medcoder serve` loop).

Health reports NOT_SERVING until the engine is built and has coded a warm-up note, and again
during graceful shutdown (SIGTERM/SIGINT), before ``stop(grace)``.
"""
from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from client.contract import SERVICE_NAME, pb, pb_grpc
from server.admission import Admission
from server.config import Config
from server.interceptors import ErrorInterceptor
from server.servicer import CodingServicer, ServerState

log = logging.getLogger("medcoder.server")
WARMUP_NOTE = b"Assessment: type 2 diabetes mellitus with diabetic chronic kidney disease stage 3a."


class Running:
    """A started server and what it needs to stop cleanly."""

    def __init__(self, server, port, health_servicer, state, pool, config):
        self.server, self.port, self.health, self.state, self.pool, self.config = (
            server, port, health_servicer, state, pool, config)
        self.review_http = None

    def start_review(self) -> str | None:
        """-- review wiring: the review page on its own port, once the engine is warm. A taken port
        leaves coding up and says so loudly (returns None); the bound URL is returned. --"""
        from server.review.http import ReviewServer

        engine = self.state.engine
        if engine is None or engine.review is None:
            return None
        try:
            self.review_http = ReviewServer(engine.review, self.config.review_host, self.config.review_port,
                                            self.config.review_max_body_bytes).start()
        except OSError as e:
            log.error("review page NOT started: cannot bind %s:%d (%s); set MEDCODER_REVIEW_PORT",
                      self.config.review_host, self.config.review_port, e.strerror or type(e).__name__)
            return None
        return self.review_http.url

    async def warm(self, engine_factory=None) -> float:
        """Build the engine off the event loop, code one note, then report SERVING."""
        from server.engine import Engine

        t0 = time.perf_counter()
        loop = asyncio.get_running_loop()
        factory = engine_factory or (lambda: Engine(self.config))
        engine = await loop.run_in_executor(self.pool, factory)
        await loop.run_in_executor(self.pool, engine.code, WARMUP_NOTE)
        if getattr(engine, "review", None) is not None:   # review wiring: code-search index
            await loop.run_in_executor(self.pool, engine.review.search.warm)
        self.state.engine = engine
        for name in ("", SERVICE_NAME):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return time.perf_counter() - t0

    async def stop(self) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.config.grace_s)
        if self.review_http is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.review_http.stop)
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self.state.engine is not None:
            self.state.engine.close()


async def create_server(config: Config) -> Running:
    """Bind and start the gRPC server (NOT_SERVING until ``warm``). ``config.port`` 0 picks a free port."""
    options = [("grpc.max_receive_message_length", config.max_message_bytes),
               ("grpc.max_send_message_length", config.max_message_bytes),
               ("grpc.so_reuseport", 1)]
    server = grpc.aio.server(interceptors=[ErrorInterceptor()], options=options)
    pool = ThreadPoolExecutor(max_workers=config.worker_threads, thread_name_prefix="medcoder-work")
    state = ServerState()
    pb_grpc.add_CodingServiceServicer_to_server(
        CodingServicer(state, Admission(config.max_inflight), pool, config.worker_threads), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", SERVICE_NAME):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME),
        server)
    port = server.add_insecure_port(f"{config.host}:{config.port}")
    if port == 0:
        raise OSError(f"could not bind {config.host}:{config.port}")
    await server.start()
    return Running(server, port, health_servicer, state, pool, config)


async def serve(config: Config, *, worker: int = 0) -> None:
    """Run one gateway process until SIGTERM/SIGINT. Worker 0 also serves the review page."""
    if worker == 0:
        log.info("config %s", json.dumps(config.redacted(), sort_keys=True))
    t0 = time.perf_counter()
    running = await create_server(config)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await running.warm()
    review_url = running.start_review() if worker == 0 else None
    log.info("medcoder SERVING on %s:%d (backend=%s, worker %d, cold start %.1f s)",
             config.host, running.port, config.backend, worker, time.perf_counter() - t0)
    if review_url:
        log.info("medcoder review page on %s", review_url)
    await stop.wait()
    log.info("draining (grace %.1f s)", config.grace_s)
    await running.stop()
    log.info("stopped")
