"""Recording Kafka operations in upstream's metrics."""

from __future__ import annotations

from fleetmanager import metrics


def operation_succeeded(operation: str) -> None:
    metrics.KAFKA_OPERATIONS_SUCCESS.inc(operation=operation)
    metrics.KAFKA_OPERATIONS_TOTAL.inc(operation=operation)


def operation_failed(operation: str) -> None:
    metrics.KAFKA_OPERATIONS_TOTAL.inc(operation=operation)


def kafka_became_ready(seconds_since_creation: float) -> None:
    metrics.KAFKA_CREATE_DURATION.labels(jobType="kafka_create").observe(seconds_since_creation)
    operation_succeeded("create")
