"""Choosing a data-plane cluster for a Kafka (BEHAVIOUR.md §6.5), and the sizes a region can still take (§1.10).

Callers hold the capacity lock (``clusters.capacity.lock``) while they choose and
write the choice, so two placements can never both take a cluster's last
streaming units.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast, Coalesce

from clusters import capacity
from clusters.models import Cluster, ClusterStatus, ClusterType
from fleetmanager.fleetconfig import InstanceType, KafkaSize, Region, fleet_config

UNLIMITED = -1


@dataclass(frozen=True, slots=True)
class PlacementRequest:
    cloud_provider: str
    region: str
    instance_type: str
    multi_az: bool
    capacity_consumed: int


def candidates(request: PlacementRequest) -> list[Cluster]:
    """Ready, schedulable (not cordoned) managed clusters of the region that support the type, oldest first."""
    return list(candidate_queryset(request))


def candidate_queryset(request: PlacementRequest) -> QuerySet[Cluster]:
    clusters = Cluster.objects.filter(
        cloud_provider=request.cloud_provider,
        region=request.region,
        status=ClusterStatus.READY,
        cluster_type=ClusterType.MANAGED,
        supported_instance_type__contains=request.instance_type,
        schedulable=True,
    ).order_by("created_at", "id")
    if request.multi_az:
        # Upstream checks multi-AZ only when it is required: single-AZ Kafkas may use any cluster.
        clusters = clusters.filter(multi_az=True)
    return clusters


def place(request: PlacementRequest) -> Cluster | None:
    """The first candidate with room for the Kafka, per the scaling mode; None when full."""
    mode = settings.FLEET_DATAPLANE_SCALING_TYPE
    if mode == "auto":
        return _first_with_dynamic_capacity(request)
    clusters = candidates(request)
    if not clusters or mode == "none":
        return clusters[0] if clusters else None
    used = capacity.units_on_clusters([c.cluster_id for c in clusters])
    return next((c for c in clusters if _fits_manual_limit(c, request, used)), None)


def _first_with_dynamic_capacity(request: PlacementRequest) -> Cluster | None:
    """Auto mode (§6.5 FirstReadyWithCapacity): the first cluster whose Kafkas leave room, counted exactly.

    Counting a cluster's Kafkas costs a subquery per cluster, so clusters the agent last
    reported as having room (`remaining_units`) are tried first; their count is still
    checked against the database, since the report may be stale. Only when none fits
    are all clusters counted, in case a stale report said "full".
    """
    type_info = KeyTransform(request.instance_type, "dynamic_capacity_info")
    remaining = Cast(KeyTextTransform("remaining_units", type_info), IntegerField())
    fitting = (
        candidate_queryset(request)
        .annotate(
            max_units=Coalesce(Cast(KeyTextTransform("max_units", type_info), IntegerField()), Value(0)),
            used_units=Coalesce(
                Subquery(capacity.units_on_cluster_subquery(OuterRef("cluster_id"), request.instance_type)),
                Value(0),
            ),
            reported_remaining=remaining,
        )
        .filter(max_units__gte=F("used_units") + request.capacity_consumed)
    )
    hinted = fitting.filter(Q(reported_remaining__gte=request.capacity_consumed) | Q(reported_remaining__isnull=True))
    return hinted.first() or fitting.first()


def _fits_manual_limit(cluster: Cluster, request: PlacementRequest, used: dict[str, dict[str, int]]) -> bool:
    configured = fleet_config().dataplane.get(cluster.cluster_id)
    if configured is None:
        return True  # not in the file: schedulable and unlimited, as upstream
    if not configured.schedulable:
        return False
    if configured.kafka_instance_limit == UNLIMITED:
        return True
    total = sum(used.get(cluster.cluster_id, {}).values())
    return total + request.capacity_consumed <= configured.kafka_instance_limit


def latest_strimzi(cluster: Cluster) -> dict | None:
    """The newest ready Strimzi version the agent reported (the stored list is sorted ascending)."""
    ready = [v for v in cluster.available_strimzi_versions or [] if v.get("ready")]
    return ready[-1] if ready else None


def place_enterprise(
    *, cluster_id: str, org_id: str, instance_type: str, capacity_consumed: int
) -> tuple[Cluster | None, str]:
    """The enterprise cluster a Kafka asks for, or None with the reason it cannot take it (§6.5)."""
    cluster = Cluster.objects.filter(cluster_id=cluster_id, cluster_type=ClusterType.ENTERPRISE).first()
    if cluster is None or cluster.organization_id != org_id:
        return None, "no such enterprise cluster in your organization"
    if cluster.status != ClusterStatus.READY:
        return None, f"the cluster is {cluster.status}, not ready"
    info = (cluster.dynamic_capacity_info or {}).get(instance_type)
    if info is None:
        return None, f"the cluster does not offer instance type {instance_type}"
    used = capacity.units_on_clusters([cluster_id]).get(cluster_id, {}).get(instance_type, 0)
    remaining = int(info.get("max_units") or 0) - used
    if remaining < capacity_consumed:
        return None, f"it has {max(remaining, 0)} streaming units left, {capacity_consumed} needed"
    return cluster, ""


# --- what a region can still take (§1.10) ---------------------------------------------------


def size_fits(*, cloud_provider: str, region: Region, instance_type: InstanceType, size: KafkaSize) -> bool:
    """Within the region limit and, unless auto scaling adds clusters on demand, on some cluster."""
    if not capacity.region_fits(cloud_provider=cloud_provider, region=region, instance_type=instance_type, size=size):
        return False
    if settings.FLEET_DATAPLANE_SCALING_TYPE == "auto":
        return True
    request = PlacementRequest(
        cloud_provider=cloud_provider,
        region=region.name,
        instance_type=instance_type.id,
        multi_az=instance_type.multi_az,
        capacity_consumed=size.capacity_consumed,
    )
    return place(request) is not None


def available_sizes(*, cloud_provider: str, region: Region, instance_type: InstanceType) -> list[str]:
    """Every size up to the largest one that still fits, in configuration order."""
    by_capacity = sorted(instance_type.sizes, key=lambda s: s.capacity_consumed, reverse=True)
    largest = next(
        (
            s
            for s in by_capacity
            if size_fits(cloud_provider=cloud_provider, region=region, instance_type=instance_type, size=s)
        ),
        None,
    )
    if largest is None:
        return []
    return [s.id for s in instance_type.sizes if s.capacity_consumed <= largest.capacity_consumed]
