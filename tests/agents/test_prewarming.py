"""Pre-warmed capacity (BEHAVIOUR.md §6.8): reserved ManagedKafkas served to ready clusters, run by the agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.dataplane import managedkafka, schema, store
from agents.simulator import AgentOptions, SimulatedAgent, TokenCache
from clusters.models import Cluster, ClusterStatus
from fleetmanager.devtokens import mint_token
from fleetmanager.fleetconfig import ConfigError, fleet_config, reset_fleet_config
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import Api
from tests.factories import ClusterFactory, KafkaFactory

AGENT = "/api/kafkas_mgmt/v1/agent-clusters"
FILE = "node-prewarming-configuration.yaml"


def prewarm(config_dir: Path, document: Any) -> None:
    (config_dir / FILE).write_text(yaml.safe_dump(document))
    reset_fleet_config()


def served(cluster: Cluster) -> list[dict[str, Any]]:
    response = Api("private", mint_token(client_id=cluster.client_id)).get(f"{AGENT}/{cluster.cluster_id}/kafkas")
    assert response.status_code == 200
    return response.json()["items"]


# --- configuration -----------------------------------------------------------------------------


def test_the_shipped_configuration_reserves_nothing() -> None:
    assert {t: p.num_reserved_instances for t, p in fleet_config().prewarming.items()} == {
        "developer": 0,
        "standard": 0,
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"huge": {"num_reserved_instances": 1}}, "unknown instance type 'huge'"),
        ({"standard": {"num_reserved_instances": -1}}, "standard.num_reserved_instances: must be at least 0"),
        ({"standard": {"num_reserved_instances": 1, "base_streaming_unit_size": "x9"}}, "'x9' is not a size"),
        ({"standard": {"num_reserved_instances": "two"}}, "must be an integer"),
    ],
)
def test_a_bad_prewarming_file_stops_start_up_naming_the_field(config_dir: Path, document: Any, message: str) -> None:
    prewarm(config_dir, document)

    with pytest.raises(ConfigError, match=message):
        fleet_config()


def test_without_the_file_nothing_is_reserved(config_dir: Path) -> None:
    (config_dir / FILE).unlink()
    reset_fleet_config()

    assert fleet_config().prewarming == {}


# --- served to the agents ------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_ready_cluster_is_served_its_reserved_instances_after_its_kafkas(config_dir: Path) -> None:
    prewarm(config_dir, {"standard": {"num_reserved_instances": 2}, "developer": {"num_reserved_instances": 1}})
    cluster = ClusterFactory(cluster_id="c1")
    kafka = KafkaFactory(cluster_id="c1", status=KafkaStatus.READY, bootstrap_server_host="k.kas.c1")

    items = served(cluster)

    assert [item["id"] for item in items] == [
        kafka.id,
        "reserved-kafka-standard-1",
        "reserved-kafka-standard-2",
        "reserved-kafka-developer-1",
    ]
    reserved = items[1]
    assert reserved["metadata"] == {
        "name": "reserved-kafka-standard-1",
        "namespace": "reserved-kafka-standard-1",
        "annotations": {"bf2.org/id": "reserved-kafka-standard-1", "bf2.org/placementId": "reserved-kafka-standard-1"},
        "labels": {
            "bf2.org/kafkaInstanceProfileType": "standard",
            "bf2.org/kafkaInstanceProfileQuotaConsumed": "1",
            "bf2.org/deployment": "reserved",
        },
    }
    assert reserved["spec"]["capacity"]["maxPartitions"] == 1500
    assert reserved["spec"]["endpoint"] == {"bootstrapServerHost": "reserved-kafka-standard-1-dummyhost"}
    # The newest ready Strimzi, with its newest Kafka and IBP versions.
    assert reserved["spec"]["versions"] == {
        "kafka": "3.1.0",
        "strimzi": "strimzi-cluster-operator.v0.23.0-4",
        "kafkaIbp": "3.1",
    }
    assert (reserved["spec"]["owners"], reserved["spec"]["serviceAccounts"]) == ([], [])
    for item in items:
        assert schema.managed_kafka().errors(managedkafka.as_resource(item)) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cluster_fields", "expected"),
    [
        pytest.param({"status": ClusterStatus.WAITING_FOR_FLEETSHARD}, [], id="not ready"),
        pytest.param({"supported_instance_type": "developer"}, ["reserved-kafka-developer-1"], id="developer only"),
        pytest.param({"available_strimzi_versions": []}, [], id="no ready Strimzi (upstream: 500)"),
    ],
)
def test_reserved_instances_follow_the_clusters_state(
    config_dir: Path, cluster_fields: dict[str, Any], expected: list[str]
) -> None:
    prewarm(config_dir, {"standard": {"num_reserved_instances": 1}, "developer": {"num_reserved_instances": 1}})
    cluster = ClusterFactory(cluster_id="c1", **cluster_fields)

    assert [item["id"] for item in served(cluster)] == expected


@pytest.mark.django_db
def test_reported_reserved_instances_change_nothing(config_dir: Path) -> None:
    prewarm(config_dir, {"standard": {"num_reserved_instances": 1}})
    cluster = ClusterFactory(cluster_id="c1")
    agent = Api("private", mint_token(client_id=cluster.client_id))

    body = {"reserved-kafka-standard-1": {"conditions": [{"type": "Ready", "status": "True"}]}}
    response = agent.put(f"{AGENT}/c1/kafkas/status", body)

    assert response.status_code == 200


# --- run by the agent -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_agent_keeps_their_room_until_real_kafkas_take_it(
    live_server: Any, config_dir: Path, tmp_path: Path
) -> None:
    prewarm(config_dir, {"standard": {"num_reserved_instances": 2}})
    cluster = ClusterFactory(
        cluster_id="c1", cluster_dns="apps.c1.example.com", dynamic_capacity_info={"standard": {"max_nodes": 9}}
    )
    agent = SimulatedAgent(
        options=AgentOptions(api_url=live_server.url, cluster_id="c1", capacity_units=4, render_dir=str(tmp_path)),
        token=TokenCache(lambda: mint_token(client_id="kas-fleetshard-agent-c1")),
    )

    agent.tick()
    agent.report_cluster()

    folder = tmp_path / "c1" / "reserved-kafka-standard-1"
    assert sorted(p.name for p in folder.iterdir()) == ["deployments.yaml", "managedkafka.yaml"]
    deployments = store.load((folder / "deployments.yaml").read_text())
    assert [(d["metadata"]["name"], d["spec"]["replicas"]) for d in deployments] == [
        ("reserved-kafka-standard-1-zookeeper", 3),
        ("reserved-kafka-standard-1-exporter", 1),
        ("reserved-kafka-standard-1-kafka", 3),
    ]
    broker_pod = deployments[2]["spec"]["template"]["spec"]
    assert broker_pod["containers"][0]["resources"]["limits"] == {"cpu": "4900m", "memory": "17.3Gi"}
    assert broker_pod["priorityClassName"] == "kas-fleetshard-reservation"
    cluster.refresh_from_db()
    assert cluster.dynamic_capacity_info["standard"]["remaining_units"] == 2  # 4 minus the 2 reserved

    for name in ("alpha", "beta", "gamma"):
        KafkaFactory(
            name=name,
            cluster_id="c1",
            status=KafkaStatus.PROVISIONING,
            bootstrap_server_host=f"{name}.kas.c1.example.com",
            namespace=f"kafka-{name}",
            desired_kafka_version="3.1.0",
            desired_strimzi_version="strimzi-cluster-operator.v0.23.0-4",
            desired_kafka_ibp_version="3.1",
        )
    agent.tick()
    agent.report_cluster()

    # Three real units fit beside one reserved instance: the second gives its room up, none is refused.
    assert {p.name for p in (tmp_path / "c1").iterdir()} == {
        "kafka-alpha",
        "kafka-beta",
        "kafka-gamma",
        "reserved-kafka-standard-1",
        "reserved-kafka-standard-2",
    }
    assert [agent.data_plane.holds_room(f"reserved-kafka-standard-{n}") for n in (1, 2)] == [True, False]
    cluster.refresh_from_db()
    assert cluster.dynamic_capacity_info["standard"]["remaining_units"] == 0
    assert set(KafkaRequest.objects.values_list("status", flat=True)) == {KafkaStatus.READY}
