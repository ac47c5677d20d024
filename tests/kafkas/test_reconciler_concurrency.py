"""Reconcilers racing on real PostgreSQL: no Kafka is placed or prepared twice."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from typing import Any

import pytest

from clusters.models import Cluster
from fleetmanager.emulators import SSOEmulator
from kafkas import tasks
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from tests.concurrency import race
from tests.conftest import worker_env
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KAFKAS = 24


@pytest.fixture
def accepted(sso_emulator: SSOEmulator) -> list[str]:
    ClusterFactory(cluster_id="race-cluster")
    return [KafkaFactory(cluster_id="race-cluster").id for _ in range(KAFKAS)]


@pytest.fixture
def unassigned(settings: Any, sso_emulator: SSOEmulator) -> list[str]:
    """Auto mode: the reconcilers must place them, on a cluster with room for exactly 10 units."""
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    ClusterFactory(cluster_id="small", dynamic_capacity_info={"standard": {"max_units": 10, "max_nodes": 3}})
    return [KafkaFactory(cluster_id="").id for _ in range(KAFKAS)]


def assert_each_kafka_moved_once(ids: list[str], sso_emulator: SSOEmulator) -> None:
    moves = Counter(KafkaStatusChange.objects.filter(kafka_id__in=ids).values_list("kafka_id", "to_status"))
    provisioned = [i for i in ids if moves[(i, "provisioning")]]
    for kafka_id in provisioned:
        assert moves[(kafka_id, "preparing")] == 1, kafka_id
        assert moves[(kafka_id, "provisioning")] == 1, kafka_id
    creates = Counter(path for method, path in sso_emulator.requests if method == "POST" and path.endswith("/clients"))
    assert sum(creates.values()) == len(provisioned), "a canary service account was requested twice"
    assert len(sso_emulator.clients()) == len(provisioned)


def test_racing_reconcile_passes_prepare_each_kafka_once(accepted: list[str], sso_emulator: SSOEmulator) -> None:
    race(4, lambda i: tasks.reconcile_kafkas())

    assert set(KafkaRequest.objects.values_list("status", flat=True)) == {KafkaStatus.PROVISIONING}
    assert_each_kafka_moved_once(accepted, sso_emulator)


def test_kicks_racing_the_periodic_pass_prepare_each_kafka_once(accepted: list[str], sso_emulator: SSOEmulator) -> None:
    def kicks() -> None:
        for kafka_id in accepted:
            tasks.reconcile_kafka(kafka_id)

    race(3, lambda i: (kicks(), tasks.reconcile_kafkas()))

    assert set(KafkaRequest.objects.values_list("status", flat=True)) == {KafkaStatus.PROVISIONING}
    assert_each_kafka_moved_once(accepted, sso_emulator)


def test_racing_placements_never_overfill_a_cluster(unassigned: list[str], sso_emulator: SSOEmulator) -> None:
    race(4, lambda i: tasks.reconcile_kafkas())

    placed = KafkaRequest.objects.filter(cluster_id="small").count()
    assert placed == 10
    assert KafkaRequest.objects.filter(cluster_id="", status=KafkaStatus.ACCEPTED).count() == KAFKAS - 10
    assert_each_kafka_moved_once(unassigned, sso_emulator)


RECONCILE = "import django; django.setup(); from kafkas.tasks import reconcile_kafkas; reconcile_kafkas()"


def test_racing_worker_processes_prepare_each_kafka_once(
    accepted: list[str], sso_emulator: SSOEmulator, settings: Any
) -> None:
    env = worker_env(FLEET_RECONCILE_BATCH_SIZE="3")
    workers = [subprocess.Popen([sys.executable, "-c", RECONCILE], env=env) for _ in range(3)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0]

    assert set(KafkaRequest.objects.values_list("status", flat=True)) == {KafkaStatus.PROVISIONING}
    assert_each_kafka_moved_once(accepted, sso_emulator)
    assert Cluster.objects.count() == 1
