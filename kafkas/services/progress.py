"""Writes the reconcilers' decisions make: placement, re-placement, soft delete, expiry, promotion outcome.

The reconcile steps (``kafkas.lifecycle``, ``kafkas.promotion``, ``kafkas.entitlement``)
decide what should happen; these functions write it, each guarded by the state the
step read, so a row that moved on meanwhile is left alone.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fleetmanager import reconcile
from fleetmanager.statemachine import StaleState
from kafkas.models import PROMOTION_STATES, KafkaRequest, KafkaStatus, PromotionStatus
from quota.backend import Reservation

logger = logging.getLogger("fleetmanager.kafkas")

DETAILS_MAX_LENGTH = 2000


# --- placement ------------------------------------------------------------------------------


def kafka_assign_cluster(*, kafka: KafkaRequest, cluster_id: str) -> bool:
    """Put an unplaced Kafka on ``cluster_id``; False when it was placed or moved meanwhile.

    The caller holds the capacity lock, so the cluster's units cannot be taken twice.
    """
    placed = KafkaRequest.objects.filter(pk=kafka.pk, status=kafka.status, cluster_id="").update(
        cluster_id=cluster_id, updated_at=timezone.now()
    )
    if placed:
        kafka.cluster_id = cluster_id
        logger.info("kafka %s placed on cluster %s", kafka.pk, cluster_id)
    return bool(placed)


def kafka_prepare_on_new_cluster(*, kafka: KafkaRequest, **fields: Any) -> bool:
    """A provisioning Kafka placed again: its host, placement id and versions on the new cluster."""
    updated = KafkaRequest.objects.filter(
        pk=kafka.pk, status=KafkaStatus.PROVISIONING, cluster_id=kafka.cluster_id
    ).update(updated_at=timezone.now(), **fields)
    if updated:
        for name, value in fields.items():
            setattr(kafka, name, value)
    return bool(updated)


# --- DNS records of the routes (§4.4) ------------------------------------------------------


def kafka_routes_change_submitted(*, kafka: KafkaRequest, change_id: str, in_sync: bool) -> bool:
    """The Route53 change of the routes' CNAMEs is submitted: a retried step polls it instead of resubmitting."""
    updated = KafkaRequest.objects.filter(pk=kafka.pk, routes_created=False, routes_creation_id="").update(
        routes_creation_id=change_id, routes_created=in_sync, updated_at=timezone.now()
    )
    if updated:
        kafka.routes_creation_id, kafka.routes_created = change_id, in_sync
    return bool(updated)


def kafka_routes_created(*, kafka: KafkaRequest) -> bool:
    """The routes resolve (their CNAMEs are in sync, or none are registered): the agent's next Ready report counts."""
    updated = KafkaRequest.objects.filter(pk=kafka.pk, routes_created=False).update(
        routes_created=True, updated_at=timezone.now()
    )
    if updated:
        kafka.routes_created = True
        logger.info("kafka %s: routes created", kafka.pk)
    return bool(updated)


# --- deletion --------------------------------------------------------------------------------


def kafka_soft_delete(*, kafka: KafkaRequest) -> bool:
    """The row leaves every list once what it owned outside the database is gone (§4.5)."""
    now = timezone.now()
    deleted = KafkaRequest.objects.filter(pk=kafka.pk, status=kafka.status).update(deleted_at=now, updated_at=now)
    if deleted:
        kafka.deleted_at = now
        logger.info("kafka %s deleted", kafka.pk)
    return bool(deleted)


# --- entitlement and expiry (§4.6) -----------------------------------------------------------


def kafkas_entitlement_restored(*, rows: QuerySet[KafkaRequest]) -> int:
    """These Kafkas' entitlements are active (again): they no longer expire."""
    return rows.filter(expires_at__isnull=False).update(expires_at=None)


def kafka_entitlement_ended(*, kafka: KafkaRequest, grace: timedelta) -> datetime | None:
    """The entitlement ended: the Kafka expires after its billing model's grace period (set once)."""
    expires = timezone.now() + grace
    updated = KafkaRequest.objects.filter(pk=kafka.pk, expires_at__isnull=True).update(expires_at=expires)
    if not updated:
        return None
    kafka.expires_at = expires
    logger.info("kafka %s: entitlement ended; expires at %s", kafka.pk, expires.isoformat())
    return expires


# --- promotion (§4.7) --------------------------------------------------------------------------


def promotion_complete(*, kafka: KafkaRequest, reservation: Reservation) -> None:
    """The Kafka runs under its desired billing model now, on the new reservation; it no longer expires."""
    PROMOTION_STATES.change(
        KafkaRequest.objects.all(),
        pk=kafka.pk,
        from_state=PromotionStatus.PROMOTING,
        to_state=PromotionStatus.NONE,
        actual_kafka_billing_model=kafka.desired_kafka_billing_model,
        subscription_id=reservation.subscription_id,
        promotion_details="",
        expires_at=None,
        updated_at=timezone.now(),
    )
    logger.info("kafka %s promoted to %s", kafka.pk, kafka.desired_kafka_billing_model)


def promotion_record(*, kafka: KafkaRequest, details: str) -> None:
    """Why a promotion in progress has not finished yet (it stays promoting and is retried)."""
    KafkaRequest.objects.filter(pk=kafka.pk, promotion_status=PromotionStatus.PROMOTING).update(
        promotion_details=details[:DETAILS_MAX_LENGTH]
    )


def promotion_fail(*, kafka: KafkaRequest, details: str) -> None:
    """The promotion will not succeed without a person: it fails, the Kafka keeps its evaluation billing."""
    try:
        PROMOTION_STATES.change(
            KafkaRequest.objects.all(),
            pk=kafka.pk,
            from_state=PromotionStatus.PROMOTING,
            to_state=PromotionStatus.FAILED,
            promotion_details=details[:DETAILS_MAX_LENGTH],
            updated_at=timezone.now(),
        )
    except StaleState:
        return  # finished or failed by another worker meanwhile
    logger.warning("kafka %s: promotion failed: %s", kafka.pk, details)


# --- reconciler bookkeeping ------------------------------------------------------------------


def kafkas_claim(*, rows: QuerySet[KafkaRequest], limit: int, claim_for: timedelta) -> list[str]:
    """Claim up to ``limit`` due rows for this worker (``fleetmanager.reconcile.claim``)."""
    return reconcile.claim(rows, limit=limit, claim_for=claim_for)


def kafkas_kept_claimed(*, kafka_ids: list[str], claim_for: timedelta) -> AbstractContextManager[reconcile.Claims]:
    """Keep these claimed Kafkas claimed while the worker is alive (``fleetmanager.reconcile.kept_claimed``)."""
    return reconcile.kept_claimed(KafkaRequest, kafka_ids, claim_for)


def kafka_back_off(*, kafka: KafkaRequest, error: str) -> timedelta:
    """Record a failed step and push the next attempt back."""
    return reconcile.back_off(KafkaRequest, kafka.pk, kafka.reconcile_failures, error)


def kafka_reconciled(*, kafka_id: str) -> None:
    """The step finished: the row is due again whenever its status calls for work."""
    reconcile.release(KafkaRequest, kafka_id)
