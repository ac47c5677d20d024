"""Enterprise clusters: customer-owned OSD clusters registered through /clusters (§1.13).

The fleet manager never creates or deletes them; it only applies its syncset and
issues (and later removes) the agent's credentials.
"""

from __future__ import annotations

from clusters.agent_parameters import SYNCSET_ID, desired_state_digest, syncset_resources
from clusters.models import Cluster
from clusters.providers.base import Progress
from clusters.providers.common import agent_credentials, remove_agent_credentials
from fleetmanager.integrations.ocm import ocm_client


class EnterpriseProvider:
    hard_delete = True

    def create(self, cluster: Cluster) -> Progress:
        return Progress(done=True)

    def provision(self, cluster: Cluster) -> Progress:
        return Progress(done=True)

    def terraform(self, cluster: Cluster) -> Progress:
        fields = agent_credentials(cluster)
        ocm_client().apply_syncset(cluster.cluster_id, SYNCSET_ID, syncset_resources(cluster))
        fields["cluster_spec"] = {**(cluster.cluster_spec or {}), "applied": desired_state_digest(cluster)}
        return Progress(done=True, fields=fields)

    def refresh(self, cluster: Cluster) -> Progress:
        digest = desired_state_digest(cluster)
        if (cluster.cluster_spec or {}).get("applied") == digest:
            return Progress(done=True)
        ocm_client().apply_syncset(cluster.cluster_id, SYNCSET_ID, syncset_resources(cluster))
        return Progress(done=True, fields={"cluster_spec": {**(cluster.cluster_spec or {}), "applied": digest}})

    def delete(self, cluster: Cluster) -> Progress:
        ocm_client().delete_syncset(cluster.cluster_id, SYNCSET_ID)
        return Progress(done=True)

    def cleanup(self, cluster: Cluster) -> Progress:
        remove_agent_credentials(cluster)
        return Progress(done=True)
