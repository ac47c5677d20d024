"""The cluster reconciler (BEHAVIOUR.md §6.3, §6.9): one leader at a time, under the `cluster` lease.

Each pass syncs the configuration file (manual scaling), then walks every cluster
one step through its lifecycle with its provider (standalone, OCM, enterprise).
Remote calls happen outside transactions; each status change is a fenced
compare-and-set. A failing call is recorded on the cluster row and retried with
backoff, so one broken cluster never holds up the others.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from clusters import capacity, services
from clusters.models import RECONCILER_STATUSES, Cluster, ClusterStatus, ClusterType
from clusters.providers import Progress, ProvisioningFailed, provider_for
from fleetmanager import leases, logs, reconcile
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.http import IntegrationError
from fleetmanager.metrics import CLUSTER_OPERATIONS_SUCCESS, CLUSTER_OPERATIONS_TOTAL

logger = logging.getLogger("fleetmanager.clusters.tasks")

CLUSTER_LEASE = "cluster"
C = ClusterStatus

# status -> (provider step, status once the step is done)
STEPS = {
    C.ACCEPTED: ("create", C.PROVISIONING),
    C.PROVISIONING: ("provision", C.PROVISIONED),
    C.PROVISIONED: ("terraform", C.WAITING_FOR_FLEETSHARD),
    C.WAITING_FOR_FLEETSHARD: ("refresh", None),
    C.READY: ("refresh", None),
    C.DEPROVISIONING: ("delete", C.CLEANUP),
    C.CLEANUP: ("cleanup", None),
}


def reconcile_clusters(holder: str | None = None) -> None:
    lease = leases.acquire(CLUSTER_LEASE, holder or leases.process_holder())
    if lease is None:
        return
    with leases.kept_alive(lease), reconcile.reconcile_pass(CLUSTER_LEASE) as stats:
        if settings.FLEET_DATAPLANE_SCALING_TYPE == "manual":
            sync_configured_clusters(lease)
        due = Cluster.objects.filter(reconcile.due(), status__in=RECONCILER_STATUSES).order_by("created_at", "id")
        for cluster in due:
            with logs.bound(cluster_id=cluster.cluster_id or str(cluster.id)):
                stats.errors += reconcile_cluster(lease, cluster)
            stats.processed += 1


def reconcile_cluster(lease: leases.Lease, cluster: Cluster) -> int:
    """Advance one cluster as far as it goes now; returns the number of errors (0 or 1).

    Steps that finish at once (a standalone cluster has nothing to create) are chained,
    so a new cluster reaches `waiting_for_kas_fleetshard_operator` in one pass.
    """
    recovering = bool(cluster.reconcile_failures)
    try:
        for _ in range(len(STEPS)):
            before = cluster.status
            _step(lease, cluster)
            if cluster.status in (before, C.FAILED) or not Cluster.objects.filter(pk=cluster.pk).exists():
                break
    except leases.LeaseLost:
        raise
    except (IntegrationError, services.StaleState) as exc:
        delay = services.cluster_back_off(cluster=cluster, error=str(exc))
        logger.warning("cluster %s (%s): %s; retrying in %s", cluster, cluster.status, exc, delay)
        return 1
    except Exception as exc:
        logger.exception("cluster %s (%s): reconcile failed", cluster, cluster.status)
        services.cluster_back_off(cluster=cluster, error=f"{type(exc).__name__}: {exc}")
        return 1
    if recovering and cluster.status != C.FAILED:
        services.cluster_reconciled(cluster=cluster)
    return 0


def _step(lease: leases.Lease, cluster: Cluster) -> None:
    if cluster.status == C.DEPROVISIONING and capacity.holds_kafkas(cluster.cluster_id):
        with leases.fenced(lease):
            services.cluster_transition(cluster=cluster, to=C.READY, reason="still holds Kafkas")
        return
    step, next_status = STEPS[cluster.status]
    provider = provider_for(cluster)
    try:
        progress: Progress = getattr(provider, step)(cluster)
    except ProvisioningFailed as exc:
        with leases.fenced(lease):
            services.cluster_transition(cluster=cluster, to=C.FAILED, reason=str(exc), last_reconcile_error=str(exc))
        _count("create", success=False)
        return
    if cluster.status == C.CLEANUP:
        with leases.fenced(lease):
            _remove(cluster, hard=provider.hard_delete)
        return
    if progress.done and next_status:
        with leases.fenced(lease):
            services.cluster_transition(cluster=cluster, to=next_status, reason=f"{step} done", **progress.fields)
        if next_status == C.CLEANUP:
            _count("delete", success=True)
    elif progress.fields:
        with leases.fenced(lease):
            services.cluster_update(cluster=cluster, **progress.fields)


def _remove(cluster: Cluster, *, hard: bool) -> None:
    if hard:
        services.cluster_hard_delete(cluster=cluster)
        _count("hard_delete", success=True)
    else:
        services.cluster_soft_delete(cluster=cluster)


def _count(operation: str, *, success: bool) -> None:
    CLUSTER_OPERATIONS_TOTAL.inc(operation=operation)
    if success:
        CLUSTER_OPERATIONS_SUCCESS.inc(operation=operation)


def sync_configured_clusters(lease: leases.Lease) -> None:
    """Insert clusters the file lists; deprovision unlisted empty ones (§6.3 step 2)."""
    configured = fleet_config().dataplane
    known = set(Cluster.objects.exclude(cluster_id=None).values_list("cluster_id", flat=True))
    for entry in configured.clusters:
        if entry.cluster_id not in known:
            with leases.fenced(lease):
                services.cluster_create_from_config(entry)
            logger.info("cluster %s added from the configuration file", entry.cluster_id)
    listed = [entry.cluster_id for entry in configured.clusters]
    unlisted = (
        Cluster.objects.filter(cluster_type=ClusterType.MANAGED)
        .exclude(Q(cluster_id__in=listed) | Q(cluster_id=None))
        .exclude(status__in=[C.DEPROVISIONING, C.CLEANUP])
    )
    for cluster in unlisted:
        if not capacity.holds_kafkas(cluster.cluster_id):
            with leases.fenced(lease), transaction.atomic():
                services.cluster_transition(
                    cluster=cluster, to=C.DEPROVISIONING, reason="removed from the configuration file"
                )
