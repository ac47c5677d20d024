"""Bearer JWT authentication: RS256 tokens verified against the trusted keys.

A verified token becomes a ``Principal`` on ``request.user``; nothing is stored
in the database. Which issuers each API accepts is decided by the permission
classes, because the user, agent and admin APIs trust different issuers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import jwt
from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from fleetmanager import logs
from fleetmanager.api.jwks import key_store
from fleetmanager.principal import Principal

REALM = 'Bearer realm="kafkas_mgmt"'


class VerifiedTokens:
    """Claims of tokens verified lately, so a client's repeated token costs a lookup, not an RSA verification.

    An entry is used only while the token has not expired and the trusted keys are those it
    was verified with (``key_store.generation``); the oldest entries give way past ``size``.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[int, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            generation, claims = entry
            if generation != key_store.generation or claims["exp"] + settings.FLEET_JWT_LEEWAY_SECONDS < time.time():
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return claims

    def put(self, token: str, claims: dict[str, Any], generation: int) -> None:
        with self._lock:
            self._entries[token] = (generation, claims)
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)


verified_tokens = VerifiedTokens()


def verify_token(token: str) -> dict[str, Any]:
    """The token's claims, or AuthenticationFailed with a reason a client can act on."""
    cached = verified_tokens.get(token)
    if cached is not None:
        return cached
    generation = key_store.generation
    claims = _verify(token)
    verified_tokens.put(token, claims, generation)
    return claims


def _verify(token: str) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.DecodeError:
        raise AuthenticationFailed("Bearer token is malformed") from None
    if header.get("alg") != "RS256":
        raise AuthenticationFailed("Bearer token must be signed with RS256")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        # As upstream: the key id picks the one key to verify with; a token without one is refused.
        raise AuthenticationFailed("Bearer token can't be verified: its header names no signing key (kid)")
    candidates = key_store.key_for(kid)
    if not candidates:
        raise AuthenticationFailed("Bearer token can't be verified: its signing key is not trusted")
    for key in candidates:
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                options={"require": ["exp", "iat"], "verify_aud": False},
                leeway=settings.FLEET_JWT_LEEWAY_SECONDS,
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise AuthenticationFailed("Bearer token is expired") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationFailed(f"Bearer token doesn't contain required claim '{exc.claim}'") from None
        except jwt.ImmatureSignatureError:
            raise AuthenticationFailed("Bearer token is not valid yet (iat or nbf is in the future)") from None
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"Bearer token is invalid: {exc}") from None
        _check_type(claims)
        return claims
    raise AuthenticationFailed("Bearer token can't be verified")


def _check_type(claims: dict[str, Any]) -> None:
    # Keycloak marks refresh and ID tokens with another `typ`; only access tokens may call the API.
    typ = claims.get("typ")
    if typ is not None and str(typ).lower() != "bearer":
        raise AuthenticationFailed(f"Bearer token has type '{typ}', expected 'Bearer'")


class BearerTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed("Authorization header must have the form 'Bearer <token>'")
        claims = verify_token(token.strip())
        principal = Principal.from_claims(claims)
        logs.bind(principal=principal.username or principal.client_id, org_id=principal.org_id)
        return principal, claims

    def authenticate_header(self, request: Request) -> str:
        return REALM
