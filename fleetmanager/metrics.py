"""Prometheus metrics with upstream's names (BEHAVIOUR.md §10), shared by API and workers.

Upstream's counters are named without the `_total` suffix that prometheus_client
appends to every Counter (`kas_fleet_manager_kafka_operations_success_count`).
Dashboards and alerts query those names, so counting metrics are exposed as
gauges that only ever grow (`UpstreamCounter`); in multiprocess mode their values
are summed over every process, live or dead, like counters.

With `PROMETHEUS_MULTIPROC_DIR` set (make run, production), each process writes its
metrics to files in that directory and `/metrics` merges them: every gunicorn worker
(and, on one host, the reconciler processes) adds up. Files of processes that are gone
are removed when the processes of the directory start (``clean_stale_files``: gunicorn's
``on_starting``, `make run`; a Kubernetes pod starts with an empty directory): a new
incarnation may reuse their pids.
Live-only gauges (the leader gauge) of processes that exited are dropped at each scrape.

Gauges read from the database at scrape time (status counts, capacity, versions) are
registered by the apps (`register_database_gauge` in their `AppConfig.ready()`), so the
core imports no app. Every web replica reports them identically: aggregate them with
``max``, not ``sum``, across replicas.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
CLUSTER_CREATE_DURATION = Histogram(
    f"{PREFIX}worker_cluster_duration",
    "Seconds from creation until a data-plane cluster is ready",
    ("jobType",),
    buckets=(1800, 2400, 3600, 4800, 7200, 10800),
)

# The API SLIs (availability and latency) are computed from these two, by route template.
API_INBOUND_COUNT = UpstreamCounter(
    "api_inbound_request_count", "API requests by method, route template and status code", ("method", "path", "code")
)
API_INBOUND_DURATION = Histogram(
    "api_inbound_request_duration",
    "Seconds to answer an API request, by method, route template and status code",
    ("method", "path", "code"),
    buckets=(0.1, 1, 2, 5, 10, 30),
)
UNKNOWN_ROUTE = "-"
_CONVERTER = re.compile(r"<[^>]+>")  # path("kafkas/<str:id>")
_NAMED_GROUP = re.compile(r"\(\?P<[^>]+>(?:[^()]|\([^()]*\))*\)")  # DRF routers: ^kafkas/(?P<pk>[^/.]+)$
_REGEX = re.compile(r"[()\[\]?*+\\|{}]")


def route_label(route: str | None) -> str:
    """Upstream's path label: the route template, each variable part ``-``; ``-`` when no route matched.

    ``api/kafkas_mgmt/v1/kafkas/<str:id>`` and DRF's ``api/kafkas_mgmt/v1/kafkas/(?P<pk>[^/.]+)$``
    -> ``/api/kafkas_mgmt/v1/kafkas/-``. A route that stays a regular expression (the catch-all
    answering 404 under the API) is no template: ``-``, so unknown paths never make new series.
    """
    if not route:
        return UNKNOWN_ROUTE
    template = _CONVERTER.sub("-", _NAMED_GROUP.sub("-", route)).replace("^", "").replace("$", "")
    if _REGEX.search(template):
        return UNKNOWN_ROUTE
    return "/" + template


@dataclass(frozen=True, slots=True)
class DatabaseGauge:
    """A gauge read from the database at scrape time by ``read``.

    ``label`` names one label (``read`` returns ``{value: number}``) or several
    (``read`` returns ``{(value, ...): number}``, in the order of the labels).
    """

    name: str
    documentation: str
    label: str | tuple[str, ...]
    read: Callable[[], Mapping[str, float] | Mapping[tuple[str, ...], float]]

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label,) if isinstance(self.label, str) else self.label


# Filled by the apps in their AppConfig.ready(): the core knows no app, each app knows its rows.
_DATABASE_GAUGES: dict[str, DatabaseGauge] = {}


class ScrapeCache:
    """One reading of ``read`` shared by several gauges within a scrape (each scrape reads afresh)."""

    def __init__(self, read: Callable[[], Any]) -> None:
        self._read = read
        self._value: Any = None
        self._fresh = False
        _SCRAPE_CACHES.append(self)

    def get(self) -> Any:
        if not self._fresh:
            self._value = self._read()
            self._fresh = True
        return self._value

    def forget(self) -> None:
        self._fresh = False


_SCRAPE_CACHES: list[ScrapeCache] = []


def register_database_gauge(gauge: DatabaseGauge) -> None:
    """Expose ``gauge`` on /metrics (registering the same name again replaces it)."""
    _DATABASE_GAUGES[gauge.name] = gauge


class DatabaseCollector:
    """Gauges read from the database at scrape time, so every replica reports the same truth."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for cache in _SCRAPE_CACHES:
            cache.forget()
        for gauge in _DATABASE_GAUGES.values():
            try:
                values = gauge.read()
            except DatabaseError:
                continue  # an unreachable database must not break the scrape of the other metrics
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            for key, value in values.items():
                family.add_metric([key] if isinstance(key, str) else list(key), value)
            yield family


# --- multiprocess mode ---------------------------------------------------------------------------

_FILE = re.compile(r"^(?P<kind>[a-z_]+)_(?P<pid>\d+)\.db$")


def multiprocess_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(value) if value else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def clean_stale_files(directory: Path) -> list[str]:
    """Remove the files of processes that no longer run (a previous start); returns their names.

    Called as the processes of the directory start, before they write: a file left by an
    earlier incarnation would otherwise be read again by a new process with the same pid.
    Files of live processes are kept (on one host, the reconcilers' beside the web's).
    """
    directory.mkdir(parents=True, exist_ok=True)
    removed = []
    for path in directory.glob("*.db"):
        found = _FILE.match(path.name)
        if found and not _alive(int(found["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def forget_dead_live_gauges(directory: Path) -> None:
    """Drop the live-only gauges (``livemax``, ``livesum``...) of processes that exited (a recycled worker)."""
    for path in directory.glob("gauge_live*_*.db"):
        found = _FILE.match(path.name)
        if found and not _alive(int(found["pid"])):
            multiprocess.mark_process_dead(int(found["pid"]), str(directory))


def process_metrics() -> CollectorRegistry:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of every process of the directory."""
    directory = multiprocess_dir()
    if directory is None:
        return REGISTRY
    forget_dead_live_gauges(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition: the processes' metrics plus the gauges read from the database."""
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = b"".join(generate_latest(source) for source in (process_metrics(), database))
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
