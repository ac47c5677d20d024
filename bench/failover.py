"""Failover under load (issue 15, item 2): the lease holder killed -9 mid-way through provisioning 200 Kafkas.

Two `qcluster` processes (2 workers each, the shipped lease, claim and tick times) on a throwaway
PostgreSQL database, gunicorn as deployed, the emulators and the simulated agent (each Kafka
Installing for `BENCH_FAILOVER_READY_AFTER` s). `BENCH_FAILOVER_KAFKAS` (200) Kafkas are created
through the API by 8 concurrent clients; once half of them exist, the process holding the cluster
lease is killed with its workers (kill -9 of its process group). Reports the timeline from the
kill (lease takeover, the rows claimed at the kill worked again, last Kafka ready) and checks that
every Kafka is ready, that each status step is in every Kafka's history exactly once, and that the
SSO emulator holds one canary client per Kafka, none created twice. The small version runs in
`make test` (tests/test_failover.py), with the same harness (bench/fleet.py).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time

from bench.common import print_and_keep, wait_for
from bench.fleet import (
    bench_world,
    canary_problems,
    claimed_rows,
    create_kafkas,
    follow_failover,
    holder_pid,
    kill_group,
    status_counts,
    step_problems,
    user_headers,
)

KAFKAS = int(os.environ.get("BENCH_FAILOVER_KAFKAS", "200"))
READY_AFTER = os.environ.get("BENCH_FAILOVER_READY_AFTER", "6")
CLIENTS = 8
CLAIMED_AT_KILL = 2  # the kill waits (5 s at most) for this many rows in some worker's hands
# The configured cluster takes every Kafka of the run (it ships with room for 20).
ROOM = {"dataplane-cluster-configuration.yaml": ("kafka_instance_limit: 20", "kafka_instance_limit: 2000")}


def run() -> list[str]:
    with bench_world("failover", replacements=ROOM, FLEET_Q_WORKERS="2") as world:
        from kafkas.models import KafkaRequest

        url = world.start(
            qclusters=2, agent_options=["--resync-interval", "1", "--ready-after", READY_AFTER, "--capacity", "2000"]
        )
        names = [f"failover-{index}" for index in range(KAFKAS)]
        created: list = []
        started = time.monotonic()
        creator = threading.Thread(
            target=lambda: created.extend(create_kafkas(url, names, CLIENTS, user_headers())), daemon=True
        )
        creator.start()
        wait_for(lambda: KafkaRequest.objects.count() >= KAFKAS // 2, 120, "half the Kafkas created", 0.05)
        # ... and work in flight: rows claimed (by either process; the kill leaves the victim's to lapse).
        with contextlib.suppress(AssertionError):
            wait_for(lambda: claimed_rows().count() >= CLAIMED_AT_KILL, 5, "claimed rows", 0.01)
        leader = holder_pid("cluster")
        victim = next(p for p in world.qclusters if p.pid == leader)
        survivor = next(p for p in world.qclusters if p is not victim)
        at_kill = status_counts()
        killed = kill_group(victim)
        timeline = follow_failover(killed, survivor.pid, KAFKAS, timeout=300)
        creator.join(timeout=60)
        accepted = [c for c in created if c.status == 202]
        finished = status_counts()
        repeats = step_problems()
        canaries = canary_problems(world.sso, len(accepted))
        refused = [] if len(accepted) == KAFKAS else [f"{KAFKAS - len(accepted)} creates refused"]
        all_ready = "never" if timeline.last_ready is None else f"{killed - started + timeline.last_ready:.1f} s"
        lines = [
            f"failover: {KAFKAS} Kafkas created through the API ({CLIENTS} clients), 2 qcluster processes, "
            f"agent ready after {READY_AFTER} s; the cluster lease holder killed -9 "
            f"{killed - started:.1f} s after the first create, at {dict(at_kill)}",
            f"  timeline: {timeline}",
            f"  ready: {finished.get('ready', 0)}/{KAFKAS}, all ready {all_ready} after the first create",
            f"  status history: {'each step exactly once in every Kafka' if not repeats else 'REPEATED STEPS'}; "
            f"SSO emulator: {sum(c['clientId'].startswith('canary-') for c in world.sso.clients())} canary clients, "
            f"{'one per Kafka, none created twice' if not canaries else 'WRONG'}",
        ]
        lines += [f"  PROBLEM: {problem}" for problem in (refused + repeats + canaries)[:20]]
    return lines


def report() -> None:
    print_and_keep("failover", run())
