"""Upstream's perf-suite request mix at fixed rates, as deployed (issue 14, BEHAVIOUR.md §14).

gunicorn as `make run` starts it (`fleetmanager.gunicorn`: 2 workers x 4 threads) on a
database seeded with 10,000 Kafkas across 100 organisations; the load generator on the same
machine, open loop (`bench/openloop.py`; `BENCH_LOAD_GENERATOR=locust` for locust headless with
`bench/locustfile.py`). For each rate: a warm-up, then the mix (`bench/mix.py`), then the framework
floor (the unauthenticated version document) at the same rate. Prints a table and writes it to
`bench/results/load-<database>-<time>.md`.

`BENCH_LOAD_RATES` (50,100,200,400), `BENCH_LOAD_SECONDS` (30), `BENCH_LOAD_WARMUP` (10),
`BENCH_LOAD_DATABASE` (`postgres`, `sqlite` or `both`; `make run`'s SQLite default is
reported apart), `BENCH_LOAD_WEB` (`2x4`: gunicorn workers x threads; several, comma-separated,
are measured one after the other on the same seeded database).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, bench_database, free_port, manage, percentile, start, stop_processes, wait_for_port

RATES = [int(rate) for rate in os.environ.get("BENCH_LOAD_RATES", "50,100,200,400").split(",")]
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
WARMUP = int(os.environ.get("BENCH_LOAD_WARMUP", "10"))
KAFKAS = int(os.environ.get("BENCH_LOAD_KAFKAS", "10000"))
ORGS = int(os.environ.get("BENCH_LOAD_ORGS", "100"))
PACING = 1.0  # seconds between two actions of one locust user (BENCH_LOAD_GENERATOR=locust)
# `openloop` (bench/openloop.py, the default) or `locust`: see bench/openloop.py for why.
GENERATOR = os.environ.get("BENCH_LOAD_GENERATOR", "openloop")


@dataclass(frozen=True)
class Web:
    """A gunicorn configuration: worker processes x threads per worker."""

    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> Web:
        workers, threads = text.lower().split("x")
        return cls(int(workers), int(threads))

    def __str__(self) -> str:
        return f"{self.workers}x{self.threads}"


# The shipped default of fleetmanager/gunicorn.py (2x4) unless told otherwise.
WEBS = [Web.parse(each) for each in os.environ.get("BENCH_LOAD_WEB", "2x4").split(",")]
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Row:
    """One endpoint (or the aggregate) of one locust run."""

    name: str
    requests: int
    failures: int
    rate: float
    p50: float
    p90: float
    p99: float


def _seed(env: dict[str, str]) -> dict:
    """10,000 Kafkas over 100 organisations, written through the ORM of a child process; returns the
    world locust needs: per organisation a token, some Kafka ids and names."""
    code = f"""
import json, django
django.setup()
from django.core.management import call_command
from django.utils import timezone
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest
call_command("migrate", verbosity=0)
statuses = ["ready"] * 17 + ["accepted", "provisioning", "failed"]
now = timezone.now()
KafkaRequest.objects.bulk_create(
    [
        KafkaRequest(
            name=f"kafka-{{i}}", owner=f"user-{{i % {ORGS}}}", organisation_id=f"org-{{i % {ORGS}:03d}}",
            cloud_provider="aws", region="us-east-1", multi_az=True, instance_type="standard", size_id="x1",
            max_data_retention_size="1000Gi", status=statuses[i % len(statuses)], cluster_id="dev-standalone-1",
            bootstrap_server_host=f"kafka-{{i}}.kas.example.com", actual_kafka_billing_model="standard",
            desired_kafka_billing_model="standard", created_at=now, updated_at=now,
        )
        for i in range({KAFKAS})
    ],
    batch_size=2000,
)
# As autovacuum would on a live database: without statistics the planner scans every row.
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE kafka_requests")
orgs = []
for o in range({ORGS}):
    org = f"org-{{o:03d}}"
    rows = list(KafkaRequest.objects.filter(organisation_id=org).values_list("id", "name")[:20])
    orgs.append({{
        "org_id": org,
        "token": mint_token(username=f"user-{{o}}", org_id=org, lifetime_seconds=86400),
        "ids": [r[0] for r in rows], "names": [r[1] for r in rows],
    }})
print(json.dumps({{"orgs": orgs}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _generate(base_url: str, action: str, rate: int, seconds: int, world: dict, out: Path) -> list[Row]:
    """One run of `action` ("mix" or "floor") at `rate` actions per second, by the chosen generator."""
    world_file = out / "world.json"  # too large for an environment variable (100 tokens)
    world_file.write_text(json.dumps(world))
    if GENERATOR == "locust":
        return _locust(base_url, action, rate, seconds, world_file, out)
    result_file = out / f"{action}-{rate}.json"
    command = [
        sys.executable, "-m", "bench.openloop", "--url", base_url, "--action", action, "--rate", str(rate),
        "--seconds", str(seconds), "--world", str(world_file), "--out", str(result_file),
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True, timeout=seconds + 180)
    return _openloop_rows(json.loads(result_file.read_text()))


def _openloop_rows(result: dict) -> list[Row]:
    elapsed = result["elapsed"]
    rows, every = [], []
    for name, latencies in sorted(result["latencies"].items()):
        every += latencies
        rows.append(_row(name, latencies, result["errors"].get(name, 0), elapsed))
    failures = sum(result["errors"].values()) + result["unfinished"]
    return [*rows, _row("Aggregated", every, failures, elapsed)]


def _row(name: str, latencies: list[float], failures: int, elapsed: float) -> Row:
    if not latencies:
        return Row(name, 0, failures, 0.0, 0.0, 0.0, 0.0)
    return Row(
        name=name,
        requests=len(latencies),
        failures=failures,
        rate=len(latencies) / elapsed,
        p50=percentile(latencies, 0.50),
        p90=percentile(latencies, 0.90),
        p99=percentile(latencies, 0.99),
    )


def _locust(base_url: str, action: str, rate: int, seconds: int, world_file: Path, out: Path) -> list[Row]:
    user_class = {"mix": "MixUser", "floor": "FloorUser"}[action]
    prefix = out / f"{user_class}-{rate}"
    env = {**os.environ, "BENCH_WORLD_FILE": str(world_file), "BENCH_PACING": str(PACING)}
    users = max(1, int(rate * PACING))
    command = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), user_class, "--headless",
        "--host", base_url, "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    subprocess.run(command, env=env, cwd=ROOT, capture_output=True, check=False, timeout=seconds + 120)
    return _rows(Path(f"{prefix}_stats.csv"), seconds)


def _rows(path: Path, seconds: int) -> list[Row]:
    if not path.exists():
        return []
    rows = []
    with path.open() as handle:
        for line in csv.DictReader(handle):
            count = int(line["Request Count"])
            rows.append(
                Row(
                    name=line["Name"],
                    requests=count,
                    failures=int(line["Failure Count"]),
                    rate=count / seconds,
                    p50=_milliseconds(line["50%"]),
                    p90=_milliseconds(line["90%"]),
                    p99=_milliseconds(line["99%"]),
                )
            )
    return rows


def _milliseconds(value: str) -> float:
    """Locust writes N/A for a percentile of an endpoint no request reached."""
    try:
        return float(value)
    except ValueError:
        return 0.0


@contextmanager
def _system(kind: str, logs: Path):
    """The emulators on a fresh, seeded database of `kind`; yields the environment and the world."""
    var = Path(tempfile.mkdtemp(prefix="fleet-bench-var-"))
    emulator_port = free_port()
    env = {
        **os.environ,
        "FLEET_VAR_DIR": str(var),
        "FLEET_SSO_BASE_URL": f"http://127.0.0.1:{emulator_port}/sso",
        "FLEET_OCM_BASE_URL": f"http://127.0.0.1:{emulator_port}/ocm",
        "FLEET_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "fleetmanager.settings",
    }
    processes = []
    try:
        with _database(kind) as database_url:
            if database_url:
                env["DATABASE_URL"] = database_url
            else:
                env.pop("DATABASE_URL", None)
            processes.append(
                manage("emulators", "--port", str(emulator_port), env=env, background=True, log=logs / "emulators.log")
            )
            wait_for_port(emulator_port)
            yield env, _seed(env)
    finally:
        stop_processes(processes)
        shutil.rmtree(var, ignore_errors=True)


@contextmanager
def _web(env: dict[str, str], web: Web, log: Path):
    """gunicorn as deployed (`fleetmanager.gunicorn`) with `web`'s workers and threads; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi",
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    process = start(
        command, env={**env, "WEB_CONCURRENCY": str(web.workers), "FLEET_WEB_THREADS": str(web.threads)}, log=log
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_processes([process])


@contextmanager
def _database(kind: str):
    if kind == "sqlite":
        yield None
        return
    with bench_database() as url:
        yield url


def run(kind: str) -> list[tuple[Web, int, list[Row], list[Row]]]:
    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-load-"))
    results = []
    with _system(kind, logs) as (env, world):
        for web in WEBS:
            with _web(env, web, logs / f"gunicorn-{kind}-{web}.log") as base_url:
                for rate in RATES:
                    _generate(base_url, "mix", rate, WARMUP, world, logs)  # warm-up, not reported
                    mix = _generate(base_url, "mix", rate, SECONDS, world, logs)
                    floor = _generate(base_url, "floor", rate, SECONDS, world, logs)
                    results.append((web, rate, mix, floor))
                    time.sleep(2)
    return results


def _aggregate(rows: list[Row]) -> Row | None:
    return next((row for row in rows if row.name == "Aggregated"), None)


def table(kind: str, results: list[tuple[Web, int, list[Row], list[Row]]]) -> str:
    lines = [f"### {kind}: {KAFKAS:,} Kafkas over {ORGS} organisations, {SECONDS} s per rate", ""]
    for web in WEBS:
        runs = [(rate, mix, floor) for each, rate, mix, floor in results if each == web]
        lines += _web_table(web, runs)
    return "\n".join(lines) + "\n"


def _web_table(web: Web, results: list[tuple[int, list[Row], list[Row]]]) -> list[str]:
    lines = [
        f"gunicorn {web.workers} workers x {web.threads} threads:",
        "",
        "| offered (req/s) | achieved | errors | mix p50 | mix p90 | mix p99 | floor p50 | floor p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    held = 0
    for rate, mix, floor in results:
        total, base = _aggregate(mix), _aggregate(floor)
        if total is None or base is None:
            lines.append(f"| {rate} | (no result) | | | | | | |")
            continue
        lines.append(
            f"| {rate} | {total.rate:.0f} | {total.failures} | {total.p50:.0f} ms | {total.p90:.0f} ms | "
            f"{total.p99:.0f} ms | {base.p50:.0f} ms | {base.p99:.0f} ms |"
        )
        if total.failures == 0 and total.p99 < 100 and total.rate >= 0.95 * rate:
            held = max(held, rate)
    lines += ["", f"Highest rate held with p99 under 100 ms and no errors: {held or 'none'} req/s", ""]
    lines += ["| rate | endpoint | requests | errors | p50 | p90 | p99 |", "|---|---|---|---|---|---|---|"]
    for rate, mix, _ in results:
        for row in mix:
            if row.name != "Aggregated":
                lines.append(
                    f"| {rate} | {row.name} | {row.requests} | {row.failures} | {row.p50:.0f} ms | "
                    f"{row.p90:.0f} ms | {row.p99:.0f} ms |"
                )
    return [*lines, ""]


def report() -> None:
    choice = os.environ.get("BENCH_LOAD_DATABASE", "both")
    kinds = ["postgres", "sqlite"] if choice == "both" else [choice]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        text = table(kind, run(kind))
        print(text)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        (RESULTS / f"load-{kind}-{stamp}.md").write_text(text)
