"""The agents' private API, checked against the private contract (BEHAVIOUR.md §5)."""

from __future__ import annotations

from typing import Any

import pytest

from clusters.models import Cluster, ClusterStatus
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import ORG, Api
from tests.factories import ClusterFactory, KafkaFactory

AGENT = "/api/kafkas_mgmt/v1/agent-clusters"
HOST = "my-kafka-abc.kas.c1.example.com"
ROUTER = "router-default.apps.c1.example.com"

pytestmark = pytest.mark.django_db


@pytest.fixture
def cluster() -> Cluster:
    return ClusterFactory(cluster_id="c1", cluster_dns="apps.c1.example.com", status=ClusterStatus.READY)


@pytest.fixture
def agent(cluster: Cluster) -> Api:
    return Api("private", mint_token(client_id=cluster.client_id))


def kafka_on(cluster: Cluster, status: str = KafkaStatus.PROVISIONING, **fields: Any) -> KafkaRequest:
    defaults = {"bootstrap_server_host": HOST, "placement_id": "p1", "namespace": "kafka-x"}
    return KafkaFactory(cluster_id=cluster.cluster_id, status=status, **{**defaults, **fields})


def ready(**extra: Any) -> dict[str, Any]:
    return {
        "conditions": [{"type": "Ready", "status": "True", "reason": "", "message": ""}],
        "routes": [
            {"name": "bootstrap", "prefix": "", "router": ROUTER},
            {"name": "admin", "prefix": "admin-server", "router": ROUTER},
        ],
        "versions": {"kafka": "3.1.0", "strimzi": "strimzi-cluster-operator.v0.23.0-4", "kafkaIbp": "3.1"},
        "adminServerURI": "https://admin-server-x",
        **extra,
    }


def condition(status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    return {"conditions": [{"type": "Ready", "status": status, "reason": reason, "message": message}]}


# --- authentication ------------------------------------------------------------------------

ENDPOINTS = [("get", ""), ("put", "/status"), ("get", "/kafkas"), ("put", "/kafkas/status")]


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: None, id="no token"),
        pytest.param(lambda: "garbage", id="bad token"),
        pytest.param(lambda: mint_token(username="alice", org_id=ORG), id="user token"),
        pytest.param(lambda: mint_token(client_id="kas-fleetshard-agent-other"), id="another cluster's agent"),
        pytest.param(lambda: mint_token(client_id="kas-fleetshard-agent-c1", lifetime_seconds=-60), id="expired"),
    ],
)
def test_every_auth_failure_answers_404(cluster: Cluster, method: str, suffix: str, token: Any) -> None:
    ClusterFactory(cluster_id="other")
    before = list(Cluster.objects.values_list("cluster_id", "status", "updated_at"))

    response = Api("private", token()).request(method, f"{AGENT}/c1{suffix}", {} if method == "put" else None)

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")
    assert list(Cluster.objects.values_list("cluster_id", "status", "updated_at")) == before


@pytest.mark.parametrize(("method", "suffix"), ENDPOINTS)
def test_an_agent_of_cluster_a_gets_404_on_every_cluster_b_endpoint(cluster: Cluster, method: str, suffix: str) -> None:
    ClusterFactory(cluster_id="b")
    token_a = mint_token(client_id=cluster.client_id)

    response = Api("private", token_a).request(method, f"{AGENT}/b{suffix}", {} if method == "put" else None)

    assert response.status_code == 404


def test_an_untrusted_agent_issuer_gets_404(cluster: Cluster, settings: Any) -> None:
    settings.FLEET_AGENT_ISSUERS = ["https://sso.example.com/realms/rhoas"]

    assert Api("private", mint_token(client_id=cluster.client_id)).get(f"{AGENT}/c1").status_code == 404


# --- agent config and ManagedKafkas ----------------------------------------------------------


def test_the_agent_config_lists_capacity_and_network(agent: Api, cluster: Cluster) -> None:
    Cluster.objects.filter(pk=cluster.pk).update(dynamic_capacity_info={"standard": {"max_nodes": 6}})

    body = agent.get(f"{AGENT}/c1").json()

    assert body["spec"]["capacity"] == {"standard": {"maxNodes": 6}}
    assert body["spec"]["net"] == {"private": False}
    assert body["spec"]["observability"]["repository"] == "quay.io/rhoas/observability-resources-mk"


def test_managed_kafkas_carry_the_upstream_cr(agent: Api, cluster: Cluster) -> None:
    kafka = kafka_on(
        cluster,
        desired_kafka_version="3.1.0",
        desired_strimzi_version="strimzi-cluster-operator.v0.23.0-4",
        desired_kafka_ibp_version="3.1",
        canary_service_account_client_id="canary-x",
        canary_service_account_client_secret="s3cret",
    )
    kafka_on(cluster, status=KafkaStatus.PREPARING)  # not yet for the data plane
    kafka_on(cluster, bootstrap_server_host="")  # not prepared
    kafka_on(ClusterFactory(cluster_id="elsewhere"))

    body = agent.get(f"{AGENT}/c1/kafkas").json()

    assert body["kind"] == "ManagedKafkaList"
    (item,) = body["items"]
    assert item["id"] == kafka.id
    assert item["metadata"]["annotations"] == {"bf2.org/id": kafka.id, "bf2.org/placementId": "p1"}
    assert item["metadata"]["labels"] == {
        "bf2.org/kafkaInstanceProfileType": "standard",
        "bf2.org/kafkaInstanceProfileQuotaConsumed": "1",
        "bf2.org/suspended": "false",
    }
    spec = item["spec"]
    assert spec["capacity"]["ingressPerSec"] == "50Mi" and spec["capacity"]["maxDataRetentionSize"] == "1000Gi"
    assert spec["endpoint"] == {"bootstrapServerHost": HOST}
    assert spec["versions"] == {"kafka": "3.1.0", "strimzi": "strimzi-cluster-operator.v0.23.0-4", "kafkaIbp": "3.1"}
    assert spec["deleted"] is False
    assert spec["owners"] == ["alice"]
    assert spec["serviceAccounts"] == [{"name": "canary", "principal": "canary-x", "password": "s3cret"}]
    assert spec["oauth"]["maximumSessionLifetime"] == 299000
    assert spec["oauth"]["customClaimCheck"] == f"@.rh-org-id == '{ORG}'|| @.org_id == '{ORG}'"
    assert spec["oauth"]["userNameClaim"] == "clientId"


def test_a_deprovisioned_kafka_is_served_as_deleted(agent: Api, cluster: Cluster) -> None:
    kafka_on(cluster, status=KafkaStatus.DEPROVISION, reauthentication_enabled=False)

    (item,) = agent.get(f"{AGENT}/c1/kafkas").json()["items"]

    assert item["spec"]["deleted"] is True
    assert item["spec"]["oauth"]["maximumSessionLifetime"] == 0


# --- cluster status (§5.5) ------------------------------------------------------------------

STRIMZI = [
    {
        "ready": True,
        "version": "strimzi-cluster-operator.v0.24.0-1",
        "kafkaVersions": ["3.1.0", "2.8.1"],
        "kafkaIbpVersions": ["3.1", "2.8"],
    },
    {
        "ready": True,
        "version": "strimzi-cluster-operator.v0.23.0-4",
        "kafkaVersions": ["2.7.0"],
        "kafkaIbpVersions": ["2.7"],
    },
]


def test_a_healthy_report_makes_a_waiting_cluster_ready(agent: Api, cluster: Cluster) -> None:
    Cluster.objects.filter(pk=cluster.pk).update(
        status=ClusterStatus.WAITING_FOR_FLEETSHARD, dynamic_capacity_info={"standard": {"max_nodes": 3}}
    )
    body = {
        "conditions": [{"type": "Ready", "status": "True"}],
        "strimzi": STRIMZI,
        "capacity": {"standard": {"maxUnits": 5, "remainingUnits": 4}, "unknown-type": {"maxUnits": 9}},
    }

    response = agent.put(f"{AGENT}/c1/status", body)

    assert (response.status_code, response.content) == (204, b"")
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.READY
    assert [v["version"] for v in cluster.available_strimzi_versions] == [
        "strimzi-cluster-operator.v0.23.0-4",
        "strimzi-cluster-operator.v0.24.0-1",
    ]
    assert cluster.available_strimzi_versions[1]["kafkaVersions"] == ["2.8.1", "3.1.0"]
    assert cluster.dynamic_capacity_info == {"standard": {"max_nodes": 3, "max_units": 5, "remaining_units": 4}}


def test_an_unhealthy_report_sends_a_ready_cluster_back_to_waiting(agent: Api, cluster: Cluster) -> None:
    agent.put(f"{AGENT}/c1/status", {"conditions": [{"type": "Ready", "status": "False"}]})

    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.WAITING_FOR_FLEETSHARD


@pytest.mark.parametrize("status", [ClusterStatus.PROVISIONING, ClusterStatus.DEPROVISIONING])
def test_reports_of_clusters_not_ready_or_waiting_are_ignored(agent: Api, cluster: Cluster, status: str) -> None:
    Cluster.objects.filter(pk=cluster.pk).update(status=status)

    assert agent.put(f"{AGENT}/c1/status", {"conditions": [{"type": "Ready", "status": "True"}]}).status_code == 204

    cluster.refresh_from_db()
    assert cluster.status == status


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"strimzi": [{"ready": True, "version": "", "kafkaVersions": ["3.1.0"], "kafkaIbpVersions": ["3.1"]}]}, 37),
        ({"strimzi": [{"ready": True, "version": "v1", "kafkaVersions": [], "kafkaIbpVersions": ["3.1"]}]}, 37),
        ({"strimzi": [{"ready": "yes", "version": "v1"}]}, 17),
        ({"conditions": "Ready"}, 17),
        ({"capacity": {"standard": {"maxUnits": -1}}}, 17),
        ([1, 2], 17),
    ],
)
def test_malformed_cluster_reports_are_refused_and_change_nothing(
    agent: Api, cluster: Cluster, body: Any, code: int
) -> None:
    before = Cluster.objects.values("status", "available_strimzi_versions", "dynamic_capacity_info").get()

    response = agent.put(f"{AGENT}/c1/status", body)

    assert (response.status_code, response.json()["code"]) == (400, f"KAFKAS-MGMT-{code}")
    assert Cluster.objects.values("status", "available_strimzi_versions", "dynamic_capacity_info").get() == before


# --- Kafka statuses (§5.4): one row per line of the condition table -------------------------

ROWS = [
    # (name, status before, extra fields, report, status after, fields expected after)
    (
        "ready from provisioning",
        KafkaStatus.PROVISIONING,
        {},
        ready(),
        KafkaStatus.READY,
        {"admin_api_server_url": "https://admin-server-x", "routes_created": True, "actual_kafka_version": "3.1.0"},
    ),
    (
        "ready from failed clears the reason",
        KafkaStatus.FAILED,
        {"failed_reason": "x"},
        ready(),
        KafkaStatus.READY,
        {"failed_reason": ""},
    ),
    ("ready of a suspended kafka is ignored", KafkaStatus.SUSPENDED, {}, ready(), KafkaStatus.SUSPENDED, {}),
    ("ready of a deprovisioned kafka is ignored", KafkaStatus.DEPROVISION, {}, ready(), KafkaStatus.DEPROVISION, {}),
    ("suspended", KafkaStatus.SUSPENDING, {}, condition("False", "Suspended"), KafkaStatus.SUSPENDED, {}),
    ("suspended while ready is ignored", KafkaStatus.READY, {}, condition("False", "Suspended"), KafkaStatus.READY, {}),
    ("unknown only logs", KafkaStatus.PROVISIONING, {}, condition("Unknown"), KafkaStatus.PROVISIONING, {}),
    (
        "installing stores routes",
        KafkaStatus.PROVISIONING,
        {},
        {**condition("False", "Installing"), "routes": ready()["routes"]},
        KafkaStatus.PROVISIONING,
        {"routes": [{"Domain": HOST, "Router": ROUTER}, {"Domain": f"admin-server-{HOST}", "Router": ROUTER}]},
    ),
    ("deleted", KafkaStatus.DEPROVISION, {}, condition("False", "Deleted"), KafkaStatus.DELETING, {}),
    ("deleted while ready is ignored", KafkaStatus.READY, {}, condition("False", "Deleted"), KafkaStatus.READY, {}),
    (
        "error",
        KafkaStatus.READY,
        {},
        condition("False", "Error", "broker down"),
        KafkaStatus.FAILED,
        {"failed_reason": "Kafka reported as failed from the data plane"},
    ),
    (
        "error while suspending is ignored",
        KafkaStatus.SUSPENDING,
        {},
        condition("False", "Error"),
        KafkaStatus.SUSPENDING,
        {},
    ),
    (
        "rejected, cluster full: unassigned",
        KafkaStatus.PROVISIONING,
        {},
        condition("False", "Rejected", "Cluster has insufficient resources"),
        KafkaStatus.PROVISIONING,
        {"cluster_id": "", "bootstrap_server_host": "", "desired_strimzi_version": ""},
    ),
    (
        "rejected, other: new placement id",
        KafkaStatus.PROVISIONING,
        {},
        condition("False", "Rejected", "nope"),
        KafkaStatus.PROVISIONING,
        {"cluster_id": "c1"},
    ),
    ("no ready condition: installing", KafkaStatus.PROVISIONING, {}, {"conditions": []}, KafkaStatus.PROVISIONING, {}),
    (
        "strimzi upgrade flag",
        KafkaStatus.READY,
        {"routes_created": True},
        {**condition("True", "StrimziUpdating"), "versions": {"strimzi": "v2"}},
        KafkaStatus.READY,
        {"strimzi_upgrading": True, "actual_strimzi_version": "v2"},
    ),
    (
        "unknown reason with status False only logs",
        KafkaStatus.PROVISIONING,
        {},
        condition("False", "Whatever"),
        KafkaStatus.PROVISIONING,
        {},
    ),
]


@pytest.mark.parametrize(("name", "before", "extra", "report", "after", "expected"), ROWS, ids=[r[0] for r in ROWS])
def test_kafka_status_reports(
    agent: Api, cluster: Cluster, name: str, before: str, extra: dict, report: dict, after: str, expected: dict
) -> None:
    kafka = kafka_on(cluster, status=before, **extra)

    response = agent.put(f"{AGENT}/c1/kafkas/status", {kafka.id: report})

    assert (response.status_code, response.content) == (200, b"")
    kafka.refresh_from_db()
    assert kafka.status == after
    for field, value in expected.items():
        assert getattr(kafka, field) == value, field
    if name == "rejected, other: new placement id":
        assert kafka.placement_id != "p1"


def test_routes_outside_the_cluster_domain_are_refused(agent: Api, cluster: Cluster) -> None:
    kafka = kafka_on(cluster)
    report = ready(routes=[{"name": "bootstrap", "prefix": "", "router": "router.evil.example.org"}])

    agent.put(f"{AGENT}/c1/kafkas/status", {kafka.id: report})

    kafka.refresh_from_db()
    assert (kafka.status, kafka.routes) == (KafkaStatus.PROVISIONING, None)


def test_unknown_and_foreign_kafkas_are_skipped_and_the_rest_applied(agent: Api, cluster: Cluster) -> None:
    mine = kafka_on(cluster)
    foreign = kafka_on(ClusterFactory(cluster_id="elsewhere"))

    response = agent.put(
        f"{AGENT}/c1/kafkas/status",
        {"does-not-exist": ready(), foreign.id: ready(), mine.id: ready(), "reserved-kafka-standard-1": ready()},
    )

    assert response.status_code == 200
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert (mine.status, foreign.status) == (KafkaStatus.READY, KafkaStatus.PROVISIONING)


@pytest.mark.parametrize(
    "body",
    [
        ["not", "a", "map"],
        {"k": {"conditions": [{"type": 1}]}},
        {"k": {"routes": "r"}},
        {"k": "ready"},
        # The capacity is ignored, but read with its types first, as upstream's decoder does (found by the fuzzer).
        {"k": ready(capacity={"maxConnectionAttemptsPerSec": {"x": 1}})},
        {"k": ready(capacity={"totalMaxConnections": "100"})},
        {"k": ready(capacity={"maxPartitions": 2**31})},
        {"k": ready(capacity={"maxDataRetentionSize": 1000})},
        {"k": ready(capacity=["1000Gi"])},
        {"other-kafka": {"capacity": {"maxPartitions": 1.5}}},
    ],
    ids=[
        "list",
        "number type",
        "routes string",
        "string status",
        "capacity object for an integer",
        "capacity string for an integer",
        "capacity over int32",
        "capacity number for a string",
        "capacity list",
        "capacity of another kafka",
    ],
)
def test_malformed_kafka_reports_are_400_17_and_change_nothing(agent: Api, cluster: Cluster, body: Any) -> None:
    """One malformed entry refuses the whole report: nothing of it is applied."""
    kafka = kafka_on(cluster)
    payload = (
        body
        if not isinstance(body, dict)
        else {kafka.id: ready(), **{kafka.id if k == "k" else k: v for k, v in body.items()}}
    )

    response = agent.put(f"{AGENT}/c1/kafkas/status", payload)

    assert (response.status_code, response.json()["code"]) == (400, "KAFKAS-MGMT-17")
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.PROVISIONING


def test_an_oversized_report_is_refused(agent: Api, cluster: Cluster, settings: Any) -> None:
    settings.FLEET_MAX_REQUEST_BODY_BYTES = 4096
    kafka = kafka_on(cluster)
    body = {kafka.id: ready(), **{f"id-{i}": ready() for i in range(100)}}

    response = agent.put(f"{AGENT}/c1/kafkas/status", body)

    assert (response.status_code, response.json()["code"]) == (400, "KAFKAS-MGMT-17")
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.PROVISIONING


def test_the_agent_command_refuses_single_agent_options_with_all_clusters() -> None:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--once"):
        call_command("fleetshard_agent", "--all-clusters", "--once")


def test_extra_owners_from_the_owner_list_join_each_cr(agent: Api, cluster: Cluster, settings: Any) -> None:
    settings.FLEET_ENABLE_KAFKA_OWNER_CONFIG = True
    kafka_on(cluster)

    (item,) = agent.get(f"{AGENT}/c1/kafkas").json()["items"]

    assert item["spec"]["owners"] == ["alice", "kafka-sre-user-1", "service-account-1"]
