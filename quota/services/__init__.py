"""Quota, whichever backend keeps it: the entry point for the rest of the fleet manager, and its writes.

`FLEET_QUOTA_TYPE` picks the backend of new Kafkas; each Kafka records the backend that
reserved its quota (`quota_type`), so releasing it later uses the same one even after
the setting changed. Every write to the quota tables is in this package: releases to
retry here, the tables' sync with the configuration files in ``sync``, and the SRE
admin's edits in ``entries``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F

from fleetmanager.integrations.http import IntegrationError
from fleetmanager.principal import Principal
from quota.ams_backend import AMSBackend
from quota.backend import BillingRequest, Entitlement, QuotaBackend, QuotaUnavailable, Reservation, UsageCounter
from quota.models import PendingQuotaRelease
from quota.quota_list_backend import QuotaListBackend

logger = logging.getLogger("fleetmanager.quota")

__all__ = [
    "BillingRequest",
    "Entitlement",
    "QuotaBackend",
    "QuotaUnavailable",
    "Reservation",
    "UsageCounter",
    "backend",
    "has_quota",
    "instance_type_assign",
    "release",
    "release_quietly",
    "retry_pending_releases",
]

_BACKENDS: dict[str, QuotaBackend] = {"quota-management-list": QuotaListBackend(), "ams": AMSBackend()}


def backend(quota_type: str | None = None) -> QuotaBackend:
    """The backend named ``quota_type`` (a Kafka's), else the one configured for new Kafkas."""
    return _BACKENDS[quota_type or settings.FLEET_QUOTA_TYPE]


def instance_type_assign(principal: Principal) -> str:
    return backend().instance_type_assign(principal)


def has_quota(principal: Principal, instance_type_id: str, billing_model_id: str) -> bool:
    return backend().has_quota(principal, instance_type_id, billing_model_id)


def release(*, quota_type: str, reservation: Reservation) -> None:
    """Give back the quota a Kafka holds, with the backend that reserved it (``quota_type``; idempotent)."""
    backend(quota_type).release(reservation)


def release_quietly(quota: QuotaBackend, reservation: Reservation, *, reason: str) -> None:
    """Release now if the quota service answers, else record it for the reconciler to retry."""
    if not reservation.subscription_id:
        return
    try:
        quota.release(reservation)
    except IntegrationError as exc:
        logger.warning(
            "could not release %s subscription %s (%s); will retry", quota.name, reservation.subscription_id, exc
        )
        PendingQuotaRelease.objects.create(
            quota_type=quota.name, subscription_id=reservation.subscription_id, reason=reason, last_error=str(exc)
        )


def retry_pending_releases() -> int:
    """Retry every recorded release; returns how many are still pending."""
    pending = 0
    for row in PendingQuotaRelease.objects.all():
        try:
            backend(row.quota_type).release(Reservation(billing_model="", subscription_id=row.subscription_id))
        except IntegrationError as exc:
            PendingQuotaRelease.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1, last_error=str(exc))
            pending += 1
            continue
        PendingQuotaRelease.objects.filter(pk=row.pk).delete()
        logger.info("released %s subscription %s", row.quota_type, row.subscription_id)
    return pending
