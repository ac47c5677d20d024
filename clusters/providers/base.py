"""The small interface every kind of data-plane cluster implements (§6.11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from clusters.models import Cluster


class ProvisioningFailed(Exception):
    """The cluster will not come up (OCM reports `error`); the cluster moves to failed."""


@dataclass
class Progress:
    """Result of one step: whether it is finished, and fields to store on the cluster row."""

    done: bool
    fields: dict[str, Any] = field(default_factory=dict)


class ClusterProvider(Protocol):
    # Enterprise rows are hard-deleted after cleanup; the others are soft-deleted.
    hard_delete: bool

    def create(self, cluster: Cluster) -> Progress:
        """accepted -> provisioning: ask for the cluster (idempotent)."""

    def provision(self, cluster: Cluster) -> Progress:
        """provisioning -> provisioned once the cluster exists; raises ProvisioningFailed."""

    def terraform(self, cluster: Cluster) -> Progress:
        """provisioned -> waiting for the agent: pools, DNS, credentials, syncset, add-ons."""

    def refresh(self, cluster: Cluster) -> Progress:
        """waiting / ready: re-apply what the cluster should have, when it changed."""

    def delete(self, cluster: Cluster) -> Progress:
        """deprovisioning -> cleanup once the cluster is gone."""

    def cleanup(self, cluster: Cluster) -> Progress:
        """cleanup: remove credentials the fleet manager issued for the cluster."""
