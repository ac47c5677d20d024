"""`dataplane-cluster-configuration.yaml`: data-plane clusters managed by hand (manual scaling)."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.reader import Node

FILE = "dataplane-cluster-configuration.yaml"
CONFIG_STATUSES = ("cluster_provisioning", "cluster_provisioned", "ready")
PROVIDER_TYPES = ("ocm", "standalone")


@dataclass(frozen=True, slots=True)
class ManualCluster:
    cluster_id: str
    name: str
    cloud_provider: str
    region: str
    multi_az: bool
    schedulable: bool
    kafka_instance_limit: int  # streaming units; -1 = unlimited
    status: str
    provider_type: str
    cluster_dns: str
    supported_instance_type: str  # "standard,developer", "standard" or "developer"

    @property
    def instance_types(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.supported_instance_type.split(",") if t.strip())


@dataclass(frozen=True, slots=True)
class DataplaneConfig:
    clusters: tuple[ManualCluster, ...]

    def get(self, cluster_id: str) -> ManualCluster | None:
        return next((c for c in self.clusters if c.cluster_id == cluster_id), None)


def _cluster(node: Node, instance_type_ids: tuple[str, ...]) -> ManualCluster:
    provider_type = node.string("provider_type", "ocm")
    if provider_type not in PROVIDER_TYPES:
        raise node.error(f"{provider_type!r} must be one of {', '.join(PROVIDER_TYPES)}", "provider_type")
    status = node.string("status", "cluster_provisioning")
    if status not in CONFIG_STATUSES and status != "cluster_accepted":
        raise node.error(f"{status!r} must be one of {', '.join(CONFIG_STATUSES)}", "status")
    if provider_type == "standalone" and status == "cluster_accepted":
        status = "cluster_provisioning"  # standalone clusters exist already; nothing to create
    name = node.string("name", "")
    cluster_dns = node.string("cluster_dns", "")
    if provider_type == "standalone":
        if not name:
            raise node.error("is required for a standalone cluster", "name")
        if not cluster_dns:
            raise node.error("is required for a standalone cluster", "cluster_dns")
    # Upstream replaces an empty value with the default too, not only a missing one.
    supported = node.string("supported_instance_type", "") or "standard,developer"
    types = [t.strip() for t in supported.split(",") if t.strip()]
    if not types or any(t not in instance_type_ids for t in types):
        raise node.error(
            f"{supported!r} must list instance types among {', '.join(instance_type_ids)}", "supported_instance_type"
        )
    limit = node.integer("kafka_instance_limit", -1)
    if limit < -1:
        raise node.error("must be -1 (unlimited) or a number of streaming units", "kafka_instance_limit")
    cluster_id = node.string("cluster_id")
    if not cluster_id:
        raise node.error("must not be empty", "cluster_id")
    return ManualCluster(
        cluster_id=cluster_id,
        name=name,
        cloud_provider=node.string("cloud_provider", "aws"),
        region=node.string("region", "us-east-1"),
        multi_az=node.boolean("multi_az", True),
        schedulable=node.boolean("schedulable", True),
        kafka_instance_limit=limit,
        status=status,
        provider_type=provider_type,
        cluster_dns=cluster_dns,
        supported_instance_type=",".join(types),
    )


def parse_dataplane(document: object, instance_type_ids: tuple[str, ...]) -> DataplaneConfig:
    root = Node(FILE, document)
    clusters = tuple(_cluster(item, instance_type_ids) for item in root.child("clusters").items())
    ids = [c.cluster_id for c in clusters]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise root.error(f"duplicate cluster_id: {', '.join(duplicates)}", "clusters")
    return DataplaneConfig(clusters=clusters)
