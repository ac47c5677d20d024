"""Entitlement-based expiry and grace-period suspension (BEHAVIOUR.md §4.6), run by the general sweep.

A Kafka whose size has no fixed lifespan lives as long as its owner's entitlement
(quota) does. When the entitlement ends, the Kafka gets an `expires_at` of now plus
its billing model's grace period (`eval`: 4 days); within the grace period it is
suspended, and when it expires the expiry sweep deprovisions it. An entitlement
that comes back clears `expires_at` again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fleetmanager import leases
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.http import IntegrationError
from kafkas.models import DELETION_STATUSES, KafkaRequest, KafkaStatus
from kafkas.services import StaleState, kafka_transition
from kafkas.services.progress import kafka_entitlement_ended, kafkas_entitlement_restored
from quota import services as quota_services
from quota.backend import Entitlement

logger = logging.getLogger("fleetmanager.kafkas.entitlement")

QUOTA_LIST = "quota-management-list"


def _fixed_lifespan() -> Q:
    """Kafkas whose size has a lifespan: their expiry is set at creation and never recomputed."""
    condition = Q(pk__in=[])
    for instance_type in fleet_config().instance_types.types:
        for size in instance_type.sizes:
            if size.lifespan_seconds:
                condition |= Q(instance_type=instance_type.id, size_id=size.id)
    return condition


def _grace_days(kafka: KafkaRequest) -> int:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    model = instance_type.billing_model(kafka.actual_kafka_billing_model) if instance_type else None
    return model.grace_period_days if model else 0


def reconcile_entitlements(lease: leases.Lease) -> int:
    """Set or clear `expires_at` from each Kafka's entitlement; returns the number of errors."""
    candidates = KafkaRequest.objects.exclude(status__in=DELETION_STATUSES).exclude(_fixed_lifespan())
    if not settings.FLEET_ENABLE_INSTANCE_LIMIT_CONTROL:
        # Without limit control every quota-list entitlement is active: one UPDATE, no per-Kafka work.
        with leases.fenced(lease):
            kafkas_entitlement_restored(rows=candidates.filter(quota_type=QUOTA_LIST))
        candidates = candidates.exclude(quota_type=QUOTA_LIST)
    cache: dict[tuple[str, ...], bool] = {}
    errors = 0
    for kafka in candidates.only(
        "id",
        "quota_type",
        "organisation_id",
        "owner",
        "instance_type",
        "size_id",
        "actual_kafka_billing_model",
        "subscription_id",
        "expires_at",
        "status",
    ):
        key = (
            kafka.quota_type,
            kafka.organisation_id,
            kafka.owner,
            kafka.instance_type,
            kafka.actual_kafka_billing_model,
            kafka.subscription_id if kafka.quota_type != QUOTA_LIST else "",
        )
        try:
            if key not in cache:
                cache[key] = quota_services.backend(kafka.quota_type).entitlement_active(_entitlement(kafka))
        except IntegrationError as exc:
            logger.warning("kafka %s: entitlement unknown (%s); left as it is", kafka.pk, exc)
            errors += 1
            continue
        _apply(lease, kafka, active=cache[key])
    return errors


def _entitlement(kafka: KafkaRequest) -> Entitlement:
    return Entitlement(
        owner=kafka.owner,
        org_id=kafka.organisation_id,
        instance_type=kafka.instance_type,
        billing_model=kafka.actual_kafka_billing_model,
        subscription_id=kafka.subscription_id,
    )


def _apply(lease: leases.Lease, kafka: KafkaRequest, *, active: bool) -> None:
    if active and kafka.expires_at is not None:
        with leases.fenced(lease):
            kafkas_entitlement_restored(rows=KafkaRequest.objects.filter(pk=kafka.pk))
        logger.info("kafka %s: entitlement active again; no longer expires", kafka.pk)
    elif not active and kafka.expires_at is None:
        with leases.fenced(lease):
            kafka_entitlement_ended(kafka=kafka, grace=timedelta(days=_grace_days(kafka)))


def suspend_within_grace(lease: leases.Lease) -> int:
    """Ready Kafkas whose remaining life is within their grace period are suspended; returns errors."""
    now = timezone.now()
    errors = 0
    for kafka in KafkaRequest.objects.filter(status=KafkaStatus.READY, expires_at__gt=now):
        grace = _grace_days(kafka)
        if grace <= 0 or kafka.expires_at - now > timedelta(days=grace):
            continue
        try:
            with leases.fenced(lease):
                kafka_transition(kafka=kafka, to=KafkaStatus.SUSPENDING, reason="entitlement ended: grace period")
        except StaleState:
            continue
        except leases.LeaseLost:
            raise
        except Exception:
            logger.exception("kafka %s: could not suspend", kafka.pk)
            errors += 1
    return errors
