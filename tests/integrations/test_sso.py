"""The MAS-SSO client against the SSO emulator, over real HTTP: no mock of our own classes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.emulators import EmulatorServer, SSOEmulator
from fleetmanager.integrations.http import (
    MAX_BACKOFF_SECONDS,
    IntegrationError,
    backoff_delay,
    new_session,
    request_with_retries,
)
from fleetmanager.integrations.sso import ServiceAccount, SSOClient, SSOError, reset_sso_client, sso_client
from tests.integrations.common import CLIENT_TIMING, retry_table

CLIENTS_PATH = "/admin/realms/rhoas/clients"
TOKEN_PATH = "/realms/rhoas/protocol/openid-connect/token"


def make_client(settings: Any, **overrides: Any) -> SSOClient:
    options: dict[str, Any] = {
        "base_url": settings.FLEET_SSO_BASE_URL,
        "realm": settings.FLEET_SSO_REALM,
        "client_id": settings.FLEET_SSO_CLIENT_ID,
        "client_secret": settings.FLEET_SSO_CLIENT_SECRET,
        **CLIENT_TIMING,
    }
    return SSOClient(**{**options, **overrides})


@pytest.fixture
def client(sso_emulator: SSOEmulator, settings: Any) -> Iterator[SSOClient]:
    sso = make_client(settings)
    yield sso
    sso.close()


def token_calls(emulator: SSOEmulator) -> int:
    return sum(1 for _, path in emulator.requests if path == TOKEN_PATH)


def warm_up(client: SSOClient, emulator: SSOEmulator) -> None:
    """Fetch a token first, so injected faults hit the admin API, and forget the calls so far."""
    client.list_service_accounts()
    emulator.requests.clear()


# --- round trips ------------------------------------------------------------------------------


def test_it_creates_gets_and_deletes_a_service_account(client: SSOClient, sso_emulator: SSOEmulator) -> None:
    created = client.create_service_account(
        client_id="canary-abc", name="canary-abc", description="canary of abc", attributes={"kafka-id": "abc"}
    )

    assert created.client_id == "canary-abc"
    assert created.id and created.client_secret
    assert created.attributes["kafka-id"] == "abc"
    assert created.created_at is not None
    assert client.get_service_account("canary-abc") == created
    [stored] = sso_emulator.clients()
    assert stored["serviceAccountsEnabled"] is True and stored["publicClient"] is False
    assert stored["standardFlowEnabled"] is False

    assert client.delete_service_account("canary-abc") is True
    assert client.get_service_account("canary-abc") is None
    assert sso_emulator.clients() == []


def test_it_answers_none_and_false_for_a_missing_account(client: SSOClient) -> None:
    assert client.get_service_account("canary-missing") is None
    assert client.delete_service_account("canary-missing") is False


def test_create_is_idempotent(client: SSOClient, sso_emulator: SSOEmulator) -> None:
    first = client.create_service_account(client_id="canary-abc", name="canary-abc")
    second = client.create_service_account(client_id="canary-abc", name="another name")

    assert (second.id, second.client_secret, second.name) == (first.id, first.client_secret, "canary-abc")
    assert len(sso_emulator.clients()) == 1
    assert sum(1 for method, path in sso_emulator.requests if (method, path) == ("POST", CLIENTS_PATH)) == 1


def test_reset_secret_regenerates_it(client: SSOClient) -> None:
    created = client.create_service_account(client_id="kas-fleetshard-agent-c1", name="agent c1")

    reset = client.reset_secret("kas-fleetshard-agent-c1")

    assert reset.id == created.id
    assert reset.client_secret not in ("", created.client_secret)
    fetched = client.get_service_account("kas-fleetshard-agent-c1")
    assert fetched is not None and fetched.client_secret == reset.client_secret


def test_reset_secret_of_a_missing_account_is_a_permanent_error(client: SSOClient) -> None:
    with pytest.raises(SSOError) as excinfo:
        client.reset_secret("canary-missing")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (404, False)


def test_the_secret_is_left_out_of_the_repr(client: SSOClient) -> None:
    account = client.create_service_account(client_id="canary-abc", name="canary-abc")

    assert account.client_secret not in repr(account)


# --- listing ----------------------------------------------------------------------------------


@pytest.fixture
def listed(client: SSOClient) -> SSOClient:
    client.create_service_account(client_id="canary-a", name="a", attributes={"kafka-id": "a", "org": "1"})
    client.create_service_account(client_id="canary-b", name="b", attributes={"kafka-id": "b", "org": "1"})
    client.create_service_account(client_id="not-canary-x", name="x", attributes={"org": "1"})
    client.create_service_account(client_id="kas-fleetshard-agent-c1", name="c1")
    return client


@pytest.mark.parametrize(
    ("prefix", "attributes", "expected"),
    [
        ("canary-", None, ["canary-a", "canary-b"]),  # Keycloak's search also finds not-canary-x
        ("canary-", {"kafka-id": "b"}, ["canary-b"]),
        ("", {"org": "1"}, ["canary-a", "canary-b", "not-canary-x"]),
        ("", {"org": "1", "kafka-id": "a"}, ["canary-a"]),
        ("kas-fleetshard-agent-", None, ["kas-fleetshard-agent-c1"]),
        ("canary-", {"kafka-id": "nope"}, []),
        ("srvc-acct-", None, []),
    ],
)
def test_it_lists_by_client_id_prefix_and_attributes(
    listed: SSOClient, prefix: str, attributes: dict[str, str] | None, expected: list[str]
) -> None:
    accounts = listed.list_service_accounts(client_id_prefix=prefix, attributes=attributes)

    assert sorted(account.client_id for account in accounts) == expected
    assert all(account.client_secret == "" for account in accounts)


def test_it_pages_the_list(listed: SSOClient) -> None:
    pages = [listed.list_service_accounts(client_id_prefix="canary-", first=first, max_results=1) for first in (0, 1)]

    assert [[account.client_id for account in page] for page in pages] == [["canary-a"], ["canary-b"]]


# --- races --------------------------------------------------------------------------------------


def test_a_409_on_create_returns_the_account_another_worker_created(
    client: SSOClient, sso_emulator: SSOEmulator
) -> None:
    winner: dict[str, Any] = {}

    def create_first(method: str, path: str) -> None:
        if (method, path) == ("POST", CLIENTS_PATH) and not winner:
            winner.update(sso_emulator.add_client("canary-abc", name="by another worker"))

    sso_emulator.on_request = create_first

    account = client.create_service_account(client_id="canary-abc", name="canary-abc")

    assert (account.id, account.client_secret, account.name) == (winner["id"], winner["secret"], "by another worker")
    assert len(sso_emulator.clients()) == 1


def test_two_workers_creating_the_same_account_at_once_get_one_account(
    sso_emulator: SSOEmulator, settings: Any
) -> None:
    # Both creates pass their existence check before either POST is answered.
    both_posting = threading.Barrier(2, timeout=5)

    def hold_posts(method: str, path: str) -> None:
        if (method, path) == ("POST", CLIENTS_PATH):
            both_posting.wait()

    sso_emulator.on_request = hold_posts
    workers = [make_client(settings), make_client(settings)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(w.create_service_account, client_id="canary-abc", name="canary-abc") for w in workers]
        first, second = (future.result(timeout=10) for future in futures)

    assert (first.id, first.client_secret) == (second.id, second.client_secret)
    assert len(sso_emulator.clients()) == 1


# --- tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "expected_token_calls"),
    [
        (300, 1),  # cached for the whole test
        (30, 4),  # within the 30 s margin from the start: fetched for every admin call
    ],
)
def test_it_caches_the_token_until_30_seconds_before_expiry(
    client: SSOClient, sso_emulator: SSOEmulator, lifetime: int, expected_token_calls: int
) -> None:
    sso_emulator.token_lifetime_seconds = lifetime

    client.list_service_accounts()
    client.get_service_account("canary-missing")
    client.delete_service_account("canary-missing")
    client.list_service_accounts(client_id_prefix="canary-")

    assert token_calls(sso_emulator) == expected_token_calls


def test_it_refetches_the_token_once_when_the_admin_api_answers_401(
    client: SSOClient, sso_emulator: SSOEmulator
) -> None:
    client.list_service_accounts()
    sso_emulator.invalidate_tokens()

    assert client.list_service_accounts() == []
    assert token_calls(sso_emulator) == 2


def test_wrong_credentials_are_a_permanent_error(sso_emulator: SSOEmulator, settings: Any) -> None:
    sso = make_client(settings, client_secret="wrong-secret-1234")

    with pytest.raises(SSOError) as excinfo:
        sso.list_service_accounts()

    assert (excinfo.value.status_code, excinfo.value.retryable) == (401, False)
    assert "wrong-secret-1234" not in str(excinfo.value)
    assert token_calls(sso_emulator) == 1


# --- retries and failures -----------------------------------------------------------------------


@retry_table
def test_it_retries_server_errors_and_429(
    sso_emulator: SSOEmulator,
    settings: Any,
    failures: int,
    status: int,
    retries: int,
    expected_status: int | None,
    expected_calls: int,
) -> None:
    sso = make_client(settings, retries=retries)
    warm_up(sso, sso_emulator)
    sso_emulator.fail_next(failures, status)

    if expected_status is None:
        assert sso.list_service_accounts() == []
    else:
        with pytest.raises(SSOError) as excinfo:
            sso.list_service_accounts()
        assert (excinfo.value.status_code, excinfo.value.retryable) == (expected_status, True)
        assert f"-> {expected_status}" in str(excinfo.value)
    assert len(sso_emulator.requests) == expected_calls


@pytest.mark.parametrize("status", [400, 403, 404])
def test_it_does_not_retry_other_client_errors(client: SSOClient, sso_emulator: SSOEmulator, status: int) -> None:
    warm_up(client, sso_emulator)
    sso_emulator.fail_next(1, status)

    with pytest.raises(SSOError) as excinfo:
        client.list_service_accounts()

    assert (excinfo.value.status_code, excinfo.value.retryable) == (status, False)
    assert len(sso_emulator.requests) == 1


def test_a_retried_create_is_still_created_once(client: SSOClient, sso_emulator: SSOEmulator) -> None:
    warm_up(client, sso_emulator)
    sso_emulator.fail_next(1, 503)  # the existence check fails once, then everything passes

    account = client.create_service_account(client_id="canary-abc", name="canary-abc")

    assert [client["id"] for client in sso_emulator.clients()] == [account.id]


def test_a_timeout_is_a_retryable_error(sso_emulator: SSOEmulator, settings: Any) -> None:
    sso = make_client(settings, timeout=0.2, retries=1)
    sso_emulator.delay_seconds = 0.6

    with pytest.raises(SSOError) as excinfo:
        sso.list_service_accounts()

    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)
    assert "Timeout" in str(excinfo.value)
    assert token_calls(sso_emulator) == 2


def test_an_unreachable_server_is_a_retryable_error(sso_emulator: SSOEmulator, settings: Any, unused_url: str) -> None:
    sso = make_client(settings, base_url=unused_url, retries=1)

    with pytest.raises(SSOError) as excinfo:
        sso.list_service_accounts()

    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)
    assert "ConnectionError" in str(excinfo.value)


def test_secrets_and_tokens_never_reach_errors_or_logs(
    sso_emulator: SSOEmulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sso = make_client(settings)
    errors: list[SSOError] = []
    account = sso.create_service_account(client_id="canary-abc", name="canary-abc")
    reset = sso.reset_secret("canary-abc")
    # 2 x 401: the refetched token is refused as well.
    for failures, status in ((5, 503), (1, 400), (2, 401)):
        sso_emulator.fail_next(failures, status)
        with pytest.raises(SSOError) as excinfo:
            sso.get_service_account("canary-abc")
        errors.append(excinfo.value)
    sso_emulator.invalidate_tokens()
    sso.delete_service_account("canary-abc")

    secrets = [settings.FLEET_SSO_CLIENT_SECRET, account.client_secret, reset.client_secret]
    secrets += sso_emulator.issued_tokens()
    assert len(secrets) == 4 and all(secrets)
    texts = [caplog.text, *(str(error) for error in errors), *(repr(error) for error in errors)]
    assert "retry 1/3" in caplog.text  # the retries were logged
    for secret in secrets:
        assert not any(secret in text for text in texts)


# --- the process's client from settings ---------------------------------------------------------


def test_sso_client_is_built_from_settings_once_per_process(sso_emulator: SSOEmulator) -> None:
    assert sso_client() is sso_client()
    assert sso_client().create_service_account(client_id="canary-abc", name="canary-abc").client_secret

    before = sso_client()
    reset_sso_client()
    assert sso_client() is not before


def test_sso_client_refuses_when_sso_is_disabled(sso_emulator: SSOEmulator, settings: Any) -> None:
    settings.FLEET_SSO_ENABLED = False
    reset_sso_client()

    with pytest.raises(ImproperlyConfigured, match="FLEET_SSO_ENABLED"):
        sso_client()


# --- request_with_retries on its own -------------------------------------------------------------


@pytest.fixture
def unused_url() -> str:
    """The URL of a port nobody listens on: a server started and stopped at once."""
    server = EmulatorServer("127.0.0.1", 0).start()
    url = server.url
    server.stop()
    return url


@pytest.mark.parametrize(
    ("method", "path", "idempotent", "failures", "retries", "expected_status", "expected_calls"),
    [
        pytest.param("GET", CLIENTS_PATH, None, 2, 2, 401, 3, id="get-retried-then-answered"),
        pytest.param("GET", CLIENTS_PATH, None, 3, 2, 503, 3, id="get-retries-exhausted-returns-last"),
        pytest.param("DELETE", CLIENTS_PATH + "/x", None, 1, 2, 401, 2, id="delete-is-idempotent"),
        pytest.param("POST", TOKEN_PATH, None, 1, 2, 503, 1, id="post-not-retried"),
        pytest.param("POST", TOKEN_PATH, True, 1, 2, 400, 2, id="post-vouched-idempotent"),
        pytest.param("GET", "/nowhere", None, 0, 2, 404, 1, id="404-not-retried"),
    ],
)
def test_request_with_retries(
    sso_emulator: SSOEmulator,
    emulator_server: EmulatorServer,
    method: str,
    path: str,
    idempotent: bool | None,
    failures: int,
    retries: int,
    expected_status: int,
    expected_calls: int,
) -> None:
    sso_emulator.fail_next(failures, 503)
    session = new_session(timeout=5)

    response = request_with_retries(
        session,
        method,
        f"{emulator_server.url}/sso{path}",
        retries=retries,
        backoff_seconds=0.001,
        idempotent=idempotent,
    )

    assert response.status_code == expected_status
    assert response.headers["Content-Type"] == "application/json" and "error" in response.json()
    assert len(sso_emulator.requests) == expected_calls


def test_an_unknown_mount_answers_404_json(emulator_server: EmulatorServer) -> None:
    response = requests.get(f"{emulator_server.url}/nowhere", timeout=5)

    assert response.status_code == 404
    assert response.json() == {"error": "no emulator mounted for /nowhere"}


def test_request_with_retries_raises_after_transport_failures(unused_url: str) -> None:
    with pytest.raises(IntegrationError) as excinfo:
        request_with_retries(
            new_session(timeout=1), "GET", f"{unused_url}/x?client_secret=hunter2", retries=1, backoff_seconds=0.001
        )

    error = excinfo.value
    assert (error.service, error.status_code, error.retryable) == ("http", None, True)
    assert str(error) == "http: GET /x failed: ConnectionError"


def test_error_messages_name_the_path_but_not_the_query(
    sso_emulator: SSOEmulator, emulator_server: EmulatorServer
) -> None:
    url = f"{emulator_server.url}/sso{CLIENTS_PATH}?client_secret=hunter2"
    response = request_with_retries(new_session(timeout=5), "GET", url, retries=0, backoff_seconds=0)

    error = IntegrationError.from_response(response)

    assert str(error) == "http: GET /sso/admin/realms/rhoas/clients -> 401 Unauthorized"
    assert (error.status_code, error.retryable) == (401, False)


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 0.2), (1, 0.4), (3, 1.6), (10, MAX_BACKOFF_SECONDS)])
def test_backoff_grows_exponentially_with_jitter_and_a_cap(attempt: int, ceiling: float) -> None:
    delays = [backoff_delay(attempt, 0.2) for _ in range(50)]

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1


def test_service_account_is_a_frozen_value() -> None:
    account = ServiceAccount("id", "canary-a", "s3cret", "a", "", {}, None)

    with pytest.raises(AttributeError):
        account.client_id = "other"  # type: ignore[misc]
