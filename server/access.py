"""Every RPC's door: who is calling (``server.identity``), may their role call this, is their tenant
within its rate and in-flight quota, and one access-audit row for what happened (refusals included).

``AccessInterceptor`` runs inside ``ErrorInterceptor``: it raises the gateway's typed errors
(Unauthenticated, PermissionDenied, Overloaded) and the error interceptor maps and counts them
like any other. The servicer reads the caller with ``caller()`` (a context variable of the call's
task). Health is never checked, limited or audited.
"""
from __future__ import annotations

import contextvars
import threading
import time

import grpc

from server.errors import MedcoderError, Overloaded, classify
from server.identity import Identities, Principal, allow, is_open, is_reflection
from server.review.audit import AccessAudit, audit_row

_CALLER: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("medcoder_caller", default=None)
ACTIONS = {"CodeEncounter": "code", "CodeEncounters": "code", "ScoreClaim": "score-claim", "SubmitReview": "decide",
           "ReportRemittance": "import-remittance"}
_DENIALS = ("UNAUTHENTICATED", "PERMISSION_DENIED")


def caller() -> Principal | None:
    """The identified caller of the RPC this task serves (None outside an intercepted call)."""
    return _CALLER.get()


class TenantOverloaded(Overloaded):
    """A tenant over its rate or in-flight quota; ``retry_after_s`` is the hint callers get."""

    def __init__(self, message: str, retry_after_s: float):
        super().__init__(message, retry_after_s)


class TenantLimits:
    """Per tenant: a token bucket of ``rate_per_s`` calls per second (holding one second's worth,
    at least 1) and at most ``max_inflight`` calls at once; 0 turns either off."""

    def __init__(self, rate_per_s: float = 0.0, max_inflight: int = 0):
        self.rate_per_s, self.max_inflight = rate_per_s, max_inflight
        self.burst = max(1.0, rate_per_s)
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}   # tenant -> (tokens, at)
        self._inflight: dict[str, int] = {}

    def acquire(self, tenant: str) -> None:
        """Take one call of ``tenant``'s rate and a slot of its quota, or raise TenantOverloaded
        with how long to wait. Every ``acquire`` that returns is followed by one ``release``."""
        with self._lock:
            if self.rate_per_s > 0:
                t = time.monotonic()
                tokens, at = self._buckets.get(tenant, (self.burst, t))
                tokens = min(self.burst, tokens + (t - at) * self.rate_per_s)
                if tokens < 1.0:
                    wait = (1.0 - tokens) / self.rate_per_s
                    self._buckets[tenant] = (tokens, t)
                    raise TenantOverloaded(f"tenant {tenant} is over its rate limit ({self.rate_per_s:g} calls/s); "
                                           f"retry in {wait:.2f} s", wait)
                self._buckets[tenant] = (tokens - 1.0, t)
            n = self._inflight.get(tenant, 0)
            if self.max_inflight and n >= self.max_inflight:
                raise TenantOverloaded(f"tenant {tenant} has {n} calls in flight, its quota; retry with backoff", 0.1)
            self._inflight[tenant] = n + 1

    def release(self, tenant: str) -> None:
        with self._lock:
            left = self._inflight.get(tenant, 1) - 1
            if left > 0:
                self._inflight[tenant] = left
            else:
                self._inflight.pop(tenant, None)


class AccessInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, identities: Identities, limits: TenantLimits, audit: AccessAudit, *, reflection: bool):
        self.identities, self.limits, self.audit, self.reflection = identities, limits, audit, reflection

    async def intercept_service(self, continuation, handler_call_details):
        method = handler_call_details.method
        if is_open(method):
            return await continuation(handler_call_details)
        if is_reflection(method) and not self.reflection:
            return None     # UNIMPLEMENTED, as if it were not there
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._unary(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                self._stream(handler.stream_stream, method),
                request_deserializer=handler.request_deserializer, response_serializer=handler.response_serializer)
        return handler

    def _enter(self, method: str, context, request=None) -> Principal:
        """The caller, checked and audited when refused."""
        md = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
        try:
            who = self.identities.resolve(md, context.auth_context())
        except MedcoderError as e:
            names = (context.auth_context() or {}).get("x509_subject_alternative_name", ())
            claimed = Principal(f"cert:{names[0].decode('utf-8', 'replace')}" if names else "anonymous", "", "",
                                "mtls" if names else "none")
            self._record(method, context, request, claimed, e.code.name, refused=True)
            raise
        try:
            allow(who, method)
        except MedcoderError as e:
            self._record(method, context, request, who, e.code.name, refused=True)
            raise
        return who

    def _acquire(self, who: Principal, context) -> None:
        """The tenant's rate and quota; a refusal's retry hint goes back as a trailer
        (``server.interceptors``, for every ``Overloaded``)."""
        self.limits.acquire(who.tenant_id)

    def _unary(self, fn, method):
        async def wrapped(request, context):
            who = self._enter(method, context, request)
            token = _CALLER.set(who)
            status, response, refused = "UNKNOWN", None, False
            try:
                self._acquire(who, context)
                try:
                    response = await fn(request, context)
                finally:
                    self.limits.release(who.tenant_id)
                status = "OK"
                return response
            except BaseException as e:
                status, refused = _status_of(e, context), isinstance(e, TenantOverloaded)
                raise
            finally:
                _reset(token)
                self._record(method, context, request, who, status, response=response, refused=refused)
        return wrapped

    def _stream(self, fn, method):
        per_item = method.endswith("/CodeEncounters")   # one row per document coded

        async def wrapped(request_iterator, context):
            who = self._enter(method, context)
            token = _CALLER.set(who)
            status, refused = "UNKNOWN", False
            try:
                self._acquire(who, context)
                try:
                    async for item in fn(request_iterator, context):
                        if per_item:
                            self._record_item(context, who, item)
                        yield item
                finally:
                    self.limits.release(who.tenant_id)
                status = "OK"
            except BaseException as e:
                status, refused = _status_of(e, context), isinstance(e, TenantOverloaded)
                raise
            finally:
                _reset(token)
                if status != "OK" or not per_item:
                    self._record(method, context, None, who, status, refused=refused)
        return wrapped

    # -- audit rows ------------------------------------------------------------------------
    def _record(self, method, context, request, who: Principal | None, status: str, *, response=None,
                refused: bool = False) -> None:
        rpc = method.rsplit("/", 1)[-1]
        self.audit.record(audit_row(
            channel="grpc", actor=who.subject if who else "anonymous", auth=who.auth if who else "none",
            role=who.role if who else "", tenant_id=who.tenant_id if who else "",
            action=ACTIONS.get(rpc, rpc), obj=_object(rpc, request, response),
            outcome="ok" if status == "OK" else f"{'denied' if refused or status in _DENIALS else 'failed'}: {status}",
            peer=_peer(context), request_id=_rid(context, request)), refused=refused)

    def _record_item(self, context, who: Principal, item) -> None:
        ok = item.HasField("encounter")
        self.audit.record(audit_row(
            channel="grpc", actor=who.subject, auth=who.auth, role=who.role, tenant_id=who.tenant_id,
            action="code", obj=f"encounter:{item.encounter.encounter_id}" if ok else "",
            outcome="ok" if ok else f"failed: {_code_name(item.error.code)}",
            peer=_peer(context), request_id=item.request_id[:128]))


def _reset(token) -> None:
    try:
        _CALLER.reset(token)
    except ValueError:   # a stream closed from another task: its context ends with it
        pass


def _status_of(e: BaseException, context) -> str:
    if isinstance(e, MedcoderError):
        return e.code.name
    if isinstance(e, (grpc.aio.AbortError, grpc.RpcError)):
        code = context.code() if hasattr(context, "code") else None
        return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    if type(e).__name__ == "CancelledError":
        return "CANCELLED"
    return classify(e).grpc_code.name if isinstance(e, Exception) else "CANCELLED"


def _code_name(value: int) -> str:
    return next((c.name for c in grpc.StatusCode if c.value[0] == value), "UNKNOWN")


def _object(rpc: str, request, response) -> str:
    """Ids only: the encounter coded, the claim scored, the decision recorded."""
    if rpc == "CodeEncounter" and response is not None:
        return f"encounter:{response.encounter.encounter_id}"
    if rpc == "ScoreClaim" and request is not None and request.WhichOneof("payload") == "claim":
        return f"claim:{request.claim.claim_id[:64]}"
    if rpc == "ReportRemittance" and response is not None and response.remittance_id:
        return f"remittance:{response.remittance_id}"
    if rpc == "SubmitReview" and request is not None:
        did = f" decision:{response.decision_id}" if response is not None else ""
        return f"encounter:{request.encounter_id[:64]}{did}"
    return ""


def _peer(context) -> str:
    try:
        return (context.peer() or "")[:100]
    except Exception:  # noqa: BLE001 - a closed call has no peer
        return ""


def _rid(context, request) -> str:
    """The caller's request id (the request field, else ``x-request-id`` metadata); "" when it sent
    none (the id the servicer makes up then is in the call's trailers, not here)."""
    rid = getattr(request, "request_id", "") if request is not None else ""
    if not rid:
        rid = next((v for k, v in (context.invocation_metadata() or ()) if k == "x-request-id"), "")
    return rid[:128] if isinstance(rid, str) else ""
