"""The Kafka catalogue: instance types and sizes offered in a region (§1.11)."""

from __future__ import annotations

from typing import Any

from fleetmanager import errors
from fleetmanager.fleetconfig import InstanceType, KafkaSize, fleet_config
from fleetmanager.fleetconfig.quantities import quantity_bytes


def instance_types_for_region(cloud_provider: str, cloud_region: str) -> list[dict[str, Any]]:
    config = fleet_config()
    provider = config.providers.get(cloud_provider)
    if provider is None:
        raise errors.ServiceError(errors.PROVIDER_NOT_SUPPORTED, f"cloud provider '{cloud_provider}' is unsupported")
    region = provider.region(cloud_region)
    if region is None:
        raise errors.ServiceError(errors.REGION_NOT_SUPPORTED, f"cloud region '{cloud_region}' is unsupported")
    types = [config.instance_types.get(type_id) for type_id in region.supported_instance_types]
    # The loader rejects regions naming unknown types, so every lookup above succeeds.
    return [present_instance_type(t) for t in sorted((t for t in types if t), key=lambda t: t.id)]


def present_instance_type(instance_type: InstanceType, *, billing_models: tuple[str, ...] | None = None) -> dict:
    models = [bm for bm in instance_type.supported_billing_models if billing_models is None or bm.id in billing_models]
    return {
        "id": instance_type.id,
        "display_name": instance_type.display_name,
        "supported_billing_models": [
            {
                "id": bm.id,
                "ams_resource": bm.ams_resource,
                "ams_product": bm.ams_product,
                "ams_billing_models": list(bm.ams_billing_models),
            }
            for bm in models
        ],
        "sizes": [present_size(size) for size in instance_type.sizes],
    }


def present_size(size: KafkaSize) -> dict[str, Any]:
    return {
        "id": size.id,
        "display_name": size.display_name,
        "ingress_throughput_per_sec": {"bytes": quantity_bytes(size.ingress_throughput_per_sec)},
        "egress_throughput_per_sec": {"bytes": quantity_bytes(size.egress_throughput_per_sec)},
        "total_max_connections": size.total_max_connections,
        "max_data_retention_size": {"bytes": quantity_bytes(size.max_data_retention_size)},
        "max_partitions": size.max_partitions,
        "max_data_retention_period": size.max_data_retention_period,
        "max_connection_attempts_per_sec": size.max_connection_attempts_per_sec,
        "max_message_size": {"bytes": quantity_bytes(size.max_message_size)},
        "min_in_sync_replicas": size.min_in_sync_replicas,
        "replication_factor": size.replication_factor,
        "supported_az_modes": list(size.supported_az_modes),
        "lifespan_seconds": size.lifespan_seconds,
        "quota_consumed": size.quota_consumed,
        "quota_type": size.quota_type,
        "capacity_consumed": size.capacity_consumed,
        "maturity_status": size.maturity_status,
    }
