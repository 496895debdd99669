"""The one error table (server.errors): each error reads the same to a gRPC client, a stream item
and the review page, and the SDK turns every status the gateway sends into its own typed error."""
from __future__ import annotations

from http import HTTPStatus

import grpc
import pytest

from client import errors as client_errors
from rules_native.codesets import CodeSetError, normalize_code
from server.backends.errors import BackendError, BackendTimeout
from server.errors import (INTERNAL_MESSAGE, InvalidInput, MedcoderError, NotFound, Overloaded, PermissionDenied,
                           Unauthenticated, Unavailable, classify)
from server.models.errors import ModelArtifactError
from server.review.component import NoReview, ReviewDisabled

S = grpc.StatusCode
TABLE = [(InvalidInput, S.INVALID_ARGUMENT, 400), (Unauthenticated, S.UNAUTHENTICATED, 401),
         (PermissionDenied, S.PERMISSION_DENIED, 403), (NotFound, S.NOT_FOUND, 404),
         (Overloaded, S.RESOURCE_EXHAUSTED, 429), (Unavailable, S.UNAVAILABLE, 503),
         (ReviewDisabled, S.UNAVAILABLE, 503), (BackendTimeout, S.DEADLINE_EXCEEDED, 504),
         (BackendError, S.INTERNAL, 500), (ModelArtifactError, S.INTERNAL, 500), (MedcoderError, S.INTERNAL, 500)]


@pytest.mark.parametrize("cls, code, status", TABLE, ids=[c.__name__ for c, _, _ in TABLE])
def test_each_error_has_one_grpc_code_one_http_status_and_its_own_message(cls, code, status):
    reply = classify(cls("the final_code is not a valid ICD10CM code"))
    assert reply == (code, status, "the final_code is not a valid ICD10CM code")
    assert HTTPStatus(status).phrase                 # the review page can name it
    assert client_errors._BY_CODE[code].code is code  # and the SDK has a typed error for it


def test_a_malformed_code_from_the_code_sets_is_invalid_argument():
    with pytest.raises(CodeSetError) as err:
        normalize_code("ICD10CM", "the patient has a long history of heart failure")
    code, status, message = classify(err.value)
    assert (code, status) == (S.INVALID_ARGUMENT, 400)
    assert message.startswith("malformed ICD10CM code") and "heart failure" not in message


@pytest.mark.parametrize("exc", [RuntimeError("failed on 'QUOKKA-CANARY chest pain'"),
                                 CodeSetError("cache /srv/QUOKKA-CANARY unreadable"), KeyError("QUOKKA-CANARY")],
                         ids=["RuntimeError", "CodeSetError", "KeyError"])
def test_unknown_errors_are_internal_with_a_fixed_message_and_only_their_type_is_logged(exc, caplog):
    try:
        raise exc
    except Exception as e:  # noqa: BLE001 - with a traceback, as at the boundaries
        reply = classify(e, "CodeEncounter")
    assert reply == (S.INTERNAL, 500, INTERNAL_MESSAGE)
    assert f"unexpected {type(exc).__name__} in CodeEncounter" in caplog.text
    assert "QUOKKA" not in caplog.text


def test_a_subclass_naming_only_its_grpc_code_gets_the_matching_http_status():
    class Busy(MedcoderError):
        code = S.RESOURCE_EXHAUSTED

    class Stale(Busy):
        pass

    assert classify(Busy("x"))[:2] == classify(Stale("x"))[:2] == (S.RESOURCE_EXHAUSTED, 429)


class _RpcError(grpc.RpcError):
    def __init__(self, code, details):
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details

    def trailing_metadata(self):
        return (("x-request-id", "r-1"),)


def test_the_sdk_builds_its_errors_from_the_status_code_never_the_message():
    err = client_errors.from_rpc_error(_RpcError(S.INVALID_ARGUMENT, "server is at capacity (RESOURCE_EXHAUSTED)"))
    assert type(err) is client_errors.InvalidArgument and err.request_id == "r-1"
    assert type(client_errors.from_rpc_error(_RpcError(S.RESOURCE_EXHAUSTED, "invalid"))) is client_errors.Overloaded


def test_without_a_review_log_nothing_is_kept_and_a_decision_is_unavailable():
    review = NoReview()
    assert review.coding_tenant({"authorization": "Bearer not-checked"}) == "default"
    review.keep(None, "e1", "default")
    review.start(page=True)
    review.stop()
    assert review.http_url is None
    for call in (lambda: review.submit(None), lambda: review.grpc_coder({}, "alice")):
        with pytest.raises(ReviewDisabled) as err:
            call()
        assert classify(err.value) == (S.UNAVAILABLE, 503, "this gateway has no review log")
