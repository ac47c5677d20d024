"""`/service_accounts` and `/sso_providers` (BEHAVIOUR.md §1.12) through the SSO emulator, over real HTTP."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from fleetmanager.api.jwks import key_store
from fleetmanager.emulators import SSOEmulator
from fleetmanager.integrations.sso import reset_sso_client
from tests.conftest import ORG, OTHER_ORG, V1, Api, error_code
from tests.factories import KafkaFactory

ACCOUNTS = f"{V1}/service_accounts"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
CLIENT_ID = re.compile(r"srvc-acct-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def sso(sso_emulator: SSOEmulator, settings: Any) -> SSOEmulator:
    settings.FLEET_SSO_RETRIES = 1  # failure tests exhaust the retries; keep them short
    reset_sso_client()
    return sso_emulator


@pytest.fixture
def alice(api: Api, sso: SSOEmulator) -> Api:
    return api.as_user("alice", ORG, account_id="alice-account")


def create(client: Api, name: str = "my-account", description: str = "for my app") -> dict[str, Any]:
    response = client.post(ACCOUNTS, {"name": name, "description": description})
    assert response.status_code == 202, response.content
    return response.json()


def user_accounts(sso: SSOEmulator) -> list[dict[str, Any]]:
    return [client for client in sso.clients() if client["clientId"].startswith("srvc-acct-")]


# --- create, read, delete, reset ----------------------------------------------------------------


def test_it_creates_an_account_of_the_callers_org_with_its_secret(alice: Api, sso: SSOEmulator) -> None:
    account = create(alice)

    assert CLIENT_ID.fullmatch(account["client_id"])
    assert account["client_secret"]
    assert account["kind"] == "ServiceAccount"
    assert account["href"] == f"{ACCOUNTS}/{account['id']}"
    assert (account["name"], account["description"]) == ("my-account", "for my app")
    assert account["created_by"] == account["owner"] == "alice"
    assert account["created_at"].endswith("Z")
    [stored] = user_accounts(sso)
    assert stored["id"] == account["id"]
    assert {key: stored["attributes"][key] for key in ("rh-org-id", "rh-user-id", "username")} == {
        "rh-org-id": ORG,
        "rh-user-id": "alice-account",
        "username": "alice",
    }
    assert sorted(mapper["name"] for mapper in stored["protocolMappers"]) == ["rh-org-id", "rh-user-id", "username"]


def test_it_lists_the_orgs_user_accounts_only(alice: Api, api: Api, sso: SSOEmulator) -> None:
    mine = create(alice, "mine")
    colleagues = create(api.as_user("dave", ORG, account_id="dave-account"), "colleagues")
    create(api.as_user("eve", OTHER_ORG, account_id="eve-account"), "elsewhere")
    sso.add_client("canary-abc", attributes={"rh-org-id": ORG})  # the org's canary is not a user account

    response = alice.get(ACCOUNTS)

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "ServiceAccountList"
    assert sorted(item["id"] for item in body["items"]) == sorted([mine["id"], colleagues["id"]])
    assert all("client_secret" not in item for item in body["items"])


def test_page_is_the_first_index_and_size_the_most_to_return(alice: Api) -> None:
    ids = [create(alice, f"account-{n}")["id"] for n in range(3)]

    everything = [item["id"] for item in alice.get(ACCOUNTS).json()["items"]]
    window = [item["id"] for item in alice.get(ACCOUNTS, {"page": "1", "size": "1"}).json()["items"]]

    assert sorted(everything) == sorted(ids)
    assert window == everything[1:2]


def test_it_finds_an_account_by_client_id_or_answers_an_empty_list(alice: Api) -> None:
    account = create(alice)

    found = alice.get(ACCOUNTS, {"client_id": account["client_id"]}).json()
    missing = alice.get(ACCOUNTS, {"client_id": f"srvc-acct-{UNKNOWN_ID}"}).json()

    assert [item["id"] for item in found["items"]] == [account["id"]]
    assert missing == {"kind": "ServiceAccountList", "items": []}


def test_it_gets_an_account_without_its_secret(alice: Api) -> None:
    account = create(alice)

    response = alice.get(f"{ACCOUNTS}/{account['id']}")

    assert response.status_code == 200
    body = response.json()
    assert "client_secret" not in body
    assert {key: body[key] for key in ("id", "client_id", "name", "created_by")} == {
        key: account[key] for key in ("id", "client_id", "name", "created_by")
    }


@pytest.mark.parametrize(
    ("who", "get", "delete"),
    [
        pytest.param({"user": "alice", "org": ORG, "account_id": "alice-account"}, 200, 204, id="owner"),
        pytest.param({"user": "olga", "org": ORG, "is_org_admin": True}, 200, 204, id="org-admin"),
        pytest.param({"user": "dave", "org": ORG, "account_id": "dave-account"}, 403, 403, id="same-org"),
        pytest.param({"user": "eve", "org": OTHER_ORG, "is_org_admin": True}, 403, 403, id="other-org-admin"),
    ],
)
def test_who_may_read_and_delete_an_account(
    alice: Api, api: Api, sso: SSOEmulator, who: dict[str, Any], get: int, delete: int
) -> None:
    account = create(alice)
    caller = api.as_user(who.pop("user"), who.pop("org"), **who)

    read = caller.get(f"{ACCOUNTS}/{account['id']}")
    removed = caller.delete(f"{ACCOUNTS}/{account['id']}")

    assert (read.status_code, removed.status_code) == (get, delete)
    if delete == 403:
        assert error_code(removed) == "KAFKAS-MGMT-4"
        assert len(user_accounts(sso)) == 1
    else:
        assert user_accounts(sso) == []
        assert error_code(caller.get(f"{ACCOUNTS}/{account['id']}")) == "KAFKAS-MGMT-113"


def test_reset_credentials_replaces_the_secret(alice: Api, sso: SSOEmulator) -> None:
    account = create(alice)

    response = alice.post(f"{ACCOUNTS}/{account['id']}/reset_credentials")

    assert response.status_code == 200
    new_secret = response.json()["client_secret"]
    assert new_secret and new_secret != account["client_secret"]
    assert _token(sso, account["client_id"], account["client_secret"]).status_code == 401
    assert _token(sso, account["client_id"], new_secret).status_code == 200


def test_an_agent_or_canary_client_is_not_a_user_account(alice: Api, sso: SSOEmulator) -> None:
    agent = sso.add_client("kas-fleetshard-agent-c1", attributes={"rh-org-id": ORG})

    for method, path in (
        ("get", f"{ACCOUNTS}/{agent['id']}"),
        ("delete", f"{ACCOUNTS}/{agent['id']}"),
        ("post", f"{ACCOUNTS}/{agent['id']}/reset_credentials"),
    ):
        response = alice.request(method, path)
        assert (response.status_code, error_code(response)) == (404, "KAFKAS-MGMT-113"), path
    assert [client["clientId"] for client in sso.clients()] == ["kas-fleetshard-agent-c1"]


# --- bad input: upstream's order and codes; nothing is created -----------------------------------


@pytest.mark.parametrize(
    ("body", "code", "reason"),
    [
        ({"description": "no name"}, 33, "name is not valid, minimum length 1"),
        ({"name": ""}, 33, "minimum length 1"),
        ({"name": "a" * 51}, 34, "name is not valid, maximum length 50"),
        ({"name": "ok", "description": "d" * 256}, 34, "description is not valid, maximum length 255"),
        ({"name": "Upper"}, 38, "name does not match"),
        ({"name": "-leading"}, 38, "name does not match"),
        ({"name": "trailing-"}, 38, "name does not match"),
        ({"name": "new\n"}, 38, "name does not match"),  # Go's `$` is the end of the text
        ({"name": "ok", "description": "semi;colon"}, 39, "description does not match"),
        ({"name": "ok", "description": "caf\u00e9"}, 39, "description does not match"),
        ({"name": "ok", "description": "no\u00a0break"}, 39, "description does not match"),  # not ASCII space
        ({"name": "a" * 51, "description": ";"}, 34, "name"),  # the first failure wins
        ({"name": 7}, 17, "invalid request format"),
    ],
)
def test_it_refuses_a_bad_account_and_creates_nothing(
    alice: Api, sso: SSOEmulator, body: dict[str, Any], code: int, reason: str
) -> None:
    response = alice.post(ACCOUNTS, body)

    assert response.status_code == 400
    assert error_code(response) == f"KAFKAS-MGMT-{code}"
    assert reason in response.json()["reason"]
    assert sso.clients() == []


@pytest.mark.parametrize(
    ("account_id", "code"),
    [
        ("not-a-uuid", 40),
        ("ABCDEF00-0000-4000-8000-000000000000", 40),  # upper case
        ("0" * 37, 34),
    ],
)
@pytest.mark.parametrize("method", ["get", "delete", "reset"])
def test_it_refuses_a_malformed_account_id(
    alice: Api, sso: SSOEmulator, method: str, account_id: str, code: int
) -> None:
    sso.requests.clear()
    path = f"{ACCOUNTS}/{account_id}" + ("/reset_credentials" if method == "reset" else "")

    response = alice.request("post" if method == "reset" else method, path)

    assert (response.status_code, error_code(response)) == (400, f"KAFKAS-MGMT-{code}")
    assert sso.requests == []  # refused before the SSO is asked


@pytest.mark.parametrize(
    ("client_id", "code"),
    [("", 33), ("x" * 48, 34), ("canary-abc", 40), (f"srvc-acct-{UNKNOWN_ID}x", 40)],
)
def test_it_refuses_a_malformed_client_id(alice: Api, client_id: str, code: int) -> None:
    response = alice.get(ACCOUNTS, {"client_id": client_id})

    assert (response.status_code, error_code(response)) == (400, f"KAFKAS-MGMT-{code}")


def test_an_unknown_account_is_404_113(alice: Api) -> None:
    for method, path in (
        ("get", f"{ACCOUNTS}/{UNKNOWN_ID}"),
        ("delete", f"{ACCOUNTS}/{UNKNOWN_ID}"),
        ("post", f"{ACCOUNTS}/{UNKNOWN_ID}/reset_credentials"),
    ):
        response = alice.request(method, path)
        assert (response.status_code, error_code(response)) == (404, "KAFKAS-MGMT-113"), path


# --- the per-org limit ------------------------------------------------------------------------------


def test_an_org_at_its_limit_gets_403_115(alice: Api, api: Api, sso: SSOEmulator, settings: Any) -> None:
    settings.FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS = 2
    create(alice, "one")
    create(api.as_user("dave", ORG, account_id="dave-account"), "two")
    create(api.as_user("eve", OTHER_ORG), "elsewhere")  # other orgs do not count

    response = alice.post(ACCOUNTS, {"name": "three"})

    assert (response.status_code, error_code(response)) == (403, "KAFKAS-MGMT-115")
    assert f"max allowed number:2 of service accounts for user in org:{ORG} has reached" in response.json()["reason"]
    assert len(user_accounts(sso)) == 3


def test_an_org_on_the_skip_list_has_no_limit(alice: Api, sso: SSOEmulator, settings: Any, config_dir: Any) -> None:
    settings.FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS = 1
    (config_dir / "service-account-limits-check-skip-org-id-list.yaml").write_text(f"- '{ORG}'\n")

    create(alice, "one")
    create(alice, "two")

    assert len(user_accounts(sso)) == 2


# --- the SSO failing: upstream's 500 codes, a reason naming the SSO, an answer within the timeout --


def _fail_after(sso: SSOEmulator, method: str, path_end: str, status: int = 503) -> None:
    """Let the calls up to ``method ...path_end`` pass, then fail every call from that one on."""

    def hook(seen_method: str, path: str) -> None:
        if seen_method == method and path.endswith(path_end):
            sso.fail_next(10, status)

    sso.on_request = hook


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        ("list", 9),
        ("limit-check", 9),
        ("create", 110),
        ("get", 111),
        ("delete", 112),
        ("reset", 9),
        ("by-client-id", 111),
    ],
)
def test_an_sso_outage_is_a_500_naming_the_sso(alice: Api, sso: SSOEmulator, operation: str, code: int) -> None:
    account = create(alice)
    if operation in ("delete", "reset"):
        _fail_after(sso, "GET", f"/clients/{account['id']}")  # found, then the change fails
    elif operation == "create":
        _fail_after(sso, "GET", "/clients")  # the limit is checked, then the create fails
    else:
        sso.fail_next(10, 503)
    request = {
        "list": ("get", ACCOUNTS, None),
        "limit-check": ("post", ACCOUNTS, {"name": "another"}),
        "create": ("post", ACCOUNTS, {"name": "another"}),
        "get": ("get", f"{ACCOUNTS}/{account['id']}", None),
        "delete": ("delete", f"{ACCOUNTS}/{account['id']}", None),
        "reset": ("post", f"{ACCOUNTS}/{account['id']}/reset_credentials", None),
        "by-client-id": ("get", f"{ACCOUNTS}?client_id={account['client_id']}", None),
    }[operation]

    response = alice.request(*request)

    assert (response.status_code, error_code(response)) == (500, f"KAFKAS-MGMT-{code}")
    assert "sso: " in response.json()["reason"] and "503" in response.json()["reason"]
    sso.on_request = None
    sso.clear_faults()
    assert [client["id"] for client in user_accounts(sso)] == [account["id"]]  # nothing lost, nothing added


def test_a_slow_sso_is_answered_within_the_timeout(alice: Api, sso: SSOEmulator, settings: Any) -> None:
    alice.get(ACCOUNTS)  # the token is cached; the admin API then hangs
    settings.FLEET_SSO_TIMEOUT_SECONDS = 0.3
    settings.FLEET_SSO_RETRIES = 0
    reset_sso_client()
    sso.delay_seconds = 2.0

    response = alice.get(ACCOUNTS)

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    assert "sso: " in response.json()["reason"] and "Timeout" in response.json()["reason"]


def test_an_sso_that_refuses_connections_is_a_500_naming_it(alice: Api, settings: Any) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.FLEET_SSO_BASE_URL = f"http://127.0.0.1:{port}/sso"
    reset_sso_client()

    response = alice.post(ACCOUNTS, {"name": "nowhere"})

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    assert "sso: POST" in response.json()["reason"] and "ConnectionError" in response.json()["reason"]


# --- /sso_providers ---------------------------------------------------------------------------------


def test_sso_providers_is_public_and_names_the_realm(api: Api, sso: SSOEmulator, settings: Any) -> None:
    response = api.get(f"{V1}/sso_providers")

    assert response.status_code == 200
    realm = f"{settings.FLEET_SSO_BASE_URL}/realms/rhoas"
    assert response.json() == {
        "id": "",
        "kind": "",
        "href": "",
        "name": "mas_sso",
        "base_url": settings.FLEET_SSO_BASE_URL,
        "token_url": f"{realm}/protocol/openid-connect/token",
        "jwks": f"{realm}/protocol/openid-connect/certs",
        "valid_issuer": realm,
    }


# --- end to end: a service account's own token calls the API ---------------------------------------


def _token(sso: SSOEmulator, client_id: str, secret: str) -> requests.Response:
    from django.conf import settings

    url = f"{settings.FLEET_SSO_BASE_URL}/realms/rhoas/protocol/openid-connect/token"
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return requests.post(url, data=data, timeout=5)


@pytest.fixture
def trusted_sso_realm(sso: SSOEmulator, settings: Any) -> Iterator[None]:
    """The API trusts the SSO realm's keys, as a deployment lists them in FLEET_JWKS_URLS."""
    settings.FLEET_JWKS_URLS = [f"{settings.FLEET_SSO_BASE_URL}/realms/rhoas/protocol/openid-connect/certs"]
    key_store.reset()
    yield
    key_store.reset()


@pytest.mark.usefixtures("trusted_sso_realm")
def test_a_service_account_gets_a_token_and_acts_in_its_creators_org(
    alice: Api, api: Api, sso: SSOEmulator, ready_cluster: Any
) -> None:
    KafkaFactory(name="orgs-kafka", owner="dave")
    KafkaFactory(name="other-orgs-kafka", owner="eve", organisation_id=OTHER_ORG)
    account = create(alice)

    token = _token(sso, account["client_id"], account["client_secret"])
    assert token.status_code == 200
    as_account = api.with_token(token.json()["access_token"])
    kafkas = as_account.get(f"{V1}/kafkas")
    listed = as_account.get(ACCOUNTS)
    created = as_account.post(f"{V1}/kafkas?async=true", {"name": "made-by-robot"})

    assert kafkas.status_code == 200, kafkas.content
    assert [item["name"] for item in kafkas.json()["items"]] == ["orgs-kafka"]
    assert [item["client_id"] for item in listed.json()["items"]] == [account["client_id"]]
    assert created.status_code == 202, created.content
    assert created.json()["owner"] == "alice"  # the `username` claim of its creator


def test_the_list_needs_no_database_beyond_the_access_check(alice: Api, django_assert_num_queries: Any) -> None:
    # Service accounts live in SSO; the perf-suite mix lists them (tests/test_query_counts.py).
    create(alice, "one")

    with django_assert_num_queries(1):
        assert alice.get(ACCOUNTS).status_code == 200
