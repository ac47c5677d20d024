"""The upstream-format configuration files, loaded and validated once per process.

``fleet_config()`` returns the parsed files from ``settings.FLEET_CONFIG_DIR``. Any
missing or malformed file raises ``ConfigError`` naming the file and the field, at
start-up (``FleetManagerConfig.ready``), not on the first request that needs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from fleetmanager.fleetconfig.admin_authz import AdminAuthz, parse_admin_authz
from fleetmanager.fleetconfig.dataplane import DataplaneConfig, ManualCluster, parse_dataplane
from fleetmanager.fleetconfig.dynamic_scaling import DynamicScalingConfig, MachineConfig, parse_dynamic_scaling
from fleetmanager.fleetconfig.instance_types import (
    DEVELOPER,
    STANDARD,
    InstanceType,
    InstanceTypes,
    KafkaSize,
    SupportedBillingModel,
    parse_instance_types,
)
from fleetmanager.fleetconfig.prewarming import FILE as PREWARMING_FILE
from fleetmanager.fleetconfig.prewarming import Prewarming, parse_prewarming
from fleetmanager.fleetconfig.providers import InstanceTypeLimit, Provider, ProviderConfig, Region, parse_providers
from fleetmanager.fleetconfig.quota_list import QuotaAccount, QuotaList, parse_quota_list
from fleetmanager.fleetconfig.reader import ConfigError, load_yaml, string_list
from fleetmanager.fleetconfig.validation import validate_capacity

__all__ = [
    "DEVELOPER",
    "STANDARD",
    "AdminAuthz",
    "ConfigError",
    "DataplaneConfig",
    "DynamicScalingConfig",
    "MachineConfig",
    "FleetConfig",
    "InstanceType",
    "InstanceTypeLimit",
    "InstanceTypes",
    "KafkaSize",
    "ManualCluster",
    "Prewarming",
    "Provider",
    "ProviderConfig",
    "QuotaAccount",
    "QuotaList",
    "Region",
    "SupportedBillingModel",
    "fleet_config",
    "load_fleet_config",
    "reset_fleet_config",
]


@dataclass(frozen=True, slots=True)
class FleetConfig:
    directory: Path
    instance_types: InstanceTypes
    providers: ProviderConfig
    quota_list: QuotaList
    dataplane: DataplaneConfig
    dynamic_scaling: DynamicScalingConfig
    admin_authz: AdminAuthz
    deny_list: tuple[str, ...]
    access_list: tuple[str, ...]
    kafka_owners: tuple[str, ...]
    kafka_sre_users: tuple[str, ...]
    read_only_users: tuple[str, ...]
    prewarming: dict[str, Prewarming]
    # Organisations without a limit on their number of service accounts (§1.12).
    service_account_limit_skip_orgs: tuple[str, ...] = ()


SERVICE_ACCOUNT_LIMIT_SKIP_FILE = "service-account-limits-check-skip-org-id-list.yaml"


def load_fleet_config(directory: Path) -> FleetConfig:
    def read(name: str) -> object:
        return load_yaml(directory / name)

    instance_types = parse_instance_types(read("kafka-instance-types-configuration.yaml"))
    billing_models = {t.id: tuple(bm.id for bm in t.supported_billing_models) for t in instance_types.types}
    providers = parse_providers(read("provider-configuration.yaml"), instance_types.ids)
    dataplane = parse_dataplane(read("dataplane-cluster-configuration.yaml"), instance_types.ids)
    dynamic_scaling = parse_dynamic_scaling(read("dynamic-scaling-configuration.yaml"), instance_types.ids)
    validate_capacity(providers, dataplane, dynamic_scaling, instance_types, settings.FLEET_DATAPLANE_SCALING_TYPE)
    return FleetConfig(
        directory=directory,
        instance_types=instance_types,
        providers=providers,
        quota_list=parse_quota_list(read("quota-management-list-configuration.yaml"), billing_models),
        dataplane=dataplane,
        dynamic_scaling=dynamic_scaling,
        admin_authz=parse_admin_authz(read("admin-authz-configuration.yaml")),
        deny_list=string_list("deny-list-configuration.yaml", read("deny-list-configuration.yaml")),
        access_list=string_list("access-list-configuration.yaml", read("access-list-configuration.yaml")),
        kafka_owners=string_list("kafka-owner-list.yaml", read("kafka-owner-list.yaml")),
        kafka_sre_users=string_list("kafka-sre-user-list.yaml", read("kafka-sre-user-list.yaml")),
        read_only_users=string_list("read-only-user-list.yaml", read("read-only-user-list.yaml")),
        # Optional, as upstream: without the file no cluster keeps reserved instances.
        prewarming=parse_prewarming(
            read(PREWARMING_FILE) if (directory / PREWARMING_FILE).exists() else None, instance_types
        ),
        # Optional: a configuration directory from before this file existed still loads.
        service_account_limit_skip_orgs=string_list(
            SERVICE_ACCOUNT_LIMIT_SKIP_FILE, read(SERVICE_ACCOUNT_LIMIT_SKIP_FILE)
        )
        if (directory / SERVICE_ACCOUNT_LIMIT_SKIP_FILE).exists()
        else (),
    )


_lock = threading.Lock()
_config: FleetConfig | None = None


def fleet_config() -> FleetConfig:
    global _config
    if _config is None:
        with _lock:
            if _config is None:
                _config = load_fleet_config(Path(settings.FLEET_CONFIG_DIR))
    return _config


def reset_fleet_config() -> None:
    """Forget the loaded files (tests that point FLEET_CONFIG_DIR elsewhere)."""
    global _config
    with _lock:
        _config = None
