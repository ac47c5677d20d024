"""Kafka reconcilers, run by django-q2: kicked per Kafka on commit, resynced on a schedule.

- ``reconcile_kafka(id)``: one Kafka, as far as it can go now (accepted ->
  preparing -> provisioning happens in one run).
- ``reconcile_kafkas()``: the periodic pass: every due Kafka, claimed in batches
  so several workers share the work, then the global sweeps under a lease.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from fleetmanager import leases, logs, reconcile
from kafkas import entitlement, lifecycle, promotion
from kafkas.models import (
    DELETION_STATUSES,
    NEEDS_RECONCILER,
    PROMOTABLE_STATUSES,
    KafkaRequest,
    KafkaStatus,
    PromotionStatus,
)
from kafkas.services import StaleState, kafka_deprovision
from kafkas.services.progress import kafka_back_off, kafka_reconciled, kafkas_claim, kafkas_kept_claimed
from quota import selectors as quota_selectors
from quota import services as quota_services
from quota.services.sync import quota_sync_from_config

logger = logging.getLogger("fleetmanager.kafkas.tasks")

GENERAL_LEASE = "general_kafka_worker"
PASS_TIME_BUDGET_SECONDS = 50  # below the task timeout; the next pass continues

# One step per status of RECONCILER_WORK (kafkas.models), which says which rows each has work for.
STEPS: dict[str, Callable[[KafkaRequest], None]] = {
    KafkaStatus.ACCEPTED: lifecycle.accept,
    KafkaStatus.PREPARING: lifecycle.prepare,
    KafkaStatus.PROVISIONING: lifecycle.provision,
    KafkaStatus.DEPROVISION: lifecycle.finish_deletion,
    KafkaStatus.DELETING: lifecycle.finish_deletion,
}


def reconcile_kafka(kafka_id: str) -> None:
    """Advance one Kafka now (the on-commit kick of API writes and status changes)."""
    with reconcile.reconcile_pass("kafka") as stats:
        _process_claimed(_claim(KafkaRequest.objects.filter(pk=kafka_id), limit=1), stats)


def reconcile_kafkas() -> None:
    """The scheduled resync: every Kafka with work to do, then the global sweeps (once a minute)."""
    reconcile_kafka_rows()
    reconcile_general()


def reconcile_kafka_rows() -> None:
    """Every Kafka with work to do, and every promotion in progress (each reconciler process's tick)."""
    deadline = time.monotonic() + PASS_TIME_BUDGET_SECONDS
    with reconcile.reconcile_pass("kafka") as stats:
        while time.monotonic() < deadline:
            claimed = _claim(KafkaRequest.objects.all(), limit=settings.FLEET_RECONCILE_BATCH_SIZE)
            if not claimed:
                break
            _process_claimed(claimed, stats)
    reconcile_promotions()


PROMOTING = Q(promotion_status=PromotionStatus.PROMOTING, status__in=PROMOTABLE_STATUSES)


def reconcile_promotion(kafka_id: str) -> None:
    """Finish one promotion now (kicked by POST /promote)."""
    with reconcile.reconcile_pass("promoting_kafka") as stats:
        claimed = kafkas_claim(
            rows=KafkaRequest.objects.filter(PROMOTING, pk=kafka_id), limit=1, claim_for=_claim_time()
        )
        _process_claimed(claimed, stats, step=promotion.promote)


def reconcile_promotions() -> None:
    """Every promotion in progress (the periodic resync; a failed promotion waits for a person)."""
    with reconcile.reconcile_pass("promoting_kafka") as stats:
        rows = KafkaRequest.objects.filter(PROMOTING)
        claimed = kafkas_claim(rows=rows, limit=settings.FLEET_RECONCILE_BATCH_SIZE, claim_for=_claim_time())
        _process_claimed(claimed, stats, step=promotion.promote)


def _claim_time() -> timedelta:
    return timedelta(seconds=settings.FLEET_CLAIM_SECONDS)


def _claim(queryset: QuerySet[KafkaRequest], *, limit: int) -> list[str]:
    return kafkas_claim(rows=queryset.filter(NEEDS_RECONCILER), limit=limit, claim_for=_claim_time())


def _process_claimed(
    claimed: list[str], stats: reconcile.PassStats, step: Callable[[KafkaRequest], None] | None = None
) -> None:
    """Work the claimed Kafkas one by one, their claims renewed until each is done (a dead worker's lapse)."""
    if not claimed:
        return
    with kafkas_kept_claimed(kafka_ids=claimed, claim_for=_claim_time()) as claims:
        for pk in claimed:
            stats.errors += _process(pk, claims, step)
            stats.processed += 1


def _process(pk: str, claims: reconcile.Claims, step: Callable[[KafkaRequest], None] | None = None) -> int:
    """Run the steps of one claimed Kafka until it needs nobody; returns the number of errors (0/1).

    With ``step``, run that one step instead of the status-driven ones (promotion). The claim's
    heartbeat stops before the outcome (release or backoff) is written, so it cannot overwrite it.
    """
    kafka = KafkaRequest.objects.filter(pk=pk).first()
    if kafka is None:
        claims.done(pk)
        return 0  # soft-deleted meanwhile
    with logs.bound(kafka_id=pk, cluster_id=kafka.cluster_id or ""):
        return _run(kafka, claims, step)


def _run(kafka: KafkaRequest, claims: reconcile.Claims, step: Callable[[KafkaRequest], None] | None) -> int:
    pk = kafka.pk
    try:
        if step is not None:
            step(kafka)
        else:
            _run_status_steps(kafka)
    except lifecycle.RetryLater as exc:
        claims.done(pk)
        delay = kafka_back_off(kafka=kafka, error=str(exc))
        logger.info("kafka %s (%s): %s; retrying in %s", pk, kafka.status, exc, delay)
        return 0
    except StaleState:
        logger.info("kafka %s changed under us; it will be looked at again", pk)
    except Exception as exc:
        claims.done(pk)
        logger.exception("kafka %s (%s): reconcile failed", pk, kafka.status)
        kafka_back_off(kafka=kafka, error=f"{type(exc).__name__}: {exc}")
        return 1
    claims.done(pk)
    kafka_reconciled(kafka_id=pk)
    return 0


def _run_status_steps(kafka: KafkaRequest) -> None:
    for _ in range(len(STEPS)):
        step = STEPS.get(kafka.status)
        before = kafka.status
        if step is None:
            return
        step(kafka)
        if kafka.status == before:
            return


# --- global sweeps (one leader) ----------------------------------------------------------


def reconcile_general(holder: str | None = None) -> None:
    """Entitlements, grace suspension, expiry and deny-list sweeps (§4.6), by the general lease holder only."""
    lease = leases.acquire(GENERAL_LEASE, holder or leases.process_holder())
    if lease is None:
        return
    with leases.kept_alive(lease), reconcile.reconcile_pass(GENERAL_LEASE) as stats:
        # The quota, deny and access lists follow their files (entries made in the admin are kept).
        quota_sync_from_config()
        # Quota a failed create reserved while the quota service was down is given back now.
        stats.errors += min(quota_services.retry_pending_releases(), 1)
        stats.errors += entitlement.reconcile_entitlements(lease)
        stats.errors += entitlement.suspend_within_grace(lease)
        for kafka in _expired():
            stats.errors += _deprovision(lease, kafka, "expired")
        if settings.FLEET_ENABLE_DENY_LIST:
            for kafka in _denied():
                stats.errors += _deprovision(lease, kafka, "owner is on the deny list")


def _expired() -> list[KafkaRequest]:
    return list(KafkaRequest.objects.exclude(status__in=DELETION_STATUSES).filter(expires_at__lt=timezone.now()))


def _denied() -> list[KafkaRequest]:
    denied = quota_selectors.denied_usernames()
    if not denied:
        return []
    return list(KafkaRequest.objects.exclude(status__in=DELETION_STATUSES).filter(owner__in=denied))


def _deprovision(lease: leases.Lease, kafka: KafkaRequest, reason: str) -> int:
    try:
        with leases.fenced(lease):
            kafka_deprovision(kafka=kafka, reason=reason)
    except leases.LeaseLost:
        raise
    except Exception:
        logger.exception("kafka %s: could not deprovision (%s)", kafka.pk, reason)
        return 1
    return 0
