"""Who may call which API, decided from the verified token's claims.

Failures raise ``ServiceError`` directly so each API answers with its upstream
code: the user API with 401/15, the agent and admin APIs with 404/7 (they
pretend not to exist).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fleetmanager import errors
from fleetmanager.audit import Actor
from fleetmanager.principal import Principal

MISSING_TOKEN = "Request doesn't contain the 'Authorization' header"


def principal_of(request: Request) -> Principal:
    principal = request.user
    if not isinstance(principal, Principal):
        raise errors.ServiceError(errors.UNAUTHENTICATED, MISSING_TOKEN)
    return principal


def actor_of(request: Request) -> Actor:
    """Who makes this API request, for the audit trail: the token's principal, its address, the operation id."""
    django_request = getattr(request, "_request", request)
    address = request.META.get("REMOTE_ADDR") or None
    operation_id = getattr(django_request, "operation_id", "") or ""
    principal = getattr(request, "user", None)
    if isinstance(principal, Principal):
        return Actor.of_principal(principal, source_address=address, operation_id=operation_id)
    return Actor("token", "(no valid token)", address, operation_id)


class IsAuthenticatedToken(BasePermission):
    """Any token signed by a trusted key, whatever its issuer (upstream's JWT-only routes)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal_of(request)
        return True


class IsUser(BasePermission):
    """The public user API: a trusted user issuer and an organisation id claim (lists: quota.permissions)."""

    def issuers(self) -> list[str]:
        """The accepted `iss` values; empty: any issuer of a trusted key (never in production)."""
        return settings.FLEET_USER_ISSUERS

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_of(request)
        issuers = self.issuers()
        if issuers and principal.issuer not in issuers:
            raise errors.ServiceError(
                errors.UNAUTHENTICATED, f"Bearer token issuer '{principal.issuer}' is not accepted by this API"
            )
        if not principal.org_id:
            raise errors.ServiceError(
                errors.UNAUTHENTICATED,
                "Bearer token doesn't contain an organisation id claim ('org_id' or 'rh-org-id')",
            )
        return True
