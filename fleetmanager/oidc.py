"""Staff login through OIDC (mozilla-django-oidc): users matched on `sub`, groups mapped on every login.

A user whose token carries ``FLEET_OIDC_ADMIN_GROUP`` becomes a full SRE (the ``SRE`` group:
view everything, run the console's actions, edit the quota lists); one with
``FLEET_OIDC_STAFF_GROUP`` a read-only SRE (``SRE (read-only)``: view only). Groups come
from the ``FLEET_OIDC_GROUPS_CLAIM`` claim and Keycloak's ``realm_access.roles``, of the ID
token or the userinfo answer. Anyone else is refused, and a user who lost the groups
loses the console at the next login.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

logger = logging.getLogger("fleetmanager.oidc")

READ_ONLY_GROUP = "SRE (read-only)"
FULL_GROUP = "SRE"
# What each console group may do: app_label -> codename prefixes (view_, change_...) or exact codenames.
READ_ONLY_PERMISSIONS = {"kafkas": ("view_",), "clusters": ("view_",), "quota": ("view_",), "fleetmanager": ("view_",)}
FULL_PERMISSIONS = {
    **READ_ONLY_PERMISSIONS,
    "kafkas": ("view_", "operate_kafkarequest"),
    "clusters": ("view_", "operate_cluster"),
    "quota": ("view_", "add_", "change_", "delete_"),
}


def username_for(sub: str) -> str:
    """The Django username of a `sub` (stable, unlike an email address)."""
    return f"oidc:{sub}"[:150]


def groups_of(claims: Mapping[str, Any]) -> set[str]:
    found = claims.get(settings.FLEET_OIDC_GROUPS_CLAIM) or []
    realm = claims.get("realm_access")
    roles = realm.get("roles", []) if isinstance(realm, Mapping) else []
    values = ([found] if isinstance(found, str) else list(found)) + list(roles)
    return {str(value).lstrip("/") for value in values if isinstance(value, str)}


def console_group(claims: Mapping[str, Any]) -> str | None:
    groups = groups_of(claims)
    if settings.FLEET_OIDC_ADMIN_GROUP in groups:
        return FULL_GROUP
    if settings.FLEET_OIDC_STAFF_GROUP in groups:
        return READ_ONLY_GROUP
    return None


def ensure_group(name: str) -> Group:
    """The console group with exactly its permissions (kept up to date as models are added)."""
    group, _ = Group.objects.get_or_create(name=name)
    wanted = READ_ONLY_PERMISSIONS if name == READ_ONLY_GROUP else FULL_PERMISSIONS
    permissions = [
        permission
        for permission in Permission.objects.select_related("content_type")
        if any(permission.codename.startswith(p) for p in wanted.get(permission.content_type.app_label, ()))
    ]
    group.permissions.set(permissions)
    return group


class StaffOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: Mapping[str, Any]) -> Any:
        sub = claims.get("sub")
        if not sub:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username=username_for(str(sub)))

    def verify_claims(self, claims: Mapping[str, Any]) -> bool:
        if not claims.get("sub"):
            return False
        if console_group(claims) is None:
            logger.warning("console login refused for sub %s: no SRE group in the token", claims.get("sub"))
            self.filter_users_by_claims(claims).update(is_staff=False, is_superuser=False)
            for user in self.filter_users_by_claims(claims):
                user.groups.clear()
            return False
        return True

    def create_user(self, claims: Mapping[str, Any]) -> Any:
        user = self.UserModel.objects.create_user(username_for(str(claims["sub"])))
        return self.update_user(user, claims)

    def update_user(self, user: Any, claims: Mapping[str, Any]) -> Any:
        user.email = str(claims.get("email") or "")
        user.first_name = str(claims.get("given_name") or claims.get("preferred_username") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.is_staff = True
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        user.groups.set([ensure_group(console_group(claims) or READ_ONLY_GROUP)])
        return user
