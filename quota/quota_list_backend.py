"""Quota in quota-management-list mode (BEHAVIOUR.md §7.2-§7.3).

Who gets which instance type, with which billing model, and whether one more
instance fits under the limits of the quota tables (``quota.models``, filled from
`quota-management-list-configuration.yaml` by ``quota.services.sync`` and edited in the admin).
Instance types and their billing models still come from the configuration file.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from fleetmanager import errors
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import DEVELOPER, InstanceType, KafkaSize, fleet_config
from fleetmanager.fleetconfig.quota_list import GrantedQuota
from fleetmanager.principal import Principal
from quota import selectors
from quota.backend import BillingRequest, Entitlement, Reservation, UsageCounter
from quota.selectors import QuotaEntry

STANDARD_BILLING = BillingModel.STANDARD
MARKETPLACE_BILLING = BillingModel.MARKETPLACE


@dataclass(frozen=True, slots=True)
class QuotaHolder:
    """The quota entry that covers a caller, and whether it counts per org or per user."""

    account: QuotaEntry
    per_org: bool


def quota_holder(principal: Principal) -> QuotaHolder | None:
    """The org entry when the caller is registered there, else their service-account entry (§7.2)."""
    if principal.org_id:
        org = selectors.organisation_entry(org_id=principal.org_id, username=principal.username)
        if org is not None:
            return QuotaHolder(org, per_org=True)
    account = selectors.service_account_entry(username=principal.username)
    if account is not None:
        return QuotaHolder(account, per_org=False)
    return None


def has_quota(principal: Principal, instance_type_id: str, billing_model_id: str) -> bool:
    return _grants(quota_holder(principal), instance_type_id, billing_model_id)


def _grants(holder: QuotaHolder | None, instance_type_id: str, billing_model_id: str) -> bool:
    grant = holder.account.grant(instance_type_id) if holder else None
    return grant is not None and grant.billing_model(billing_model_id) is not None


def instance_type_assign(principal: Principal) -> str:
    """The instance type a caller gets: the first non-developer type with quota, else developer (§7.2)."""
    holder = quota_holder(principal)
    for instance_type in fleet_config().instance_types.types:
        if instance_type.id == DEVELOPER:
            continue
        if any(_grants(holder, instance_type.id, bm.id) for bm in instance_type.supported_billing_models):
            return instance_type.id
    return DEVELOPER


def billing_model_resolve(principal: Principal, instance_type: InstanceType, requested: str) -> str:
    """The billing model the new Kafka runs under; 403/120 when the caller has no such quota."""
    if instance_type.id == DEVELOPER:
        return STANDARD_BILLING
    holder = quota_holder(principal)
    grant = holder.account.grant(instance_type.id) if holder else None
    if grant is None:
        raise errors.ServiceError(
            errors.INSUFFICIENT_QUOTA,
            f"Insufficient quota: no quota for instance type '{instance_type.id}' is granted to user "
            f"'{principal.username}' or organisation '{principal.org_id}'",
        )
    chosen = _chosen_billing_model(grant, instance_type, requested)
    if chosen == MARKETPLACE_BILLING:
        raise errors.ServiceError(
            errors.INSUFFICIENT_QUOTA,
            "Insufficient quota: the marketplace billing model is not available with quota-management-list quota",
        )
    return chosen


def _chosen_billing_model(grant: GrantedQuota, instance_type: InstanceType, requested: str) -> str:
    if requested:
        if grant.billing_model(requested) is None:
            raise errors.ServiceError(
                errors.INSUFFICIENT_QUOTA,
                f"Insufficient quota: billing model '{requested}' is not granted for instance type "
                f"'{instance_type.id}'",
            )
        return requested
    granted = [bm.id for bm in grant.kafka_billing_models]
    return STANDARD_BILLING if STANDARD_BILLING in granted else granted[0]


def quota_check(
    *,
    principal: Principal,
    instance_type: InstanceType,
    size: KafkaSize,
    billing_model: str,
    usage: UsageCounter,
    exclude_kafka_id: str = "",
) -> None:
    """Raise 403/5 when one more instance would exceed the caller's streaming-unit limit (§7.3).

    Only enforced with FLEET_ENABLE_INSTANCE_LIMIT_CONTROL, as upstream. ``usage`` counts
    what the caller's organisation or user holds already; the caller must hold the
    capacity lock, so two concurrent creates cannot both pass.
    """
    if not settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL:
        return
    holder = quota_holder(principal)
    if holder is None:
        if instance_type.id != DEVELOPER:
            raise errors.ServiceError(errors.INSUFFICIENT_QUOTA, "Insufficient quota")
        limit = settings.FLEET_MAX_ALLOWED_INSTANCES
        scope, scope_name = {"owner": principal.username}, f"user '{principal.username}'"
    else:
        limit = _limit(holder, instance_type.id, billing_model)
        per_org = holder.per_org and instance_type.id != DEVELOPER
        scope = {"org_id": principal.org_id} if per_org else {"owner": principal.username}
        scope_name = f"organization '{principal.org_id}'" if per_org else f"user '{principal.username}'"
    used = usage(
        instance_type=instance_type.id, billing_model=billing_model, exclude_kafka_id=exclude_kafka_id, **scope
    )
    if used + size.capacity_consumed > limit:
        raise errors.ServiceError(
            errors.MAX_ALLOWED_INSTANCE_REACHED,
            f"{scope_name} has reached a maximum number of {limit} allowed streaming units",
        )


def _limit(holder: QuotaHolder, instance_type_id: str, billing_model: str) -> int:
    grant = holder.account.grant(instance_type_id)
    model = grant.billing_model(billing_model) if grant else None
    if model is not None and model.expiration_date is not None and model.expiration_date <= timezone.now():
        return 0
    if model is not None and model.max_allowed_instances > 0:
        return model.max_allowed_instances
    if holder.account.max_allowed_instances > 0:
        return holder.account.max_allowed_instances
    return settings.FLEET_MAX_ALLOWED_INSTANCES


class QuotaListBackend:
    """quota-management-list mode: quota from the tables; nothing to reserve or release remotely.

    ``reserve`` counts the caller's Kafkas, so it must run under the capacity lock.
    """

    name = "quota-management-list"
    remote = False

    def instance_type_assign(self, principal: Principal) -> str:
        return instance_type_assign(principal)

    def has_quota(self, principal: Principal, instance_type_id: str, billing_model_id: str) -> bool:
        return has_quota(principal, instance_type_id, billing_model_id)

    def reserve(
        self,
        *,
        principal: Principal,
        kafka_id: str,
        instance_type: InstanceType,
        size: KafkaSize,
        billing: BillingRequest,
        usage: UsageCounter,
        cloud_provider: str = "aws",
    ) -> Reservation:
        billing_model = billing_model_resolve(principal, instance_type, billing.billing_model)
        # A promoted Kafka already counts under its desired model: it must not count against itself.
        quota_check(
            principal=principal,
            instance_type=instance_type,
            size=size,
            billing_model=billing_model,
            usage=usage,
            exclude_kafka_id=kafka_id,
        )
        return Reservation(
            billing_model=billing_model,
            marketplace=billing.marketplace,
            billing_cloud_account_id=billing.billing_cloud_account_id,
        )

    def release(self, reservation: Reservation) -> None:
        """Nothing was reserved outside the database."""

    def entitlement_active(self, entitlement: Entitlement) -> bool:
        """Active unless instance-limit control is on and the billing model is no longer granted or expired (§4.6)."""
        if not settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL or entitlement.instance_type == DEVELOPER:
            return True
        principal = Principal(username=entitlement.owner, org_id=entitlement.org_id)
        holder = quota_holder(principal)
        grant = holder.account.grant(entitlement.instance_type) if holder else None
        model = grant.billing_model(entitlement.billing_model) if grant else None
        if model is None:
            return False
        return model.expiration_date is None or model.expiration_date > timezone.now()
