"""Model backends on the committed graph: the embedded batching queue gives each caller its own
rows, the phrase embedder hands back its buckets' rows, the fallback moves calls to
the embedded runtime when Triton cannot be reached, and the metrics say so."""
from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

from server.backends import (BackendTimeout, BatchOptions, EmbeddedBackend, FallbackBackend, PhraseEmbedder,
                             TritonBackend)
from server.errors import Unavailable
from server.metrics import Metrics
from server.models import CodeIndex, CodeLinker, default_model_dir
from server.models.encoder import MAX_BATCH_ROWS, pad_rows
from server.models.triton_config import parse_pbtxt, read_model_config

MODEL_DIR = default_model_dir()
ONNX, TOKENIZER = MODEL_DIR / "1" / "model.onnx", MODEL_DIR / "tokenizer.json"
PHRASES = ["chf", "acute on chronic systolic heart failure", "type 2 diabetes with diabetic ckd stage 3a",
           "htn", "closed fracture of the left femoral neck", "NSTEMI", "tumefaction of the left testicle",
           "community acquired pneumonia of the right lower lobe"]


@pytest.fixture(scope="module")
def tokens():
    """texts -> token id lists, as the shipped tokenizer writes them."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    tok.no_padding()
    return lambda texts: [e.ids for e in tok.encode_batch(list(texts))]


@pytest.fixture(params=[1, 2], ids=["1-session", "2-sessions"])
def backend(request):
    """One session behind the queue, or two (each with its own worker, as on a 2-core gateway)."""
    b = EmbeddedBackend(ONNX, BatchOptions(max_batch_rows=MAX_BATCH_ROWS, max_delay_ms=50, instances=request.param))
    yield b
    b.close()


def _padded(tokens, texts, width):
    return pad_rows(tokens(texts), width)


def _concurrently(fns):
    results, barrier = [None] * len(fns), threading.Barrier(len(fns))

    def run(i):
        barrier.wait()
        results[i] = fns[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_concurrent_callers_each_get_their_own_rows(tokens, backend):
    """Twelve callers, each sending the same phrases in its own order, at two widths: each gets
    exactly what a direct session run of its rows returns. (Every caller holds the same set of
    rows, so the int8 graph's per-tensor activation scale is that of a direct run.)"""
    metrics = Metrics()
    backend.metrics = metrics
    rng = np.random.default_rng(7)
    calls = []
    for width in (16, 32):
        ids, mask = _padded(tokens, PHRASES, width)
        direct = backend.sessions[0].run(["mention_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        for _ in range(6):
            order = np.concatenate([rng.permutation(len(PHRASES)), rng.integers(0, len(PHRASES), 3)])
            calls.append((ids[order], mask[order], direct[order]))
    got = _concurrently([lambda c=c: backend.infer(c[0], c[1]) for c in calls])
    for (_, _, want), out in zip(calls, got):
        assert out.shape == want.shape and out.dtype == np.float32
        assert float(np.abs(out - want).max()) < 1e-5
    runs = metrics.registry.get_sample_value("medcoder_backend_batch_rows_count", {"backend": "embedded"})
    assert runs < len(calls)   # callers were merged into shared session runs


def test_a_call_that_outlives_its_timeout_is_refused_and_a_closed_backend_is_unavailable(tokens):
    b = EmbeddedBackend(ONNX, BatchOptions(max_delay_ms=0))
    ids, mask = _padded(tokens, PHRASES, 64)
    with pytest.raises(BackendTimeout):
        b.infer(np.repeat(ids, 8, axis=0), np.repeat(mask, 8, axis=0), timeout_s=1e-6)
    assert b.infer(ids[:1], mask[:1]).shape == (1, 128)   # the worker lives on
    b.close()
    assert not b.ready()
    with pytest.raises(Unavailable):
        b.infer(ids, mask)


def test_phrase_embedder_rows_are_the_backends_rows_at_their_bucket_width(tokens, backend):
    """Each phrase is padded to the smallest bucket that holds it, each bucket is one backend run,
    and the caller gets that run's rows, unit length, in its own order."""
    embedder = PhraseEmbedder(TOKENIZER, backend)
    mixed = PHRASES + ["pain in the left iliac fossa radiating to the groin with nausea vomiting and fever "
                       "for three days despite oral antibiotics"]
    ours = embedder.embed_mentions(mixed)
    groups = embedder.tokenize(mixed)
    assert set(groups) == {16, 32}
    for width, (rows, ids, mask) in groups.items():
        assert (ids == _padded(tokens, [mixed[r] for r in rows], width)[0]).all()
        direct = backend.sessions[0].run(["mention_embedding"], {"input_ids": ids, "attention_mask": mask})[0]
        direct /= np.linalg.norm(direct, axis=1, keepdims=True)
        assert np.array_equal(ours[rows], direct)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_mentions([]).shape == (0, 128)


def test_code_linker_load_is_the_phrase_embedder_on_a_backend(backend):
    """``CodeLinker.load`` (what the offline tools call) embeds exactly as a linker on the
    gateway's backend does: one path."""
    index = CodeIndex.load(MODEL_DIR / "code_index.npz")
    linker = CodeLinker(PhraseEmbedder(TOKENIZER, backend), index)
    reference = CodeLinker.load()
    try:
        assert np.array_equal(linker.embed_mentions(PHRASES), reference.embed_mentions(PHRASES))
        ours, theirs = linker.link(PHRASES, k=1), reference.link(PHRASES, k=1)
    finally:
        reference.close()
    assert ours == theirs
    assert ours[1][0][0].startswith("I50")   # acute on chronic systolic heart failure
    assert not reference.encoder.backend.ready() and backend.ready()   # close() stops only its own


def test_repeated_phrases_come_from_the_cache_without_a_model_call(backend):
    """A phrase embedded once is answered from memory afterwards (and within one call, once);
    the rows are those it got the first time, in the caller's order; the oldest phrases leave
    the cache first; the metrics count lookups and hits."""
    metrics = Metrics()
    cached = PhraseEmbedder(TOKENIZER, backend, cache_rows=len(PHRASES), metrics=metrics)
    plain = PhraseEmbedder(TOKENIZER, backend)
    first = cached.embed_mentions(PHRASES)
    calls = lambda: metrics.registry.get_sample_value("medcoder_backend_calls_total",  # noqa: E731
                                                      {"backend": "embedded", "outcome": "ok"}) or 0
    before = calls()
    again = cached.embed_mentions(PHRASES[::-1] + [PHRASES[0]])
    assert calls() == before                                   # no model call at all
    assert np.array_equal(again, np.concatenate([first[::-1], first[:1]]))
    sims = (again[:len(PHRASES)] @ plain.embed_mentions(PHRASES[::-1]).T).diagonal()
    assert (sims > 0.97).all()
    assert (cached.cache_lookups, cached.cache_hits) == (2 * len(PHRASES) + 1, len(PHRASES) + 1)
    assert metrics.registry.get_sample_value("medcoder_phrase_cache_hits_total") == len(PHRASES) + 1

    novel = cached.embed_mentions(["left ventricular hypertrophy", "left ventricular hypertrophy"])
    assert np.array_equal(novel[0], novel[1]) and calls() == before + 1
    # the cache holds len(PHRASES) rows: the new phrase pushed out the least recently used one
    cached.embed_mentions([PHRASES[-1]])
    assert calls() == before + 2

def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"   # nothing listens once the socket is closed


def test_unreachable_triton_falls_back_to_embedded_and_reports_it(tokens, backend):
    metrics = Metrics()
    fb = FallbackBackend(TritonBackend(_closed_port()), backend, retry_s=0.2, metrics=metrics)
    metrics.watch(backend_names=lambda: fb.names, active_backend=lambda: fb.active)
    ids, mask = _padded(tokens, PHRASES, 16)
    try:
        assert fb.active == "embedded" and fb.ready()
        out = fb.infer(ids, mask)
        assert float(np.abs(out - backend.infer(ids, mask)).max()) < 1e-5
        text = metrics.exposition().decode()
        assert 'medcoder_backend_active{backend="embedded"} 1.0' in text
        assert 'medcoder_backend_active{backend="triton"} 0.0' in text
        assert 'medcoder_backend_fallbacks_total{primary="triton"} 1.0' in text
    finally:
        fb.close()


def test_without_fallback_an_unreachable_triton_is_unavailable(tokens):
    fb = FallbackBackend(TritonBackend(_closed_port()), None, retry_s=0.2)
    try:
        assert fb.active is None and not fb.ready()
        with pytest.raises(Unavailable):
            fb.infer(*_padded(tokens, ["chf"], 16))
    finally:
        fb.close()


def test_metrics_count_backend_calls_rows_and_errors(tokens, backend):
    metrics = Metrics()
    backend.metrics = metrics
    embedder = PhraseEmbedder(TOKENIZER, backend, metrics=metrics)
    embedder.embed_mentions(PHRASES)
    embedder.embed_mentions(PHRASES[:2])
    text = metrics.exposition().decode()
    calls = metrics.registry.get_sample_value("medcoder_backend_calls_total", {"backend": "embedded", "outcome": "ok"})
    assert calls == len(embedder.tokenize(PHRASES)) + len(embedder.tokenize(PHRASES[:2]))
    rows = metrics.registry.get_sample_value("medcoder_backend_request_rows_sum", {"backend": "embedded"})
    assert rows == len(PHRASES) + 2
    assert "# TYPE medcoder_backend_seconds histogram" in text
    backend.close()
    with pytest.raises(Unavailable):
        embedder.embed_mentions(["chf"])
    assert metrics.registry.get_sample_value("medcoder_backend_errors_total",
                                             {"backend": "embedded", "error": "Unavailable"}) == 1


@pytest.mark.parametrize("path", sorted(MODEL_DIR.parent.glob("*/config.pbtxt")) + sorted(MODEL_DIR.parent.glob("*/configs/*.pbtxt")),
                         ids=lambda p: str(p.relative_to(MODEL_DIR.parent)))
def test_triton_queues_are_bounded_and_reject_late_requests(path):
    """Every Triton config refuses instead of queuing without bound: max_queue_size, a default
    timeout the gateway may shorten per request, and REJECT when it passes."""
    (policy,) = parse_pbtxt(path.read_text())["dynamic_batching"][0]["default_queue_policy"]
    assert policy["timeout_action"] == ["REJECT"] and policy["allow_timeout_override"] == [True]
    assert 0 < policy["default_timeout_microseconds"][0] <= 10_000_000
    assert policy["max_queue_size"][0] >= read_model_config(path).max_batch_size


def test_a_unary_call_is_refused_at_once_and_a_waiting_stream_is_not_counted_as_refused():
    from server.admission import Admission
    from server.errors import Overloaded

    adm = Admission(1)
    with adm.admit():
        with pytest.raises(Overloaded):        # a unary call is refused at once
            with adm.admit():
                pass
        assert not adm.has_room() and adm.try_take() is None   # a stream asks, and waits unread
    assert adm.has_room()
    slot = adm.try_take()
    slot.release()
    slot.release()                               # idempotent: the slot is given back once
    assert adm.inflight == 0 and adm.rejected == 1


def test_calls_are_refused_while_the_oldest_admitted_call_has_waited_too_long_for_a_thread():
    import time

    from server.admission import Admission
    from server.errors import Overloaded

    adm = Admission(8, max_queue_wait_s=0.05)
    waiting = adm.take()
    waiting.queued()                       # its work waits for a worker thread
    assert adm.has_room()                  # not for long yet
    time.sleep(0.08)
    assert not adm.has_room() and adm.try_take() is None
    with pytest.raises(Overloaded, match="50 ms"):
        adm.take()
    waiting.started()                      # a thread took it: the queue is young again
    adm.take().release()
    gone = adm.take()
    gone.queued()
    time.sleep(0.08)
    gone.release()                         # cancelled before it started: no longer waiting
    assert adm.has_room() and adm.inflight == 1
