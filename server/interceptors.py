"""Where errors raised by a gRPC handler become status codes: ``server.errors.classify`` (the one
error table, shared with stream items and the review page) picks the code and public message;
unknown errors get INTERNAL with a fixed message, and the log gets their type and stack frames but
not their message, which could quote note text. With ``metrics``, every unary and bidirectional
call is counted by method and final status code, and timed. A refusal that knows when to come
back (``Overloaded.retry_after_s``: admission, tenant limits) says so in the
``grpc-retry-pushback-ms`` trailer, which gRPC's client retries obey instead of their own backoff.
"""
from __future__ import annotations

import asyncio
import re
import time
import uuid

import grpc

from client.routing import RETRY_TRAILER
from server.errors import InvalidInput, Overloaded, classify
from server.request_decoding import checked, guard_unary_stream, lenient, refuse_undecodable


_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")


def request_id_of(context, request=None) -> str:
    """The caller's id: request field, else ``x-request-id`` metadata, else a new one."""
    rid = getattr(request, "request_id", "") if request is not None else ""
    if not rid:
        for key, value in context.invocation_metadata() or ():
            if key == "x-request-id":
                rid = value
                break
    rid = rid[:128]
    if rid and not _PRINTABLE_ASCII.fullmatch(rid):   # it goes back as the x-request-id header
        raise InvalidInput("request_id must be printable ASCII")
    return rid or uuid.uuid4().hex


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, metrics=None):
        self.metrics = metrics

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        record = _recorder(self.metrics, method)
        decode = lenient(handler.request_deserializer)   # undecodable bytes: INVALID_ARGUMENT, not UNKNOWN
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary, method, record),
                request_deserializer=decode, response_serializer=handler.response_serializer)
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                _wrap_stream(handler.stream_stream, method, record),
                request_deserializer=decode, response_serializer=handler.response_serializer)
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                guard_unary_stream(handler.unary_stream),
                request_deserializer=decode, response_serializer=handler.response_serializer)
        return handler


def _recorder(metrics, method: str):
    """``record(status_code, started)``; a no-op without metrics. The label is the method's short
    name ("CodeEncounter", "Check")."""
    if metrics is None:
        return lambda code, t0: None
    rpc = method.rsplit("/", 1)[-1]
    return lambda code, t0: metrics.request(rpc, code.name, time.perf_counter() - t0)


def _aborted_code(context) -> grpc.StatusCode:
    code = context.code() if hasattr(context, "code") else None
    return code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def _retry_hint(exc: Exception, context) -> None:
    """Add the pushback trailer to what the handler already set (x-request-id); a negative hint
    is "-1", which gRPC clients read as "do not retry" (gRFC A6)."""
    after_s = getattr(exc, "retry_after_s", None) if isinstance(exc, Overloaded) else None
    if after_s is not None:
        kept = tuple((k, v) for k, v in (context.trailing_metadata() or ()) if k != RETRY_TRAILER)
        ms = "-1" if after_s < 0 else str(max(1, round(after_s * 1000)))
        context.set_trailing_metadata((*kept, (RETRY_TRAILER, ms)))


def _wrap_unary(fn, method, record):
    async def wrapped(request, context):
        t0 = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            refuse_undecodable(request)
            return await fn(request, context)
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except (grpc.aio.AbortError, grpc.RpcError):
            code = _aborted_code(context)
            raise
        except Exception as e:  # noqa: BLE001 - the boundary: nothing unknown leaks to callers
            code, _, message = classify(e, method)
            _retry_hint(e, context)
            await context.abort(code, message)
        finally:
            record(code, t0)
    return wrapped


def _wrap_stream(fn, method, record):
    async def wrapped(request_iterator, context):
        t0 = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            async for item in fn(checked(request_iterator), context):
                yield item
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except (grpc.aio.AbortError, grpc.RpcError):
            code = _aborted_code(context)
            raise
        except Exception as e:  # noqa: BLE001 - as above
            code, _, message = classify(e, method)
            _retry_hint(e, context)
            await context.abort(code, message)
        finally:
            record(code, t0)
    return wrapped
