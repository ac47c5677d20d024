"""Failover: the reconciler process holding the leases is killed (-9) while Kafkas are being provisioned.

Two `qcluster` processes on PostgreSQL, the API (live server) and the simulated agent, with the
shipped lease and claim times (8 s, 12 s, a tick every 2 s). The lease holder dies mid-way;
the other process takes its leases over and works its claimed rows; every Kafka reaches ready,
and no step ran twice: one status change per step in each Kafka's history, one canary client
per Kafka in the SSO emulator. The full run with 200 Kafkas is `make bench` (BENCH_ONLY=failover).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.common import stop_processes, wait_for
from bench.fleet import (
    canary_problems,
    create_kafkas,
    follow_failover,
    holder_pid,
    kill_group,
    start_agent,
    start_manage,
    start_qclusters,
    step_problems,
    user_headers,
)
from clusters.models import Cluster, ClusterStatus
from clusters.tasks import reconcile_clusters
from fleetmanager.emulators import SSOEmulator
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import worker_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

KAFKAS = 12


def test_killing_the_lease_holder_loses_nothing_and_repeats_nothing(
    live_server: Any, sso_emulator: SSOEmulator, tmp_path: Path
) -> None:
    env = worker_env(FLEET_Q_WORKERS="2")
    start_manage("setup", ["setup_schedules"], env, tmp_path).wait()
    reconcile_clusters()  # the configured cluster and its agent's credentials
    qclusters = start_qclusters(2, env, tmp_path)
    options = ["--resync-interval", "1", "--ready-after", "6", "--render-dir", str(tmp_path / "dataplane")]
    agent = start_agent(live_server.url, env, tmp_path, *options)
    try:
        wait_for(lambda: Cluster.objects.filter(status=ClusterStatus.READY).exists(), 60, "a ready cluster")
        wait_for(lambda: holder_pid("cluster") in {p.pid for p in qclusters}, 30, "a qcluster to lead")
        created = create_kafkas(live_server.url, [f"failover-{i}" for i in range(KAFKAS)], 1, user_headers())
        assert [c.status for c in created] == [202] * KAFKAS
        # Mid-way: everything is claimed or provisioning, nothing is ready yet (the agent waits 6 s).
        wait_for(
            lambda: KafkaRequest.objects.filter(status=KafkaStatus.PROVISIONING).count() >= KAFKAS // 2,
            30,
            "half the Kafkas provisioning",
        )
        victim = next(p for p in qclusters if p.pid == holder_pid("cluster"))
        survivor = next(p for p in qclusters if p is not victim)
        timeline = follow_failover(kill_group(victim), survivor.pid, KAFKAS, timeout=90)
    finally:
        stop_processes([p for p in [*qclusters, agent] if p.poll() is None])

    print(f"failover ({KAFKAS} Kafkas): {timeline}")
    assert timeline.takeover is not None and timeline.takeover < 15, timeline
    assert timeline.reworked is not None and timeline.reworked < 20, timeline
    assert timeline.last_ready is not None and timeline.last_ready < 60, timeline
    assert step_problems() == []
    assert canary_problems(sso_emulator, KAFKAS) == []  # one canary per Kafka and the cluster's agent client
