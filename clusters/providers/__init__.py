"""Cluster providers: what creating, preparing and removing a data-plane cluster means for each kind."""

from __future__ import annotations

from clusters.models import Cluster, ClusterType, ProviderType
from clusters.providers.base import ClusterProvider, Progress, ProvisioningFailed
from clusters.providers.enterprise import EnterpriseProvider
from clusters.providers.ocm import OCMProvider
from clusters.providers.standalone import StandaloneProvider

__all__ = ["ClusterProvider", "Progress", "ProvisioningFailed", "provider_for"]

_STANDALONE = StandaloneProvider()
_OCM = OCMProvider()
_ENTERPRISE = EnterpriseProvider()


def provider_for(cluster: Cluster) -> ClusterProvider:
    if cluster.cluster_type == ClusterType.ENTERPRISE:
        return _ENTERPRISE
    if cluster.provider_type == ProviderType.STANDALONE:
        return _STANDALONE
    return _OCM
