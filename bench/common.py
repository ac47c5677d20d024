"""Shared set-up of the benchmarks: a throwaway PostgreSQL database and child processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"  # git-ignored


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh database on the server of DATABASE_URL, dropped afterwards; yields its URL."""
    base = os.environ.get("DATABASE_URL")
    if not base or not base.startswith("postgres"):
        sys.exit("bench: needs DATABASE_URL of a PostgreSQL server (run `make bench`)")
    name = f"fleet_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(base)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    url = urlunparse(urlparse(base)._replace(path=f"/{name}"))
    try:
        yield url
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def config_dir(replacements: dict[str, tuple[str, str]]) -> Iterator[Path]:
    """A copy of config/ with `{file name: (old text, new text)}` replacements applied."""
    directory = Path(tempfile.mkdtemp(prefix="fleet-bench-config-"))
    shutil.copytree(ROOT / "config", directory, dirs_exist_ok=True)
    for filename, (old, new) in replacements.items():
        path = directory / filename
        path.write_text(path.read_text().replace(old, new))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll ``condition`` until it returns something true (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def manage(*args: str, env: dict[str, str], background: bool = False, log: Path | None = None) -> subprocess.Popen:
    return start([sys.executable, str(ROOT / "manage.py"), *args], env=env, background=background, log=log)


def start(
    command: list[str], *, env: dict[str, str], background: bool = True, log: Path | None = None
) -> subprocess.Popen:
    output = log.open("wb") if log else subprocess.DEVNULL
    # Own session: see stop().
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
    )
    if not background:
        if process.wait() != 0:
            raise RuntimeError(f"{' '.join(command[1:3])} failed (see {log})")
    return process


def stop_processes(processes: list[subprocess.Popen], timeout: float = 30) -> None:
    """Stop background processes: one SIGTERM to each leader, then SIGKILL to whatever is left.

    Only the leader is signalled: a SIGTERM that also reaches qcluster's sentinel can leave the
    cluster deadlocked on a shared lock (django-q2 #346), so the group gets SIGKILL, never TERM.
    """
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def print_and_keep(name: str, lines: list[str], suffix: str = "txt") -> None:
    """Print a bench's report and keep it as bench/results/<name>-<UTC time>.<suffix>."""
    text = "\n".join(lines) + "\n"
    print(text, end="")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.{suffix}").write_text(text)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> str:
    return (
        f"median {statistics.median(values):.3f} s, p95 {percentile(values, 0.95):.3f} s, "
        f"min {min(values):.3f} s, max {max(values):.3f} s (n={len(values)})"
    )
