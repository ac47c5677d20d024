"""The whole fleet as processes: API server, reconcilers, simulated agent; and what to check afterwards.

Shared by `tests/test_failover.py` and the failover, burst and outage benches. The processes start as
`make run` starts them, each in a session of its own (kill -9 of the group takes a qcluster's
workers with it). Watching and checking reads the database through the ORM of the calling
process, which must have Django set up on the same database (`bench_world` does, for a bench).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from bench.common import ROOT, bench_database, config_dir, free_port, stop_processes, wait_for

MANAGE = [sys.executable, str(ROOT / "manage.py")]
STEPS = ["accepted", "preparing", "provisioning", "ready"]  # each exactly once in a Kafka's history
ORG = "13640203"  # in the shipped quota list (any user, standard instances)
KAFKAS_API = "/api/kafkas_mgmt/v1/kafkas"


# --- processes ----------------------------------------------------------------------------------------


def start_manage(name: str, args: list[str], env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    """`manage.py <args>` in the background, its output in `logs/<name>.log`."""
    return subprocess.Popen(
        [*MANAGE, *args],
        env=env,
        cwd=ROOT,
        stdout=(logs / f"{name}.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its workers too
    )


def start_qclusters(count: int, env: dict[str, str], logs: Path, first: int = 0) -> list[subprocess.Popen[bytes]]:
    return [start_manage(f"qcluster-{index}", ["qcluster"], env, logs) for index in range(first, first + count)]


def start_agent(api_url: str, env: dict[str, str], logs: Path, *options: str) -> subprocess.Popen[bytes]:
    """The simulated agents of every cluster (`--all-clusters`); `options` as `fleetshard_agent` takes them."""
    args = ["fleetshard_agent", "--all-clusters", "--api-url", api_url, "--poll-interval", "0.5", *options]
    return start_manage("agent", args, env, logs)


def start_web(env: dict[str, str], log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as `make run` starts it (fleetmanager/gunicorn.py: 2 workers x 4 threads); returns the process and
    its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi",
        "--bind", f"127.0.0.1:{port}", *extra,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{url}/readyz", timeout=2).ok
        return False

    wait_for(answers, 60, "gunicorn to answer", interval=0.2)
    return process, url


def kill_group(process: subprocess.Popen[bytes]) -> float:
    """kill -9 the process and everything in its group (a qcluster's workers); returns the monotonic time."""
    os.killpg(process.pid, signal.SIGKILL)
    killed = time.monotonic()
    process.wait()
    return killed


# --- what the database says ---------------------------------------------------------------------------


def holder_pid(lease_type: str = "cluster") -> int | None:
    """The pid of the process holding a live lease of ``lease_type`` (holder names are host:pid:nonce)."""
    from fleetmanager.models import LeaderLease

    lease = LeaderLease.objects.filter(lease_type=lease_type).first()
    if lease is None or not lease.leader or lease.expires is None:
        return None
    return int(lease.leader.split(":")[1])


def status_counts() -> Counter[str]:
    from kafkas.models import KafkaRequest

    return Counter(KafkaRequest.objects.values_list("status", flat=True))


def claimed_rows() -> Any:
    """The Kafka rows some worker has claimed now: due in the future, with no failure behind it."""
    from django.utils import timezone

    from kafkas.models import NEEDS_RECONCILER, KafkaRequest

    return KafkaRequest.objects.filter(NEEDS_RECONCILER, next_reconcile_at__gt=timezone.now(), reconcile_failures=0)


class ClaimWatch:
    """The Kafka rows claimed at a moment (a kill): when each was worked again (its claim or status changed).

    A claim pushes ``next_reconcile_at`` into the future with no failure counted; a back-off (which
    counts one) is left out. Rows of the survivor change within a heartbeat; the dead worker's
    only once its claims lapse and another worker claims them.
    """

    def __init__(self, started: float) -> None:
        self.started = started
        rows = claimed_rows().values_list("pk", "status", "next_reconcile_at")
        self._claimed: dict[str, tuple[str, datetime]] = {pk: (status, due) for pk, status, due in rows}
        self.reworked: dict[str, float] = {}

    @property
    def claimed(self) -> int:
        return len(self._claimed)

    def poll(self) -> bool:
        """Note the rows worked again since; True once every claimed row has been."""
        from kafkas.models import KafkaRequest

        pending = [pk for pk in self._claimed if pk not in self.reworked]
        now = time.monotonic() - self.started
        for pk, status, due in KafkaRequest.all_objects.filter(pk__in=pending).values_list(
            "pk", "status", "next_reconcile_at"
        ):
            if (status, due) != self._claimed[pk]:
                self.reworked[pk] = now
        return len(self.reworked) == len(self._claimed)

    def last(self) -> float | None:
        return max(self.reworked.values(), default=None)


@dataclass
class FailoverTimeline:
    """Seconds from the kill to each milestone (None: not reached in time)."""

    claimed: int = 0  # Kafka rows claimed at the kill (by either process)
    takeover: float | None = None  # the survivor holds the cluster lease
    reworked: float | None = None  # every row claimed at the kill has been worked again
    last_ready: float | None = None  # every Kafka is ready

    def __str__(self) -> str:
        def seconds(value: float | None) -> str:
            return "never" if value is None else f"{value:.1f} s"

        return (
            f"kill -> lease takeover {seconds(self.takeover)}, kill -> the {self.claimed} rows claimed at the kill "
            f"worked again {seconds(self.reworked)}, kill -> last ready {seconds(self.last_ready)}"
        )


def follow_failover(killed: float, survivor_pid: int, kafkas: int, timeout: float) -> FailoverTimeline:
    """Watch the survivor take over after the kill (monotonic time ``killed``) until ``kafkas`` are ready."""
    from kafkas.models import KafkaRequest, KafkaStatus

    claims = ClaimWatch(killed)
    timeline = FailoverTimeline(claimed=claims.claimed)
    deadline = killed + timeout
    while time.monotonic() < deadline:
        now = time.monotonic() - killed
        if timeline.takeover is None and holder_pid("cluster") == survivor_pid:
            timeline.takeover = now
        if timeline.reworked is None and claims.poll():
            timeline.reworked = claims.last() or 0.0
        if timeline.last_ready is None and KafkaRequest.objects.filter(status=KafkaStatus.READY).count() >= kafkas:
            timeline.last_ready = now
        if None not in (timeline.takeover, timeline.reworked, timeline.last_ready):
            break
        time.sleep(0.2)
    return timeline


def step_problems() -> list[str]:
    """Every Kafka's status history holds each step of STEPS exactly once, and nothing else."""
    from kafkas.models import KafkaRequest, KafkaStatusChange

    history: dict[str, Counter[str]] = defaultdict(Counter)
    for kafka_id, status in KafkaStatusChange.objects.values_list("kafka_id", "to_status"):
        history[kafka_id][status] += 1
    expected = dict.fromkeys(STEPS, 1)
    return [
        f"{name}: {dict(history[kafka_id])}"
        for kafka_id, name in KafkaRequest.objects.values_list("id", "name")
        if dict(history[kafka_id]) != expected
    ]


def canary_problems(sso: Any, kafkas: int, other_clients: int = 1) -> list[str]:
    """One canary client per Kafka in the SSO emulator, none created twice (besides `other_clients`: agents)."""
    problems = []
    canaries = [c["clientId"] for c in sso.clients() if c["clientId"].startswith("canary-")]
    duplicates = sorted(name for name, count in Counter(canaries).items() if count > 1)
    if duplicates:
        problems.append(f"canary clients twice: {duplicates}")
    if len(canaries) != kafkas:
        problems.append(f"{len(canaries)} canary clients for {kafkas} Kafkas")
    creations = [path for method, path in sso.requests if method == "POST" and path.endswith("/clients")]
    if len(creations) != kafkas + other_clients:
        problems.append(f"{len(creations)} client creations for {kafkas} Kafkas and {other_clients} agent clients")
    return problems


# --- the API as a customer ----------------------------------------------------------------------------


def user_headers(org: str = ORG, user: str = "alice") -> dict[str, str]:
    from fleetmanager.devtokens import mint_token

    return {"Authorization": f"Bearer {mint_token(username=user, org_id=org, lifetime_seconds=3600)}"}


@dataclass
class Created:
    name: str
    status: int
    at: float  # monotonic, when the API answered
    kafka_id: str = ""


def create_kafkas(api_url: str, names: list[str], concurrency: int, headers: dict[str, str]) -> list[Created]:
    """POST each name as fast as the API takes them, from `concurrency` clients (a session each)."""
    local = threading.local()

    def create(name: str) -> Created:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        response = session.post(f"{api_url}{KAFKAS_API}?async=true", json={"name": name}, headers=headers, timeout=30)
        body = response.json() if response.status_code == 202 else {}
        return Created(name, response.status_code, time.monotonic(), body.get("id", ""))

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(create, names))


# --- a bench's world ----------------------------------------------------------------------------------


@dataclass
class World:
    """What a bench runs against: its database, emulators (in this process), configuration and logs."""

    database_url: str
    env: dict[str, str]
    logs: Path
    sso: Any
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    qclusters: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def manage(self, *args: str) -> None:
        subprocess.run([*MANAGE, *args], env=self.env, cwd=ROOT, check=True, capture_output=True, timeout=300)

    def start(self, *, qclusters: int, agent_options: list[str]) -> str:
        """gunicorn, ``qclusters`` reconciler processes and the simulated agent; returns the API's URL once
        the configured cluster is ready (and, with reconcilers, one of them leads)."""
        from clusters.models import Cluster, ClusterStatus

        web, url = start_web(self.env, self.logs / "web.log")
        self.processes.append(web)
        self.start_qclusters(qclusters)
        self.processes.append(start_agent(url, self.env, self.logs, "--render-dir", "", *agent_options))
        wait_for(lambda: Cluster.objects.filter(status=ClusterStatus.READY).exists(), 90, "a ready cluster")
        return url

    def start_qclusters(self, count: int) -> list[subprocess.Popen[bytes]]:
        started = start_qclusters(count, self.env, self.logs, first=len(self.qclusters))
        self.qclusters += started
        self.processes += started
        if started:
            pids = {p.pid for p in started}
            wait_for(lambda: holder_pid("cluster") in pids, 60, "a reconciler to take the cluster lease", 0.2)
        return started


_django_ready = False


def _point_django_at(database_url: str) -> None:
    """Set Django up in this process on ``database_url`` (once), or move its connection there."""
    global _django_ready
    if not _django_ready:
        # Only for the settings: DATABASE_URL stays the server's, where bench_database makes the next one.
        server_url = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetmanager.settings")
        os.environ.setdefault("FLEET_LOG_LEVEL", "WARNING")
        import django

        django.setup()
        if server_url is not None:
            os.environ["DATABASE_URL"] = server_url
        _django_ready = True
        return
    from django.db import connection

    url = urlparse(database_url)
    connection.close()
    connection.settings_dict.update(
        NAME=url.path.lstrip("/"), HOST=url.hostname or "", PORT=str(url.port or ""), USER=url.username or ""
    )


@contextmanager
def bench_world(
    name: str, *, database_url: str | None = None, replacements: dict[str, tuple[str, str]] | None = None, **env: str
) -> Iterator[World]:
    """A database (a throwaway one on DATABASE_URL's server unless given), the emulators, a copy of config/
    with ``replacements``; migrated and seeded as `make run` does (schedules, quota, the configured cluster).
    Processes the bench adds to ``world.processes`` are stopped at the end; the processes' logs are
    removed unless BENCH_KEEP_LOGS=1."""
    from fleetmanager.emulators import SSO_PREFIX, build_server

    logs = Path(tempfile.mkdtemp(prefix=f"fleet-bench-{name}-"))
    server = build_server("127.0.0.1", 0).start()  # logs each request at DEBUG: quiet
    sso = server.emulator(SSO_PREFIX)
    with contextlib.ExitStack() as stack:
        url = database_url or stack.enter_context(bench_database())
        config = stack.enter_context(config_dir(replacements or {}))
        world_env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "fleetmanager.settings",
            "FLEET_CONFIG_DIR": str(config),
            "FLEET_SSO_BASE_URL": server.url + SSO_PREFIX,
            "FLEET_SSO_CLIENT_ID": sso.client_id,
            "FLEET_SSO_CLIENT_SECRET": sso.client_secret,
            "FLEET_LOG_LEVEL": "WARNING",
            **env,
        }
        world = World(url, world_env, logs, sso)
        try:
            for command in (["migrate", "--no-input"], ["setup_schedules"], ["sync_quota_config"]):
                world.manage(*command)
            world.manage("reconcile_clusters")  # the configured cluster and its agent's credentials
            _point_django_at(url)
            yield world
        finally:
            stop_processes([p for p in world.processes if p.poll() is None])
            if _django_ready:
                from django.db import connection

                connection.close()  # before its database is dropped
            server.stop()
            if os.environ.get("BENCH_KEEP_LOGS") == "1":
                print(f"  (logs of {name}: {logs})")
            else:
                shutil.rmtree(logs, ignore_errors=True)
