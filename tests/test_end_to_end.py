"""The whole loop over real HTTP: API -> reconcilers -> simulated agent -> ready; delete -> gone.

`test_the_loop_in_one_process` runs the reconcile passes in a thread (what a django-q2
worker runs); `test_the_loop_with_real_processes` starts the real `qcluster` and
`fleetshard_agent` commands, as `make run` does, and
`test_the_agent_process_renders_a_valid_strimzi_kafka_and_removes_it` reads what that
agent wrote under its render directory.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.db import connection

from agents.dataplane import schema, store
from agents.simulator import AgentOptions, SimulatedAgent, TokenCache
from bench.common import stop_processes, wait_for
from clusters.models import Cluster, ClusterStatus
from clusters.tasks import reconcile_clusters
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import SSOEmulator
from kafkas.models import KafkaRequest
from kafkas.tasks import reconcile_kafkas
from tests.conftest import ORG, worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLUSTER = "dev-standalone-1"


class Background:
    """Run a function every `interval` seconds in a thread until stopped."""

    def __init__(self, work: Callable[[], None], interval: float) -> None:
        self.stop = threading.Event()
        self.errors: list[BaseException] = []

        def loop() -> None:
            try:
                while not self.stop.is_set():
                    try:
                        work()
                    except Exception as exc:  # kept and asserted on by the test
                        self.errors.append(exc)
                    self.stop.wait(interval)
            finally:
                connection.close()

        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


class User:
    def __init__(self, base_url: str) -> None:
        self.api = f"{base_url}/api/kafkas_mgmt/v1"
        self.headers = {"Authorization": f"Bearer {mint_token(username='alice', org_id=ORG)}"}

    def create(self, name: str) -> dict[str, Any]:
        response = requests.post(f"{self.api}/kafkas?async=true", json={"name": name}, headers=self.headers, timeout=10)
        assert response.status_code == 202, response.text
        return response.json()

    def get(self, kafka_id: str) -> requests.Response:
        return requests.get(f"{self.api}/kafkas/{kafka_id}", headers=self.headers, timeout=10)

    def delete(self, kafka_id: str) -> None:
        response = requests.delete(f"{self.api}/kafkas/{kafka_id}?async=true", headers=self.headers, timeout=10)
        assert response.status_code == 202, response.text


def walk_a_kafka_through_its_life(user: User, timeout: float) -> dict[str, Any]:
    kafka = user.create("e2e-kafka")
    ready = wait_for(
        lambda: (body := user.get(kafka["id"]).json()).get("status") == "ready" and body, timeout, "status ready"
    )
    user.delete(kafka["id"])
    wait_for(lambda: user.get(kafka["id"]).status_code == 404, timeout, "the Kafka to be gone")
    return ready


def test_the_loop_in_one_process(live_server: Any, sso_emulator: SSOEmulator) -> None:
    worker = Background(lambda: (reconcile_clusters(), reconcile_kafkas()), interval=0.2)
    agent = SimulatedAgent(
        options=AgentOptions(api_url=live_server.url, cluster_id=CLUSTER, poll_interval=0.2, resync_interval=1),
        token=TokenCache(lambda: mint_token(client_id=f"kas-fleetshard-agent-{CLUSTER}")),
    )
    stop_agent = threading.Event()
    agent_thread = threading.Thread(target=agent.run, args=(stop_agent,), daemon=True)
    try:
        wait_for(lambda: Cluster.objects.filter(cluster_id=CLUSTER).exists(), 20, "the configured cluster")
        agent_thread.start()
        wait_for(
            lambda: Cluster.objects.filter(cluster_id=CLUSTER, status=ClusterStatus.READY).exists(), 20, "ready cluster"
        )

        ready = walk_a_kafka_through_its_life(User(live_server.url), timeout=20)
    finally:
        stop_agent.set()
        agent_thread.join(timeout=10)
        worker.close()

    assert worker.errors == []
    assert ready["bootstrap_server_host"].endswith(f".kas.{CLUSTER}.fleet.local:443")
    assert ready["admin_api_server_url"].startswith("https://admin-server-")
    assert ready["version"] == "3.1.0"
    row = KafkaRequest.all_objects.get(pk=ready["id"])
    assert row.deleted_at is not None
    assert list(row.status_changes.values_list("to_status", flat=True)) == [
        "accepted",
        "preparing",
        "provisioning",
        "ready",
        "deprovision",
        "deleting",
    ]
    assert sso_emulator.clients() == [c for c in sso_emulator.clients() if c["clientId"].startswith("kas-fleetshard")]


@pytest.fixture
def processes(live_server: Any, sso_emulator: SSOEmulator, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = worker_env(FLEET_Q_WORKERS="2")
    manage = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "setup_schedules"], env=env, check=True, capture_output=True)
    logs = [(tmp_path / f"{name}.log").open("wb") for name in ("qcluster", "agent")]
    started = [
        subprocess.Popen(
            [*manage, "qcluster"], env=env, stdout=logs[0], stderr=subprocess.STDOUT, start_new_session=True
        ),
        subprocess.Popen(
            [
                *manage,
                "fleetshard_agent",
                "--all-clusters",
                "--api-url",
                live_server.url,
                "--poll-interval",
                "0.5",
                "--resync-interval",
                "1",
                "--render-dir",
                str(tmp_path / "dataplane"),
            ],
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
            start_new_session=True,
        ),
    ]
    yield started
    stop_processes(started)
    for log in logs:
        log.close()


@pytest.mark.slow
def test_the_loop_with_real_processes(live_server: Any, processes: list[Any]) -> None:
    # The schedule's first resync adds the configured cluster; the agent's report makes it ready.
    reconcile_clusters()  # the scheduler's first run may be up to a minute away
    wait_for(
        lambda: Cluster.objects.filter(cluster_id=CLUSTER, status=ClusterStatus.READY).exists(), 60, "ready cluster"
    )

    ready = walk_a_kafka_through_its_life(User(live_server.url), timeout=60)

    assert ready["status"] == "ready"
    assert all(process.poll() is None for process in processes), "qcluster or agent died"


@pytest.mark.slow
def test_the_agent_process_renders_a_valid_strimzi_kafka_and_removes_it(
    live_server: Any, processes: list[Any], tmp_path: Path
) -> None:
    reconcile_clusters()
    wait_for(
        lambda: Cluster.objects.filter(cluster_id=CLUSTER, status=ClusterStatus.READY).exists(), 60, "ready cluster"
    )
    user = User(live_server.url)
    kafka = user.create("rendered")
    ready = wait_for(
        lambda: (body := user.get(kafka["id"]).json()).get("status") == "ready" and body, 60, "status ready"
    )

    namespace = tmp_path / "dataplane" / CLUSTER / KafkaRequest.objects.get(pk=kafka["id"]).namespace
    (rendered,) = store.load((namespace / "kafka.yaml").read_text())
    assert schema.strimzi_kafka().errors(rendered) == []
    (external,) = [listener for listener in rendered["spec"]["kafka"]["listeners"] if listener["name"] == "external"]
    assert external["configuration"]["bootstrap"]["host"] == ready["bootstrap_server_host"].removesuffix(":443")
    (managed_kafka,) = store.load((namespace / "managedkafka.yaml").read_text())
    assert managed_kafka["metadata"]["annotations"]["bf2.org/id"] == kafka["id"]

    user.delete(kafka["id"])
    wait_for(lambda: user.get(kafka["id"]).status_code == 404, 60, "the Kafka to be gone")
    assert not namespace.exists()
    assert all(process.poll() is None for process in processes), "qcluster or agent died"
