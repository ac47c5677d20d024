"""Every write to a data-plane cluster: transitions, config sync and agent reports."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from clusters.models import TRANSITIONS, Cluster, ClusterStatus, ClusterType
from fleetmanager.fleetconfig import ManualCluster

logger = logging.getLogger("fleetmanager.clusters")


class InvalidClusterTransition(Exception):
    pass


class StaleCluster(Exception):
    """Another worker changed the cluster first."""


def cluster_transition(*, cluster: Cluster, to: str, reason: str = "", **fields: Any) -> Cluster:
    """Compare-and-set ``cluster.status`` from the status it was read in to ``to``."""
    from_status = cluster.status
    if to not in TRANSITIONS[from_status]:
        raise InvalidClusterTransition(f"cluster {cluster.cluster_id}: {from_status} -> {to} is not allowed")
    now = timezone.now()
    updated = Cluster.objects.filter(pk=cluster.pk, status=from_status).update(status=to, updated_at=now, **fields)
    if updated != 1:
        raise StaleCluster(f"cluster {cluster.cluster_id} is no longer {from_status}")
    for name, value in fields.items():
        setattr(cluster, name, value)
    cluster.status = to
    cluster.updated_at = now
    logger.info("cluster %s: %s -> %s %s", cluster.cluster_id, from_status, to, reason)
    return cluster


def cluster_create_from_config(entry: ManualCluster) -> Cluster:
    """Insert a cluster listed in dataplane-cluster-configuration.yaml (manual scaling, §6.3 step 2)."""
    return Cluster.objects.create(
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


def cluster_update(*, cluster: Cluster, **fields: Any) -> Cluster:
    """Write progress of a step (not the status) on the cluster as it was read."""
    if "status" in fields:
        raise ValueError("status changes go through cluster_transition")
    Cluster.objects.filter(pk=cluster.pk, status=cluster.status).update(updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(cluster, name, value)
    return cluster


def cluster_hard_delete(*, cluster: Cluster) -> bool:
    """Enterprise clusters leave no row behind once cleaned up (the customer may register them again)."""
    deleted, _ = Cluster.objects.filter(pk=cluster.pk, status=ClusterStatus.CLEANUP).delete()
    return bool(deleted)


def cluster_soft_delete(*, cluster: Cluster) -> bool:
    now = timezone.now()
    with transaction.atomic():
        deleted = Cluster.objects.filter(pk=cluster.pk, status=ClusterStatus.CLEANUP).update(
            deleted_at=now, updated_at=now
        )
    return bool(deleted)
