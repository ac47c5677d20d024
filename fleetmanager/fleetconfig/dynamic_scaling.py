"""`dynamic-scaling-configuration.yaml`: machines of new OSD clusters, and the scaling switches."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.reader import Node

FILE = "dynamic-scaling-configuration.yaml"


@dataclass(frozen=True, slots=True)
class MachineConfig:
    machine_type: str
    min_nodes: int
    max_nodes: int


@dataclass(frozen=True, slots=True)
class ProviderMachines:
    cluster_wide: MachineConfig
    per_instance_type: dict[str, MachineConfig]


@dataclass(frozen=True, slots=True)
class DynamicScalingConfig:
    openshift_version: str
    enable_scale_up: bool  # false: evaluate and record the decision, do nothing (dry run)
    enable_scale_down: bool
    machines: dict[str, ProviderMachines]

    def for_provider(self, cloud_provider: str) -> ProviderMachines | None:
        return self.machines.get(cloud_provider)


def _machine(node: Node) -> MachineConfig:
    autoscaling = node.child("compute_node_autoscaling")
    config = MachineConfig(
        machine_type=node.string("compute_machine_type"),
        min_nodes=autoscaling.integer("min_compute_nodes", minimum=1),
        max_nodes=autoscaling.integer("max_compute_nodes", minimum=1),
    )
    if config.min_nodes > config.max_nodes:
        raise autoscaling.error(
            f"min_compute_nodes ({config.min_nodes}) exceeds max_compute_nodes ({config.max_nodes})"
        )
    return config


def _provider(node: Node, instance_type_ids: tuple[str, ...]) -> ProviderMachines:
    cluster_wide = _machine(node.child("cluster_wide_workload"))
    if cluster_wide.min_nodes < 3:
        raise node.child("cluster_wide_workload").error("a cluster needs at least 3 nodes for its own workload")
    types_node = node.child("kafka_workload_per_instance_type")
    per_type = {}
    for type_id in types_node.mapping():
        if type_id not in instance_type_ids:
            raise types_node.error(f"unknown instance type {type_id!r}; known: {', '.join(instance_type_ids)}")
        per_type[type_id] = _machine(types_node.child(type_id))
    return ProviderMachines(cluster_wide=cluster_wide, per_instance_type=per_type)


def parse_dynamic_scaling(document: object, instance_type_ids: tuple[str, ...]) -> DynamicScalingConfig:
    root = Node(FILE, document)
    machines_node = root.child("compute_machine_per_cloud_provider")
    return DynamicScalingConfig(
        openshift_version=root.string("new_data_plane_openshift_version", ""),
        enable_scale_up=root.boolean("enable_dynamic_data_plane_scale_up", False),
        enable_scale_down=root.boolean("enable_dynamic_data_plane_scale_down", False),
        machines={name: _provider(machines_node.child(name), instance_type_ids) for name in machines_node.mapping()},
    )
