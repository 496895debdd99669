"""What caller identity, the access audit and TLS cost per call: the same gateway assembly
(``create_server``, 127.0.0.1) with an engine that answers at once, so the figures are the
gateway's own overhead, measured back to back in one run:

  bare         plaintext, no identity, no review log so no audit trail (the baseline)
  dev          plaintext, no identity, one audit row per call (`make serve`)
  key+audit    plaintext, an API key looked up per call, one audit row per call (SQLite, batched)
  tls+key      the same over TLS
  mtls         client certificates, identity from the certificate's SAN

Prints microseconds per sequential call and the ratio to the baseline. A real note costs
milliseconds to code (``bench_pipeline``), so these are upper bounds on the relative cost.

    python -m benchmarks.bench_access [--calls 600] [--rounds 2]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
from pathlib import Path

import grpc

from client.contract import pb, pb_grpc
from server.app import create_server
from server.config import Config
from server.domain import CodedEncounter, Setting
from server.review.log import ReviewLog

KEY = "bench-service-key-0001"


class _Review:
    """Where the audit rows go (a real SQLite review log); coded encounters are not kept."""

    def __init__(self, path: Path):
        self.log = ReviewLog(path)

    def keep(self, *args, **kwargs) -> None:
        return None

    def start(self, *, page: bool = True) -> None:
        return None

    def stop(self, grace_s: float = 5.0) -> None:
        self.log.close()


class InstantEngine:
    backend, backend_name, claims = None, "none", None

    def __init__(self, folder: Path, audited: bool = True):
        from server.review.component import NoReview

        self.review = _Review(folder / "decisions.sqlite3") if audited else NoReview()

    def code(self, content: bytes, *, doc_id: str = "", **_):
        return CodedEncounter(doc_id=doc_id, text="", setting=Setting.OUTPATIENT), "enc"

    def warm(self, note: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def _measure(loop, config: Config, folder: Path, channel_of, metadata, calls: int,
             audited: bool) -> tuple[float, int]:
    async def start():
        running = await create_server(config)
        await running.warm(lambda: InstantEngine(folder, audited))
        return running

    running = asyncio.run_coroutine_threadsafe(start(), loop).result(60)
    try:
        with channel_of(f"127.0.0.1:{running.port}") as ch:
            stub = pb_grpc.CodingServiceStub(ch)
            req = pb.CodeEncounterRequest(document=pb.Document(content=b"Assessment: hypertension."))
            for _ in range(50):                               # connection, handshake, warm paths
                stub.CodeEncounter(req, metadata=metadata, timeout=10)
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                stub.CodeEncounter(req, metadata=metadata, timeout=10)
                times.append(time.perf_counter() - t0)
    finally:
        asyncio.run_coroutine_threadsafe(running.stop(), loop).result(60)
    with _open(folder) as log:
        rows = log.db.query("SELECT COUNT(*) AS n FROM audit")[0]["n"]
    return statistics.median(times) * 1e6, rows


class _open:
    def __init__(self, folder: Path):
        self.log = ReviewLog(folder / "decisions.sqlite3")

    def __enter__(self):
        return self.log

    def __exit__(self, *exc):
        self.log.close()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="bench_access")
    p.add_argument("--calls", type=int, default=600)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args(argv or [])
    from tests.certs import make_pki

    root = Path(tempfile.mkdtemp(prefix="medcoder-bench-access-"))
    pki = make_pki(root / "pki")
    tokens = root / "tokens.txt"
    tokens.write_text(f"{KEY} bench clinic-a service\nmtls:spiffe://clinic-a/ehr-bridge ehr clinic-a service\n")
    ca, cert, key = pki.ca.read_bytes(), pki.client.cert.read_bytes(), pki.client.key.read_bytes()
    base = dict(port=0, metrics_port=-1, worker_threads=2)
    tls = dict(tls_cert=pki.server.cert, tls_key=pki.server.key)
    cases = [
        ("bare", dict(), grpc.insecure_channel, ()),
        ("dev", dict(), grpc.insecure_channel, ()),
        ("key+audit", dict(review_tokens=tokens), grpc.insecure_channel, (("authorization", f"Bearer {KEY}"),)),
        ("tls+key", dict(review_tokens=tokens, **tls),
         lambda t: grpc.secure_channel(t, grpc.ssl_channel_credentials(ca)), (("authorization", f"Bearer {KEY}"),)),
        ("mtls", dict(review_tokens=tokens, tls_client_ca=pki.ca, **tls),
         lambda t: grpc.secure_channel(t, grpc.ssl_channel_credentials(ca, key, cert)), ()),
    ]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    best: dict[str, tuple[float, int]] = {}
    for round_ in range(args.rounds):               # rounds in alternating order: the best median of each
        for name, extra, channel_of, md in (cases if round_ % 2 == 0 else cases[::-1]):
            folder = root / f"{name}-{round_}"
            folder.mkdir()
            us, rows = _measure(loop, Config(**base, data_dir=folder, **extra), folder, channel_of, md,
                                args.calls, audited=name != "bare")
            best[name] = min(best.get(name, (us, rows)), (us, rows))
    loop.call_soon_threadsafe(loop.stop)
    baseline = best["bare"][0]
    print(f"{'case':<10} {'us/call (median)':>17} {'x bare':>7} {'audit rows':>11}   ({args.calls} calls, "
          f"best of {args.rounds} rounds)")
    for name, *_ in cases:
        us, rows = best[name]
        print(f"{name:<10} {us:>17.0f} {us / baseline:>7.2f} {rows:>11}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
