"""Dynamic scaling of the fleet in auto mode (BEHAVIOUR.md §6.10).

Scale up adds an OSD cluster to a region when no cluster there can take the
largest Kafka size any more, or when free capacity falls under the configured
slack. Scale down removes an empty cluster when the region would not need a new
one straight away without it. Each decision is recorded (`ScalingDecision`) with
its reason, whether it was taken or only evaluated: the switches in
`dynamic-scaling-configuration.yaml` are off by default, which makes every
decision a dry run that SREs can read before turning scaling on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from clusters import capacity, services
from clusters.models import (
    BUILDING_STATUSES,
    DELETING_STATUSES,
    Cluster,
    ClusterStatus,
    ClusterType,
    ScalingAction,
    ScalingDecision,
)
from fleetmanager import leases, reconcile
from fleetmanager.fleetconfig import InstanceType, fleet_config

logger = logging.getLogger("fleetmanager.clusters.scaling")

SCALE_UP_LEASE = "dynamic_scale_up"
SCALE_DOWN_LEASE = "dynamic_scale_down"
# A dry-run decision repeated every pass is recorded again only after this long.
REPEAT_DRY_RUN_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Capacity:
    """One cluster's streaming units for one instance type."""

    cluster: Cluster
    max_units: int
    used: int

    @property
    def free(self) -> int:
        return max(self.max_units - self.used, 0)


def reconcile_scaling(holder: str | None = None) -> None:
    """The scaling pass (auto mode only): scale up, then scale down, each under its own lease."""
    if settings.FLEET_DATAPLANE_SCALING_TYPE != "auto":
        return
    holder = holder or leases.process_holder()
    for lease_type, evaluate in ((SCALE_UP_LEASE, scale_up), (SCALE_DOWN_LEASE, scale_down)):
        lease = leases.acquire(lease_type, holder)
        if lease is None:
            continue
        with leases.kept_alive(lease), reconcile.reconcile_pass(lease_type):
            evaluate(lease)


def _capacities(
    cloud_provider: str, region: str, instance_type: str, *, exclude: Cluster | None = None
) -> list[Capacity]:
    clusters = [
        c
        for c in Cluster.objects.filter(
            cloud_provider=cloud_provider, region=region, cluster_type=ClusterType.MANAGED
        ).exclude(status=ClusterStatus.FAILED)
        if instance_type in c.instance_types and (exclude is None or c.pk != exclude.pk)
    ]
    used = capacity.units_on_clusters([c.cluster_id for c in clusters if c.cluster_id])
    return [
        Capacity(
            cluster=c,
            max_units=int(((c.dynamic_capacity_info or {}).get(instance_type) or {}).get("max_units") or 0),
            used=used.get(c.cluster_id or "", {}).get(instance_type, 0),
        )
        for c in clusters
    ]


def scale_up_reason(
    cloud_provider: str, region_name: str, instance_type: InstanceType, *, exclude: Cluster | None = None
) -> str:
    """Why the region needs one more cluster for ``instance_type``, or "" when it does not."""
    region = fleet_config().providers.get(cloud_provider).region(region_name)
    settings_for_type = region.supported_instance_types[instance_type.id]
    capacities = _capacities(cloud_provider, region_name, instance_type.id, exclude=exclude)
    used = capacity.units_in_region(cloud_provider=cloud_provider, region=region_name, instance_type=instance_type.id)
    if settings_for_type.limit is not None and used >= settings_for_type.limit:
        return ""  # the region is full by its limit; another cluster would not help
    if exclude is None and any(c.cluster.status in BUILDING_STATUSES for c in capacities):
        return ""  # a cluster is on its way
    largest = max(size.capacity_consumed for size in instance_type.sizes)
    usable = [c for c in capacities if c.cluster.status not in BUILDING_STATUSES | DELETING_STATUSES]
    if not any(c.free >= largest for c in usable):
        return f"no cluster can take a Kafka of {largest} streaming units ({len(usable)} usable clusters)"
    free = sum(c.free for c in capacities if c.cluster.status not in DELETING_STATUSES)
    slack = settings_for_type.min_available_capacity_slack_streaming_units
    if free < slack:
        return f"{free} free streaming units, below the slack of {slack}"
    return ""


def scale_up(lease: leases.Lease) -> list[ScalingDecision]:
    decisions = []
    config = fleet_config()
    for provider in config.providers.providers:
        for region in provider.regions:
            for type_id in region.supported_instance_types:
                instance_type = config.instance_types.get(type_id)
                reason = scale_up_reason(provider.name, region.name, instance_type) if instance_type else ""
                if reason:
                    decision = _scale_up(lease, provider.name, region.name, type_id, reason)
                    if decision:
                        decisions.append(decision)
    return decisions


def _scale_up(
    lease: leases.Lease, cloud_provider: str, region: str, instance_type: str, reason: str
) -> ScalingDecision | None:
    dry_run = not fleet_config().dynamic_scaling.enable_scale_up
    with leases.fenced(lease):
        if dry_run and _recently_recorded(ScalingAction.SCALE_UP, cloud_provider, region, instance_type, reason):
            return None
        cluster = None
        if not dry_run:
            cluster = services.cluster_create_for_scale_up(
                cloud_provider=cloud_provider, region=region, instance_type=instance_type, reason=reason
            )
        decision = services.scaling_decision_record(
            action=ScalingAction.SCALE_UP,
            cloud_provider=cloud_provider,
            region=region,
            instance_type=instance_type,
            cluster=cluster,
            dry_run=dry_run,
            reason=reason,
        )
    logger.info(
        "scale up %s/%s %s%s: %s", cloud_provider, region, instance_type, " (dry run)" if dry_run else "", reason
    )
    return decision


def scale_down(lease: leases.Lease) -> list[ScalingDecision]:
    decisions = []
    candidates = Cluster.objects.filter(status=ClusterStatus.READY, cluster_type=ClusterType.MANAGED).order_by(
        "-created_at"
    )
    for cluster in candidates:
        if capacity.holds_kafkas(cluster.cluster_id):
            continue
        reason = _scale_down_reason(cluster)
        if reason:
            decisions.append(_scale_down(lease, cluster, reason))
    return [d for d in decisions if d]


def _scale_down_reason(cluster: Cluster) -> str:
    provider = fleet_config().providers.get(cluster.cloud_provider)
    region = provider.region(cluster.region) if provider else None
    if region is None:
        return "its region is no longer configured"
    for type_id in cluster.instance_types:
        instance_type = fleet_config().instance_types.get(type_id)
        if type_id in region.supported_instance_types and instance_type:
            if scale_up_reason(cluster.cloud_provider, cluster.region, instance_type, exclude=cluster):
                return ""  # the region would need a cluster right away without this one
    return "empty, and the region keeps enough capacity without it"


def _scale_down(lease: leases.Lease, cluster: Cluster, reason: str) -> ScalingDecision | None:
    dry_run = not fleet_config().dynamic_scaling.enable_scale_down
    with leases.fenced(lease):
        if dry_run and _recently_recorded(
            ScalingAction.SCALE_DOWN, cluster.cloud_provider, cluster.region, "", reason, cluster=cluster
        ):
            return None
        if not dry_run:
            services.cluster_transition(
                cluster=cluster, to=ClusterStatus.DEPROVISIONING, reason=f"scale down: {reason}"
            )
        decision = services.scaling_decision_record(
            action=ScalingAction.SCALE_DOWN,
            cloud_provider=cluster.cloud_provider,
            region=cluster.region,
            cluster=cluster,
            dry_run=dry_run,
            reason=reason,
        )
    logger.info("scale down %s%s: %s", cluster, " (dry run)" if dry_run else "", reason)
    return decision


def _recently_recorded(
    action: str, cloud_provider: str, region: str, instance_type: str, reason: str, cluster: Cluster | None = None
) -> bool:
    return ScalingDecision.objects.filter(
        action=action,
        cloud_provider=cloud_provider,
        region=region,
        instance_type=instance_type,
        reason=reason,
        cluster=cluster,
        dry_run=True,
        created_at__gte=timezone.now() - REPEAT_DRY_RUN_AFTER,
    ).exists()
