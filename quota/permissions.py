"""Quota's say on who may call the APIs, as DRF permissions (BEHAVIOUR.md §7.5, §1.13).

Named in the settings (``DEFAULT_PERMISSION_CLASSES``, ``ENTERPRISE_API_PERMISSION_CLASSES``),
so neither ``fleetmanager`` nor the apps whose views they guard import this app. The
access-list checks are one indexed query each, read on every request, so an admin
change applies at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from fleetmanager import errors
from fleetmanager.api.permissions import principal_of
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import STANDARD
from quota import selectors, services


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


class HasEnterpriseQuota(BasePermission):
    """The enterprise /clusters API is open to organisations with quota for enterprise Kafkas only (403/11)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = principal_of(request)
        if not principal.org_id or not services.has_quota(principal, STANDARD, BillingModel.ENTERPRISE):
            raise errors.ServiceError(
                errors.UNAUTHORIZED, f"organization '{principal.org_id}' is not authorized to access the service"
            )
        return True
