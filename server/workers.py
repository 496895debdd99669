"""Several gateway processes on one port: each binds with SO_REUSEPORT and the kernel spreads new
connections across them, so throughput scales with cores despite the GIL. Worker 0 also serves the
review page. The parent forwards SIGTERM/SIGINT and exits with the worst child status."""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
import signal
import sys

from server.config import Config


def _worker(config: Config, index: int) -> None:
    logging.basicConfig(level=config.log_level.upper(), stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s %(name)s[w{index}]: %(message)s")
    from server.app import serve

    asyncio.run(serve(config, worker=index))


def serve_workers(config: Config) -> int:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(config, i), name=f"medcoder-w{i}") for i in range(config.workers)]
    for p in procs:
        p.start()

    def forward(_signum, _frame):
        for p in procs:
            if p.is_alive():
                p.terminate()   # SIGTERM: each worker drains gracefully

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for p in procs:
        p.join()
    return max((p.exitcode or 0) for p in procs)
