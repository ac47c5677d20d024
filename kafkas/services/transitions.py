"""Kafka status changes: the compare-and-set through ``KAFKA_STATES``, with its history row and kick."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from fleetmanager import errors
from fleetmanager.kicks import kick
from fleetmanager.statemachine import InvalidTransition, StaleState
from kafkas.models import (
    DELETION_STATUSES,
    KAFKA_STATES,
    KafkaRequest,
    KafkaStatus,
    KafkaStatusChange,
    needs_reconciler,
)

__all__ = ["InvalidTransition", "StaleState", "kafka_deprovision", "kafka_transition"]

logger = logging.getLogger("fleetmanager.kafkas")

SYSTEM = "system"
RECONCILE_TASK = "kafkas.tasks.reconcile_kafka"


def kafka_transition(
    *,
    kafka: KafkaRequest,
    to: str,
    reason: str = "",
    actor: str = SYSTEM,
    kick_reconciler: bool = True,
    **fields: Any,
) -> KafkaRequest:
    """Move ``kafka`` to ``to`` if it is still in the status it was read in.

    A compare-and-set on the old status: when another worker got there first the
    UPDATE matches no row and ``StaleState`` is raised; nothing is written. Extra
    ``fields`` are written in the same UPDATE. Entering a status a reconciler has work
    in kicks it after commit, unless the caller continues the work itself.
    """
    from_status = kafka.status
    now = timezone.now()
    with transaction.atomic():
        KAFKA_STATES.change(
            KafkaRequest.objects.all(), pk=kafka.pk, from_state=from_status, to_state=to, updated_at=now, **fields
        )
        KafkaStatusChange.objects.create(
            kafka_id=kafka.pk, from_status=from_status, to_status=to, reason=reason, actor=actor
        )
        for name, value in fields.items():
            setattr(kafka, name, value)
        kafka.status = to
        kafka.updated_at = now
        if kick_reconciler and needs_reconciler(kafka):
            kick(RECONCILE_TASK, kafka.pk)
    logger.info(
        "kafka %s: %s -> %s %s",
        kafka.pk,
        from_status,
        to,
        reason,
        extra={
            "kafka_id": kafka.pk,
            "cluster_id": kafka.cluster_id or "",
            "from_status": from_status,
            "to_status": to,
            "reason": reason,
            "actor": actor,
        },
    )
    return kafka


def kafka_deprovision(*, kafka: KafkaRequest, reason: str, actor: str = SYSTEM) -> bool:
    """Mark a Kafka for deletion. Returns False when it already is on its way out.

    A reconciler may move the row at the same moment; a lost compare-and-set is
    retried on the fresh row, so the deletion always wins.
    """
    for _ in range(5):
        if kafka.status in DELETION_STATUSES:
            return False
        try:
            kafka_transition(kafka=kafka, to=KafkaStatus.DEPROVISION, reason=reason, actor=actor)
            return True
        except StaleState:
            kafka = KafkaRequest.objects.get(pk=kafka.pk)
    raise errors.ServiceError(errors.GENERAL, f"kafka {kafka.pk} kept changing while being deleted; try again")
