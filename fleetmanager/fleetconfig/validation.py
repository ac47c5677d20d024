"""Checks across configuration files (§6.6): region limits against the clusters that serve them.

A region limit the configured clusters cannot hold, or clusters whose capacity no limit
lets anybody use, is a configuration mistake; start-up stops with the file and entry.
"""

from __future__ import annotations

from fleetmanager.fleetconfig.dataplane import DataplaneConfig, ManualCluster
from fleetmanager.fleetconfig.dynamic_scaling import DynamicScalingConfig
from fleetmanager.fleetconfig.instance_types import InstanceTypes
from fleetmanager.fleetconfig.providers import FILE as PROVIDERS_FILE
from fleetmanager.fleetconfig.providers import ProviderConfig, Region
from fleetmanager.fleetconfig.reader import ConfigError

UNLIMITED = -1


def validate_capacity(
    providers: ProviderConfig,
    dataplane: DataplaneConfig,
    scaling: DynamicScalingConfig,
    instance_types: InstanceTypes,
    scaling_type: str,
) -> None:
    if scaling_type == "manual":
        for provider in providers.providers:
            for region in provider.regions:
                clusters = [
                    c
                    for c in dataplane.clusters
                    if c.schedulable and c.cloud_provider == provider.name and c.region == region.name
                ]
                _check_region(provider.name, region, clusters)
    if scaling_type == "auto":
        _check_machines(providers, scaling)


def _field(provider: str, region: str, instance_type: str) -> str:
    return f"supported_providers[{provider}].regions[{region}].supported_instance_type.{instance_type}.limit"


def _check_region(provider: str, region: Region, clusters: list[ManualCluster]) -> None:
    if any(c.kafka_instance_limit == UNLIMITED for c in clusters):
        return  # an unlimited cluster can hold any limit
    limits = {t: v.limit for t, v in region.supported_instance_types.items()}
    total = sum(c.kafka_instance_limit for c in clusters)
    for instance_type, limit in limits.items():
        if limit is None:
            continue
        serving = [c for c in clusters if instance_type in c.instance_types]
        shared = sum(c.kafka_instance_limit for c in serving)
        isolated = sum(c.kafka_instance_limit for c in serving if c.instance_types == (instance_type,))
        where = _field(provider, region.name, instance_type)
        if len(limits) == 1 and limit != shared:
            raise ConfigError(
                PROVIDERS_FILE,
                where,
                f"{limit} must equal the {shared} streaming units of the region's schedulable clusters "
                "(dataplane-cluster-configuration.yaml)",
            )
        if not isolated <= limit <= shared:
            raise ConfigError(
                PROVIDERS_FILE,
                where,
                f"{limit} must lie between {isolated} (clusters only for {instance_type}) and {shared} "
                f"(all clusters serving {instance_type}) streaming units of dataplane-cluster-configuration.yaml",
            )
    if len(limits) > 1 and all(v is not None for v in limits.values()) and sum(limits.values()) != total:
        raise ConfigError(
            PROVIDERS_FILE,
            f"supported_providers[{provider}].regions[{region.name}].supported_instance_type",
            f"the limits add up to {sum(limits.values())} but the region's schedulable clusters hold {total} "
            "streaming units (dataplane-cluster-configuration.yaml)",
        )


def _check_machines(providers: ProviderConfig, scaling: DynamicScalingConfig) -> None:
    for provider in providers.providers:
        machines = scaling.for_provider(provider.name)
        if machines is None:
            raise ConfigError(
                "dynamic-scaling-configuration.yaml",
                f"compute_machine_per_cloud_provider.{provider.name}",
                "is required in auto scaling mode for every provider of provider-configuration.yaml",
            )
        for region in provider.regions:
            for instance_type in region.supported_instance_types:
                if instance_type not in machines.per_instance_type:
                    raise ConfigError(
                        "dynamic-scaling-configuration.yaml",
                        f"compute_machine_per_cloud_provider.{provider.name}.kafka_workload_per_instance_type",
                        f"has no machine configuration for instance type {instance_type!r} "
                        f"(offered in region {region.name})",
                    )
