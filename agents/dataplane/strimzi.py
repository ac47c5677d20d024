"""The Strimzi ``Kafka`` resource (``kafka.strimzi.io/v1beta2``) kas-fleetshard derives from a ManagedKafka.

``render_kafka(managed_kafka, profile)`` is pure: the served ManagedKafka and its
instance profile in, the Kafka resource out, one function per concern below. It follows
kas-fleetshard's ``KafkaCluster.kafkaFrom`` for a first apply (no existing Kafka to keep
sizes or versions from), with two choices of ours: zone rack awareness and zone spread
only for multi-AZ instances (kas-fleetshard spreads every profile; a single-AZ instance
lives in one zone), and no image overrides, drain-cleaner budgets or priority classes,
which depend on the cluster rather than on the ManagedKafka.

A suspended instance keeps its spec, so resuming brings back the same brokers and
volumes; ``strimzi.io/pause-reconciliation`` stops Strimzi, and the data plane then
removes the broker and ZooKeeper pods (``agents.dataplane.state``). Replicas stay: the
CRD requires at least one, and kas-fleetshard never writes zero.
"""

from __future__ import annotations

import math
from typing import Any

from agents.dataplane import acls, managedkafka
from agents.dataplane.profiles import InstanceProfile, RenderError
from fleetmanager.fleetconfig.quantities import parse_quantity, quantity_bytes

API_VERSION = "kafka.strimzi.io/v1beta2"
KIND = "Kafka"
ZONE = "topology.kubernetes.io/zone"
HOSTNAME = "kubernetes.io/hostname"
STRIMZI_VERSION_LABEL = "managedkafka.bf2.org/strimziVersion"
PAUSE_RECONCILIATION = "strimzi.io/pause-reconciliation"
DESIRED_BROKER_REPLICAS = "org.bf2.operator/desired-broker-replicas"
SAFE_TO_EVICT = {"cluster-autoscaler.kubernetes.io/safe-to-evict": "true"}
BROKER_TOLERATION = {"key": "org.bf2.operator/kafka-broker", "operator": "Exists", "effect": "NoExecute"}
JVM_XX = {"ExitOnOutOfMemoryError": "true"}
JMX_PORT = "9999"
DEFAULT_SESSION_LIFETIME_MS = 299_000
# Storage padding (kas-fleetshard): the quota plugin checks usage every 30 s, and a broker must be able to take
# twice a check interval of its ingress on top of a minimum margin; ext4 formatting takes 5% of a volume.
STORAGE_CHECK_INTERVAL_SECONDS = 30
STORAGE_SAFETY_FACTOR = 2
FORMATTING_OVERHEAD = 0.05
CRUISE_CONTROL_MIN_BROKERS = 6
QUOTA_TOPIC = "__redhat_strimzi_volumeUsageMetrics"
QUOTA_CLIENT_ID_PREFIX = "__redhat_strimzi"
TOPIC_CONFIG_RANGE_RULE = "max.message.bytes::{max},segment.bytes:52428800:,segment.ms:600000:"
TOPIC_CONFIG_MUTABLE_RULE = (
    "message.timestamp.difference.max.ms,message.timestamp.type,retention.bytes,retention.ms,min.compaction.lag.ms,"
    "cleanup.policy,max.compaction.lag.ms,delete.retention.ms,message.downconversion.enable"
)
TOPIC_CONFIG_ENFORCED_RULE = (
    "flush.ms:9223372036854775807,index.interval.bytes:4096,compression.type:producer,"
    "flush.messages:9223372036854775807,min.cleanable.dirty.ratio:0.5,file.delete.delay.ms:60000,"
    "segment.index.bytes:10485760,preallocate:false,unclean.leader.election.enable:false,min.insync.replicas:{min_isr}"
)


def render_kafka(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    name = _name(managed_kafka)
    replicas = broker_replicas(managed_kafka, profile)
    per_broker = retention_bytes_per_broker(managed_kafka, profile, replicas)
    spec: dict[str, Any] = {
        "kafka": {
            "version": _versions(managed_kafka)["kafka"],
            "replicas": replicas,
            "listeners": listeners(managed_kafka, profile, replicas),
            "config": kafka_config(managed_kafka, profile, replicas, per_broker),
            "authorization": acls.authorization(),
            "resources": profile.kafka.resources(),
            "jvmOptions": kafka_jvm_options(profile),
            "storage": kafka_storage(managed_kafka, profile, replicas, per_broker),
            "template": kafka_template(managed_kafka, profile, replicas),
            "metricsConfig": _metrics(f"{name}-kafka-metrics"),
            "logging": _logging(f"{name}-kafka-logging", "log4j.properties"),
        },
        "zookeeper": zookeeper(managed_kafka, profile),
        "kafkaExporter": kafka_exporter(managed_kafka, profile),
    }
    if profile.multi_az:
        spec["kafka"]["rack"] = rack()
    if profile.cruise_control and replicas >= CRUISE_CONTROL_MIN_BROKERS:
        spec["cruiseControl"] = cruise_control(managed_kafka, profile)
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata(managed_kafka, replicas), "spec": spec}


# --- identity: labels, annotations, owner -----------------------------------------------------


def metadata(managed_kafka: dict[str, Any], replicas: int) -> dict[str, Any]:
    """Named and placed like its ManagedKafka, labelled with its labels and Strimzi version, owned by it."""
    source = managed_kafka["metadata"]
    labels = {
        "app.kubernetes.io/managed-by": "kas-fleetshard-operator",
        **managedkafka.labels(managed_kafka),
        "ingressType": "sharded",
        STRIMZI_VERSION_LABEL: _versions(managed_kafka)["strimzi"],
    }
    annotations = {DESIRED_BROKER_REPLICAS: str(replicas)}
    if managedkafka.is_suspended(managed_kafka):
        annotations[PAUSE_RECONCILIATION] = "true"
    owner = {
        "apiVersion": managedkafka.API_VERSION,
        "kind": managedkafka.KIND,
        "name": source["name"],
        "uid": managedkafka.uid(managed_kafka),
    }
    return {
        "name": source["name"],
        "namespace": source["namespace"],
        "labels": labels,
        "annotations": annotations,
        "ownerReferences": [owner],
    }


# --- size: brokers, storage -------------------------------------------------------------------


def broker_replicas(managed_kafka: dict[str, Any], profile: InstanceProfile) -> int:
    """Enough groups of `replication_factor` brokers to hold `maxPartitions` fully replicated partitions."""
    factor = profile.replication_factor
    max_partitions = ((managed_kafka.get("spec") or {}).get("capacity") or {}).get("maxPartitions")
    if not isinstance(max_partitions, int) or max_partitions <= 0:
        return factor
    brokers = math.ceil(max_partitions * factor / profile.partition_capacity)
    return math.ceil(brokers / factor) * factor


def retention_bytes_per_broker(managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int) -> int:
    total = managedkafka.capacity_bytes(managed_kafka, "maxDataRetentionSize")
    if total is None:
        raise RenderError("spec.capacity.maxDataRetentionSize is required to size the brokers' storage")
    return total // replicas


def _per_broker(managed_kafka: dict[str, Any], field: str, default: str, replicas: int) -> int:
    value = managedkafka.capacity_bytes(managed_kafka, field)
    return (value if value is not None else quantity_bytes(default)) // replicas


def ingress_bytes_per_broker(managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int) -> int:
    return _per_broker(managed_kafka, "ingressPerSec", profile.ingress_per_sec, replicas)


def egress_bytes_per_broker(managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int) -> int:
    return _per_broker(managed_kafka, "egressPerSec", profile.egress_per_sec, replicas)


def kafka_storage(
    managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int, per_broker: int
) -> dict[str, Any]:
    """One persistent JBOD volume per broker: its share of the retention size, a safety margin, formatting."""
    margin = quantity_bytes(profile.storage_min_margin) + (
        ingress_bytes_per_broker(managed_kafka, profile, replicas)
        * STORAGE_CHECK_INTERVAL_SECONDS
        * STORAGE_SAFETY_FACTOR
    )
    size = per_broker + margin
    size += int(size * FORMATTING_OVERHEAD)
    volume = {"type": "persistent-claim", "id": 0, "size": str(size), "deleteClaim": True}
    return {"type": "jbod", "volumes": [volume]}


# --- listeners ----------------------------------------------------------------------------------


def listeners(managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int) -> list[dict[str, Any]]:
    """External TLS route with OAuth (and PLAIN), internal OAuth for the admin server, internal SRE listener."""
    name = _name(managed_kafka)
    external: dict[str, Any] = {
        "name": "external",
        "port": 9094,
        "type": "route",
        "tls": True,
        "configuration": external_listener_configuration(managed_kafka, profile, replicas),
    }
    oauth_listener: dict[str, Any] = {
        "name": "oauth",
        "port": 9095,
        "type": "internal",
        "tls": True,
        "networkPolicyPeers": [{"podSelector": {"matchLabels": {"app": f"{name}-admin-server"}}}],
    }
    authentication = oauth_authentication(managed_kafka)
    if authentication:
        external["authentication"] = {
            **authentication,
            "enablePlain": True,  # PLAIN over OAuth: clients send client id and secret as user and password
            "tokenEndpointUri": managed_kafka["spec"]["oauth"].get("tokenEndpointURI", ""),
        }
        oauth_listener["authentication"] = authentication
    sre = {
        "name": "sre",
        "port": 9096,
        "type": "internal",
        "tls": False,
        "networkPolicyPeers": [{"podSelector": {"matchLabels": {"strimzi.io/name": f"{name}-kafka"}}}],
    }
    return [external, oauth_listener, sre]


def oauth_authentication(managed_kafka: dict[str, Any]) -> dict[str, Any] | None:
    """OAuth against the SSO realm of the ManagedKafka's `oauth` section; None when it names no JWKS."""
    oauth = (managed_kafka.get("spec") or {}).get("oauth") or {}
    if not oauth.get("jwksEndpointURI"):
        return None
    name = _name(managed_kafka)
    authentication = {
        "type": "oauth",
        "validIssuerUri": oauth.get("validIssuerEndpointURI", ""),
        "jwksEndpointUri": oauth["jwksEndpointURI"],
        "userNameClaim": oauth.get("userNameClaim", ""),
        "fallbackUserNameClaim": oauth.get("fallbackUserNameClaim", ""),
        "customClaimCheck": oauth.get("customClaimCheck", ""),
    }
    if oauth.get("clientId"):
        authentication["clientId"] = oauth["clientId"]
    if oauth.get("clientSecret") or oauth.get("clientSecretRef"):
        authentication["clientSecret"] = {"secretName": f"{name}-sso-secret", "key": "ssoClientSecret"}
    if oauth.get("tlsTrustedCertificate"):
        authentication["tlsTrustedCertificates"] = [{"secretName": f"{name}-sso-cert", "certificate": "keycloak.crt"}]
    return {key: value for key, value in authentication.items() if value != ""}


def external_listener_configuration(
    managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int
) -> dict[str, Any]:
    """The bootstrap host, one `broker-N-<host>` per broker, and the per-listener connection limits."""
    spec = managed_kafka.get("spec") or {}
    host = (spec.get("endpoint") or {}).get("bootstrapServerHost") or ""
    if not host:
        raise RenderError("spec.endpoint.bootstrapServerHost is required for the external listener")
    capacity = spec.get("capacity") or {}
    configuration: dict[str, Any] = {
        "bootstrap": {"host": host, "annotations": {"haproxy.router.openshift.io/balance": "leastconn"}},
        "brokers": [{"broker": index, "host": f"broker-{index}-{host}"} for index in range(replicas)],
        "maxConnections": (capacity.get("totalMaxConnections") or profile.max_connections) // replicas,
        "maxConnectionCreationRate": (
            capacity.get("maxConnectionAttemptsPerSec") or profile.connection_attempts_per_sec
        )
        // replicas,
    }
    if (spec.get("endpoint") or {}).get("tls"):
        configuration["brokerCertChainAndKey"] = {
            "secretName": f"{_name(managed_kafka)}-tls-secret",
            "certificate": "tls.crt",
            "key": "tls.key",
        }
    return configuration


# --- placement: racks, spread, affinity, tolerations ------------------------------------------


def rack() -> dict[str, Any]:
    """Replicas of a partition land in different zones (Kafka's rack awareness on the zone label)."""
    return {"topologyKey": ZONE}


def zone_spread(pod_group: str) -> list[dict[str, Any]]:
    """The group's pods spread evenly over the zones; a pod that would skew the spread waits."""
    return [
        {
            "maxSkew": 1,
            "topologyKey": ZONE,
            "labelSelector": {
                "matchExpressions": [{"key": "strimzi.io/name", "operator": "In", "values": [pod_group]}]
            },
            "whenUnsatisfiable": "DoNotSchedule",
        }
    ]


def near_zookeeper(managed_kafka: dict[str, Any]) -> dict[str, Any]:
    """Prefer the nodes that run this instance's ZooKeeper (kas-fleetshard packs an instance together)."""
    term = {
        "topologyKey": HOSTNAME,
        "labelSelector": {
            "matchExpressions": [
                {"key": "strimzi.io/name", "operator": "In", "values": [f"{_name(managed_kafka)}-zookeeper"]}
            ]
        },
    }
    return {
        "podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}
    }


def profile_tolerations(managed_kafka: dict[str, Any]) -> list[dict[str, Any]]:
    """Nodes tainted for an instance type take only that type's pods."""
    type_id = managedkafka.profile_type(managed_kafka)
    return [{"key": managedkafka.PROFILE_TYPE, "value": type_id, "effect": "NoExecute"}] if type_id else []


def kafka_template(managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "affinity": near_zookeeper(managed_kafka),
        "tolerations": [BROKER_TOLERATION, *profile_tolerations(managed_kafka)],
    }
    if profile.multi_az:
        pod["topologySpreadConstraints"] = zone_spread(f"{_name(managed_kafka)}-kafka")
    if replicas == 1:
        pod["metadata"] = {"annotations": dict(SAFE_TO_EVICT)}
    return {"pod": pod}


def zookeeper_template(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    pod: dict[str, Any] = {"tolerations": profile_tolerations(managed_kafka)}
    if profile.one_instance_per_node:
        # One ZooKeeper per node across all instances: a node failure costs each ensemble one member at most.
        pod["affinity"] = {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "topologyKey": HOSTNAME,
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "zookeeper"}},
                        "namespaceSelector": {},
                    }
                ]
            }
        }
    if profile.multi_az:
        pod["topologySpreadConstraints"] = zone_spread(f"{_name(managed_kafka)}-zookeeper")
    if profile.zookeeper_replicas == 1:
        pod["metadata"] = {"annotations": dict(SAFE_TO_EVICT)}
    return {"pod": pod}


# --- resources and JVM ----------------------------------------------------------------------------


def kafka_jvm_options(profile: InstanceProfile) -> dict[str, Any]:
    """A fixed heap (Xms = Xmx), exit on OOM, JMX on loopback only."""
    properties = [
        ("com.sun.management.jmxremote.port", JMX_PORT),
        ("com.sun.management.jmxremote.rmi.port", JMX_PORT),
        ("com.sun.management.jmxremote.host", "127.0.0.1"),
        ("java.rmi.server.hostname", "127.0.0.1"),
    ]
    return {
        "-Xms": profile.kafka_jvm_heap,
        "-Xmx": profile.kafka_jvm_heap,
        "-XX": dict(JVM_XX),
        "javaSystemProperties": [{"name": name, "value": value} for name, value in properties],
    }


def zookeeper(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    name = _name(managed_kafka)
    return {
        "replicas": profile.zookeeper_replicas,
        "storage": {"type": "persistent-claim", "size": profile.zookeeper_volume_size, "deleteClaim": True},
        "resources": profile.zookeeper.resources(),
        "jvmOptions": {"-Xms": profile.zookeeper_jvm_heap, "-Xmx": profile.zookeeper_jvm_heap, "-XX": dict(JVM_XX)},
        "template": zookeeper_template(managed_kafka, profile),
        "metricsConfig": _metrics(f"{name}-zookeeper-metrics"),
        "logging": _logging(f"{name}-zookeeper-logging", "log4j.properties"),
    }


def kafka_exporter(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    pod: dict[str, Any] = {"metadata": {"annotations": dict(SAFE_TO_EVICT)}, "affinity": near_zookeeper(managed_kafka)}
    tolerations = profile_tolerations(managed_kafka)
    if tolerations:
        pod["tolerations"] = tolerations
    return {"topicRegex": ".*", "groupRegex": ".*", "resources": profile.exporter.resources(), "template": {"pod": pod}}


def cruise_control(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    """Rebalancing for the larger instances: rack-aware, disk-usage goals, metrics in private topics."""
    assert profile.cruise_control is not None
    name = _name(managed_kafka)
    goals = (
        "com.linkedin.kafka.cruisecontrol.analyzer.goals.RackAwareGoal,"
        "com.linkedin.kafka.cruisecontrol.analyzer.goals.DiskUsageDistributionGoal"
    )
    return {
        "resources": profile.cruise_control.resources(),
        "config": {
            "sample.store.topic.replication.factor": profile.replication_factor,
            "default.goals": goals,
            "hard.goals": goals,
            "metric.reporter.topic": "__redhat_strimzi.cruisecontrol.metrics",
            "partition.metric.sample.store.topic": "__redhat_strimzi.cruisecontrol.partitionmetricsamples",
            "broker.metric.sample.store.topic": "__redhat_strimzi.cruisecontrol.modeltrainingsamples",
        },
        "logging": _logging(f"{name}-cruise-control-logging", "log4j2.properties"),
        "metricsConfig": _metrics(f"{name}-cruise-control-metrics"),
        "template": {
            "pod": {
                "metadata": {"annotations": dict(SAFE_TO_EVICT)},
                "affinity": near_zookeeper(managed_kafka),
                "tolerations": profile_tolerations(managed_kafka),
            }
        },
    }


# --- broker configuration -----------------------------------------------------------------------------


def kafka_config(
    managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int, per_broker: int
) -> dict[str, Any]:
    return {
        **replication_config(profile),
        **version_config(managed_kafka),
        **security_config(managed_kafka),
        **policy_config(managed_kafka, profile),
        **quota_config(managed_kafka, profile, replicas, per_broker),
        **acls.acl_config(
            owners=list((managed_kafka.get("spec") or {}).get("owners") or []),
            canary_principal=canary_principal(managed_kafka),
            suspended=managedkafka.is_suspended(managed_kafka),
        ),
        "num.recovery.threads.per.data.dir": max(1, int(parse_quantity(profile.kafka.cpu))),
        "leader.imbalance.per.broker.percentage": 0,  # elect preferred leaders at once after a roll
    }


def replication_config(profile: InstanceProfile) -> dict[str, Any]:
    factor, min_isr = profile.replication_factor, min(profile.min_insync_replicas, profile.replication_factor)
    return {
        "default.replication.factor": factor,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": factor,
        "transaction.state.log.replication.factor": factor,
        "transaction.state.log.min.isr": min_isr,
        "auto.create.topics.enable": "false",
        "message.max.bytes": profile.message_max_bytes,
    }


def version_config(managed_kafka: dict[str, Any]) -> dict[str, Any]:
    """The inter-broker protocol of the desired IBP (else the Kafka version's major.minor)."""
    versions = _versions(managed_kafka)
    return {
        "inter.broker.protocol.version": versions.get("kafkaIbp") or _major_minor(versions["kafka"]),
        "log.message.format.version": _major_minor(versions["kafka"]),
    }


def security_config(managed_kafka: dict[str, Any]) -> dict[str, Any]:
    oauth = (managed_kafka.get("spec") or {}).get("oauth") or {}
    lifetime = oauth.get("maximumSessionLifetime")
    return {
        "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        "ssl.protocol": "TLS",
        "sasl.server.max.receive.size": 16384,
        "connection.failed.authentication.delay.ms": 1000,
        # Clients re-authenticate before their tokens expire (0: never asked to).
        "connections.max.reauth.ms": max(lifetime, 0) if isinstance(lifetime, int) else DEFAULT_SESSION_LIFETIME_MS,
    }


def policy_config(managed_kafka: dict[str, Any], profile: InstanceProfile) -> dict[str, Any]:
    """Topic creation within the partition limit; topic configs within the service's ranges."""
    config: dict[str, Any] = {
        "create.topic.policy.class.name": "io.bf2.kafka.topic.ManagedKafkaCreateTopicPolicy",
        "alter.config.policy.class.name": "io.bf2.kafka.config.ManagedKafkaAlterConfigPolicy",
        "kas.policy.create-topic.partition-limit-enforced": True,
        "kas.policy.create-topic.partition-counter.private-topic-prefix": acls.PRIVATE_PREFIX,
        "kas.policy.create-topic.partition-counter.schedule-interval-seconds": 15,
        "kas.policy.create-topic.partition-counter.timeout-seconds": 10,
        "kas.policy.shared-admin.adminclient-listener.name": "controlplane-9090",
        "kas.policy.shared-admin.adminclient-listener.port": 9090,
        "kas.policy.shared-admin.adminclient-listener.protocol": "SSL",
        "kas.policy.topic-config.topic-config-policy-enforced": True,
        "kas.policy.topic-config.enforced": TOPIC_CONFIG_ENFORCED_RULE.format(
            min_isr=min(profile.min_insync_replicas, profile.replication_factor)
        ),
        "kas.policy.topic-config.range": TOPIC_CONFIG_RANGE_RULE.format(max=profile.message_max_bytes),
        "kas.policy.topic-config.mutable": TOPIC_CONFIG_MUTABLE_RULE,
    }
    max_partitions = ((managed_kafka.get("spec") or {}).get("capacity") or {}).get("maxPartitions")
    if isinstance(max_partitions, int):
        config["max.partitions"] = max_partitions
    return config


def quota_config(
    managed_kafka: dict[str, Any], profile: InstanceProfile, replicas: int, per_broker: int
) -> dict[str, Any]:
    """Strimzi's static quota callback: each broker's share of the throughput, and of the retention size."""
    config: dict[str, Any] = {
        "client.quota.callback.class": "io.strimzi.kafka.quotas.StaticQuotaCallback",
        "client.quota.callback.static.produce": str(ingress_bytes_per_broker(managed_kafka, profile, replicas)),
        "client.quota.callback.static.fetch": str(egress_bytes_per_broker(managed_kafka, profile, replicas)),
        # Producers are throttled at the hard limit: the soft one would go unnoticed.
        "client.quota.callback.static.storage.soft": str(per_broker),
        "client.quota.callback.static.storage.hard": str(per_broker),
        "client.quota.callback.static.storage.check-interval": str(STORAGE_CHECK_INTERVAL_SECONDS),
        "client.quota.callback.usageMetrics.topic": QUOTA_TOPIC,
        "client.quota.callback.quotaPolicy.check-interval": "15",
        "client.quota.callback.kafka.clientIdPrefix": QUOTA_CLIENT_ID_PREFIX,
        "quota.window.num": "30",
        "quota.window.size.seconds": "2",
    }
    canary = canary_principal(managed_kafka)
    if canary:
        # The canary measures the instance: quotas must not slow it down.
        config["client.quota.callback.static.excluded.principal.name.list"] = canary
    return config


def canary_principal(managed_kafka: dict[str, Any]) -> str | None:
    accounts = (managed_kafka.get("spec") or {}).get("serviceAccounts") or []
    return next((a.get("principal") for a in accounts if a.get("name") == "canary" and a.get("principal")), None)


# --- helpers -----------------------------------------------------------------------------------------------


def _name(managed_kafka: dict[str, Any]) -> str:
    return managed_kafka["metadata"]["name"]


def _versions(managed_kafka: dict[str, Any]) -> dict[str, str]:
    versions = (managed_kafka.get("spec") or {}).get("versions") or {}
    if not versions.get("kafka") or not versions.get("strimzi"):
        raise RenderError("spec.versions.kafka and spec.versions.strimzi are required")
    return versions


def _major_minor(version: str) -> str:
    parts = version.split(".")
    if len(parts) < 2 or len(parts) > 3:
        raise RenderError(f"{version!r} is not a Kafka version")
    return f"{parts[0]}.{parts[1]}"


def _metrics(config_map: str) -> dict[str, Any]:
    return {
        "type": "jmxPrometheusExporter",
        "valueFrom": {"configMapKeyRef": {"name": config_map, "key": "jmx-exporter-config"}},
    }


def _logging(config_map: str, key: str) -> dict[str, Any]:
    return {"type": "external", "valueFrom": {"configMapKeyRef": {"name": config_map, "key": key}}}
