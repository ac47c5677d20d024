"""Entitlement-based expiry and grace-period suspension (§4.6), run by the general sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.utils import timezone

from fleetmanager.emulators import AMSEmulator, SSOEmulator
from fleetmanager.fleetconfig import reset_fleet_config
from kafkas import tasks
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import ORG
from tests.factories import KafkaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def end_entitlement(config_dir: Any) -> Any:
    """Give the org's billing model an expiration date in the past, in the quota list file (the file wins)."""

    def end(billing_model: str) -> None:
        path = config_dir / "quota-management-list-configuration.yaml"
        document = yaml.safe_load(path.read_text())
        org = next(o for o in document["registered_users_per_organisation"] if str(o["id"]) == ORG)
        for model in org["granted_quota"][0]["kafka_billing_models"]:
            if model["id"] == billing_model:
                model["expiration_date"] = "2020-01-01 +00:00"
        path.write_text(yaml.safe_dump(document))
        reset_fleet_config()

    return end


def refreshed(kafka: KafkaRequest) -> KafkaRequest:
    return KafkaRequest.all_objects.get(pk=kafka.pk)


@pytest.fixture
def limit_control(settings: Any) -> None:
    settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL = True


@pytest.mark.usefixtures("limit_control")
def test_a_standard_kafka_whose_entitlement_ended_expires_at_once_then_goes(end_entitlement: Any) -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY)
    end_entitlement("standard")

    tasks.reconcile_general()
    assert refreshed(kafka).expires_at <= timezone.now()

    tasks.reconcile_general()
    assert refreshed(kafka).status == KafkaStatus.DEPROVISION


@pytest.mark.usefixtures("limit_control")
def test_an_eval_kafka_gets_four_days_of_grace_suspended(end_entitlement: Any) -> None:
    kafka = KafkaFactory(
        status=KafkaStatus.READY, actual_kafka_billing_model="eval", desired_kafka_billing_model="eval"
    )
    end_entitlement("eval")

    tasks.reconcile_general()

    row = refreshed(kafka)
    remaining = row.expires_at - timezone.now()
    assert timedelta(days=3, hours=23) < remaining <= timedelta(days=4)
    assert row.status == KafkaStatus.SUSPENDING


@pytest.mark.usefixtures("limit_control")
def test_an_entitlement_that_comes_back_clears_the_expiry() -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY, expires_at=timezone.now() + timedelta(days=1))

    tasks.reconcile_general()

    assert refreshed(kafka).expires_at is None


def test_without_limit_control_quota_list_kafkas_never_expire_by_entitlement() -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY, expires_at=timezone.now() + timedelta(days=1))
    trial = KafkaFactory(
        instance_type="developer", status=KafkaStatus.READY, expires_at=timezone.now() + timedelta(days=1)
    )

    tasks.reconcile_general()

    assert refreshed(kafka).expires_at is None
    assert refreshed(trial).expires_at is not None  # a fixed lifespan is never recomputed


def test_an_ams_kafka_whose_subscription_is_gone_expires(
    settings: Any, ams_emulator: AMSEmulator, sso_emulator: SSOEmulator
) -> None:
    ams_emulator.add_organization(ORG)
    ams_emulator.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5)
    kept = ams_emulator.add_subscription("kept", org_external_id=ORG)
    alive = KafkaFactory(status=KafkaStatus.READY, quota_type="ams", subscription_id=kept["id"])
    orphan = KafkaFactory(status=KafkaStatus.READY, quota_type="ams", subscription_id="vanished")

    tasks.reconcile_general()

    assert refreshed(alive).expires_at is None
    assert refreshed(orphan).expires_at is not None
