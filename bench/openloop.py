"""An open-loop load generator for `bench/load.py`: actions start on a fixed schedule, whatever the answers.

`python -m bench.openloop --url URL --action mix|floor --rate R --seconds S --world FILE --out FILE`

Action i of the run is due at start + i / rate. It takes a connection from a pool of kept-alive
connections (geventhttpclient, the HTTP client of locust's FastHttpUser), sends its requests one
after the other, and each request's latency counts from the moment it was due: the time an
action waits for a connection or for the generator is in the figure, so a server that falls
behind shows it (no coordinated omission) and the achieved rate says when it saturated.

Why not locust itself: on this 2-core machine locust adds latency of its own that grows with its
simulated users, 20-75 ms at 50-200 users against a server that answers in 1-3 ms (measured
in `docs/benchmarks.md`, "Load"), which would hide the figures the targets are about.
`BENCH_LOAD_GENERATOR=locust` still runs the same mix through locust, to compare.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

import gevent
from gevent.pool import Pool
from geventhttpclient import HTTPClient

from bench.mix import ACTIONS, Request

CONNECTIONS = 128  # at most this many requests in flight; more wait for a connection (and it shows)
TIMEOUT = 30.0  # seconds; a request without an answer by then counts as an error
DRAIN = 60.0  # seconds the generator waits, after the last action was due, for the ones in flight


def run(url: str, action: str, rate: float, seconds: float, world: dict, seed: int = 0) -> dict:
    """Latencies (ms) and errors per request name, and the achieved request rate."""
    target = urlparse(url)
    client = HTTPClient(
        target.hostname,
        target.port,
        concurrency=CONNECTIONS,
        connection_timeout=TIMEOUT,
        network_timeout=TIMEOUT,
    )
    choose, rng = ACTIONS[action], random.Random(seed)
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)

    def perform(requests: list[Request], due: float) -> None:
        for request in requests:
            try:
                response = client.get(request.path, headers=request.headers)
                response.read()
                failed = response.status_code >= 400
            except Exception:  # a refused, reset or timed-out connection: an error of the run, not ours
                failed = True
            finished = time.perf_counter()
            latencies[request.name].append((finished - due) * 1000)
            errors[request.name] += failed
            due = finished  # the next request of the action is due when this one answered

    pool = Pool()
    start = time.perf_counter()
    for index in range(int(rate * seconds)):
        due = start + index / rate
        gevent.sleep(max(0.0, due - time.perf_counter()))
        pool.spawn(perform, choose(world, rng), due)
    pool.join(timeout=DRAIN)
    unfinished = len(pool)
    pool.kill(block=False)
    elapsed = time.perf_counter() - start
    client.close()
    return {
        "elapsed": elapsed,
        "unfinished": unfinished,
        "latencies": dict(latencies),
        "errors": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the API's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--action", choices=sorted(ACTIONS), required=True)
    parser.add_argument("--rate", type=float, required=True, help="actions per second")
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--world", type=Path, required=True, help="JSON: the organisations' tokens, ids and names")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON result")
    args = parser.parse_args()
    result = run(args.url, args.action, args.rate, args.seconds, json.loads(args.world.read_text()))
    args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
