"""Graceful shutdown: one SIGTERM lets the work in flight finish, in the web and in the reconcilers.

- gunicorn (as deployed): a create whose body is still arriving when SIGTERM comes is answered
  202 and written; new connections are refused meanwhile.
- qcluster: a task running when its main process gets SIGTERM runs to its end, then every
  process exits (one signal to the main process only: see docs/operations.md).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django_q.tasks import async_task

from bench.fleet import start_web
from clusters.models import ClusterStatus
from kafkas.models import KafkaRequest
from tests.conftest import V1, subprocess_env, worker_env
from tests.factories import ClusterFactory
from tests.test_served import user_headers, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]


def slow_task(marker: str, seconds: float) -> None:
    """A reconciler-like task that takes a while (run by the qcluster of the test)."""
    Path(f"{marker}.started").write_text("")
    time.sleep(seconds)
    Path(f"{marker}.finished").write_text("")


def trickle(text: str, pause: float, sent: threading.Event) -> Iterator[bytes]:
    """A chunked body that takes a while to arrive; ``sent`` is set once the first chunk is out."""
    data = text.encode()
    for start in range(0, len(data), 8):
        yield data[start : start + 8]
        sent.set()
        time.sleep(pause)


def test_gunicorn_answers_the_request_in_flight_when_it_is_told_to_stop(tmp_path: Path) -> None:
    ClusterFactory(status=ClusterStatus.READY)
    web, url = start_web(subprocess_env(DJANGO_SETTINGS_MODULE="fleetmanager.settings"), tmp_path / "web.log")
    first_chunk = threading.Event()
    answer: dict[str, Any] = {}

    def create() -> None:
        body = trickle(json.dumps({"name": "in-flight"}), 1.0, first_chunk)  # about 3 s
        headers = {**user_headers(), "Content-Type": "application/json"}
        answer["response"] = requests.post(f"{url}{V1}/kafkas?async=true", data=body, headers=headers, timeout=30)

    client = threading.Thread(target=create)
    client.start()
    try:
        assert first_chunk.wait(10)
        time.sleep(0.3)  # the request is being read by a worker
        web.send_signal(signal.SIGTERM)
        client.join(timeout=30)
        exit_code = web.wait(timeout=30)
    finally:
        if web.poll() is None:
            web.kill()

    response = answer["response"]
    assert response.status_code == 202, response.text
    assert KafkaRequest.objects.filter(name="in-flight").count() == 1
    assert exit_code == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/healthz", timeout=2)


def test_qcluster_finishes_the_task_it_runs_when_it_is_told_to_stop(tmp_path: Path, sso_emulator: Any) -> None:
    marker = str(tmp_path / "task")
    qcluster = subprocess.Popen(
        [*MANAGE, "qcluster"],
        env=worker_env(FLEET_Q_WORKERS="1"),
        stdout=(tmp_path / "qcluster.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        async_task("tests.test_shutdown.slow_task", marker, 3, save=False)
        wait_for(lambda: Path(f"{marker}.started").exists(), 60, "the task to start")
        qcluster.send_signal(signal.SIGTERM)  # the main process only, as Kubernetes and make run do
        exit_code = qcluster.wait(timeout=60)
    finally:
        if qcluster.poll() is None:
            subprocess.run(["kill", "-KILL", f"-{qcluster.pid}"], check=False)
            qcluster.wait()

    assert Path(f"{marker}.finished").exists(), (tmp_path / "qcluster.log").read_text()[-2000:]
    assert exit_code == 0
