"""Prometheus metrics with upstream's names (BEHAVIOUR.md §10), shared by API and workers.

Upstream's counters are named without the `_total` suffix that prometheus_client
appends to every Counter (`kas_fleet_manager_kafka_operations_success_count`).
Dashboards and alerts query those names, so counting metrics are exposed as
gauges that only ever grow (`UpstreamCounter`); in multiprocess mode their values
are summed over every process, live or dead, like counters.

With `PROMETHEUS_MULTIPROC_DIR` set (make run, production), metrics written by
the reconciler processes are merged into the API's `/metrics`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

PREFIX = "kas_fleet_manager_"


class UpstreamCounter:
    """A monotonically increasing value exposed under upstream's exact (suffix-less) name."""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> None:
        self._gauge = Gauge(name, documentation, labelnames, multiprocess_mode="sum")

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self._gauge.labels(**labels).inc(amount)

    def value(self, **labels: str) -> float:
        """The current value in this process (tests)."""
        return self._gauge.labels(**labels)._value.get()


RECONCILER_DURATION = Gauge(
    f"{PREFIX}reconciler_duration_in_seconds",
    "Duration of the last reconcile pass, per worker type",
    ("worker_type",),
    multiprocess_mode="mostrecent",
)
RECONCILER_SUCCESS = UpstreamCounter(
    f"{PREFIX}reconciler_success_count", "Reconcile passes without errors", ("worker_type",)
)
RECONCILER_FAILURE = UpstreamCounter(
    f"{PREFIX}reconciler_failure_count", "Reconcile passes with at least one error", ("worker_type",)
)
RECONCILER_ERRORS = UpstreamCounter(
    f"{PREFIX}reconciler_errors_count", "Errors during reconcile passes", ("worker_type",)
)
LEADER_WORKER = Gauge(
    f"{PREFIX}leader_worker",
    "1 while this process leads the worker type",
    ("worker_type",),
    multiprocess_mode="livemax",
)
KAFKA_OPERATIONS_SUCCESS = UpstreamCounter(
    f"{PREFIX}kafka_operations_success_count", "Kafka operations that succeeded", ("operation",)
)
KAFKA_OPERATIONS_TOTAL = UpstreamCounter(f"{PREFIX}kafka_operations_total_count", "Kafka operations", ("operation",))
KAFKA_CREATE_DURATION = Histogram(
    f"{PREFIX}worker_kafka_duration",
    "Seconds from creation until a Kafka is ready",
    ("jobType",),
    buckets=(1, 30, *range(60, 601, 30), 900, 1200, 1800, 2400, 3600, 4800, 7200),
)
CLUSTER_OPERATIONS_SUCCESS = UpstreamCounter(
    f"{PREFIX}cluster_operations_success_count", "Cluster operations that succeeded", ("operation",)
)
CLUSTER_OPERATIONS_TOTAL = UpstreamCounter(
    f"{PREFIX}cluster_operations_total_count", "Cluster operations", ("operation",)
)


@dataclass(frozen=True, slots=True)
class DatabaseGauge:
    """A gauge with one label, its values read from the database at scrape time by ``read``."""

    name: str
    documentation: str
    label: str
    read: Callable[[], Mapping[str, float]]


# Filled by the apps in their AppConfig.ready(): the core knows no app, each app knows its rows.
_DATABASE_GAUGES: dict[str, DatabaseGauge] = {}


def register_database_gauge(gauge: DatabaseGauge) -> None:
    """Expose ``gauge`` on /metrics (registering the same name again replaces it)."""
    _DATABASE_GAUGES[gauge.name] = gauge


class DatabaseCollector:
    """Gauges read from the database at scrape time, so every replica reports the same truth."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in _DATABASE_GAUGES.values():
            try:
                values = gauge.read()
            except DatabaseError:
                continue  # an unreachable database must not break the scrape of the other metrics
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
            for label, value in values.items():
                family.add_metric([label], value)
            yield family


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition: this process, or every process with PROMETHEUS_MULTIPROC_DIR, plus the DB gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        sources = [registry]
    else:
        sources = [REGISTRY]
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = b"".join(generate_latest(source) for source in (*sources, database))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
