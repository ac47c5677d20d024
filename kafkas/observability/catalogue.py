"""The metrics users see of their Kafka, with upstream's label selectors (§13.1) and federated labels (§13.3)."""

from __future__ import annotations

from dataclasses import dataclass

PRIVATE_TOPICS = "topic!~'__redhat_.*|__consumer_offsets|__transaction_state'"
KAFKA = "strimzi_io_kind=~'Kafka'"
POD_CLUSTER = ("statefulset_kubernetes_io_pod_name", "strimzi_io_cluster")
PARTITION = ("broker_id", "partition_id", "topic_name", *POD_CLUSTER)

# Only these labels of a series reach a user (upstream's presenter drops the others).
RETURNED_LABELS = frozenset(
    {
        "__name__",
        "strimzi_io_cluster",
        "topic",
        "persistentvolumeclaim",
        "statefulset_kubernetes_io_pod_name",
        "exported_service",
        "exported_pod",
        "route",
        "broker_id",
        "quota_type",
        "partition_id",
        "topic_name",
    }
)


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric: its selector (``{ns}`` is the Kafka's namespace) and the labels ``/federate`` keeps."""

    name: str
    selector: str
    labels: tuple[str, ...]
    help: str

    def labels_for(self, namespace: str) -> str:
        return self.selector.format(ns=namespace)


def _m(name: str, selector: str, labels: tuple[str, ...], help: str) -> Metric:
    return Metric(name, selector, labels, help)


_NS = "namespace=~'{ns}'"
_VOLUME = 'persistentvolumeclaim=~"data-.*-kafka-[0-9]*$", ' + _NS
_BROKER = f"{KAFKA}, {_NS}"
_TOPICS = f"{KAFKA}, {PRIVATE_TOPICS}, {_NS}"
_CONTROLLER = f"{KAFKA},{_NS}"
_LOG = f"{PRIVATE_TOPICS}, {_NS}"
_HAPROXY = "exported_namespace=~'{ns}'"

METRICS: tuple[Metric, ...] = (
    _m(
        "kubelet_volume_stats_available_bytes",
        _VOLUME,
        ("persistentvolumeclaim",),
        "Number of available bytes in the volume",
    ),
    _m("kubelet_volume_stats_used_bytes", _VOLUME, ("persistentvolumeclaim",), "Number of used bytes in the volume"),
    _m("kafka_broker_quota_softlimitbytes", _BROKER, POD_CLUSTER, "Storage soft limit of the broker, in bytes"),
    _m("kafka_broker_quota_hardlimitbytes", _BROKER, POD_CLUSTER, "Storage hard limit of the broker, in bytes"),
    _m("kafka_broker_quota_totalstorageusedbytes", _BROKER, POD_CLUSTER, "Storage used across the cluster, in bytes"),
    _m(
        "kafka_broker_client_quota_limit",
        _BROKER,
        (*POD_CLUSTER, "quota_type"),
        "Produce/fetch/request client quota limits imposed by broker quota-plugin",
    ),
    _m("kafka_server_brokertopicmetrics_messages_in_total", _TOPICS, ("topic", *POD_CLUSTER), "Messages in per topic"),
    _m("kafka_server_brokertopicmetrics_bytes_in_total", _TOPICS, ("topic", *POD_CLUSTER), "Bytes in per topic"),
    _m("kafka_server_brokertopicmetrics_bytes_out_total", _TOPICS, ("topic", *POD_CLUSTER), "Bytes out per topic"),
    _m("kafka_controller_kafkacontroller_offline_partitions_count", _CONTROLLER, POD_CLUSTER, "Offline partitions"),
    _m("kafka_controller_kafkacontroller_global_partition_count", _CONTROLLER, POD_CLUSTER, "Partitions"),
    _m("kafka_topic:kafka_log_log_size:sum", _LOG, ("topic",), "Log size per topic, in bytes"),
    _m("kas_topic_partition_log_size_bytes", _LOG, PARTITION, "Size in bytes of each topic partition on each broker"),
    _m("kas_broker_partition_log_size_bytes_top50", _NS, PARTITION, "Sizes in bytes of the top 50 topic partitions"),
    _m("kafka_namespace:haproxy_server_bytes_in_total:rate5m", _HAPROXY, (), "Current total of incoming bytes"),
    _m("kafka_namespace:haproxy_server_bytes_out_total:rate5m", _HAPROXY, (), "Current total of outgoing bytes"),
    _m("kafka_topic:kafka_topic_partitions:sum", _NS, (), "Number of topic partitions for this Kafka"),
    _m("kafka_topic:kafka_topic_partitions:count", _NS, (), "Number of Topics for this Kafka"),
    _m("consumergroup:kafka_consumergroup_members:count", _NS, (), "Amount of members in a consumer group"),
    _m(
        "kafka_namespace:kafka_server_socket_server_metrics_connection_count:sum",
        _NS,
        (),
        "Current number of total kafka connections",
    ),
    _m(
        "kafka_namespace:kafka_server_socket_server_metrics_connection_creation_rate:sum",
        _NS,
        (),
        "Current rate of connections creation",
    ),
    _m(
        "kafka_topic:kafka_server_brokertopicmetrics_messages_in_total:rate5m",
        _NS,
        (*POD_CLUSTER, "topic"),
        "Current rate of incoming messages over the last 5 minutes",
    ),
    _m(
        "kafka_topic:kafka_server_brokertopicmetrics_bytes_in_total:rate5m",
        _NS,
        (*POD_CLUSTER, "topic"),
        "Current total rate of incoming bytes over the last 5 minutes",
    ),
    _m(
        "kafka_topic:kafka_server_brokertopicmetrics_bytes_out_total:rate5m",
        _NS,
        (*POD_CLUSTER, "topic"),
        "Current total rate of outgoing bytes over the last 5 minutes",
    ),
    _m(
        "kafka_instance_spec_brokers_desired_count", _NS, ("instance_name",), "Desired number of brokers for this Kafka"
    ),
    _m("kafka_instance_max_message_size_limit", _NS, ("instance_name",), "Maximum message size for this Kafka"),
    _m("kafka_instance_partition_limit", _NS, ("instance_name",), "Maximum number of partitions for this Kafka"),
    _m(
        "kafka_instance_connection_limit",
        _NS,
        ("instance_name", "broker_id"),
        "Maximum number of connections for this Kafka",
    ),
    _m(
        "kafka_instance_connection_creation_rate_limit",
        _NS,
        ("instance_name", "broker_id"),
        "Maximum rate of new connections for this Kafka",
    ),
)

BY_NAME = {metric.name: metric for metric in METRICS}


def promql_queries(namespace: str, filters: list[str] | None) -> list[str]:
    """One PromQL selector per distinct label selector, for the metrics ``filters`` keeps (all when None).

    Upstream's query shape, e.g. ``{__name__=~'m1|m2', strimzi_io_kind=~'Kafka', namespace=~'kafka-x'}``.
    """
    grouped: dict[str, list[str]] = {}
    for metric in METRICS:
        if filters is None or metric.name in filters:
            grouped.setdefault(metric.labels_for(namespace), []).append(metric.name)
    return [f"{{__name__=~'{'|'.join(names)}', {labels}}}" for labels, names in grouped.items()]
