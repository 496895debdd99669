"""One error base for the gateway. Each error carries a gRPC status code and a public message.

Messages are shown to callers and written to logs, so they never contain note text (PHI):
say *what* is wrong with the input ("FHIR Bundle has no DocumentReference or Composition"),
never echo the input itself.
"""
from __future__ import annotations

import grpc


class MedcoderError(Exception):
    """Base of every error the gateway reports on purpose."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(MedcoderError):
    """The caller sent something we cannot code (empty, too large, malformed, unknown system)."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(MedcoderError):
    code = grpc.StatusCode.NOT_FOUND


class Overloaded(MedcoderError):
    """Admission control refused the call instead of queuing it without bound."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(MedcoderError):
    """A backend (Triton, the database) cannot be reached right now."""

    code = grpc.StatusCode.UNAVAILABLE


class PermissionDenied(MedcoderError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(MedcoderError):
    code = grpc.StatusCode.UNAUTHENTICATED
