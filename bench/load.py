"""Upstream's perf-suite request mix at fixed rates, as deployed (issue 14, BEHAVIOUR.md §14).

gunicorn as `make run` starts it (2 workers x 4 threads, `fleetmanager.gunicorn`) on a
database seeded with 10,000 Kafkas across 100 organisations; locust (headless, open loop
by constant pacing) on the same machine. For each rate: a warm-up, then the mix, then the
framework floor (the unauthenticated version document) at the same rate. Prints a table
and writes it to `bench/results/load-<database>-<time>.md`.

`BENCH_LOAD_RATES` (50,100,200,400), `BENCH_LOAD_SECONDS` (30), `BENCH_LOAD_WARMUP` (10),
`BENCH_LOAD_DATABASE` (`postgres`, `sqlite` or `both`; `make run`'s SQLite default is
reported apart).
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

from bench.common import ROOT, bench_database, free_port, manage, start, stop_processes, wait_for_port

RATES = [int(rate) for rate in os.environ.get("BENCH_LOAD_RATES", "50,100,200,400").split(",")]
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
WARMUP = int(os.environ.get("BENCH_LOAD_WARMUP", "10"))
KAFKAS = int(os.environ.get("BENCH_LOAD_KAFKAS", "10000"))
ORGS = int(os.environ.get("BENCH_LOAD_ORGS", "100"))
PACING = 1.0  # seconds between two requests of one locust user
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


def _locust(base_url: str, user_class: str, rate: int, seconds: int, world: dict, out: Path) -> list[Row]:
    prefix = out / f"{user_class}-{rate}"
    world_file = out / "world.json"  # too large for an environment variable (100 tokens)
    world_file.write_text(json.dumps(world))
    env = {**os.environ, "BENCH_WORLD_FILE": str(world_file), "BENCH_PACING": str(PACING)}
    users = max(1, int(rate * PACING))
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        user_class,
        "--headless",
        "--host",
        base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
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
    """gunicorn and the emulators on a fresh database of `kind`; yields the API's base URL and env."""
    var = Path(tempfile.mkdtemp(prefix="fleet-bench-var-"))
    emulator_port, api_port = free_port(), free_port()
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
            world = _seed(env)
            gunicorn = [
                sys.executable, "-m", "gunicorn", "-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi",
                "--bind", f"127.0.0.1:{api_port}", "--workers", "2", "--threads", "4",
            ]  # fmt: skip
            processes.append(start(gunicorn, env=env, log=logs / f"gunicorn-{kind}.log"))
            wait_for_port(api_port)
            yield f"http://127.0.0.1:{api_port}", world
    finally:
        stop_processes(processes)
        shutil.rmtree(var, ignore_errors=True)


@contextmanager
def _database(kind: str):
    if kind == "sqlite":
        yield None
        return
    with bench_database() as url:
        yield url


def run(kind: str) -> list[tuple[int, list[Row], list[Row]]]:
    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-load-"))
    results = []
    with _system(kind, logs) as (base_url, world):
        for rate in RATES:
            _locust(base_url, "MixUser", rate, WARMUP, world, logs)  # warm-up, not reported
            mix = _locust(base_url, "MixUser", rate, SECONDS, world, logs)
            floor = _locust(base_url, "FloorUser", rate, SECONDS, world, logs)
            results.append((rate, mix, floor))
            time.sleep(2)
    return results


def _aggregate(rows: list[Row]) -> Row | None:
    return next((row for row in rows if row.name == "Aggregated"), None)


def table(kind: str, results: list[tuple[int, list[Row], list[Row]]]) -> str:
    lines = [
        f"### {kind}: {KAFKAS:,} Kafkas over {ORGS} organisations, {SECONDS} s per rate",
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
    return "\n".join(lines) + "\n"


def report() -> None:
    choice = os.environ.get("BENCH_LOAD_DATABASE", "both")
    kinds = ["postgres", "sqlite"] if choice == "both" else [choice]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for kind in kinds:
        text = table(kind, run(kind))
        print(text)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        (RESULTS / f"load-{kind}-{stamp}.md").write_text(text)
