"""Triton over gRPC with ``tritonclient.grpc.aio``. Triton's dynamic batcher is the only batching
queue on this path (STYLE.md): each call is sent as it comes, and requests of equal shape from
concurrent callers are merged by the server.

The engine codes documents on a thread pool, so the async client lives on one event loop in a
dedicated thread; ``infer`` hands it a coroutine (``run_coroutine_threadsafe``) and waits. The
caller's deadline goes twice: as the gRPC deadline (``client_timeout``) and as Triton's queue
timeout (``timeout``, microseconds), so a request that can no longer be answered in time is
rejected in Triton's queue instead of computed for nobody (``default_queue_policy``).

    backend = TritonBackend("127.0.0.1:8001", "code_linker_python")
    backend.infer(ids, mask, timeout_s=2.0)   # Unavailable when Triton is down
"""
from __future__ import annotations

import asyncio
import logging
import threading

import numpy as np

from server.backends.base import ModelBackend
from server.backends.errors import BackendError, BackendTimeout
from server.errors import Overloaded, Unavailable
from server.models.encoder import INPUT_NAMES, OUTPUT_NAME

log = logging.getLogger("medcoder.backend.triton")
# Reconnect quickly after Triton restarts (gRPC's default backoff grows to two minutes).
_CHANNEL_ARGS = [("grpc.max_send_message_length", 64 << 20), ("grpc.max_receive_message_length", 64 << 20),
                 ("grpc.initial_reconnect_backoff_ms", 200), ("grpc.min_reconnect_backoff_ms", 200),
                 ("grpc.max_reconnect_backoff_ms", 1000)]
_UNREACHABLE = {"StatusCode.UNAVAILABLE", "StatusCode.CANCELLED", "StatusCode.UNKNOWN"}
_TIMEOUT = {"StatusCode.DEADLINE_EXCEEDED"}
READY_TIMEOUT_S = 1.0


class TritonBackend(ModelBackend):
    name = "triton"

    def __init__(self, url: str, model: str = "code_linker_python", *, server=None, metrics=None):
        """``server``: a ``server.triton_server.TritonServer`` this gateway started (stopped by
        ``close``); None for an external Triton."""
        import tritonclient.grpc as tc
        from tritonclient.grpc.aio import InferenceServerClient

        self.url, self.model, self.server, self.metrics = url, model, server, metrics
        self._tc = tc
        self._dim: int | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="medcoder-triton-client", daemon=True)
        self._thread.start()

        async def make():   # the aio channel belongs to the loop it is created on
            return InferenceServerClient(url, channel_args=_CHANNEL_ARGS)

        self._client = self._submit(make(), None)
        self._closed = False

    def _submit(self, coro, timeout_s: float | None):
        fut = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:   # the gRPC deadline fires first; this only guards against a wedged loop
            return fut.result(None if timeout_s is None else timeout_s + 1.0)
        except TimeoutError:
            fut.cancel()
            raise

    @property
    def dim(self) -> int:
        if self._dim is None:
            meta = self._call(self._client.get_model_metadata(self.model, client_timeout=READY_TIMEOUT_S * 5),
                              READY_TIMEOUT_S * 5)
            (out,) = [o for o in meta.outputs if o.name == OUTPUT_NAME] or [None]
            if out is None:
                raise BackendError(f"Triton model {self.model} has no {OUTPUT_NAME} output")
            self._dim = int(out.shape[-1])
        return self._dim

    def ready(self) -> bool:
        if self._closed:
            return False
        try:
            return bool(self._call(self._client.is_model_ready(self.model, client_timeout=READY_TIMEOUT_S),
                                   READY_TIMEOUT_S))
        except (Unavailable, BackendTimeout, BackendError):
            return False

    def infer(self, input_ids: np.ndarray, attention_mask: np.ndarray, *,
              timeout_s: float | None = None) -> np.ndarray:
        if len(input_ids) == 0:
            return np.zeros((0, self.dim), np.float32)
        if self._closed:
            raise Unavailable("the Triton backend is closed")
        tc = self._tc
        inputs = []
        for name, arr in zip(INPUT_NAMES, (input_ids, attention_mask)):
            inp = tc.InferInput(name, list(arr.shape), "INT64")
            inp.set_data_from_numpy(np.ascontiguousarray(arr, np.int64))
            inputs.append(inp)
        queue_us = None if timeout_s is None else max(1, int(timeout_s * 1e6))
        coro = self._client.infer(self.model, inputs, outputs=[tc.InferRequestedOutput(OUTPUT_NAME)],
                                  client_timeout=timeout_s, timeout=queue_us)
        result = self._call(coro, timeout_s)
        out = result.as_numpy(OUTPUT_NAME)
        if out is None or out.shape[0] != len(input_ids):
            raise BackendError(f"Triton model {self.model} returned the wrong number of rows")
        return out.astype(np.float32, copy=False)

    def _call(self, coro, timeout_s: float | None):
        """Run one client coroutine; Triton's errors become ours at this boundary."""
        from tritonclient.utils import InferenceServerException

        try:
            return self._submit(coro, timeout_s)
        except InferenceServerException as e:
            status = str(e.status() or "")
            said = str(e.message() or "").lower()   # Triton's words about its queue, never inputs
            if status in _TIMEOUT or (status == "StatusCode.UNAVAILABLE" and "timeout" in said):
                raise BackendTimeout(f"Triton model {self.model} did not answer in time") from e
            if status == "StatusCode.UNAVAILABLE" and "queue" in said:
                raise Overloaded(f"Triton model {self.model}'s queue is full; retry with backoff") from e
            if status in _UNREACHABLE or not status:
                raise Unavailable(f"Triton at {self.url} is unreachable ({status or 'no status'})") from e
            # Triton's own message may describe the tensors; the log gets only the status.
            log.error("Triton model %s failed: %s", self.model, status)
            raise BackendError(f"Triton model {self.model} failed ({status})") from e
        except TimeoutError as e:
            raise BackendTimeout(f"Triton model {self.model} did not answer in time") from e
        except OSError as e:
            raise Unavailable(f"Triton at {self.url} is unreachable ({type(e).__name__})") from e

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._submit(self._client.close(), 5.0)
        except Exception:  # noqa: BLE001 - closing a dead channel may fail; nothing to keep
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if self.server is not None:
            self.server.stop()
