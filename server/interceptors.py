"""The one place typed errors become gRPC status codes.

``MedcoderError`` -> its own code and public message. Anything else -> INTERNAL with a fixed
message; the log gets the exception type and stack frames but not the exception's message, which
could quote note text. With ``metrics``, every unary and bidirectional call is counted by method
and final status code, and timed.
"""
from __future__ import annotations

import asyncio
import logging
import time
import traceback
import uuid

import grpc

from server.errors import MedcoderError

log = logging.getLogger("medcoder.rpc")
INTERNAL_MESSAGE = "internal error; the request id is in the trailing metadata"


def request_id_of(context, request=None) -> str:
    """The caller's id: request field, else ``x-request-id`` metadata, else a new one."""
    rid = getattr(request, "request_id", "") if request is not None else ""
    if not rid:
        for key, value in context.invocation_metadata() or ():
            if key == "x-request-id":
                rid = value
                break
    return rid[:128] or uuid.uuid4().hex


def log_unexpected(method: str, exc: BaseException) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__)[-6:])
    log.error("unexpected %s in %s\n%s", type(exc).__name__, method, frames)


class ErrorInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, metrics=None):
        self.metrics = metrics

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        record = _recorder(self.metrics, method)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary, method, record),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                _wrap_stream(handler.stream_stream, method, record),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
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


def _wrap_unary(fn, method, record):
    async def wrapped(request, context):
        t0 = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            return await fn(request, context)
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except MedcoderError as e:
            code = e.code
            await context.abort(e.code, e.message)
        except (grpc.aio.AbortError, grpc.RpcError):
            code = _aborted_code(context)
            raise
        except Exception as e:  # noqa: BLE001 - the boundary: nothing unknown leaks to callers
            code = grpc.StatusCode.INTERNAL
            log_unexpected(method, e)
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        finally:
            record(code, t0)
    return wrapped


def _wrap_stream(fn, method, record):
    async def wrapped(request_iterator, context):
        t0 = time.perf_counter()
        code = grpc.StatusCode.OK
        try:
            async for item in fn(request_iterator, context):
                yield item
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        except MedcoderError as e:
            code = e.code
            await context.abort(e.code, e.message)
        except (grpc.aio.AbortError, grpc.RpcError):
            code = _aborted_code(context)
            raise
        except Exception as e:  # noqa: BLE001
            code = grpc.StatusCode.INTERNAL
            log_unexpected(method, e)
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        finally:
            record(code, t0)
    return wrapped
