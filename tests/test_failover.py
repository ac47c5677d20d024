"""Failover: the reconciler process holding the leases is killed (-9) while Kafkas are being provisioned.

Two `qcluster` processes on PostgreSQL, the API (live server) and the simulated agent, with the
shipped lease and claim times (8 s, 12 s, a tick every 2 s). The lease holder dies mid-way;
the other process takes its leases over and works its claimed rows; every Kafka reaches ready,
and no step ran twice: one status change per step in each Kafka's history, one canary client
per Kafka in the SSO emulator. The full run with 200 Kafkas is `make bench` (BENCH_ONLY=failover).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from bench.common import stop_processes
from clusters.models import Cluster, ClusterStatus
from clusters.tasks import reconcile_clusters
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import SSOEmulator
from fleetmanager.models import LeaderLease
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from tests.conftest import ORG, worker_env
from tests.test_end_to_end import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
KAFKAS = 12
STEPS = ["accepted", "preparing", "provisioning", "ready"]


def start(name: str, args: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*MANAGE, *args],
        env=env,
        stdout=(logs / f"{name}.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its workers too
    )


def holder_pid(lease_type: str) -> int | None:
    lease = LeaderLease.objects.filter(lease_type=lease_type).first()
    if lease is None or not lease.leader or lease.expires is None:
        return None
    return int(lease.leader.split(":")[1])


def test_killing_the_lease_holder_loses_nothing_and_repeats_nothing(
    live_server: Any, sso_emulator: SSOEmulator, tmp_path: Path
) -> None:
    env = worker_env(FLEET_Q_WORKERS="2")
    subprocess.run([*MANAGE, "setup_schedules"], env=env, check=True, capture_output=True)
    reconcile_clusters()  # the configured cluster and its agent's credentials
    qclusters = [start(f"qcluster-{i}", ["qcluster"], env, tmp_path) for i in range(2)]
    agent = start(
        "agent",
        ["fleetshard_agent", "--all-clusters", "--api-url", live_server.url, "--poll-interval", "0.5",
         "--resync-interval", "1", "--ready-after", "6"],
        env,
        tmp_path,
    )  # fmt: skip
    try:
        wait_for(lambda: Cluster.objects.filter(status=ClusterStatus.READY).exists(), 60, "a ready cluster")
        wait_for(lambda: holder_pid("cluster") in {p.pid for p in qclusters}, 30, "a qcluster to lead")
        headers = {"Authorization": f"Bearer {mint_token(username='alice', org_id=ORG)}"}
        for index in range(KAFKAS):
            response = requests.post(
                f"{live_server.url}/api/kafkas_mgmt/v1/kafkas?async=true",
                json={"name": f"failover-{index}"},
                headers=headers,
                timeout=10,
            )
            assert response.status_code == 202, response.text
        # Mid-way: everything is claimed or provisioning, nothing is ready yet (the agent waits 6 s).
        wait_for(
            lambda: KafkaRequest.objects.filter(status=KafkaStatus.PROVISIONING).count() >= KAFKAS // 2,
            30,
            "half the Kafkas provisioning",
        )
        victim = next(p for p in qclusters if p.pid == holder_pid("cluster"))
        survivor = next(p for p in qclusters if p is not victim)
        os.killpg(victim.pid, signal.SIGKILL)
        killed = time.monotonic()

        wait_for(lambda: holder_pid("cluster") == survivor.pid, 30, "the survivor to take the cluster lease over")
        takeover = time.monotonic() - killed
        wait_for(lambda: KafkaRequest.objects.filter(status=KafkaStatus.READY).count() == KAFKAS, 90, "all ready")
        all_ready = time.monotonic() - killed
    finally:
        stop_processes([p for p in [*qclusters, agent] if p.poll() is None])

    assert takeover < 15, f"the leases were taken over {takeover:.1f}s after the kill"
    assert all_ready < 60, f"the last Kafka was ready {all_ready:.1f}s after the kill"
    history = Counter(KafkaStatusChange.objects.values_list("kafka_id", "to_status"))
    for kafka in KafkaRequest.objects.all():
        assert [s for s in STEPS if history[(kafka.id, s)] == 1] == STEPS, f"{kafka.name}: {history}"
        assert sum(count for (kafka_id, _), count in history.items() if kafka_id == kafka.id) == len(STEPS)
    canaries = [c["clientId"] for c in sso_emulator.clients() if c["clientId"].startswith("canary-")]
    assert len(canaries) == len(set(canaries)) == KAFKAS
    creations = [path for method, path in sso_emulator.requests if method == "POST" and path.endswith("/clients")]
    assert len(creations) == KAFKAS + 1  # one canary per Kafka and the cluster's agent client, none twice
    print(f"failover: kill -> takeover {takeover:.1f}s, kill -> last ready {all_ready:.1f}s ({KAFKAS} Kafkas)")
