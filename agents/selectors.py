"""What an agent is told: its configuration and the ManagedKafkas it must run."""

from __future__ import annotations

from typing import Any

from agents.managed_kafka import managed_kafka
from clusters.models import Cluster
from kafkas.models import DATA_PLANE_STATUSES, KafkaRequest


def agent_config(cluster: Cluster) -> dict[str, Any]:
    """DataplaneClusterAgentConfig (§5.2)."""
    capacity = {
        instance_type: {"maxNodes": int(info.get("max_nodes") or 0)}
        for instance_type, info in (cluster.dynamic_capacity_info or {}).items()
    }
    return {
        "spec": {
            "observability": {
                "accessToken": "",
                "channel": "resources",
                "repository": "quay.io/rhoas/observability-resources-mk",
                "tag": "latest",
            },
            "capacity": capacity,
            "net": {"private": cluster.access_kafkas_via_private_network},
        }
    }


def managed_kafkas(cluster: Cluster) -> list[dict[str, Any]]:
    """The cluster's Kafkas the data plane must run or remove (§5.3)."""
    kafkas = (
        KafkaRequest.objects.filter(cluster_id=cluster.cluster_id, status__in=DATA_PLANE_STATUSES)
        .exclude(bootstrap_server_host="")
        .order_by("created_at", "id")
    )
    return [managed_kafka(kafka) for kafka in kafkas]
