"""Promoting an eval Kafka to standard or marketplace (§1.8, §4.7), with both quota backends."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmanager.emulators import AMSEmulator, SSOEmulator
from kafkas import tasks
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import ORG, OTHER_ORG, V1, Api
from tests.factories import KafkaFactory

pytestmark = pytest.mark.django_db

EVAL = {"actual_kafka_billing_model": "eval", "desired_kafka_billing_model": "eval", "status": KafkaStatus.READY}


def promote(client: Api, kafka: KafkaRequest, body: dict[str, Any] | None = None, query: str = "?async=true") -> Any:
    return client.post(
        f"{V1}/kafkas/{kafka.id}/promote{query}",
        body if body is not None else {"desired_kafka_billing_model": "standard"},
    )


def refreshed(kafka: KafkaRequest) -> KafkaRequest:
    return KafkaRequest.objects.get(pk=kafka.pk)


def test_an_eval_kafka_is_promoted_to_standard(alice: Api) -> None:
    kafka = KafkaFactory(**EVAL, expires_at="2030-01-01T00:00:00Z")

    response = promote(alice, kafka)

    assert (response.status_code, response.content) == (202, b"")
    row = refreshed(kafka)
    assert (row.desired_kafka_billing_model, row.promotion_status) == ("standard", "promoting")
    assert alice.get(f"{V1}/kafkas/{kafka.id}").json()["promotion_status"] == "promoting"

    tasks.reconcile_promotion(kafka.id)

    row = refreshed(kafka)
    assert (row.actual_kafka_billing_model, row.promotion_status, row.promotion_details) == ("standard", "", "")
    assert row.expires_at is None
    assert alice.get(f"{V1}/kafkas/{kafka.id}").json()["billing_model"] == "standard"


@pytest.mark.parametrize(
    ("name", "fields", "body", "query", "user", "status", "code"),
    [
        ("no async", {}, None, "", ("alice", ORG, False), 400, 103),
        ("no desired model", {}, {}, "?async=true", ("alice", ORG, False), 400, 33),
        (
            "desired model not a string",
            {},
            {"desired_kafka_billing_model": 1},
            "?async=true",
            ("alice", ORG, False),
            400,
            17,
        ),
        ("other org", {}, None, "?async=true", ("eve", OTHER_ORG, True), 404, 7),
        ("same org, not owner, not admin", {}, None, "?async=true", ("dave", ORG, False), 403, 11),
        (
            "not an eval kafka",
            {"actual_kafka_billing_model": "standard"},
            None,
            "?async=true",
            ("alice", ORG, False),
            400,
            21,
        ),
        ("not ready", {"status": KafkaStatus.PROVISIONING}, None, "?async=true", ("alice", ORG, False), 409, 6),
        ("to eval again", {}, {"desired_kafka_billing_model": "eval"}, "?async=true", ("alice", ORG, False), 400, 21),
        ("already promoting", {"promotion_status": "promoting"}, None, "?async=true", ("alice", ORG, False), 409, 6),
        (
            "to enterprise",
            {},
            {"desired_kafka_billing_model": "enterprise"},
            "?async=true",
            ("alice", ORG, False),
            400,
            37,
        ),
        (
            "marketplace without account",
            {},
            {"desired_kafka_billing_model": "marketplace", "desired_marketplace": "aws"},
            "?async=true",
            ("alice", ORG, False),
            400,
            21,
        ),
        (
            "unknown marketplace",
            {},
            {
                "desired_kafka_billing_model": "marketplace",
                "desired_marketplace": "gcp",
                "desired_billing_cloud_account_id": "1",
            },
            "?async=true",
            ("alice", ORG, False),
            400,
            43,
        ),
    ],
)
def test_bad_promotions_get_clear_4xx_and_change_nothing(
    api: Api, name: str, fields: dict, body: dict | None, query: str, user: tuple, status: int, code: int
) -> None:
    kafka = KafkaFactory(**{**EVAL, **fields})
    before = KafkaRequest.objects.values().get(pk=kafka.pk)
    username, org, is_admin = user

    response = promote(api.as_user(username, org, is_org_admin=is_admin), kafka, body, query)

    assert (response.status_code, response.json()["code"]) == (status, f"KAFKAS-MGMT-{code}")
    assert KafkaRequest.objects.values().get(pk=kafka.pk) == before


def test_an_org_admin_promotes_anyones_kafka(api: Api) -> None:
    kafka = KafkaFactory(**EVAL, owner="dave")

    assert promote(api.as_user("olga", ORG, is_org_admin=True), kafka).status_code == 202


def test_a_promotion_without_quota_fails_with_details(alice: Api, settings: Any) -> None:
    settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL = True
    KafkaFactory(status=KafkaStatus.READY, name=f"paid-{0}", size_id="x1")
    for index in range(4):
        KafkaFactory(status=KafkaStatus.READY, name=f"paid-{index + 1}")  # the org's 5 standard units are used
    kafka = KafkaFactory(**EVAL)
    promote(alice, kafka)

    tasks.reconcile_promotion(kafka.id)

    row = refreshed(kafka)
    assert (row.promotion_status, row.actual_kafka_billing_model) == ("failed", "eval")
    assert "maximum number of 5 allowed streaming units" in row.promotion_details


@pytest.fixture
def ams(settings: Any, ams_emulator: AMSEmulator, sso_emulator: SSOEmulator) -> AMSEmulator:
    settings.FLEET_QUOTA_TYPE = "ams"
    ams_emulator.add_account("alice", ORG)
    ams_emulator.add_quota(ORG, product="RHOSAKEval", billing_model="standard", allowed=5)
    return ams_emulator


def ams_eval_kafka(ams: AMSEmulator, alice: Api, ready_cluster: Any) -> KafkaRequest:
    response = alice.post(f"{V1}/kafkas?async=true", {"name": "evaluate", "billing_model": "eval"})
    assert response.status_code == 202, response.json()
    KafkaRequest.objects.filter(pk=response.json()["id"]).update(status=KafkaStatus.READY)
    return KafkaRequest.objects.get(pk=response.json()["id"])


def test_ams_promotion_reserves_standard_and_releases_the_eval_subscription(
    ams: AMSEmulator, alice: Api, ready_cluster: Any
) -> None:
    ams.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5)
    kafka = ams_eval_kafka(ams, alice, ready_cluster)
    (eval_subscription,) = [s for s in ams.subscriptions() if s["cluster_id"] == f"{kafka.id}-eval"]

    promote(alice, kafka)
    tasks.reconcile_promotion(kafka.id)

    row = refreshed(kafka)
    assert (row.actual_kafka_billing_model, row.promotion_status) == ("standard", "")
    (subscription,) = [s for s in ams.subscriptions() if s["plan"]["id"] != "OSD"]
    assert subscription["cluster_id"] == kafka.id and subscription["id"] == row.subscription_id
    assert subscription["id"] != eval_subscription["id"]


def test_an_ams_outage_while_releasing_keeps_the_promotion_going(
    ams: AMSEmulator, alice: Api, ready_cluster: Any
) -> None:
    ams.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5)
    kafka = ams_eval_kafka(ams, alice, ready_cluster)
    promote(alice, kafka)
    ams.on_request = lambda method, path: ams.fail_next(50, 503) if method == "POST" else None

    tasks.reconcile_promotion(kafka.id)

    row = refreshed(kafka)
    assert row.promotion_status == "promoting" and row.promotion_details
    ams.on_request = None
    ams.clear_faults()
    KafkaRequest.objects.filter(pk=kafka.pk).update(next_reconcile_at=None)
    tasks.reconcile_promotion(kafka.id)
    assert refreshed(kafka).actual_kafka_billing_model == "standard"


def test_an_ams_promotion_without_standard_quota_fails(ams: AMSEmulator, alice: Api, ready_cluster: Any) -> None:
    kafka = ams_eval_kafka(ams, alice, ready_cluster)
    promote(alice, kafka)

    tasks.reconcile_promotion(kafka.id)

    row = refreshed(kafka)
    assert (row.promotion_status, row.actual_kafka_billing_model) == ("failed", "eval")
    assert row.promotion_details.startswith("Insufficient quota")
