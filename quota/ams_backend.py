"""Quota from the Account Management Service (`FLEET_QUOTA_TYPE=ams`, BEHAVIOUR.md §7.2, §7.4).

AMS holds each organisation's quota (quota costs) and is the authority on
consuming it: a reservation (cluster authorization) either succeeds, creating a
subscription that holds the quota, or is refused. Reservations are keyed by the
Kafka's id, so repeating one finds the first instead of reserving twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fleetmanager import errors
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import DEVELOPER, InstanceType, KafkaSize, SupportedBillingModel, fleet_config
from fleetmanager.integrations.ams import AMSError, QuotaCost, ReservedResource, ams_client
from fleetmanager.principal import Principal
from quota.backend import BillingRequest, Entitlement, QuotaUnavailable, Reservation, UsageCounter

logger = logging.getLogger("fleetmanager.quota.ams")

STANDARD = BillingModel.STANDARD
MARKETPLACE = BillingModel.MARKETPLACE
EVAL = BillingModel.EVAL
# The AMS billing model a marketplace account's cloud provider calls for (§7.4).
MARKETPLACE_BY_PROVIDER = {"aws": "marketplace-aws", "rhm": "marketplace", "azure": "marketplace-azure"}


def _unavailable(exc: AMSError) -> QuotaUnavailable:
    logger.error("AMS is unavailable: %s", exc)
    return QuotaUnavailable()


def _insufficient(detail: str) -> errors.ServiceError:
    return errors.ServiceError(errors.INSUFFICIENT_QUOTA, f"Insufficient quota: {detail}")


@dataclass(frozen=True, slots=True)
class _Choice:
    billing_model: SupportedBillingModel
    ams_billing_model: str
    marketplace: str = ""
    cloud_account_id: str = ""


class AMSBackend:
    name = "ams"
    remote = True

    # --- who may have what ---------------------------------------------------------------

    def _organization(self, principal: Principal) -> str | None:
        return ams_client().organization_id(principal.org_id) if principal.org_id else None

    def _costs(self, org: str | None, model: SupportedBillingModel) -> list[QuotaCost]:
        if org is None:
            return []
        return ams_client().quota_costs(org, resource_name=model.ams_resource, product=model.ams_product)

    def has_quota(self, principal: Principal, instance_type_id: str, billing_model_id: str) -> bool:
        instance_type = fleet_config().instance_types.get(instance_type_id)
        model = instance_type.billing_model(billing_model_id) if instance_type else None
        if model is None:
            return False
        try:
            return any(cost.allowed > 0 for cost in self._costs(self._organization(principal), model))
        except AMSError as exc:
            raise _unavailable(exc) from None

    def instance_type_assign(self, principal: Principal) -> str:
        """The first non-developer type with quota under any of its billing models, else developer (§7.2)."""
        try:
            org = self._organization(principal)
            for instance_type in fleet_config().instance_types.types:
                if instance_type.id == DEVELOPER:
                    continue
                for model in instance_type.supported_billing_models:
                    costs = self._costs(org, model)
                    if any(c.allowed > 0 and c.billing_models & set(model.ams_billing_models) for c in costs):
                        return instance_type.id
        except AMSError as exc:
            raise _unavailable(exc) from None
        return DEVELOPER

    # --- reserving and releasing -----------------------------------------------------------

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
        """AMS counts what is consumed itself; ``usage`` is not needed."""
        try:
            choice = self._choose(principal, instance_type, size, billing)
            # Evaluation Kafkas are reserved under their own id, so a promotion can reserve the real one.
            cluster_id = f"{kafka_id}-eval" if choice.billing_model.id == EVAL else kafka_id
            authorization = ams_client().reserve_cluster_authorization(
                account_username=principal.username,
                cluster_id=cluster_id,
                external_cluster_id=cluster_id,
                product_id=choice.billing_model.ams_product,
                billing_model=choice.ams_billing_model,
                availability_zone="multi" if instance_type.multi_az else "single",
                resources=[
                    ReservedResource(
                        resource_name=choice.billing_model.ams_resource,
                        resource_type=f"cluster.{cloud_provider}",
                        count=size.quota_consumed,
                        billing_marketplace_account=choice.cloud_account_id,
                    )
                ],
                cloud_account_id=choice.cloud_account_id or None,
                cloud_provider_id=choice.marketplace or None,
            )
        except AMSError as exc:
            raise _unavailable(exc) from None
        if not authorization.allowed or not authorization.subscription_id:
            raise _insufficient(f"organization '{principal.org_id}' has no {choice.billing_model.id} quota left")
        return Reservation(
            billing_model=choice.billing_model.id,
            subscription_id=authorization.subscription_id,
            marketplace=choice.marketplace,
            billing_cloud_account_id=choice.cloud_account_id,
        )

    def release(self, reservation: Reservation) -> None:
        """Give the quota back; a subscription already gone is fine. AMSError propagates for a retry."""
        if reservation.subscription_id:
            ams_client().delete_subscription(reservation.subscription_id)

    def entitlement_active(self, entitlement: Entitlement) -> bool:
        """Active while its subscription exists and the organisation still has quota for its product (§4.6)."""
        instance_type = fleet_config().instance_types.get(entitlement.instance_type)
        model = instance_type.billing_model(entitlement.billing_model) if instance_type else None
        if model is None or not entitlement.subscription_id:
            return False
        client = ams_client()
        subscription = client.subscription(entitlement.subscription_id)
        if subscription is None or subscription.status in ("Deprovisioned", "Archived"):
            return False
        org = client.organization_id(entitlement.org_id)
        costs = self._costs(org, model)
        return any(c.allowed > 0 or c.consumed <= c.allowed for c in costs)

    # --- choosing the billing model (§7.4) -------------------------------------------------

    def _choose(
        self, principal: Principal, instance_type: InstanceType, size: KafkaSize, billing: BillingRequest
    ) -> _Choice:
        org = self._organization(principal)
        if instance_type.id == DEVELOPER or billing.billing_model in (EVAL, BillingModel.ENTERPRISE):
            model = instance_type.billing_model(billing.billing_model or STANDARD)
            if model is None:
                raise _insufficient(f"billing model '{billing.billing_model}' is not offered for {instance_type.id}")
            return self._with_room(org, model, model.ams_billing_models[0], size)
        if billing.billing_model:
            return self._requested(org, instance_type, size, billing)
        if billing.billing_cloud_account_id:
            return self._requested(
                org,
                instance_type,
                size,
                BillingRequest(MARKETPLACE, billing.marketplace, billing.billing_cloud_account_id),
            )
        for model_id in (STANDARD, MARKETPLACE):
            model = instance_type.billing_model(model_id)
            if model is None:
                continue
            choice = self._first_with_room(org, model, size)
            if choice is not None:
                return choice
        raise _insufficient(f"organization '{principal.org_id}' has no quota for {instance_type.id} instances")

    def _requested(
        self, org: str | None, instance_type: InstanceType, size: KafkaSize, billing: BillingRequest
    ) -> _Choice:
        model = instance_type.billing_model(billing.billing_model)
        assert model is not None, "the create path validates the billing model first"
        if len(model.ams_billing_models) == 1:
            return self._with_room(org, model, model.ams_billing_models[0], size)
        if billing.marketplace:
            ams_model = f"marketplace-{billing.marketplace}"
            if ams_model not in model.ams_billing_models:
                raise errors.ServiceError(
                    errors.BILLING_ACCOUNT_INVALID,
                    f"Billing account id missing or invalid: marketplace '{billing.marketplace}' is not supported",
                )
            return self._with_room(org, model, ams_model, size, billing.marketplace, billing.billing_cloud_account_id)
        if billing.billing_cloud_account_id:
            return self._by_cloud_account(org, model, size, billing.billing_cloud_account_id)
        choice = self._first_with_room(org, model, size)
        if choice is None:
            raise _insufficient(f"no {model.id} quota left")
        return choice

    def _by_cloud_account(
        self, org: str | None, model: SupportedBillingModel, size: KafkaSize, account_id: str
    ) -> _Choice:
        for cost in self._costs(org, model):
            for account in cost.cloud_accounts:
                if account.cloud_account_id == account_id:
                    ams_model = MARKETPLACE_BY_PROVIDER.get(account.cloud_provider_id, "")
                    return self._with_room(org, model, ams_model, size, account.cloud_provider_id, account_id)
        raise errors.ServiceError(
            errors.BILLING_ACCOUNT_INVALID,
            f"Billing account id missing or invalid: '{account_id}' is not a cloud account of your organization",
        )

    def _first_with_room(self, org: str | None, model: SupportedBillingModel, size: KafkaSize) -> _Choice | None:
        for cost in self._costs(org, model):
            if not _has_room(cost, size):
                continue
            for ams_model in model.ams_billing_models:
                if ams_model in cost.billing_models:
                    accounts = cost.cloud_accounts
                    if ams_model.startswith(MARKETPLACE) and len(accounts) == 1:
                        return _Choice(model, ams_model, accounts[0].cloud_provider_id, accounts[0].cloud_account_id)
                    return _Choice(model, ams_model)
        return None

    def _with_room(
        self,
        org: str | None,
        model: SupportedBillingModel,
        ams_model: str,
        size: KafkaSize,
        marketplace: str = "",
        account_id: str = "",
    ) -> _Choice:
        if not any(_has_room(cost, size) and ams_model in cost.billing_models for cost in self._costs(org, model)):
            raise _insufficient(f"no {model.id} quota ({ams_model}) left")
        return _Choice(model, ams_model, marketplace, account_id)


def _has_room(cost: QuotaCost, size: KafkaSize) -> bool:
    unit_cost = min((r.cost for r in cost.related_resources), default=1)
    return unit_cost == 0 or cost.consumed + size.quota_consumed * unit_cost <= cost.allowed
