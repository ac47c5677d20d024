"""Fuzzing the served API (issue 15): schemathesis against the schemas we serve and upstream's contracts.

A bounded run: each of the six targets (public, agent and admin API; served schema and upstream
file) gets schemathesis' examples, coverage and fuzzing phases with a few examples per operation,
on gunicorn as deployed, with valid tokens and a seeded world. Zero 5xx, zero responses that break
the schema or upstream's contract, every operation reached. `make bench` runs the large one
(bench/fuzz.py); what is checked, and what is not and why, is in tests/fuzz.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fleetmanager.emulators import EmulatorServer, SSOEmulator
from tests.conftest import subprocess_env
from tests.fuzz import (
    FuzzWorld,
    build_world,
    create_service_account,
    fuzz,
    fuzz_tokens,
    served_api,
    totals,
)

MAX_EXAMPLES = 20
SEED = 15
# Operations in each served schema (and upstream file): the run must reach every one.
OPERATIONS = {"public": 26, "private": 5, "admin": 5}

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def api_url(sso_emulator: SSOEmulator, emulator_server: EmulatorServer, settings: Any, tmp_path: Path) -> Iterator[str]:
    realm = f"{emulator_server.url}/sso/realms/redhat-external/protocol/openid-connect/token"
    env = subprocess_env(
        DJANGO_SETTINGS_MODULE="fleetmanager.settings",
        FLEET_SSO_BASE_URL=settings.FLEET_SSO_BASE_URL,
        FLEET_SSO_CLIENT_ID=settings.FLEET_SSO_CLIENT_ID,
        FLEET_SSO_CLIENT_SECRET=settings.FLEET_SSO_CLIENT_SECRET,
        FLEET_OCM_BASE_URL=f"{emulator_server.url}/ocm",
        FLEET_OCM_TOKEN_URL=realm,
        FLEET_OCM_CLIENT_ID=sso_emulator.client_id,
        FLEET_OCM_CLIENT_SECRET=sso_emulator.client_secret,
        FLEET_LOG_LEVEL="WARNING",
    )
    with served_api(env, tmp_path / "gunicorn.log") as url:
        yield url


@pytest.fixture
def world(api_url: str) -> FuzzWorld:
    tokens = fuzz_tokens()
    return build_world(service_account_id=create_service_account(api_url, tokens["user_token"]))


def test_fuzzing_every_api_finds_no_server_error_and_no_response_outside_the_schema(
    api_url: str, world: FuzzWorld
) -> None:
    reports = [fuzz(target, api_url, max_examples=MAX_EXAMPLES, seed=SEED) for target in world.targets(**fuzz_tokens())]
    summary = totals(reports)
    print(json.dumps({"totals": summary, "targets": [report.summary() for report in reports]}, indent=1))

    problems = [problem for report in reports for problem in report.problems()]
    assert not problems, f"{len(problems)} findings:\n" + "\n\n".join(problems[:30])
    assert summary["server_errors"] == 0 and summary["schema_violations"] == 0
    for report in reports:
        spec = report.target.split()[0]
        assert len(report.operations) == OPERATIONS[spec], (report.target, sorted(report.operations))
        assert report.statuses[200] > 0 and report.requests >= 5 * OPERATIONS[spec], report.summary()
