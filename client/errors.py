"""The client's own errors, built from gRPC status codes (never from message text)."""
from __future__ import annotations

import grpc


class MedcoderClientError(Exception):
    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, request_id: str = ""):
        super().__init__(message)
        self.message = message
        self.request_id = request_id


class InvalidArgument(MedcoderClientError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class Overloaded(MedcoderClientError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(MedcoderClientError):
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(MedcoderClientError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(MedcoderClientError):
    code = grpc.StatusCode.NOT_FOUND


class PermissionDenied(MedcoderClientError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(MedcoderClientError):
    code = grpc.StatusCode.UNAUTHENTICATED


class ServerError(MedcoderClientError):
    code = grpc.StatusCode.INTERNAL


_BY_CODE = {cls.code: cls for cls in (InvalidArgument, Overloaded, Unavailable, DeadlineExceeded,
                                      NotFound, PermissionDenied, Unauthenticated, ServerError)}


def from_rpc_error(e: grpc.RpcError) -> MedcoderClientError:
    code = e.code() if hasattr(e, "code") else grpc.StatusCode.UNKNOWN
    rid = ""
    for key, value in (e.trailing_metadata() or ()) if hasattr(e, "trailing_metadata") else ():
        if key == "x-request-id":
            rid = value
    cls = _BY_CODE.get(code, MedcoderClientError)
    err = cls(e.details() if hasattr(e, "details") else str(code), rid)
    err.code = code
    return err
