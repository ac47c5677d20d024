"""Promoting an evaluation Kafka to a paid billing model (BEHAVIOUR.md §1.8, §4.7).

`POST /kafkas/{id}/promote` records the wish (`desired_kafka_billing_model`,
`promotion_status=promoting`); the promoting reconciler then reserves the new
quota, releases the evaluation quota and switches the Kafka over. Upstream answers
several invalid requests with 500; here they are 4xx with a reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone

from fleetmanager import errors, locks
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.http import IntegrationError
from fleetmanager.kicks import kick
from fleetmanager.principal import Principal
from kafkas import selectors
from kafkas.models import KafkaRequest, KafkaStatus
from kafkas.services import CAPACITY_LOCK
from quota import services as quota_services
from quota.backend import BillingRequest, Reservation

logger = logging.getLogger("fleetmanager.kafkas.promotion")

EVAL = "eval"
PROMOTABLE_TO = ("standard", "marketplace")
PROMOTABLE_STATUSES = frozenset({KafkaStatus.READY, KafkaStatus.SUSPENDED, KafkaStatus.RESUMING})
PROMOTING = "promoting"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PromotionRequest:
    desired_kafka_billing_model: str = ""
    desired_marketplace: str = ""
    desired_billing_cloud_account_id: str = ""


def kafka_promote(*, principal: Principal, kafka_id: str, request: PromotionRequest) -> None:
    """Validate in upstream's order (first failure wins), then mark the Kafka as promoting."""
    desired = request.desired_kafka_billing_model
    if not desired:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, "desired_kafka_billing_model is required")
    kafka = selectors.kafka_get(principal=principal, kafka_id=kafka_id)
    if kafka.organisation_id != principal.org_id or not (principal.is_org_admin or kafka.owner == principal.username):
        raise errors.ServiceError(errors.UNAUTHORIZED, "user not authorized to perform this action")
    if kafka.actual_kafka_billing_model != EVAL:
        raise errors.bad_request(
            f"only Kafkas with the eval billing model can be promoted; this one is '{kafka.actual_kafka_billing_model}'"
        )
    if kafka.status not in PROMOTABLE_STATUSES:
        raise errors.ServiceError(
            errors.CONFLICT, f"the Kafka is {kafka.status}; it can be promoted when ready, suspended or resuming"
        )
    if desired == kafka.actual_kafka_billing_model:
        raise errors.bad_request(f"the Kafka already has billing model '{desired}'")
    if kafka.promotion_status == PROMOTING:
        raise errors.ServiceError(errors.CONFLICT, "a promotion of this Kafka is already in progress")
    if desired not in PROMOTABLE_TO:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Field validation failed: desired_kafka_billing_model must be one of {', '.join(PROMOTABLE_TO)}",
        )
    _validate_billing(kafka, request)
    marketplace = desired == "marketplace"
    with transaction.atomic():
        updated = (
            KafkaRequest.objects.filter(pk=kafka.pk, status=kafka.status)
            .exclude(promotion_status=PROMOTING)
            .update(
                desired_kafka_billing_model=desired,
                promotion_status=PROMOTING,
                promotion_details="",
                marketplace=request.desired_marketplace if marketplace else "",
                billing_cloud_account_id=request.desired_billing_cloud_account_id if marketplace else "",
                updated_at=timezone.now(),
            )
        )
        if not updated:
            raise errors.ServiceError(errors.CONFLICT, "the Kafka changed meanwhile; try again")
        kick("kafkas.tasks.reconcile_promotion", kafka.pk)


def _validate_billing(kafka: KafkaRequest, request: PromotionRequest) -> None:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    model = instance_type.billing_model(request.desired_kafka_billing_model) if instance_type else None
    if model is None:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Field validation failed: instance type '{kafka.instance_type}' has no billing model "
            f"'{request.desired_kafka_billing_model}'",
        )
    if model.id != "marketplace":
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


# --- the promoting reconciler step (§4.7) ---------------------------------------------------


def promote(kafka: KafkaRequest) -> None:
    """Reserve the desired quota, release the evaluation quota, switch the Kafka over."""
    quota = quota_services.backend(kafka.quota_type)
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    size = instance_type.size(kafka.size_id) if instance_type else None
    if instance_type is None or size is None:
        _fail(kafka, f"instance type {kafka.instance_type} / size {kafka.size_id} is no longer configured")
        return
    owner = Principal(username=kafka.owner, org_id=kafka.organisation_id)
    billing = BillingRequest(kafka.desired_kafka_billing_model, kafka.marketplace, kafka.billing_cloud_account_id)
    reserve = partial(
        quota.reserve,
        principal=owner,
        kafka_id=kafka.id,
        instance_type=instance_type,
        size=size,
        billing=billing,
        cloud_provider=kafka.cloud_provider,
    )
    try:
        if quota.remote:
            reservation = reserve()  # a remote call: outside any transaction
        else:
            with transaction.atomic():
                locks.lock(CAPACITY_LOCK)  # quota-list counts Kafkas: serialised with creates
                reservation = reserve()
    except errors.ServiceError as exc:
        # Quota refused (or the quota service is down): a person must act, or the retry will do.
        if exc.code == errors.FAILED_TO_CHECK_QUOTA:
            _record(kafka, f"reserving the new quota: {exc.reason}")
            raise
        _fail(kafka, exc.reason)
        return
    _switch(kafka, quota, reservation)


def _switch(kafka: KafkaRequest, quota: quota_services.QuotaBackend, reservation: Reservation) -> None:
    old = Reservation(billing_model=kafka.actual_kafka_billing_model, subscription_id=kafka.subscription_id)
    if old.subscription_id and old.subscription_id != reservation.subscription_id:
        try:
            quota.release(old)
        except IntegrationError as exc:
            _record(kafka, f"releasing the evaluation quota: {exc}")  # recoverable: stays promoting
            raise
    KafkaRequest.objects.filter(pk=kafka.pk, promotion_status=PROMOTING).update(
        actual_kafka_billing_model=kafka.desired_kafka_billing_model,
        subscription_id=reservation.subscription_id,
        promotion_status="",
        promotion_details="",
        expires_at=None,
        updated_at=timezone.now(),
    )
    logger.info("kafka %s promoted to %s", kafka.pk, kafka.desired_kafka_billing_model)


def _record(kafka: KafkaRequest, details: str) -> None:
    KafkaRequest.objects.filter(pk=kafka.pk).update(promotion_details=details[:2000])


def _fail(kafka: KafkaRequest, details: str) -> None:
    KafkaRequest.objects.filter(pk=kafka.pk, promotion_status=PROMOTING).update(
        promotion_status=FAILED, promotion_details=details[:2000], updated_at=timezone.now()
    )
    logger.warning("kafka %s: promotion failed: %s", kafka.pk, details)
