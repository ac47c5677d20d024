"""The cluster reconciler (BEHAVIOUR.md §6.3, §6.9): one leader at a time, under the `cluster` lease.

This covers manually managed clusters (manual scaling): the configuration file
is synced into the database, and standalone clusters (which exist already) are
walked to `waiting_for_kas_fleetshard_operator`, where their agent's first
healthy report makes them `ready`. OSD clusters through OCM come with the
providers work.
"""

from __future__ import annotations

import logging

from django.conf import settings

from clusters import services
from clusters.models import Cluster, ClusterStatus, ClusterType, ProviderType
from fleetmanager import leases, reconcile
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.sso import SSOError, sso_client
from kafkas import selectors as kafka_selectors

logger = logging.getLogger("fleetmanager.clusters.tasks")

CLUSTER_LEASE = "cluster"


def agent_client_id(cluster: Cluster) -> str:
    """The agent's SSO client: deterministic, so registering it twice finds the first one."""
    return f"kas-fleetshard-agent-{cluster.cluster_id}"


def reconcile_clusters(holder: str | None = None) -> None:
    lease = leases.acquire(CLUSTER_LEASE, holder or leases.process_holder())
    if lease is None:
        return
    with reconcile.reconcile_pass(CLUSTER_LEASE) as stats:
        if settings.FLEET_DATAPLANE_SCALING_TYPE == "manual":
            sync_configured_clusters(lease)
        for cluster in Cluster.objects.filter(provider_type=ProviderType.STANDALONE).exclude(
            status__in=[ClusterStatus.READY, ClusterStatus.WAITING_FOR_FLEETSHARD, ClusterStatus.FAILED]
        ):
            try:
                _advance_standalone(lease, cluster)
            except leases.LeaseLost:
                raise
            except (SSOError, services.StaleCluster) as exc:
                logger.warning("cluster %s: %s; retrying next pass", cluster.cluster_id, exc)
                stats.errors += 1


def sync_configured_clusters(lease: leases.Lease) -> None:
    """Insert clusters the file lists; deprovision unlisted empty ones (§6.3 step 2)."""
    configured = fleet_config().dataplane
    known = set(Cluster.all_objects.values_list("cluster_id", flat=True))
    for entry in configured.clusters:
        if entry.cluster_id not in known:
            with leases.fenced(lease):
                services.cluster_create_from_config(entry)
            logger.info("cluster %s added from the configuration file", entry.cluster_id)
    listed = {entry.cluster_id for entry in configured.clusters}
    unlisted = (
        Cluster.objects.filter(cluster_type=ClusterType.MANAGED)
        .exclude(cluster_id__in=listed)
        .exclude(status__in=[ClusterStatus.DEPROVISIONING, ClusterStatus.CLEANUP])
    )
    for cluster in unlisted:
        if not kafka_selectors.cluster_units_used([cluster.cluster_id]):
            with leases.fenced(lease):
                services.cluster_transition(
                    cluster=cluster, to=ClusterStatus.DEPROVISIONING, reason="removed from the configuration file"
                )


def _advance_standalone(lease: leases.Lease, cluster: Cluster) -> None:
    status = cluster.status
    if status in (ClusterStatus.ACCEPTED, ClusterStatus.PROVISIONING):
        # A standalone cluster exists already: nothing to create, it counts as provisioned.
        with leases.fenced(lease):
            if status == ClusterStatus.ACCEPTED:
                services.cluster_transition(cluster=cluster, to=ClusterStatus.PROVISIONING)
            services.cluster_transition(cluster=cluster, to=ClusterStatus.PROVISIONED)
        status = cluster.status
    if status == ClusterStatus.PROVISIONED:
        account = sso_client().create_service_account(
            client_id=agent_client_id(cluster),
            name=f"kas-fleetshard agent of cluster {cluster.cluster_id}",
            attributes={"cluster-id": cluster.cluster_id},
        )
        with leases.fenced(lease):
            services.cluster_transition(
                cluster=cluster,
                to=ClusterStatus.WAITING_FOR_FLEETSHARD,
                reason="agent credentials registered",
                client_id=account.client_id,
                client_secret=account.client_secret,
            )
    elif status == ClusterStatus.DEPROVISIONING:
        with leases.fenced(lease):
            if kafka_selectors.cluster_units_used([cluster.cluster_id]):
                services.cluster_transition(cluster=cluster, to=ClusterStatus.READY, reason="still holds Kafkas")
            else:
                services.cluster_transition(cluster=cluster, to=ClusterStatus.CLEANUP)
    elif status == ClusterStatus.CLEANUP:
        if cluster.client_id:
            sso_client().delete_service_account(cluster.client_id)
        with leases.fenced(lease):
            services.cluster_soft_delete(cluster=cluster)
