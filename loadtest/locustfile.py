"""locust users for the medcoder gateway.

Weights and inputs come from environment variables so `make loadtest` and the web UI share one file:
MEDCODER_LT_NOTES (folder of .txt notes), MEDCODER_LT_WEIGHTS ("text=6,fhir=2,hl7=1,stream=1,claim=2"),
MEDCODER_LT_STREAM_BATCH (documents per CodeEncounters stream), MEDCODER_LT_SHAPE ("ceiling" for the
stepwise ceiling finder, with MEDCODER_LT_STEP_USERS="4,8,16,32,64" and MEDCODER_LT_STEP_S=20).
"""
from __future__ import annotations

import os
import random
import time

import grpc
from locust import LoadTestShape, constant, task

from client.contract import pb
from client.sdk import claim_from_dict
from loadtest.grpc_user import GrpcStatus, GrpcUser
from loadtest.workload import as_fhir, as_hl7, load_notes, random_claim

_NOTES = load_notes(os.environ.get("MEDCODER_LT_NOTES") or None,
                    limit=int(os.environ.get("MEDCODER_LT_NOTE_LIMIT", "400")))
_WEIGHTS = dict(text=6, fhir=2, hl7=1, stream=1, claim=2)
for part in filter(None, os.environ.get("MEDCODER_LT_WEIGHTS", "").split(",")):
    key, _, value = part.partition("=")
    if key.strip() not in _WEIGHTS:
        raise SystemExit(f"MEDCODER_LT_WEIGHTS: unknown task {key.strip()!r}; known: {', '.join(_WEIGHTS)}")
    _WEIGHTS[key.strip()] = int(value)
_STATUS_NAMES = {c.value[0]: c.name for c in grpc.StatusCode}
_STREAM_BATCH = int(os.environ.get("MEDCODER_LT_STREAM_BATCH", "8"))


class CodingUser(GrpcUser):
    """One vendor connection: codes notes back to back (no think time: offered load = users)."""

    wait_time = constant(0)

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
        except grpc.RpcError:
            pass   # already reported to locust by the interceptor

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
