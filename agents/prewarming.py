"""Pre-warmed capacity (BEHAVIOUR.md §6.8): the reserved ManagedKafkas each ready cluster is served.

For every instance type a cluster supports, ``node-prewarming-configuration.yaml`` names
how many reserved instances of which size it keeps. They are not Kafkas of anybody: no
row, no owner, no credentials; only their room on the cluster matters. They run the
cluster's newest ready Strimzi with its newest Kafka and IBP versions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from clusters.models import Cluster, ClusterStatus
from clusters.placement import latest_strimzi
from fleetmanager.fleetconfig import KafkaSize, fleet_config

logger = logging.getLogger("fleetmanager.agents")

PREFIX = "reserved-kafka"


@dataclass(frozen=True, slots=True)
class ReservedKafka:
    id: str  # reserved-kafka-<instance type>-<n>, also its name, namespace and placement id
    instance_type: str
    size: KafkaSize
    kafka_version: str
    strimzi_version: str
    kafka_ibp_version: str

    @property
    def bootstrap_server_host(self) -> str:
        return f"{self.id}-dummyhost"


def reserved_kafkas(cluster: Cluster) -> list[ReservedKafka]:
    if cluster.status != ClusterStatus.READY:
        return []
    config = fleet_config()
    wanted = [
        (instance_type, config.prewarming[instance_type])
        for instance_type in cluster.instance_types
        if instance_type in config.prewarming and config.prewarming[instance_type].num_reserved_instances
    ]
    if not wanted:
        return []
    strimzi = latest_strimzi(cluster)
    if strimzi is None or not strimzi.get("kafkaVersions") or not strimzi.get("kafkaIbpVersions"):
        # Upstream answers 500 here; the cluster's real Kafkas are still served.
        logger.warning("cluster %s has no ready Strimzi version: no reserved instances served", cluster.cluster_id)
        return []
    reserved = []
    for instance_type, prewarming in wanted:
        size = config.instance_types.get(instance_type).size(prewarming.base_streaming_unit_size)
        for number in range(1, prewarming.num_reserved_instances + 1):
            reserved.append(
                ReservedKafka(
                    id=f"{PREFIX}-{instance_type}-{number}",
                    instance_type=instance_type,
                    size=size,
                    kafka_version=_newest(strimzi["kafkaVersions"]),
                    strimzi_version=strimzi["version"],
                    kafka_ibp_version=_newest(strimzi["kafkaIbpVersions"]),
                )
            )
    return reserved


def _newest(versions: list[str]) -> str:
    return max(versions, key=lambda v: tuple(int(part) for part in re.findall(r"\d+", v)))
