"""The thin CodingService: protobuf -> domain -> engine -> protobuf.

CPU work runs on a thread pool so the event loop keeps answering health checks and refusing
overload while documents are being coded. A coding call's work runs under a ``CallBudget``
(``server.budget``): it stops at the caller's deadline, at its CPU budget, or when the caller
goes away, and its admission slot is given back only once that work has stopped. A claim
(``ScoreClaim``) is read and scored under the same admission and budget.
"""
from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor

from client.contract import pb, pb_grpc
from server import convert
from server.access import caller
from server.admission import Admission, Slot
from server.backends.base import deadline_in
from server.budget import CallBudget
from server.errors import InvalidInput, PermissionDenied, Unavailable, classify
from server.interceptors import request_id_of
from server.review.auth import Coder
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


STREAM_ADMISSION_WAIT_S = 1.0   # a stream's document waits this long for a slot before its item fails


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


def _score(budget: CallBudget, engine, request):
    """Read (JSON fields or an X12 837) and score one claim under ``budget``."""
    from server.claims import parse_claim_dict, parse_x12_837

    with budget.running():
        if request.WhichOneof("payload") == "x12_837":
            claim = parse_x12_837(bytes(request.x12_837))
        else:
            claim = parse_claim_dict(convert.claim_dict(request.claim))
        budget.check()
        return engine.claims.score(claim)


def _time_remaining(context) -> float | None:
    left = context.time_remaining() if hasattr(context, "time_remaining") else None
    return left if left is not None and left < 1e6 else None


def _metadata(context) -> dict[str, str]:
    return {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}


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
        try:
            work = self.pool.submit(fn, budget, *args, **kwargs)
        except RuntimeError:   # the pool is shut down: the server is draining
            slot.release()
            raise Unavailable("server is shutting down; retry on another instance") from None
        with self._working_lock:
            self._working.add(budget)

        def stopped(_future) -> None:
            with self._working_lock:
                self._working.discard(budget)
            slot.release()

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

    async def _code(self, engine, request, keep: tuple[str, str], context, slot: Slot):
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
                                          profile=request.profile or None, systems=systems, **args)
        if self.metrics is not None:
            self.metrics.stages(enc.stage_ms)
        return enc, eid, kept

    async def CodeEncounter(self, request, context):
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        keep = _review_queue(engine, context)
        enc, eid, kept = await self._code(engine, request, keep, context, self.admission.take())
        context.set_trailing_metadata(_trailers(rid, enc.stage_ms, kept))
        return pb.CodeEncounterResponse(request_id=rid, encounter=convert.encounter_pb(enc, eid))

    async def CodeEncounters(self, request_iterator, context):
        """Bounded window of documents in flight; answers leave in request order."""
        engine = self.state.ready_engine()
        window = self.stream_window
        pending: list[tuple[str, asyncio.Task]] = []
        keep = _review_queue(engine, context)
        try:
            async for request in request_iterator:
                rid = request.request_id
                pending.append((rid, asyncio.ensure_future(self._one(engine, request, keep, context))))
                while len(pending) >= window:
                    yield await self._item(*pending.pop(0))
            while pending:
                yield await self._item(*pending.pop(0))
        finally:   # a stream that ended early (bad item, cancelled): its documents' errors are not news
            for _, task in pending:
                task.add_done_callback(_consume)

    async def _one(self, engine, request, keep, context):
        slot = await self.admission.take_waiting(STREAM_ADMISSION_WAIT_S)
        enc, eid, _kept = await self._code(engine, request, keep, context, slot)   # health tells a stream
        return enc, eid

    async def _item(self, rid: str, task: asyncio.Task):
        try:
            enc, eid = await task
            return pb.CodeEncountersItem(request_id=rid, encounter=convert.encounter_pb(enc, eid))
        except Exception as e:  # noqa: BLE001 - one bad document must not end the stream
            code, _, message = classify(e, "CodeEncounters")
            return pb.CodeEncountersItem(request_id=rid, error=pb.Error(code=code.value[0], message=message))

    async def ScoreClaim(self, request, context):
        """Under the same admission and budget as a coding call: a 2 MB 837 is a lot of segments."""
        rid = request_id_of(context, request)
        context.set_trailing_metadata(_trailers(rid))
        engine = self.state.ready_engine()
        slot = self.admission.take()
        budget = CallBudget(_time_remaining(context), self.call_cpu_budget_s)
        result = await self._held(slot, budget, _score, engine, request)
        return pb.ScoreClaimResponse(request_id=rid, claim_id=result.claim_id,
                                     edits=[convert.edit_pb(e) for e in result.edits],
                                     denial_risk=float(result.denial_risk), drg=result.drg or "")

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
