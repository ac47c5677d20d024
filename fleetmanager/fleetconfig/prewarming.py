"""`node-prewarming-configuration.yaml`: how many reserved (pre-warmed) instances each cluster keeps per type."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.instance_types import InstanceTypes
from fleetmanager.fleetconfig.reader import Node

FILE = "node-prewarming-configuration.yaml"
DEFAULT_BASE_SIZE = "x1"


@dataclass(frozen=True, slots=True)
class Prewarming:
    num_reserved_instances: int
    base_streaming_unit_size: str


def parse_prewarming(document: object, instance_types: InstanceTypes) -> dict[str, Prewarming]:
    """Per instance type; a type the file leaves out gets no reserved instances."""
    root = Node(FILE, document)
    result = {}
    for type_id in root.mapping():
        node = root.child(type_id)
        instance_type = instance_types.get(type_id)
        if instance_type is None:
            raise root.error(f"unknown instance type {type_id!r}; known: {', '.join(instance_types.ids)}")
        entry = Prewarming(
            num_reserved_instances=node.integer("num_reserved_instances", 0, minimum=0),
            base_streaming_unit_size=node.string("base_streaming_unit_size", DEFAULT_BASE_SIZE),
        )
        if instance_type.size(entry.base_streaming_unit_size) is None:
            raise node.error(
                f"{entry.base_streaming_unit_size!r} is not a size of instance type {type_id!r} "
                "(kafka-instance-types-configuration.yaml)",
                "base_streaming_unit_size",
            )
        result[type_id] = entry
    return result
