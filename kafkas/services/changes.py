"""What users change on their Kafkas: owner and reauthentication (PATCH), deletion, promotion requests."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fleetmanager import errors
from fleetmanager.billing import PROMOTABLE_TO, BillingModel
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.ams import AMSError, ams_client
from fleetmanager.kicks import kick
from fleetmanager.principal import Principal
from fleetmanager.statemachine import InvalidTransition, StaleState
from kafkas import selectors
from kafkas.models import DELETION_STATUSES, PROMOTABLE_STATUSES, PROMOTION_STATES, KafkaRequest, PromotionStatus
from kafkas.services.create import TEXT_MAX_LENGTH
from kafkas.services.transitions import kafka_deprovision

logger = logging.getLogger("fleetmanager.kafkas")

PROMOTE_TASK = "kafkas.tasks.reconcile_promotion"


def kafka_update(
    *, principal: Principal, kafka_id: str, owner: str | None = None, reauthentication_enabled: bool | None = None
) -> KafkaRequest:
    """PATCH /kafkas/{id}: owner and reauthentication, by the owner or an org admin (§1.6)."""
    kafka = selectors.kafka_get(principal=principal, kafka_id=kafka_id)
    is_owner = kafka.owner == principal.username
    if kafka.organisation_id != principal.org_id or not (principal.is_org_admin or is_owner):
        raise errors.ServiceError(errors.UNAUTHORIZED, "user not authorized to perform this action")
    changes: dict[str, Any] = {}
    if owner is not None and owner != kafka.owner:
        _validate_new_owner(principal, owner)
        changes["owner"] = owner
    if reauthentication_enabled is not None and reauthentication_enabled != kafka.reauthentication_enabled:
        changes["reauthentication_enabled"] = reauthentication_enabled
    if changes:
        # Rows on their way out are never updated (silently, as upstream).
        KafkaRequest.objects.filter(pk=kafka.pk).exclude(status__in=DELETION_STATUSES).update(
            updated_at=timezone.now(), **changes
        )
        kafka.refresh_from_db()
    return kafka


def _validate_new_owner(principal: Principal, owner: str) -> None:
    """Only an org admin hands a Kafka to someone else, and only to an account of the org (§1.6, §7.6)."""
    if not owner:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, "owner must not be empty")
    if len(owner) > TEXT_MAX_LENGTH:
        raise errors.ServiceError(errors.MAXIMUM_FIELD_LENGTH, f"owner is longer than {TEXT_MAX_LENGTH} characters")
    if not principal.is_org_admin:
        raise errors.ServiceError(errors.UNAUTHORIZED, "only an organization admin may change the owner of a Kafka")
    if not settings.FLEET_VALIDATE_KAFKA_OWNER:
        return
    try:
        member = ams_client().account_in_org(owner, org_external_id=principal.org_id)
    except AMSError:
        logger.exception("AMS account lookup for %s failed", owner)
        raise errors.ServiceError(errors.GENERAL, "unable to verify the new owner at this time") from None
    if not member:
        raise errors.bad_request(f"user {owner} does not belong in your organization")


# --- Delete ---------------------------------------------------------------------------


def kafka_delete(*, principal: Principal, kafka_id: str) -> None:
    """DELETE /kafkas/{id}: org admins may delete any Kafka of the org, others their own (§1.7)."""
    visible = selectors.kafkas_visible_to(principal)
    if not principal.is_org_admin:
        visible = visible.filter(owner=principal.username)
    kafka = visible.filter(pk=kafka_id).first()
    if kafka is None:
        raise selectors.not_found(principal, kafka_id)
    kafka_deprovision(kafka=kafka, reason="deleted by user", actor=principal.username)


# --- Promote (§1.8) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PromotionRequest:
    desired_kafka_billing_model: str = ""
    desired_marketplace: str = ""
    desired_billing_cloud_account_id: str = ""


def kafka_promote(*, principal: Principal, kafka_id: str, request: PromotionRequest) -> None:
    """Validate in upstream's order (first failure wins), then mark the Kafka as promoting.

    Upstream answers several invalid requests with 500; here they are 4xx with a reason.
    The promoting reconciler (``kafkas.promotion``) then reserves the new quota.
    """
    desired = request.desired_kafka_billing_model
    if not desired:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, "desired_kafka_billing_model is required")
    kafka = selectors.kafka_get(principal=principal, kafka_id=kafka_id)
    if kafka.organisation_id != principal.org_id or not (principal.is_org_admin or kafka.owner == principal.username):
        raise errors.ServiceError(errors.UNAUTHORIZED, "user not authorized to perform this action")
    if kafka.actual_kafka_billing_model != BillingModel.EVAL:
        raise errors.bad_request(
            f"only Kafkas with the eval billing model can be promoted; this one is '{kafka.actual_kafka_billing_model}'"
        )
    if kafka.status not in PROMOTABLE_STATUSES:
        raise errors.ServiceError(
            errors.CONFLICT, f"the Kafka is {kafka.status}; it can be promoted when ready, suspended or resuming"
        )
    if desired == kafka.actual_kafka_billing_model:
        raise errors.bad_request(f"the Kafka already has billing model '{desired}'")
    if kafka.promotion_status == PromotionStatus.PROMOTING:
        raise errors.ServiceError(errors.CONFLICT, "a promotion of this Kafka is already in progress")
    if desired not in PROMOTABLE_TO:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Field validation failed: desired_kafka_billing_model must be one of {', '.join(PROMOTABLE_TO)}",
        )
    _validate_billing(kafka, request)
    marketplace = desired == BillingModel.MARKETPLACE
    try:
        with transaction.atomic():
            # Guarded by the Kafka's status too: a Kafka that stopped being promotable meanwhile is refused.
            PROMOTION_STATES.change(
                KafkaRequest.objects.filter(status=kafka.status),
                pk=kafka.pk,
                from_state=kafka.promotion_status,
                to_state=PromotionStatus.PROMOTING,
                desired_kafka_billing_model=desired,
                promotion_details="",
                marketplace=request.desired_marketplace if marketplace else "",
                billing_cloud_account_id=request.desired_billing_cloud_account_id if marketplace else "",
                updated_at=timezone.now(),
            )
            kick(PROMOTE_TASK, kafka.pk)
    except (StaleState, InvalidTransition):
        raise errors.ServiceError(errors.CONFLICT, "the Kafka changed meanwhile; try again") from None
    logger.info("kafka %s: promotion to %s requested by %s", kafka.pk, desired, principal.username)


def _validate_billing(kafka: KafkaRequest, request: PromotionRequest) -> None:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    model = instance_type.billing_model(request.desired_kafka_billing_model) if instance_type else None
    if model is None:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Field validation failed: instance type '{kafka.instance_type}' has no billing model "
            f"'{request.desired_kafka_billing_model}'",
        )
    if model.id != BillingModel.MARKETPLACE:
        return
    if not request.desired_marketplace or not request.desired_billing_cloud_account_id:
        raise errors.bad_request(
            "promoting to marketplace needs desired_marketplace and desired_billing_cloud_account_id"
        )
    if f"marketplace-{request.desired_marketplace}" not in model.ams_billing_models:
        raise errors.ServiceError(
            errors.BILLING_ACCOUNT_INVALID,
            f"Billing account id missing or invalid: marketplace '{request.desired_marketplace}' is not supported",
        )
