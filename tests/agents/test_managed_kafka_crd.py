"""What the agent is served is a valid ManagedKafka: every item of `GET agent-clusters/{id}/kafkas` against
kas-fleetshard's CRD, with the API server's strict field validation (agents/dataplane/schema.py)."""

from __future__ import annotations

from typing import Any

import pytest

from agents.dataplane import managedkafka, schema
from clusters.models import Cluster, ClusterStatus
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaStatus
from tests.conftest import Api
from tests.factories import ClusterFactory, KafkaFactory

AGENT = "/api/kafkas_mgmt/v1/agent-clusters"

pytestmark = pytest.mark.django_db

CANARY = {"canary_service_account_client_id": "canary-x", "canary_service_account_client_secret": "s3cret"}
VERSIONS = {
    "desired_kafka_version": "3.1.0",
    "desired_strimzi_version": "strimzi-cluster-operator.v0.23.0-4",
    "desired_kafka_ibp_version": "3.1",
}
KAFKAS = {
    "standard x1 provisioning": {"status": KafkaStatus.PROVISIONING, **CANARY},
    "standard x2 ready": {"status": KafkaStatus.READY, "size_id": "x2", "max_data_retention_size": "2000Gi", **CANARY},
    "developer": {
        "status": KafkaStatus.READY,
        "instance_type": "developer",
        "multi_az": False,
        "max_data_retention_size": "10Gi",
    },
    "suspended": {"status": KafkaStatus.SUSPENDED, **CANARY},
    "suspending": {"status": KafkaStatus.SUSPENDING, **CANARY},
    "deprovision (deleted)": {"status": KafkaStatus.DEPROVISION, **CANARY},
    "failed": {"status": KafkaStatus.FAILED},
    "reauthentication off": {"status": KafkaStatus.READY, "reauthentication_enabled": False, **CANARY},
    "no canary yet": {"status": KafkaStatus.PROVISIONING},
    "size gone from the configuration": {"status": KafkaStatus.READY, "size_id": "x9"},
}


@pytest.fixture
def cluster() -> Cluster:
    return ClusterFactory(cluster_id="c1", status=ClusterStatus.READY)


def served_items(cluster: Cluster) -> list[dict[str, Any]]:
    response = Api("private", mint_token(client_id=cluster.client_id)).get(f"{AGENT}/{cluster.cluster_id}/kafkas")
    assert response.status_code == 200
    return response.json()["items"]


def as_crd_object(item: dict[str, Any]) -> dict[str, Any]:
    # The wire-only `id` is the agent's key for the item: it must be the bf2.org/id annotation it becomes.
    assert item["id"] == item["metadata"]["annotations"]["bf2.org/id"]
    return managedkafka.as_resource(item)


@pytest.mark.parametrize(
    "settings_overrides",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"FLEET_KAFKA_SSO_AUTH": False}, id="without SSO authentication"),
        pytest.param({"FLEET_ENABLE_KAFKA_OWNER_CONFIG": True}, id="with the kafka owner list"),
    ],
)
def test_every_served_managed_kafka_validates_against_the_crd(
    cluster: Cluster, settings: Any, settings_overrides: dict[str, Any]
) -> None:
    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    for index, fields in enumerate(KAFKAS.values()):
        KafkaFactory(
            name=f"kafka-{index}",
            cluster_id="c1",
            namespace=f"kafka-{index}",
            bootstrap_server_host=f"kafka-{index}.kas.c1.example.com",
            placement_id=f"p{index}",
            **VERSIONS,
            **fields,
        )

    items = served_items(cluster)

    assert len(items) == len(KAFKAS)
    for item in items:
        assert schema.managed_kafka().errors(as_crd_object(item)) == [], item["metadata"]["name"]


def test_what_the_agent_applies_validates_and_holds_no_secret(cluster: Cluster) -> None:
    KafkaFactory(cluster_id="c1", status=KafkaStatus.READY, bootstrap_server_host="k.kas.c1", **VERSIONS, **CANARY)

    (item,) = served_items(cluster)
    applied = managedkafka.as_applied(item)

    assert schema.managed_kafka().errors(applied) == []
    assert "s3cret" not in str(applied) and "canary-x" not in str(applied)
    assert applied["spec"]["serviceAccounts"] == [
        {
            "name": "canary",
            "principalRef": {"name": f"{item['metadata']['name']}-master-secret", "key": "canary.sasl.principal"},
            "passwordRef": {"name": f"{item['metadata']['name']}-master-secret", "key": "canary.sasl.password"},
        }
    ]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        pytest.param(lambda mk: mk["spec"].update(sizing="x1"), "spec: Additional properties", id="unknown spec field"),
        pytest.param(lambda mk: mk.update(id="x"), "(root): Additional properties", id="the wire-only id"),
        pytest.param(
            lambda mk: mk["spec"]["capacity"].update(totalMaxConnections="many"),
            "spec.capacity.totalMaxConnections: 'many' is not of type 'integer'",
            id="wrong type",
        ),
        pytest.param(lambda mk: mk["spec"].pop("versions"), "'versions' is a required property", id="no versions"),
        pytest.param(
            lambda mk: mk["metadata"].update(namespace="Kafka_1"),
            "metadata.namespace: 'Kafka_1' does not match",
            id="ns",
        ),
        pytest.param(
            lambda mk: mk["metadata"]["labels"].update(big="x" * 64), "metadata.labels.big: 'xxx", id="label too long"
        ),
        pytest.param(lambda mk: mk.update(kind="Kafka"), "kind: 'ManagedKafka' was expected", id="wrong kind"),
    ],
)
def test_the_crd_check_refuses_what_an_api_server_would(cluster: Cluster, change: Any, refusal: str) -> None:
    KafkaFactory(cluster_id="c1", status=KafkaStatus.READY, bootstrap_server_host="k.kas.c1", **VERSIONS)
    resource = as_crd_object(served_items(cluster)[0])
    assert schema.managed_kafka().errors(resource) == []

    change(resource)

    errors = schema.managed_kafka().errors(resource)
    assert any(error.startswith(refusal) or refusal in error for error in errors), errors
    with pytest.raises(schema.InvalidResource):
        schema.managed_kafka().validate(resource)
