"""Abandoned calls on a real gateway (#15 acceptance): eight 120 KB notes with 0.3 s deadlines
and one with 50 ms, then a 30-byte note; and a 1.5 MB 837 claim with a 1 s deadline, then a small
claim. Prints when the slowest attack call was refused as a multiple of its deadline (the
issue's target: under 2x), how long abandoned work still ran after the next small call was
answered (until the in-flight gauge reads 0) and that call's latency (the target: < 100 ms). Two notes: the run-on one of the issue and a clinical one
(neoplasms, drug effects, long-term drugs, injuries).
Figures, before and after, are in docs/security.md ("Bounded work per call").

    python -m benchmarks.bench_abandoned [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.bench_serving import Gateway

RUN_ON = ("s/p CABG, on warfarin for atrial fibrillation, stage 3 CKD due to type 2 diabetes, carcinoma "
          "of the left lung, pregnant 30 weeks, screening colonoscopy, no chest pain, ")
CLINICAL = ("Pt with CHF exacerbation and COPD; hx of breast cancer s/p mastectomy, on tamoxifen. "
            "Hypoglycemia due to insulin, type 1 diabetes with neuropathy. Denies chest pain. Fall from "
            "ladder with fracture of left femur. Adverse effect of lisinopril: angioedema. Metastatic "
            "adenocarcinoma to liver. On long term aspirin and metformin. ")
SMALL = "Acute on chronic systolic CHF."   # 30 bytes
DEADLINES = [0.3] * 8 + [0.05]


def long_837(n_lines: int) -> bytes:
    """An 837P with one claim of ``n_lines`` service lines, each with its own DTP*434 (every one
    of which walks the lines read so far: 30,000 lines are ~15 s of CPU unbounded)."""
    body = ["GS*HC*S*R*20260501*1200*1*X*005010X222A1", "ST*837*0001*005010X222A1", "HL*1**20*1",
            "HL*2*1*22*0", "DMG*D8*19600101*F", "CLM*C1*100***11:B:1*Y*A*Y*Y", "HI*ABK:I10"]
    for i in range(n_lines):
        body += [f"LX*{i + 1}", "SV1*HC:99213*100*UN*1***1", "DTP*434*D8*20260501"]
    body += [f"SE*{len(body)}*0001", "GE*1*1"]
    isa = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260501*1200*^*00501*000000001*0*P*:~"
    return (isa + "~".join(body) + "~IEA*1*000000001~").encode()


def _call(fn, request, timeout_s: float):
    import grpc

    t0 = time.perf_counter()
    try:
        fn(request, timeout=timeout_s)
        return "OK", time.perf_counter() - t0
    except grpc.RpcError as e:
        return e.code().name, time.perf_counter() - t0


def _settle_s(gw: Gateway, limit_s: float = 120.0) -> float:
    t0 = time.perf_counter()
    while gw.metric("medcoder_inflight") > 0 and time.perf_counter() - t0 < limit_s:
        time.sleep(0.01)
    return time.perf_counter() - t0


def notes_round(gw: Gateway, stub, unit: str) -> tuple[float, float, float]:
    """(worst refusal time / deadline, seconds the abandoned work still ran after the next small
    call was answered, that call's latency in s)."""
    from client.contract import pb
    from client.sdk import document

    attack = (unit * (120_000 // len(unit) + 1))[:120_000]
    req = pb.CodeEncounterRequest(document=document(attack, setting="inpatient"))
    with ThreadPoolExecutor(len(DEADLINES)) as pool:
        results = list(pool.map(lambda d: _call(stub.CodeEncounter, req, d), DEADLINES))
    assert all(code == "DEADLINE_EXCEEDED" for code, _ in results), results
    worst = max(s / d for (_, s), d in zip(results, DEADLINES))
    code, small_s = _call(stub.CodeEncounter, pb.CodeEncounterRequest(document=document(SMALL)), 10)
    assert code == "OK", code
    return worst, _settle_s(gw), small_s


def claim_round(gw: Gateway, stub) -> tuple[float, float, float]:
    from client.contract import pb

    code, s = _call(stub.ScoreClaim, pb.ScoreClaimRequest(x12_837=long_837(30_000)), 1.0)
    assert code == "DEADLINE_EXCEEDED", code
    code, small_s = _call(stub.ScoreClaim, pb.ScoreClaimRequest(x12_837=long_837(3)), 10)
    assert code == "OK", code
    return s / 1.0, _settle_s(gw), small_s


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="rounds per attack (medians are printed)")
    args = ap.parse_args(argv)
    import grpc

    from client.contract import pb_grpc

    with tempfile.TemporaryDirectory() as tmp:
        gw = Gateway("bounded", {"MEDCODER_CALL_CPU_BUDGET_S": "5", "MEDCODER_MAX_INFLIGHT": "16",
                                 "MEDCODER_WORKER_THREADS": "4"}, Path(tmp))
        try:
            with grpc.insecure_channel(gw.target, options=[("grpc.max_send_message_length", 64 << 20)]) as ch:
                stub = pb_grpc.CodingServiceStub(ch)
                rounds = {"120 KB run-on note x9": lambda: notes_round(gw, stub, RUN_ON),
                          "120 KB clinical note x9": lambda: notes_round(gw, stub, CLINICAL),
                          "1.5 MB 837 claim": lambda: claim_round(gw, stub)}
                print(f"{'attack':26s} {'refused at':>16s} {'then ran on':>12s} {'next small call':>16s}")
                for name, run in rounds.items():
                    figures = [run() for _ in range(args.repeat)]
                    worst, ran_on, small = (statistics.median(f[i] for f in figures) for i in range(3))
                    print(f"{name:26s} {worst:9.2f}x deadline {ran_on:10.3f} s {small * 1e3:13.0f} ms")
        finally:
            gw.stop()


if __name__ == "__main__":
    main()
