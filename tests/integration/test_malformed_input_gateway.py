"""Malformed input at the real gateway, its review page and the ``medcoder`` command (issue #15,
items 4 and 5): undecodable protobuf, oversize messages, bad dates, too many query fields and a
data dir the database cannot live in each get a typed refusal, never INTERNAL, UNKNOWN, a 500 or a
traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2

from client.contract import pb
from tests.integration.test_review_http import Browser, site  # noqa: F401 - the review page fixture
from tests.unit.test_claims_parse import PROFESSIONAL, _x12
from tests.unit.test_review_service import codesets  # noqa: F401 - fixture of `site`

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
CODE = "/medcoder.v1.CodingService/CodeEncounter"
NOTE = b"Assessment: acute on chronic systolic heart failure. Type 2 diabetes mellitus."


def _raw_call(channel, method: str, payload: bytes, timeout: float = 30):
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    return call(payload, timeout=timeout)


@pytest.mark.parametrize("method", [CODE, "/medcoder.v1.CodingService/ScoreClaim",
                                    "/medcoder.v1.CodingService/SubmitReview", "/grpc.health.v1.Health/Check"])
def test_undecodable_protobuf_is_invalid_argument_not_unknown(gateway, method):
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        _raw_call(ch, method, b"\xff\xff\xff\xff\x0f")
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details() == "request is not a valid protobuf message for this method"


def test_an_undecodable_health_watch_is_invalid_argument(gateway):
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        next(iter(ch.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=None,
                                  response_deserializer=None)(b"\xff\xff\xff", timeout=10)))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_an_undecodable_stream_item_ends_the_stream_invalid_argument(gateway):
    with gateway.channel() as ch:
        call = ch.stream_stream("/medcoder.v1.CodingService/CodeEncounters", request_serializer=None,
                                response_deserializer=pb.CodeEncountersItem.FromString)
        ok = pb.CodeEncounterRequest(request_id="a", document=pb.Document(content=NOTE)).SerializeToString()
        with pytest.raises(grpc.RpcError) as err:
            list(call(iter([ok, b"\xff\xff\xff"]), timeout=60))
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_a_message_far_beyond_the_document_limit_is_refused_before_it_is_read(gateway):
    big = pb.CodeEncounterRequest(document=pb.Document(content=b"a" * (8 << 20))).SerializeToString()
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        _raw_call(ch, CODE, big)
    assert err.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    just_over = pb.CodeEncounterRequest(document=pb.Document(content=b"a" * 2_000_100)).SerializeToString()
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        _raw_call(ch, CODE, just_over)   # within the envelope: our own clear message
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "the limit is 2000000" in err.value.details()


@pytest.mark.parametrize("day", ["2026-1-1", "2026-02-30"])
def test_a_bad_date_of_service_on_a_coded_note_is_invalid_argument(gateway, day):
    req = pb.CodeEncounterRequest(document=pb.Document(content=NOTE, date_of_service=day))
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        ch.unary_unary(CODE, request_serializer=pb.CodeEncounterRequest.SerializeToString,
                       response_deserializer=pb.CodeEncounterResponse.FromString)(req, timeout=60)
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "date_of_service" in err.value.details()


def test_an_hl7_note_with_an_unknown_txa_date_is_coded(gateway):
    msg = (b"MSH|^~\\&|EHR|H|MC|R|202605031015||MDM^T02|1|P|2.5\rTXA|1|DS|TX|00000000\r"
           b"OBX|1|TX|1^Assessment||" + NOTE + b"\r")
    req = pb.CodeEncounterRequest(document=pb.Document(content=msg))
    with gateway.channel() as ch:
        resp = ch.unary_unary(CODE, request_serializer=pb.CodeEncounterRequest.SerializeToString,
                              response_deserializer=pb.CodeEncounterResponse.FromString)(req, timeout=60)
    assert resp.encounter.codes


def test_health_still_serving_after_the_malformed_calls(gateway):
    with gateway.channel() as ch:
        raw = _raw_call(ch, "/grpc.health.v1.Health/Check", health_pb2.HealthCheckRequest().SerializeToString())
    assert health_pb2.HealthCheckResponse.FromString(raw).status == health_pb2.HealthCheckResponse.SERVING
    assert "Traceback" not in gateway.log()


def test_seventeen_query_fields_are_400_not_500(site):  # noqa: F811
    server, _ = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    query = "&".join(f"f{i}=x" for i in range(17))
    status, _, body = alice.request("GET", "/api/codes?" + query)
    assert status == 400 and "too many query fields" in json.loads(body)["error"]
    status, _, body = alice.request("GET", "/queue?" + query)
    assert status == 400 and "too many query fields" in body


def _medcoder(*args, env_extra: dict, cache_dir: Path, timeout: float = 300):
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), **env_extra}
    return subprocess.run([sys.executable, "-m", "server.cli", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_serve_with_an_unusable_data_dir_says_which_path_in_one_line(tmp_path, cache_dir):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    out = _medcoder("serve", "--port", "0", cache_dir=cache_dir,
                    env_extra={"MEDCODER_DATA_DIR": str(blocker / "data"), "MEDCODER_METRICS_PORT": "-1",
                               "MEDCODER_REVIEW_PORT": "0"})
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    (line,) = [ln for ln in out.stderr.splitlines() if "error" in ln.lower()]
    assert line.startswith("medcoder: error:") and "review database" in line
    assert str(blocker / "data" / "decisions.sqlite3") in line and "not a directory" in line


@pytest.mark.parametrize("name, content, args", [
    ("deep.json", b'{"resourceType": "Composition", "extension": ' + b"[" * 1000 + b"]" * 1000 + b"}", ["code"]),
    ("claim.x12", _x12(PROFESSIONAL).replace("SE*17*", "SE*1\u00b2*").encode("latin-1"), ["claim", "check"]),
    ("claim.json", b"[" * 50_000, ["claim", "check"]),
], ids=["fhir-nested", "x12-superscript-count", "json-nested"])
def test_the_cli_prints_one_line_and_exits_2_on_malformed_files(tmp_path, cache_dir, name, content, args):
    path = tmp_path / name
    path.write_bytes(content)
    out = _medcoder(*args, path, cache_dir=cache_dir, env_extra={})
    assert out.returncode == 2, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    errors = [ln for ln in out.stderr.splitlines() if ln.startswith("medcoder: error:")]
    assert len(errors) == 1


@pytest.mark.parametrize("rid", ["caf\u00e9", "line\nbreak", "\x00"])
def test_a_request_id_that_cannot_be_a_header_is_invalid_argument_not_internal(gateway, rid):
    """The request id goes back as the ``x-request-id`` trailer; gRPC refused the header and the
    call ended INTERNAL (found by ``make fuzz``)."""
    req = pb.CodeEncounterRequest(request_id=rid, document=pb.Document(content=NOTE))
    with gateway.channel() as ch, pytest.raises(grpc.RpcError) as err:
        _raw_call(ch, CODE, req.SerializeToString())
    assert err.value.code() is grpc.StatusCode.INVALID_ARGUMENT and "request_id" in err.value.details()



@pytest.mark.parametrize("start, end", [("\u00b2", "5"), ("1", "9" * 5000), ("\u0661", "\u0662")],
                         ids=["superscript", "5000-digits", "arabic-indic"])
def test_evidence_offsets_in_odd_digits_are_400_not_500(site, start, end):  # noqa: F811
    server, service = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, _, body = alice.post("/encounters/encA/decisions", {
        "csrf": alice.csrf("/encounters/encA"), "action": "add", "system": "ICD10CM", "final_code": "I10",
        "evidence_start": start, "evidence_end": end})
    assert status == 400 and "character offsets" in body
    assert service.log.decisions() == []


def test_a_content_length_in_odd_digits_is_refused_not_500(site):  # noqa: F811
    server, _ = site
    alice = Browser(server.port)
    alice.login("alice-token-0001")
    status, _, _ = alice.request("POST", "/login", b"token=x", {"Content-Length": "\u00b2",   # sent as latin-1 0xB2
                                                              "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 411
