"""Undecodable request bytes are the caller's error (INVALID_ARGUMENT), never UNKNOWN.

grpc.aio deserializes a request before the handler runs, and answers an exception from the
deserializer UNKNOWN with the exception's text. ``lenient`` wraps a deserializer so that bytes
which are not the method's message become the ``UNDECODABLE`` marker; the error interceptor's
wrapped handler then refuses the marker through the one error table, and a stream refuses it
when the servicer reaches that item.
"""
from __future__ import annotations

import inspect

from server.errors import InvalidInput, classify

NOT_A_MESSAGE = "request is not a valid protobuf message for this method"


class _Undecodable:
    __slots__ = ()


UNDECODABLE = _Undecodable()


def lenient(deserializer):
    """``deserializer``, answering ``UNDECODABLE`` where it would raise (protobuf's DecodeError)."""
    if deserializer is None:
        return None

    def decode(raw: bytes):
        try:
            return deserializer(raw)
        except Exception:  # noqa: BLE001 - DecodeError, or whatever a custom deserializer raises
            return UNDECODABLE
    return decode


def refuse_undecodable(request) -> None:
    if request is UNDECODABLE:
        raise InvalidInput(NOT_A_MESSAGE)


async def checked(request_iterator):
    """The stream's requests; an undecodable one raises InvalidInput where the servicer reads it."""
    async for request in request_iterator:
        refuse_undecodable(request)
        yield request


async def _abort_undecodable(context) -> None:
    code, _, message = classify(InvalidInput(NOT_A_MESSAGE))
    await context.abort(code, message)


def guard_unary_stream(fn):
    """A server-streaming handler (health's Watch) that refuses an undecodable request itself."""
    if inspect.isasyncgenfunction(fn):
        async def stream(request, context):
            if request is UNDECODABLE:
                await _abort_undecodable(context)
            async for item in fn(request, context):
                yield item
        return stream

    async def call(request, context):
        if request is UNDECODABLE:
            await _abort_undecodable(context)
        return await fn(request, context)
    return call
