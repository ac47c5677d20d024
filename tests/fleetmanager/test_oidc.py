"""Staff login mapping: matched on `sub`, groups mapped to console rights on every login, production OIDC only."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from fleetmanager.oidc import FULL_GROUP, READ_ONLY_GROUP, StaffOIDCBackend, username_for


def login(claims: dict[str, Any]) -> User | None:
    backend = StaffOIDCBackend()
    if not backend.verify_claims(claims):
        return None
    users = backend.filter_users_by_claims(claims)
    return backend.update_user(users[0], claims) if users else backend.create_user(claims)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("claims", "group", "can_operate"),
    [
        ({"groups": ["fleet-sre"]}, FULL_GROUP, True),
        ({"groups": ["/fleet-sre-read"]}, READ_ONLY_GROUP, False),
        ({"realm_access": {"roles": ["fleet-sre"]}}, FULL_GROUP, True),
        ({"groups": "fleet-sre-read"}, READ_ONLY_GROUP, False),
    ],
)
def test_groups_become_console_rights(claims: dict, group: str, can_operate: bool) -> None:
    user = login({"sub": "u-1", "email": "a@example.com", **claims})

    assert user is not None and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [group]
    fresh = User.objects.get(pk=user.pk)
    assert fresh.has_perm("kafkas.view_kafkarequest")
    assert fresh.has_perm("kafkas.operate_kafkarequest") is can_operate
    assert fresh.has_perm("clusters.operate_cluster") is can_operate


@pytest.mark.django_db
def test_users_are_matched_on_sub_not_email_and_remapped_on_every_login() -> None:
    first = login({"sub": "u-1", "email": "a@example.com", "groups": ["fleet-sre"]})
    renamed = login({"sub": "u-1", "email": "new@example.com", "groups": ["fleet-sre-read"]})
    other = login({"sub": "u-2", "email": "a@example.com", "groups": ["fleet-sre"]})

    assert renamed.pk == first.pk and renamed.email == "new@example.com"
    assert list(renamed.groups.values_list("name", flat=True)) == [READ_ONLY_GROUP]
    assert other.pk != first.pk and other.username == username_for("u-2")


@pytest.mark.django_db
def test_a_user_without_an_sre_group_is_refused_and_loses_the_console() -> None:
    login({"sub": "u-1", "groups": ["fleet-sre"]})

    assert login({"sub": "u-1", "groups": ["engineering"]}) is None
    assert login({"groups": ["fleet-sre"]}) is None  # no sub: no user

    user = User.objects.get(username=username_for("u-1"))
    assert not user.is_staff and not user.groups.exists()


@pytest.mark.django_db
def test_production_login_goes_to_the_identity_provider_only(settings: Any) -> None:
    settings.FLEET_OIDC_LOGIN_ONLY = True

    response = Client().get("/admin/login/?next=/admin/kafkas/kafkarequest/")

    assert response.status_code == 302
    assert response["Location"].startswith("/oidc/authenticate/")
    assert "next=%2Fadmin%2Fkafkas%2Fkafkarequest%2F" in response["Location"]
