"""Worker metrics under upstream's names (BEHAVIOUR.md §10), served on /metrics."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
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


# --- API requests by route template ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "label"),
    [
        ("api/kafkas_mgmt/v1/kafkas", "/api/kafkas_mgmt/v1/kafkas"),
        ("api/kafkas_mgmt/v1/kafkas/<str:id>", "/api/kafkas_mgmt/v1/kafkas/-"),
        (
            "api/kafkas_mgmt/v1/agent-clusters/<str:id>/kafkas/status",
            "/api/kafkas_mgmt/v1/agent-clusters/-/kafkas/status",
        ),
        ("api/kafkas_mgmt/v1/kafkas$", "/api/kafkas_mgmt/v1/kafkas"),  # DRF router
        ("api/kafkas_mgmt/v1/kafkas/(?P<pk>[^/.]+)$", "/api/kafkas_mgmt/v1/kafkas/-"),
        ("api/kafkas_mgmt/v1/kafkas/(?P<pk>[^/.]+)/promote$", "/api/kafkas_mgmt/v1/kafkas/-/promote"),
        ("^api/kafkas_mgmt(?:/[\\s\\S]*)?$", "-"),  # the catch-all: no template
        (None, "-"),  # refused before routing
    ],
)
def test_the_path_label_is_the_route_template(route: str | None, label: str) -> None:
    assert metrics.route_label(route) == label


API_ROWS = [
    # method, path, token?, expected path label, code
    ("GET", "/api/kafkas_mgmt/v1/kafkas", True, "/api/kafkas_mgmt/v1/kafkas", "200"),
    ("GET", "/api/kafkas_mgmt/v1/kafkas", False, "/api/kafkas_mgmt/v1/kafkas", "401"),
    ("GET", "/api/kafkas_mgmt/v1/kafkas/c0ffee", True, "/api/kafkas_mgmt/v1/kafkas/-", "404"),
    ("GET", "/api/kafkas_mgmt/v1/errors/7", False, "/api/kafkas_mgmt/v1/errors/-", "200"),
    ("DELETE", "/api/kafkas_mgmt/v1/kafkas/c0ffee?async=true", True, "/api/kafkas_mgmt/v1/kafkas/-", "404"),
    ("GET", "/api/kafkas_mgmt/v1/no-such-thing", False, "-", "404"),
    ("GET", "/api/kafkas_mgmt/v1/kafkas/%00", True, "-", "404"),
]


@pytest.mark.parametrize(("method", "path", "token", "label", "code"), API_ROWS)
def test_api_requests_are_counted_and_timed_by_method_route_and_code(
    api: Any, method: str, path: str, token: bool, label: str, code: str
) -> None:
    labels = {"method": method, "path": label, "code": code}
    count = sample("api_inbound_request_count", **labels)
    observed = sample("api_inbound_request_duration_count", **labels)
    client = api.as_user() if token else api

    response = client.request(method.lower(), path)

    assert str(response.status_code) == code
    assert sample("api_inbound_request_count", **labels) == count + 1
    assert sample("api_inbound_request_duration_count", **labels) == observed + 1


def test_pages_outside_the_api_and_probes_are_not_api_requests(client: Any) -> None:
    before = sum(s.value for m in REGISTRY.collect() if m.name == "api_inbound_request_count" for s in m.samples)

    client.get("/healthz")
    client.get("/readyz")
    client.get("/metrics")

    after = sum(s.value for m in REGISTRY.collect() if m.name == "api_inbound_request_count" for s in m.samples)
    assert after == before


# --- gauges read from the database ----------------------------------------------------------------


def series(body: str, name: str) -> dict[str, float]:
    """``{'{labels}': value}`` of one metric in an exposition."""
    found = {}
    for line in body.splitlines():
        if line.startswith(name + "{"):
            labels, value = line[len(name) :].rsplit(" ", 1)
            found[labels] = float(value)
    return found


def test_cluster_counts_capacity_and_kafka_units_are_read_at_scrape_time(client: Any) -> None:
    # dev-standalone-1 is in the configuration file with kafka_instance_limit 20 (manual mode).
    listed = ClusterFactory(cluster_id="dev-standalone-1", external_id="ext-1")
    unlisted = ClusterFactory(cluster_id="free-1", supported_instance_type="developer")
    ClusterFactory(cluster_id="new-1", status="cluster_provisioning")
    KafkaFactory(cluster_id=listed.cluster_id, status=KafkaStatus.READY, size_id="x2")  # 2 units
    KafkaFactory(cluster_id=listed.cluster_id, status=KafkaStatus.PROVISIONING, instance_type="developer", size_id="x1")
    KafkaFactory(cluster_id=unlisted.cluster_id, status=KafkaStatus.READY, instance_type="developer", size_id="x1")

    body = client.get("/metrics").content.decode()

    counts = series(body, "kas_fleet_manager_cluster_status_count")
    assert counts['{status="ready"}'] == 2 and counts['{status="cluster_provisioning"}'] == 1
    assert counts['{status="failed"}'] == 0
    where = 'cloud_provider="aws",cluster_id="{1}",instance_type="{0}",region="us-east-1"'  # labels sort by name
    assert series(body, "kas_fleet_manager_cluster_status_capacity_used") == {
        "{" + where.format("standard", "dev-standalone-1") + "}": 2,
        "{" + where.format("developer", "dev-standalone-1") + "}": 1,
        "{" + where.format("developer", "free-1") + "}": 1,
    }
    # The file's limit covers both instance types: 20 units, 3 taken; free-1 has no limit.
    assert series(body, "kas_fleet_manager_cluster_status_capacity_max") == {
        "{" + where.format("standard", "dev-standalone-1") + "}": 19,
        "{" + where.format("developer", "dev-standalone-1") + "}": 18,
    }
    assert series(body, "kas_fleet_manager_cluster_status_capacity_available") == {
        "{" + where.format("standard", "dev-standalone-1") + "}": 17,
        "{" + where.format("developer", "dev-standalone-1") + "}": 17,
    }
    per_cluster = series(body, "kas_fleet_manager_kafka_per_cluster_count")
    assert per_cluster['{cluster_id="dev-standalone-1",external_id="ext-1"}'] == 3
    assert per_cluster['{cluster_id="free-1",external_id=""}'] == 1


def test_capacity_in_auto_mode_is_the_agents_maximum_within_the_region_limit(
    client: Any, settings: Any, config_dir: Path
) -> None:
    providers = config_dir / "provider-configuration.yaml"
    providers.write_text(providers.read_text().replace("standard: {}", "standard: {limit: 5}", 1))
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    cluster = ClusterFactory(
        cluster_id="osd-1",
        supported_instance_type="standard",
        dynamic_capacity_info={"standard": {"max_units": 30, "remaining_units": 30}},
    )
    KafkaFactory(cluster_id=cluster.cluster_id, status=KafkaStatus.READY)

    body = client.get("/metrics").content.decode()

    key = '{cloud_provider="aws",cluster_id="osd-1",instance_type="standard",region="us-east-1"}'
    # The agent says 30, the region allows 5.
    assert series(body, "kas_fleet_manager_cluster_status_capacity_max")[key] == 5
    assert series(body, "kas_fleet_manager_cluster_status_capacity_used")[key] == 1
    assert series(body, "kas_fleet_manager_cluster_status_capacity_available")[key] == 4


def test_version_gauges_carry_the_scrape_time_per_kafka_version_and_kind(client: Any) -> None:
    kafka = KafkaFactory(
        cluster_id="c1",
        status=KafkaStatus.READY,
        actual_strimzi_version="strimzi-cluster-operator.v0.23.0-0",
        desired_strimzi_version="strimzi-cluster-operator.v0.24.0-0",
        strimzi_upgrading=True,
        actual_kafka_version="3.1.0",
        desired_kafka_version="3.1.0",
    )
    before = time.time()

    body = client.get("/metrics").content.decode()

    strimzi = series(body, "strimzi_version")
    for kind, version in (
        ("actual", "strimzi-cluster-operator.v0.23.0-0"),
        ("desired", "strimzi-cluster-operator.v0.24.0-0"),
        ("upgrade", "strimzi-cluster-operator.v0.24.0-0"),
    ):
        key = f'{{cluster_id="c1",kafka_id="{kafka.id}",type="{kind}",version="{version}"}}'
        assert before - 1 <= strimzi[key] <= time.time() + 1
    assert len(strimzi) == 3
    assert len(series(body, "kafka_version")) == 2  # actual and desired, no upgrade in progress
    assert series(body, "kafka_ibp_version") == {}


def test_a_cluster_becoming_ready_for_the_first_time_counts_a_create_and_its_duration() -> None:
    from agents.services import cluster_status_report

    observed = sample("kas_fleet_manager_worker_cluster_duration_count", jobType="cluster_create")
    created = sample("kas_fleet_manager_cluster_operations_success_count", operation="create")
    cluster = ClusterFactory(status="waiting_for_kas_fleetshard_operator")
    ready = {"conditions": [{"type": "Ready", "status": "True"}]}
    not_ready = {"conditions": [{"type": "Ready", "status": "False"}]}

    cluster_status_report(cluster=cluster, report=ready)
    cluster_status_report(cluster=cluster, report=not_ready)
    cluster_status_report(cluster=cluster, report=ready)  # ready again: no new creation

    assert sample("kas_fleet_manager_worker_cluster_duration_count", jobType="cluster_create") == observed + 1
    assert sample("kas_fleet_manager_cluster_operations_success_count", operation="create") == created + 1


# --- multiprocess directories ------------------------------------------------------------------------


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_starting_removes_the_files_of_processes_that_no_longer_run(tmp_path: Path) -> None:
    gone, alive = dead_pid(), os.getpid()
    for name in (f"counter_{gone}.db", f"gauge_livemax_{gone}.db", f"histogram_{alive}.db", f"gauge_sum_{alive}.db"):
        (tmp_path / name).write_bytes(b"")

    removed = metrics.clean_stale_files(tmp_path)

    assert sorted(removed) == [f"counter_{gone}.db", f"gauge_livemax_{gone}.db"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"gauge_sum_{alive}.db", f"histogram_{alive}.db"]
