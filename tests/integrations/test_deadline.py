"""The deadline of a synchronous request: integration calls under it end in time, retries included."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmanager.emulators import SSOEmulator
from fleetmanager.integrations.http import deadline, remaining_seconds
from fleetmanager.integrations.sso import SSOClient, SSOError, reset_sso_client
from tests.conftest import V1, Api, error_code
from tests.integrations.test_sso import make_client, warm_up


def test_no_retry_starts_that_the_deadline_would_cut(sso_emulator: SSOEmulator, settings: Any) -> None:
    client: SSOClient = make_client(settings, retries=5, backoff_seconds=0.2)
    warm_up(client, sso_emulator)
    sso_emulator.fail_next(10, 503)

    with deadline(0.3), pytest.raises(SSOError) as excinfo:
        client.list_service_accounts()

    assert "-> 503" in str(excinfo.value)
    # Without the deadline all 6 attempts are made; with it, the backoff before a third would pass it.
    assert 1 <= len(sso_emulator.requests) <= 2


def test_an_attempt_waits_only_the_time_the_deadline_leaves(sso_emulator: SSOEmulator, settings: Any) -> None:
    client = make_client(settings, timeout=10.0, retries=3)
    warm_up(client, sso_emulator)
    sso_emulator.delay_seconds = 3.0  # slower than the deadline, well within the client's own timeout

    with deadline(0.5), pytest.raises(SSOError) as excinfo:
        client.list_service_accounts()

    assert "Timeout" in str(excinfo.value) and excinfo.value.retryable


def test_a_passed_deadline_sends_nothing(sso_emulator: SSOEmulator, settings: Any) -> None:
    client = make_client(settings)
    warm_up(client, sso_emulator)

    with deadline(0.0), pytest.raises(SSOError, match="not sent: the request's deadline has passed"):
        client.list_service_accounts()

    assert sso_emulator.requests == []


def test_an_inner_deadline_never_extends_an_outer_one() -> None:
    assert remaining_seconds() is None
    with deadline(1.0):
        with deadline(60.0):
            left = remaining_seconds()
            assert left is not None and left <= 1.0
    assert remaining_seconds() is None


@pytest.mark.django_db
def test_an_api_request_answers_before_a_slow_sso_would(sso_emulator: SSOEmulator, settings: Any, api: Api) -> None:
    settings.FLEET_SSO_TIMEOUT_SECONDS = 10.0
    settings.FLEET_INTEGRATION_DEADLINE_SECONDS = 0.5
    reset_sso_client()
    alice = api.as_user("alice")
    assert alice.get(f"{V1}/service_accounts").status_code == 200  # the token is cached
    sso_emulator.delay_seconds = 3.0

    response = alice.get(f"{V1}/service_accounts")

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    assert "sso: GET /sso/admin/realms/rhoas/clients failed: ReadTimeout" in response.json()["reason"]
