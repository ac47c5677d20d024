"""Where the time of one request of the perf-suite mix goes, in-process (issue 14).

The load benchmark (bench/load.py) says how fast; this says why. On the load benchmark's
world (10,000 Kafkas over 100 organisations, PostgreSQL), through Django's test client so
no HTTP server or load generator shares the cores:

- the median time of each endpoint of the mix, and its queries;
- the parts of one organisation's list (100 Kafkas): the access-list check, the rows
  (SQL compilation, the database, model instances), the count, serialization, rendering;
- cProfile's top functions over `BENCH_PROFILE_REQUESTS` list requests (200).

Prints markdown and writes it to `bench/results/profile-<time>.md`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, bench_database

REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "200"))
RESULTS = ROOT / "bench" / "results"


def report() -> None:
    from bench.load import _seed

    var = Path(tempfile.mkdtemp(prefix="fleet-bench-profile-"))
    with bench_database() as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "fleetmanager.settings",
            "FLEET_VAR_DIR": str(var),
            "FLEET_LOG_LEVEL": "WARNING",
        }
        world = var / "world.json"
        world.write_text(json.dumps(_seed(env)))
        result = subprocess.run(
            [sys.executable, "-c", "from bench.profile import measure; measure()"],
            env={**env, "BENCH_WORLD_FILE": str(world)},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        sys.exit(f"bench profile failed:\n{result.stderr[-3000:]}")
    print(result.stdout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"profile-{stamp}.md").write_text(result.stdout)


def measure() -> None:
    """In the child process, with Django set up on the seeded database."""
    import cProfile
    import io
    import pstats
    import statistics
    import time
    from urllib.parse import quote

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from fleetmanager.api.pagination import Page
    from fleetmanager.api.renderers import ORJSONRenderer
    from kafkas.models import KafkaRequest
    from kafkas.serializers import KafkaRequestListSerializer
    from quota.selectors import is_user_denied

    world = json.loads(Path(os.environ["BENCH_WORLD_FILE"]).read_text())
    org = world["orgs"][0]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {org['token']}")
    v1 = "/api/kafkas_mgmt/v1"
    search = quote(f"cloud_provider = aws and status = ready and name <> {org['names'][0]}")
    endpoints = {
        "GET /kafkas (100 items)": f"{v1}/kafkas",
        "GET /kafkas?search (85 items)": f"{v1}/kafkas?search={search}",
        "GET /kafkas/{id}": f"{v1}/kafkas/{org['ids'][0]}",
        "GET /cloud_providers/aws/regions": f"{v1}/cloud_providers/aws/regions",
        "GET /api/kafkas_mgmt/v1 (floor)": v1,
    }

    def median_ms(call, repeat: int = 200) -> float:
        for _ in range(20):
            call()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    out = ["## In-process time per request (Django test client, no HTTP server)", ""]
    out += ["| endpoint | median | queries | bytes |", "|---|---|---|---|"]
    for name, path in endpoints.items():
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        out.append(
            f"| {name} | {median_ms(lambda path=path: client.get(path)):.2f} ms | {len(queries)} | "
            f"{len(response.content):,} |"
        )

    rows = KafkaRequest.objects.in_org(org["org_id"]).order_by("name", "id")
    fetched = list(rows[:100])
    sql, params = rows[:100].query.sql_with_params()
    page = Page(page=1, total=len(fetched), items=fetched)
    data = KafkaRequestListSerializer(page).data

    def raw_rows() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    parts = {
        "access-list check (deny list)": lambda: is_user_denied("user-0"),
        "rows: SQL compilation": lambda: rows[:100].query.sql_with_params(),
        "rows: database round trip and fetch": raw_rows,
        "rows: all (compile, fetch, 100 model instances)": lambda: list(rows[:100]),
        "count (when the page is full)": lambda: rows.order_by().count(),
        "serialize 100 Kafkas": lambda: KafkaRequestListSerializer(page).data,
        "render JSON (orjson)": lambda: ORJSONRenderer().render(data),
    }
    out += ["", "## The parts of one organisation's list (100 Kafkas)", "", "| part | median |", "|---|---|"]
    out += [f"| {name} | {median_ms(call):.3f} ms |" for name, call in parts.items()]

    profiler = cProfile.Profile()
    path = endpoints["GET /kafkas (100 items)"]
    profiler.enable()
    for _ in range(REQUESTS):
        client.get(path)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("tottime").print_stats(25)
    out += ["", f"## cProfile: {REQUESTS} list requests, top functions by own time", "", "```", text.getvalue()]
    out += ["```"]
    print("\n".join(out))
