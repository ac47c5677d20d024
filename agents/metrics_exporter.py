"""The simulated data plane's Kafka metrics, served on loopback for a real Prometheus to scrape.

On a real data-plane cluster, the brokers' JMX exporters, kubelet, HAProxy and the recording
rules of the observability stack produce the series BEHAVIOUR.md §13.1 names; Observatorium
collects them. Here the simulated agents tell this exporter which Kafkas they run, and it
derives plausible, steadily growing figures for each one from the time since it first saw it:
bytes and messages in and out per topic, partitions, storage used and its limits, connections.
A Prometheus scraping it (tests, `make run`) is then a real Observatorium stand-in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Per simulated Kafka: its topics (name -> partitions), one broker, and the rates of its traffic.
TOPICS = {"orders": 3, "payments": 2, "__consumer_offsets": 1}
BYTES_IN_PER_SECOND = 51_200.0
BYTES_OUT_PER_SECOND = 102_400.0
BYTES_PER_MESSAGE = 1024.0
CONNECTIONS = 12
CONSUMER_GROUP_MEMBERS = 3
VOLUME_BYTES = 1_073_741_824_000 // 3  # one of three brokers' share of 1000Gi
SOFT_LIMIT_RATIO, HARD_LIMIT_RATIO = 0.9, 0.95


@dataclass(frozen=True, slots=True)
class _Kafka:
    namespace: str
    name: str
    first_seen: float


class KafkaMetricsExporter(Collector):
    """Which Kafkas each agent runs, and their metrics; thread-safe (agents poll from their threads)."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._by_agent: dict[str, dict[str, _Kafka]] = {}
        self._server: Any = None

    # --- what the agents tell ------------------------------------------------------------------

    def observe(self, agent: str, managed_kafkas: list[dict[str, Any]]) -> None:
        """The ManagedKafkas ``agent`` was just given: those not deleted run (and keep their age)."""
        now = self._clock()
        with self._lock:
            known = self._by_agent.get(agent, {})
            running = {}
            for item in managed_kafkas:
                metadata = item.get("metadata") or {}
                namespace, name = metadata.get("namespace") or "", metadata.get("name") or ""
                if not namespace or (item.get("spec") or {}).get("deleted"):
                    continue
                running[namespace] = known.get(namespace) or _Kafka(namespace, name, now)
            self._by_agent[agent] = running

    def kafkas(self) -> list[str]:
        """Namespaces of the Kafkas whose metrics are exposed."""
        with self._lock:
            return sorted(namespace for kafkas in self._by_agent.values() for namespace in kafkas)

    # --- serving ---------------------------------------------------------------------------------

    def serve(self, port: int = 0, host: str = "127.0.0.1") -> int:
        """Serve ``/metrics`` on ``host:port`` (0 picks a free port) from a daemon thread; returns the port."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        self._server = ThreadingHTTPServer((host, port), _handler(registry))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="kafka-metrics", daemon=True).start()
        return int(self._server.server_address[1])

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # --- the series ------------------------------------------------------------------------------

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            kafkas = [kafka for agent in self._by_agent.values() for kafka in agent.values()]
        now = self._clock()
        families = _Families()
        for kafka in kafkas:
            _kafka_series(families, kafka, max(now - kafka.first_seen, 0.0))
        yield from families.all()


def _handler(registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    """Always the classic text format: prometheus_client's own handler answers OpenMetrics to a Prometheus
    that asks for it, which rewrites recording-rule names such as ``...bytes_in_total:rate5m``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = generate_latest(registry)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE_LATEST)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: Prometheus scrapes every second."""

    return Handler


class _Families:
    """Metric families by name, created on first use with their label names."""

    def __init__(self) -> None:
        self._families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}

    def gauge(self, name: str, labels: dict[str, str], value: float) -> None:
        self._add(name, labels, value, GaugeMetricFamily)

    def counter(self, name: str, labels: dict[str, str], value: float) -> None:
        # prometheus_client names a counter family without `_total` and writes its sample with it.
        self._add(name.removesuffix("_total"), labels, value, CounterMetricFamily)

    def _add(self, name: str, labels: dict[str, str], value: float, kind: type) -> None:
        family = self._families.get(name)
        if family is None:
            family = self._families[name] = kind(name, f"simulated {name}", labels=list(labels))
        family.add_metric(list(labels.values()), value)

    def all(self) -> list[Metric]:
        return list(self._families.values())


def _kafka_series(families: _Families, kafka: _Kafka, age: float) -> None:
    ns, pod = kafka.namespace, f"{kafka.name}-kafka-0"
    broker = {"namespace": ns, "strimzi_io_kind": "Kafka", "strimzi_io_cluster": kafka.name}
    broker_pod = {**broker, "statefulset_kubernetes_io_pod_name": pod}
    partitions = sum(TOPICS.values())
    traffic_share = 1.0 / len(TOPICS)
    used = 10_485_760 + BYTES_IN_PER_SECOND * age  # a little data from the start, then what comes in
    per_topic_used = used * traffic_share

    pvc = {"namespace": ns, "persistentvolumeclaim": f"data-0-{kafka.name}-kafka-0"}
    families.gauge("kubelet_volume_stats_used_bytes", pvc, used)
    families.gauge("kubelet_volume_stats_available_bytes", pvc, max(VOLUME_BYTES - used, 0.0))
    families.gauge("kafka_broker_quota_softlimitbytes", broker_pod, VOLUME_BYTES * SOFT_LIMIT_RATIO)
    families.gauge("kafka_broker_quota_hardlimitbytes", broker_pod, VOLUME_BYTES * HARD_LIMIT_RATIO)
    families.gauge("kafka_broker_quota_totalstorageusedbytes", broker_pod, used)
    for quota_type, limit in (("produce", 52_428_800.0), ("fetch", 104_857_600.0), ("request", 100.0)):
        families.gauge("kafka_broker_client_quota_limit", {**broker_pod, "quota_type": quota_type}, limit)
    families.gauge("kafka_controller_kafkacontroller_offline_partitions_count", broker_pod, 0.0)
    families.gauge("kafka_controller_kafkacontroller_global_partition_count", broker_pod, float(partitions))

    for topic, topic_partitions in TOPICS.items():
        topic_pod = {**broker_pod, "topic": topic}
        bytes_in = BYTES_IN_PER_SECOND * traffic_share * age
        families.counter("kafka_server_brokertopicmetrics_bytes_in_total", topic_pod, bytes_in)
        families.counter(
            "kafka_server_brokertopicmetrics_bytes_out_total", topic_pod, BYTES_OUT_PER_SECOND * traffic_share * age
        )
        families.counter("kafka_server_brokertopicmetrics_messages_in_total", topic_pod, bytes_in / BYTES_PER_MESSAGE)
        rates = {
            "namespace": ns,
            "topic": topic,
            "statefulset_kubernetes_io_pod_name": pod,
            "strimzi_io_cluster": kafka.name,
        }
        families.gauge(
            "kafka_topic:kafka_server_brokertopicmetrics_bytes_in_total:rate5m",
            rates,
            BYTES_IN_PER_SECOND * traffic_share,
        )
        families.gauge(
            "kafka_topic:kafka_server_brokertopicmetrics_bytes_out_total:rate5m",
            rates,
            BYTES_OUT_PER_SECOND * traffic_share,
        )
        families.gauge(
            "kafka_topic:kafka_server_brokertopicmetrics_messages_in_total:rate5m",
            rates,
            BYTES_IN_PER_SECOND * traffic_share / BYTES_PER_MESSAGE,
        )
        families.gauge("kafka_topic:kafka_log_log_size:sum", {"namespace": ns, "topic": topic}, per_topic_used)
        for partition in range(topic_partitions):
            labels = {
                "namespace": ns,
                "topic": topic,
                "broker_id": "0",
                "partition_id": str(partition),
                "topic_name": topic,
                "statefulset_kubernetes_io_pod_name": pod,
                "strimzi_io_cluster": kafka.name,
            }
            size = per_topic_used / topic_partitions
            families.gauge("kas_topic_partition_log_size_bytes", labels, size)
            families.gauge("kas_broker_partition_log_size_bytes_top50", labels, size)

    namespace = {"namespace": ns}
    families.gauge("kafka_topic:kafka_topic_partitions:sum", namespace, float(partitions))
    families.gauge("kafka_topic:kafka_topic_partitions:count", namespace, float(len(TOPICS)))
    families.gauge("consumergroup:kafka_consumergroup_members:count", namespace, float(CONSUMER_GROUP_MEMBERS))
    families.gauge("kafka_namespace:kafka_server_socket_server_metrics_connection_count:sum", namespace, CONNECTIONS)
    families.gauge("kafka_namespace:kafka_server_socket_server_metrics_connection_creation_rate:sum", namespace, 0.2)
    haproxy = {"exported_namespace": ns}
    families.gauge("kafka_namespace:haproxy_server_bytes_in_total:rate5m", haproxy, BYTES_IN_PER_SECOND)
    families.gauge("kafka_namespace:haproxy_server_bytes_out_total:rate5m", haproxy, BYTES_OUT_PER_SECOND)
    instance = {"namespace": ns, "instance_name": kafka.name}
    families.gauge("kafka_instance_spec_brokers_desired_count", instance, 3.0)
    families.gauge("kafka_instance_max_message_size_limit", instance, 1_048_588.0)
    families.gauge("kafka_instance_partition_limit", instance, 1000.0)
    for broker_id in ("0", "1", "2"):
        families.gauge("kafka_instance_connection_limit", {**instance, "broker_id": broker_id}, 3000.0)
        families.gauge("kafka_instance_connection_creation_rate_limit", {**instance, "broker_id": broker_id}, 33.0)
