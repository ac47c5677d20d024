"""One simulated cluster's data plane: which ManagedKafkas it runs, their resources, and its capacity.

``DataPlane.sync(items)`` does with the served ManagedKafkas what kas-fleetshard's sync
and operator do: a new instance claims its streaming units (and is rejected when the
cluster is full, as kas-fleetshard's capacity manager does), is applied and rendered; a
changed one is rendered again; a deleted or no longer served one is removed with its
namespace. Each resource is checked against its CRD first: what an API server would
refuse is reported as the instance's Error and nothing is written for it.

Capacity follows from what is applied: the units of the instances running (suspended
ones keep their volumes and their room) against ``max_units`` per instance type.
Reserved (pre-warmed) instances hold room too, as long as there is room for them: a
real instance is never refused for them, it takes their room (its pods preempt their
pause pods) and a displaced reserved instance waits, reported Installing, until room
frees up again (a real cluster would add a node).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from agents.dataplane import managedkafka, schema
from agents.dataplane.profiles import RenderError, profile_for
from agents.dataplane.reserved import render_reserved_deployments
from agents.dataplane.store import RenderStore
from agents.dataplane.strimzi import render_kafka
from fleetmanager.fleetconfig import InstanceTypes, fleet_config

logger = logging.getLogger("fleetmanager.agents.dataplane")

CLUSTER_FULL = "Cluster has insufficient resources"
MANAGED_KAFKA_FILE = "managedkafka"
KAFKA_FILE = "kafka"
DEPLOYMENTS_FILE = "deployments"


class Outcome(Enum):
    APPLIED = "applied"
    REJECTED = "rejected"  # no room: Ready False, reason Rejected, "Cluster has insufficient resources"
    ERROR = "error"  # could not be rendered, or its resources are invalid
    DELETED = "deleted"


@dataclass
class Result:
    outcome: Outcome
    message: str = ""


@dataclass
class Instance:
    """What the data plane runs for one ManagedKafka."""

    namespace: str
    instance_type: str
    units: int
    digest: str
    managed_kafka: dict[str, Any]
    kafka: dict[str, Any] | None  # None for a reserved instance: it runs pause pods instead
    reserved: bool = False
    deployments: list[dict[str, Any]] | None = None


class DataPlane:
    def __init__(
        self,
        *,
        max_units: int,
        store: RenderStore | None = None,
        instance_types: Callable[[], InstanceTypes] = lambda: fleet_config().instance_types,
    ) -> None:
        self.max_units = max_units
        self.store = store
        self._instance_types = instance_types
        self._instances: dict[str, Instance] = {}
        # The last refusal per Kafka and the spec it was for: the same spec is not rendered (or logged) again.
        self._refused: dict[str, tuple[str, Result]] = {}
        self._swept = False

    # --- what the agent reports --------------------------------------------------------------

    def used_units(self, instance_type: str) -> int:
        """Units of the real instances of the type."""
        return sum(i.units for i in self._instances.values() if i.instance_type == instance_type and not i.reserved)

    def holding_room(self, instance_type: str) -> list[str]:
        """The reserved instances of the type that have room beside the real ones, in id order."""
        free = self.max_units - self.used_units(instance_type)
        holding = []
        for kafka_id, instance in sorted(self._instances.items()):
            if instance.reserved and instance.instance_type == instance_type and instance.units <= free:
                holding.append(kafka_id)
                free -= instance.units
        return holding

    def remaining_units(self, instance_type: str) -> int:
        reserved = sum(self._instances[i].units for i in self.holding_room(instance_type))
        return max(self.max_units - self.used_units(instance_type) - reserved, 0)

    def holds_room(self, kafka_id: str) -> bool:
        instance = self._instances.get(kafka_id)
        return instance is not None and kafka_id in self.holding_room(instance.instance_type)

    def instance(self, kafka_id: str) -> Instance | None:
        return self._instances.get(kafka_id)

    # --- applying what is served ---------------------------------------------------------------

    def sync(self, items: list[dict[str, Any]]) -> dict[str, Result]:
        served = {managedkafka.kafka_id(item): item for item in items}
        results = {kafka_id: self._apply(kafka_id, item) for kafka_id, item in served.items()}
        for kafka_id in set(self._instances) - set(served):
            self._remove(kafka_id)  # no longer served: the fleet manager is done with it
        for kafka_id in set(self._refused) - set(served):
            del self._refused[kafka_id]
        self._sweep(served.values())
        return results

    def _apply(self, kafka_id: str, item: dict[str, Any]) -> Result:
        if managedkafka.is_deleted(item):
            self._remove(kafka_id)
            return Result(Outcome.DELETED)
        digest = _digest(item)
        current = self._instances.get(kafka_id)
        if current is not None and current.digest == digest:
            return Result(Outcome.APPLIED)
        refused = self._refused.get(kafka_id)
        if refused is not None and refused[0] == digest and refused[1].outcome is Outcome.ERROR:
            return refused[1]
        instance_type = managedkafka.profile_type(item)
        units = managedkafka.streaming_units(item)
        reserved = managedkafka.is_reserved(item)
        if current is None and not reserved and self.used_units(instance_type) + units > self.max_units:
            return Result(Outcome.REJECTED, CLUSTER_FULL)
        try:
            instance = self._render(item, instance_type, units, digest, reserved=reserved)
        except (RenderError, schema.InvalidResource) as exc:
            logger.warning("ManagedKafka %s not applied: %s", kafka_id, exc)
            self._refused[kafka_id] = (digest, Result(Outcome.ERROR, str(exc)))
            return self._refused[kafka_id][1]
        self._refused.pop(kafka_id, None)
        self._instances[kafka_id] = instance
        self._write(instance)
        return Result(Outcome.APPLIED)

    def _render(self, item: dict[str, Any], instance_type: str, units: int, digest: str, *, reserved: bool) -> Instance:
        applied = managedkafka.as_applied(item)
        schema.managed_kafka().validate(applied)
        kafka = render_kafka(item, profile_for(item, self._instance_types()))
        schema.strimzi_kafka().validate(kafka)
        instance = Instance(
            namespace=applied["metadata"]["namespace"],
            instance_type=instance_type,
            units=units,
            digest=digest,
            managed_kafka=applied,
            kafka=None if reserved else kafka,
            reserved=reserved,
            deployments=render_reserved_deployments(applied, kafka) if reserved else None,
        )
        if instance.kafka is not None:
            instance.kafka["status"] = strimzi_status(item, kafka)
            schema.strimzi_kafka().validate(instance.kafka)
        return instance

    def _write(self, instance: Instance) -> None:
        if self.store is None:
            return
        self.store.write(instance.namespace, MANAGED_KAFKA_FILE, [instance.managed_kafka])
        if instance.kafka is not None:
            self.store.write(instance.namespace, KAFKA_FILE, [instance.kafka])
        if instance.deployments:
            self.store.write(instance.namespace, DEPLOYMENTS_FILE, instance.deployments)

    def _remove(self, kafka_id: str) -> None:
        instance = self._instances.pop(kafka_id, None)
        if instance is not None and self.store is not None:
            self.store.remove_namespace(instance.namespace)

    def _sweep(self, items: Any) -> None:
        """Once, after the first sync: namespaces a previous run left for instances no longer served go."""
        if self._swept or self.store is None:
            return
        self._swept = True
        wanted = {i.namespace for i in self._instances.values()}
        wanted |= {(item.get("metadata") or {}).get("namespace") for item in items}
        for namespace in self.store.namespaces():
            if namespace not in wanted:
                logger.info("removing namespace %s left by an earlier run", namespace)
                self.store.remove_namespace(namespace)


def strimzi_status(item: dict[str, Any], kafka: dict[str, Any]) -> dict[str, Any]:
    """What the simulated Strimzi reports: a running cluster and its bootstrap address, or a paused one.

    kas-fleetshard suspends an instance by pausing Strimzi and deleting the broker and
    ZooKeeper pod sets, keeping the spec (and the volumes) for the resume.
    """
    if managedkafka.is_suspended(item):
        brokers = kafka["spec"]["kafka"]["replicas"]
        message = f"suspended: broker and ZooKeeper pods removed, 0 of {brokers} brokers running"
        return {
            "conditions": [
                {"type": "ReconciliationPaused", "status": "True", "reason": "Suspended", "message": message}
            ]
        }
    host = item["spec"]["endpoint"]["bootstrapServerHost"]
    return {
        "conditions": [{"type": "Ready", "status": "True"}],
        "kafkaVersion": kafka["spec"]["kafka"]["version"],
        "listeners": [
            {
                "name": "external",
                "type": "route",
                "bootstrapServers": f"{host}:443",
                "addresses": [{"host": host, "port": 443}],
            }
        ],
    }


def _digest(item: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()
