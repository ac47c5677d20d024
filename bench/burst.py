"""Provisioning burst (issue 15, item 3): 1,000 Kafkas created as fast as the API takes them.

gunicorn as deployed, the simulated agent (ready at its next poll), the emulators and one, then two
`qcluster` processes (2 workers each), each run on a throwaway PostgreSQL database of its own.
`BENCH_BURST_CLIENTS` (8) concurrent API clients create `BENCH_BURST_KAFKAS` (1,000) Kafkas.
Reports the create rate the API sustained, the time from the first create until every Kafka is
ready, create-to-ready p50/p99 (from each Kafka's status history), and the reconcilers' throughput:
Kafkas taken from accepted to provisioning per second between the first and the last of them.
Target: all 1,000 ready within 60 s with two qcluster processes.

`BENCH_BURST_BACKLOG=1` measures the reconcilers alone: every Kafka is created first with no
qcluster running, then the qclusters start; times count from their start. `BENCH_BURST_QCLUSTERS`
(1,2) chooses the runs.
"""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass
from datetime import datetime

from bench.common import percentile, print_and_keep, wait_for
from bench.fleet import bench_world, canary_problems, create_kafkas, status_counts, step_problems, user_headers

KAFKAS = int(os.environ.get("BENCH_BURST_KAFKAS", "1000"))
CLIENTS = int(os.environ.get("BENCH_BURST_CLIENTS", "8"))
BACKLOG = os.environ.get("BENCH_BURST_BACKLOG") == "1"
QCLUSTERS = [int(n) for n in os.environ.get("BENCH_BURST_QCLUSTERS", "1,2").split(",")]
TARGET_SECONDS = 60
ROOM = {"dataplane-cluster-configuration.yaml": ("kafka_instance_limit: 20", "kafka_instance_limit: 5000")}


@dataclass
class Burst:
    qclusters: int
    created: int
    create_seconds: float
    all_ready: float | None  # from the first create (backlog: from the qclusters' start)
    to_ready: list[float]  # per Kafka: its accepted -> ready, seconds
    throughput: float  # accepted -> provisioning per second
    problems: list[str]

    def row(self) -> str:
        ready = "not all" if self.all_ready is None else f"{self.all_ready:.1f} s"
        met = "" if self.all_ready is None else (" (met)" if self.all_ready <= TARGET_SECONDS else " (missed)")
        p50 = statistics.median(self.to_ready) if self.to_ready else float("nan")
        p99 = percentile(self.to_ready, 0.99) if self.to_ready else float("nan")
        return (
            f"| {self.qclusters} | {self.created} | {self.create_seconds:.1f} s ({self.created / self.create_seconds:.0f}/s) "
            f"| {ready}{met if self.qclusters == 2 else ''} | {p50:.1f} s | {p99:.1f} s | {self.throughput:.0f}/s "
            f"| {'none' if not self.problems else '; '.join(self.problems[:3])} |"
        )


def _timings() -> tuple[list[float], float, datetime | None, datetime | None]:
    """Per Kafka accepted -> ready; the accepted -> provisioning rate; the first accepted and last ready moments."""
    from kafkas.models import KafkaStatusChange

    moments: dict[str, dict[str, datetime]] = {}
    for kafka_id, status, at in KafkaStatusChange.objects.values_list("kafka_id", "to_status", "created_at"):
        moments.setdefault(kafka_id, {})[status] = at
    to_ready = [
        (steps["ready"] - steps["accepted"]).total_seconds()
        for steps in moments.values()
        if "ready" in steps and "accepted" in steps
    ]
    provisioned = sorted(steps["provisioning"] for steps in moments.values() if "provisioning" in steps)
    span = (provisioned[-1] - provisioned[0]).total_seconds() if len(provisioned) > 1 else 0.0
    throughput = len(provisioned) / span if span else 0.0
    accepted = [steps["accepted"] for steps in moments.values() if "accepted" in steps]
    ready = [steps["ready"] for steps in moments.values() if "ready" in steps]
    return to_ready, throughput, min(accepted, default=None), max(ready, default=None)


def run(qclusters: int) -> Burst:
    with bench_world(f"burst-{qclusters}", replacements=ROOM) as world:
        agent = ["--resync-interval", "1", "--capacity", "5000"]
        url = world.start(qclusters=0 if BACKLOG else qclusters, agent_options=agent)
        names = [f"burst-{index}" for index in range(KAFKAS)]
        started = time.monotonic()
        created = create_kafkas(url, names, CLIENTS, user_headers())
        create_seconds = time.monotonic() - started
        accepted = sum(c.status == 202 for c in created)
        if BACKLOG:
            started = time.monotonic()
            world.start_qclusters(qclusters)
        try:
            wait_for(lambda: status_counts().get("ready", 0) >= accepted, 600, "every Kafka ready", 0.5)
        except AssertionError:
            pass
        to_ready, throughput, first, last = _timings()
        ready = status_counts().get("ready", 0)
        if BACKLOG:
            all_ready = time.monotonic() - started if ready >= accepted else None
        else:
            all_ready = (last - first).total_seconds() if ready >= accepted and first and last else None
        problems = step_problems()[:5] + canary_problems(world.sso, accepted)
        if accepted != KAFKAS:
            problems.append(f"{KAFKAS - accepted} creates refused: {sorted({c.status for c in created})}")
        return Burst(qclusters, accepted, create_seconds, all_ready, to_ready, throughput, problems)


def report() -> None:
    mode = (
        "backlog (all created first, then the qclusters start)"
        if BACKLOG
        else "live (created as fast as the API takes them)"
    )
    lines = [
        f"### provisioning burst, {mode}: {KAFKAS} Kafkas, {CLIENTS} API clients",
        "",
        "| qclusters | created | creating | all ready | create-to-ready p50 | p99 | accepted -> provisioning | problems |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for count in QCLUSTERS:
        burst = run(count)
        lines.append(burst.row())
        print(f"  {lines[-1]}", flush=True)  # progress
    print_and_keep("burst-backlog" if BACKLOG else "burst", lines, suffix="md")
