"""Several gateway processes, two ways.

``serve_workers`` (``--workers N``): one port; each process binds it with SO_REUSEPORT and the
kernel spreads new connections across them, so throughput scales with cores despite the GIL.

``serve_replicas`` (``--replicas N``): a port each (``port + i``, or free ports for port 0), so a
client balances calls, not connections: gRPC ``round_robin`` over the list, with health checks and
retries (``client.routing``), the way it would over replicas on several machines.

Either way a process that dies (a crash, an OOM kill, SIGKILL) is logged with its exit status and
started again after ``RESTART_PAUSE_S``: a dead worker's listening socket is gone, so the kernel
routes new connections to the live ones, and until a replica reports SERVING again health-checking
clients send its share to the others. The launcher never waits on a dead child. A child that
refuses to start (a taken port, an unusable database: exit status 2, one line) stops the group
with that status, as a single process would, instead of starting again in a loop.

Index 0 also serves the review page. The parent forwards SIGTERM/SIGINT (each child drains
gracefully) and exits with the worst child status."""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import socket
import sys
import time
from dataclasses import replace

from server.config import Config

log = logging.getLogger("medcoder.server")
RESTART_PAUSE_S = 1.0
EXIT_REFUSED = 2   # a child that refused to start, as one process would: the group stops, not restarted


def _worker(config: Config, index: int) -> None:
    logging.basicConfig(level=config.log_level.upper(), stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s %(name)s[w{index}]: %(message)s")
    from server.app import serve
    from server.errors import MedcoderError

    try:
        asyncio.run(serve(config, worker=index))
    except MedcoderError as e:   # a refusal to start (a taken port, an unusable database): one line
        print(f"medcoder: error: {e.message}", file=sys.stderr)
        sys.exit(EXIT_REFUSED)


def _stopping(procs) -> list[bool]:
    """Installs SIGTERM/SIGINT forwarding to the live children; the flag says a stop was asked."""
    asked = [False]

    def forward(_signum, _frame):
        asked[0] = True
        for p in procs:
            if p is not None and p.is_alive():
                p.terminate()   # SIGTERM: each one drains gracefully

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return asked


def serve_workers(config: Config) -> int:
    ctx = multiprocessing.get_context("spawn")
    return _supervise(ctx, [config] * config.workers, "worker",
                      lambda i: f"{config.host}:{config.port} (shared)")


def replica_ports(config: Config) -> list[int]:
    """``port + i``; for port 0, free ports of ``host`` chosen now and kept across restarts."""
    if config.port:
        return [config.port + i for i in range(config.replicas)]
    ports = []
    for _ in range(config.replicas):
        with socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET) as s:
            s.bind((config.host, 0))
            ports.append(s.getsockname()[1])
    return ports


def serve_replicas(config: Config) -> int:
    ctx = multiprocessing.get_context("spawn")
    ports = replica_ports(config)
    host = f"[{config.host}]" if ":" in config.host else config.host
    log.info("replicas target %s%s", "ipv6:" if ":" in config.host else "ipv4:",
             ",".join(f"{host}:{p}" for p in ports))
    return _supervise(ctx, [replace(config, port=port, replicas=1) for port in ports], "replica",
                      lambda i: f"{config.host}:{ports[i]}")


def _supervise(ctx, configs: list[Config], kind: str, where) -> int:
    """Start one process per config, start again any that exits before a stop is asked, and on
    SIGTERM/SIGINT forward it and wait for all; the worst exit status is the launcher's."""
    procs: list = [None] * len(configs)

    def start(i: int) -> None:
        procs[i] = ctx.Process(target=_worker, args=(configs[i], i), name=f"medcoder-{kind[0]}{i}")
        procs[i].start()
        log.info("%s %d pid %d on %s", kind, i, procs[i].pid, where(i))

    for i in range(len(configs)):
        start(i)
    stopping = _stopping(procs)
    refused = False
    while not stopping[0]:
        time.sleep(0.2)
        for i, p in enumerate(procs):
            if p.exitcode == EXIT_REFUSED and not stopping[0]:
                log.error("%s %d refused to start; stopping the others", kind, i)
                stopping[0] = refused = True
                for other in procs:
                    if other.is_alive():
                        other.terminate()
            elif p.exitcode is not None and not stopping[0]:
                log.error("%s %d pid %d exited (%s); starting it again", kind, i, p.pid, _exit_text(p.exitcode))
                time.sleep(RESTART_PAUSE_S)
                if not stopping[0]:
                    start(i)
    for p in procs:
        p.join()
    if refused:
        # the refusal is the group's status, not the SIGTERM the launcher sent the others while
        # they were still loading (-15 would read as "status 15")
        return EXIT_REFUSED
    return max((abs(p.exitcode or 0) for p in procs), default=0)


def _exit_text(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"status {code}"
