"""A Kafka's metrics in the Prometheus text format, for its users' own Prometheus to scrape (§1.9, §13.3).

Only the metrics of the catalogue, as gauges, with their federated labels; a series whose kept
labels repeat another's is left out (the text format allows each label set once).
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fleetmanager.integrations.observatorium import Series
from kafkas.observability.catalogue import BY_NAME

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _KafkaMetricsCollector(Collector):
    def __init__(self, series: list[Series]) -> None:
        self._series = series

    def collect(self) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for series in self._series:
            metric = BY_NAME.get(series.labels.get("__name__", ""))
            if metric is None or not series.samples:
                continue
            values = tuple(series.labels.get(label, "") for label in metric.labels)
            if (metric.name, values) in seen:
                continue
            seen.add((metric.name, values))
            family = families.setdefault(
                metric.name, GaugeMetricFamily(metric.name, metric.help, labels=list(metric.labels))
            )
            family.add_metric(list(values), series.samples[-1].value)
        yield from families.values()


def federate_text(series: list[Series]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_KafkaMetricsCollector(series))
    return generate_latest(registry)
