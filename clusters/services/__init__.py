"""Every write to a data-plane cluster: transitions with their history, creation, progress, removal.

The reconciler, dynamic scaling, enterprise registration and the agents' reports
decide; these functions write. Status changes go through ``CLUSTER_STATES`` (a
compare-and-set on the old status) and leave a ``ClusterStatusChange`` row in the
same transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from clusters.models import (
    CLUSTER_STATES,
    Cluster,
    ClusterStatus,
    ClusterStatusChange,
    ClusterType,
    ProviderType,
    ScalingDecision,
)
from fleetmanager import reconcile
from fleetmanager.fleetconfig import STANDARD, ManualCluster
from fleetmanager.statemachine import InvalidTransition, StaleState

__all__ = [
    "InvalidTransition",
    "StaleState",
    "cluster_back_off",
    "cluster_create_for_scale_up",
    "cluster_create_from_config",
    "cluster_admin_deprovision",
    "cluster_hard_delete",
    "cluster_reconciled",
    "cluster_set_schedulable",
    "cluster_soft_delete",
    "cluster_transition",
    "cluster_update",
    "scaling_decision_record",
]

logger = logging.getLogger("fleetmanager.clusters")

SYSTEM = "system"


def cluster_transition(*, cluster: Cluster, to: str, reason: str = "", actor: str = SYSTEM, **fields: Any) -> Cluster:
    """Compare-and-set ``cluster.status`` from the status it was read in to ``to``, with ``fields``.

    Raises ``InvalidTransition`` when the table forbids the change and ``StaleState``
    when another worker changed the cluster first; then nothing is written.
    """
    from_status = cluster.status
    now = timezone.now()
    with transaction.atomic():
        CLUSTER_STATES.change(
            Cluster.objects.all(), pk=cluster.pk, from_state=from_status, to_state=to, updated_at=now, **fields
        )
        _record(cluster, from_status, to, reason, actor)
    for name, value in fields.items():
        setattr(cluster, name, value)
    cluster.status = to
    cluster.updated_at = now
    logger.info(
        "cluster %s: %s -> %s %s",
        cluster.cluster_id or cluster.id,
        from_status,
        to,
        reason,
        extra={
            "cluster_id": cluster.cluster_id or str(cluster.id),
            "from_status": from_status,
            "to_status": to,
            "reason": reason,
            "actor": actor,
        },
    )
    return cluster


def _record(cluster: Cluster, from_status: str, to_status: str, reason: str, actor: str) -> None:
    ClusterStatusChange.objects.create(
        cluster_id=cluster.pk,
        cluster_ref=cluster.cluster_id or cluster.pk,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        actor=actor,
    )


def _create(*, reason: str, actor: str = SYSTEM, **fields: Any) -> Cluster:
    with transaction.atomic():
        cluster = Cluster.objects.create(**fields)
        _record(cluster, "", cluster.status, reason, actor)
    return cluster


def cluster_create_from_config(entry: ManualCluster) -> Cluster:
    """Insert a cluster listed in dataplane-cluster-configuration.yaml (manual scaling, §6.3 step 2)."""
    return _create(
        reason="listed in the configuration file",
        cluster_id=entry.cluster_id,
        name=entry.name,
        cloud_provider=entry.cloud_provider,
        region=entry.region,
        multi_az=entry.multi_az,
        status=entry.status,
        provider_type=entry.provider_type,
        cluster_type=ClusterType.MANAGED,
        cluster_dns=entry.cluster_dns,
        supported_instance_type=entry.supported_instance_type,
    )


def cluster_create_for_scale_up(*, cloud_provider: str, region: str, instance_type: str, reason: str) -> Cluster:
    """A new OSD cluster for one instance type, to be created through OCM by the reconciler (§6.10)."""
    return _create(
        reason=f"scale up: {reason}",
        cloud_provider=cloud_provider,
        region=region,
        supported_instance_type=instance_type,
        multi_az=instance_type == STANDARD,
        status=ClusterStatus.ACCEPTED,
        provider_type=ProviderType.OCM,
        cluster_type=ClusterType.MANAGED,
    )


def cluster_create_enterprise(*, actor: str, **fields: Any) -> Cluster:
    """A customer's OSD cluster registered through /clusters (§1.13); see ``registration``."""
    return _create(
        reason="registered by its organisation",
        actor=actor,
        status=ClusterStatus.ACCEPTED,
        provider_type=ProviderType.OCM,
        cluster_type=ClusterType.ENTERPRISE,
        **fields,
    )


def cluster_update(*, cluster: Cluster, **fields: Any) -> bool:
    """Write progress of a step or an agent report (never the status) on the cluster as it was read.

    Guarded by the status it was read in: a cluster that moved on meanwhile is left
    alone (False), and the next pass or report starts from its new status.
    """
    if "status" in fields:
        raise ValueError("status changes go through cluster_transition")
    updated = Cluster.objects.filter(pk=cluster.pk, status=cluster.status).update(updated_at=timezone.now(), **fields)
    if updated:
        for name, value in fields.items():
            setattr(cluster, name, value)
    return bool(updated)


def cluster_hard_delete(*, cluster: Cluster) -> bool:
    """Enterprise clusters leave no row behind once cleaned up (the customer may register them again)."""
    # Its status history stays (detached by SET_NULL, still naming the cluster by cluster_ref).
    deleted, _ = Cluster.objects.filter(pk=cluster.pk, status=ClusterStatus.CLEANUP).delete()
    return bool(deleted)


def cluster_soft_delete(*, cluster: Cluster) -> bool:
    now = timezone.now()
    deleted = Cluster.objects.filter(pk=cluster.pk, status=ClusterStatus.CLEANUP).update(deleted_at=now, updated_at=now)
    return bool(deleted)


# --- reconciler bookkeeping ----------------------------------------------------------------


def cluster_back_off(*, cluster: Cluster, error: str) -> Any:
    """Record a failed step on the row and push its next attempt back; returns the delay."""
    return reconcile.back_off(Cluster, cluster.pk, cluster.reconcile_failures, error)


def cluster_reconciled(*, cluster: Cluster) -> None:
    """A step worked again: forget the past failures."""
    reconcile.release(Cluster, cluster.pk)


# --- dynamic scaling -------------------------------------------------------------------------


def scaling_decision_record(**fields: Any) -> ScalingDecision:
    """Keep what the scaler decided and why (taken or a dry run), for SREs (§6.10)."""
    return ScalingDecision.objects.create(**fields)


# SREs' console actions (audited); imported last, they use the functions above.
from clusters.services.operations import cluster_admin_deprovision, cluster_set_schedulable  # noqa: E402
