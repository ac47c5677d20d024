"""Reads of data-plane clusters and of the cloud providers and regions they make available."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from clusters.capacity import available_sizes
from clusters.models import DELETING_STATUSES, Cluster
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.fleetconfig.providers import DISPLAY_NAMES


def cluster_by_id(cluster_id: str) -> Cluster | None:
    """The live cluster with this (OCM / configured) cluster id."""
    if not cluster_id:
        return None
    return Cluster.objects.filter(cluster_id=cluster_id).first()


def live_clusters() -> QuerySet[Cluster]:
    return Cluster.objects.exclude(status__in=DELETING_STATUSES)


def cloud_providers() -> list[dict[str, Any]]:
    """Configured providers plus any provider a live cluster runs on.

    Upstream lists only providers that have clusters, so a fresh install answers
    an empty list; we also list what the configuration offers.
    """
    configured = fleet_config().providers
    names = list(configured.names)
    for name in live_clusters().order_by("cloud_provider").values_list("cloud_provider", flat=True).distinct():
        if name not in names:
            names.append(name)
    return [
        {
            "kind": "CloudProvider",
            "id": name,
            "name": name,
            "display_name": DISPLAY_NAMES.get(name, name),
            "enabled": configured.get(name) is not None,
        }
        for name in names
    ]


def cloud_regions(provider_id: str) -> list[dict[str, Any]]:
    config = fleet_config()
    provider = config.providers.get(provider_id)
    names = [r.name for r in provider.regions] if provider else []
    cluster_regions = (
        live_clusters().filter(cloud_provider=provider_id).order_by("region").values_list("region", flat=True)
    )
    for name in cluster_regions.distinct():
        if name not in names:
            names.append(name)
    return [_region(provider_id, name) for name in names]


def _region(provider_id: str, name: str) -> dict[str, Any]:
    config = fleet_config()
    provider = config.providers.get(provider_id)
    region = provider.region(name) if provider else None
    enabled = region is not None and bool(region.supported_instance_types)
    capacity = []
    if enabled:
        for type_id in region.supported_instance_types:
            instance_type = config.instance_types.get(type_id)
            if instance_type is not None:
                sizes = available_sizes(cloud_provider=provider_id, region=region, instance_type=instance_type)
                capacity.append({"instance_type": type_id, "available_sizes": sizes})
    return {"kind": "CloudRegion", "id": name, "display_name": name, "enabled": enabled, "capacity": capacity}
