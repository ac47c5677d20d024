"""`kafka-instance-types-configuration.yaml`: instance types, billing models and sizes."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.quantities import is_iso_duration, parse_quantity
from fleetmanager.fleetconfig.reader import Node

FILE = "kafka-instance-types-configuration.yaml"

STANDARD = "standard"
DEVELOPER = "developer"
KNOWN_INSTANCE_TYPES = (STANDARD, DEVELOPER)
KNOWN_AMS_PRODUCTS = ("RHOSAK", "RHOSAKTrial", "RHOSAKEval", "RHOSAKCC")
KNOWN_AMS_BILLING_MODELS = ("standard", "marketplace", "marketplace-rhm", "marketplace-aws", "marketplace-azure")
AZ_MODES = ("single", "multi")
MATURITY = ("stable", "preview")


@dataclass(frozen=True, slots=True)
class SupportedBillingModel:
    """One entry of an instance type's `supported_billing_models` (its id is a ``fleetmanager.billing.BillingModel``)."""

    id: str
    ams_resource: str
    ams_product: str
    ams_billing_models: tuple[str, ...]
    grace_period_days: int = 0


@dataclass(frozen=True, slots=True)
class KafkaSize:
    id: str
    display_name: str
    ingress_throughput_per_sec: str
    egress_throughput_per_sec: str
    total_max_connections: int
    max_connection_attempts_per_sec: int
    max_data_retention_size: str
    max_data_retention_period: str
    max_partitions: int
    max_message_size: str
    min_in_sync_replicas: int
    replication_factor: int
    quota_consumed: int
    quota_type: str
    capacity_consumed: int
    supported_az_modes: tuple[str, ...]
    maturity_status: str
    lifespan_seconds: int | None


@dataclass(frozen=True, slots=True)
class InstanceType:
    id: str
    display_name: str
    supported_billing_models: tuple[SupportedBillingModel, ...]
    sizes: tuple[KafkaSize, ...]

    def size(self, size_id: str) -> KafkaSize | None:
        return next((size for size in self.sizes if size.id == size_id), None)

    def billing_model(self, billing_model_id: str) -> SupportedBillingModel | None:
        return next((bm for bm in self.supported_billing_models if bm.id == billing_model_id), None)

    @property
    def multi_az(self) -> bool:
        # Upstream derives it from the type, never from the request.
        return self.id == STANDARD


@dataclass(frozen=True, slots=True)
class InstanceTypes:
    types: tuple[InstanceType, ...]

    def get(self, type_id: str) -> InstanceType | None:
        return next((t for t in self.types if t.id == type_id), None)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.types)


def _quantity(node: Node, key: str, *, minimum: int) -> str:
    value = node.string(key)
    try:
        amount = parse_quantity(value)
    except ValueError as exc:
        raise node.error(str(exc), key) from None
    if amount < minimum:
        # Upstream: throughputs and retention size at least 1, message size at least 0.
        raise node.error(f"must be at least {minimum}, got {value!r}", key)
    return value


def _positive(node: Node, key: str) -> int:
    return node.integer(key, minimum=1)


def _billing_model(node: Node) -> SupportedBillingModel:
    model = SupportedBillingModel(
        id=node.string("id"),
        ams_resource=node.string("ams_resource"),
        ams_product=node.string("ams_product"),
        ams_billing_models=node.strings("ams_billing_models"),
        grace_period_days=node.integer("grace_period_days", 0, minimum=0),
    )
    if model.ams_product not in KNOWN_AMS_PRODUCTS:
        raise node.error(f"{model.ams_product!r} is not one of {', '.join(KNOWN_AMS_PRODUCTS)}", "ams_product")
    if not model.ams_billing_models:
        raise node.error("must list at least one AMS billing model", "ams_billing_models")
    for value in model.ams_billing_models:
        if value not in KNOWN_AMS_BILLING_MODELS:
            raise node.error(f"{value!r} is not a known AMS billing model", "ams_billing_models")
    return model


def _size(node: Node) -> KafkaSize:
    az_modes = node.strings("supportedAZModes")
    if not az_modes or any(mode not in AZ_MODES for mode in az_modes):
        raise node.error(f"must list AZ modes among {', '.join(AZ_MODES)}", "supportedAZModes")
    maturity = node.string("maturityStatus", "stable")
    if maturity not in MATURITY:
        raise node.error(f"{maturity!r} must be one of {', '.join(MATURITY)}", "maturityStatus")
    period = node.string("maxDataRetentionPeriod")
    if not is_iso_duration(period):
        raise node.error(f"{period!r} is not an ISO-8601 duration such as P14D", "maxDataRetentionPeriod")
    if not any(digit in period for digit in "123456789"):
        raise node.error(f"{period!r} must not be zero", "maxDataRetentionPeriod")
    lifespan = node.integer("lifespanSeconds", None, minimum=1)
    return KafkaSize(
        id=node.string("id"),
        display_name=node.string("display_name", ""),
        ingress_throughput_per_sec=_quantity(node, "ingressThroughputPerSec", minimum=1),
        egress_throughput_per_sec=_quantity(node, "egressThroughputPerSec", minimum=1),
        total_max_connections=_positive(node, "totalMaxConnections"),
        max_connection_attempts_per_sec=_positive(node, "maxConnectionAttemptsPerSec"),
        max_data_retention_size=_quantity(node, "maxDataRetentionSize", minimum=1),
        max_data_retention_period=period,
        max_partitions=_positive(node, "maxPartitions"),
        max_message_size=_quantity(node, "maxMessageSize", minimum=0),
        min_in_sync_replicas=_positive(node, "minInSyncReplicas"),
        replication_factor=_positive(node, "replicationFactor"),
        quota_consumed=_positive(node, "quotaConsumed"),
        quota_type=node.string("quotaType", ""),
        capacity_consumed=_positive(node, "capacityConsumed"),
        supported_az_modes=az_modes,
        maturity_status=maturity,
        lifespan_seconds=lifespan,
    )


def _instance_type(node: Node) -> InstanceType:
    type_id = node.string("id")
    if type_id not in KNOWN_INSTANCE_TYPES:
        raise node.error(f"{type_id!r} is not one of {', '.join(KNOWN_INSTANCE_TYPES)}", "id")
    models = tuple(_billing_model(item) for item in node.child("supported_billing_models").items())
    if not any(model.ams_resource == "rhosak" for model in models):
        raise node.error("needs at least one billing model with ams_resource 'rhosak'", "supported_billing_models")
    _unique([m.id for m in models], node.child("supported_billing_models"), "billing model id")
    sizes = tuple(_size(item) for item in node.child("sizes").items())
    if not sizes:
        raise node.error("must define at least one size", "sizes")
    _unique([s.id for s in sizes], node.child("sizes"), "size id")
    return InstanceType(
        id=type_id,
        display_name=node.string("display_name", type_id),
        supported_billing_models=models,
        sizes=sizes,
    )


def _unique(ids: list[str], node: Node, what: str) -> None:
    seen: set[str] = set()
    for value in ids:
        if value in seen:
            raise node.error(f"duplicate {what} {value!r}")
        seen.add(value)


def parse_instance_types(document: object) -> InstanceTypes:
    root = Node(FILE, document)
    types = tuple(_instance_type(item) for item in root.child("supported_instance_types").items())
    if not types:
        raise root.error("must define at least one instance type", "supported_instance_types")
    _unique([t.id for t in types], root.child("supported_instance_types"), "instance type id")
    return InstanceTypes(types=types)
