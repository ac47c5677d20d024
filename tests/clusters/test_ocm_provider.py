"""OSD clusters through OCM, walked by the cluster reconciler against the OCM emulator (§6.3-§6.4, §6.9)."""

from __future__ import annotations

from typing import Any

import pytest

from clusters import tasks
from clusters.models import Cluster, ClusterStatus, ClusterType, ProviderType
from clusters.providers.ocm import OCMProvider, osd_name
from fleetmanager import leases
from fleetmanager.emulators import OCMEmulator, SSOEmulator
from tests.concurrency import race
from tests.factories import KafkaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def auto_mode(settings: Any, ocm_emulator: OCMEmulator) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"


def new_cluster(**fields: Any) -> Cluster:
    defaults = {
        "cloud_provider": "aws",
        "region": "us-east-1",
        "multi_az": True,
        "supported_instance_type": "standard",
        "status": ClusterStatus.ACCEPTED,
        "provider_type": ProviderType.OCM,
        "cluster_type": ClusterType.MANAGED,
    }
    return Cluster.objects.create(**{**defaults, **fields})


def run_until(status: str, cluster: Cluster, emulator: OCMEmulator, *, passes: int = 10) -> Cluster:
    for _ in range(passes):
        tasks.reconcile_clusters()
        cluster.refresh_from_db()
        if cluster.status == status:
            return cluster
        Cluster.objects.filter(pk=cluster.pk).update(next_reconcile_at=None)  # skip any backoff
        emulator.advance(60)
    raise AssertionError(f"cluster stuck in {cluster.status}: {cluster.last_reconcile_error}")


def test_an_accepted_cluster_is_created_terraformed_and_waits_for_its_agent(
    ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator
) -> None:
    cluster = new_cluster()

    cluster = run_until(ClusterStatus.WAITING_FOR_FLEETSHARD, cluster, ocm_emulator)

    osd = ocm_emulator.cluster(osd_name(cluster))
    assert osd is not None and cluster.cluster_id == osd["id"] and cluster.external_id
    assert cluster.cluster_dns.startswith("apps.")
    assert cluster.client_id == f"kas-fleetshard-agent-{cluster.cluster_id}" and cluster.client_secret
    (pool,) = ocm_emulator.machine_pools(cluster.cluster_id)
    assert pool["id"] == "kafka-standard"
    assert (pool["autoscaling"]["min_replicas"], pool["autoscaling"]["max_replicas"]) == (3, 18)
    assert pool["taints"] == [{"key": "bf2.org/kafkaInstanceProfileType", "value": "standard", "effect": "NoExecute"}]
    assert cluster.dynamic_capacity_info == {"standard": {"max_nodes": 18}}
    assert "ext-managedservice-cluster-mgr" in ocm_emulator.syncsets(cluster.cluster_id)
    addons = {a["id"]: a for a in ocm_emulator.addons(cluster.cluster_id)}
    assert set(addons) == {"managed-kafka", "kas-fleetshard-operator"}
    params = {p["id"]: p["value"] for p in addons["kas-fleetshard-operator"]["parameters"]["items"]}
    assert params["sso-client-id"] == cluster.client_id and params["cluster-id"] == cluster.cluster_id
    assert params["poll-interval"] == "15s" and params["resync-interval"] == "60s"
    assert ocm_emulator.create_counts() == {osd_name(cluster): 1}


def test_the_cluster_waits_in_provisioning_while_ocm_installs_it(ocm_emulator: OCMEmulator) -> None:
    cluster = new_cluster()

    tasks.reconcile_clusters()
    tasks.reconcile_clusters()

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROVISIONING


def test_ocm_outages_are_recorded_on_the_cluster_and_retried(ocm_emulator: OCMEmulator) -> None:
    cluster = new_cluster()
    ocm_emulator.fail_next(100, 503)

    tasks.reconcile_clusters()

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.ACCEPTED
    assert cluster.reconcile_failures == 1 and "503" in cluster.last_reconcile_error
    assert cluster.next_reconcile_at is not None
    tasks.reconcile_clusters()  # backing off: not even tried
    cluster.refresh_from_db()
    assert cluster.reconcile_failures == 1

    ocm_emulator.reset()
    Cluster.objects.filter(pk=cluster.pk).update(next_reconcile_at=None)
    tasks.reconcile_clusters()
    cluster.refresh_from_db()
    assert (cluster.status, cluster.reconcile_failures, cluster.last_reconcile_error) == (
        ClusterStatus.PROVISIONING,
        0,
        "",
    )


def test_a_create_that_timed_out_after_landing_is_not_repeated(ocm_emulator: OCMEmulator, settings: Any) -> None:
    settings.FLEET_OCM_TIMEOUT_SECONDS = 0.5
    cluster = new_cluster()
    ocm_emulator.stall_next_create(2, landed=True)

    for _ in range(3):
        tasks.reconcile_clusters()
        Cluster.objects.filter(pk=cluster.pk).update(next_reconcile_at=None)

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.PROVISIONING
    assert len(ocm_emulator.clusters()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_workers_request_one_osd_cluster(ocm_emulator: OCMEmulator) -> None:
    cluster = new_cluster()

    race(4, lambda i: tasks.reconcile_clusters(holder=f"worker-{i}"))
    race(4, lambda i: OCMProvider().create(Cluster.objects.get(pk=cluster.pk)))  # even without the lease

    assert len(ocm_emulator.clusters()) == 1
    assert sum(ocm_emulator.create_counts().values()) >= 1


def test_an_osd_cluster_in_error_fails(ocm_emulator: OCMEmulator) -> None:
    cluster = new_cluster()
    tasks.reconcile_clusters()
    ocm_emulator.fail_cluster(osd_name(cluster))

    tasks.reconcile_clusters()

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.FAILED
    assert "error" in cluster.last_reconcile_error


def test_an_empty_cluster_is_deleted_in_ocm_then_cleaned_up(
    ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator
) -> None:
    cluster = run_until(ClusterStatus.WAITING_FOR_FLEETSHARD, new_cluster(), ocm_emulator)
    Cluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.DEPROVISIONING)

    for _ in range(6):
        tasks.reconcile_clusters()
        ocm_emulator.advance(60)

    assert not Cluster.objects.filter(pk=cluster.pk).exists()
    assert Cluster.all_objects.get(pk=cluster.pk).deleted_at is not None
    assert ocm_emulator.clusters() == []
    assert cluster.client_id not in [c["clientId"] for c in sso_emulator.clients()]


def test_a_deprovisioning_cluster_with_kafkas_is_not_deleted(ocm_emulator: OCMEmulator) -> None:
    cluster = run_until(ClusterStatus.WAITING_FOR_FLEETSHARD, new_cluster(), ocm_emulator)
    Cluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.DEPROVISIONING)
    KafkaFactory(cluster_id=cluster.cluster_id, status="ready")

    tasks.reconcile_clusters()

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.READY
    assert len(ocm_emulator.clusters()) == 1


def test_a_ready_cluster_is_only_reapplied_when_its_configuration_changes(ocm_emulator: OCMEmulator) -> None:
    cluster = run_until(ClusterStatus.WAITING_FOR_FLEETSHARD, new_cluster(), ocm_emulator)
    Cluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.READY)
    ocm_emulator.requests.clear()

    tasks.reconcile_clusters()
    assert ocm_emulator.requests == []

    Cluster.objects.filter(pk=cluster.pk).update(client_secret="rotated")
    tasks.reconcile_clusters()
    assert any(method == "PATCH" for method, _ in ocm_emulator.requests)


def test_a_lost_lease_stops_the_pass(ocm_emulator: OCMEmulator) -> None:
    new_cluster()
    assert leases.acquire(tasks.CLUSTER_LEASE, "other") is not None

    tasks.reconcile_clusters(holder="me")

    assert ocm_emulator.clusters() == []
