"""The large fuzzing run (issue 15): schemathesis against every API, as `make test` runs it, 25 times the examples.

The same six targets and checks as `tests/test_fuzz.py` (public, agent and admin API, from the
schema we serve and from upstream's contract files; see tests/fuzz.py), with more examples per
operation and the stateful phase (chains of calls: create, read, change, delete), on gunicorn
as deployed, a fresh PostgreSQL database and the emulated integrations. Prints the counts per
target and writes them to `bench/results/fuzz-<time>.json`; exits 1 when anything was found.

`BENCH_FUZZ_EXAMPLES` (500) examples per operation and phase, `BENCH_FUZZ_SEED` (random; the one
used is printed, so a run can be repeated).
"""

from __future__ import annotations

import io
import json
import os
import platform
import random
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, bench_database, free_port, manage, stop_processes, wait_for_port

EXAMPLES = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "500"))
SEED = int(os.environ.get("BENCH_FUZZ_SEED") or random.randrange(2**31))
RESULTS = ROOT / "bench" / "results"


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("sync_quota_config", stdout=io.StringIO())


def run() -> dict:
    logs = Path(tempfile.mkdtemp(prefix="fleet-bench-fuzz-"))
    var = Path(tempfile.mkdtemp(prefix="fleet-bench-var-"))
    emulator_port = free_port()
    emulators = f"http://127.0.0.1:{emulator_port}"
    processes = []
    try:
        with bench_database() as database_url:
            env = {
                "DATABASE_URL": database_url,
                "DJANGO_SETTINGS_MODULE": "fleetmanager.settings",
                "FLEET_VAR_DIR": str(var),  # the API trusts the development key the tokens are signed with
                "FLEET_SSO_BASE_URL": f"{emulators}/sso",
                "FLEET_OCM_BASE_URL": f"{emulators}/ocm",
                "FLEET_OCM_TOKEN_URL": f"{emulators}/sso/realms/redhat-external/protocol/openid-connect/token",
                "FLEET_LOG_LEVEL": "WARNING",
            }
            _setup_django(env)
            from tests.fuzz import build_world, create_service_account, fuzz, fuzz_tokens, served_api, totals

            child_env = dict(os.environ)  # with `env` applied by _setup_django
            processes.append(
                manage(
                    "emulators",
                    "--port",
                    str(emulator_port),
                    env=child_env,
                    background=True,
                    log=logs / "emulators.log",
                )
            )
            wait_for_port(emulator_port)
            with served_api(child_env, logs / "gunicorn.log") as url:
                tokens = fuzz_tokens()
                world = build_world(service_account_id=create_service_account(url, tokens["user_token"]))
                reports = []
                for target in world.targets(**tokens):
                    report = fuzz(target, url, max_examples=EXAMPLES, seed=SEED, stateful=True)
                    print(_line(report.summary()), flush=True)
                    reports.append(report)
        return {
            "machine": f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})",
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "examples_per_operation": EXAMPLES,
            "seed": SEED,
            "totals": totals(reports),
            "targets": [report.summary() for report in reports],
            "findings": [problem for report in reports for problem in report.problems()],
            "logs": str(logs),
        }
    finally:
        stop_processes(processes)
        shutil.rmtree(var, ignore_errors=True)


def _line(summary: dict) -> str:
    return (
        f"  {summary['target']:<20} {summary['operations']:>3} operations {summary['requests']:>6} requests  "
        f"5xx {summary['server_errors']}  schema violations {summary['schema_violations']}  "
        f"other findings {summary['other_findings']}  ({summary['seconds']} s)"
    )


def report() -> None:
    print(f"## fuzz: schemathesis, {EXAMPLES} examples per operation, stateful, seed {SEED}", flush=True)
    result = run()
    total = result["totals"]
    print(
        f"  total: {total['operations']} operations, {total['requests']} requests, 5xx {total['server_errors']}, "
        f"schema violations {total['schema_violations']}, findings {total['findings']}, {total['seconds']} s"
    )
    for finding in result["findings"][:20]:
        print(finding)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"fuzz-{stamp}.json").write_text(json.dumps(result, indent=1))
    print(f"  written to bench/results/fuzz-{stamp}.json")
    if result["findings"]:
        sys.exit(1)
