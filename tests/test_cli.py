"""The operator CLI (`manage.py kafka|cluster|cloud_providers|errors|leases|reconcile`).

In-process through `call_command` for what each command does, and as real processes for what a
script relies on: the exit codes, one-line errors on stderr, no traceback.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from agents.simulator import AgentOptions, SimulatedAgent, TokenCache
from clusters.models import Cluster, ClusterStatus
from clusters.tasks import reconcile_clusters
from fleetmanager.cli import CommandFailed
from fleetmanager.devtokens import mint_token
from fleetmanager.models import AuditEntry
from kafkas.models import KafkaRequest, KafkaStatus
from kafkas.tasks import reconcile_kafkas
from tests.conftest import ORG, worker_env
from tests.factories import ClusterFactory, KafkaFactory
from tests.test_end_to_end import Background, wait_for

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
CLUSTER = "dev-standalone-1"


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command as an operator runs it: a process of its own, on this test's database."""
    return subprocess.run(
        [*MANAGE, *args], env=worker_env(), capture_output=True, text=True, timeout=timeout, check=False
    )


# --- kafka ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kafka_list_and_get_as_a_table_and_as_json(ready_cluster: Any) -> None:
    kafka = KafkaFactory(name="orders", status=KafkaStatus.READY, cluster_id=ready_cluster.cluster_id)
    KafkaFactory(name="other-org", organisation_id="70000001")

    listed = run("kafka", "list", "--org", ORG)
    as_json = json.loads(run("kafka", "list", "--status", "ready", "-o", "json"))
    shown = run("kafka", "get", kafka.id)

    assert listed.splitlines()[0].split()[:3] == ["ID", "NAME", "STATUS"]
    assert "orders" in listed and "other-org" not in listed
    assert as_json["total"] == 1 and as_json["items"][0]["id"] == kafka.id
    assert f"id                     {kafka.id}" in shown and "standard.x1" in shown


@pytest.mark.django_db
def test_kafka_list_pages_with_limit() -> None:
    for index in range(3):
        KafkaFactory(name=f"k-{index}")

    listed = run("kafka", "list", "--limit", "2")

    assert len(listed.splitlines()) == 4  # header, two rows, "(2 of 3 ...)"
    assert "(2 of 3; --limit shows more)" in listed


@pytest.mark.django_db
def test_kafka_create_is_audited_as_the_operator(ready_cluster: Any) -> None:
    out = run("kafka", "create", "--name", "from-cli", "--owner", "alice", "--org", ORG)

    kafka = KafkaRequest.objects.get(name="from-cli")
    assert f"kafka from-cli ({kafka.id}) accepted" in out
    entry = AuditEntry.objects.get(action="kafka.create")
    assert (entry.actor_kind, entry.object_id, entry.outcome) == ("cli", kafka.id, "done")
    assert "manage.py kafka create" in entry.actor


@pytest.mark.django_db
def test_a_refused_create_says_why_writes_nothing_and_is_audited(ready_cluster: Any) -> None:
    with pytest.raises(CommandFailed) as refused:
        run("kafka", "create", "--name", "Bad_Name", "--owner", "alice", "--org", ORG)

    assert refused.value.returncode == 1
    assert "name does not match" in str(refused.value) and "MalformedKafkaClusterName, 32" in str(refused.value)
    assert not KafkaRequest.objects.exists()
    assert AuditEntry.objects.get(action="kafka.create").outcome == "refused"


@pytest.mark.django_db
def test_suspend_resume_and_delete_go_through_the_services(ready_cluster: Any) -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY, cluster_id=ready_cluster.cluster_id)

    run("kafka", "suspend", kafka.id)
    assert KafkaRequest.objects.get(pk=kafka.pk).status == KafkaStatus.SUSPENDING
    with pytest.raises(CommandFailed, match="only a suspended Kafka can be resumed"):
        run("kafka", "resume", kafka.id)  # suspending is not suspended yet
    run("kafka", "delete", kafka.id)

    assert KafkaRequest.objects.get(pk=kafka.pk).status == KafkaStatus.DEPROVISION
    outcomes = list(AuditEntry.objects.order_by("id").values_list("action", "outcome"))
    assert outcomes == [("kafka.suspend", "done"), ("kafka.resume", "refused"), ("kafka.deprovision", "done")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kafka_create_wait_follows_the_kafka_to_ready(live_server: Any, sso_emulator: Any) -> None:
    """The whole loop: reconcilers and the simulated agent running, `kafka create --wait` until ready."""
    worker = Background(lambda: (reconcile_clusters(), reconcile_kafkas()), interval=0.2)
    agent = SimulatedAgent(
        options=AgentOptions(api_url=live_server.url, cluster_id=CLUSTER, poll_interval=0.2, resync_interval=1),
        token=TokenCache(lambda: mint_token(client_id=f"kas-fleetshard-agent-{CLUSTER}")),
    )
    stop = threading.Event()
    agent_thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    try:
        wait_for(lambda: Cluster.objects.filter(cluster_id=CLUSTER).exists(), 20, "the configured cluster")
        agent_thread.start()
        wait_for(lambda: Cluster.objects.filter(status=ClusterStatus.READY).exists(), 20, "a ready cluster")

        out = run("kafka", "create", "--name", "waited", "--owner", "alice", "--org", ORG, "--wait", "--timeout", "30")
    finally:
        stop.set()
        agent_thread.join(timeout=10)
        worker.close()

    lines = out.splitlines()
    assert lines[0].startswith("kafka waited (") and lines[0].endswith(") accepted")
    progress = [line.split()[-1] for line in lines[1:]]
    assert progress[0] == "accepted" and progress[-1] == "ready"
    assert all(line.split()[0].endswith("s") for line in lines[1:])  # elapsed seconds on each line
    assert KafkaRequest.objects.get(name="waited").status == KafkaStatus.READY


# --- what scripts rely on: exit codes and one-line errors -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (["kafka", "get", "nope"], 1, "error: KafkaResource with id='nope' not found (NotFound, 7)"),
        (["kafka", "create", "--owner", "alice"], 2, "the following arguments are required: --name, --org"),
        (["kafka", "list", "--status", "sleepy"], 2, "invalid choice: 'sleepy'"),
        (["kafka", "delete", "x", "--wait", "--timeout", "-1"], 2, "must be more than 0 seconds"),
        (["kafka"], 2, "the following arguments are required: ACTION"),
        (["cluster", "cordon", "nowhere"], 1, "error: no live cluster with cluster id 'nowhere' (NotFound, 7)"),
        (["errors", "99999"], 1, "error: no error with code 99999"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_exit_codes_and_errors_for_scripts(args: list[str], code: int, stderr: str) -> None:
    result = cli(*args)

    assert result.returncode == code, result.stderr
    assert stderr in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_wait_that_runs_out_exits_3(ready_cluster: Any) -> None:
    """No reconciler runs here, so the new Kafka stays accepted until --timeout."""
    result = cli("kafka", "create", "--name", "stuck", "--owner", "alice", "--org", ORG, "--wait", "--timeout", "1")

    assert result.returncode == 3, result.stderr
    assert "accepted" in result.stdout  # the progress line, plain: stdout is not a terminal
    assert "error: timed out after 1s; kafka" in result.stderr and "is accepted" in result.stderr
    assert "\r" not in result.stdout  # no spinner outside a terminal


# --- clusters and the rest ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cluster_list_cordon_and_uncordon() -> None:
    cluster = ClusterFactory(cluster_id="c-cli", dynamic_capacity_info={"standard": {"max_units": 10}})
    KafkaFactory(cluster_id="c-cli", status=KafkaStatus.READY)

    listed = run("cluster", "list")
    run("cluster", "cordon", "c-cli")
    cordoned = Cluster.objects.get(pk=cluster.pk).schedulable
    with pytest.raises(CommandFailed, match="already cordoned"):
        run("cluster", "cordon", "c-cli")
    run("cluster", "uncordon", "c-cli")

    row = next(line for line in listed.splitlines() if line.startswith("c-cli"))
    assert "ready" in row and "standard 1/10" in row
    assert cordoned is False and Cluster.objects.get(pk=cluster.pk).schedulable is True
    actions = list(AuditEntry.objects.order_by("id").values_list("action", "outcome", "actor_kind"))
    assert actions == [
        ("cluster.cordon", "done", "cli"),
        ("cluster.cordon", "refused", "cli"),
        ("cluster.uncordon", "done", "cli"),
    ]


@pytest.mark.django_db
def test_an_empty_managed_cluster_is_deprovisioned_and_a_busy_one_refused() -> None:
    empty = ClusterFactory(cluster_id="c-empty")
    busy = ClusterFactory(cluster_id="c-busy")
    KafkaFactory(cluster_id="c-busy", status=KafkaStatus.READY)

    run("cluster", "deprovision", "c-empty")
    with pytest.raises(CommandFailed, match="still holds Kafkas"):
        run("cluster", "deprovision", "c-busy")

    assert Cluster.objects.get(pk=empty.pk).status == ClusterStatus.DEPROVISIONING
    assert Cluster.objects.get(pk=busy.pk).status == ClusterStatus.READY


@pytest.mark.django_db
def test_cloud_providers_errors_leases_and_reconcile_status() -> None:
    providers = json.loads(run("cloud_providers", "-o", "json"))
    catalogue = run("errors")
    one = json.loads(run("errors", "24", "-o", "json"))
    leases = json.loads(run("leases", "-o", "json"))
    status = json.loads(run("reconcile", "status", "-o", "json"))
    text = run("reconcile", "status")

    assert {"provider": "aws", "region": "us-east-1"}.items() <= providers[0].items()
    assert "KAFKAS-MGMT-7" in catalogue and len(catalogue.splitlines()) == 48  # header and 47 codes
    assert one == {"code": "KAFKAS-MGMT-24", "name": "TooManyKafkaInstancesReached", "reason": one["reason"]}
    assert leases == []
    assert set(status) == {
        "queue",
        "failed_tasks_last_hour",
        "schedules",
        "leases",
        "kafkas_backing_off",
        "clusters_backing_off",
    }
    assert text.startswith("queue: ")
