"""Creates racing on real PostgreSQL: limits and unique names hold across connections."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest
from tests.concurrency import race

CREATE = "/api/kafkas_mgmt/v1/kafkas?async=true"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.usefixtures("ready_cluster")]


def create(token: str, name: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.post(CREATE, {"name": name}, format="json").status_code


def test_the_same_name_created_concurrently_wins_once() -> None:
    token = mint_token(username="alice", org_id="13640203")

    statuses = race(6, lambda i: create(token, "contended"))

    assert sorted(statuses) == [202] + [409] * 5
    assert KafkaRequest.objects.filter(name="contended").count() == 1


@override_settings(FLEET_ENABLE_INSTANCE_LIMIT_CONTROL=True)
def test_concurrent_creates_cannot_pass_the_quota_together() -> None:
    # Org 12147054 may hold 1 standard streaming unit (quota-management-list-configuration.yaml).
    token = mint_token(username="sre", org_id="12147054")

    statuses = race(6, lambda i: create(token, f"kafka-{i}"))

    assert sorted(statuses) == [202] + [403] * 5
    assert KafkaRequest.objects.filter(organisation_id="12147054").count() == 1


def test_concurrent_trial_creates_give_one_trial() -> None:
    token = mint_token(username="bob", org_id="55555555")

    statuses = race(4, lambda i: create(token, f"trial-{i}"))

    assert sorted(statuses) == [202] + [403] * 3
