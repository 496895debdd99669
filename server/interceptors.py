"""The one place typed errors become gRPC status codes.

``MedcoderError`` -> its own code and public message. Anything else -> INTERNAL with a fixed
message; the log gets the exception type and stack frames but not the exception's message, which
could quote note text.
"""
from __future__ import annotations

import logging
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
    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                _wrap_stream(handler.stream_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        return handler


def _wrap_unary(fn, method):
    async def wrapped(request, context):
        try:
            return await fn(request, context)
        except MedcoderError as e:
            await context.abort(e.code, e.message)
        except (grpc.aio.AbortError, grpc.RpcError):
            raise
        except Exception as e:  # noqa: BLE001 - the boundary: nothing unknown leaks to callers
            log_unexpected(method, e)
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
    return wrapped


def _wrap_stream(fn, method):
    async def wrapped(request_iterator, context):
        try:
            async for item in fn(request_iterator, context):
                yield item
        except MedcoderError as e:
            await context.abort(e.code, e.message)
        except (grpc.aio.AbortError, grpc.RpcError):
            raise
        except Exception as e:  # noqa: BLE001
            log_unexpected(method, e)
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
    return wrapped
