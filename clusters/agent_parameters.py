"""What each data-plane cluster is given: the agent's parameters and the syncset (§6.3, §6.6b)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings

from clusters.models import Cluster, ClusterType
from fleetmanager.fleetconfig import fleet_config

SYNCSET_ID = "ext-managedservice-cluster-mgr"
OBSERVABILITY_NAMESPACE = "managed-application-services-observability"


def agent_client_id(cluster_id: str) -> str:
    """The agent's SSO client: deterministic, so registering it twice finds the first one."""
    return f"kas-fleetshard-agent-{cluster_id}"


def fleetshard_parameters(cluster: Cluster) -> list[dict[str, str]]:
    """The kas-fleetshard add-on parameters, in upstream's order (also returned to enterprise owners)."""
    realm = f"{settings.FLEET_SSO_BASE_URL.rstrip('/')}/realms/{settings.FLEET_SSO_REALM}"
    values = {
        "sso-auth-server-url": realm,
        "sso-client-id": cluster.client_id,
        "sso-secret": cluster.client_secret,
        "control-plane-url": settings.FLEET_PUBLIC_HOST_URL,
        "cluster-id": cluster.cluster_id or "",
        "poll-interval": settings.FLEET_FLEETSHARD_POLL_INTERVAL,
        "resync-interval": settings.FLEET_FLEETSHARD_RESYNC_INTERVAL,
    }
    return [{"id": key, "value": value} for key, value in values.items()]


def _group(name: str, users: tuple[str, ...]) -> dict[str, Any]:
    return {"apiVersion": "user.openshift.io/v1", "kind": "Group", "metadata": {"name": name}, "users": list(users)}


def _binding(name: str, group: str, role: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}],
    }


def syncset_resources(cluster: Cluster) -> list[dict[str, Any]]:
    """The `ext-managedservice-cluster-mgr` syncset: SRE and read-only access, observability namespace."""
    config = fleet_config()
    resources: list[dict[str, Any]] = []
    if cluster.cluster_type == ClusterType.MANAGED:
        resources += [
            _group("mk-readonly-access", config.read_only_users),
            _binding("mk-dedicated-readers", "mk-readonly-access", "dedicated-readers"),
            _group("kafka-sre", config.kafka_sre_users),
            _binding("kafka-sre-cluster-admin", "kafka-sre", "cluster-admin"),
        ]
    resources.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OBSERVABILITY_NAMESPACE}})
    return resources


def desired_state_digest(cluster: Cluster) -> str:
    """A digest of what the cluster should have applied, to skip OCM calls when nothing changed."""
    state = {"syncset": syncset_resources(cluster), "fleetshard": fleetshard_parameters(cluster)}
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
