"""Quota decisions on the tables (§7.2, §7.3): instance type, billing model, and the limit at each edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from fleetmanager import errors
from fleetmanager.fleetconfig import InstanceType, KafkaSize, fleet_config
from fleetmanager.principal import Principal
from kafkas.selectors import streaming_units_used
from quota import quota_list_backend as services
from quota.models import GrantedBillingModel, QuotaOrganisation, QuotaServiceAccount
from tests.factories import KafkaFactory
from tests.quota.factories import (
    GrantedBillingModelFactory,
    QuotaGrantFactory,
    QuotaOrganisationFactory,
    QuotaServiceAccountFactory,
    RegisteredUserFactory,
)

pytestmark = pytest.mark.django_db

GLOBAL_MAX = 2
ORG_ID = "71000001"  # none of these are in the shipped files
UNLISTED_ORG = "79999999"
USER = "quota-user@example.com"
OTHER_USER = "quota-colleague@example.com"
SA = "quota-service-account@example.com"


@pytest.fixture(autouse=True)
def limits(settings: Settings) -> None:
    settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL = True
    settings.FLEET_MAX_ALLOWED_INSTANCES = GLOBAL_MAX


def instance_type(type_id: str) -> InstanceType:
    found = fleet_config().instance_types.get(type_id)
    assert found is not None
    return found


def size(type_id: str, size_id: str = "x1") -> KafkaSize:
    found = instance_type(type_id).size(size_id)
    assert found is not None
    return found


def org(
    *, org_max: int = 0, any_user: bool = True, users: tuple[str, ...] = (), org_id: str = ORG_ID
) -> QuotaOrganisation:
    organisation = QuotaOrganisationFactory(org_id=org_id, any_user=any_user, max_allowed_instances=org_max)
    for username in users:
        RegisteredUserFactory(organisation=organisation, username=username)
    return organisation


def org_grant(
    *, bm_max: int = 0, expires: datetime | None = None, billing_model: str = "standard", **org_kwargs: object
) -> GrantedBillingModel:
    return GrantedBillingModelFactory(
        grant__organisation=org(**org_kwargs),  # type: ignore[arg-type]
        billing_model_id=billing_model,
        max_allowed_instances=bm_max,
        expiration_date=expires,
    )


def service_account(*, sa_max: int = 0, username: str = SA) -> QuotaServiceAccount:
    return QuotaServiceAccountFactory(username=username, max_allowed_instances=sa_max)


def sa_grant(*, bm_max: int = 0, expires: datetime | None = None, sa_max: int = 0) -> GrantedBillingModel:
    return GrantedBillingModelFactory(
        grant__organisation=None,
        grant__service_account=service_account(sa_max=sa_max),
        max_allowed_instances=bm_max,
        expiration_date=expires,
    )


def use(units: int, *, owner: str, org_id: str, instance_type: str = "standard") -> None:
    """``units`` streaming units held by x1 Kafkas with the standard billing model."""
    for _ in range(units):
        KafkaFactory(owner=owner, organisation_id=org_id, instance_type=instance_type)


# --- the limit at each edge ------------------------------------------------------------------


@dataclass(frozen=True)
class LimitCase:
    name: str
    entry: Callable[[], object]
    principal: Principal
    instance_type: str
    limit: int
    per_org: bool  # counted by organisation, else by owner

    def __str__(self) -> str:
        return self.name


def in_org(username: str = USER) -> Principal:
    return Principal(username=username, org_id=ORG_ID)


LIMIT_CASES = [
    LimitCase("org: the billing model's max", lambda: org_grant(org_max=4, bm_max=3), in_org(), "standard", 3, True),
    LimitCase("org: else the entry's max", lambda: org_grant(org_max=4), in_org(), "standard", 4, True),
    LimitCase("org: else the global max", lambda: org_grant(), in_org(), "standard", GLOBAL_MAX, True),
    LimitCase(
        "org: a listed user",
        lambda: org_grant(any_user=False, users=(USER,), bm_max=3),
        in_org(),
        "standard",
        3,
        True,
    ),
    LimitCase(
        "org: a billing model expiring later still counts",
        lambda: org_grant(bm_max=3, expires=timezone.now() + timedelta(days=1)),
        in_org(),
        "standard",
        3,
        True,
    ),
    LimitCase(
        "service account: the billing model's max",
        lambda: sa_grant(sa_max=4, bm_max=3),
        Principal(username=SA, org_id=UNLISTED_ORG),
        "standard",
        3,
        False,
    ),
    LimitCase(
        "service account: else the entry's max",
        lambda: sa_grant(sa_max=3),
        Principal(username=SA, org_id=UNLISTED_ORG),
        "standard",
        3,
        False,
    ),
    LimitCase(
        "service account: else the global max",
        lambda: sa_grant(),
        Principal(username=SA, org_id=UNLISTED_ORG),
        "standard",
        GLOBAL_MAX,
        False,
    ),
    LimitCase(
        "service account in an org that lists other users",
        lambda: (org_grant(any_user=False, users=(OTHER_USER,), bm_max=5), sa_grant(bm_max=3)),
        Principal(username=SA, org_id=ORG_ID),
        "standard",
        3,
        False,
    ),
    LimitCase("developer: nobody, the global max", lambda: None, in_org(), "developer", GLOBAL_MAX, False),
    LimitCase(
        "developer: an org user counts alone, with the entry's max",
        lambda: org_grant(org_max=3, bm_max=5),
        in_org(),
        "developer",
        3,
        False,
    ),
]


@pytest.mark.parametrize("case", LIMIT_CASES, ids=str)
@pytest.mark.parametrize(
    ("units_after", "allowed"), [(-1, True), (0, True), (1, False)], ids=["limit-1", "limit", "limit+1"]
)
def test_it_allows_up_to_the_limit(case: LimitCase, units_after: int, allowed: bool) -> None:
    case.entry()
    principal = case.principal
    counted, not_counted = (
        ({"owner": OTHER_USER, "org_id": principal.org_id}, {"owner": principal.username, "org_id": "70000000"})
        if case.per_org
        else ({"owner": principal.username, "org_id": "70000000"}, {"owner": OTHER_USER, "org_id": principal.org_id})
    )
    use(case.limit + units_after - 1, instance_type=case.instance_type, **counted)
    use(3, instance_type=case.instance_type, **not_counted)

    check = lambda: services.quota_check(  # noqa: E731
        principal=principal,
        instance_type=instance_type(case.instance_type),
        size=size(case.instance_type),
        billing_model="standard",
        usage=streaming_units_used,
    )
    if allowed:
        check()
        return
    with pytest.raises(errors.ServiceError) as raised:
        check()
    scope = f"organization '{principal.org_id}'" if case.per_org else f"user '{principal.username}'"
    assert raised.value.code == errors.MAX_ALLOWED_INSTANCE_REACHED
    assert raised.value.reason == f"{scope} has reached a maximum number of {case.limit} allowed streaming units"


@pytest.mark.parametrize(("used", "allowed"), [(1, True), (2, False)])
def test_a_two_unit_size_counts_two(used: int, allowed: bool) -> None:
    org_grant(bm_max=3)
    use(used, owner=USER, org_id=ORG_ID)
    check = lambda: services.quota_check(  # noqa: E731
        principal=in_org(),
        instance_type=instance_type("standard"),
        size=size("standard", "x2"),
        billing_model="standard",
        usage=streaming_units_used,
    )
    if allowed:
        check()
    else:
        with pytest.raises(errors.ServiceError, match="maximum number of 3 allowed"):
            check()


@pytest.mark.parametrize(
    ("entry", "principal", "scope"),
    [
        (
            lambda: org_grant(bm_max=5, expires=timezone.now() - timedelta(seconds=1)),
            in_org(),
            f"organization '{ORG_ID}'",
        ),
        (
            lambda: sa_grant(bm_max=5, expires=timezone.now()),
            Principal(username=SA, org_id=UNLISTED_ORG),
            f"user '{SA}'",
        ),
    ],
    ids=["org", "service account"],
)
def test_an_expired_billing_model_allows_nothing(entry: Callable[[], object], principal: Principal, scope: str) -> None:
    entry()
    with pytest.raises(errors.ServiceError) as raised:
        services.quota_check(
            principal=principal,
            instance_type=instance_type("standard"),
            size=size("standard"),
            billing_model="standard",
            usage=streaming_units_used,
        )
    assert raised.value.code == errors.MAX_ALLOWED_INSTANCE_REACHED
    assert raised.value.reason == f"{scope} has reached a maximum number of 0 allowed streaming units"


def test_nobody_gets_no_standard_instance() -> None:
    with pytest.raises(errors.ServiceError) as raised:
        services.quota_check(
            principal=in_org(),
            instance_type=instance_type("standard"),
            size=size("standard"),
            billing_model="standard",
            usage=streaming_units_used,
        )
    assert (raised.value.code, raised.value.reason) == (errors.INSUFFICIENT_QUOTA, "Insufficient quota")


def test_without_limit_control_nothing_is_counted(settings: Settings) -> None:
    settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL = False
    org_grant(bm_max=1)
    use(5, owner=USER, org_id=ORG_ID)
    services.quota_check(
        principal=in_org(),
        instance_type=instance_type("standard"),
        size=size("standard"),
        billing_model="standard",
        usage=streaming_units_used,
    )


def test_only_kafkas_of_the_same_billing_model_count() -> None:
    org_grant(bm_max=1)
    KafkaFactory(
        owner=USER, organisation_id=ORG_ID, actual_kafka_billing_model="eval", desired_kafka_billing_model="eval"
    )
    services.quota_check(
        principal=in_org(),
        instance_type=instance_type("standard"),
        size=size("standard"),
        billing_model="standard",
        usage=streaming_units_used,
    )


# --- instance type (§7.2) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "principal", "expected"),
    [
        (lambda: org_grant(), in_org(), "standard"),
        (lambda: org_grant(any_user=False, users=(USER,)), in_org(), "standard"),
        (lambda: org_grant(any_user=False, users=(OTHER_USER,)), in_org(), "developer"),
        (lambda: org_grant(any_user=False), in_org(), "developer"),
        (lambda: org(), in_org(), "standard"),  # no grants: standard/standard, as in the file
        (lambda: QuotaGrantFactory(organisation=org()), in_org(), "standard"),  # no billing models: standard
        (lambda: QuotaGrantFactory(organisation=org(), instance_type_id="developer"), in_org(), "developer"),
        (lambda: sa_grant(), Principal(username=SA, org_id=UNLISTED_ORG), "standard"),
        (lambda: None, in_org(), "developer"),
    ],
    ids=[
        "org, any user",
        "org, listed user",
        "org, user not listed",
        "org, any_user off and nobody listed",
        "org without grants",
        "grant without billing models",
        "org granted developer only",
        "service account",
        "nobody",
    ],
)
def test_it_assigns_the_instance_type(entry: Callable[[], object], principal: Principal, expected: str) -> None:
    entry()
    assert services.instance_type_assign(principal) == expected


def test_has_quota_needs_the_type_and_the_billing_model() -> None:
    org_grant(billing_model="eval")
    assert services.has_quota(in_org(), "standard", "eval")
    assert not services.has_quota(in_org(), "standard", "standard")
    assert not services.has_quota(in_org(), "developer", "standard")
    assert not services.has_quota(Principal(username=USER, org_id=UNLISTED_ORG), "standard", "eval")


# --- billing model (§7.3) --------------------------------------------------------------------


def granted(*billing_models: str) -> Callable[[], object]:
    def make() -> None:
        grant = QuotaGrantFactory(organisation=org())
        for billing_model in billing_models:
            GrantedBillingModelFactory(grant=grant, billing_model_id=billing_model)

    return make


@pytest.mark.parametrize(
    ("entry", "type_id", "requested", "expected"),
    [
        (lambda: None, "developer", "", "standard"),
        (granted("eval", "standard"), "standard", "", "standard"),
        (granted("eval", "enterprise"), "standard", "", "eval"),
        (granted("eval", "enterprise"), "standard", "enterprise", "enterprise"),
        (granted(), "standard", "", "standard"),
    ],
    ids=["developer", "standard preferred", "else the first granted", "the requested one", "no billing models"],
)
def test_it_resolves_the_billing_model(
    entry: Callable[[], object], type_id: str, requested: str, expected: str
) -> None:
    entry()
    assert services.billing_model_resolve(in_org(), instance_type(type_id), requested) == expected


@pytest.mark.parametrize(
    ("entry", "requested", "reason"),
    [
        (
            lambda: None,
            "",
            f"Insufficient quota: no quota for instance type 'standard' is granted to user '{USER}' or organisation "
            f"'{ORG_ID}'",
        ),
        (
            granted("standard"),
            "enterprise",
            "Insufficient quota: billing model 'enterprise' is not granted for instance type 'standard'",
        ),
        (
            granted("marketplace"),
            "",
            "Insufficient quota: the marketplace billing model is not available with quota-management-list quota",
        ),
        (
            granted("standard", "marketplace"),
            "marketplace",
            "Insufficient quota: the marketplace billing model is not available with quota-management-list quota",
        ),
    ],
    ids=["no entry", "not granted", "only marketplace", "marketplace requested"],
)
def test_it_refuses_billing_models_without_quota(entry: Callable[[], object], requested: str, reason: str) -> None:
    entry()
    with pytest.raises(errors.ServiceError) as raised:
        services.billing_model_resolve(in_org(), instance_type("standard"), requested)
    assert (raised.value.code, raised.value.reason) == (errors.INSUFFICIENT_QUOTA, reason)


# --- queries ---------------------------------------------------------------------------------


def create_decisions(principal: Principal) -> None:
    """What ``kafka_create`` asks of quota for one standard Kafka."""
    type_id = services.instance_type_assign(principal)
    chosen = instance_type(type_id)
    billing_model = services.billing_model_resolve(principal, chosen, "")
    services.quota_check(
        principal=principal,
        instance_type=chosen,
        size=size(type_id),
        billing_model=billing_model,
        usage=streaming_units_used,
    )


def test_one_create_asks_the_org_entry_once_per_decision(django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    grant = org_grant(bm_max=3).grant
    GrantedBillingModelFactory(grant=grant, billing_model_id="eval")
    RegisteredUserFactory(organisation=grant.organisation, username=USER)
    with django_assert_max_num_queries(4):  # three entry lookups, one unit count
        create_decisions(in_org())


def test_a_service_account_create_stays_within_a_handful_of_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    org_grant(any_user=False, users=(OTHER_USER,))
    sa_grant(bm_max=3)
    with django_assert_max_num_queries(7):  # org then service account, three times; one unit count
        create_decisions(Principal(username=SA, org_id=ORG_ID))
