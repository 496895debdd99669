"""Replicated serving: ``medcoder serve --replicas 2`` behind the SDK's round_robin with health
checks and retries (client.routing). One replica is SIGKILLed under steady load: only calls it held
in flight may fail, the other replica carries the load at once, and the launcher starts the dead
one again, which gets calls again once it reports SERVING."""
from __future__ import annotations

import os
import threading
import time

import pytest

from client.errors import MedcoderClientError
from client.sdk import MedcoderClient
from loadtest.replicas import ReplicaGroup
from tests.integration.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]

NOTE = "Assessment: type 2 diabetes mellitus with hyperglycemia. Essential hypertension. No pneumonia."


class SteadyLoad:
    """``threads`` callers coding back to back; every outcome recorded with its end time."""

    def __init__(self, client: MedcoderClient, threads: int):
        self.client, self.stop = client, threading.Event()
        self.ok: list[float] = []
        self.failed: list[tuple[float, str]] = []
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        while not self.stop.is_set():
            try:
                self.client.code(NOTE, setting="outpatient")
                self.ok.append(time.monotonic())
            except MedcoderClientError as e:
                self.failed.append((time.monotonic(), e.code.name))

    def __enter__(self):
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self._threads:
            t.join(60)

    def ok_between(self, t0: float, t1: float) -> int:
        return sum(t0 <= t < t1 for t in self.ok)


@pytest.fixture
def replicas(tmp_path, cache_dir):
    env = {**os.environ, "MEDCODER_CACHE_DIR": str(cache_dir), "MEDCODER_DATA_DIR": str(tmp_path / "data"),
           "MEDCODER_REVIEW_PORT": "0"}
    group = ReplicaGroup.start(2, tmp_path / "replicas.log", env, cwd=REPO)
    yield group
    assert group.stop() == 0, group.log()[-3000:]


def warm(replicas, calls: int = 4) -> None:
    """A few calls to each replica on its own first: a fresh replica's first calls are its slowest
    (lazy tables) and admission lets only probes in until it has learned its costs, so a steady
    load started cold can be shed (RESOURCE_EXHAUSTED past the retry budget) before any kill."""
    for address in replicas.target.removeprefix("ipv4:").split(","):
        with MedcoderClient(address, timeout_s=60) as client:
            for _ in range(calls):
                client.code(NOTE, setting="outpatient")


def test_a_replica_killed_under_load_fails_only_its_calls_in_flight_and_comes_back(replicas):
    warm(replicas)
    with MedcoderClient(replicas.target, timeout_s=20) as client, SteadyLoad(client, threads=4) as load:
        time.sleep(3)
        assert replicas.requests_served(0) > 0 and replicas.requests_served(1) > 0   # round_robin spreads
        t_kill = time.monotonic()
        inflight = replicas.kill(1)
        time.sleep(4)
        failed = [code for t, code in load.failed if t >= t_kill]
        print(f"in flight on the killed replica: {inflight}; calls failed after the kill: {len(failed)} {failed}")
        assert len(failed) <= inflight
        assert load.ok_between(t_kill + 2, t_kill + 4) > 0      # the survivor carries the load
        replicas.wait_serving(3, timeout_s=120)                 # the launcher started replica 1 again
        before = replicas.requests_served(1)
        time.sleep(3)
        assert replicas.requests_served(1) > before             # health checks let it back in
    assert not [f for f in load.failed if f[0] < t_kill]
    assert "replica 1 pid" in replicas.log() and "(killed by SIGKILL); starting it again" in replicas.log()


def test_a_call_sent_again_to_another_replica_with_its_request_id_is_kept_once(replicas, tmp_path):
    """What gRPC's retry does when a replica died after it kept the encounter and before it
    answered: the same request, same request_id, reaches the other replica. Both replicas log to
    one database; the encounter (and its suggestion ids) is the same, and it is kept once. The
    same request_id with another document, or no request_id, is another encounter."""
    import sqlite3

    import grpc

    from client.contract import pb, pb_grpc

    addresses = replicas.target.removeprefix("ipv4:").split(",")
    stubs = [pb_grpc.CodingServiceStub(grpc.insecure_channel(a)) for a in addresses]
    request = pb.CodeEncounterRequest(request_id="vendor-batch-7-0001", document=pb.Document(content=NOTE.encode()))
    first, again = (stub.CodeEncounter(request, timeout=60).encounter for stub in stubs)
    assert first.encounter_id == again.encounter_id and first.codes
    assert [c.suggestion_id for c in first.codes] == [c.suggestion_id for c in again.codes]
    other = stubs[0].CodeEncounter(pb.CodeEncounterRequest(
        request_id="vendor-batch-7-0001", document=pb.Document(content=(NOTE + " Obesity.").encode())), timeout=60)
    anonymous = [stubs[1].CodeEncounter(pb.CodeEncounterRequest(document=request.document), timeout=60)
                 for _ in range(2)]
    ids = {first.encounter_id, other.encounter.encounter_id, *(a.encounter.encounter_id for a in anonymous)}
    assert len(ids) == 4
    with sqlite3.connect(tmp_path / "data" / "decisions.sqlite3") as conn:
        kept = dict(conn.execute("SELECT encounter_id, COUNT(*) FROM encounters GROUP BY encounter_id").fetchall())
    assert kept == {i: 1 for i in ids}
