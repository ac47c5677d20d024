"""/metrics as deployed: two gunicorn workers, the reconcilers and the simulated agent sharing
one PROMETHEUS_MULTIPROC_DIR, after a Kafka went through its whole life.

The counts add up over every process of the directory, the dead ones included (both workers
are replaced halfway), and `serve_metrics` serves the same processes' metrics on a port of
its own, as it does beside qcluster in a Kubernetes pod.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from prometheus_client.mmap_dict import MmapedDict

from bench.common import free_port, stop_processes
from bench.fleet import start_web
from fleetmanager.emulators import SSOEmulator
from tests.conftest import V1, worker_env
from tests.test_served import user_headers, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
ERRORS = "/api/kafkas_mgmt/v1/errors/-"


def scrape(url: str) -> dict[str, float]:
    """``{'name{labels}': value}`` of an exposition (labels as exposed, sorted by name)."""
    found = {}
    for line in requests.get(url, timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            found[key] = float(value)
    return found


def errors_count_per_process(directory: Path) -> dict[int, float]:
    """What each process's file holds for GET /errors/{id} 200 (to see that several processes counted)."""
    counted: dict[int, float] = {}
    for path in directory.glob("gauge_sum_*.db"):
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            if '"api_inbound_request_count"' in key and ERRORS in key and '"200"' in key:
                counted[int(path.stem.rsplit("_", 1)[1])] = value
    return counted


@pytest.fixture
def fleet(sso_emulator: SSOEmulator, tmp_path: Path) -> Iterator[dict[str, Any]]:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"stale")  # left by an earlier start
    env = {**worker_env(FLEET_Q_WORKERS="2"), "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    subprocess.run([*MANAGE, "setup_schedules"], env=env, check=True, capture_output=True, timeout=120)
    web, url = start_web(env, tmp_path / "web.log")
    # An operator's one-off pass, after the start: its counts stay, its leader gauge goes with it.
    subprocess.run([*MANAGE, "reconcile_clusters"], env=env, check=True, capture_output=True, timeout=120)
    metrics_port = free_port()
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
            ("agent", ["fleetshard_agent", "--all-clusters", "--api-url", url, "--poll-interval", "0.3"]),
            ("serve_metrics", ["serve_metrics", "--host", "127.0.0.1", "--port", str(metrics_port)]),
        )
    ]
    yield {"url": url, "web": web, "directory": directory, "metrics_url": f"http://127.0.0.1:{metrics_port}/metrics"}
    stop_processes([web, *others])


def gunicorn_workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def test_metrics_add_up_over_workers_and_reconcilers_after_a_kafka_lifecycle(fleet: dict[str, Any]) -> None:
    url, directory = fleet["url"], fleet["directory"]
    assert not (directory / "counter_999999.db").exists(), "gunicorn's start removes the files of dead processes"
    wait_for(
        lambda: any(
            c["available_sizes"]
            for r in requests.get(f"{url}{V1}/cloud_providers/aws/regions", headers=user_headers(), timeout=10).json()[
                "items"
            ]
            for c in r["capacity"]
        ),
        90,
        "the configured cluster to take Kafkas",
    )

    # A Kafka's whole life through the API, the reconcilers and the agent.
    created = requests.post(
        f"{url}{V1}/kafkas?async=true", json={"name": "scraped"}, headers=user_headers(), timeout=10
    )
    assert created.status_code == 202, created.text
    kafka_id = created.json()["id"]
    wait_for(
        lambda: (
            requests.get(f"{url}{V1}/kafkas/{kafka_id}", headers=user_headers(), timeout=10).json()["status"] == "ready"
        ),
        90,
        "the Kafka to be ready",
    )
    deleted = requests.delete(f"{url}{V1}/kafkas/{kafka_id}?async=true", headers=user_headers(), timeout=10)
    assert deleted.status_code == 202
    wait_for(
        lambda: requests.get(f"{url}{V1}/kafkas/{kafka_id}", headers=user_headers(), timeout=10).status_code == 404,
        90,
        "the Kafka to be gone",
    )

    # 20 requests, both workers replaced after the first 10: the sum keeps the dead workers' counts.
    for _ in range(10):
        assert requests.get(f"{url}{V1}/errors/7", timeout=10).status_code == 200
    first_workers = gunicorn_workers(fleet["web"].pid)
    for pid in first_workers:
        os.kill(pid, signal.SIGTERM)
    wait_for(lambda: len(set(gunicorn_workers(fleet["web"].pid)) - set(first_workers)) == 2, 60, "new workers")
    wait_for(lambda: requests.get(f"{url}/readyz", timeout=5).ok, 30, "the new workers to answer")
    for _ in range(10):
        assert requests.get(f"{url}{V1}/errors/7", timeout=10).status_code == 200

    def dead_live_gauges() -> list[str]:
        return [
            p.name for p in directory.glob("gauge_live*_*.db") if not Path(f"/proc/{p.stem.rsplit('_', 1)[1]}").exists()
        ]

    assert dead_live_gauges(), "the one-off reconcile_clusters left its leader gauge"

    metrics = scrape(f"{url}/metrics")

    assert dead_live_gauges() == []

    errors = f'api_inbound_request_count{{code="200",method="GET",path="{ERRORS}"}}'
    assert metrics[errors] == 20
    assert len(errors_count_per_process(directory)) >= 2, "the counts come from several worker processes"
    assert sum(errors_count_per_process(directory).values()) == 20
    assert metrics[f'api_inbound_request_duration_count{{code="200",method="GET",path="{ERRORS}"}}'] == 20
    assert metrics['api_inbound_request_count{code="202",method="POST",path="/api/kafkas_mgmt/v1/kafkas"}'] == 1
    assert metrics['api_inbound_request_count{code="202",method="DELETE",path="/api/kafkas_mgmt/v1/kafkas/-"}'] == 1
    # Recorded by the web workers (the agent's reports) and by the reconcilers (qcluster).
    assert metrics['kas_fleet_manager_kafka_operations_success_count{operation="create"}'] == 1
    assert metrics['kas_fleet_manager_worker_kafka_duration_count{jobType="kafka_create"}'] == 1
    assert metrics['kas_fleet_manager_kafka_operations_success_count{operation="delete"}'] == 1
    assert metrics['kas_fleet_manager_worker_cluster_duration_count{jobType="cluster_create"}'] == 1
    assert metrics['kas_fleet_manager_reconciler_success_count{worker_type="kafka"}'] >= 1
    assert metrics['kas_fleet_manager_reconciler_success_count{worker_type="cluster"}'] >= 1
    # Read from the database at scrape time.
    assert metrics['kas_fleet_manager_kafka_requests_status_count{status="ready"}'] == 0
    assert metrics['kas_fleet_manager_cluster_status_count{status="ready"}'] == 1
    capacity = 'cloud_provider="aws",cluster_id="dev-standalone-1",instance_type="standard",region="us-east-1"'
    assert metrics[f"kas_fleet_manager_cluster_status_capacity_used{{{capacity}}}"] == 0
    assert metrics[f"kas_fleet_manager_cluster_status_capacity_max{{{capacity}}}"] == 20

    # The reconcilers' own endpoint (serve_metrics) serves the same processes' counts.
    served = scrape(fleet["metrics_url"])
    assert served['kas_fleet_manager_kafka_operations_success_count{operation="delete"}'] == 1
    assert served[errors] == 20
    assert not any(name.startswith("kas_fleet_manager_cluster_status_count") for name in served)
