"""Enterprise clusters through /clusters (§1.13): registration, reads, deregistration, Kafkas on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from agents.services import cluster_status_report
from clusters import tasks
from clusters.models import Cluster, ClusterStatus, ClusterType
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import AMSEmulator, OCMEmulator, SSOEmulator
from kafkas.models import KafkaRequest
from tests.conftest import NO_QUOTA_ORG, ORG, OTHER_ORG, V1, Api
from tests.factories import ClusterFactory, KafkaFactory

CLUSTERS = f"{V1}/clusters"
CID = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"  # OCM cluster ids are 32 characters
BODY = {
    "cluster_id": CID,
    "cluster_ingress_dns_name": "apps.customer.abcd.s1.devshift.org",
    "kafka_machine_pool_node_count": 3,
    "access_kafkas_via_private_network": False,
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(ocm_emulator: OCMEmulator, ams_emulator: AMSEmulator) -> None:
    """The customer's ready multi-AZ OSD cluster, owned by their organisation according to AMS."""
    ocm_emulator.add_cluster(CID)
    ams_emulator.add_organization(ORG)
    ams_emulator.add_subscription(CID, org_external_id=ORG)


@pytest.fixture
def admin(api: Api) -> Api:
    return api.as_user("olga", ORG, is_org_admin=True)


def register(client: Api, **changes: Any) -> Any:
    return client.post(CLUSTERS, {**BODY, **changes})


def test_an_org_admin_registers_a_cluster(customer: None, admin: Api, sso_emulator: SSOEmulator) -> None:
    response = register(admin)

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["status"]) == (CID, "Cluster", "cluster_accepted")
    assert (body["cloud_provider"], body["region"], body["multi_az"]) == ("aws", "us-east-1", True)
    assert body["capacity_information"] == {
        "kafka_machine_pool_node_count": 3,
        "maximum_kafka_streaming_units": 0,
        "consumed_kafka_streaming_units": 0,
        "remaining_kafka_streaming_units": 0,
    }
    (instance_type,) = body["supported_instance_types"]["instance_types"]
    assert instance_type["id"] == "standard"
    assert [bm["id"] for bm in instance_type["supported_billing_models"]] == ["enterprise"]
    params = {p["id"]: p["value"] for p in body["fleetshard_parameters"]}
    assert params["sso-client-id"] == f"kas-fleetshard-agent-{CID}" and params["cluster-id"] == CID
    cluster = Cluster.objects.get(cluster_id=CID)
    assert (cluster.cluster_type, cluster.organization_id, cluster.cluster_dns) == (
        ClusterType.ENTERPRISE,
        ORG,
        "apps.customer.abcd.s1.devshift.org",
    )
    assert [c["clientId"] for c in sso_emulator.clients()] == [f"kas-fleetshard-agent-{CID}"]


def test_registration_records_who_registered_the_cluster(customer: None, admin: Api) -> None:
    register(admin)

    (change,) = Cluster.objects.get(cluster_id=CID).status_changes.all()
    assert (change.from_status, change.to_status, change.actor) == ("", ClusterStatus.ACCEPTED, "olga")


def test_without_ocm_registration_is_refused_and_nothing_is_written(customer: None, admin: Api, settings: Any) -> None:
    settings.FLEET_OCM_ENABLED = False

    response = register(admin)

    assert (response.status_code, response.json()["code"]) == (403, "KAFKAS-MGMT-4")
    assert "does not use OCM" in response.json()["reason"]
    assert not Cluster.objects.exists()


def test_the_org_reads_its_clusters_and_the_admin_the_parameters(customer: None, admin: Api, api: Api) -> None:
    register(admin)
    member = api.as_user("mia", ORG)

    listed = member.get(CLUSTERS).json()
    assert (listed["kind"], listed["total"], listed["items"][0]["id"]) == ("ClusterList", 1, CID)
    assert member.get(f"{CLUSTERS}/{CID}").json()["id"] == CID
    params = admin.get(f"{CLUSTERS}/{CID}/addon_parameters").json()
    assert (params["kind"], params["id"]) == ("ClusterAddonParameters", CID)
    assert member.get(f"{CLUSTERS}/{CID}/addon_parameters").status_code == 403
    assert api.as_user("eve", OTHER_ORG).get(f"{CLUSTERS}/{CID}").status_code in (403, 404)


def test_a_registered_cluster_comes_up_takes_enterprise_kafkas_and_is_deregistered(
    customer: None, admin: Api, ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator
) -> None:
    register(admin)
    tasks.reconcile_clusters()
    cluster = Cluster.objects.get(cluster_id=CID)
    assert cluster.status == ClusterStatus.WAITING_FOR_FLEETSHARD
    assert "ext-managedservice-cluster-mgr" in ocm_emulator.syncsets(CID)
    cluster_status_report(
        cluster=cluster,
        report={
            "conditions": [{"type": "Ready", "status": "True"}],
            "capacity": {"standard": {"maxUnits": 2}},
            "strimzi": [
                {
                    "ready": True,
                    "version": "strimzi-cluster-operator.v0.23.0-4",
                    "kafkaVersions": ["3.1.0"],
                    "kafkaIbpVersions": ["3.1"],
                }
            ],
        },
    )

    created = admin.post(f"{V1}/kafkas?async=true", {"name": "on-prem", "cluster_id": CID})

    assert created.status_code == 202, created.json()
    assert (created.json()["cluster_id"], created.json()["billing_model"]) == (CID, "enterprise")
    assert admin.get(f"{CLUSTERS}/{CID}").json()["capacity_information"]["remaining_kafka_streaming_units"] == 1
    busy = admin.delete(f"{CLUSTERS}/{CID}?async=true")
    assert (busy.status_code, busy.json()["code"]) == (403, "KAFKAS-MGMT-4")

    KafkaRequest.objects.filter(cluster_id=CID).update(status="deleting")
    assert admin.delete(f"{CLUSTERS}/{CID}?async=true").status_code == 202
    for _ in range(2):
        tasks.reconcile_clusters()

    assert not Cluster.all_objects.filter(cluster_id=CID).exists()  # enterprise rows are hard-deleted
    assert ocm_emulator.syncsets(CID) == {}
    assert f"kas-fleetshard-agent-{CID}" not in [c["clientId"] for c in sso_emulator.clients()]


@pytest.mark.parametrize(
    ("reason", "cluster_id", "state"),
    [
        ("the cluster does not exist here", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", None),
        ("the cluster is waiting_for_kas_fleetshard_operator, not ready", CID, ClusterStatus.WAITING_FOR_FLEETSHARD),
        ("it has 0 streaming units left, 1 needed", CID, ClusterStatus.READY),
    ],
)
def test_enterprise_kafkas_name_why_a_cluster_cannot_take_them(
    admin: Api, cluster_id: str, state: str | None, reason: str
) -> None:
    if state:
        ClusterFactory(
            cluster_id=CID,
            cluster_type=ClusterType.ENTERPRISE,
            organization_id=ORG,
            status=state,
            dynamic_capacity_info={"standard": {"max_units": 0}},
        )

    response = admin.post(f"{V1}/kafkas?async=true", {"name": "k", "cluster_id": cluster_id})

    assert (response.status_code, response.json()["code"]) == (403, "KAFKAS-MGMT-24")
    assert response.json()["reason"].startswith(f'cluster "{cluster_id}" cannot accept instance type: "standard"')
    if state is None:
        assert response.json()["reason"].endswith("no such enterprise cluster in your organization")
    else:
        assert response.json()["reason"].endswith(reason)


@dataclass(frozen=True)
class Bad:
    name: str
    status: int
    code: int
    body: dict = field(default_factory=dict)
    user: tuple = ("olga", ORG, True)
    setup: str = ""


BAD_REGISTRATIONS = [
    Bad("cluster id too short", 400, 33, {"cluster_id": CID[:-1]}),
    Bad("cluster id too long", 400, 34, {"cluster_id": CID + "a"}),
    Bad("cluster id with symbols", 400, 45, {"cluster_id": CID[:-1] + "-"}),
    Bad("cluster id already registered", 409, 44, setup="registered"),
    Bad("external id already registered", 409, 44, setup="same external id"),
    Bad("bad dns name", 400, 47, {"cluster_ingress_dns_name": "not a dns name!"}),
    Bad("node count not a multiple of 3", 400, 37, {"kafka_machine_pool_node_count": 4}),
    Bad("node count below 3", 400, 37, {"kafka_machine_pool_node_count": 0}),
    Bad("node count as a string", 400, 17, {"kafka_machine_pool_node_count": "3"}),
    Bad("private network as a string", 400, 17, {"access_kafkas_via_private_network": "no"}),
    Bad("not an org admin", 403, 11, user=("mia", ORG, False)),
    Bad("org without enterprise quota", 403, 11, user=("nick", NO_QUOTA_ORG, True)),
    Bad("another org's cluster", 403, 4, setup="another owner"),
    Bad("single AZ cluster", 400, 21, setup="single az"),
    Bad("cluster still installing", 400, 21, setup="installing"),
]


@pytest.mark.parametrize("row", BAD_REGISTRATIONS, ids=[row.name for row in BAD_REGISTRATIONS])
def test_bad_registrations_get_the_upstream_error_and_change_nothing(
    row: Bad, api: Api, ocm_emulator: OCMEmulator, ams_emulator: AMSEmulator, sso_emulator: SSOEmulator
) -> None:
    ams_emulator.add_organization(ORG)
    if row.setup == "another owner":
        ams_emulator.add_subscription(CID, org_external_id=OTHER_ORG)
    else:
        ams_emulator.add_subscription(CID, org_external_id=ORG)
    osd = ocm_emulator.add_cluster(CID, multi_az=row.setup != "single az", ready=row.setup != "installing")
    if row.setup == "registered":
        ClusterFactory(cluster_id=CID, cluster_type=ClusterType.ENTERPRISE, organization_id=ORG)
    if row.setup == "same external id":
        ClusterFactory(cluster_id="someothercluster", external_id=osd["external_id"])
    before = (list(Cluster.all_objects.values_list("cluster_id", flat=True)), sso_emulator.clients())
    user, org, is_admin = row.user

    response = register(api.as_user(user, org, is_org_admin=is_admin), **row.body)

    assert (response.status_code, response.json()["code"]) == (row.status, f"KAFKAS-MGMT-{row.code}"), response.json()
    assert (list(Cluster.all_objects.values_list("cluster_id", flat=True)), sso_emulator.clients()) == before


BAD_DELETES = [
    Bad("without async", 400, 103, setup="no async"),
    Bad("not an org admin", 403, 11, user=("mia", ORG, False)),
    Bad("unknown cluster", 404, 7, setup="unknown"),
    Bad("another org's cluster", 403, 4, setup="other org"),
    Bad("not an enterprise cluster", 403, 4, setup="managed"),
    Bad("holds a kafka", 403, 4, setup="busy"),
]


@pytest.mark.parametrize("row", BAD_DELETES, ids=[row.name for row in BAD_DELETES])
def test_bad_deregistrations_change_nothing(row: Bad, api: Api) -> None:
    cluster_id = "unknowncluster" if row.setup == "unknown" else CID
    ClusterFactory(
        cluster_id=CID,
        cluster_type=ClusterType.MANAGED if row.setup == "managed" else ClusterType.ENTERPRISE,
        organization_id=OTHER_ORG if row.setup == "other org" else ORG,
    )
    if row.setup == "busy":
        KafkaFactory(cluster_id=CID, status="ready")
    user, org, is_admin = row.user
    query = "" if row.setup == "no async" else "?async=true"

    response = api.as_user(user, org, is_org_admin=is_admin).delete(f"{CLUSTERS}/{cluster_id}{query}")

    assert (response.status_code, response.json()["code"]) == (row.status, f"KAFKAS-MGMT-{row.code}")
    assert Cluster.objects.get(cluster_id=CID).status == ClusterStatus.READY


def test_clusters_api_needs_a_token(api: Api) -> None:
    assert api.get(CLUSTERS).status_code == 401


def test_agent_token_for_an_enterprise_cluster_is_its_own(customer: None, admin: Api) -> None:
    register(admin)
    agent = Api("private", mint_token(client_id=f"kas-fleetshard-agent-{CID}"))

    assert agent.get(f"{V1}/agent-clusters/{CID}").json()["spec"]["capacity"] == {"standard": {"maxNodes": 3}}
