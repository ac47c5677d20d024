"""The cluster reconciler for manually managed clusters (§6.3 step 2, standalone provider, §6.9)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.utils import timezone

from clusters import services, tasks
from clusters.models import TRANSITIONS, Cluster, ClusterStatus, ClusterStatusChange, ProviderType
from fleetmanager import leases
from fleetmanager.emulators import SSOEmulator
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sso_emulator")]


def test_configured_standalone_clusters_are_added_and_walked_to_waiting(sso_emulator: SSOEmulator) -> None:
    tasks.reconcile_clusters()

    cluster = Cluster.objects.get(cluster_id="dev-standalone-1")
    assert cluster.status == ClusterStatus.WAITING_FOR_FLEETSHARD
    assert (cluster.provider_type, cluster.cluster_dns) == (
        ProviderType.STANDALONE,
        "apps.dev-standalone-1.fleet.local",
    )
    assert cluster.client_id == "kas-fleetshard-agent-dev-standalone-1"
    assert cluster.client_secret
    assert [c["clientId"] for c in sso_emulator.clients()] == ["kas-fleetshard-agent-dev-standalone-1"]


def test_the_pass_is_idempotent(sso_emulator: SSOEmulator) -> None:
    tasks.reconcile_clusters()
    tasks.reconcile_clusters()

    assert Cluster.objects.count() == 1
    assert len(sso_emulator.clients()) == 1


def test_an_sso_outage_keeps_the_cluster_provisioned_until_it_passes(sso_emulator: SSOEmulator) -> None:
    sso_emulator.fail_next(50, 503)
    tasks.reconcile_clusters()
    cluster = Cluster.objects.get()
    assert cluster.status == ClusterStatus.PROVISIONED
    assert cluster.reconcile_failures == 1 and "503" in cluster.last_reconcile_error

    sso_emulator.reset()
    Cluster.objects.update(next_reconcile_at=None)  # the backoff has passed
    tasks.reconcile_clusters()
    cluster.refresh_from_db()
    assert (cluster.status, cluster.reconcile_failures) == (ClusterStatus.WAITING_FOR_FLEETSHARD, 0)


def test_an_empty_cluster_removed_from_the_file_is_deprovisioned_and_cleaned_up(sso_emulator: SSOEmulator) -> None:
    sso_emulator.add_client("kas-fleetshard-agent-gone")
    ClusterFactory(cluster_id="gone", client_id="kas-fleetshard-agent-gone")

    for _ in range(3):
        tasks.reconcile_clusters()

    assert not Cluster.objects.filter(cluster_id="gone").exists()
    assert Cluster.all_objects.get(cluster_id="gone").deleted_at is not None
    assert "kas-fleetshard-agent-gone" not in [c["clientId"] for c in sso_emulator.clients()]


def test_a_cluster_removed_from_the_file_but_holding_kafkas_stays() -> None:
    ClusterFactory(cluster_id="busy")
    KafkaFactory(cluster_id="busy", status="ready")

    tasks.reconcile_clusters()

    assert Cluster.objects.get(cluster_id="busy").status == ClusterStatus.READY


def test_a_deprovisioning_cluster_that_still_holds_kafkas_goes_back_to_ready() -> None:
    cluster = ClusterFactory(cluster_id="dev-standalone-1", status=ClusterStatus.DEPROVISIONING)
    KafkaFactory(cluster_id=cluster.cluster_id, status="ready")

    tasks.reconcile_clusters()

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.READY


def test_only_the_lease_holder_reconciles_clusters() -> None:
    assert leases.acquire(tasks.CLUSTER_LEASE, "another-replica") is not None

    tasks.reconcile_clusters(holder="me")

    assert not Cluster.objects.exists()


PAIRS = list(itertools.product(ClusterStatus.values, ClusterStatus.values))


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_cluster_transition_table(from_status: str, to_status: str) -> None:
    cluster = ClusterFactory(status=from_status)

    if to_status in TRANSITIONS[from_status]:
        services.cluster_transition(cluster=cluster, to=to_status, reason="test", actor="sre")
        assert Cluster.objects.get(pk=cluster.pk).status == to_status
        (change,) = ClusterStatusChange.objects.filter(cluster=cluster)
        assert (change.from_status, change.to_status, change.reason, change.actor) == (
            from_status,
            to_status,
            "test",
            "sre",
        )
    else:
        with pytest.raises(services.InvalidTransition):
            services.cluster_transition(cluster=cluster, to=to_status)
        assert Cluster.objects.get(pk=cluster.pk).status == from_status
        assert not ClusterStatusChange.objects.filter(cluster=cluster).exists()


def test_a_stale_cluster_write_is_refused() -> None:
    cluster = ClusterFactory(status=ClusterStatus.READY)
    stale = Cluster.objects.get(pk=cluster.pk)
    services.cluster_transition(cluster=cluster, to=ClusterStatus.DEPROVISIONING)

    with pytest.raises(services.StaleState):
        services.cluster_transition(cluster=stale, to=ClusterStatus.WAITING_FOR_FLEETSHARD)
    assert ClusterStatusChange.objects.filter(cluster=cluster).count() == 1


def test_setup_schedules_is_idempotent(settings: Any) -> None:
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("setup_schedules")
    call_command("setup_schedules")

    assert sorted(Schedule.objects.values_list("name", "func")) == [
        ("reconcile-clusters", "clusters.tasks.reconcile_clusters"),
        ("reconcile-kafkas", "kafkas.tasks.reconcile_kafkas"),
        ("reconcile-scaling", "clusters.scaling.reconcile_scaling"),
    ]


def test_a_cluster_listed_again_after_removal_comes_back_as_a_new_row(config_dir: Any) -> None:
    tasks.reconcile_clusters()
    first = Cluster.objects.get(cluster_id="dev-standalone-1")
    Cluster.objects.filter(pk=first.pk).update(deleted_at=timezone.now(), status=ClusterStatus.CLEANUP)

    tasks.reconcile_clusters()

    again = Cluster.objects.get(cluster_id="dev-standalone-1")
    assert again.pk != first.pk and again.status == ClusterStatus.WAITING_FOR_FLEETSHARD
