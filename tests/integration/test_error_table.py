"""What a gRPC client sees when coding fails: the gateway's assembly (``create_server``: the error
interceptor, the servicer, admission, health) runs in process on 127.0.0.1, and one error table
answers unary calls and stream items alike.

The engine here is a stand-in whose coding raises what the code-set layer raises on a malformed
code (``rules_native``'s ``CodeFormatError``, through the real ``normalize_code``) or an unexpected
error: no note makes today's pipeline raise either, and the bug was that the first reached
callers as INTERNAL although its docstring promises INVALID_ARGUMENT. The stand-in has no review
log (``NoReview``), as ``medcoder code`` builds it.
"""
from __future__ import annotations

import asyncio
import logging
import threading

import grpc
import pytest

from client.contract import pb, pb_grpc
from client.errors import InvalidArgument, ServerError, Unavailable
from client.sdk import MedcoderClient
from rules_native.codesets import normalize_code
from server.app import create_server
from server.config import Config
from server.domain import CodedEncounter, Setting
from server.errors import INTERNAL_MESSAGE
from server.review.component import NoReview

pytestmark = pytest.mark.integration
SENTINEL = "WOMBAT-CANARY-31337"


class CodeCheckingEngine:
    """Codes ``code: <code>`` notes by checking the code's shape; a note with the sentinel fails
    with an error whose text quotes the note (which the gateway must never pass on)."""

    backend, backend_name, claims = None, "none", None

    def __init__(self):
        self.review = NoReview()

    def code(self, content: bytes, *, doc_id: str = "", **_) -> tuple[CodedEncounter, str]:
        text = content.decode("utf-8", "replace")
        if SENTINEL in text:
            raise RuntimeError(f"could not code {text!r}")
        if text.startswith("code:"):
            normalize_code("ICD10CM", text[5:].strip())
        return CodedEncounter(doc_id=doc_id, text=text, setting=Setting.OUTPATIENT), "enc-1"

    def warm(self, note: bytes) -> None:
        self.code(note)

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def target():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-gateway-loop", daemon=True)
    thread.start()

    async def start():
        running = await create_server(Config(port=0, metrics_port=-1, worker_threads=2))
        await running.warm(CodeCheckingEngine)
        return running

    running = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    yield f"127.0.0.1:{running.port}"
    asyncio.run_coroutine_threadsafe(running.stop(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _request(text: str, rid: str = "") -> "pb.CodeEncounterRequest":
    return pb.CodeEncounterRequest(request_id=rid, document=pb.Document(content=text.encode()))


def test_a_malformed_code_is_invalid_argument_for_unary_calls_and_stream_items(target):
    with grpc.insecure_channel(target) as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        assert stub.CodeEncounter(_request("code: E11.22"), timeout=10).encounter.encounter_id == "enc-1"
        with pytest.raises(grpc.RpcError) as err:
            stub.CodeEncounter(_request("code: E11.22.9"), timeout=10)
        assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "malformed ICD10CM code" in err.value.details()
        items = list(stub.CodeEncounters(iter([_request("code: I10", "a"), _request("code: 12345", "b")]), timeout=10))
    assert [i.WhichOneof("result") for i in items] == ["encounter", "error"]
    assert items[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "malformed ICD10CM code" in items[1].error.message
    with MedcoderClient(target) as client, pytest.raises(InvalidArgument):   # the SDK's typed error
        client.code("code: E11.22.9")


def test_an_unexpected_error_is_internal_with_a_fixed_message_and_no_note_text(target, caplog):
    caplog.set_level(logging.DEBUG)
    note = f"Assessment: {SENTINEL} essential hypertension."
    with grpc.insecure_channel(target) as ch:
        stub = pb_grpc.CodingServiceStub(ch)
        with pytest.raises(grpc.RpcError) as err:
            stub.CodeEncounter(_request(note), timeout=10)
        (item,) = stub.CodeEncounters(iter([_request(note, "s1")]), timeout=10)
    assert err.value.code() is grpc.StatusCode.INTERNAL and err.value.details() == INTERNAL_MESSAGE
    assert item.error.code == grpc.StatusCode.INTERNAL.value[0] and item.error.message == INTERNAL_MESSAGE
    assert "unexpected RuntimeError in /medcoder.v1.CodingService/CodeEncounter" in caplog.text
    assert "unexpected RuntimeError in CodeEncounters" in caplog.text
    assert SENTINEL not in caplog.text
    with MedcoderClient(target) as client, pytest.raises(ServerError):
        client.code(note)


def test_a_gateway_without_a_review_log_answers_submit_review_unavailable(target):
    with MedcoderClient(target) as client, pytest.raises(Unavailable) as err:
        client.submit_review(pb.SubmitReviewRequest(encounter_id="enc-1", suggestion_id="enc-1:1",
                                                    action=pb.ACCEPT, system=pb.ICD10CM, coder_id="alice"))
    assert err.value.code is grpc.StatusCode.UNAVAILABLE and "no review log" in err.value.message
