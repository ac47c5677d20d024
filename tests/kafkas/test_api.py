"""The public Kafka API end to end through HTTP: every response is checked against the contract."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from tests.conftest import NO_QUOTA_ORG, ORG, OTHER_ORG, V1, Api
from tests.factories import KafkaFactory

KAFKAS = f"{V1}/kafkas"
CREATE = f"{KAFKAS}?async=true"

pytestmark = pytest.mark.usefixtures("ready_cluster")


def test_it_creates_a_standard_kafka_with_upstream_defaults(alice: Api) -> None:
    response = alice.post(CREATE, {"name": "my-kafka"})

    assert response.status_code == 202
    body = response.json()
    assert body["kind"] == "Kafka"
    assert body["status"] == "accepted"
    assert body["href"] == f"{KAFKAS}/{body['id']}"
    assert len(body["id"]) == 20
    assert (body["cloud_provider"], body["region"], body["multi_az"]) == ("aws", "us-east-1", True)
    assert (body["instance_type"], body["size_id"], body["billing_model"]) == ("standard", "x1", "standard")
    assert body["owner"] == "alice"
    assert body["reauthentication_enabled"] is True
    assert body["max_data_retention_size"] == {"bytes": 1000 * 2**30}
    assert body["instance_type_name"] == "Standard"
    assert "expires_at" not in body and "bootstrap_server_host" not in body
    kafka = KafkaRequest.objects.get(pk=body["id"])
    assert (kafka.organisation_id, kafka.quota_type) == (ORG, "quota-management-list")
    assert list(kafka.status_changes.values_list("from_status", "to_status")) == [("", "accepted")]


def test_it_gives_trial_instances_to_users_without_quota(api: Api) -> None:
    response = api.as_user("bob", NO_QUOTA_ORG).post(CREATE, {"name": "trial", "reauthentication_enabled": False})

    assert response.status_code == 202
    body = response.json()
    assert (body["instance_type"], body["multi_az"], body["instance_type_name"]) == ("developer", False, "Trial")
    assert body["reauthentication_enabled"] is False
    expires_in = KafkaRequest.objects.get(pk=body["id"]).expires_at - timezone.now()
    assert timedelta(hours=47, minutes=59) < expires_in <= timedelta(hours=48)


def test_it_creates_the_size_named_by_the_plan(alice: Api) -> None:
    response = alice.post(CREATE, {"name": "big", "plan": "standard.x2", "cloud_provider": "aws"})

    assert response.status_code == 202
    assert response.json()["size_id"] == "x2"
    assert response.json()["max_data_retention_size"] == {"bytes": 2000 * 2**30}


def test_it_lets_a_name_be_reused_after_soft_delete(alice: Api) -> None:
    KafkaFactory(name="again", deleted_at=timezone.now())

    assert alice.post(CREATE, {"name": "again"}).status_code == 202


def test_the_same_name_may_exist_in_another_org(api: Api) -> None:
    KafkaFactory(name="shared", organisation_id=OTHER_ORG, owner="carol")

    assert api.as_user("alice", ORG).post(CREATE, {"name": "shared"}).status_code == 202


def test_it_lists_the_org_kafkas_in_the_upstream_envelope(alice: Api) -> None:
    KafkaFactory(name="b-kafka", owner="dave")  # same org, another owner: visible
    KafkaFactory(name="a-kafka")
    KafkaFactory(name="hidden", organisation_id=OTHER_ORG)
    KafkaFactory(name="gone", deleted_at=timezone.now())

    body = alice.get(KAFKAS).json()

    assert (body["kind"], body["page"], body["size"], body["total"]) == ("KafkaRequestList", 1, 2, 2)
    assert [item["name"] for item in body["items"]] == ["a-kafka", "b-kafka"]


def test_it_pages_the_list(alice: Api) -> None:
    for index in range(5):
        KafkaFactory(name=f"k{index}")

    body = alice.get(KAFKAS, {"page": "2", "size": "2"}).json()
    last = alice.get(KAFKAS, {"page": "3", "size": "2"}).json()

    assert ([i["name"] for i in body["items"]], body["size"], body["total"]) == (["k2", "k3"], 2, 5)
    assert ([i["name"] for i in last["items"]], last["size"], last["page"]) == (["k4"], 1, 3)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"page": "0"}, ["a", "b", "c"]),  # page 0 acts as page 1
        ({"size": "-1"}, ["a", "b", "c"]),  # negative size means the maximum
        ({"size": "99999999"}, ["a", "b", "c"]),
        ({"orderBy": "name desc"}, ["c", "b", "a"]),
        ({"orderBy": "region asc, NAME DESC"}, ["c", "b", "a"]),
        ({"orderBy": "created_at"}, ["b", "a", "c"]),
        ({"orderBy": "href desc"}, ["c", "b", "a"]),
        ({"search": "name = a"}, ["a"]),
        ({"search": "name <> a and name <> 'b'"}, ["c"]),
        ({"search": "name like %b% or status = ready"}, ["b", "c"]),
        ({"search": "name ilike 'B'"}, ["b"]),
        ({"search": "status in (ready, failed)"}, ["c"]),
        ({"search": "status not in (ready)"}, ["a", "b"]),
        ({"search": "(name = a or name = c) and cloud_provider = aws"}, ["a", "c"]),
        ({"search": "name = x' or 1=1"}, None),
    ],
)
def test_it_searches_orders_and_sizes_lists(alice: Api, params: dict[str, str], expected: list[str] | None) -> None:
    KafkaFactory(name="b", id="bbbbbbbbbbbbbbbbbbbb")
    KafkaFactory(name="a", id="aaaaaaaaaaaaaaaaaaaa")
    KafkaFactory(name="c", id="cccccccccccccccccccc", status=KafkaStatus.READY)
    KafkaRequest.objects.filter(name="b").update(created_at=timezone.now() - timedelta(hours=1))

    response = alice.get(KAFKAS, params)

    if expected is None:
        assert (response.status_code, response.json()["code"]) == (400, "KAFKAS-MGMT-23")
    else:
        assert [item["name"] for item in response.json()["items"]] == expected


def test_it_gets_a_kafka_of_the_org(api: Api) -> None:
    kafka = KafkaFactory(owner="dave", bootstrap_server_host="my-host.kas.example.com")

    body = api.as_user("alice", ORG).get(f"{KAFKAS}/{kafka.id}").json()

    assert body["id"] == kafka.id
    assert body["bootstrap_server_host"] == "my-host.kas.example.com:443"


def test_another_org_cannot_see_a_kafka(api: Api) -> None:
    kafka = KafkaFactory()

    response = api.as_user("mallory", OTHER_ORG).get(f"{KAFKAS}/{kafka.id}")

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")
    assert response.json()["reason"] == f"KafkaResource for user mallory with id='{kafka.id}' not found"


def test_the_owner_patches_reauthentication(alice: Api) -> None:
    kafka = KafkaFactory()

    response = alice.patch(f"{KAFKAS}/{kafka.id}", {"owner": "alice", "reauthentication_enabled": False})

    assert response.status_code == 200
    assert (response.json()["owner"], response.json()["reauthentication_enabled"]) == ("alice", False)
    kafka.refresh_from_db()
    assert kafka.reauthentication_enabled is False


def test_an_owner_who_is_not_an_org_admin_cannot_hand_the_kafka_to_someone_else(alice: Api) -> None:
    kafka = KafkaFactory()

    response = alice.patch(f"{KAFKAS}/{kafka.id}", {"owner": "erin", "reauthentication_enabled": False})

    assert (response.status_code, response.json()["code"]) == (403, "KAFKAS-MGMT-11")
    kafka.refresh_from_db()
    assert (kafka.owner, kafka.reauthentication_enabled) == ("alice", True)


@pytest.mark.parametrize(("owner", "status"), [("erin", 200), ("stranger", 400), ("banned", 400)])
def test_a_new_owner_must_be_an_account_of_the_org(
    api: Api, settings: Any, ams_emulator: Any, owner: str, status: int
) -> None:
    settings.FLEET_VALIDATE_KAFKA_OWNER = True
    ams_emulator.add_account("erin", ORG)
    ams_emulator.add_account("stranger", OTHER_ORG)
    ams_emulator.add_account("banned", ORG, banned=True)
    kafka = KafkaFactory()

    response = api.as_user("olga", ORG, is_org_admin=True).patch(f"{KAFKAS}/{kafka.id}", {"owner": owner})

    assert response.status_code == status
    if status == 400:
        assert response.json()["reason"] == f"user {owner} does not belong in your organization"


def test_an_org_admin_patches_someone_elses_kafka(api: Api) -> None:
    kafka = KafkaFactory(owner="dave")

    response = api.as_user("alice", ORG, is_org_admin=True).patch(f"{KAFKAS}/{kafka.id}", {"owner": "alice"})

    assert (response.status_code, response.json()["owner"]) == (200, "alice")


def test_a_patch_with_null_fields_changes_nothing(alice: Api) -> None:
    kafka = KafkaFactory()
    before = KafkaRequest.objects.get(pk=kafka.pk).updated_at

    response = alice.patch(f"{KAFKAS}/{kafka.id}", {"owner": None, "reauthentication_enabled": None})

    assert response.status_code == 200
    assert KafkaRequest.objects.get(pk=kafka.pk).updated_at == before


def test_a_kafka_being_deleted_is_never_patched(api: Api) -> None:
    kafka = KafkaFactory(status=KafkaStatus.DEPROVISION)

    response = api.as_user("olga", ORG, is_org_admin=True).patch(f"{KAFKAS}/{kafka.id}", {"owner": "erin"})

    assert (response.status_code, response.json()["owner"]) == (200, "alice")


def test_delete_marks_the_kafka_for_deprovisioning(alice: Api) -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY)

    response = alice.delete(f"{KAFKAS}/{kafka.id}?async=true")

    assert (response.status_code, response.content) == (202, b"")
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.DEPROVISION
    change = KafkaStatusChange.objects.get(kafka=kafka)
    assert (change.from_status, change.to_status, change.actor) == ("ready", "deprovision", "alice")


@pytest.mark.parametrize("status", [KafkaStatus.DEPROVISION, KafkaStatus.DELETING])
def test_deleting_twice_is_a_no_op(alice: Api, status: str) -> None:
    kafka = KafkaFactory(status=status)

    assert alice.delete(f"{KAFKAS}/{kafka.id}?async=true").status_code == 202
    kafka.refresh_from_db()
    assert kafka.status == status
    assert not KafkaStatusChange.objects.filter(kafka=kafka).exists()


def test_an_org_admin_deletes_any_kafka_of_the_org(api: Api) -> None:
    kafka = KafkaFactory(owner="dave")

    assert api.as_user("alice", ORG, is_org_admin=True).delete(f"{KAFKAS}/{kafka.id}?async=true").status_code == 202
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.DEPROVISION


def test_it_answers_instance_types_of_a_region(alice: Api) -> None:
    body = alice.get(f"{V1}/instance_types/aws/us-east-1").json()

    assert [t["id"] for t in body["instance_types"]] == ["developer", "standard"]
    standard = body["instance_types"][1]
    assert [s["id"] for s in standard["sizes"]] == ["x1", "x2"]
    x1 = standard["sizes"][0]
    assert x1["ingress_throughput_per_sec"] == {"bytes": 50 * 2**20}
    assert (x1["lifespan_seconds"], x1["capacity_consumed"], x1["maturity_status"]) == (None, 1, "stable")
    assert body["instance_types"][0]["sizes"][0]["lifespan_seconds"] == 172800


@pytest.mark.parametrize(
    ("path", "code"),
    [("/instance_types/gcp/us-east1", "KAFKAS-MGMT-30"), ("/instance_types/aws/mars-1", "KAFKAS-MGMT-31")],
)
def test_it_rejects_unknown_instance_type_regions(alice: Api, path: str, code: str) -> None:
    response = alice.get(f"{V1}{path}")

    assert (response.status_code, response.json()["code"]) == (400, code)
