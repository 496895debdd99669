"""ONNX Runtime in this process, behind one batching queue (TEI's design: each worker owns its
session and takes from the queue's far end, so callers share no lock). ``instances`` sessions of
``intra_op_threads`` each, like Triton's instance group: on 2 cores, two single-thread sessions
coded ~5% more notes per minute for ~3% less CPU than one two-thread session.

Concurrent callers' rows are merged into one ``session.run`` when they have the same width (the
phrase embedder pads to length buckets, so most do); the worker waits at most ``max_delay_ms``
for more rows after the first, and never merges past ``max_batch_rows``. Each caller gets back
exactly its own rows.

    backend = EmbeddedBackend(default_model_dir() / "1" / "model.onnx")
    backend.infer(ids, mask)        # float32 [len(ids), 128]

Note on numbers: the committed graph is dynamically quantised (int8 activations scaled per
*tensor*), so a row's embedding moves by up to ~0.05 per component with the rows it shares a run
with and the width it is padded to. Merging is therefore exact only with respect to the merged
run; docs/serving.md discusses what that means for parity with Triton.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import Future, TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from server.backends.base import ModelBackend
from server.backends.errors import BackendError, BackendTimeout
from server.errors import Unavailable
from server.models.encoder import INPUT_NAMES, MAX_BATCH_ROWS, OUTPUT_NAME
from server.models.errors import ModelArtifactError

log = logging.getLogger("medcoder.backend.embedded")


@dataclass(frozen=True)
class BatchOptions:
    """``max_delay_ms``: how long the worker holds a first request open for company (Triton's
    ``max_queue_delay_microseconds``); ``max_batch_rows``: rows in one session run at most."""
    max_batch_rows: int = MAX_BATCH_ROWS
    max_delay_ms: float = 2.0
    intra_op_threads: int = 1
    instances: int = 1


@dataclass
class _Request:
    ids: np.ndarray
    mask: np.ndarray
    future: Future

    @property
    def rows(self) -> int:
        return len(self.ids)

    @property
    def width(self) -> int:
        return self.ids.shape[1]


class EmbeddedBackend(ModelBackend):
    name = "embedded"

    def __init__(self, onnx_path: Path, options: BatchOptions = BatchOptions(), *, metrics=None):
        import onnxruntime as ort

        if not Path(onnx_path).is_file():
            raise ModelArtifactError(f"model artifact missing: {Path(onnx_path).name}")
        so = ort.SessionOptions()
        so.intra_op_num_threads = options.intra_op_threads
        so.inter_op_num_threads = 1
        # The gateway's pipeline threads share the cores with the embedded session; ORT's idle
        # threads spinning for more work took them (4 threads coding notes with the linker, 2 cores:
        # 320-350 notes/min spinning, 500-520 not, and 30% less CPU per note).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.sessions = [ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
                         for _ in range(max(1, options.instances))]
        outputs = {o.name: o for o in self.sessions[0].get_outputs()}
        if OUTPUT_NAME not in outputs or {i.name for i in self.sessions[0].get_inputs()} != set(INPUT_NAMES):
            raise ModelArtifactError("encoder graph does not have the mention-embedding contract")
        self._dim = int(outputs[OUTPUT_NAME].shape[-1])
        self.options = options
        self.metrics = metrics
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._closed = False
        self._workers = [threading.Thread(target=self._loop, args=(session,), name=f"medcoder-embedded-batcher-{i}",
                                          daemon=True) for i, session in enumerate(self.sessions)]
        for w in self._workers:
            w.start()

    @property
    def dim(self) -> int:
        return self._dim

    def ready(self) -> bool:
        return not self._closed and all(w.is_alive() for w in self._workers)

    def infer(self, input_ids: np.ndarray, attention_mask: np.ndarray, *,
              timeout_s: float | None = None) -> np.ndarray:
        if input_ids.shape != attention_mask.shape or input_ids.ndim != 2:
            raise BackendError("input_ids and attention_mask must be [rows, tokens] of one shape")
        if len(input_ids) == 0:
            return np.zeros((0, self._dim), np.float32)
        if not self.ready():
            raise Unavailable("the embedded model backend is closed")
        req = _Request(np.ascontiguousarray(input_ids, np.int64), np.ascontiguousarray(attention_mask, np.int64),
                       Future())
        self._queue.put(req)
        try:
            return req.future.result(timeout=timeout_s)
        except FutureTimeout:
            req.future.cancel()   # still queued: the worker skips it
            raise BackendTimeout(f"embedded model did not answer within {timeout_s:.3f} s") from None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for _ in self._workers:
                self._queue.put(None)
            for w in self._workers:
                w.join(timeout=5)

    # -- the worker: the only code that touches the queue's far end and the session --

    def _loop(self, session) -> None:
        pending: list[_Request] = []
        while True:
            first = self._queue.get() if not pending else pending.pop(0)
            if first is None:
                break
            batch, stop = self._gather(first, pending)
            self._run_groups(session, batch)
            if stop:
                break
        for req in pending:
            req.future.cancel()

    def _gather(self, first: _Request, pending: list[_Request]) -> tuple[list[_Request], bool]:
        """The first request plus whatever arrives within the delay, up to the row budget; rows
        that would overflow the budget wait for the next run (``pending``)."""
        batch, rows = [first], first.rows
        deadline = time.monotonic() + self.options.max_delay_ms / 1e3
        while rows < self.options.max_batch_rows:
            try:
                left = deadline - time.monotonic()
                nxt = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return batch, True
            if rows + nxt.rows > self.options.max_batch_rows:
                pending.append(nxt)
                break
            batch.append(nxt)
            rows += nxt.rows
        return batch, False

    def _run_groups(self, session, batch: list[_Request]) -> None:
        """One session run per width; a lone request over the row budget runs in slices."""
        by_width: dict[int, list[_Request]] = {}
        for req in batch:
            if req.future.set_running_or_notify_cancel():   # False: its caller gave up
                by_width.setdefault(req.width, []).append(req)
        for group in by_width.values():
            try:
                out = self._run(session, np.concatenate([r.ids for r in group]), np.concatenate([r.mask for r in group]))
            except Exception as e:  # noqa: BLE001 - delivered to each caller, the worker lives on
                log.error("embedded model run failed: %s", type(e).__name__)
                for r in group:
                    r.future.set_exception(BackendError("the embedded model failed on this batch"))
                continue
            start = 0
            for r in group:
                r.future.set_result(out[start:start + r.rows])
                start += r.rows

    def _run(self, session, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        step = self.options.max_batch_rows
        parts = []
        for s in range(0, len(ids), step):
            parts.append(session.run([OUTPUT_NAME], {"input_ids": ids[s:s + step],
                                                          "attention_mask": mask[s:s + step]})[0])
            if self.metrics is not None:
                self.metrics.backend_batch(self.name, len(parts[-1]))
        return np.concatenate(parts).astype(np.float32, copy=False)
