"""Streaming units: what each cluster and region holds, and whether one more Kafka fits (§6.5, §6.6).

The one owner of capacity counting. Units are counted from a census of Kafkas (how
many Kafkas of each instance type and size sit on which cluster, or in which region)
and each size's `capacity_consumed` in the configuration, read at counting time so a
resized plan applies at once. The kafkas app answers the census: it registers a
``KafkaCensus`` when Django starts (``kafkas.apps``), so this app never imports kafkas
and takes plain values only.

Every decision that consumes capacity or quota (a create, a placement, a
deregistration) holds ``lock()`` while it counts and writes, so two decisions can
never both take the last units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from clusters.models import Cluster, ClusterStatus, ClusterType
from fleetmanager import locks
from fleetmanager.fleetconfig import InstanceType, KafkaSize, Region, fleet_config
from fleetmanager.fleetconfig.validation import UNLIMITED

CAPACITY_LOCK = "kafka_capacity"


def lock() -> None:
    """Serialise capacity decisions across processes until the current transaction ends."""
    locks.lock(CAPACITY_LOCK)


@dataclass(frozen=True, slots=True)
class SizeCount:
    """``count`` Kafkas of one instance type and size (on ``cluster_id``, when counted per cluster)."""

    instance_type: str
    size_id: str
    count: int
    cluster_id: str = ""


class KafkaCensus(Protocol):
    """Where the Kafkas are, as the kafkas app knows it."""

    def on_clusters(self, cluster_ids: Sequence[str]) -> Iterable[SizeCount]:
        """Kafkas on these clusters, in any status but deleting (they no longer use the data plane)."""

    def in_region(self, *, cloud_provider: str, region: str, instance_type: str) -> Iterable[SizeCount]:
        """Kafkas of a region that count against its limit: all but enterprise ones, until soft delete."""

    def units_on_cluster(self, cluster_ref: Any, instance_type: str, units_by_size: Mapping[str, int]) -> QuerySet:
        """A one-value subquery: Σ units of ``instance_type`` on the cluster whose id is ``cluster_ref``
        (an ``OuterRef``), a size counting ``units_by_size[size_id]`` and an unknown size one unit."""


_census: KafkaCensus | None = None


def register_census(census: KafkaCensus) -> None:
    global _census
    _census = census


def census() -> KafkaCensus:
    if _census is None:
        raise ImproperlyConfigured("no Kafka census is registered: is the kafkas app installed?")
    return _census


# --- units --------------------------------------------------------------------------------


def units_by_size(instance_type: str) -> dict[str, int]:
    """Each configured size's units (``capacity_consumed``) for an instance type."""
    configured = fleet_config().instance_types.get(instance_type)
    return {size.id: size.capacity_consumed for size in configured.sizes} if configured else {}


def size_units(instance_type: str, size_id: str) -> int:
    """A size removed from the configuration still occupies capacity: it counts as one unit."""
    return units_by_size(instance_type).get(size_id, 1)


def total_units(counts: Iterable[SizeCount]) -> int:
    return sum(size_units(c.instance_type, c.size_id) * c.count for c in counts)


def units_on_clusters(cluster_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Units held on each cluster per instance type (§6.5); clusters holding nothing are absent."""
    used: dict[str, dict[str, int]] = {}
    for count in census().on_clusters([c for c in cluster_ids if c]):
        per_type = used.setdefault(count.cluster_id, {})
        per_type[count.instance_type] = per_type.get(count.instance_type, 0) + total_units([count])
    return used


def kafka_counts(cluster_ids: Sequence[str]) -> dict[str, int]:
    """How many Kafkas (any status but deleting) each cluster runs; clusters running none are absent."""
    counts: dict[str, int] = {}
    for count in census().on_clusters([c for c in cluster_ids if c]):
        counts[count.cluster_id] = counts.get(count.cluster_id, 0) + count.count
    return counts


def summary(cluster: Any, used: dict[str, dict[str, int]]) -> str:
    """'standard 3/10, developer 0/5': streaming units used / max per type (the max as the agent last reported it)."""
    held = used.get(cluster.cluster_id or "", {})
    parts = []
    for instance_type in cluster.instance_types:
        info = (cluster.dynamic_capacity_info or {}).get(instance_type) or {}
        maximum = info.get("max_units")
        parts.append(f"{instance_type} {held.get(instance_type, 0)}/{maximum if maximum is not None else '?'}")
    return ", ".join(parts)


def holds_kafkas(cluster_id: str | None) -> bool:
    return bool(cluster_id and units_on_clusters([cluster_id]))


def units_in_region(*, cloud_provider: str, region: str, instance_type: str) -> int:
    """Units of non-enterprise Kafkas in a region, in any status until soft delete (§6.6)."""
    return total_units(census().in_region(cloud_provider=cloud_provider, region=region, instance_type=instance_type))


def units_on_cluster_subquery(cluster_ref: Any, instance_type: str) -> QuerySet:
    """Units of ``instance_type`` on each cluster, summed in the database (placement in auto mode)."""
    return census().units_on_cluster(cluster_ref, instance_type, units_by_size(instance_type))


def region_fits(*, cloud_provider: str, region: Region, instance_type: InstanceType, size: KafkaSize) -> bool:
    """Whether one more Kafka of ``size`` stays within the region's configured limit."""
    limit = region.supported_instance_types[instance_type.id].limit
    if limit is None:
        return True
    used = units_in_region(cloud_provider=cloud_provider, region=region.name, instance_type=instance_type.id)
    return used + size.capacity_consumed <= limit


# --- what each cluster holds and can take, for /metrics (§10) -------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterCapacity:
    """Streaming units of one instance type on one ready cluster; ``max_units`` None: no limit."""

    cluster_id: str
    cloud_provider: str
    region: str
    instance_type: str
    used_units: int
    max_units: int | None

    @property
    def available_units(self) -> int | None:
        return None if self.max_units is None else max(self.max_units - self.used_units, 0)


def cluster_capacities() -> list[ClusterCapacity]:
    """Per ready cluster and instance type it supports: units used, and the most it may hold.

    The most is what placement enforces (``clusters.placement``): the agent's reported
    ``max_units`` for enterprise clusters and in auto mode (there also bounded by the region
    limit), the ``kafka_instance_limit`` of the configuration file in manual mode (a limit on
    all instance types together, so ``available`` counts what the other types use too).
    """
    config = fleet_config()
    auto = settings.FLEET_DATAPLANE_SCALING_TYPE == "auto"
    clusters = list(Cluster.objects.filter(status=ClusterStatus.READY).exclude(cluster_id=None).order_by("cluster_id"))
    used = units_on_clusters([c.cluster_id for c in clusters])
    found: list[ClusterCapacity] = []
    for cluster in clusters:
        used_here = used.get(cluster.cluster_id, {})
        for instance_type in cluster.instance_types:
            units = used_here.get(instance_type, 0)
            most: int | None
            if cluster.cluster_type == ClusterType.ENTERPRISE or auto:
                info = (cluster.dynamic_capacity_info or {}).get(instance_type) or {}
                most = int(info.get("max_units") or 0)
                if auto and cluster.cluster_type != ClusterType.ENTERPRISE:
                    most = _bounded_by_region(most, cluster, instance_type, config)
            else:
                configured = config.dataplane.get(cluster.cluster_id)
                limit = configured.kafka_instance_limit if configured else UNLIMITED
                other_types = sum(used_here.values()) - units
                most = None if limit == UNLIMITED else max(limit - other_types, 0)
            found.append(
                ClusterCapacity(
                    cluster_id=cluster.cluster_id,
                    cloud_provider=cluster.cloud_provider,
                    region=cluster.region,
                    instance_type=instance_type,
                    used_units=units,
                    max_units=most,
                )
            )
    return found


def _bounded_by_region(most: int, cluster: Any, instance_type: str, config: Any) -> int:
    provider = config.providers.get(cluster.cloud_provider)
    region = provider.region(cluster.region) if provider else None
    limit = region.supported_instance_types.get(instance_type) if region else None
    return most if limit is None or limit.limit is None else min(most, limit.limit)
