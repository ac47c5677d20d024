"""The access lists as a DRF permission for the user API (BEHAVIOUR.md §7.5).

Listed after ``IsUser`` in ``DEFAULT_PERMISSION_CLASSES``, so ``fleetmanager`` needs
no import of this app. Each check is one indexed query, read on every request, so an
admin change applies at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fleetmanager import errors
from fleetmanager.api.permissions import principal_of
from quota import selectors


class AccessLists(BasePermission):
    """Denied users get 403/4; with the access list on, organisations not on it get 403/18."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_of(request)
        if settings.FLEET_ENABLE_DENY_LIST and selectors.is_user_denied(principal.username):
            raise errors.ServiceError(
                errors.FORBIDDEN, f"user '{principal.username}' is not authorized to access the service."
            )
        if settings.FLEET_ENABLE_ACCESS_LIST and not selectors.is_org_allowed(principal.org_id):
            raise errors.ServiceError(
                errors.SERVICE_UNDER_MAINTENANCE,
                f"organisation '{principal.org_id}' is not authorized to access the service during the current "
                "service maintenance.",
            )
        return True
