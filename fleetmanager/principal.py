"""Who is calling: the claims of a verified token, not a Django user."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _first(claims: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if value not in (None, ""):
            return str(value)
    return ""


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


@dataclass(frozen=True, slots=True)
class Principal:
    username: str
    org_id: str
    account_id: str = ""
    is_org_admin: bool = False
    roles: frozenset[str] = frozenset()  # realm_access.roles, lowercased
    client_id: str = ""
    issuer: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # DRF and Django check these on request.user.
    is_authenticated = True
    is_anonymous = False

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        realm_access = claims.get("realm_access")
        roles = realm_access.get("roles", []) if isinstance(realm_access, Mapping) else []
        return cls(
            username=_first(claims, "username", "preferred_username"),
            org_id=_first(claims, "org_id", "rh-org-id"),
            account_id=_first(claims, "account_id"),
            is_org_admin=_truthy(claims.get("is_org_admin")),
            roles=frozenset(str(r).lower() for r in roles if isinstance(r, str)),
            client_id=_first(claims, "clientId"),
            issuer=_first(claims, "iss"),
            claims=dict(claims),
        )
