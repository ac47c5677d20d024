"""The Kafka reconcile steps (§4.2-§4.6), through the real SSO client against its emulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fleetmanager.emulators import SSOEmulator
from kafkas import lifecycle, tasks
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sso_emulator")]


def age(kafka: KafkaRequest, **delta: float) -> None:
    KafkaRequest.objects.filter(pk=kafka.pk).update(created_at=timezone.now() - timedelta(**delta))


def refreshed(kafka: KafkaRequest) -> KafkaRequest:
    return KafkaRequest.all_objects.get(pk=kafka.pk)


def creates_of(emulator: SSOEmulator) -> int:
    return sum(1 for method, path in emulator.requests if method == "POST" and path.endswith("/clients"))


def test_an_accepted_kafka_is_prepared_and_provisioned_in_one_run(
    ready_cluster: Any, sso_emulator: SSOEmulator
) -> None:
    kafka = KafkaFactory(id="cht8b2jvjqr0q3m5i1eg", name="my-kafka-1234", cluster_id=ready_cluster.cluster_id)

    tasks.reconcile_kafka(kafka.id)

    row = refreshed(kafka)
    assert row.status == KafkaStatus.PROVISIONING
    assert row.namespace == "kafka-cht8b2jvjqr0q3m5i1eg"
    # Digits survive (upstream turns them into dashes) and the cluster's apps domain becomes kas.
    assert row.bootstrap_server_host == "my-kafka-1-cht8b2jvjqr0q3m5i1eg.kas.cluster-ready-1.example.com"
    assert (row.desired_strimzi_version, row.desired_kafka_version, row.desired_kafka_ibp_version) == (
        "strimzi-cluster-operator.v0.23.0-4",
        "3.1.0",
        "3.1",
    )
    assert row.canary_service_account_client_id == "canary-cht8b2jvjqr0q3m5i1eg"
    assert row.canary_service_account_client_secret
    assert len(row.placement_id) == 20
    (canary,) = sso_emulator.clients()
    assert canary["clientId"] == "canary-cht8b2jvjqr0q3m5i1eg"
    assert canary["attributes"]["rh-org-id"] == kafka.organisation_id
    assert list(row.status_changes.values_list("from_status", "to_status")) == [
        ("accepted", "preparing"),
        ("preparing", "provisioning"),
    ]
    assert (row.next_reconcile_at, row.reconcile_failures) == (None, 0)


def test_reconciling_twice_does_no_work_twice(ready_cluster: Any, sso_emulator: SSOEmulator) -> None:
    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id)

    tasks.reconcile_kafka(kafka.id)
    tasks.reconcile_kafka(kafka.id)
    tasks.reconcile_kafkas()

    assert creates_of(sso_emulator) == 1
    assert KafkaStatusChange.objects.filter(kafka=kafka).count() == 2


def test_a_cluster_without_a_ready_strimzi_version_holds_the_kafka_then_fails_it() -> None:
    cluster = ClusterFactory(
        available_strimzi_versions=[
            {
                "version": "strimzi-cluster-operator.v0.23.0-4",
                "ready": False,
                "kafkaVersions": ["3.1.0"],
                "kafkaIbpVersions": ["3.1"],
            }
        ]
    )
    kafka = KafkaFactory(cluster_id=cluster.cluster_id)

    tasks.reconcile_kafka(kafka.id)
    waiting = refreshed(kafka)
    assert waiting.status == KafkaStatus.ACCEPTED
    assert waiting.reconcile_failures == 1 and "Strimzi" in waiting.last_reconcile_error
    assert waiting.next_reconcile_at > timezone.now()

    age(kafka, minutes=6)
    KafkaRequest.objects.filter(pk=kafka.pk).update(next_reconcile_at=None)
    tasks.reconcile_kafka(kafka.id)

    failed = refreshed(kafka)
    assert (failed.status, failed.failed_reason) == (KafkaStatus.FAILED, "Failed to get desired Strimzi version")


def test_auto_mode_places_an_unassigned_kafka_when_capacity_appears(settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    kafka = KafkaFactory(cluster_id="")
    tasks.reconcile_kafka(kafka.id)
    assert refreshed(kafka).status == KafkaStatus.ACCEPTED

    cluster = ClusterFactory(dynamic_capacity_info={"standard": {"max_nodes": 3, "max_units": 1, "remaining_units": 1}})
    KafkaRequest.objects.filter(pk=kafka.pk).update(next_reconcile_at=None)
    tasks.reconcile_kafka(kafka.id)

    row = refreshed(kafka)
    assert (row.status, row.cluster_id) == (KafkaStatus.PROVISIONING, cluster.cluster_id)


def test_a_kafka_nobody_can_place_for_an_hour_fails(settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    kafka = KafkaFactory(cluster_id="")
    age(kafka, hours=1, minutes=1)

    tasks.reconcile_kafka(kafka.id)

    row = refreshed(kafka)
    assert row.status == KafkaStatus.FAILED
    assert row.failed_reason == (
        "Region us-east-1 in cloud provider aws cannot accept standard Kafka of size x1 at the moment."
    )


def test_an_sso_outage_is_retried_with_backoff(ready_cluster: Any, sso_emulator: SSOEmulator) -> None:
    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id)
    sso_emulator.fail_next(50, 503)

    tasks.reconcile_kafka(kafka.id)

    row = refreshed(kafka)
    assert row.status == KafkaStatus.PREPARING
    assert row.reconcile_failures == 1 and "503" in row.last_reconcile_error
    first_delay = row.next_reconcile_at - timezone.now()
    assert timedelta(seconds=3) < first_delay <= timedelta(seconds=5)

    sso_emulator.fail_next(0)
    sso_emulator.reset()
    KafkaRequest.objects.filter(pk=kafka.pk).update(next_reconcile_at=None)
    tasks.reconcile_kafka(kafka.id)
    assert refreshed(kafka).status == KafkaStatus.PROVISIONING


def test_an_sso_outage_longer_than_five_minutes_fails_the_kafka(ready_cluster: Any, sso_emulator: SSOEmulator) -> None:
    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id, status=KafkaStatus.PREPARING)
    age(kafka, minutes=6)
    sso_emulator.fail_next(50, 503)

    tasks.reconcile_kafka(kafka.id)

    row = refreshed(kafka)
    assert row.status == KafkaStatus.FAILED
    assert row.failed_reason.startswith("Failed to create kafka client in the mas sso")


def test_an_sso_refusal_fails_the_kafka_at_once(ready_cluster: Any, sso_emulator: SSOEmulator) -> None:
    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id, status=KafkaStatus.PREPARING)
    sso_emulator.fail_next(1, 400)

    tasks.reconcile_kafka(kafka.id)

    assert refreshed(kafka).status == KafkaStatus.FAILED


def test_a_kafka_that_never_reached_a_data_plane_is_deleted_directly() -> None:
    kafka = KafkaFactory(status=KafkaStatus.DEPROVISION, bootstrap_server_host="")

    tasks.reconcile_kafka(kafka.id)

    assert refreshed(kafka).deleted_at is not None
    assert not KafkaRequest.objects.filter(pk=kafka.pk).exists()


def test_a_deprovisioned_kafka_on_a_data_plane_waits_for_the_agent() -> None:
    kafka = KafkaFactory(status=KafkaStatus.DEPROVISION, bootstrap_server_host="k.kas.example.com")

    tasks.reconcile_kafkas()

    assert refreshed(kafka).deleted_at is None


def test_deleting_removes_the_canary_account_then_the_row(sso_emulator: SSOEmulator) -> None:
    sso_emulator.add_client("canary-abc")
    kafka = KafkaFactory(
        status=KafkaStatus.DELETING,
        cluster_id="c1",
        bootstrap_server_host="h",
        canary_service_account_client_id="canary-abc",
    )

    tasks.reconcile_kafkas()

    assert refreshed(kafka).deleted_at is not None
    assert sso_emulator.clients() == []


def test_deleting_retries_while_sso_is_down(sso_emulator: SSOEmulator) -> None:
    sso_emulator.add_client("canary-abc")
    kafka = KafkaFactory(status=KafkaStatus.DELETING, canary_service_account_client_id="canary-abc")
    sso_emulator.fail_next(50, 503)

    tasks.reconcile_kafkas()

    row = refreshed(kafka)
    assert row.deleted_at is None and row.reconcile_failures == 1


def test_expired_trial_kafkas_are_deprovisioned() -> None:
    trial = {"instance_type": "developer", "size_id": "x1", "multi_az": False, "status": KafkaStatus.READY}
    expired = KafkaFactory(**trial, expires_at=timezone.now() - timedelta(seconds=1))
    alive = KafkaFactory(**trial, expires_at=timezone.now() + timedelta(hours=1))

    tasks.reconcile_general()

    assert refreshed(expired).status == KafkaStatus.DEPROVISION
    assert refreshed(alive).status == KafkaStatus.READY
    assert KafkaStatusChange.objects.get(kafka=expired).reason == "expired"


def test_kafkas_of_denied_users_are_deprovisioned(settings: Any) -> None:
    settings.FLEET_ENABLE_DENY_LIST = True
    denied = KafkaFactory(status=KafkaStatus.READY, owner="denied-test-user1@example.com")
    allowed = KafkaFactory(status=KafkaStatus.READY)

    tasks.reconcile_general()

    assert refreshed(denied).status == KafkaStatus.DEPROVISION
    assert refreshed(allowed).status == KafkaStatus.READY


def test_the_general_sweep_only_runs_on_the_lease_holder() -> None:
    from fleetmanager import leases

    assert leases.acquire(tasks.GENERAL_LEASE, "someone-else") is not None
    expired = KafkaFactory(status=KafkaStatus.READY, expires_at=timezone.now() - timedelta(seconds=1))

    tasks.reconcile_general(holder="me")

    assert refreshed(expired).status == KafkaStatus.READY


def test_a_claim_of_a_dead_worker_expires_and_the_kafka_is_picked_up(ready_cluster: Any) -> None:
    claimed = KafkaFactory(cluster_id=ready_cluster.cluster_id, next_reconcile_at=timezone.now() + timedelta(minutes=1))
    abandoned = KafkaFactory(
        cluster_id=ready_cluster.cluster_id, next_reconcile_at=timezone.now() - timedelta(seconds=1)
    )

    tasks.reconcile_kafkas()

    assert refreshed(claimed).status == KafkaStatus.ACCEPTED  # another worker holds it
    assert refreshed(abandoned).status == KafkaStatus.PROVISIONING


def test_a_provisioning_kafka_rejected_by_a_full_cluster_is_placed_again(ready_cluster: Any) -> None:
    kafka = KafkaFactory(status=KafkaStatus.PROVISIONING, cluster_id="", bootstrap_server_host="")

    tasks.reconcile_kafkas()

    row = refreshed(kafka)
    assert row.cluster_id == ready_cluster.cluster_id
    assert row.bootstrap_server_host.endswith(".kas.cluster-ready-1.example.com")
    assert row.desired_strimzi_version


def test_create_kicks_the_reconciler_after_commit(
    alice: Any, ready_cluster: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_q.models import OrmQ

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = alice.post("/api/kafkas_mgmt/v1/kafkas?async=true", {"name": "kicked"})

    assert response.status_code == 202
    assert len(callbacks) == 1
    (queued,) = OrmQ.objects.all()
    assert queued.task["func"] == "kafkas.tasks.reconcile_kafka"
    assert queued.task["args"] == (response.json()["id"],)


def test_bootstrap_hosts_are_valid_dns_labels() -> None:
    cluster = ClusterFactory.build(cluster_dns="apps.c.example.com")
    kafka = KafkaFactory.build(id="0aaaaaaaaaaaaaaaaaaa", name="a")

    host = lifecycle.bootstrap_host(kafka, cluster)

    assert host == "a-0aaaaaaaaaaaaaaaaaaa.kas.c.example.com"


def test_the_canary_account_tokens_carry_the_owners_claims(ready_cluster: Any, settings: Any) -> None:
    """The Kafka's customClaimCheck (§5.3) asks for `rh-org-id`: the canary's tokens carry it, as upstream's."""
    import jwt
    import requests

    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id, owner="alice", owner_account_id="alice-account")
    tasks.reconcile_kafka(kafka.id)
    row = refreshed(kafka)

    token = requests.post(
        f"{settings.FLEET_SSO_BASE_URL}/realms/rhoas/protocol/openid-connect/token",
        data={
            "grant_type": "client_credentials",
            "client_id": row.canary_service_account_client_id,
            "client_secret": row.canary_service_account_client_secret,
        },
        timeout=5,
    ).json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})

    assert (claims["rh-org-id"], claims["rh-user-id"], claims["username"]) == (
        kafka.organisation_id,
        "alice-account",
        "alice",
    )
    assert claims["clientId"] == row.canary_service_account_client_id
