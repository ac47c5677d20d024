"""A Kafka's metrics from Observatorium, for the users who may see the Kafka (§1.9, §13).

Upstream runs one query per distinct label selector, concurrently, and fails the whole call
when any query fails; so does this module. Without an Observatorium (FLEET_OBSERVATORIUM_URL
empty, e.g. `make run` on a machine without Prometheus) every answer is empty, not an error.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from fleetmanager import errors
from fleetmanager.integrations.observatorium import (
    ObservatoriumClient,
    ObservatoriumError,
    Series,
    observatorium_client,
)
from fleetmanager.principal import Principal
from kafkas import selectors
from kafkas.models import KafkaRequest
from kafkas.observability.catalogue import promql_queries

logger = logging.getLogger("fleetmanager.kafkas.metrics")

MAX_CONCURRENT_QUERIES = 8
# Prometheus refuses a range query of more points per series than this; asking is the caller's mistake.
MAX_POINTS = 11_000
MAX_DURATION_MINUTES = 4320  # the contract's bounds
MAX_INTERVAL_SECONDS = 10800


Ask = Callable[[ObservatoriumClient, str], list[Series]]


@dataclass(frozen=True, slots=True)
class KafkaMetrics:
    """The series of one Kafka (``kafka_id`` is what the list's ``id`` says)."""

    kafka_id: str
    series: list[Series] = field(default_factory=list)


def kafka_metrics(*, principal: Principal, kafka_id: str, filters: list[str] | None) -> KafkaMetrics:
    """The newest value of each series of the Kafka's metrics (instant queries)."""
    kafka = selectors.kafka_get(principal=principal, kafka_id=kafka_id)
    return _run(kafka, filters, lambda client, query: client.query(query))


def kafka_metrics_range(
    *, principal: Principal, kafka_id: str, duration_minutes: int, interval_seconds: int, filters: list[str] | None
) -> KafkaMetrics:
    """The Kafka's metrics over the last ``duration_minutes``, a point every ``interval_seconds``."""
    _check_range(duration_minutes, interval_seconds)
    kafka = selectors.kafka_get(principal=principal, kafka_id=kafka_id)
    end = timezone.now()
    start = end - timedelta(minutes=duration_minutes)
    return _run(
        kafka,
        filters,
        lambda client, query: client.query_range(query, start=start, end=end, step_seconds=interval_seconds),
    )


def _check_range(duration_minutes: int, interval_seconds: int) -> None:
    for name, value, maximum in (
        ("duration", duration_minutes, MAX_DURATION_MINUTES),
        ("interval", interval_seconds, MAX_INTERVAL_SECONDS),
    ):
        if not 1 <= value <= maximum:
            raise errors.bad_request(f"bad request, query parameter '{name}' must be between 1 and {maximum}")
    if duration_minutes * 60 // interval_seconds > MAX_POINTS:
        raise errors.bad_request(
            f"bad request, {duration_minutes} minutes every {interval_seconds} seconds is more than "
            f"{MAX_POINTS} points per series: choose a longer interval"
        )


def _run(kafka: KafkaRequest, filters: list[str] | None, ask: Ask) -> KafkaMetrics:
    client = observatorium_client()
    if client is None:
        logger.info("no Observatorium configured (FLEET_OBSERVATORIUM_URL): kafka %s has no metrics", kafka.id)
        return KafkaMetrics(kafka.id)
    if not kafka.namespace:
        return KafkaMetrics(kafka.id)  # not on a data plane yet: nothing can have been scraped
    queries = promql_queries(kafka.namespace, filters)
    if not queries:
        return KafkaMetrics(kafka.id)
    with ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_QUERIES, len(queries))) as pool:
        # Each query runs in the caller's context, so its deadline (a synchronous request's) applies there too.
        futures = [pool.submit(contextvars.copy_context().run, _ask, ask, client, query) for query in queries]
        results = [future.result() for future in futures]
    failures = [failure for failure in results if isinstance(failure, str)]
    if failures:
        logger.warning("kafka %s: %d of %d metric queries failed", kafka.id, len(failures), len(queries))
        raise errors.ServiceError(errors.GENERAL, f"failed to retrieve metrics: {'; '.join(sorted(set(failures)))}")
    return KafkaMetrics(kafka.id, [series for result in results for series in result])


def _ask(ask: Ask, client: ObservatoriumClient, query: str) -> list[Series] | str:
    """The query's series, or the failure's message (naming Observatorium)."""
    try:
        return ask(client, query)
    except ObservatoriumError as exc:
        return str(exc)
