"""Seconds from `POST /kafkas` to `ready`, with the whole system running as `make run` runs it.

API (gunicorn), reconcilers (qcluster), SSO emulator and the simulated agent run as separate
processes on PostgreSQL; the agent polls every second and reports Ready at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench.common import (
    ROOT,
    bench_database,
    config_dir,
    free_port,
    manage,
    start,
    stop_processes,
    summary,
    wait_for_port,
)

SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "30"))


def run() -> list[float]:
    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-logs-"))
    unlimited = {"dataplane-cluster-configuration.yaml": ("kafka_instance_limit: 20", "kafka_instance_limit: -1")}
    with bench_database() as database_url, config_dir(unlimited) as config:
        api_port, emulator_port = free_port(), free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "FLEET_CONFIG_DIR": str(config),
            "FLEET_SSO_BASE_URL": f"http://127.0.0.1:{emulator_port}/sso",
            "FLEET_LOG_LEVEL": "WARNING",
        }
        manage("migrate", "--no-input", env=env, log=logs / "migrate.log")
        processes = [
            manage("emulators", "--port", str(emulator_port), env=env, background=True, log=logs / "emulators.log")
        ]
        try:
            wait_for_port(emulator_port)
            manage("seed", env=env, log=logs / "seed.log")
            processes.append(_gunicorn(api_port, env, logs))
            processes.append(manage("qcluster", env=env, background=True, log=logs / "qcluster.log"))
            wait_for_port(api_port)
            processes.append(
                manage(
                    "fleetshard_agent",
                    "--cluster-id",
                    "dev-standalone-1",
                    "--api-url",
                    f"http://127.0.0.1:{api_port}",
                    "--poll-interval",
                    "1",
                    "--ready-after",
                    "0",
                    env=env,
                    background=True,
                    log=logs / "agent.log",
                )
            )
            return _measure(f"http://127.0.0.1:{api_port}/api/kafkas_mgmt/v1", env)
        finally:
            stop_processes(processes)


def _gunicorn(port: int, env: dict[str, str], logs: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "python:fleetmanager.gunicorn",
        "fleetmanager.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
    ]
    return start(command, env=env, log=logs / "gunicorn.log")


def _token(env: dict[str, str]) -> str:
    command = [sys.executable, str(ROOT / "manage.py"), "token", "--org", "13640203", "--user", "bench"]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def _measure(api: str, env: dict[str, str]) -> list[float]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {_token(env)}"
    _wait_for_ready_cluster(session, api)
    durations = []
    for index in range(SAMPLES):
        started = time.monotonic()
        response = session.post(f"{api}/kafkas?async=true", json={"name": f"bench-{index}"}, timeout=10)
        response.raise_for_status()
        kafka_id = response.json()["id"]
        while session.get(f"{api}/kafkas/{kafka_id}", timeout=10).json()["status"] != "ready":
            if time.monotonic() - started > 60:
                raise RuntimeError(f"kafka {kafka_id} not ready after 60 s")
            time.sleep(0.02)
        durations.append(time.monotonic() - started)
    return durations


def _wait_for_ready_cluster(session: requests.Session, api: str) -> None:
    """The first create succeeds once the agent has reported its cluster ready."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        regions = session.get(f"{api}/cloud_providers/aws/regions", timeout=10).json()
        if regions["items"] and regions["items"][0]["capacity"]:
            response = session.post(f"{api}/kafkas?async=true", json={"name": "warm-up"}, timeout=10)
            if response.status_code == 202:
                return
        time.sleep(0.5)
    raise RuntimeError("the standalone cluster never became ready")


def report() -> None:
    durations = run()
    print(f"POST /kafkas -> ready (agent polls every 1 s): {summary(durations)}")
