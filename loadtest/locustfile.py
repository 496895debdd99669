"""locust users for the medcoder gateway.

Weights and inputs come from environment variables so `make loadtest` and the web UI share one file:
MEDCODER_LT_NOTES (folder of .txt notes), MEDCODER_LT_WEIGHTS ("text=6,fhir=2,hl7=1,stream=1,claim=2"),
MEDCODER_LT_STREAM_BATCH (documents per CodeEncounters stream), MEDCODER_LT_SHAPE ("ceiling" for the
stepwise ceiling finder, with MEDCODER_LT_STEP_USERS="4,8,16,32,64" and MEDCODER_LT_STEP_S=20),
MEDCODER_LT_NOTE_WORDS ("300-500": notes of that many words; "all"), MEDCODER_LT_EVENTS_DIR (where
each locust process writes its per-second call records, loadtest/events.py), MEDCODER_LT_BACKOFF_S
(pause after a call that failed past the SDK's retry budget when the gateway gave no
``grpc-retry-pushback-ms`` hint; either is jittered by 0.5-1.5x), MEDCODER_LT_PACING_S (each user
starts a task at most once per this many seconds, as a vendor's connection sends encounters as
they arrive; 0: back to back, offered load = users), MEDCODER_LT_RETRIES (0: no retries).
"""
from __future__ import annotations

import os
import random
import time

import grpc
from locust import LoadTestShape, constant, constant_pacing, events, task

from client.contract import pb
from client.routing import RETRY_TRAILER
from client.sdk import claim_from_dict
from loadtest.events import Recorder
from loadtest.grpc_user import GrpcStatus, GrpcUser
from loadtest.workload import STREAM_BATCH, as_fhir, as_hl7, load_notes, parse_weights, parse_words, random_claim

try:
    _NOTES = load_notes(os.environ.get("MEDCODER_LT_NOTES") or None,
                        limit=int(os.environ.get("MEDCODER_LT_NOTE_LIMIT", "400")),
                        words=parse_words(os.environ.get("MEDCODER_LT_NOTE_WORDS", "all")))
    _WEIGHTS = parse_weights(os.environ.get("MEDCODER_LT_WEIGHTS", ""))
except (ValueError, FileNotFoundError) as e:
    raise SystemExit(f"loadtest: {e}") from e
_STATUS_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}
_STREAM_BATCH = int(os.environ.get("MEDCODER_LT_STREAM_BATCH", str(STREAM_BATCH)))
_BACKOFF_S = float(os.environ.get("MEDCODER_LT_BACKOFF_S", "0.05"))
_PACING_S = float(os.environ.get("MEDCODER_LT_PACING_S", "0"))
_EVENTS_DIR = os.environ.get("MEDCODER_LT_EVENTS_DIR", "")
_RECORDER = Recorder()


def _pause_s(error: grpc.RpcError) -> float:
    """How long a user waits after a call refused past the retry budget: the gateway's hint when
    it gave one, else MEDCODER_LT_BACKOFF_S, jittered so refused users do not come back together."""
    hint = dict(error.trailing_metadata() or ()).get(RETRY_TRAILER)
    base = int(hint) / 1000 if hint and str(hint).isdigit() else _BACKOFF_S
    return base * random.uniform(0.5, 1.5)


@events.request.add_listener
def _record(name, response_time, exception=None, **_kw):
    status = None if exception is None else (exception.args[0] if isinstance(exception, GrpcStatus) else "OTHER")
    _RECORDER.record(name, time.time(), response_time, status)


@events.test_stop.add_listener
def _dump(**_kw):
    if _EVENTS_DIR:
        from pathlib import Path

        _RECORDER.dump(Path(_EVENTS_DIR))


class CodingUser(GrpcUser):
    """One vendor connection: a task every MEDCODER_LT_PACING_S seconds (0: back to back, so the
    offered load is the user count whatever the gateway's speed)."""

    wait_time = constant_pacing(_PACING_S) if _PACING_S > 0 else constant(0)

    def on_start(self):
        super().on_start()
        self.rng = random.Random(id(self))
        self.n = 0

    def _doc(self, fmt: str) -> "pb.Document":
        self.n += 1
        note = self.rng.choice(_NOTES)
        doc_id = f"lt-{id(self)}-{self.n}"
        if fmt == "fhir":
            return pb.Document(id=doc_id, format=pb.FHIR_R4_JSON, content=as_fhir(note, doc_id))
        if fmt == "hl7":
            return pb.Document(id=doc_id, format=pb.HL7V2, content=as_hl7(note, doc_id))
        return pb.Document(id=doc_id, format=pb.TEXT, content=note.encode(), setting=pb.INPATIENT)

    def _unary(self, method, request):
        try:
            method(request, timeout=30)
        except grpc.RpcError as e:   # already reported to locust by the interceptor (past the retry budget)
            if e.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE):
                time.sleep(_pause_s(e))   # gevent-patched: yields to the other users

    @task(_WEIGHTS["text"])
    def code_text(self):
        self._unary(self.stub.CodeEncounter, pb.CodeEncounterRequest(document=self._doc("text")))

    @task(_WEIGHTS["fhir"])
    def code_fhir(self):
        self._unary(self.stub.CodeEncounter, pb.CodeEncounterRequest(document=self._doc("fhir")))

    @task(_WEIGHTS["hl7"])
    def code_hl7(self):
        self._unary(self.stub.CodeEncounter, pb.CodeEncounterRequest(document=self._doc("hl7")))

    @task(_WEIGHTS["stream"])
    def code_stream(self):
        reqs = [pb.CodeEncounterRequest(request_id=str(i), document=self._doc("text")) for i in range(_STREAM_BATCH)]
        start = time.perf_counter()
        try:
            for item in self.stub.CodeEncounters(iter(reqs), timeout=120):
                exc = None if item.WhichOneof("result") == "encounter" else GrpcStatus(
                    _STATUS_NAMES.get(item.error.code, "UNKNOWN"))
                self.fire("CodeEncounters.item", start, item.ByteSize(), exc)
                start = time.perf_counter()
        except grpc.RpcError as e:
            self.fire("CodeEncounters", start, 0, GrpcStatus(e.code().name))
            if e.code() in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE):
                time.sleep(_pause_s(e))

    @task(_WEIGHTS["claim"])
    def score_claim(self):
        self.n += 1
        claim = claim_from_dict(random_claim(self.rng, f"lt-claim-{self.n}"))
        self._unary(self.stub.ScoreClaim, pb.ScoreClaimRequest(claim=claim))


class CeilingShape(LoadTestShape):
    """Stepwise offered load for the ceiling finder: each step holds its user count for STEP_S."""

    abstract = os.environ.get("MEDCODER_LT_SHAPE") != "ceiling"
    steps = [int(x) for x in os.environ.get("MEDCODER_LT_STEP_USERS", "2,4,8,16,32,64").split(",")]
    step_s = float(os.environ.get("MEDCODER_LT_STEP_S", "20"))

    def tick(self):
        i = int(self.get_run_time() // self.step_s)
        if i >= len(self.steps):
            return None
        return self.steps[i], self.steps[i]
