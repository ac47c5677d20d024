"""The EnterpriseCluster representation (§1.13)."""

from __future__ import annotations

from typing import Any

from clusters.agent_parameters import fleetshard_parameters
from clusters.enterprise import ENTERPRISE_BILLING, ENTERPRISE_TYPE
from clusters.models import Cluster
from fleetmanager.fleetconfig import fleet_config
from kafkas import selectors as kafka_selectors
from kafkas.catalog import present_instance_type

HREF = "/api/kafkas_mgmt/v1/clusters"


def enterprise_cluster(cluster: Cluster, *, used: dict[str, dict[str, int]] | None = None) -> dict[str, Any]:
    capacity = (cluster.dynamic_capacity_info or {}).get(ENTERPRISE_TYPE, {})
    if used is None:
        used = kafka_selectors.cluster_units_used([cluster.cluster_id])
    consumed = used.get(cluster.cluster_id, {}).get(ENTERPRISE_TYPE, 0)
    maximum = int(capacity.get("max_units") or 0)
    instance_type = fleet_config().instance_types.get(ENTERPRISE_TYPE)
    return {
        "id": cluster.cluster_id,
        "kind": "Cluster",
        "href": f"{HREF}/{cluster.cluster_id}",
        "cluster_id": cluster.cluster_id,
        "status": cluster.status,
        "cloud_provider": cluster.cloud_provider,
        "region": cluster.region,
        "multi_az": cluster.multi_az,
        "access_kafkas_via_private_network": cluster.access_kafkas_via_private_network,
        "supported_instance_types": {
            "instance_types": [present_instance_type(instance_type, billing_models=(ENTERPRISE_BILLING,))]
            if instance_type
            else []
        },
        "capacity_information": {
            "kafka_machine_pool_node_count": int(capacity.get("max_nodes") or 0),
            "maximum_kafka_streaming_units": maximum,
            "consumed_kafka_streaming_units": consumed,
            "remaining_kafka_streaming_units": max(maximum - consumed, 0),
        },
    }


def registration(cluster: Cluster) -> dict[str, Any]:
    return {**enterprise_cluster(cluster), "fleetshard_parameters": fleetshard_parameters(cluster)}


def addon_parameters(cluster: Cluster) -> dict[str, Any]:
    return {
        "id": cluster.cluster_id,
        "kind": "ClusterAddonParameters",
        "href": f"{HREF}/{cluster.cluster_id}/addon_parameters",
        "fleetshard_parameters": fleetshard_parameters(cluster),
    }
