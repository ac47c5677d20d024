"""Reads of data-plane clusters, of enterprise clusters, and of the cloud providers and regions they offer."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from clusters import capacity
from clusters.models import DELETING_STATUSES, Cluster, ClusterStatus, ClusterType
from clusters.placement import available_sizes
from fleetmanager import errors
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.fleetconfig.providers import DISPLAY_NAMES
from fleetmanager.principal import Principal


def cluster_by_id(cluster_id: str | None) -> Cluster | None:
    """The live cluster with this (OCM / configured) cluster id."""
    if not cluster_id:
        return None
    return Cluster.objects.filter(cluster_id=cluster_id).first()


def live_clusters() -> QuerySet[Cluster]:
    return Cluster.objects.exclude(status__in=DELETING_STATUSES)


def live_fleet_clusters() -> QuerySet[Cluster]:
    """The fleet's own data plane, shared by every organisation: no customer's enterprise cluster.

    Where a customer runs its enterprise cluster (provider, region) is that customer's business,
    shown only through its own /clusters.
    """
    return live_clusters().filter(cluster_type=ClusterType.MANAGED)


def external_id_registered(external_id: str) -> bool:
    return Cluster.objects.filter(external_id=external_id).exists()


def cluster_by_external_id(external_id: str) -> Cluster | None:
    """The live cluster with this external (OCM subscription) id."""
    if not external_id:
        return None
    return Cluster.objects.filter(external_id=external_id).order_by("created_at").first()


def agent_client_id(cluster_id: str) -> str:
    """The SSO client id the agent of a live cluster authenticates with ("" when it has none yet)."""
    return Cluster.objects.filter(cluster_id=cluster_id).values_list("client_id", flat=True).first() or ""


def clusters_with_agents(statuses: frozenset[str]) -> list[str]:
    """Ids of the clusters in ``statuses`` whose agent credentials are issued."""
    return list(Cluster.objects.filter(status__in=statuses).exclude(client_id="").values_list("cluster_id", flat=True))


# --- enterprise clusters (§1.13) ----------------------------------------------------------


def enterprise_clusters(principal: Principal) -> QuerySet[Cluster]:
    return Cluster.objects.filter(cluster_type=ClusterType.ENTERPRISE, organization_id=principal.org_id).order_by(
        "created_at", "id"
    )


def enterprise_cluster(principal: Principal, cluster_id: str) -> Cluster:
    cluster = enterprise_clusters(principal).filter(cluster_id=cluster_id).first()
    if cluster is None:
        raise errors.not_found(f"cluster with id='{cluster_id}' not found")
    return cluster


# --- cloud providers and regions (§1.10) ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CloudProvider:
    id: str
    display_name: str
    enabled: bool

    @property
    def name(self) -> str:
        return self.id


@dataclass(frozen=True, slots=True)
class RegionCapacity:
    instance_type: str
    available_sizes: list[str]


@dataclass(frozen=True, slots=True)
class CloudRegion:
    id: str
    enabled: bool
    capacity: list[RegionCapacity] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.id


def cloud_providers() -> list[CloudProvider]:
    """Configured providers plus any provider a live cluster of the fleet runs on.

    Upstream lists only providers that have clusters, so a fresh install answers
    an empty list; we also list what the configuration offers.
    """
    configured = fleet_config().providers
    names = list(configured.names)
    for name in live_fleet_clusters().order_by("cloud_provider").values_list("cloud_provider", flat=True).distinct():
        if name not in names:
            names.append(name)
    return [CloudProvider(name, DISPLAY_NAMES.get(name, name), configured.get(name) is not None) for name in names]


def cloud_regions(provider_id: str) -> list[CloudRegion]:
    config = fleet_config()
    provider = config.providers.get(provider_id)
    names = [r.name for r in provider.regions] if provider else []
    cluster_regions = (
        live_fleet_clusters().filter(cloud_provider=provider_id).order_by("region").values_list("region", flat=True)
    )
    for name in cluster_regions.distinct():
        if name not in names:
            names.append(name)
    return [_region(provider_id, name) for name in names]


def _region(provider_id: str, name: str) -> CloudRegion:
    config = fleet_config()
    provider = config.providers.get(provider_id)
    region = provider.region(name) if provider else None
    if region is None or not region.supported_instance_types:
        return CloudRegion(name, enabled=False)
    capacity = []
    for type_id in region.supported_instance_types:
        instance_type = config.instance_types.get(type_id)
        if instance_type is not None:
            sizes = available_sizes(cloud_provider=provider_id, region=region, instance_type=instance_type)
            capacity.append(RegionCapacity(type_id, sizes))
    return CloudRegion(name, enabled=True, capacity=capacity)


def status_counts() -> dict[str, int]:
    """Live clusters in each status (every status present, zero or not)."""
    counts = dict.fromkeys(ClusterStatus.values, 0)
    for row in Cluster.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def kafka_units_per_cluster() -> dict[tuple[str, str], float]:
    """``{(cluster_id, external_id): streaming units}`` of the Kafkas on every live cluster."""
    clusters = list(live_clusters().exclude(cluster_id=None).values_list("cluster_id", "external_id"))
    used = capacity.units_on_clusters([cluster_id for cluster_id, _ in clusters])
    return {(cluster_id, external_id): sum(used.get(cluster_id, {}).values()) for cluster_id, external_id in clusters}


def capacity_series() -> dict[str, dict[tuple[str, str, str, str], float]]:
    """``{"max"|"used"|"available": {(region, instance_type, cluster_id, cloud_provider): units}}``;
    a cluster without a limit has no ``max`` and ``available`` series."""
    series: dict[str, dict[tuple[str, str, str, str], float]] = {"max": {}, "used": {}, "available": {}}
    for entry in capacity.cluster_capacities():
        key = (entry.region, entry.instance_type, entry.cluster_id, entry.cloud_provider)
        series["used"][key] = entry.used_units
        if entry.max_units is not None:
            series["max"][key] = entry.max_units
            series["available"][key] = entry.available_units or 0
    return series
