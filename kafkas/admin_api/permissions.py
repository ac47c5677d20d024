"""Admin API authentication and roles (§7.7): every failure answers 404/7, so the API looks absent."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fleetmanager import audit, errors
from fleetmanager.api.authentication import BearerTokenAuthentication
from fleetmanager.api.permissions import actor_of
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.models import AuditOutcome
from fleetmanager.principal import Principal

logger = logging.getLogger("fleetmanager.admin_api")


class AdminBearerAuthentication(BearerTokenAuthentication):
    """A bad token is logged and treated as no token, so the permission answers 404."""

    def authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]] | None:
        try:
            return super().authenticate(request)
        except AuthenticationFailed as exc:
            logger.info("admin request %s %s refused: %s", request.method, request.path, exc.detail)
            return None


class IsFleetAdmin(BasePermission):
    """A token of a trusted admin issuer (FLEET_ADMIN_ISSUERS) with a realm role mapped to the method
    in admin-authz-configuration.yaml. A refused principal is audited."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        not_found = errors.not_found(f"the requested resource '{request.path}' doesn't exist")
        if not isinstance(principal, Principal):
            raise not_found
        issuers = settings.FLEET_ADMIN_ISSUERS
        if issuers and principal.issuer not in issuers:
            why = f"issuer '{principal.issuer}' is not an admin issuer"
        elif not _serves(view, request.method):
            # The route has no such method, whatever the roles: DRF answers 405/10, as upstream's router
            # does (no role is configured for TRACE or OPTIONS, so the role check would say 404).
            return True
        elif not fleet_config().admin_authz.allows(request.method, principal.roles):
            why = f"no role of the token may use {request.method} (admin-authz-configuration.yaml)"
        else:
            return True
        audit.record(
            actor_of(request),
            "admin_api.denied",
            "kafka",
            view.kwargs.get("id", ""),
            outcome=AuditOutcome.REFUSED,
            error=f"7 NotFound: {why}",
            request={"method": request.method, "path": request.path},
        )
        raise not_found


def _serves(view: Any, method: str | None) -> bool:
    """Whether the view has a handler for the method (OPTIONS never: there is no metadata page)."""
    return method is not None and method != "OPTIONS" and method in view.allowed_methods
