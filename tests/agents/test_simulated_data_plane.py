"""The simulated agent's data plane over real HTTP: what it renders and writes, keeps current, and removes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from agents.dataplane import schema, store
from agents.simulator import AgentOptions, SimulatedAgent, TokenCache
from clusters.models import Cluster, ClusterStatus
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest, KafkaStatus
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db(transaction=True)

VERSIONS = {
    "desired_kafka_version": "3.1.0",
    "desired_strimzi_version": "strimzi-cluster-operator.v0.23.0-4",
    "desired_kafka_ibp_version": "3.1",
}


@pytest.fixture
def cluster() -> Cluster:
    return ClusterFactory(
        cluster_id="c1",
        cluster_dns="apps.c1.example.com",
        status=ClusterStatus.READY,
        dynamic_capacity_info={"standard": {"max_nodes": 9}, "developer": {"max_nodes": 3}},
    )


def on_cluster(name: str, status: str = KafkaStatus.PROVISIONING, **fields: Any) -> KafkaRequest:
    return KafkaFactory(
        name=name,
        cluster_id="c1",
        status=status,
        namespace=f"kafka-{name}",
        bootstrap_server_host=f"{name}.kas.c1.example.com",
        placement_id=f"p-{name}",
        canary_service_account_client_id=f"canary-{name}",
        canary_service_account_client_secret="s3cret",
        **{**VERSIONS, **fields},
    )


def agent_for(live_server: Any, render_dir: Path, capacity: int = 100) -> SimulatedAgent:
    return SimulatedAgent(
        options=AgentOptions(
            api_url=live_server.url, cluster_id="c1", capacity_units=capacity, render_dir=str(render_dir)
        ),
        token=TokenCache(lambda: mint_token(client_id="kas-fleetshard-agent-c1")),
    )


def resources(render_dir: Path, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    folder = render_dir / "c1" / f"kafka-{name}"
    (managed_kafka,) = store.load((folder / "managedkafka.yaml").read_text())
    (kafka,) = store.load((folder / "kafka.yaml").read_text())
    return managed_kafka, kafka


def test_the_agent_writes_both_resources_of_each_kafka_and_reports_it_ready(
    live_server: Any, cluster: Cluster, tmp_path: Path
) -> None:
    kafka = on_cluster("alpha")

    agent_for(live_server, tmp_path).tick()

    managed_kafka, strimzi = resources(tmp_path, "alpha")
    assert schema.managed_kafka().errors(managed_kafka) == []
    assert schema.strimzi_kafka().errors(strimzi) == []
    assert managed_kafka["metadata"]["annotations"]["bf2.org/id"] == kafka.id
    assert "s3cret" not in (tmp_path / "c1" / "kafka-alpha" / "managedkafka.yaml").read_text()
    external = strimzi["spec"]["kafka"]["listeners"][0]["configuration"]
    assert external["bootstrap"]["host"] == "alpha.kas.c1.example.com"
    assert strimzi["metadata"]["ownerReferences"][0]["uid"] == managed_kafka["metadata"]["uid"]
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.READY


def test_a_changed_desired_version_is_rendered_again(live_server: Any, cluster: Cluster, tmp_path: Path) -> None:
    kafka = on_cluster("alpha", status=KafkaStatus.READY)
    agent = agent_for(live_server, tmp_path)
    agent.tick()
    assert resources(tmp_path, "alpha")[1]["spec"]["kafka"]["config"]["inter.broker.protocol.version"] == "3.1"

    # What the admin's version change (PATCH /admin/kafkas/{id}) writes.
    KafkaRequest.objects.filter(pk=kafka.pk).update(
        desired_kafka_version="3.2.0",
        desired_kafka_ibp_version="3.2",
        desired_strimzi_version="strimzi-cluster-operator.v0.24.0-0",
    )
    agent.tick()

    managed_kafka, strimzi = resources(tmp_path, "alpha")
    assert managed_kafka["spec"]["versions"] == {
        "kafka": "3.2.0",
        "strimzi": "strimzi-cluster-operator.v0.24.0-0",
        "kafkaIbp": "3.2",
    }
    assert strimzi["spec"]["kafka"]["version"] == "3.2.0"
    assert strimzi["spec"]["kafka"]["config"]["inter.broker.protocol.version"] == "3.2"
    assert strimzi["metadata"]["labels"]["managedkafka.bf2.org/strimziVersion"] == "strimzi-cluster-operator.v0.24.0-0"


def test_a_suspended_kafka_is_paused_with_no_broker_running(live_server: Any, cluster: Cluster, tmp_path: Path) -> None:
    kafka = on_cluster("alpha", status=KafkaStatus.SUSPENDING)

    agent_for(live_server, tmp_path).tick()

    _, strimzi = resources(tmp_path, "alpha")
    assert strimzi["metadata"]["annotations"]["strimzi.io/pause-reconciliation"] == "true"
    assert strimzi["status"]["conditions"] == [
        {
            "type": "ReconciliationPaused",
            "status": "True",
            "reason": "Suspended",
            "message": "suspended: broker and ZooKeeper pods removed, 0 of 3 brokers running",
        }
    ]
    assert strimzi["spec"]["kafka"]["replicas"] == 3  # kept, so resuming brings the same brokers back
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.SUSPENDED


def test_deleting_a_kafka_removes_its_namespace(live_server: Any, cluster: Cluster, tmp_path: Path) -> None:
    kafka = on_cluster("alpha", status=KafkaStatus.READY)
    on_cluster("beta", status=KafkaStatus.READY)
    agent = agent_for(live_server, tmp_path)
    agent.tick()
    assert (tmp_path / "c1" / "kafka-alpha" / "kafka.yaml").exists()

    KafkaRequest.objects.filter(pk=kafka.pk).update(status=KafkaStatus.DEPROVISION)
    agent.tick()

    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == ["kafka-beta"]
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.DELETING


def test_reported_capacity_follows_what_is_rendered_and_a_full_cluster_rejects(
    live_server: Any, cluster: Cluster, tmp_path: Path
) -> None:
    on_cluster("alpha")
    on_cluster("beta", size_id="x2", max_data_retention_size="2000Gi")
    third = on_cluster("gamma", size_id="x2", max_data_retention_size="2000Gi")
    agent = agent_for(live_server, tmp_path, capacity=4)

    agent.tick()
    agent.report_cluster()  # the next cluster report (every resync interval)

    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == ["kafka-alpha", "kafka-beta"]
    cluster.refresh_from_db()
    assert cluster.dynamic_capacity_info["standard"] == {"max_nodes": 9, "max_units": 4, "remaining_units": 1}
    assert cluster.dynamic_capacity_info["developer"]["remaining_units"] == 4
    third.refresh_from_db()
    # "Cluster has insufficient resources": the fleet manager takes it back to find it another cluster.
    assert (third.status, third.cluster_id, third.bootstrap_server_host) == (KafkaStatus.PROVISIONING, "", "")


def test_a_kafka_that_cannot_be_rendered_fails_and_writes_nothing(
    live_server: Any, cluster: Cluster, tmp_path: Path
) -> None:
    kafka = on_cluster("alpha", desired_kafka_version="three")

    agent_for(live_server, tmp_path).tick()

    assert not (tmp_path / "c1" / "kafka-alpha").exists()
    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.FAILED
    assert "'three' is not a Kafka version" in kafka.status_changes.last().reason


def test_the_command_renders_into_the_given_directory_and_clears_what_an_earlier_run_left(
    live_server: Any, cluster: Cluster, tmp_path: Path
) -> None:
    on_cluster("alpha", status=KafkaStatus.READY)
    stale = tmp_path / "c1" / "kafka-gone"
    stale.mkdir(parents=True)
    (stale / "kafka.yaml").write_text("kind: Kafka\n")

    call_command(
        "fleetshard_agent", "--cluster-id", "c1", "--api-url", live_server.url, "--once", "--render-dir", str(tmp_path)
    )

    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == ["kafka-alpha"]
    assert sorted(p.name for p in (tmp_path / "c1" / "kafka-alpha").iterdir()) == ["kafka.yaml", "managedkafka.yaml"]
