"""The requests of `bench/load.py`: upstream's perf-suite mix (BEHAVIOUR.md §14) and the framework floor.

One definition for both load generators (`bench/openloop.py`, the default, and locust through
`bench/locustfile.py`). An *action* is what one simulated user does at one point of the
schedule: one request, or a get followed by the three metrics requests (1 in 19 gets).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import quote

V1 = "/api/kafkas_mgmt/v1"
STATUSES = ("ready", "accepted", "provisioning", "failed")
FLOOR_NAME = "GET /api/kafkas_mgmt/v1 (floor)"


@dataclass(frozen=True)
class Request:
    name: str  # the row of the report: the route, not the URL
    path: str
    token: str | None  # the organisation's bearer token; None for unauthenticated documents

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def _list(org: dict, rng: random.Random) -> list[Request]:
    return [Request("GET /kafkas", f"{V1}/kafkas", org["token"])]


def _search(org: dict, rng: random.Random) -> list[Request]:
    search = f"cloud_provider = aws and status = {rng.choice(STATUSES)} and name <> {rng.choice(org['names'])}"
    return [Request("GET /kafkas?search", f"{V1}/kafkas?search={quote(search)}", org["token"])]


def _get(org: dict, rng: random.Random) -> list[Request]:
    kafka = f"{V1}/kafkas/{rng.choice(org['ids'])}"
    requests = [Request("GET /kafkas/{id}", kafka, org["token"])]
    if rng.randrange(19) == 0:
        requests += [
            Request("GET /kafkas/{id}/metrics/query", f"{kafka}/metrics/query", org["token"]),
            Request(
                "GET /kafkas/{id}/metrics/query_range",
                f"{kafka}/metrics/query_range?duration=5&interval=30",
                org["token"],
            ),
            Request("GET /kafkas/{id}/metrics/federate", f"{kafka}/metrics/federate", org["token"]),
        ]
    return requests


def _cloud_providers(org: dict, rng: random.Random) -> list[Request]:
    return [
        Request("GET /cloud_providers", f"{V1}/cloud_providers", org["token"]),
        Request("GET /cloud_providers/aws/regions", f"{V1}/cloud_providers/aws/regions", org["token"]),
    ]


def _openapi(org: dict, rng: random.Random) -> list[Request]:
    return [Request("GET /openapi", f"{V1}/openapi", None)]


def _service_accounts(org: dict, rng: random.Random) -> list[Request]:
    return [Request("GET /service_accounts", f"{V1}/service_accounts", org["token"])]


# §14: 50 % list, 35 % search, 12 % get, 1 % cloud providers and regions, 1 % /openapi,
# 1 % service-accounts list.
MIX = ((_list, 50), (_search, 35), (_get, 12), (_cloud_providers, 1), (_openapi, 1), (_service_accounts, 1))


def mix_action(world: dict, rng: random.Random) -> list[Request]:
    """One user action of the mix, for a random organisation of `world`."""
    choose = rng.choices([action for action, _ in MIX], weights=[weight for _, weight in MIX])[0]
    return choose(rng.choice(world["orgs"]), rng)


def floor_action(world: dict, rng: random.Random) -> list[Request]:
    """The framework floor: the unauthenticated version document, through the same server."""
    return [Request(FLOOR_NAME, V1, None)]


ACTIONS = {"mix": mix_action, "floor": floor_action}
