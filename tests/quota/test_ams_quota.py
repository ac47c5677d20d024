"""Quota from AMS (`FLEET_QUOTA_TYPE=ams`, §7.2, §7.4) through the real client against the AMS emulator."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmanager.emulators import AMSEmulator, SSOEmulator
from kafkas import tasks
from kafkas.models import KafkaRequest, KafkaStatus
from quota.models import PendingQuotaRelease
from quota.services import retry_pending_releases
from tests.concurrency import race
from tests.conftest import ORG, V1, Api
from tests.factories import KafkaFactory

CREATE = f"{V1}/kafkas?async=true"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ready_cluster")]


@pytest.fixture
def ams(settings: Any, ams_emulator: AMSEmulator, sso_emulator: SSOEmulator) -> AMSEmulator:
    settings.FLEET_QUOTA_TYPE = "ams"
    for user in ("alice", "bob", "trial-user"):
        ams_emulator.add_account(user, ORG)
    ams_emulator.add_quota(ORG, product="RHOSAKTrial", billing_model="standard", allowed=100)
    return ams_emulator


def standard_quota(ams: AMSEmulator, allowed: int, **extra: Any) -> None:
    ams.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=allowed, **extra)


def subscriptions(ams: AMSEmulator) -> list[dict]:
    return [s for s in ams.subscriptions() if s["plan"]["id"] != "OSD"]


def test_an_org_with_standard_quota_gets_standard_kafkas_reserved_in_ams(ams: AMSEmulator, alice: Api) -> None:
    standard_quota(ams, 5)

    response = alice.post(CREATE, {"name": "paid"})

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["instance_type"], body["billing_model"]) == ("standard", "standard")
    kafka = KafkaRequest.objects.get(pk=body["id"])
    (subscription,) = subscriptions(ams)
    assert (kafka.quota_type, kafka.subscription_id) == ("ams", subscription["id"])
    assert subscription["cluster_id"] == kafka.id


def test_an_org_without_quota_gets_trial_kafkas(ams: AMSEmulator, alice: Api) -> None:
    response = alice.post(CREATE, {"name": "trial"})

    assert (response.status_code, response.json()["instance_type"]) == (202, "developer")


@pytest.mark.parametrize(
    ("allowed", "used", "plan", "status"),
    [
        (2, 0, "standard.x1", 202),
        (2, 1, "standard.x1", 202),
        (2, 2, "standard.x1", 403),
        (2, 1, "standard.x2", 403),
        (2, 0, "standard.x2", 202),
        (3, 1, "standard.x2", 202),
    ],
)
def test_quota_edges(ams: AMSEmulator, alice: Api, allowed: int, used: int, plan: str, status: int) -> None:
    standard_quota(ams, allowed, consumed=used)

    response = alice.post(CREATE, {"name": "edge", "plan": plan})

    assert response.status_code == status, response.json()
    if status == 403:
        assert response.json()["code"] == "KAFKAS-MGMT-120"
        assert not KafkaRequest.objects.exists() and subscriptions(ams) == []


def test_an_ams_outage_at_create_writes_nothing_and_reserves_nothing(ams: AMSEmulator, alice: Api) -> None:
    standard_quota(ams, 5)
    alice_token_warm = alice.get(f"{V1}/kafkas")  # the token endpoint is not what fails here
    assert alice_token_warm.status_code == 200
    ams.fail_next(100, 503)

    response = alice.post(CREATE, {"name": "outage"})

    assert (response.status_code, response.json()["code"]) == (500, "KAFKAS-MGMT-121")
    assert "unavailable" in response.json()["reason"]
    ams.reset()
    assert not KafkaRequest.objects.exists()


def test_a_reservation_whose_reply_was_lost_is_not_made_twice(ams: AMSEmulator, alice: Api, settings: Any) -> None:
    standard_quota(ams, 5)
    ams.lose_next_reply("POST", "/v1/cluster_authorizations", status=504)

    response = alice.post(CREATE, {"name": "lost-reply"})

    assert response.status_code == 202
    assert len(subscriptions(ams)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_create_that_fails_after_reserving_gives_the_quota_back(ams: AMSEmulator, alice: Api) -> None:
    standard_quota(ams, 5)

    def same_name_meanwhile(method: str, path: str) -> None:
        # Another request creates a Kafka of the same name while ours holds its reservation.
        if method == "POST" and path.endswith("/cluster_authorizations"):
            KafkaFactory(name="contended", cluster_id="cluster-ready-1")

    ams.on_request = same_name_meanwhile

    response = alice.post(CREATE, {"name": "contended"})

    assert (response.status_code, response.json()["code"]) == (409, "KAFKAS-MGMT-36")
    assert subscriptions(ams) == []
    assert KafkaRequest.objects.filter(name="contended").count() == 1


def test_a_release_that_fails_is_retried_until_it_succeeds(ams: AMSEmulator, alice: Api) -> None:
    from quota.backend import Reservation
    from quota.services import backend, release_quietly

    standard_quota(ams, 5)
    kafka = alice.post(CREATE, {"name": "to-release"}).json()
    reservation = Reservation(
        billing_model="standard", subscription_id=KafkaRequest.objects.get(pk=kafka["id"]).subscription_id
    )
    ams.fail_next(100, 503)

    release_quietly(backend("ams"), reservation, reason="test")
    assert PendingQuotaRelease.objects.count() == 1
    assert retry_pending_releases() == 1

    ams.clear_faults()
    assert retry_pending_releases() == 0
    assert not PendingQuotaRelease.objects.exists()
    assert subscriptions(ams) == []


def test_deleting_a_kafka_releases_its_subscription_and_retries_through_outages(ams: AMSEmulator, alice: Api) -> None:
    standard_quota(ams, 5)
    kafka = KafkaRequest.objects.get(pk=alice.post(CREATE, {"name": "bye"}).json()["id"])
    KafkaRequest.objects.filter(pk=kafka.pk).update(status=KafkaStatus.DELETING)
    ams.fail_next(100, 503)

    tasks.reconcile_kafka(kafka.id)
    kafka.refresh_from_db()
    assert kafka.deleted_at is None and kafka.reconcile_failures == 1

    ams.clear_faults()
    KafkaRequest.objects.filter(pk=kafka.pk).update(next_reconcile_at=None)
    tasks.reconcile_kafka(kafka.id)
    assert KafkaRequest.all_objects.get(pk=kafka.pk).deleted_at is not None
    assert subscriptions(ams) == []


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"billing_model": "marketplace", "marketplace": "gcp", "billing_cloud_account_id": "123"}, 43),
        ({"billing_model": "marketplace", "billing_cloud_account_id": "not-ours"}, 43),
        ({"marketplace": "aws"}, 43),
    ],
)
def test_bad_marketplace_and_account_combinations_are_400_43(
    ams: AMSEmulator, alice: Api, body: dict, code: int
) -> None:
    standard_quota(ams, 5)
    ams.add_quota(ORG, product="RHOSAK", billing_model="marketplace-aws", allowed=5, cloud_accounts=[("123", "aws")])

    response = alice.post(CREATE, {"name": "m", **body})

    assert (response.status_code, response.json()["code"]) == (400, f"KAFKAS-MGMT-{code}")
    assert subscriptions(ams) == []


def test_a_marketplace_account_picks_the_marketplace_billing_model(ams: AMSEmulator, alice: Api) -> None:
    ams.add_quota(ORG, product="RHOSAK", billing_model="marketplace-aws", allowed=5, cloud_accounts=[("123", "aws")])

    response = alice.post(CREATE, {"name": "m", "billing_model": "marketplace", "billing_cloud_account_id": "123"})

    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["billing_model"], body["marketplace"], body["billing_cloud_account_id"]) == (
        "marketplace",
        "aws",
        "123",
    )
    (subscription,) = subscriptions(ams)
    assert subscription["cluster_billing_model"] == "marketplace-aws"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_cannot_pass_the_ams_quota_together(ams: AMSEmulator) -> None:
    from rest_framework.test import APIClient

    from fleetmanager.devtokens import mint_token

    standard_quota(ams, 2)
    token = mint_token(username="alice", org_id=ORG)

    def create(index: int) -> int:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client.post(CREATE, {"name": f"race-{index}"}, format="json").status_code

    statuses = race(5, create)

    assert sorted(statuses) == [202, 202, 403, 403, 403]
    assert len(subscriptions(ams)) == 2
