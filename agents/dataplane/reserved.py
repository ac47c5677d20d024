"""Reserved (pre-warmed) instances: pause pods that hold a real instance's room (kas-fleetshard's reserved deployments).

kas-fleetshard creates no Kafka for a reserved ManagedKafka. It renders the Kafka the
ManagedKafka would get and turns each of its pod groups (brokers, ZooKeeper, exporter,
Cruise Control) into a Deployment of ``pause`` containers with the same replicas,
resources, affinity, tolerations and zone spread, at the lowest priority: the nodes are
warm, and a real instance's pods preempt them.
"""

from __future__ import annotations

from typing import Any

from agents.dataplane import managedkafka

PAUSE_IMAGE = "k8s.gcr.io/pause:3.1"
PRIORITY_CLASS = "kas-fleetshard-reservation"


def render_reserved_deployments(managed_kafka: dict[str, Any], kafka: dict[str, Any]) -> list[dict[str, Any]]:
    """One Deployment per pod group of ``kafka`` (the Kafka this reserved ManagedKafka would get)."""
    spec = kafka["spec"]
    groups = [
        ("zookeeper", spec["zookeeper"], spec["zookeeper"]["replicas"]),
        ("exporter", spec.get("kafkaExporter"), 1),
        ("kafka", spec["kafka"], spec["kafka"]["replicas"]),
        ("cruisecontrol", spec.get("cruiseControl"), 1),
    ]
    return [_deployment(managed_kafka, kafka, suffix, group, replicas) for suffix, group, replicas in groups if group]


def _deployment(
    managed_kafka: dict[str, Any], kafka: dict[str, Any], suffix: str, group: dict[str, Any], replicas: int
) -> dict[str, Any]:
    name = f"{kafka['metadata']['name']}-{suffix}"
    labels = {"app.kubernetes.io/managed-by": "kas-fleetshard-operator", "app": name}
    pod = (group.get("template") or {}).get("pod") or {}
    pod_spec: dict[str, Any] = {
        "containers": [
            {"name": "pause", "image": PAUSE_IMAGE, "imagePullPolicy": "IfNotPresent", "resources": group["resources"]}
        ],
        "priorityClassName": PRIORITY_CLASS,
    }
    for field in ("affinity", "tolerations", "topologySpreadConstraints"):
        if pod.get(field):
            pod_spec[field] = pod[field]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": kafka["metadata"]["namespace"],
            "labels": labels,
            "ownerReferences": [
                {
                    "apiVersion": managedkafka.API_VERSION,
                    "kind": managedkafka.KIND,
                    "name": managed_kafka["metadata"]["name"],
                    "uid": managedkafka.uid(managed_kafka),
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            # strimzi.io/name makes the pause pods count in the zone spread of the pods they stand for.
            "template": {"metadata": {"labels": {**labels, "strimzi.io/name": name}}, "spec": pod_spec},
        },
    }
