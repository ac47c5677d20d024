"""Reads of the quota tables: the entry that covers a caller, and the access lists (§7.2, §7.5).

Every function reads the database on each call, so an admin change applies to the
next request without a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from fleetmanager.fleetconfig import STANDARD
from fleetmanager.fleetconfig.quota_list import BillingModelQuota, GrantedQuota
from quota.models import AllowedOrganisation, DeniedUser, QuotaOrganisation, QuotaServiceAccount, RegisteredUser

# What the file means by an absent `kafka_billing_models` / `granted_quota`; admin rows read the same way.
DEFAULT_BILLING_MODELS = (BillingModelQuota(STANDARD, 0, None),)
DEFAULT_GRANTED_QUOTA = (GrantedQuota(STANDARD, DEFAULT_BILLING_MODELS),)

# The entry and its grants in one LEFT JOIN query: creates run these lookups while holding
# the capacity lock, so each one is kept to a single round trip.
_GRANT_COLUMNS = (
    "grants__instance_type_id",
    "grants__billing_models__billing_model_id",
    "grants__billing_models__max_allowed_instances",
    "grants__billing_models__expiration_date",
)
_GRANT_ORDER = ("grants__id", "grants__billing_models__id")


@dataclass(frozen=True, slots=True)
class QuotaEntry:
    """An organisation's or service account's quota: its fallback limit and its grants in table order."""

    id: str
    max_allowed_instances: int  # 0: fall back to the global maximum
    granted_quota: tuple[GrantedQuota, ...]

    def grant(self, instance_type_id: str) -> GrantedQuota | None:
        return next((g for g in self.granted_quota if g.instance_type_id == instance_type_id), None)


def organisation_entry(*, org_id: str, username: str) -> QuotaEntry | None:
    """The organisation's entry if ``username`` is registered in it, else None.

    Registered: listed in its users, or any user while ``any_user`` is set and none are listed.
    """
    users = RegisteredUser.objects.filter(organisation=OuterRef("pk"))
    rows = list(
        QuotaOrganisation.objects.filter(org_id=org_id)
        .annotate(listed=Exists(users.filter(username=username)), has_users=Exists(users))
        .values("org_id", "any_user", "max_allowed_instances", "listed", "has_users", *_GRANT_COLUMNS)
        .order_by(*_GRANT_ORDER)
    )
    if not rows:
        return None
    first = rows[0]
    registered = first["listed"] or (first["any_user"] and not first["has_users"])
    return _entry(rows, key="org_id") if registered else None


def service_account_entry(*, username: str) -> QuotaEntry | None:
    rows = list(
        QuotaServiceAccount.objects.filter(username=username)
        .values("username", "max_allowed_instances", *_GRANT_COLUMNS)
        .order_by(*_GRANT_ORDER)
    )
    return _entry(rows, key="username") if rows else None


def _entry(rows: Sequence[dict[str, Any]], *, key: str) -> QuotaEntry:
    """Fold the joined rows (one per billing model, NULLs where a level is empty) into an entry."""
    grants: dict[str, list[BillingModelQuota]] = {}
    for row in rows:
        type_id = row["grants__instance_type_id"]
        if type_id is None:
            continue
        models = grants.setdefault(type_id, [])
        if row["grants__billing_models__billing_model_id"] is not None:
            models.append(
                BillingModelQuota(
                    id=row["grants__billing_models__billing_model_id"],
                    max_allowed_instances=row["grants__billing_models__max_allowed_instances"],
                    expiration_date=row["grants__billing_models__expiration_date"],
                )
            )
    granted = tuple(
        GrantedQuota(type_id, tuple(models) or DEFAULT_BILLING_MODELS) for type_id, models in grants.items()
    )
    return QuotaEntry(
        id=rows[0][key],
        max_allowed_instances=rows[0]["max_allowed_instances"],
        granted_quota=granted or DEFAULT_GRANTED_QUOTA,
    )


def is_user_denied(username: str) -> bool:
    """On the deny list (§7.5): one lookup on the unique username index."""
    return DeniedUser.objects.filter(username=username).exists()


def is_org_allowed(org_id: str) -> bool:
    """On the access list of organisations let in during maintenance (§7.5)."""
    return AllowedOrganisation.objects.filter(org_id=org_id).exists()


def denied_usernames() -> list[str]:
    return list(DeniedUser.objects.values_list("username", flat=True))
