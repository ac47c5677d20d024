"""The Strimzi Kafka the simulated agent renders from what it is served (agents/dataplane/strimzi.py).

Every case starts from a ManagedKafka served by the agent API, renders it with the
profile of its instance type and size, and checks it against the Strimzi 0.45 CRD.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from agents.dataplane import schema
from agents.dataplane.profiles import RenderError, profile_for
from agents.dataplane.strimzi import render_kafka
from clusters.models import Cluster
from fleetmanager.devtokens import mint_token
from fleetmanager.fleetconfig import fleet_config
from kafkas.models import KafkaStatus
from tests.conftest import Api
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db

HOST = "my-kafka-abc.kas.c1.example.com"
VERSIONS = {
    "desired_kafka_version": "3.1.0",
    "desired_strimzi_version": "strimzi-cluster-operator.v0.23.0-4",
    "desired_kafka_ibp_version": "2.8",
}


@dataclass(frozen=True)
class Case:
    kafka: dict[str, Any]
    brokers: int
    zookeepers: int
    cpu: dict[str, str]  # requests, limits
    memory: str
    heap: str
    volume_bytes: str  # per broker, padded
    storage_quota: str  # per broker, unpadded
    produce: str  # bytes/s per broker
    fetch: str
    max_connections: int  # per broker listener
    connection_rate: int
    replication_factor: int
    min_isr: int
    multi_az: bool
    cruise_control: bool


STANDARD_X1 = Case(
    kafka={"instance_type": "standard", "size_id": "x1", "max_data_retention_size": "1000Gi"},
    brokers=3,
    zookeepers=3,
    cpu={"requests": "4900m", "limits": "4900m"},
    memory="17.3Gi",
    heap="6442450944",
    # 1000Gi / 3 + 10Gi + (50Mi / 3) * 30 s * 2, plus 5% for the file system
    volume_bytes="388184932309",
    storage_quota="357913941333",
    produce="17476266",
    fetch="34952533",
    max_connections=3000,
    connection_rate=33,
    replication_factor=3,
    min_isr=2,
    multi_az=True,
    cruise_control=False,
)
CASES = {
    "standard x1 (multi-AZ)": STANDARD_X1,
    "standard x2 (multi-AZ, Cruise Control from 6 brokers)": Case(
        kafka={"instance_type": "standard", "size_id": "x2", "max_data_retention_size": "2000Gi"},
        brokers=6,
        zookeepers=3,
        cpu={"requests": "4900m", "limits": "4900m"},
        memory="17.3Gi",
        heap="6442450944",
        volume_bytes="388184932309",
        storage_quota="357913941333",
        produce="17476266",
        fetch="34952533",
        max_connections=3000,
        connection_rate=33,
        replication_factor=3,
        min_isr=2,
        multi_az=True,
        cruise_control=True,
    ),
    "developer x1 (single-AZ)": Case(
        kafka={"instance_type": "developer", "size_id": "x1", "max_data_retention_size": "10Gi", "multi_az": False},
        brokers=1,
        zookeepers=1,
        cpu={"requests": "400m", "limits": "800m"},
        memory="1Gi",
        heap="512M",
        # 10Gi + 1Gi + 1Mi * 30 s * 2, plus 5%
        volume_bytes="12467778355",
        storage_quota="10737418240",
        produce="1048576",
        fetch="1048576",
        max_connections=100,
        connection_rate=50,
        replication_factor=1,
        min_isr=1,
        multi_az=False,
        cruise_control=False,
    ),
    "standard x1 with a grown retention size": Case(
        **{
            **STANDARD_X1.__dict__,
            "kafka": {**STANDARD_X1.kafka, "max_data_retention_size": "1500Gi"},
            "volume_bytes": "576089751510",
            "storage_quota": "536870912000",
        }
    ),
}


@pytest.fixture
def cluster() -> Cluster:
    return ClusterFactory(cluster_id="c1")


def served(cluster: Cluster, **fields: Any) -> dict[str, Any]:
    """A Kafka on the cluster, as its agent is served it."""
    defaults = {
        "name": "my-kafka",
        "status": KafkaStatus.READY,
        "bootstrap_server_host": HOST,
        "namespace": "kafka-abc",
        "placement_id": "p1",
        "canary_service_account_client_id": "canary-abc",
        "canary_service_account_client_secret": "s3cret",
        **VERSIONS,
    }
    KafkaFactory(cluster_id=cluster.cluster_id, **{**defaults, **fields})
    response = Api("private", mint_token(client_id=cluster.client_id)).get(
        f"/api/kafkas_mgmt/v1/agent-clusters/{cluster.cluster_id}/kafkas"
    )
    (item,) = response.json()["items"]
    return item


def render(item: dict[str, Any]) -> dict[str, Any]:
    kafka = render_kafka(item, profile_for(item, fleet_config().instance_types))
    assert schema.strimzi_kafka().errors(kafka) == []
    return kafka


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("suspended", [False, True], ids=["running", "suspended"])
def test_each_instance_type_and_size_renders_a_valid_kafka(cluster: Cluster, case: Case, suspended: bool) -> None:
    status = KafkaStatus.SUSPENDED if suspended else KafkaStatus.READY
    item = served(cluster, status=status, **case.kafka)

    kafka = render(item)

    spec, metadata = kafka["spec"], kafka["metadata"]
    broker, config = spec["kafka"], spec["kafka"]["config"]
    assert (metadata["name"], metadata["namespace"]) == ("my-kafka", "kafka-abc")
    assert broker["replicas"] == case.brokers
    assert metadata["annotations"]["org.bf2.operator/desired-broker-replicas"] == str(case.brokers)
    assert spec["zookeeper"]["replicas"] == case.zookeepers
    assert broker["resources"] == {
        "requests": {"cpu": case.cpu["requests"], "memory": case.memory},
        "limits": {"cpu": case.cpu["limits"], "memory": case.memory},
    }
    assert (broker["jvmOptions"]["-Xms"], broker["jvmOptions"]["-Xmx"]) == (case.heap, case.heap)
    assert broker["storage"] == {
        "type": "jbod",
        "volumes": [{"type": "persistent-claim", "id": 0, "size": case.volume_bytes, "deleteClaim": True}],
    }
    assert config["client.quota.callback.static.storage.hard"] == case.storage_quota
    assert config["client.quota.callback.static.produce"] == case.produce
    assert config["client.quota.callback.static.fetch"] == case.fetch
    assert config["client.quota.callback.static.excluded.principal.name.list"] == "canary-abc"
    assert config["default.replication.factor"] == config["offsets.topic.replication.factor"] == case.replication_factor
    assert config["min.insync.replicas"] == config["transaction.state.log.min.isr"] == case.min_isr
    assert config["message.max.bytes"] == 1048588  # the size's 1Mi plus the record batch header
    assert config["max.partitions"] == item["spec"]["capacity"]["maxPartitions"]
    assert config["inter.broker.protocol.version"] == "2.8"
    assert broker["version"] == "3.1.0"
    external = broker["listeners"][0]["configuration"]
    assert (external["maxConnections"], external["maxConnectionCreationRate"]) == (
        case.max_connections,
        case.connection_rate,
    )
    assert [b["host"] for b in external["brokers"]] == [f"broker-{i}-{HOST}" for i in range(case.brokers)]
    pod = broker["template"]["pod"]
    assert ("rack" in broker) is case.multi_az
    assert ("topologySpreadConstraints" in pod) is case.multi_az
    assert ("topologySpreadConstraints" in spec["zookeeper"]["template"]["pod"]) is case.multi_az
    assert ("cruiseControl" in spec) is case.cruise_control
    assert (metadata["annotations"].get("strimzi.io/pause-reconciliation") == "true") is suspended
    owner_rules = [v for k, v in config.items() if k.startswith("kas.authorizer.acl.0") and "principal=alice" in v]
    assert bool(owner_rules) is not suspended


def test_the_external_listener_speaks_tls_with_oauth_and_plain_on_the_bootstrap_host(cluster: Cluster) -> None:
    item = served(cluster)

    external, oauth, sre = render(item)["spec"]["kafka"]["listeners"]

    realm = item["spec"]["oauth"]["validIssuerEndpointURI"]
    assert (external["name"], external["type"], external["tls"], external["port"]) == ("external", "route", True, 9094)
    assert external["configuration"]["bootstrap"]["host"] == HOST
    assert external["authentication"] == {
        "type": "oauth",
        "validIssuerUri": realm,
        "jwksEndpointUri": f"{realm}/protocol/openid-connect/certs",
        "tokenEndpointUri": f"{realm}/protocol/openid-connect/token",
        "userNameClaim": "clientId",
        "fallbackUserNameClaim": "preferred_username",
        "customClaimCheck": "@.rh-org-id == '13640203'|| @.org_id == '13640203'",
        "enablePlain": True,
    }
    assert (oauth["type"], oauth["tls"], oauth["authentication"]["type"]) == ("internal", True, "oauth")
    assert "enablePlain" not in oauth["authentication"]
    assert oauth["networkPolicyPeers"] == [{"podSelector": {"matchLabels": {"app": "my-kafka-admin-server"}}}]
    assert (sre["type"], sre["tls"], "authentication" in sre) == ("internal", False, False)


def test_without_sso_authentication_the_listeners_have_none(cluster: Cluster, settings: Any) -> None:
    settings.FLEET_KAFKA_SSO_AUTH = False

    listeners = render(served(cluster))["spec"]["kafka"]["listeners"]

    assert [listener.get("authentication") for listener in listeners] == [None, None, None]


def test_a_multi_az_instance_spreads_its_brokers_over_zones_and_is_rack_aware(cluster: Cluster) -> None:
    broker = render(served(cluster))["spec"]["kafka"]

    assert broker["rack"] == {"topologyKey": "topology.kubernetes.io/zone"}
    assert broker["template"]["pod"]["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "labelSelector": {
                "matchExpressions": [{"key": "strimzi.io/name", "operator": "In", "values": ["my-kafka-kafka"]}]
            },
            "whenUnsatisfiable": "DoNotSchedule",
        }
    ]


def test_labels_and_owner_tie_the_kafka_to_its_managed_kafka(cluster: Cluster) -> None:
    item = served(cluster)

    metadata = render(item)["metadata"]

    assert metadata["labels"] == {
        "app.kubernetes.io/managed-by": "kas-fleetshard-operator",
        "bf2.org/kafkaInstanceProfileType": "standard",
        "bf2.org/kafkaInstanceProfileQuotaConsumed": "1",
        "bf2.org/suspended": "false",
        "ingressType": "sharded",
        "managedkafka.bf2.org/strimziVersion": "strimzi-cluster-operator.v0.23.0-4",
    }
    (owner,) = metadata["ownerReferences"]
    assert (owner["apiVersion"], owner["kind"], owner["name"]) == (
        "managedkafka.bf2.org/v1alpha1",
        "ManagedKafka",
        "my-kafka",
    )
    assert owner["uid"]


def test_acls_grant_the_owner_and_confine_the_canary_and_the_private_names(cluster: Cluster) -> None:
    config = render(served(cluster))["spec"]["kafka"]["config"]

    rules = [v for k, v in sorted(config.items()) if k.startswith("kas.authorizer.acl.") and k[-3:].isdigit()]
    rules = [r for r in rules if "level=" not in r]
    assert "priority=1;permission=allow;principal=alice;topic=*;operations=all" in rules
    assert "priority=1;permission=deny;topic=__redhat_*;operations=all" in rules
    assert "priority=1;permission=deny;group=__redhat_*;operations=all" in rules
    assert (
        "priority=0;permission=allow;principal=canary-abc;topic=__redhat_strimzi_canary;"
        "operations=create,describe,read,write,alter,alter_configs"
    ) in rules
    assert "priority=1;permission=deny;principal=canary-abc;topic=*;operations=all" in rules
    assert render(served(ClusterFactory(cluster_id="c2"), name="other"))["spec"]["kafka"]["authorization"] == {
        "type": "custom",
        "authorizerClass": "io.bf2.kafka.authorizer.CustomAclAuthorizer",
    }


def test_reauthentication_follows_the_session_lifetime(cluster: Cluster) -> None:
    on = render(served(cluster))["spec"]["kafka"]["config"]
    off = render(served(ClusterFactory(cluster_id="c2"), name="other", reauthentication_enabled=False))["spec"][
        "kafka"
    ]["config"]

    assert (on["connections.max.reauth.ms"], off["connections.max.reauth.ms"]) == (299000, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda mk: mk["metadata"]["labels"].update({"bf2.org/kafkaInstanceProfileType": "huge"}),
            "no instance profile",
        ),
        (lambda mk: mk["spec"]["versions"].update(kafka=""), "spec.versions"),
        (lambda mk: mk["spec"]["endpoint"].update(bootstrapServerHost=""), "bootstrapServerHost"),
        (lambda mk: mk["spec"]["capacity"].pop("maxDataRetentionSize"), "maxDataRetentionSize"),
    ],
)
def test_a_managed_kafka_that_cannot_become_a_kafka_is_refused(cluster: Cluster, change: Any, message: str) -> None:
    item = served(cluster)
    change(item)

    with pytest.raises(RenderError, match=message):
        render_kafka(item, profile_for(item, fleet_config().instance_types))


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda k: k["spec"]["kafka"]["listeners"][0].update(auth={"type": "oauth"}), id="misnamed field"),
        pytest.param(lambda k: k["spec"]["kafka"].update(replicas=0), id="zero replicas"),
        pytest.param(lambda k: k["spec"]["kafka"]["jvmOptions"].update({"-Xms": "6 GB"}), id="bad heap"),
        pytest.param(lambda k: k["spec"]["zookeeper"].pop("storage"), id="ZooKeeper without storage"),
    ],
)
def test_the_strimzi_crd_check_refuses_a_broken_kafka(cluster: Cluster, break_it: Any) -> None:
    kafka = copy.deepcopy(render(served(cluster)))

    break_it(kafka)

    assert schema.strimzi_kafka().errors(kafka) != []
