"""Locust users for `bench/load.py`: upstream's perf-suite request mix, and the framework floor.

Open loop, approximately: every user paces itself to one request per `BENCH_PACING` seconds
(`constant_pacing`), whatever the answers' latency, so the offered rate is users / pacing until
latencies exceed the pacing (then the run saturates and the achieved rate says so). Each
user starts at a random point of its first period: users spawned together would otherwise
fire together, and a rate of N req/s would arrive as one burst of N requests every second.
Configuration comes from the environment `bench/load.py` sets: the tokens (one per
organisation) and the Kafka ids and names to ask about.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from urllib.parse import quote

import gevent
from locust import FastHttpUser, constant_pacing, task

V1 = "/api/kafkas_mgmt/v1"
PACING = float(os.environ.get("BENCH_PACING", "1.0"))
WORLD = (
    json.loads(Path(os.environ["BENCH_WORLD_FILE"]).read_text()) if "BENCH_WORLD_FILE" in os.environ else {"orgs": []}
)
STATUSES = ("ready", "accepted", "provisioning", "failed")


def _org() -> dict:
    return random.choice(WORLD["orgs"])


class PacedUser(FastHttpUser):
    abstract = True
    wait_time = constant_pacing(PACING)

    def on_start(self) -> None:
        gevent.sleep(random.random() * PACING)  # spread the users' phases over one period


class MixUser(PacedUser):
    """BEHAVIOUR.md §14: 50 % list, 35 % search, 12 % get (1 in 19 also the three metrics
    endpoints), 1 % cloud providers and regions, 1 % /openapi, 1 % service-accounts list."""

    def _get(self, path: str, name: str, org: dict) -> None:
        self.client.get(path, name=name, headers={"Authorization": f"Bearer {org['token']}"})

    @task(50)
    def list_kafkas(self) -> None:
        self._get(f"{V1}/kafkas", "GET /kafkas", _org())

    @task(35)
    def search_kafkas(self) -> None:
        org = _org()
        search = (
            f"cloud_provider = aws and status = {random.choice(STATUSES)} and name <> {random.choice(org['names'])}"
        )
        self._get(f"{V1}/kafkas?search={quote(search)}", "GET /kafkas?search", org)

    @task(12)
    def get_kafka(self) -> None:
        org = _org()
        kafka_id = random.choice(org["ids"])
        self._get(f"{V1}/kafkas/{kafka_id}", "GET /kafkas/{id}", org)
        if random.randrange(19) == 0:
            self._get(f"{V1}/kafkas/{kafka_id}/metrics/query", "GET /kafkas/{id}/metrics/query", org)
            self._get(
                f"{V1}/kafkas/{kafka_id}/metrics/query_range?duration=5&interval=30",
                "GET /kafkas/{id}/metrics/query_range",
                org,
            )
            self._get(f"{V1}/kafkas/{kafka_id}/metrics/federate", "GET /kafkas/{id}/metrics/federate", org)

    @task(1)
    def cloud_providers(self) -> None:
        org = _org()
        self._get(f"{V1}/cloud_providers", "GET /cloud_providers", org)
        self._get(f"{V1}/cloud_providers/aws/regions", "GET /cloud_providers/aws/regions", org)

    @task(1)
    def openapi(self) -> None:
        self.client.get(f"{V1}/openapi", name="GET /openapi")

    @task(1)
    def service_accounts(self) -> None:
        self._get(f"{V1}/service_accounts", "GET /service_accounts", _org())


class FloorUser(PacedUser):
    """The framework floor: the same gunicorn answering the unauthenticated version document."""

    @task
    def version(self) -> None:
        self.client.get(V1, name="GET /api/kafkas_mgmt/v1 (floor)")
