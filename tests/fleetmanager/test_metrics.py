"""Worker metrics under upstream's names (BEHAVIOUR.md §10), served on /metrics."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from fleetmanager import metrics
from kafkas import tasks
from kafkas.models import KafkaStatus
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sso_emulator")]


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_clean_pass_counts_a_success_and_records_its_duration(ready_cluster: Any) -> None:
    before = sample("kas_fleet_manager_reconciler_success_count", worker_type="kafka")
    kafka = KafkaFactory(cluster_id=ready_cluster.cluster_id)

    tasks.reconcile_kafka(kafka.id)

    assert sample("kas_fleet_manager_reconciler_success_count", worker_type="kafka") == before + 1
    assert sample("kas_fleet_manager_reconciler_duration_in_seconds", worker_type="kafka") > 0


def test_a_pass_with_an_error_counts_a_failure_and_its_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    failures = sample("kas_fleet_manager_reconciler_failure_count", worker_type="kafka")
    errors = sample("kas_fleet_manager_reconciler_errors_count", worker_type="kafka")
    kafka = KafkaFactory(cluster_id=ClusterFactory().cluster_id)

    def broken(kafka: Any) -> None:
        raise RuntimeError("bug")

    monkeypatch.setitem(tasks.STEPS, KafkaStatus.ACCEPTED, broken)
    tasks.reconcile_kafkas()

    assert sample("kas_fleet_manager_reconciler_failure_count", worker_type="kafka") == failures + 1
    assert sample("kas_fleet_manager_reconciler_errors_count", worker_type="kafka") == errors + 1
    kafka.refresh_from_db()
    assert kafka.last_reconcile_error == "RuntimeError: bug" and kafka.reconcile_failures == 1


def test_a_kafka_becoming_ready_counts_a_create(ready_cluster: Any) -> None:
    from agents.services import kafka_status_report

    created = sample("kas_fleet_manager_kafka_operations_success_count", operation="create")
    observed = sample("kas_fleet_manager_worker_kafka_duration_count", jobType="kafka_create")
    kafka = KafkaFactory(
        cluster_id=ready_cluster.cluster_id, status=KafkaStatus.PROVISIONING, bootstrap_server_host="h.kas.x"
    )

    kafka_status_report(
        cluster=ready_cluster,
        report={
            kafka.id: {
                "conditions": [{"type": "Ready", "status": "True"}],
                "routes": [{"router": "r.apps.cluster-ready-1.example.com"}],
            }
        },
    )

    kafka.refresh_from_db()
    assert kafka.status == KafkaStatus.READY
    assert sample("kas_fleet_manager_kafka_operations_success_count", operation="create") == created + 1
    assert sample("kas_fleet_manager_worker_kafka_duration_count", jobType="kafka_create") == observed + 1


def test_a_deleted_kafka_counts_a_delete() -> None:
    deleted = sample("kas_fleet_manager_kafka_operations_success_count", operation="delete")
    kafka = KafkaFactory(status=KafkaStatus.DEPROVISION)

    tasks.reconcile_kafka(kafka.id)

    assert sample("kas_fleet_manager_kafka_operations_success_count", operation="delete") == deleted + 1


def test_metrics_are_served_with_upstream_names(client: Any) -> None:
    KafkaFactory(status=KafkaStatus.READY)
    KafkaFactory(status=KafkaStatus.READY)
    KafkaFactory(status=KafkaStatus.FAILED)
    metrics.RECONCILER_SUCCESS.inc(worker_type="cluster")

    body = client.get("/metrics").content.decode()

    assert 'kas_fleet_manager_kafka_requests_status_count{status="ready"} 2.0' in body
    assert 'kas_fleet_manager_kafka_requests_status_count{status="failed"} 1.0' in body
    assert 'kas_fleet_manager_kafka_requests_status_count{status="accepted"} 0.0' in body
    assert 'kas_fleet_manager_reconciler_success_count{worker_type="cluster"}' in body
    assert "kas_fleet_manager_reconciler_success_count_total" not in body
