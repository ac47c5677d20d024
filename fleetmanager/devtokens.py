"""Minting development tokens with the local key (never in production)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fleetmanager import devkeys


def mint_token(
    *,
    username: str = "",
    org_id: str = "",
    account_id: str = "",
    is_org_admin: bool = False,
    roles: list[str] | tuple[str, ...] = (),
    client_id: str = "",
    issuer: str | None = None,
    lifetime_seconds: int = 3600,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """An RS256 access token with upstream's claim names, signed by the development key."""
    if not settings.FLEET_DEV_TOKENS:
        raise ImproperlyConfigured("development tokens are disabled (FLEET_ENV=production or FLEET_DEV_TOKENS=false)")
    key = devkeys.dev_private_key()
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer or settings.FLEET_DEV_ISSUER,
        "sub": username or client_id or "anonymous",
        "typ": "Bearer",
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": str(uuid.uuid4()),
    }
    if username:
        claims["username"] = username
        claims["preferred_username"] = username
    if org_id:
        claims["org_id"] = org_id
    if account_id:
        claims["account_id"] = account_id
    if is_org_admin:
        claims["is_org_admin"] = True
    if roles:
        claims["realm_access"] = {"roles": list(roles)}
    if client_id:
        claims["clientId"] = client_id
    claims.update(extra_claims or {})
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": devkeys.dev_key_id(key)})
