"""Standalone clusters: pre-existing OpenShift clusters listed in the configuration file.

Nothing is created or deleted; the fleet manager only issues the agent's credentials.
"""

from __future__ import annotations

from clusters.models import Cluster
from clusters.providers.base import Progress
from clusters.providers.common import agent_credentials, remove_agent_credentials


class StandaloneProvider:
    hard_delete = False

    def create(self, cluster: Cluster) -> Progress:
        return Progress(done=True)

    def provision(self, cluster: Cluster) -> Progress:
        return Progress(done=True)  # it exists already

    def terraform(self, cluster: Cluster) -> Progress:
        return Progress(done=True, fields=agent_credentials(cluster))

    def refresh(self, cluster: Cluster) -> Progress:
        return Progress(done=True)

    def delete(self, cluster: Cluster) -> Progress:
        return Progress(done=True)

    def cleanup(self, cluster: Cluster) -> Progress:
        remove_agent_credentials(cluster)
        return Progress(done=True)
