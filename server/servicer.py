"""The thin CodingService: protobuf -> domain -> engine -> protobuf.

CPU work runs on a thread pool so the event loop keeps answering health checks and refusing
overload while documents are being coded. A coding call's work runs under a ``CallBudget``
(``server.budget``): it stops at the caller's deadline, at its CPU budget, or when the caller
goes away, and its admission slot is given back only once that work has stopped. A claim
(``ScoreClaim``) is read and scored under the same admission and budget.
"""
from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from client.contract import pb, pb_grpc
from server import convert
from server.access import caller
from server.admission import Admission, Slot
from server.backends.base import deadline_in
from server.budget import CallBudget
from server.errors import InvalidInput, PermissionDenied, Unavailable, classify
from server.interceptors import request_id_of
from server.review.auth import DEFAULT_TENANT, Coder
from server.review.log import Decision


class ServerState:
    """Holds the engine once it is warm; calls before that get UNAVAILABLE."""

    def __init__(self):
        self.engine = None

    def ready_engine(self):
        if self.engine is None:
            raise Unavailable("server is warming up; retry shortly")
        return self.engine


def _trailers(rid: str, stage_ms: dict[str, float] | None = None, kept: bool = True) -> tuple[tuple[str, str], ...]:
    md = [("x-request-id", rid)]
    for stage, ms in (stage_ms or {}).items():
        md.append((f"x-stage-ms-{stage}", f"{ms:.3f}"))
    if not kept:   # coded and answered, but the review store (disk full, read-only) could not keep it
        md.append(("x-review-kept", "no"))
    return tuple(md)


STREAM_SLOT_POLL_S = 0.005   # how often a stream waiting for admission asks again
_CODE = "CodeEncounter"      # admission's kind for one document coded, alone or in a stream


def _code_and_keep(budget: CallBudget, engine, keep: tuple[str, str], /, **kwargs):
    """Code under ``budget`` (the caller's remaining time is also the deadline of its model
    calls), then keep the encounter, unless the call ran out of time or was cancelled meanwhile:
    its caller gets no answer, so nothing of it is stored. Returns whether it was kept (a storage
    fault codes without keeping, unless keeping is required)."""
    with budget.running(), deadline_in(budget.left_s()):
        enc, eid = engine.code(**kwargs)
        budget.check()
        kept = engine.review.keep(enc, eid, *keep)
    return enc, eid, kept


def _read_and_score(budget: CallBudget, engine, request):
    """Read (JSON fields or an X12 837) and score one claim: (claim, result)."""
    from server.claims import parse_claim_dict, parse_x12_837

    if request.WhichOneof("payload") == "x12_837":
        claim = parse_x12_837(bytes(request.x12_837))
    else:
        claim = parse_claim_dict(convert.claim_dict(request.claim))
    budget.check()
    return claim, engine.claims.score(claim)


def _score(budget: CallBudget, engine, request):
    """One claim read and scored under ``budget``."""
    with budget.running():
        return _read_and_score(budget, engine, request)


def _score_with_documents(budget: CallBudget, engine, request, docs: list[dict]):
    """The claim scored, and checked against the documents coded under the same ``budget``."""
    with budget.running(), deadline_in(budget.left_s()):
        claim, result = _read_and_score(budget, engine, request)
        return claim, result, engine.document_claim(claim, docs)


def _claim_response(rid: str, result) -> "pb.ScoreClaimResponse":
    return pb.ScoreClaimResponse(request_id=rid, claim_id=result.claim_id,
                                 edits=[convert.edit_pb(e) for e in result.edits],
                                 denial_risk=float(result.denial_risk), drg=result.drg or "")


def _time_remaining(context) -> float | None:
    left = context.time_remaining() if hasattr(context, "time_remaining") else None
    return left if left is not None and left < 1e6 else None


def _metadata(context) -> dict[str, str]:
    return {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}


def _retried(context) -> bool:
    """The call is gRPC's retry of an attempt refused before (it has waited its turn)."""
    return any(k == "grpc-previous-rpc-attempts" for k, _ in (context.invocation_metadata() or ()))


def _encounter_id(context, request, tenant: str) -> str:
    """The idempotent encounter id of a unary call whose caller named it (``request_id``, or the
    ``x-request-id`` header): the same request sent again with the same id in the same tenant (a
    retry after its replica died, possibly after that replica kept it) is the same encounter,
    kept once, with the same suggestion ids. The request's bytes are part of the key, so an id
    reused for another document is another encounter. "" when the caller named none."""
    rid = request.request_id or next((v for k, v in (context.invocation_metadata() or ()) if k == "x-request-id"), "")
    if not rid:
        return ""
    digest = hashlib.sha256(f"{tenant}\0{rid}\0".encode("utf-8", "surrogatepass"))
    digest.update(request.SerializeToString(deterministic=True))
    return digest.hexdigest()[:32]


def _review_queue(engine, context) -> tuple[str, str]:
    """(tenant, specialty) of the review queue the call's encounters are kept in: the identified
    caller's tenant (``server.access``); without one, a bad coder token is refused here, before
    anything is coded."""
    md = _metadata(context)
    who = caller()
    tenant = who.tenant_id if who is not None else engine.review.coding_tenant(md)
    return tenant, md.get("x-specialty", "")[:100]


def _decider(engine, context, coder_id: str) -> Coder:
    """Who records a review decision: the identified caller (a coder id in the request must be
    theirs); a dev gateway's anonymous caller is the request's coder_id in the default tenant."""
    who = caller()
    if who is None or who.auth == "dev":
        return engine.review.grpc_coder(_metadata(context), coder_id)
    if coder_id and coder_id != who.subject:
        raise PermissionDenied("coder_id does not match the caller's identity")
    return Coder(who.subject, who.tenant_id, who.role)


def _consume(task: asyncio.Task) -> None:
    if not task.cancelled():
        task.exception()


class CodingServicer(pb_grpc.CodingServiceServicer):
    def __init__(self, state: ServerState, admission: Admission, pool: ThreadPoolExecutor, stream_window: int,
                 metrics=None, call_cpu_budget_s: float | None = None):
        self.state = state
        self.metrics = metrics
        self.admission = admission
        self.pool = pool
        self.stream_window = max(1, stream_window)   # documents of one stream in flight at once
        self.call_cpu_budget_s = call_cpu_budget_s
        self._working: set[CallBudget] = set()      # budgets of the work now in the pool
        self._working_lock = threading.Lock()

    async def _run(self, fn, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    async def _held(self, slot: Slot, budget: CallBudget, fn, /, *args, **kwargs):
        """``fn(budget, *args, **kwargs)`` in the pool; ``slot`` is released when that work has
        stopped (done, failed, or stopped at a checkpoint after ``budget.cancel``), not when this
        coroutine is cancelled: the caller's deadline passing cancels it, the work goes on until
        its next checkpoint, and until then it holds its place in admission."""
        used_s: list[float] = []   # CPU seconds of the work, once it finished: admission learns the kind's cost

        def started(*a, **kw):
            slot.started()
            t0 = time.thread_time()
            out = fn(*a, **kw)
            used_s.append(time.thread_time() - t0)
            return out

        slot.queued()
        try:
            work = self.pool.submit(started, budget, *args, **kwargs)
        except RuntimeError:   # the pool is shut down: the server is draining
            slot.release()
            raise Unavailable("server is shutting down; retry on another instance") from None
        with self._working_lock:
            self._working.add(budget)

        def stopped(_future) -> None:
            with self._working_lock:
                self._working.discard(budget)
            slot.release(used_s[0] if used_s else None)

        work.add_done_callback(stopped)
        try:
            return await asyncio.wrap_future(work)
        except asyncio.CancelledError:
            budget.cancel("the caller went away or its deadline passed")
            raise

    def cancel_all(self, why: str) -> int:
        """Stop all work in the pool at its next checkpoint (the server is draining); returns how
        many calls were told to stop."""
        with self._working_lock:
            working = list(self._working)
        for b in working:
            b.cancel(why)
        return len(working)

    async def _code(self, engine, request, keep: tuple[str, str], context, slot: Slot, encounter_id: str = ""):
        """Code one document and keep it in the review queue ``keep`` (tenant, specialty) names:
        one hand-off to the worker pool for both (each costs a thread switch and the GIL).
        ``slot`` is this call's admission; it is released here when nothing is started."""
        try:
            args = convert.document_args(request.document)
            systems = convert.systems_of(request.systems)
            budget = CallBudget(_time_remaining(context), self.call_cpu_budget_s)
        except BaseException:
            slot.release()
            raise
        enc, eid, kept = await self._held(slot, budget, _code_and_keep, engine, keep,
                                          min_score=request.min_score if request.HasField("min_score") else None,
                                          profile=request.profile or None, systems=systems,
                                          encounter_id=encounter_id, **args)
        if self.metrics is not None:
            self.metrics.stages(enc.stage_ms)
        return enc, eid, kept

    async def CodeEncounter(self, request, context):
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        keep = _review_queue(engine, context)
        enc, eid, kept = await self._code(engine, request, keep, context, self.admission.take(_CODE, _retried(context)),
                                          _encounter_id(context, request, keep[0]))
        context.set_trailing_metadata(_trailers(rid, enc.stage_ms, kept))
        return pb.CodeEncounterResponse(request_id=rid, encounter=convert.encounter_pb(enc, eid))

    async def CodeEncounters(self, request_iterator, context):
        """Flow-controlled: the next document is read only once admission has a slot for it, so
        documents the gateway cannot start yet stay at the client (HTTP/2 flow control holds the
        sender) rather than waiting inside the gateway past their deadline; at most
        ``stream_window`` in flight; answers leave in request order, each as soon as it and the
        ones before it are done. The call's deadline bounds the whole wait."""
        engine = self.state.ready_engine()
        keep = _review_queue(engine, context)
        pending: collections.deque[tuple[str, asyncio.Task]] = collections.deque()
        requests = request_iterator.__aiter__()
        waiting = None   # while the next document waits for room, unary calls leave it that room
        try:
            while True:
                while pending and (len(pending) >= self.stream_window or pending[0][1].done()):
                    yield await self._item(*pending.popleft())
                if not self.admission.has_room(_CODE, waited=waiting is not None):   # wait for room, or the oldest answer
                    waiting = waiting or self.admission.waiting(_CODE)
                    if pending:
                        await asyncio.wait([pending[0][1]], timeout=STREAM_SLOT_POLL_S)
                    else:
                        await asyncio.sleep(STREAM_SLOT_POLL_S)
                    continue
                try:   # no slot is held while waiting for the client's next document
                    request = await requests.__anext__()
                except StopAsyncIteration:
                    break
                slot = await self._stream_slot(waited=waiting is not None)
                if waiting is not None:
                    waiting.release()
                    waiting = None
                pending.append((request.request_id,
                                asyncio.ensure_future(self._code(engine, request, keep, context, slot))))
            while pending:
                yield await self._item(*pending.popleft())
        finally:   # a stream that ended early (bad item, cancelled): its documents' errors are not news
            if waiting is not None:
                waiting.release()
            for _, task in pending:
                task.add_done_callback(_consume)

    async def _stream_slot(self, waited: bool) -> Slot:
        """A slot for a document just read: there was room a moment ago, so this waits only when
        another call took it meanwhile."""
        while (slot := self.admission.try_take(_CODE, waited)) is None:
            await asyncio.sleep(STREAM_SLOT_POLL_S)
        return slot

    async def _item(self, rid: str, task: asyncio.Task):
        try:
            enc, eid, _kept = await task   # health tells a stream client that keeping fails
            return pb.CodeEncountersItem(request_id=rid, encounter=convert.encounter_pb(enc, eid))
        except Exception as e:  # noqa: BLE001 - one bad document must not end the stream
            code, _, message = classify(e, "CodeEncounters")
            return pb.CodeEncountersItem(request_id=rid, error=pb.Error(code=code.value[0], message=message))

    async def ScoreClaim(self, request, context):
        """Under the same admission and budget as a coding call: a 2 MB 837 is a lot of segments."""
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        if request.documents:
            return await self._score_documented(engine, request, rid, context)
        slot = self.admission.take("ScoreClaim", _retried(context))
        budget = CallBudget(_time_remaining(context), self.call_cpu_budget_s)
        claim, result = await self._held(slot, budget, _score, engine, request)
        who = caller()
        result = engine.review.score_claim(who.tenant_id if who is not None else DEFAULT_TENANT, claim, result)
        return _claim_response(rid, result)

    async def _score_documented(self, engine, request, rid: str, context):
        """ScoreClaim with the encounter's documents: they are coded like CodeEncounter's, under
        the call's budget (deadline, CPU, cancellation) and holding its admission slot until the
        work stops; nothing is kept in the review queue."""
        slot = self.admission.take("ScoreClaim+documents", _retried(context))
        try:
            docs = [convert.document_args(d) for d in request.documents]
            budget = CallBudget(_time_remaining(context), self.call_cpu_budget_s)
        except BaseException:
            slot.release()
            raise
        claim, result, doc = await self._held(slot, budget, _score_with_documents, engine, request, docs)
        who = caller()
        result = engine.review.score_claim(who.tenant_id if who is not None else DEFAULT_TENANT, claim, result)
        context.set_trailing_metadata(_trailers(rid, {"documents": sum(doc.coding_ms.values())}))
        resp = _claim_response(rid, result)
        convert.documentation_pb(resp, doc)
        return resp

    async def SubmitReview(self, request, context):
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        system = convert.systems_of([request.system])
        decision = Decision(
            encounter_id=request.encounter_id, suggestion_id=request.suggestion_id,
            action=convert.action_of(request.action),
            system=next(iter(system)).value if system else "",
            coder_id=request.coder_id, suggested_code=request.suggested_code,
            final_code=request.final_code, reason=request.reason,
            evidence=(request.evidence.start, request.evidence.end) if request.HasField("evidence") else None,
            model_versions=dict(request.model_versions))
        if not decision.system:
            raise InvalidInput("system is required (ICD10CM, ICD10PCS, HCPCS or CPT)")
        who = _decider(engine, context, request.coder_id)
        decision_id, at = await self._run(engine.review.submit, decision, who, "grpc")
        return pb.SubmitReviewResponse(request_id=rid, decision_id=decision_id, recorded_at=at)

    async def ReportRemittance(self, request, context):
        """An 835 into the caller's tenant: all of it stored, or (InvalidInput) none of it."""
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        if not request.x12_835:
            raise InvalidInput("x12_835 is required: an X12 835 (005010X221A1) interchange")
        who = caller()
        tenant, actor = (who.tenant_id, who.subject) if who is not None else (DEFAULT_TENANT, "anonymous")
        with self.admission.admit("ReportRemittance"):
            done = await self._run(engine.review.import_remittance, bytes(request.x12_835), tenant, actor, "grpc")
        return pb.ReportRemittanceResponse(request_id=rid, remittance_id=done.remit_id, claims=done.claims,
                                           adjustments=done.adjustments, joined=done.joined,
                                           already_on_file=done.skipped)
