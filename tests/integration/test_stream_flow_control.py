"""A ``CodeEncounters`` stream under a saturated gateway (#17): it reads its next document only
when admission has room, so while unary calls are being refused with RESOURCE_EXHAUSTED every
document of the stream is coded, none fails for waiting in the gateway, and the admission
counter never counts a stream document as refused."""
from __future__ import annotations

import re
import threading
import urllib.request

import grpc
import pytest

from client.contract import pb, pb_grpc
from tests.integration.conftest import REPO, start_gateway

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOTE = (REPO / "examples" / "notes" / "discharge_chf.txt").read_bytes()


def _refused(gw) -> int:
    url = re.search(r"medcoder metrics on (\S+)", gw.log()).group(1)
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(float(re.search(r"^medcoder_admission_rejected_total (\S+)$", r.read().decode(), re.M).group(1)))


def test_a_stream_waits_for_room_while_unary_calls_are_shed(tmp_path, cache_dir):
    gw = start_gateway(tmp_path, cache_dir, {"MEDCODER_MAX_INFLIGHT": "2", "MEDCODER_WORKER_THREADS": "2"})
    stop, shed = threading.Event(), []
    try:
        with gw.channel() as ch:
            stub = pb_grpc.CodingServiceStub(ch)

            def hammer():   # no retries: a raw stub, so refusals are seen
                while not stop.is_set():
                    try:
                        stub.CodeEncounter(pb.CodeEncounterRequest(document=pb.Document(content=NOTE)), timeout=30)
                    except grpc.RpcError as e:
                        if e.code() is grpc.StatusCode.RESOURCE_EXHAUSTED:
                            shed.append(1)

            threads = [threading.Thread(target=hammer, daemon=True) for _ in range(6)]
            for t in threads:
                t.start()
            reqs = [pb.CodeEncounterRequest(request_id=f"s{i}", document=pb.Document(content=NOTE)) for i in range(12)]
            refused_before = _refused(gw)
            items = list(stub.CodeEncounters(iter(reqs), timeout=120))
            refused_during = _refused(gw) - refused_before
            stop.set()
            for t in threads:
                t.join(60)
    finally:
        gw.stop()
    assert [i.request_id for i in items] == [f"s{i}" for i in range(12)]
    assert [i.WhichOneof("result") for i in items] == ["encounter"] * 12, [i.error.message for i in items]
    assert shed and refused_during > 0   # the gateway was saturated meanwhile: unary calls were refused
    print(f"stream: 12/12 coded while {refused_during} unary calls were refused")
