"""Structured logs: one JSON object per line with the request's and the task's context."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django_q.tasks import async_task

from fleetmanager import logs
from kafkas.models import KafkaStatus
from kafkas.services import kafka_transition
from tests.conftest import ORG, V1, Api, subprocess_env
from tests.factories import KafkaFactory

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


class Captured:
    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines() if line.strip()]

    def find(self, **fields: Any) -> dict[str, Any]:
        matches = [line for line in self.lines() if all(line.get(k) == v for k, v in fields.items())]
        assert matches, f"no log line with {fields} in:\n{self.stream.getvalue()}"
        return matches[0]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """The root logger's output through the handler the settings configure (JSON formatter, context filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield Captured(stream)
    root.removeHandler(handler)
    logs.clear()


def log_from_a_task() -> None:
    logging.getLogger("fleetmanager.kafkas.tasks").info("working")


@pytest.mark.django_db
def test_a_request_logs_its_operation_id_and_principal_on_every_line(
    alice: Api, ready_cluster: Any, captured: Captured
) -> None:
    response = alice.post(f"{V1}/kafkas?async=true", {"name": "logged"})
    assert response.status_code == 202, response.content

    line = captured.find(message=f"kafka {response.json()['id']}: created (standard x1, cluster-ready-1)")
    assert line["operation_id"] == response["X-Operation-ID"]
    assert (line["principal"], line["org_id"]) == ("alice", ORG)
    assert (line["kafka_id"], line["cluster_id"], line["to_status"]) == (
        response.json()["id"],
        "cluster-ready-1",
        "accepted",
    )
    assert (line["level"], line["logger"]) == ("INFO", "fleetmanager.kafkas")
    assert line["time"].endswith("Z")


@pytest.mark.django_db
def test_a_status_change_is_one_line_with_the_kafka_its_cluster_and_both_statuses(captured: Captured) -> None:
    kafka = KafkaFactory(status=KafkaStatus.ACCEPTED, cluster_id="cluster-a")

    kafka_transition(kafka=kafka, to=KafkaStatus.PREPARING, reason="placed", actor="bob")

    line = captured.find(kafka_id=kafka.id, to_status="preparing")
    assert line | {"time": None} == {
        "time": None,
        "level": "INFO",
        "logger": "fleetmanager.kafkas",
        "message": f"kafka {kafka.id}: accepted -> preparing placed",
        "kafka_id": kafka.id,
        "cluster_id": "cluster-a",
        "from_status": "accepted",
        "to_status": "preparing",
        "reason": "placed",
        "actor": "bob",
    }


@pytest.mark.django_db
def test_a_task_logs_with_the_operation_id_of_the_request_that_kicked_it(captured: Captured) -> None:
    with logs.bound(operation_id="op-kicker", principal="alice"):
        # Queued in the request, run by a worker (inline here: the same signals fire around it).
        async_task("tests.fleetmanager.test_logs.log_from_a_task", sync=True, save=False)

    line = captured.find(message="working")
    assert (line["operation_id"], line["principal"]) == ("op-kicker", "alice")
    assert line["task"] == "tests.fleetmanager.test_logs.log_from_a_task"
    assert line["task_id"]


def test_nothing_of_one_request_leaks_into_the_next_on_the_same_thread(api: Api, captured: Captured) -> None:
    first = api.as_user("alice").get(f"{V1}/kafkas")
    logging.getLogger("probe").info("between requests")
    second = api.get(f"{V1}/kafkas")  # no token

    assert first.status_code == 200 and second.status_code == 401
    assert "operation_id" not in captured.find(message="between requests")


def test_django_q_chatter_is_left_out_by_default() -> None:
    # django-q2 logs each task it runs at INFO; its warnings and errors still come through.
    q_logger = logging.getLogger("django-q")
    assert not q_logger.isEnabledFor(logging.INFO)
    assert q_logger.isEnabledFor(logging.WARNING)


# --- what a process prints, by where it prints --------------------------------------------------


def shell_env() -> dict[str, str]:
    env = subprocess_env()
    env.pop("FLEET_LOG_FORMAT", None)  # the default, auto
    return env


SAY_HELLO = "import logging; from fleetmanager import logs; logs.bind(operation_id='op-1'); logging.getLogger('fleetmanager.x').warning('hello')"


@pytest.mark.django_db
def test_a_process_without_a_terminal_logs_json_lines() -> None:
    result = subprocess.run(
        [*MANAGE, "shell", "-c", SAY_HELLO], env=shell_env(), capture_output=True, text=True, timeout=60
    )

    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert (line["message"], line["level"], line["operation_id"]) == ("hello", "WARNING", "op-1")


@pytest.mark.django_db
def test_a_process_on_a_terminal_logs_readable_lines() -> None:
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [*MANAGE, "shell", "-c", SAY_HELLO],
        env=shell_env(),
        stdout=secondary,
        stderr=secondary,
        stdin=subprocess.DEVNULL,
    )
    os.close(secondary)
    output = b""
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        output += chunk
    process.wait(timeout=60)
    os.close(primary)

    last = output.decode().strip().splitlines()[-1]
    assert last.endswith(" WARNING fleetmanager.x hello  [operation_id=op-1]"), output.decode()
    assert not last.startswith("{")


def test_the_format_can_be_forced() -> None:
    assert logs.choose_format("json") == "json"
    assert logs.choose_format("plain") == "plain"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_gunicorn_access_lines_are_json_with_the_operation_id(tmp_path: Path) -> None:
    from bench.common import stop_processes
    from bench.fleet import start_web

    log = tmp_path / "web.log"
    process, url = start_web(
        subprocess_env(DJANGO_SETTINGS_MODULE="fleetmanager.settings", FLEET_LOG_FORMAT="json"),
        log,
        "--access-logfile",
        "-",
    )
    try:
        response = requests.get(f"{url}{V1}/kafkas?search=name%20%3D%20secret", timeout=10)
    finally:
        stop_processes([process])

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "gunicorn.access" and line["path"] == f"{V1}/kafkas"]
    assert len(access) == 1, log.read_text()
    assert access[0] | {"time": None, "duration_ms": None, "bytes": None, "user_agent": None} == {
        "time": None,
        "level": "INFO",
        "logger": "gunicorn.access",
        "message": f"GET {V1}/kafkas 401",
        "method": "GET",
        "path": f"{V1}/kafkas",
        "status": 401,
        "bytes": None,
        "duration_ms": None,
        "remote_addr": "127.0.0.1",
        "user_agent": None,
        "operation_id": response.headers["X-Operation-ID"],
    }
