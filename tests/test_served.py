"""The API as deployed: gunicorn in its own process, over real HTTP.

- Chunked request bodies (no Content-Length), which only a real server de-chunks.
- A database outage: PostgreSQL stopped under a running API, reconcilers and agent, then
  started again. While it is away the API answers 503 quickly, /readyz says "unavailable"
  without naming the database and /healthz stays alive (no restart would help); afterwards
  everything recovers by itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from bench.common import stop_processes
from bench.fleet import start_web
from clusters.models import ClusterStatus
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import SSOEmulator
from kafkas.models import KafkaRequest
from tests.conftest import ORG, V1, subprocess_env, worker_env
from tests.factories import ClusterFactory
from tests.fixtures.postgres import ThrowawayPostgres

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except requests.RequestException:
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def user_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(username='alice', org_id=ORG)}"}


def chunks(text: str, size: int = 7) -> Iterator[bytes]:
    """A body `requests` sends with Transfer-Encoding: chunked (a generator has no length)."""
    data = text.encode()
    for start in range(0, len(data), size):
        yield data[start : start + size]


# --- chunked bodies -----------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    process, url = start_web(subprocess_env(DJANGO_SETTINGS_MODULE="fleetmanager.settings"), tmp_path / "web.log")
    yield url
    stop_processes([process])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_create_is_read_like_any_other(served: str) -> None:
    ClusterFactory(status=ClusterStatus.READY)  # manual scaling places a Kafka at create time
    headers = {**user_headers(), "Content-Type": "application/json"}

    response = requests.post(
        f"{served}{V1}/kafkas?async=true", data=chunks(json.dumps({"name": "chunky"})), headers=headers, timeout=10
    )

    assert response.status_code == 202, response.text
    assert response.json()["name"] == "chunky"
    assert KafkaRequest.objects.filter(name="chunky").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_over_the_limit_is_refused_and_writes_nothing(served: str) -> None:
    ClusterFactory(status=ClusterStatus.READY)
    headers = {**user_headers(), "Content-Type": "application/json"}
    body = json.dumps({"name": "big", "marketplace": "x" * (settings.FLEET_MAX_REQUEST_BODY_BYTES + 1)})

    response = requests.post(f"{served}{V1}/kafkas?async=true", data=chunks(body, 65536), headers=headers, timeout=30)

    assert response.status_code == 400
    assert response.json()["code"] == "KAFKAS-MGMT-17"
    assert f"larger than {settings.FLEET_MAX_REQUEST_BODY_BYTES} bytes" in response.json()["reason"]
    assert not KafkaRequest.objects.exists()


# --- what gunicorn itself answers ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "query", "headers", "reason"),
    [
        ("1,001 query parameters", "&".join(["a=1"] * 1001), {}, "at most 1000"),
        ("a request line over gunicorn's limit", "x=" + "y" * 9000, {}, "Request Line is too large"),
        ("a header over gunicorn's limit", "", {"X-Long": "z" * 9000}, "Request Header Fields Too Large"),
    ],
)
def test_requests_gunicorn_or_django_refuse_get_the_json_error(
    served: str, name: str, query: str, headers: dict[str, str], reason: str
) -> None:
    response = requests.get(f"{served}{V1}/kafkas?{query}", headers={**user_headers(), **headers}, timeout=10)

    assert response.headers["Content-Type"].startswith("application/json"), response.text[:200]
    assert (response.status_code, response.json()["code"]) == (400, "KAFKAS-MGMT-21")
    assert reason in response.json()["reason"]


# --- a database outage ------------------------------------------------------------------------------


@pytest.fixture
def fleet_on(throwaway_postgres: ThrowawayPostgres, sso_emulator: SSOEmulator, tmp_path: Path) -> Iterator[str]:
    """API, reconcilers and the simulated agent of the configured cluster, on the throwaway PostgreSQL."""
    env = {**worker_env(FLEET_Q_WORKERS="2"), "DATABASE_URL": throwaway_postgres.url, "FLEET_DB_CONN_MAX_AGE": "60"}
    for command in (["migrate", "--no-input"], ["setup_schedules"], ["sync_quota_config"], ["reconcile_clusters"]):
        subprocess.run([*MANAGE, *command], env=env, check=True, capture_output=True, timeout=300)
    web, url = start_web(env, tmp_path / "web.log")
    others = [
        subprocess.Popen(
            [*MANAGE, *command],
            env=env,
            stdout=(tmp_path / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for name, command in (
            ("qcluster", ["qcluster"]),
            ("agent", ["fleetshard_agent", "--all-clusters", "--api-url", url, "--poll-interval", "0.5"]),
        )
    ]
    yield url
    stop_processes([web, *others])


def regions_take_kafkas(url: str) -> bool:
    regions = requests.get(f"{url}{V1}/cloud_providers/aws/regions", headers=user_headers(), timeout=10).json()
    return any(c["available_sizes"] for region in regions["items"] for c in region["capacity"])


def create_and_wait_ready(url: str, name: str, timeout: float) -> dict[str, Any]:
    response = requests.post(f"{url}{V1}/kafkas?async=true", json={"name": name}, headers=user_headers(), timeout=10)
    assert response.status_code == 202, response.text
    kafka_id = response.json()["id"]
    return wait_for(
        lambda: (
            (body := requests.get(f"{url}{V1}/kafkas/{kafka_id}", headers=user_headers(), timeout=10).json())
            and body.get("status") == "ready"
            and body
        ),
        90,
        f"{name} to be ready",
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_a_database_outage_answers_503_quickly_and_everything_recovers(
    fleet_on: str, throwaway_postgres: ThrowawayPostgres
) -> None:
    url = fleet_on
    # The configured cluster takes Kafkas once its agent has reported it ready.
    wait_for(lambda: regions_take_kafkas(url), 90, "the configured cluster to take Kafkas")
    before = create_and_wait_ready(url, "before-outage", timeout=90)

    throwaway_postgres.stop()
    started = time.monotonic()
    during = requests.get(f"{url}{V1}/kafkas", headers=user_headers(), timeout=30)
    answered_in = time.monotonic() - started
    live = requests.get(f"{url}/healthz", timeout=30)
    health = requests.get(f"{url}/readyz", timeout=30)
    create = requests.post(f"{url}{V1}/kafkas?async=true", json={"name": "lost"}, headers=user_headers(), timeout=30)
    time.sleep(3)  # the reconcilers and the agent keep failing meanwhile
    throwaway_postgres.start()

    assert during.status_code == 503, during.text
    assert during.json()["code"] == "KAFKAS-MGMT-9"
    assert "temporarily unavailable" in during.json()["reason"]
    assert during.headers["Retry-After"] == "5"
    assert answered_in < settings.FLEET_DB_CONNECT_TIMEOUT_SECONDS + 5
    assert (health.status_code, health.json()) == (503, {"status": "unavailable", "database": "unreachable"})
    assert str(throwaway_postgres.port) not in health.text and "127.0.0.1" not in health.text
    assert (live.status_code, live.json()) == (200, {"status": "ok"})
    assert create.status_code == 503

    # Web, reconcilers and agent recover by themselves: a new Kafka goes all the way to ready.
    wait_for(lambda: requests.get(f"{url}/readyz", timeout=5).ok, 60, "the API to be ready again")
    after = create_and_wait_ready(url, "after-outage", timeout=90)
    listed = requests.get(f"{url}{V1}/kafkas", headers=user_headers(), timeout=10).json()
    names = {item["name"]: item["status"] for item in listed["items"]}
    assert names == {"before-outage": "ready", "after-outage": "ready"}  # nothing lost, the refused create absent
    assert before["id"] != after["id"]
