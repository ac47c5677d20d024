"""The Kafka catalogue: instance types and sizes offered in a region (§1.11)."""

from __future__ import annotations

from fleetmanager import errors
from fleetmanager.fleetconfig import InstanceType, fleet_config


def instance_types_for_region(cloud_provider: str, cloud_region: str) -> list[InstanceType]:
    config = fleet_config()
    provider = config.providers.get(cloud_provider)
    if provider is None:
        raise errors.ServiceError(errors.PROVIDER_NOT_SUPPORTED, f"cloud provider '{cloud_provider}' is unsupported")
    region = provider.region(cloud_region)
    if region is None:
        raise errors.ServiceError(errors.REGION_NOT_SUPPORTED, f"cloud region '{cloud_region}' is unsupported")
    types = [config.instance_types.get(type_id) for type_id in region.supported_instance_types]
    # The loader rejects regions naming unknown types, so every lookup above succeeds.
    return sorted((t for t in types if t), key=lambda t: t.id)
