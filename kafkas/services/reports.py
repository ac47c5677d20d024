"""Writes what the data plane reports about a Kafka (§4.4, §4.9, §5.4): routes, versions, rejections.

``agents.services`` reads each report and decides; status changes go through
``kafka_transition``, everything else through these functions.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from fleetmanager.ids import new_xid
from fleetmanager.kicks import kick
from kafkas.models import KafkaRequest, KafkaStatus
from kafkas.services.transitions import RECONCILE_TASK

logger = logging.getLogger("fleetmanager.kafkas")

# The failed_reason users see when the data plane reports a Kafka failed (its message goes in the history).
FAILED_BY_DATA_PLANE = "Kafka reported as failed from the data plane"


def kafka_store_routes(*, kafka: KafkaRequest, routes: list[dict[str, str]], created: bool) -> bool:
    """Routes are written once (§4.4); a second report finds them stored and changes nothing.

    Routes that still need their DNS records kick the reconciler, which registers them.
    """
    updated = KafkaRequest.objects.filter(pk=kafka.pk, routes__isnull=True).update(
        routes=routes, routes_created=created, updated_at=timezone.now()
    )
    if updated:
        kafka.routes, kafka.routes_created = routes, created
        if not created:
            kick(RECONCILE_TASK, kafka.pk)
    return bool(updated)


def kafka_record_versions(*, kafka: KafkaRequest, **changes: Any) -> None:
    """Actual versions and upgrade flags as the data plane reports them (§4.9)."""
    if not changes:
        return
    KafkaRequest.objects.filter(pk=kafka.pk).update(updated_at=timezone.now(), **changes)
    for name, value in changes.items():
        setattr(kafka, name, value)


def kafka_return_to_placement(*, kafka: KafkaRequest) -> bool:
    """A full cluster refused a provisioning Kafka: it loses its cluster and is placed again at once."""
    updated = KafkaRequest.objects.filter(pk=kafka.pk, status=KafkaStatus.PROVISIONING).update(
        cluster_id="",
        bootstrap_server_host="",
        desired_kafka_version="",
        desired_strimzi_version="",
        desired_kafka_ibp_version="",
        next_reconcile_at=None,
        updated_at=timezone.now(),
    )
    if updated:
        kick(RECONCILE_TASK, kafka.pk)
        logger.info("kafka %s rejected by full cluster %s; placing it again", kafka.pk, kafka.cluster_id)
    return bool(updated)


def kafka_new_placement_id(*, kafka: KafkaRequest) -> bool:
    """A rejected Kafka is offered again under a new placement id, which the agent retries."""
    updated = KafkaRequest.objects.filter(pk=kafka.pk, status=KafkaStatus.PROVISIONING).update(
        placement_id=new_xid(), updated_at=timezone.now()
    )
    return bool(updated)
