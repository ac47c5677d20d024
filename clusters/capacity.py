"""Region capacity in streaming units (§6.6) and the sizes a region can still take (§1.10)."""

from __future__ import annotations

from django.conf import settings

from clusters import placement
from fleetmanager.fleetconfig import InstanceType, KafkaSize, Region
from kafkas import selectors as kafka_selectors


def region_fits(*, cloud_provider: str, region: Region, instance_type: InstanceType, size: KafkaSize) -> bool:
    """Whether one more Kafka of ``size`` stays within the region's configured limit."""
    limit = region.supported_instance_types[instance_type.id].limit
    if limit is None:
        return True
    used = kafka_selectors.region_units_used(
        cloud_provider=cloud_provider, region=region.name, instance_type=instance_type.id
    )
    return used + size.capacity_consumed <= limit


def size_fits(*, cloud_provider: str, region: Region, instance_type: InstanceType, size: KafkaSize) -> bool:
    """Within the region limit and, unless auto scaling adds clusters on demand, on some cluster (§1.10)."""
    if not region_fits(cloud_provider=cloud_provider, region=region, instance_type=instance_type, size=size):
        return False
    if settings.FLEET_DATAPLANE_SCALING_TYPE == "auto":
        return True
    request = placement.PlacementRequest(
        cloud_provider=cloud_provider,
        region=region.name,
        instance_type=instance_type.id,
        multi_az=instance_type.multi_az,
        capacity_consumed=size.capacity_consumed,
    )
    return placement.place(request) is not None


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
