"""One error base for the gateway and the one table that maps errors for gRPC calls, stream items
and the review page's HTTP answers.

Each error class carries its gRPC status code, its HTTP status and a public message. ``classify``
turns any exception into ``(grpc_code, http_status, public_message)``; the interceptor, the
``CodeEncounters`` stream and the review HTTP server all answer with it, so a refusal reads the
same on every transport:

=====================  ===================  ====
error                  gRPC                 HTTP
=====================  ===================  ====
InvalidInput           INVALID_ARGUMENT     400
CodeFormatError [1]_   INVALID_ARGUMENT     400
Unauthenticated        UNAUTHENTICATED      401
PermissionDenied       PERMISSION_DENIED    403
NotFound               NOT_FOUND            404
Overloaded             RESOURCE_EXHAUSTED   429
StorageFull            RESOURCE_EXHAUSTED   507
QuotaExceeded          RESOURCE_EXHAUSTED   507
BudgetExceeded         RESOURCE_EXHAUSTED   429
Unavailable            UNAVAILABLE          503
StorageUnavailable     UNAVAILABLE          503
Cancelled              UNAVAILABLE          503
BackendTimeout         DEADLINE_EXCEEDED    504
DeadlineExceeded       DEADLINE_EXCEEDED    504
MedcoderError          INTERNAL             500
anything else          INTERNAL             500, fixed message
=====================  ===================  ====

.. [1] ``rules_native.codesets.CodeFormatError``: rules_native imports nothing of ours, so its
   errors are mapped here instead of deriving from ``MedcoderError``. Its message quotes at most a
   short code-shaped token.

Overload is 429 Too Many Requests, the HTTP twin of RESOURCE_EXHAUSTED (as in Google's API status
mapping and TEI's ``Overloaded``): the caller should back off and retry. 503 stays for "a backend
cannot be reached". A full disk or a tenant over its storage quota is 507 Insufficient Storage:
RESOURCE_EXHAUSTED too, but retrying soon will not help until space is freed. A subclass that names only its gRPC ``code`` gets the HTTP status of that
code from ``HTTP_STATUS_OF``.

Messages are shown to callers and written to logs, so they never contain note text (PHI):
say *what* is wrong with the input ("FHIR Bundle has no DocumentReference or Composition"),
never echo the input itself. Unknown errors are logged with their type and stack frames, never
their message, which could quote note text.
"""
from __future__ import annotations

import logging
import traceback
from typing import NamedTuple

import grpc

log = logging.getLogger("medcoder.errors")
INTERNAL_MESSAGE = "internal error"
_S = grpc.StatusCode
HTTP_STATUS_OF = {
    _S.INVALID_ARGUMENT: 400, _S.FAILED_PRECONDITION: 400, _S.OUT_OF_RANGE: 400,
    _S.UNAUTHENTICATED: 401, _S.PERMISSION_DENIED: 403, _S.NOT_FOUND: 404,
    _S.ALREADY_EXISTS: 409, _S.ABORTED: 409, _S.RESOURCE_EXHAUSTED: 429,
    _S.UNIMPLEMENTED: 501, _S.UNAVAILABLE: 503, _S.DEADLINE_EXCEEDED: 504,
}


class MedcoderError(Exception):
    """Base of every error the gateway reports on purpose."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    http_status: int = 500

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__ and "http_status" not in cls.__dict__:
            cls.http_status = HTTP_STATUS_OF.get(cls.code, 500)

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(MedcoderError):
    """The caller sent something we cannot code (empty, too large, malformed, unknown system)."""

    code, http_status = grpc.StatusCode.INVALID_ARGUMENT, 400


class NotFound(MedcoderError):
    code, http_status = grpc.StatusCode.NOT_FOUND, 404


class Overloaded(MedcoderError):
    """Admission control refused the call instead of queuing it without bound; ``retry_after_s``
    (when known) goes back as the ``grpc-retry-pushback-ms`` trailer, which gRPC's retries obey
    (negative: do not retry)."""

    code, http_status = grpc.StatusCode.RESOURCE_EXHAUSTED, 429

    def __init__(self, message: str, retry_after_s: float | None = None):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Unavailable(MedcoderError):
    """A backend (Triton, the database) cannot be reached right now."""

    code, http_status = grpc.StatusCode.UNAVAILABLE, 503


class StorageError(MedcoderError):
    """The review database refused a write (or a read) for a reason of its own, not the caller's:
    ``path`` names the file or database and ``cause`` says why in a few words ("disk full",
    "read-only", "I/O error"). The public message says what the caller can do; neither ever
    holds note text."""

    def __init__(self, message: str, *, path: str = "", cause: str = ""):
        super().__init__(message)
        self.path, self.cause = path, cause


class StorageFull(StorageError):
    """The disk (or the database's size cap) is full: nothing more can be stored until space is freed."""

    code, http_status = grpc.StatusCode.RESOURCE_EXHAUSTED, 507


class StorageUnavailable(StorageError, Unavailable):
    """The database cannot be written now: read-only, an I/O error, a file that cannot be opened."""

    code, http_status = grpc.StatusCode.UNAVAILABLE, 503


class QuotaExceeded(MedcoderError):
    """A tenant's stored encounters would pass its storage quota (``review_tenant_quota_bytes``)."""

    code, http_status = grpc.StatusCode.RESOURCE_EXHAUSTED, 507


class BudgetExceeded(MedcoderError):
    """One call used up its CPU budget (``Config.call_cpu_budget_s``): its work stopped, nothing
    of it was stored. Retrying the same document will not help; sending it in parts will."""

    code, http_status = grpc.StatusCode.RESOURCE_EXHAUSTED, 429


class DeadlineExceeded(MedcoderError):
    """The caller's deadline passed while its document was being coded: the work stopped and
    nothing of it was stored."""

    code, http_status = grpc.StatusCode.DEADLINE_EXCEEDED, 504


class Cancelled(Unavailable):
    """The call's work was stopped because the caller went away or the server is draining."""


class PermissionDenied(MedcoderError):
    code, http_status = grpc.StatusCode.PERMISSION_DENIED, 403


class Unauthenticated(MedcoderError):
    code, http_status = grpc.StatusCode.UNAUTHENTICATED, 401


class Reply(NamedTuple):
    """What a caller is told about an error, on each transport."""

    grpc_code: grpc.StatusCode
    http_status: int
    message: str


def classify(exc: BaseException, where: str = "") -> Reply:
    """The answer to ``exc`` for gRPC, stream items and HTTP (the table above). An unknown error
    is logged here (type and frames, under ``where``) and answered INTERNAL / 500 with
    ``INTERNAL_MESSAGE``, never its own text.

    ``classify(Overloaded("server is at capacity"))`` is
    ``Reply(RESOURCE_EXHAUSTED, 429, "server is at capacity")``.
    """
    if isinstance(exc, MedcoderError):
        return Reply(exc.code, exc.http_status, exc.message)
    from rules_native.codesets.errors import CodeFormatError

    if isinstance(exc, CodeFormatError):
        return Reply(grpc.StatusCode.INVALID_ARGUMENT, 400, str(exc))
    log_unexpected(where or "?", exc)
    return Reply(grpc.StatusCode.INTERNAL, 500, INTERNAL_MESSAGE)


def log_unexpected(where: str, exc: BaseException) -> None:
    frames = "".join(traceback.format_tb(exc.__traceback__)[-6:])
    log.error("unexpected %s in %s\n%s", type(exc).__name__, where, frames)
