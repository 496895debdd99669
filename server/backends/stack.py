"""Build the model backend the Config asks for: embedded, Triton (external or started here), with
or without the embedded fallback; and the code linker on top of it.

    backend = open_backend(config, metrics)     # ModelBackend; close() also stops a Triton we started
    linker = open_linker(config, backend, metrics)
"""
from __future__ import annotations

import logging
import os

from server.backends.base import ModelBackend
from server.backends.embedded import BatchOptions, EmbeddedBackend
from server.backends.fallback import FallbackBackend
from server.config import Config
from server.errors import Unavailable
from server.models.linker import REPOSITORY, default_model_dir

log = logging.getLogger("medcoder.backend")


def embedded_backend(config: Config, metrics=None) -> EmbeddedBackend:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    instances = config.embedded_instances or max(1, cpus // config.workers)
    opts = BatchOptions(max_batch_rows=config.embedded_max_batch, max_delay_ms=config.embedded_max_delay_ms,
                        intra_op_threads=config.embedded_threads, instances=instances)
    return EmbeddedBackend(default_model_dir() / "1" / "model.onnx", opts, metrics=metrics)


def start_triton(config: Config):
    """Triton 2.51 from the pip wheel on free loopback ports, serving ``config.triton_model``."""
    from server.triton_server import TritonOptions, TritonServer

    return TritonServer(TritonOptions(repository=REPOSITORY, cache_dir=config.cache_dir / "triton",
                                      models=(config.triton_model,))).start()


def open_backend(config: Config, metrics=None) -> ModelBackend:
    """The backend for ``config.backend``; with Triton and ``config.fallback``, a FallbackBackend
    that keeps coding on the embedded runtime while Triton is unreachable (also when the Triton
    this gateway should start does not come up)."""
    if config.backend == "embedded":
        return embedded_backend(config, metrics)
    if config.backend != "triton":
        raise ValueError(f"no model backend for backend={config.backend}")
    from server.backends.triton_backend import TritonBackend

    url, server = config.triton_url, None
    if not url:
        try:
            server = start_triton(config)
            url = server.grpc_url
        except Unavailable as e:
            if not config.fallback:
                raise
            log.error("Triton did not start (%s); coding on the embedded backend", e.message)
            return embedded_backend(config, metrics)
    primary = TritonBackend(url, config.triton_model, server=server, metrics=metrics)
    fallback = embedded_backend(config, metrics) if config.fallback else None
    return FallbackBackend(primary, fallback, retry_s=config.fallback_retry_s, metrics=metrics)


def open_linker(config: Config, backend: ModelBackend, metrics=None):
    """``CodeLinker.load`` on ``backend``: the one embedding path, which the offline tools take too."""
    from server.models import CodeLinker, LinkerOptions

    options = LinkerOptions(max_batch_rows=config.embedded_max_batch, timeout_s=config.backend_timeout_s,
                            cache_rows=config.phrase_cache_rows)
    return CodeLinker.load(default_model_dir(), options, backend=backend, metrics=metrics)
