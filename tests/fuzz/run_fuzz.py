"""``make fuzz``: generated inputs against every RPC of a real gateway and against the CLI.

    python -m tests.fuzz.run_fuzz --inputs 100000            # starts its own gateway on 127.0.0.1:0
    python -m tests.fuzz.run_fuzz --target 127.0.0.1:50051 --hours 8

Each input is one call: CodeEncounter (text, FHIR, HL7 v2 with odd formats, settings, patients,
dates, min_score, systems, profiles), CodeEncounters (a stream of such documents), ScoreClaim
(claim messages and X12 837 bytes, some with the encounter's documents), SubmitReview (real and
made-up encounters), Health, raw bytes (damaged serialized requests, to any method) or the ``medcoder`` CLI (``code --server`` and
``claim check`` on generated files, in process; one in ``--subprocess-every`` as a real process).
At the end it prints the counts by RPC and status and the numbers the acceptance asks for:
INTERNAL/UNKNOWN answers, tracebacks (in the CLI's stderr and the gateway's log) and hangs (a call
that outlived its deadline by ``--hang-margin-s``, or was answered DEADLINE_EXCEEDED under the
generous ``--deadline-s``). Exit status 1 when any of those is not 0.

Inputs that failed are written to ``--found`` (default build/fuzz/found/<kind>/), and the first
input of each new (RPC, status, message shape) to ``build/fuzz/interesting``: copy the useful ones
into tests/fuzz/corpus/<kind>/ and the CI corpus replay keeps them fixed.
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2

from client.contract import pb
from tests.fuzz import mutators as m

REPO = Path(__file__).resolve().parents[2]
SERVICE = "/medcoder.v1.CodingService/"
METHODS = {  # path -> (request type, response type, streaming)
    SERVICE + "CodeEncounter": (pb.CodeEncounterRequest, pb.CodeEncounterResponse, False),
    SERVICE + "CodeEncounters": (pb.CodeEncounterRequest, pb.CodeEncountersItem, True),
    SERVICE + "ScoreClaim": (pb.ScoreClaimRequest, pb.ScoreClaimResponse, False),
    SERVICE + "SubmitReview": (pb.SubmitReviewRequest, pb.SubmitReviewResponse, False),
    SERVICE + "ReportRemittance": (pb.ReportRemittanceRequest, pb.ReportRemittanceResponse, False),
    "/grpc.health.v1.Health/Check": (health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse, False),
}
BAD_STATUS = {"INTERNAL", "UNKNOWN"}
_SERVING = re.compile(r"SERVING on ([\d.]+):(\d+)")
_INT32 = (-(2 ** 31), 2 ** 31 - 1)
_SUFFIX = {"text": "txt", "fhir": "json", "hl7": "hl7", "claim": "json", "x12": "x12"}


# -- request generators ---------------------------------------------------------------------------
def _int32(rnd: random.Random) -> int:
    return rnd.choice((0, 1, 67, 125, 126, -1, 2, 3, 9, 42, *_INT32))


def _string(rnd: random.Random, max_len: int = 40) -> str:
    """A proto string (valid UTF-8: no lone surrogates) with odd characters."""
    s = "".join(rnd.choice(("a", "Z", "0", "-", ":", m.odd_unicode(rnd))) for _ in range(rnd.randint(0, max_len)))
    return s.encode("utf-8", "replace").decode("utf-8") if not re.search("[\ud800-\udfff]", s) else "x"


def _rare(rnd: random.Random) -> bool:
    """Each field of a request is odd this rarely, so that most calls get past validation into
    the pipeline and the claim checks, where the slow and deep paths are."""
    return rnd.random() < 0.07


def document(rnd: random.Random) -> tuple[str, bytes, "pb.Document"]:
    kind = rnd.choice(("text", "text", "fhir", "fhir", "hl7"))
    content = m.GENERATORS[kind](rnd)
    fmt = {"text": pb.TEXT, "fhir": pb.FHIR_R4_JSON, "hl7": pb.HL7V2}[kind] if rnd.random() < 0.5 else pb.FORMAT_AUTO
    doc = pb.Document(id=_string(rnd, 12), content=content,
                      format=rnd.choice((pb.TEXT, pb.FHIR_R4_JSON, pb.HL7V2, 7)) if _rare(rnd) else fmt,
                      setting=rnd.choice((0, 1, 2, 5)) if _rare(rnd) else rnd.choice((0, 1, 2)),
                      date_of_service=rnd.choice(m.BAD_DATES) if _rare(rnd) else rnd.choice(("", "2026-05-01")))
    if rnd.random() < 0.3:
        doc.patient.CopyFrom(pb.Patient(age_years=_int32(rnd) if _rare(rnd) else rnd.randint(0, 110),
                                        sex=rnd.choice((0, 1, 2, 9)) if _rare(rnd) else rnd.choice((0, 1, 2))))
    return kind, content, doc


def code_request(rnd: random.Random) -> tuple[str, bytes, "pb.CodeEncounterRequest"]:
    kind, content, doc = document(rnd)
    rid = _string(rnd, 200 if rnd.random() < 0.3 else 10) if _rare(rnd) else f"fuzz-{rnd.getrandbits(32):08x}"
    req = pb.CodeEncounterRequest(request_id=rid, document=doc)
    if rnd.random() < 0.3:
        req.min_score = rnd.choice((-0.1, 1.5, float("nan"), float("inf"))) if _rare(rnd) else rnd.random()
    if rnd.random() < 0.2:
        req.systems.extend(rnd.sample((0, 42, 1, 2), 2) if _rare(rnd) else rnd.sample((1, 2, 3, 4), rnd.randint(1, 3)))
    if _rare(rnd):
        req.profile = rnd.choice(("us-claims", "spanish", _string(rnd, 8)))   # codiesp: built once, seconds
    return kind, content, req


def claim_message(rnd: random.Random) -> "pb.Claim":
    obj = m.claim_object(rnd)
    claim = pb.Claim(claim_id=str(obj["claim_id"]) if rnd.random() < 0.9 else _string(rnd),
                     setting=rnd.choice((0, 1, 2, 4)), payer=rnd.choice(("", "medicare", _string(rnd, 8))))
    claim.diagnoses.extend(obj["diagnoses"] + [_string(rnd, 9) for _ in range(rnd.randint(0, 2))])
    if rnd.random() < 0.5:
        claim.patient.CopyFrom(pb.Patient(age_years=_int32(rnd), sex=rnd.choice((0, 1, 2, 3))))
    for ln in obj["lines"] * (rnd.choice((1, 1, 1, 100)) if rnd.random() < 0.95 else 0):
        claim.lines.append(pb.ClaimLine(
            code=ln["code"] if rnd.random() < 0.9 else _string(rnd, 7), modifiers=ln["modifiers"],
            units=_int32(rnd) if rnd.random() < 0.2 else int(ln["units"]), date_of_service=ln["date_of_service"],
            place_of_service=ln["place_of_service"], system=rnd.choice((0, 0, 3, 4, 1, 17)),
            diagnosis_pointers=[_int32(rnd) if rnd.random() < 0.2 else p for p in ln["diagnosis_pointers"]]))
    return claim


def claim_request(rnd: random.Random) -> tuple[str, bytes, "pb.ScoreClaimRequest"]:
    if rnd.random() < 0.45:
        data = m.x12_document(rnd)
        req = pb.ScoreClaimRequest(request_id=_string(rnd, 8), x12_837=data)
        kind = "x12"
    else:
        claim = claim_message(rnd)
        data, kind = claim.SerializeToString(), "claim"
        req = pb.ScoreClaimRequest(request_id=_string(rnd, 8), claim=claim)
    if rnd.random() < 0.15:   # the encounter's documents beside the claim (docs/compliance.md)
        req.documents.extend(code_request(rnd)[2].document for _ in range(rnd.randint(1, 2)))
        kind, data = kind + "+documents", req.SerializeToString()   # the whole request, to replay
    return kind, data, req


def remittance_request(rnd: random.Random) -> tuple[str, bytes, "pb.ReportRemittanceRequest"]:
    data = m.x835_document(rnd)
    return "x835", data, pb.ReportRemittanceRequest(request_id=_string(rnd, 8), x12_835=data)


def review_request(rnd: random.Random, seen: list[tuple[str, str, str]]) -> "pb.SubmitReviewRequest":
    enc, sid, code = rnd.choice(seen) if seen and rnd.random() < 0.7 else (_string(rnd, 32), _string(rnd, 36), "")
    req = pb.SubmitReviewRequest(
        request_id=_string(rnd, 8), encounter_id=enc, suggestion_id=sid if rnd.random() < 0.8 else _string(rnd),
        action=rnd.choice((0, 1, 2, 3, 4, 9)), system=rnd.choice((0, 1, 1, 2, 3, 4, 11)),
        suggested_code=code if rnd.random() < 0.7 else _string(rnd, 9),
        final_code=rnd.choice(("", "I10", "E11.22", "I50.23", "ZZZ.999", code, _string(rnd, 9))),
        reason=rnd.choice(("", "documentation supports it", "x" * rnd.choice((10, 2001, 50_000)), _string(rnd))),
        coder_id=rnd.choice(("alice", "", _string(rnd, 20), "a" * 3000)))
    if rnd.random() < 0.4:
        req.evidence.CopyFrom(pb.Span(start=_int32(rnd), end=_int32(rnd), section=_string(rnd, 8)))
    for _ in range(rnd.choice((0, 0, 1, 3, 70))):
        req.model_versions[_string(rnd, 10)] = _string(rnd, 10)
    return req


# -- one call -------------------------------------------------------------------------------------
class Fuzzer:
    def __init__(self, target: str, args, out: Path):
        self.target, self.args, self.out = target, args, out
        self.channel = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", 64 << 20),
                                                              ("grpc.max_receive_message_length", 64 << 20)])
        self.counts: collections.Counter = collections.Counter()
        self.shapes: set[tuple[str, str, str]] = set()
        self.seen: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()
        self.cli_lock = threading.Lock()
        self.hangs = self.cli_tracebacks = self.interesting = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="medcoder-fuzz-"))

    # each returns (rpc label, status name, message, kind, input bytes)
    def one(self, i: int):
        rnd = random.Random(f"{self.args.seed}-{i}")
        r = rnd.random()
        if r < 0.40:
            return self._unary(rnd, "CodeEncounter", *code_request(rnd))
        if r < 0.48:
            return self._stream(rnd)
        if r < 0.68:
            return self._unary(rnd, "ScoreClaim", *claim_request(rnd))
        if r < 0.74:
            req = review_request(rnd, self.seen)
            return self._unary(rnd, "SubmitReview", "review", req.SerializeToString(), req)
        if r < 0.78:
            return self._unary(rnd, "ReportRemittance", *remittance_request(rnd))
        if r < 0.90:
            return self._raw(rnd)
        if r < 0.92:
            req = health_pb2.HealthCheckRequest(service=rnd.choice(("", "medcoder.v1.CodingService", _string(rnd))))
            return self._unary(rnd, "Health/Check", "health", req.SerializeToString(), req,
                               path="/grpc.health.v1.Health/Check")
        return self._cli(rnd, i)

    def _call(self, path: str, payload, stream: bool, rnd):
        resp_type = METHODS.get(path, (None, None, False))[1]
        deadline = self.args.deadline_s
        t0 = time.monotonic()
        try:
            if stream:
                call = self.channel.stream_stream(path, request_serializer=None,
                                                  response_deserializer=resp_type.FromString if resp_type else None)
                items = list(call(iter(payload), timeout=deadline))
                status, message, result = "OK", "", items
            else:
                call = self.channel.unary_unary(path, request_serializer=None,
                                                response_deserializer=resp_type.FromString if resp_type else None)
                result = call(payload, timeout=deadline)
                status, message = "OK", ""
        except grpc.RpcError as e:
            status, message, result = e.code().name, e.details() or "", None
        elapsed = time.monotonic() - t0
        if status == "DEADLINE_EXCEEDED" or elapsed > deadline + self.args.hang_margin_s:
            with self.lock:
                self.hangs += 1
        return status, message, result

    def _unary(self, rnd, rpc: str, kind: str, data: bytes, req, path: str | None = None):
        status, message, resp = self._call(path or SERVICE + rpc, req.SerializeToString(), False, rnd)
        if rpc == "CodeEncounter" and resp is not None and resp.encounter.codes:
            c = resp.encounter.codes[0]
            with self.lock:
                self.seen.append((resp.encounter.encounter_id, c.suggestion_id, c.code))
                del self.seen[:-200]
        return rpc, status, message, kind, data

    def _stream(self, rnd):
        reqs = [code_request(rnd) for _ in range(rnd.randint(1, 4))]
        payload = [r.SerializeToString() for _, _, r in reqs]
        if rnd.random() < 0.15:
            payload.insert(rnd.randrange(len(payload) + 1), m.mutate_bytes(rnd, payload[0]))
        status, message, items = self._call(SERVICE + "CodeEncounters", payload, True, rnd)
        for item in items or ():
            if item.WhichOneof("result") == "error":
                name = grpc.StatusCode.UNKNOWN.name
                for code in grpc.StatusCode:
                    if code.value[0] == item.error.code:
                        name = code.name
                with self.lock:
                    self.counts[("CodeEncounters item", name)] += 1
                    if name in BAD_STATUS:
                        self._save("found", "stream-item", reqs[0][1])
        return "CodeEncounters", status, message, reqs[0][0], b"\n".join(payload)

    def _raw(self, rnd):
        path = rnd.choice(list(METHODS) + [SERVICE + "NoSuchMethod"])
        req_type, _, stream = METHODS.get(path, (pb.CodeEncounterRequest, None, False))
        base = {pb.CodeEncounterRequest: lambda: code_request(rnd)[2], pb.ScoreClaimRequest: lambda: claim_request(rnd)[2],
                pb.SubmitReviewRequest: lambda: review_request(rnd, self.seen),
                pb.ReportRemittanceRequest: lambda: remittance_request(rnd)[2],
                health_pb2.HealthCheckRequest: lambda: health_pb2.HealthCheckRequest(service="")}[req_type]()
        data = m.mutate_bytes(rnd, base.SerializeToString()) if rnd.random() < 0.8 else bytes(
            rnd.randrange(256) for _ in range(rnd.randint(0, 64)))
        status, message, _ = self._call(path, [data] if stream else data, stream, rnd)
        return "raw " + path.rsplit("/", 1)[1], status, message, "raw", data

    def _cli(self, rnd, i: int):
        if rnd.random() < self.args.claim_check_share:
            kind = rnd.choice(("claim", "x12"))
            data = m.GENERATORS[kind](rnd)
            path = self.tmp / f"cli-{i}.{_SUFFIX[kind]}"
            argv = ["claim", "check", str(path)]
        else:
            kind = rnd.choice(("text", "fhir", "hl7"))
            data = m.GENERATORS[kind](rnd)
            path = self.tmp / f"cli-{i}.{_SUFFIX[kind]}"
            argv = ["code", "--server", self.target, str(path), "--format", rnd.choice(("json", "tsv"))]
        path.write_bytes(data)
        try:
            real = self.args.subprocess_every and i % self.args.subprocess_every == 0
            rc, err = self._cli_process(argv) if real else self._cli_in_process(argv)
        finally:
            path.unlink(missing_ok=True)
        if "Traceback (most recent call last)" in err:
            with self.lock:
                self.cli_tracebacks += 1
        status = {0: "OK", 2: "EXIT_2 (bad input)"}.get(rc, f"EXIT_{rc}")
        last_line = (err.strip().splitlines() or [""])[-1]
        return "CLI " + argv[0] + (" (process)" if real else ""), status, last_line, kind, data

    def _cli_in_process(self, argv: list[str]) -> tuple[int, str]:
        from server import cli

        out, err = io.StringIO(), io.StringIO()
        with self.cli_lock, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(argv)
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
            except BaseException:   # noqa: BLE001 - what the real process would print as a traceback
                import traceback
                err.write(traceback.format_exc())
                rc = 1
        return rc, err.getvalue()

    def _cli_process(self, argv: list[str]) -> tuple[int, str]:
        proc = subprocess.run([sys.executable, "-m", "server.cli", *argv], cwd=REPO, capture_output=True, text=True,
                              timeout=self.args.deadline_s * 10, env={**os.environ, "PYTHONPATH": str(REPO)})
        return proc.returncode, proc.stderr

    # -- bookkeeping --------------------------------------------------------------------------
    def record(self, rpc: str, status: str, message: str, kind: str, data: bytes) -> None:
        shape = re.sub(r"\d+", "N", message)[:80]
        with self.lock:
            self.counts[(rpc, status)] += 1
            bad = status in BAD_STATUS or status.startswith("EXIT_") and status != "EXIT_2 (bad input)"
            new = (rpc, status, shape) not in self.shapes
            self.shapes.add((rpc, status, shape))
        if bad:
            self._save("found", kind, data)
        elif new and self.interesting < 500:
            self.interesting += 1
            self._save("interesting", kind, data)

    def _save(self, where: str, kind: str, data: bytes) -> None:
        folder = self.out / where / kind
        folder.mkdir(parents=True, exist_ok=True)
        (folder / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


# -- the gateway ---------------------------------------------------------------------------------
def start_gateway(work: Path) -> tuple[subprocess.Popen, str, Path]:
    log_path = work / "gateway.log"
    env = {**os.environ, "MEDCODER_DATA_DIR": str(work / "data"), "MEDCODER_METRICS_PORT": "-1",
           "MEDCODER_REVIEW_PORT": "0", "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", "0"], cwd=REPO, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = _SERVING.search(log_path.read_text(errors="replace"))
        if found:
            return proc, f"{found.group(1)}:{found.group(2)}", log_path
        if proc.poll() is not None:
            raise SystemExit(f"gateway exited {proc.returncode}:\n{log_path.read_text()[-2000:]}")
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("gateway did not report SERVING within 300 s")


def report(fz: Fuzzer, n: int, elapsed: float, log_text: str, alive: bool) -> int:
    print(f"\n{n} inputs in {elapsed:.0f} s ({n / max(elapsed, 1e-9):.1f}/s), seed {fz.args.seed}")
    width = max(len(r) for r, _ in fz.counts) + 2
    for (rpc, status), count in sorted(fz.counts.items()):
        print(f"  {rpc:<{width}} {status:<22} {count:>8}")
    by_status = collections.Counter()
    for (_, status), count in fz.counts.items():
        by_status[status] += count
    print("by status: " + ", ".join(f"{s}={c}" for s, c in sorted(by_status.items())))
    bad = sum(c for (_, s), c in fz.counts.items() if s in BAD_STATUS)
    cli_bad = sum(c for (r, s), c in fz.counts.items() if r.startswith("CLI") and s not in ("OK", "EXIT_2 (bad input)"))
    log_tracebacks = log_text.count("Traceback (most recent call last)") + log_text.count("unexpected ")
    print(f"INTERNAL/UNKNOWN: {bad}   CLI other exits: {cli_bad}   tracebacks: CLI {fz.cli_tracebacks}, "
          f"gateway log {log_tracebacks}   hangs: {fz.hangs}   gateway alive at the end: {alive}")
    print(f"failing inputs under {fz.out / 'found'}; first-of-a-kind inputs under {fz.out / 'interesting'}")
    return 0 if not (bad or cli_bad or fz.cli_tracebacks or log_tracebacks or fz.hangs) and alive else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inputs", type=int, default=10_000, help="generated inputs (calls) in all")
    p.add_argument("--hours", type=float, default=None, help="stop after this long instead (with --inputs as a cap)")
    p.add_argument("--target", default=None, help="host:port of a running gateway (default: start one)")
    p.add_argument("--seed", default="medcoder", help="inputs are a function of (seed, index)")
    p.add_argument("--start", type=int, default=0, help="first input index (to resume or split a run)")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--deadline-s", type=float, default=30.0)
    p.add_argument("--hang-margin-s", type=float, default=5.0)
    p.add_argument("--claim-check-share", type=float, default=0.1,
                   help="share of CLI inputs that run `claim check` (it loads the code sets: ~1 s each)")
    p.add_argument("--subprocess-every", type=int, default=500, help="every Nth CLI input runs as a real process")
    p.add_argument("--out", type=Path, default=REPO / "build" / "fuzz")
    p.add_argument("--progress-every", type=int, default=5000)
    args = p.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="medcoder-fuzz-gw-"))
    proc, target, log_path = (None, args.target, None) if args.target else start_gateway(work)
    print(f"fuzzing {target} with up to {args.inputs} inputs (seed {args.seed!r}, from {args.start})", flush=True)
    fz = Fuzzer(target, args, args.out)
    stop_at = time.monotonic() + args.hours * 3600 if args.hours else None
    t0, done = time.monotonic(), 0
    try:
        with ThreadPoolExecutor(args.concurrency) as pool:
            batch = args.concurrency * 16
            for first in range(args.start, args.start + args.inputs, batch):
                if stop_at and time.monotonic() > stop_at:
                    break
                last = min(first + batch, args.start + args.inputs)
                for result in pool.map(fz.one, range(first, last)):
                    fz.record(*result)
                done += last - first
                if done % args.progress_every < batch:
                    bad = sum(c for (_, s), c in fz.counts.items() if s in BAD_STATUS)
                    print(f"  {done} inputs, {time.monotonic() - t0:.0f} s, INTERNAL/UNKNOWN {bad}, hangs {fz.hangs}",
                          flush=True)
    finally:
        alive = True
        if proc is not None:
            alive = proc.poll() is None
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    log_text = log_path.read_text(errors="replace") if log_path else ""
    return report(fz, done, time.monotonic() - t0, log_text, alive)


if __name__ == "__main__":
    sys.exit(main())
