"""Recording data-plane cluster operations in upstream's metrics."""

from __future__ import annotations

from django.utils import timezone

from clusters.models import Cluster, ClusterStatus, ClusterStatusChange
from fleetmanager import metrics


def cluster_became_ready(cluster: Cluster) -> None:
    """The first time a cluster is ready: its creation succeeded, in this many seconds (§10)."""
    if ClusterStatusChange.objects.filter(cluster_id=cluster.pk, to_status=ClusterStatus.READY).count() != 1:
        return  # ready again after the agent reported it not ready: not a new creation
    seconds = (timezone.now() - cluster.created_at).total_seconds()
    metrics.CLUSTER_CREATE_DURATION.labels(jobType="cluster_create").observe(seconds)
    metrics.CLUSTER_OPERATIONS_SUCCESS.inc(operation="create")
    metrics.CLUSTER_OPERATIONS_TOTAL.inc(operation="create")
