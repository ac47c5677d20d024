"""Instance profiles: how big each broker, ZooKeeper node and side container of an instance type is.

kas-fleetshard keeps one profile per instance type (``bf2.org/kafkaInstanceProfileType``)
with the container sizes of a broker, ZooKeeper and the side containers; a Kafka's size
only changes how many brokers it gets (from its ``maxPartitions``). The per-type values
below are kas-fleetshard's own (standard: brokers sized for m5.2xlarge nodes, one instance
per node; developer: everything small and on one node). What the fleet manager's instance
types configuration says of the size (replication factor, minimum ISR, message size,
AZ mode) comes from ``fleetmanager.fleetconfig``: the simulated agent is configured with
the same file, as kas-fleetshard is deployed with profiles matching it. A ManagedKafka
whose size the file no longer lists keeps kas-fleetshard's per-type defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from agents.dataplane import managedkafka
from fleetmanager.fleetconfig import DEVELOPER, STANDARD, InstanceType, InstanceTypes, KafkaSize
from fleetmanager.fleetconfig.quantities import quantity_bytes

# Kafka's record batch header: a "1Mi" message fits when the batch may be this much larger.
RECORD_BATCH_OVERHEAD = 12


class RenderError(ValueError):
    """The ManagedKafka cannot be turned into a Kafka (the agent reports it as an Error)."""


@dataclass(frozen=True, slots=True)
class Container:
    cpu: str
    memory: str
    request_cpu: str | None = None  # the limit when unset

    def resources(self) -> dict[str, Any]:
        return {
            "requests": {"cpu": self.request_cpu or self.cpu, "memory": self.memory},
            "limits": {"cpu": self.cpu, "memory": self.memory},
        }


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    instance_type: str
    multi_az: bool
    # Brokers per streaming unit, and the replication factor of internal topics.
    replication_factor: int
    min_insync_replicas: int
    message_max_bytes: int
    # Fully replicated partitions one group of `replication_factor` brokers holds.
    partition_capacity: int
    one_instance_per_node: bool
    kafka: Container
    kafka_jvm_heap: str
    zookeeper_replicas: int
    zookeeper: Container
    zookeeper_jvm_heap: str
    zookeeper_volume_size: str
    exporter: Container
    cruise_control: Container | None  # None: no Cruise Control for this type
    storage_min_margin: str
    # Used when the ManagedKafka's capacity leaves them out.
    max_connections: int
    connection_attempts_per_sec: int
    ingress_per_sec: str
    egress_per_sec: str


BASE_PROFILES = {
    STANDARD: InstanceProfile(
        instance_type=STANDARD,
        multi_az=True,
        replication_factor=3,
        min_insync_replicas=2,
        message_max_bytes=1048588,
        partition_capacity=1500,
        one_instance_per_node=True,
        kafka=Container(cpu="4900m", memory="17.3Gi"),
        kafka_jvm_heap="6442450944",
        zookeeper_replicas=3,
        zookeeper=Container(cpu="1000m", memory="4Gi"),
        zookeeper_jvm_heap="1G",
        zookeeper_volume_size="10Gi",
        exporter=Container(cpu="1000m", memory="256Mi", request_cpu="500m"),
        cruise_control=Container(cpu="500m", memory="2Gi", request_cpu="250m"),
        storage_min_margin="10Gi",
        max_connections=3000,
        connection_attempts_per_sec=100,
        ingress_per_sec="30Mi",
        egress_per_sec="30Mi",
    ),
    DEVELOPER: InstanceProfile(
        instance_type=DEVELOPER,
        multi_az=False,
        replication_factor=1,
        min_insync_replicas=1,
        message_max_bytes=1048588,
        partition_capacity=1500,
        one_instance_per_node=False,
        kafka=Container(cpu="800m", memory="1Gi", request_cpu="400m"),
        kafka_jvm_heap="512M",
        zookeeper_replicas=1,
        zookeeper=Container(cpu="200m", memory="1Gi", request_cpu="75m"),
        zookeeper_jvm_heap="512M",
        zookeeper_volume_size="1Gi",
        exporter=Container(cpu="200m", memory="128Mi", request_cpu="75m"),
        cruise_control=None,
        storage_min_margin="1Gi",
        max_connections=100,
        connection_attempts_per_sec=50,
        ingress_per_sec="1Mi",
        egress_per_sec="1Mi",
    ),
}


def profile_for(managed_kafka: dict[str, Any], instance_types: InstanceTypes) -> InstanceProfile:
    """The profile of the ManagedKafka's instance type, with what the configured size says."""
    type_id = managedkafka.profile_type(managed_kafka)
    base = BASE_PROFILES.get(type_id)
    if base is None:
        raise RenderError(f"no instance profile for type {type_id!r} (label {managedkafka.PROFILE_TYPE})")
    instance_type = instance_types.get(type_id)
    size = matching_size(instance_type, managed_kafka) if instance_type else None
    if size is None:
        return base
    return dataclasses.replace(
        base,
        multi_az=instance_type.multi_az,
        replication_factor=size.replication_factor,
        min_insync_replicas=size.min_in_sync_replicas,
        message_max_bytes=quantity_bytes(size.max_message_size) + RECORD_BATCH_OVERHEAD,
    )


def matching_size(instance_type: InstanceType, managed_kafka: dict[str, Any]) -> KafkaSize | None:
    """The size whose limits the ManagedKafka carries; else the one its quota label names; else None."""
    capacity = (managed_kafka.get("spec") or {}).get("capacity") or {}
    for size in instance_type.sizes:
        if (
            capacity.get("maxPartitions") == size.max_partitions
            and capacity.get("ingressPerSec") == size.ingress_throughput_per_sec
            and capacity.get("egressPerSec") == size.egress_throughput_per_sec
        ):
            return size
    quota = managedkafka.labels(managed_kafka).get(managedkafka.PROFILE_QUOTA_CONSUMED)
    by_quota = [size for size in instance_type.sizes if str(size.quota_consumed) == quota]
    return by_quota[0] if len(by_quota) == 1 else None
