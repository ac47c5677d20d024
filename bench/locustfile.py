"""Locust users for `bench/load.py` with `BENCH_LOAD_GENERATOR=locust`: the mix and the floor of `bench/mix.py`.

Open loop, approximately: every user paces itself to one action per `BENCH_PACING` seconds
(`constant_pacing`), whatever the answers' latency, so the offered rate is users / pacing until
latencies exceed the pacing (then the run saturates and the achieved rate says so). Each
user starts at a random point of its first period: users spawned together would otherwise
fire together, and a rate of N req/s would arrive as one burst of N requests every second.
Also usable interactively: `BENCH_WORLD_FILE=world.json locust -f bench/locustfile.py`.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import gevent
from locust import FastHttpUser, constant_pacing, task

from bench.mix import floor_action, mix_action

PACING = float(os.environ.get("BENCH_PACING", "1.0"))
WORLD = (
    json.loads(Path(os.environ["BENCH_WORLD_FILE"]).read_text()) if "BENCH_WORLD_FILE" in os.environ else {"orgs": []}
)


class PacedUser(FastHttpUser):
    abstract = True
    wait_time = constant_pacing(PACING)
    action = staticmethod(mix_action)

    def on_start(self) -> None:
        gevent.sleep(random.random() * PACING)  # spread the users' phases over one period

    @task
    def act(self) -> None:
        for request in self.action(WORLD, random):
            self.client.get(request.path, name=request.name, headers=request.headers)


class MixUser(PacedUser):
    """BEHAVIOUR.md §14: 50 % list, 35 % search, 12 % get (1 in 19 also the three metrics
    endpoints), 1 % cloud providers and regions, 1 % /openapi, 1 % service-accounts list."""


class FloorUser(PacedUser):
    """The framework floor: the same gunicorn answering the unauthenticated version document."""

    action = staticmethod(floor_action)
