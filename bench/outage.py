"""Database outage under load (issue 15, item 4): PostgreSQL stopped for 30 s, then started again.

The fleet (gunicorn as deployed, one `qcluster`, the simulated agent, the emulators) runs on a
PostgreSQL server of the bench's own (bench/postgres.py: initdb/pg_ctl on a free port; the shared
server is never touched). `BENCH_OUTAGE_CLIENTS` (4) API clients create Kafkas, list and get them
without pause (a 15 s read timeout each: a request that hangs is counted). After
`BENCH_OUTAGE_BEFORE` (10) s the server is stopped (fast shutdown), after `BENCH_OUTAGE_SECONDS`
(30) s started again; the load goes on `BENCH_OUTAGE_AFTER` (20) s more.

Reports the time from the stop to the first upstream-shaped 503 (KAFKAS-MGMT-9 body, Retry-After),
the answers during the outage (503s, anything else, timeouts, the slowest), the recovery after the
restart (web: the first 2xx; reconcilers: the first status change they write; agent: the first Kafka
it reports ready), whether every Kafka the API accepted reaches ready, and what each process
logged meanwhile (errors, warnings, tracebacks).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

from bench.common import print_and_keep, wait_for
from bench.fleet import KAFKAS_API, bench_world, step_problems, user_headers
from bench.postgres import throwaway_postgres

CLIENTS = int(os.environ.get("BENCH_OUTAGE_CLIENTS", "4"))
BEFORE = float(os.environ.get("BENCH_OUTAGE_BEFORE", "10"))
OUTAGE = float(os.environ.get("BENCH_OUTAGE_SECONDS", "30"))
AFTER = float(os.environ.get("BENCH_OUTAGE_AFTER", "20"))
READ_TIMEOUT = 15.0
ROOM = {"dataplane-cluster-configuration.yaml": ("kafka_instance_limit: 20", "kafka_instance_limit: 5000")}


@dataclass(frozen=True)
class Answer:
    kind: str  # create, list, get
    sent: float  # monotonic
    done: float
    status: int  # 0: no answer (timeout, connection refused)
    upstream_503: bool = False  # 503 with the KAFKAS-MGMT-9 body and Retry-After
    kafka_id: str = ""


class Load:
    """`CLIENTS` threads that create, list and get Kafkas until stopped, noting every answer."""

    def __init__(self, api_url: str) -> None:
        self.api = f"{api_url}{KAFKAS_API}"
        self.headers = user_headers()
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._names = iter(range(1_000_000))
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(CLIENTS)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=READ_TIMEOUT + 5)

    def _client(self) -> None:
        session = requests.Session()
        mine: list[str] = []
        turn = 0
        while not self.stop.is_set():
            turn += 1
            if turn % 3 == 1:
                with self._lock:
                    name = f"outage-{next(self._names)}"
                answer = self._call("create", session, "post", f"{self.api}?async=true", json={"name": name})
                if answer.status == 202:
                    mine.append(answer.kafka_id)
            elif turn % 3 == 2 or not mine:
                answer = self._call("list", session, "get", self.api)
            else:
                answer = self._call("get", session, "get", f"{self.api}/{mine[-1]}")
            with self._lock:
                self.answers.append(answer)
            time.sleep(0.1)

    def _call(self, kind: str, session: requests.Session, method: str, url: str, **kwargs: object) -> Answer:
        sent = time.monotonic()
        try:
            response = session.request(method, url, headers=self.headers, timeout=(3, READ_TIMEOUT), **kwargs)
        except requests.RequestException:
            return Answer(kind, sent, time.monotonic(), 0)
        done = time.monotonic()
        body = _json(response)
        upstream = (
            response.status_code == 503
            and body.get("code") == "KAFKAS-MGMT-9"
            and body.get("kind") == "Error"
            and response.headers.get("Retry-After", "").isdigit()
        )
        kafka_id = body.get("id", "") if response.status_code == 202 else ""
        return Answer(kind, sent, done, response.status_code, upstream, kafka_id)


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _log_counts(logs: Path) -> dict[str, Counter[str]]:
    """Per process log: ERROR and WARNING lines (JSON logs) and tracebacks."""
    counts = {}
    for path in sorted(logs.glob("*.log")):
        text = path.read_text(errors="replace")
        counts[path.stem] = Counter(
            error=text.count('"level": "ERROR"') + text.count("[ERROR]"),  # ours (JSON) and gunicorn's
            warning=text.count('"level": "WARNING"'),
            traceback=text.count("Traceback (most recent call last)"),
        )
    return counts


def _first_change_after(moment: datetime, **filters: str) -> datetime | None:
    from kafkas.models import KafkaStatusChange

    return (
        KafkaStatusChange.objects.filter(created_at__gt=moment, **filters)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def run() -> list[str]:
    with (
        throwaway_postgres(max_connections=200) as server,
        bench_world("outage", database_url=server.url, replacements=ROOM) as world,
    ):
        from kafkas.models import KafkaRequest, KafkaStatus

        url = world.start(
            qclusters=1, agent_options=["--resync-interval", "1", "--ready-after", "2", "--capacity", "5000"]
        )
        load = Load(url)
        load.start()
        time.sleep(BEFORE)
        from django.db import connection

        connection.close()  # this process's own connection would only fail
        stopped = time.monotonic()
        server.stop()
        stop_took = time.monotonic() - stopped
        time.sleep(max(0.0, OUTAGE - stop_took))
        restart = time.monotonic()
        server.start()
        restarted = time.monotonic()
        restarted_wall = datetime.now(UTC)
        time.sleep(AFTER)
        load.finish()
        answers = list(load.answers)
        accepted = [a.kafka_id for a in answers if a.status == 202]
        try:
            wait_for(
                lambda: KafkaRequest.objects.filter(id__in=accepted, status=KafkaStatus.READY).count() == len(accepted),
                120,
                "every accepted Kafka ready",
                0.5,
            )
        except AssertionError:
            pass
        ready = KafkaRequest.objects.filter(id__in=accepted, status=KafkaStatus.READY).count()
        stuck = Counter(
            KafkaRequest.objects.filter(id__in=accepted)
            .exclude(status=KafkaStatus.READY)
            .values_list("status", flat=True)
        )
        in_database = KafkaRequest.objects.count()
        reconciler_back = _first_change_after(restarted_wall, to_status=KafkaStatus.PREPARING)
        agent_back = _first_change_after(restarted_wall, to_status=KafkaStatus.READY)
        repeats = step_problems()
        logs = _log_counts(world.logs)

    during = [a for a in answers if stopped <= a.sent < restart]
    first_503 = min((a.done - stopped for a in answers if a.upstream_503 and a.sent >= stopped), default=None)
    web_back = min((a.done - restarted for a in answers if a.sent >= restarted and 200 <= a.status < 300), default=None)
    outage_statuses = Counter(a.status for a in during)
    slowest = max((a.done - a.sent for a in during), default=0.0)
    hung = sum(1 for a in answers if a.status == 0)

    def seconds_after_restart(moment: datetime | None) -> str:
        return "never" if moment is None else f"{(moment - restarted_wall).total_seconds():.1f} s"

    return [
        f"database outage: PostgreSQL (a server of the bench's own) stopped {BEFORE:.0f} s into the load of "
        f"{CLIENTS} API clients, started again {restart - stopped:.1f} s later (start took {restarted - restart:.1f} s); "
        f"the load went on {AFTER:.0f} s more",
        f"  first upstream-shaped 503 (KAFKAS-MGMT-9, Retry-After): {first_503:.2f} s after the stop"
        if first_503 is not None
        else "  no upstream-shaped 503 during the outage",
        f"  during the outage: {len(during)} requests: {dict(outage_statuses)} "
        f"({sum(a.upstream_503 for a in during)} upstream-shaped 503s); slowest answer {slowest:.2f} s; "
        f"requests with no answer in {READ_TIMEOUT:.0f} s (hung) over the whole run: {hung}",
        f"  recovery after the restart: web (first 2xx) {'never' if web_back is None else f'{web_back:.1f} s'}, "
        f"reconciler (first accepted -> preparing) {seconds_after_restart(reconciler_back)}, "
        f"agent (first Kafka reported ready) {seconds_after_restart(agent_back)}",
        f"  Kafkas the API accepted: {len(accepted)}, ready {ready}"
        + (f", not ready: {dict(stuck)}" if stuck else "")
        + f"; in the database: {in_database} (a refused create leaves nothing); "
        + ("each status step exactly once in every Kafka" if not repeats else f"REPEATED STEPS: {repeats[:3]}"),
        "  logged by each process over the run: "
        + ", ".join(
            f"{name} {c['error']} errors / {c['warning']} warnings / {c['traceback']} tracebacks"
            for name, c in logs.items()
        ),
    ]


def report() -> None:
    print_and_keep("outage", run())
