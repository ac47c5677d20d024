"""The access-list permission of the user API (§7.5), read from the tables on every request."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pytest_django import Settings

from fleetmanager import errors
from fleetmanager.principal import Principal
from quota.permissions import AccessLists
from tests.quota.factories import AllowedOrganisationFactory, DeniedUserFactory

pytestmark = pytest.mark.django_db

ORG_ID = "81000001"


@pytest.fixture(autouse=True)
def lists_on(settings: Settings) -> None:
    settings.FLEET_ENABLE_DENY_LIST = True
    settings.FLEET_ENABLE_ACCESS_LIST = True


def check(username: str = "someone@example.com", org_id: str = ORG_ID) -> bool:
    request = SimpleNamespace(user=Principal(username=username, org_id=org_id))
    return AccessLists().has_permission(request, None)  # type: ignore[arg-type]


def refused(username: str = "someone@example.com", org_id: str = ORG_ID) -> tuple[int, str]:
    with pytest.raises(errors.ServiceError) as raised:
        check(username, org_id)
    return raised.value.code, raised.value.reason


def test_it_lets_in_a_user_of_an_allowed_org() -> None:
    AllowedOrganisationFactory(org_id=ORG_ID)
    assert check()


def test_it_refuses_a_denied_user() -> None:
    AllowedOrganisationFactory(org_id=ORG_ID)
    DeniedUserFactory(username="mallory@example.com")
    assert refused("mallory@example.com") == (
        errors.FORBIDDEN,
        "user 'mallory@example.com' is not authorized to access the service.",
    )


def test_it_refuses_an_org_off_the_access_list_during_maintenance() -> None:
    assert refused() == (
        errors.SERVICE_UNDER_MAINTENANCE,
        f"organisation '{ORG_ID}' is not authorized to access the service during the current service maintenance.",
    )


def test_switched_off_lists_refuse_nobody(settings: Settings) -> None:
    settings.FLEET_ENABLE_DENY_LIST = False
    settings.FLEET_ENABLE_ACCESS_LIST = False
    DeniedUserFactory(username="mallory@example.com")
    assert check("mallory@example.com")


def test_a_change_applies_to_the_next_request() -> None:
    AllowedOrganisationFactory(org_id=ORG_ID)
    assert check("mallory@example.com")
    denied = DeniedUserFactory(username="mallory@example.com")
    assert refused("mallory@example.com")[0] == errors.FORBIDDEN
    denied.delete()
    assert check("mallory@example.com")
