"""The AMS client against the AMS emulator, over real HTTP: no mock of our own classes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.emulators import AMSEmulator, EmulatorServer, SSOEmulator
from fleetmanager.integrations.ams import (
    AMSClient,
    AMSError,
    CloudAccount,
    ClusterAuthorization,
    QuotaCost,
    RelatedResource,
    ReservedResource,
    ams_client,
    quote_search_value,
    reset_ams_client,
)
from tests.integrations.common import ocm_client_options, retry_table

ORG = "13640203"
ORG_ID = "1MK6ieFXd0eu1hERdENAPvpbi7x"  # AMS's internal id of ORG
OTHER_ORG = "13639843"
TOKEN_PATH = "/realms/redhat-external/protocol/openid-connect/token"
AUTHORIZE_PATH = "/v1/cluster_authorizations"


def make_client(settings: Any, **overrides: Any) -> AMSClient:
    return AMSClient(**ocm_client_options(settings, **overrides))


@pytest.fixture
def client(ams_emulator: AMSEmulator, settings: Any) -> Iterator[AMSClient]:
    ams = make_client(settings)
    yield ams
    ams.close()


@pytest.fixture
def seeded(ams_emulator: AMSEmulator) -> AMSEmulator:
    """Two organisations, three users of ORG (one banned), one of OTHER_ORG."""
    ams_emulator.add_organization(ORG, internal_id=ORG_ID)
    for username, org, banned in (("alice", ORG, False), ("carol", ORG, False), ("mallory", ORG, True)):
        ams_emulator.add_account(username, org, banned=banned)
    ams_emulator.add_account("bob", OTHER_ORG)
    return ams_emulator


def token_calls(sso_emulator: SSOEmulator) -> int:
    return sum(1 for _, path in sso_emulator.requests if path == TOKEN_PATH)


def posts(ams_emulator: AMSEmulator) -> int:
    return sum(1 for request in ams_emulator.requests if request == ("POST", AUTHORIZE_PATH))


def warm_up(client: AMSClient, ams_emulator: AMSEmulator) -> None:
    """Fetch a token first, so injected faults hit AMS, and forget the calls so far."""
    client.organization_id("warm-up")
    ams_emulator.requests.clear()


def reserve(client: AMSClient, cluster_id: str = "kafka1", **overrides: Any) -> ClusterAuthorization:
    """A Kafka's reservation as the quota service sends it: standard billing, one rhosak unit."""
    resource = {"resource_name": "rhosak", "resource_type": "cluster.aws", "count": overrides.pop("count", 1)}
    if "marketplace_account" in overrides:
        resource["billing_marketplace_account"] = overrides.pop("marketplace_account")
    options: dict[str, Any] = {
        "account_username": "alice",
        "cluster_id": cluster_id,
        "external_cluster_id": cluster_id,
        "product_id": "RHOSAK",
        "billing_model": "standard",
        "availability_zone": "multi",
        "resources": [resource],
        "cloud_provider_id": "aws",
    }
    return client.reserve_cluster_authorization(**{**options, **overrides})


def consumed(ams_emulator: AMSEmulator, org: str = ORG) -> list[int]:
    return [quota["consumed"] for quota in ams_emulator.quotas(org)]


# --- organisations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("external_id", "expected"),
    [
        (ORG, ORG_ID),
        ("55555555", None),
        ("13640203' or external_id = '13639843", None),  # quoted, not injected
    ],
)
def test_it_looks_up_the_internal_organisation_id(
    client: AMSClient, seeded: AMSEmulator, external_id: str, expected: str | None
) -> None:
    seeded.add_organization(OTHER_ORG)

    assert client.organization_id(external_id) == expected


# --- quota costs ----------------------------------------------------------------------------------


@pytest.fixture
def quotas(seeded: AMSEmulator) -> AMSEmulator:
    seeded.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5, consumed=2, quota_id="q-standard")
    seeded.add_quota(
        ORG,
        product="RHOSAK",
        billing_model="marketplace",
        allowed=10,
        cloud_accounts=[("123456789012", "aws"), {"cloud_account_id": "rhm-1", "cloud_provider_id": "rhm"}],
        quota_id="q-marketplace",
    )
    seeded.add_quota(ORG, product="RHOSAKTrial", billing_model="standard", allowed=0, cost=0, quota_id="q-trial")
    seeded.add_quota(
        ORG, product="OSD", billing_model="standard", allowed=3, resource_name="compute.node", quota_id="q-osd"
    )
    seeded.add_quota(OTHER_ORG, product="RHOSAK", billing_model="standard", allowed=1, quota_id="q-other")
    return seeded


@pytest.mark.parametrize(
    ("product", "billing_model", "expected"),
    [
        (None, None, ["q-standard", "q-marketplace", "q-trial"]),
        ("RHOSAK", None, ["q-standard", "q-marketplace"]),
        ("RHOSAK", "marketplace", ["q-marketplace"]),
        ("RHOSAKTrial", None, ["q-trial"]),
        ("RHOSAKCC", None, []),
    ],
)
def test_it_lists_the_quota_costs_of_a_product(
    client: AMSClient, quotas: AMSEmulator, product: str | None, billing_model: str | None, expected: list[str]
) -> None:
    costs = client.quota_costs(ORG_ID, product=product, billing_model=billing_model)

    assert [cost.quota_id for cost in costs] == expected


def test_quota_costs_carry_related_resources_and_cloud_accounts(client: AMSClient, quotas: AMSEmulator) -> None:
    standard, marketplace = client.quota_costs(ORG_ID, product="RHOSAK")

    assert (standard.allowed, standard.consumed, standard.cloud_accounts) == (5, 2, ())
    assert marketplace == QuotaCost(
        quota_id="q-marketplace",
        allowed=10,
        consumed=0,
        related_resources=(RelatedResource("rhosak", "cluster.aws", "RHOSAK", "marketplace", "any", 1),),
        cloud_accounts=(CloudAccount("123456789012", "aws"), CloudAccount("rhm-1", "rhm")),
    )
    assert marketplace.billing_models == {"marketplace"}


def test_without_related_resources_every_quota_cost_is_returned(client: AMSClient, quotas: AMSEmulator) -> None:
    costs = client.quota_costs(ORG_ID, product="RHOSAK", fetch_related_resources=False)

    assert [cost.quota_id for cost in costs] == ["q-standard", "q-marketplace", "q-trial", "q-osd"]
    assert all(cost.related_resources == () for cost in costs)


def test_it_pages_through_long_quota_lists(client: AMSClient, seeded: AMSEmulator) -> None:
    for n in range(150):
        seeded.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=n + 1)
    warm_up(client, seeded)

    assert len(client.quota_costs(ORG_ID)) == 150
    assert seeded.requests == [("GET", f"/v1/organizations/{ORG_ID}/quota_cost")] * 2


def test_quota_costs_of_an_unknown_organisation_are_a_permanent_error(client: AMSClient, seeded: AMSEmulator) -> None:
    with pytest.raises(AMSError) as excinfo:
        client.quota_costs("no-such-org")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (404, False)
    assert "ACCT-MGMT-404" in str(excinfo.value)


# --- reservations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed", "already_consumed", "cost", "count", "expected"),
    [
        pytest.param(5, 0, 1, 1, True, id="room"),
        pytest.param(5, 4, 1, 1, True, id="last-unit"),
        pytest.param(5, 5, 1, 1, False, id="full"),
        pytest.param(5, 3, 1, 3, False, id="count-does-not-fit"),
        pytest.param(0, 0, 1, 1, False, id="nothing-allowed"),
        pytest.param(0, 0, 0, 1, True, id="free"),
    ],
)
def test_it_reserves_quota_only_when_it_fits(
    client: AMSClient,
    seeded: AMSEmulator,
    allowed: int,
    already_consumed: int,
    cost: int,
    count: int,
    expected: bool,
) -> None:
    seeded.add_quota(
        ORG, product="RHOSAK", billing_model="standard", allowed=allowed, consumed=already_consumed, cost=cost
    )

    authorization = reserve(client, count=count)

    assert authorization.allowed is expected
    assert authorization.reused is False
    if expected:
        [subscription] = seeded.subscriptions()
        assert authorization.subscription_id == subscription["id"]
        assert authorization.excess_resources == ()
        assert consumed(seeded) == [already_consumed + count * cost]
    else:
        assert authorization.subscription_id is None
        assert authorization.excess_resources == (ReservedResource("rhosak", "cluster.aws", "standard", count),)
        assert (seeded.subscriptions(), consumed(seeded)) == ([], [already_consumed])


def test_a_reservation_creates_a_subscription_of_the_cluster(client: AMSClient, seeded: AMSEmulator) -> None:
    seeded.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5)

    authorization = reserve(client, "kafka1-eval", external_cluster_id="kafka1-eval")

    subscription = client.subscription_for_cluster("kafka1-eval")
    assert subscription is not None and subscription.id == authorization.subscription_id
    assert (subscription.organization_id, subscription.plan_id) == (ORG_ID, "RHOSAK")
    assert (subscription.cluster_billing_model, subscription.status) == ("standard", "Active")
    assert subscription.external_cluster_id == "kafka1-eval"
    assert client.subscription(subscription.id) == subscription
    [reserved] = client.reserved_resources(subscription.id)
    assert (reserved.resource_name, reserved.billing_model, reserved.count) == ("rhosak", "standard", 1)


def test_quota_is_consumed_and_released_with_the_subscription(client: AMSClient, seeded: AMSEmulator) -> None:
    seeded.add_quota(ORG, product="RHOSAK", billing_model="standard", allowed=5)
    first, second = reserve(client, "kafka1", count=2), reserve(client, "kafka2", count=2)
    assert consumed(seeded) == [4]
    assert reserve(client, "kafka3", count=2).allowed is False

    assert first.subscription_id and client.delete_subscription(first.subscription_id) is True

    assert consumed(seeded) == [2]
    assert client.delete_subscription(first.subscription_id) is False
    assert reserve(client, "kafka3", count=2).allowed is True
    assert second.subscription_id and client.subscription(second.subscription_id) is not None
    assert client.subscription(first.subscription_id) is None


@pytest.mark.parametrize(
    ("account", "expected"),
    [("123456789012", True), ("rhm-1", True), ("999999999999", False)],
)
def test_marketplace_reservations_need_an_account_of_the_quota(
    client: AMSClient, quotas: AMSEmulator, account: str, expected: bool
) -> None:
    authorization = reserve(client, billing_model="marketplace", marketplace_account=account)

    assert authorization.allowed is expected


def test_resources_may_be_given_as_dataclasses(client: AMSClient, quotas: AMSEmulator) -> None:
    resource = ReservedResource("rhosak", "cluster.gcp", billing_model="marketplace", count=2)

    assert reserve(client, resources=[resource]).allowed is True
    assert consumed(quotas) == [2, 2, 0, 0]


def test_reserving_for_an_unknown_account_is_a_permanent_error(client: AMSClient, quotas: AMSEmulator) -> None:
    with pytest.raises(AMSError) as excinfo:
        reserve(client, account_username="nobody")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (400, False)
    assert "Account with username 'nobody' not found" in str(excinfo.value)


def test_a_429_from_cluster_authorizations_means_insufficient_quota(client: AMSClient, quotas: AMSEmulator) -> None:
    def throttle_the_post(method: str, path: str) -> None:
        if method == "GET" and path == "/v1/subscriptions":
            quotas.fail_next(1, 429)  # answers the request after this lookup: the POST

    quotas.on_request = throttle_the_post

    assert reserve(client) == ClusterAuthorization(allowed=False, subscription_id=None)
    assert posts(quotas) == 1


# --- reservations that are retried ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "delay_seconds"),
    [
        pytest.param(None, 0.6, id="client-timeout"),
        pytest.param(504, 0.0, id="gateway-timeout"),
        pytest.param(502, 0.0, id="bad-gateway"),
    ],
)
def test_a_reservation_whose_reply_is_lost_is_not_reserved_twice(
    quotas: AMSEmulator, settings: Any, status: int | None, delay_seconds: float
) -> None:
    client = make_client(settings, timeout=0.3)
    quotas.lose_next_reply("POST", AUTHORIZE_PATH, status=status, delay_seconds=delay_seconds)

    authorization = reserve(client)

    [subscription] = quotas.subscriptions()
    assert authorization == ClusterAuthorization(allowed=True, subscription_id=subscription["id"], reused=True)
    assert consumed(quotas) == [3, 0, 0, 0]
    assert posts(quotas) == 1


def test_a_caller_retrying_after_a_timeout_gets_the_first_reservation(quotas: AMSEmulator, settings: Any) -> None:
    client = make_client(settings, timeout=0.3, retries=0)
    quotas.lose_next_reply("POST", AUTHORIZE_PATH, status=None, delay_seconds=0.6)
    with pytest.raises(AMSError) as excinfo:
        reserve(client)
    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)

    authorization = reserve(client)

    [subscription] = quotas.subscriptions()
    assert (authorization.subscription_id, authorization.reused) == (subscription["id"], True)
    assert consumed(quotas) == [3, 0, 0, 0]
    assert posts(quotas) == 1


def test_a_reservation_that_failed_before_landing_is_sent_again(client: AMSClient, quotas: AMSEmulator) -> None:
    failed: list[str] = []

    def fail_the_first_post(method: str, path: str) -> None:
        if (method, path) == ("POST", AUTHORIZE_PATH) and not failed:
            failed.append(path)
            raise RuntimeError("AMS fell over before reserving")  # the server answers 500

    quotas.on_request = fail_the_first_post

    authorization = reserve(client)

    assert (authorization.allowed, authorization.reused) == (True, False)
    assert len(quotas.subscriptions()) == 1 and posts(quotas) == 2
    assert consumed(quotas) == [3, 0, 0, 0]


def test_an_existing_subscription_of_another_product_is_not_reused(client: AMSClient, quotas: AMSEmulator) -> None:
    quotas.add_subscription("kafka1", org_external_id=ORG, plan_id="RHOSAKTrial")
    quotas.add_subscription("kafka1", org_external_id=ORG, plan_id="RHOSAK", status="Deprovisioned")

    authorization = reserve(client)

    assert (authorization.allowed, authorization.reused) == (True, False)
    assert posts(quotas) == 1


# --- subscriptions ------------------------------------------------------------------------------------


@pytest.fixture
def subscriptions(seeded: AMSEmulator) -> AMSEmulator:
    seeded.add_subscription("c1", org_external_id=ORG, external_cluster_id="ext-1")
    seeded.add_subscription("c2", org_external_id=OTHER_ORG, external_cluster_id="ext-2", status="Reserved")
    seeded.add_subscription("kafka1", org_external_id=ORG, external_cluster_id="kafka1", plan_id="RHOSAK")
    return seeded


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("cluster_id = 'c1'", ["c1"]),
        (f"cluster_id = 'c1' and external_cluster_id = 'ext-1' and organization_id = '{ORG_ID}'", ["c1"]),
        (f"cluster_id = 'c2' and organization_id = '{ORG_ID}'", []),  # not this org's cluster
        ("plan_id = 'OSD'", ["c1", "c2"]),
        ("plan.id = 'RHOSAK' AND status = 'Active'", ["kafka1"]),
        ("(cluster_id = 'c1' or cluster_id = 'c2') and status = 'Reserved'", ["c2"]),
        ("cluster_id in ('c1', 'kafka1')", ["c1", "kafka1"]),
        ("cluster_id like 'c%' and not status = 'Active'", ["c2"]),
        ("managed = true and cluster_id <> 'c1'", ["c2", "kafka1"]),
        ("cluster_id = 'nope'", []),
    ],
)
def test_it_searches_subscriptions(
    client: AMSClient, subscriptions: AMSEmulator, search: str, expected: list[str]
) -> None:
    assert [subscription.cluster_id for subscription in client.subscriptions(search)] == expected


def test_an_invalid_search_is_a_permanent_error(client: AMSClient, subscriptions: AMSEmulator) -> None:
    with pytest.raises(AMSError) as excinfo:
        client.subscriptions("cluster_id = ")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (400, False)


@pytest.mark.parametrize(
    ("cluster_id", "product_id", "expected"),
    [("c1", None, "c1"), ("kafka1", "RHOSAK", "kafka1"), ("kafka1", "RHOSAKTrial", None), ("c3", None, None)],
)
def test_subscription_for_cluster(
    client: AMSClient, subscriptions: AMSEmulator, cluster_id: str, product_id: str | None, expected: str | None
) -> None:
    subscription = client.subscription_for_cluster(cluster_id, product_id=product_id)

    assert (subscription.cluster_id if subscription else None) == expected


def test_quote_search_value_doubles_quotes() -> None:
    assert quote_search_value("it's") == "'it''s'"


# --- accounts and terms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "org", "expected"),
    [
        pytest.param("alice", {"org_internal_id": ORG_ID}, True, id="member-by-internal-id"),
        pytest.param("alice", {"org_external_id": ORG}, True, id="member-by-external-id"),
        pytest.param("bob", {"org_internal_id": ORG_ID}, False, id="other-org"),
        pytest.param("bob", {"org_external_id": OTHER_ORG}, True, id="member-of-the-other-org"),
        pytest.param("mallory", {"org_external_id": ORG}, False, id="banned"),
        pytest.param("nobody", {"org_external_id": ORG}, False, id="unknown"),
        pytest.param("nobody' or username = 'alice", {"org_external_id": ORG}, False, id="quoted"),
    ],
)
def test_account_in_org(
    client: AMSClient, seeded: AMSEmulator, username: str, org: dict[str, str], expected: bool
) -> None:
    assert client.account_in_org(username, **org) is expected


@pytest.mark.parametrize("org", [{}, {"org_internal_id": ORG_ID, "org_external_id": ORG}])
def test_account_in_org_needs_exactly_one_organisation(client: AMSClient, org: dict[str, str]) -> None:
    with pytest.raises(TypeError):
        client.account_in_org("alice", **org)


@pytest.mark.parametrize(
    ("username", "required", "expected"),
    [("alice", True, True), ("alice", False, False), ("carol", None, False), ("nobody", True, True)],
)
def test_terms_required(
    client: AMSClient, seeded: AMSEmulator, username: str, required: bool | None, expected: bool
) -> None:
    if required is not None:
        seeded.set_terms_required(username, required)

    assert client.terms_required(username) is expected
    assert seeded.requests[-1] == ("POST", "/v1/terms_review")


# --- the emulator's wire format -------------------------------------------------------------------------


def test_the_emulator_answers_ocm_style_lists_and_errors(seeded: AMSEmulator, settings: Any) -> None:
    url = f"{settings.FLEET_OCM_BASE_URL}/api/accounts_mgmt/v1"

    refused = requests.get(f"{url}/organizations", timeout=5)
    listed = requests.get(f"{url}/accounts?size=2&page=2", headers={"Authorization": "Bearer any"}, timeout=5)
    missing = requests.get(f"{url}/subscriptions/nope", headers={"Authorization": "Bearer any"}, timeout=5)

    assert refused.status_code == 401
    assert {key: refused.json()[key] for key in ("kind", "id", "code")} == {
        "kind": "Error",
        "id": "401",
        "code": "ACCT-MGMT-401",
    }
    assert listed.status_code == 200
    page = listed.json()
    assert {key: page[key] for key in ("kind", "page", "size", "total")} == {
        "kind": "AccountList",
        "page": 2,
        "size": 2,
        "total": 4,
    }
    assert page["items"][0]["kind"] == "Account" and page["items"][0]["href"].startswith("/api/accounts_mgmt/v1/")
    assert missing.status_code == 404 and missing.json()["reason"] == "Subscription with id='nope' not found"


# --- retries and failures ---------------------------------------------------------------------------------


@retry_table
def test_it_retries_server_errors_and_429(
    seeded: AMSEmulator,
    settings: Any,
    failures: int,
    status: int,
    retries: int,
    expected_status: int | None,
    expected_calls: int,
) -> None:
    ams = make_client(settings, retries=retries)
    warm_up(ams, seeded)
    seeded.fail_next(failures, status)

    if expected_status is None:
        assert ams.organization_id(ORG) == ORG_ID
    else:
        with pytest.raises(AMSError) as excinfo:
            ams.organization_id(ORG)
        assert (excinfo.value.status_code, excinfo.value.retryable) == (expected_status, True)
        assert str(excinfo.value).startswith(f"ams: GET /ocm/api/accounts_mgmt/v1/organizations -> {expected_status}")
    assert len(seeded.requests) == expected_calls


@pytest.mark.parametrize("status", [400, 403, 404, 409])
def test_it_does_not_retry_other_client_errors(client: AMSClient, seeded: AMSEmulator, status: int) -> None:
    warm_up(client, seeded)
    seeded.fail_next(1, status)

    with pytest.raises(AMSError) as excinfo:
        client.account_in_org("alice", org_external_id=ORG)

    assert (excinfo.value.service, excinfo.value.status_code, excinfo.value.retryable) == ("ams", status, False)
    assert len(seeded.requests) == 1


def test_a_timeout_is_a_retryable_error(seeded: AMSEmulator, settings: Any) -> None:
    ams = make_client(settings, timeout=0.2, retries=1)
    warm_up(ams, seeded)
    seeded.delay_seconds = 0.5

    with pytest.raises(AMSError) as excinfo:
        ams.organization_id(ORG)

    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)
    assert "Timeout" in str(excinfo.value)
    assert len(seeded.requests) == 2


def test_an_unreachable_service_is_a_retryable_error(ams_emulator: AMSEmulator, settings: Any) -> None:
    server = EmulatorServer("127.0.0.1", 0).start()
    unused_url = server.url
    server.stop()
    ams = make_client(settings, base_url=unused_url, retries=1)

    with pytest.raises(AMSError) as excinfo:
        ams.terms_required("alice")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)
    assert "ConnectionError" in str(excinfo.value)


# --- tokens -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lifetime", "expected_token_calls"),
    [
        (300, 1),  # cached for the whole test
        (30, 4),  # within the 30 s margin from the start: fetched for every call
    ],
)
def test_it_caches_the_token_until_30_seconds_before_expiry(
    client: AMSClient, seeded: AMSEmulator, sso_emulator: SSOEmulator, lifetime: int, expected_token_calls: int
) -> None:
    sso_emulator.token_lifetime_seconds = lifetime

    client.organization_id(ORG)
    client.account_in_org("alice", org_internal_id=ORG_ID)
    client.terms_required("alice")
    client.subscriptions("cluster_id = 'c1'")

    assert token_calls(sso_emulator) == expected_token_calls


def test_it_refetches_the_token_once_when_ams_answers_401(
    client: AMSClient, seeded: AMSEmulator, sso_emulator: SSOEmulator
) -> None:
    client.organization_id(ORG)
    seeded.revoke_tokens()

    assert client.organization_id(ORG) == ORG_ID
    assert token_calls(sso_emulator) == 2


def test_a_401_with_a_fresh_token_is_a_permanent_error(
    client: AMSClient, seeded: AMSEmulator, sso_emulator: SSOEmulator
) -> None:
    warm_up(client, seeded)
    seeded.fail_next(2, 401)

    with pytest.raises(AMSError) as excinfo:
        client.organization_id(ORG)

    assert (excinfo.value.status_code, excinfo.value.retryable) == (401, False)
    assert token_calls(sso_emulator) == 2


def test_wrong_credentials_are_a_permanent_error(
    ams_emulator: AMSEmulator, sso_emulator: SSOEmulator, settings: Any
) -> None:
    ams = make_client(settings, client_secret="wrong-secret-1234")

    with pytest.raises(AMSError) as excinfo:
        ams.organization_id(ORG)

    assert (excinfo.value.status_code, excinfo.value.retryable) == (401, False)
    assert "wrong-secret-1234" not in str(excinfo.value)
    assert token_calls(sso_emulator) == 1
    assert ams_emulator.requests == []


def test_secrets_and_tokens_never_reach_errors_or_logs(
    quotas: AMSEmulator, sso_emulator: SSOEmulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ams = make_client(settings, timeout=0.3)
    errors: list[AMSError] = []
    quotas.lose_next_reply("POST", AUTHORIZE_PATH, status=None, delay_seconds=0.6)
    authorization = reserve(ams)
    # 2 x 401: the refetched token is refused as well.
    for failures, status in ((5, 503), (1, 400), (2, 401)):
        quotas.fail_next(failures, status)
        with pytest.raises(AMSError) as excinfo:
            ams.quota_costs(ORG_ID)
        errors.append(excinfo.value)
    quotas.revoke_tokens()
    assert authorization.subscription_id and ams.delete_subscription(authorization.subscription_id) is True
    with pytest.raises(AMSError) as excinfo:
        make_client(settings, client_secret="wrong-secret-1234").terms_required("alice")
    errors.append(excinfo.value)

    secrets = [settings.FLEET_OCM_CLIENT_SECRET, "wrong-secret-1234", *sso_emulator.issued_tokens()]
    assert len(secrets) == 4 and all(secrets)
    texts = [caplog.text, *(str(error) for error in errors), *(repr(error) for error in errors)]
    assert "retry 1/3" in caplog.text and "reusing it" in caplog.text  # the retries were logged
    for secret in secrets:
        assert not any(secret in text for text in texts)


# --- the process's client from settings ---------------------------------------------------------------------


def test_ams_client_is_built_from_settings_once_per_process(seeded: AMSEmulator) -> None:
    assert ams_client() is ams_client()
    assert ams_client().organization_id(ORG) == ORG_ID

    before = ams_client()
    reset_ams_client()
    assert ams_client() is not before


def test_ams_client_refuses_without_a_base_url(ams_emulator: AMSEmulator, settings: Any) -> None:
    settings.FLEET_OCM_BASE_URL = ""
    reset_ams_client()

    with pytest.raises(ImproperlyConfigured, match="FLEET_OCM_BASE_URL"):
        ams_client()


def test_results_are_frozen_values() -> None:
    authorization = ClusterAuthorization(allowed=True, subscription_id="s1")

    with pytest.raises(AttributeError):
        authorization.allowed = False  # type: ignore[misc]
