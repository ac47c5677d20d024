"""What SREs do to data-plane clusters from the console, with the acting ``Actor``; every call is audited."""

from __future__ import annotations

from django.utils import timezone

from clusters import capacity
from clusters.models import DELETING_STATUSES, Cluster, ClusterStatus, ClusterType
from clusters.services import cluster_transition
from fleetmanager import audit, errors
from fleetmanager.audit import Actor
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.statemachine import InvalidTransition, StaleState


def _cluster(pk: str) -> Cluster:
    cluster = Cluster.objects.filter(pk=pk).first()
    if cluster is None:
        raise errors.not_found(f"cluster with id='{pk}' not found")
    return cluster


def cluster_set_schedulable(*, actor: Actor, cluster_pk: str, schedulable: bool) -> Cluster:
    """Cordon (no new Kafka is placed on the cluster; its Kafkas stay) or uncordon a cluster."""
    name = "cluster.uncordon" if schedulable else "cluster.cordon"
    with audit.action(actor, name, "cluster", cluster_pk) as entry:
        cluster = _cluster(cluster_pk)
        if cluster.status in DELETING_STATUSES:
            raise errors.ServiceError(errors.VALIDATION, f"the cluster is {cluster.status}: it takes no Kafkas anyway")
        if cluster.schedulable == schedulable:
            state = "schedulable" if schedulable else "cordoned"
            raise errors.ServiceError(errors.VALIDATION, f"the cluster is already {state}")
        entry.change("schedulable", cluster.schedulable, schedulable)
        Cluster.objects.filter(pk=cluster.pk).update(schedulable=schedulable, updated_at=timezone.now())
        cluster.schedulable = schedulable
    return cluster


def cluster_admin_deprovision(*, actor: Actor, cluster_pk: str) -> Cluster:
    """Deprovision an empty managed cluster; the cluster reconciler then removes it (§6.9)."""
    with audit.action(actor, "cluster.deprovision", "cluster", cluster_pk) as entry:
        cluster = _cluster(cluster_pk)
        if cluster.cluster_type == ClusterType.ENTERPRISE:
            raise errors.ServiceError(
                errors.VALIDATION, "an enterprise cluster is deregistered by its organisation (DELETE /clusters/{id})"
            )
        if cluster.cluster_id and fleet_config().dataplane.get(cluster.cluster_id) is not None:
            raise errors.ServiceError(
                errors.VALIDATION,
                "the cluster is listed in dataplane-cluster-configuration.yaml: remove it from the file instead "
                "(the cluster reconciler deprovisions clusters missing from it once they are empty)",
            )
        if capacity.holds_kafkas(cluster.cluster_id):
            raise errors.ServiceError(
                errors.VALIDATION, "the cluster still holds Kafkas: cordon it and move or deprovision them first"
            )
        entry.change("status", cluster.status, ClusterStatus.DEPROVISIONING)
        try:
            cluster_transition(
                cluster=cluster, to=ClusterStatus.DEPROVISIONING, reason=f"deprovisioned by {actor}", actor=str(actor)
            )
        except InvalidTransition:
            raise errors.ServiceError(
                errors.VALIDATION, f"a {cluster.status} cluster cannot be deprovisioned"
            ) from None
        except StaleState:
            raise errors.ServiceError(errors.VALIDATION, "the cluster changed meanwhile; try again") from None
    return cluster
