"""Steps shared by the providers: agent credentials and their removal."""

from __future__ import annotations

from typing import Any

from clusters.agent_parameters import agent_client_id
from clusters.models import Cluster
from fleetmanager.integrations.sso import sso_client


def agent_credentials(cluster: Cluster) -> dict[str, Any]:
    """The agent's SSO client (created once; a second call finds the first)."""
    if cluster.client_id and cluster.client_secret:
        return {}
    account = sso_client().create_service_account(
        client_id=agent_client_id(cluster.cluster_id or cluster.id),
        name=f"kas-fleetshard agent of cluster {cluster.cluster_id}",
        attributes={"cluster-id": cluster.cluster_id or cluster.id},
    )
    return {"client_id": account.client_id, "client_secret": account.client_secret}


def remove_agent_credentials(cluster: Cluster) -> None:
    if cluster.client_id:
        sso_client().delete_service_account(cluster.client_id)
