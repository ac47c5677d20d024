"""The promoting reconciler step (BEHAVIOUR.md §4.7): an evaluation Kafka moves to a paid billing model.

`POST /kafkas/{id}/promote` records the wish (``kafkas.services.kafka_promote``:
`desired_kafka_billing_model`, promotion status `promoting`); this step reserves the
new quota, releases the evaluation quota and switches the Kafka over, through
``kafkas.services.progress``.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction

from clusters import capacity
from fleetmanager import errors
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.http import IntegrationError
from fleetmanager.principal import Principal
from kafkas import selectors
from kafkas.models import KafkaRequest
from kafkas.services.progress import promotion_complete, promotion_fail, promotion_record
from quota import services as quota_services
from quota.backend import BillingRequest, QuotaUnavailable, Reservation

logger = logging.getLogger("fleetmanager.kafkas.promotion")


def promote(kafka: KafkaRequest) -> None:
    """Reserve the desired quota, release the evaluation quota, switch the Kafka over."""
    quota = quota_services.backend(kafka.quota_type)
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    size = instance_type.size(kafka.size_id) if instance_type else None
    if instance_type is None or size is None:
        promotion_fail(
            kafka=kafka, details=f"instance type {kafka.instance_type} / size {kafka.size_id} is no longer configured"
        )
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
        usage=selectors.streaming_units_used,
        cloud_provider=kafka.cloud_provider,
    )
    try:
        if quota.remote:
            reservation = reserve()  # a remote call: outside any transaction
        else:
            with transaction.atomic():
                capacity.lock()  # quota-list counts Kafkas: serialised with creates
                reservation = reserve()
    except QuotaUnavailable as exc:
        # An outage: the promotion stays in progress and the reconciler retries after a backoff.
        promotion_record(kafka=kafka, details=f"reserving the new quota: {exc.reason}")
        raise
    except errors.ServiceError as exc:
        # Quota refused: a person must act (grant quota, then promote again).
        promotion_fail(kafka=kafka, details=exc.reason)
        return
    _switch(kafka, quota, reservation)


def _switch(kafka: KafkaRequest, quota: quota_services.QuotaBackend, reservation: Reservation) -> None:
    old = Reservation(billing_model=kafka.actual_kafka_billing_model, subscription_id=kafka.subscription_id)
    if old.subscription_id and old.subscription_id != reservation.subscription_id:
        try:
            quota.release(old)
        except IntegrationError as exc:
            promotion_record(kafka=kafka, details=f"releasing the evaluation quota: {exc}")  # stays promoting
            raise
    promotion_complete(kafka=kafka, reservation=reservation)
