"""OSD clusters the fleet manager creates and deletes through OCM (§6.3-§6.4, §6.7, §6.9)."""

from __future__ import annotations

import base64
import hashlib
import math
from typing import Any

from django.conf import settings

from clusters.agent_parameters import SYNCSET_ID, desired_state_digest, fleetshard_parameters, syncset_resources
from clusters.models import Cluster
from clusters.providers.base import Progress, ProvisioningFailed
from clusters.providers.common import agent_credentials, remove_agent_credentials
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.ocm import AddonState, ClusterSpec, ClusterState, Taint, ocm_client
from fleetmanager.integrations.sso import SSOClient

PROFILE_LABEL = "bf2.org/kafkaInstanceProfileType"
IDP_NAME = "Kafka_SRE"


def osd_name(cluster: Cluster) -> str:
    """`mk-` and 12 characters derived from the row id: the same row always asks for the same name,
    so a retried or repeated create finds the cluster instead of making a second one."""
    digest = hashlib.sha256(cluster.id.encode()).digest()
    return "mk-" + base64.b32encode(digest).decode().lower()[:12]


class OCMProvider:
    hard_delete = False

    def create(self, cluster: Cluster) -> Progress:
        machines = fleet_config().dynamic_scaling.for_provider(cluster.cloud_provider)
        if machines is None:
            raise ProvisioningFailed(f"no machine configuration for provider {cluster.cloud_provider}")
        osd = ocm_client().create_cluster(
            ClusterSpec(
                name=osd_name(cluster),
                cloud_provider=cluster.cloud_provider,
                region=cluster.region,
                multi_az=cluster.multi_az,
                compute_machine_type=machines.cluster_wide.machine_type,
                compute_min_nodes=machines.cluster_wide.min_nodes,
                compute_max_nodes=machines.cluster_wide.max_nodes,
                openshift_version=fleet_config().dynamic_scaling.openshift_version,
                cloud_credentials=_cloud_credentials(cluster.cloud_provider),
            )
        )
        return Progress(done=True, fields={"cluster_id": osd.id, "external_id": osd.external_id, "name": osd.name})

    def provision(self, cluster: Cluster) -> Progress:
        osd = ocm_client().get_cluster(cluster.cluster_id)
        if osd is None or osd.state == ClusterState.ERROR:
            raise ProvisioningFailed(f"OCM reports cluster {cluster.cluster_id} as {osd.state if osd else 'missing'}")
        fields = {"external_id": osd.external_id} if osd.external_id and not cluster.external_id else {}
        return Progress(done=osd.is_ready, fields=fields)

    def terraform(self, cluster: Cluster) -> Progress:
        """Each sub-step is idempotent, so an interrupted pass simply continues on the next one."""
        fields: dict[str, Any] = {}
        if settings.FLEET_DATAPLANE_SCALING_TYPE == "auto":
            fields["dynamic_capacity_info"] = _machine_pools(cluster)
        if not cluster.cluster_dns:
            dns = ocm_client().default_ingress_dns(cluster.cluster_id)
            if not dns:
                return Progress(done=False, fields=fields)
            fields["cluster_dns"] = dns
        fields.update(agent_credentials(cluster))
        for name, value in fields.items():
            setattr(cluster, name, value)
        if settings.FLEET_ENABLE_KAFKA_SRE_IDENTITY_PROVIDER and not cluster.identity_provider_id:
            fields["identity_provider_id"] = _identity_provider(cluster)
        ocm_client().apply_syncset(cluster.cluster_id, SYNCSET_ID, syncset_resources(cluster))
        done = _addons_ready(cluster)
        if done:
            fields["cluster_spec"] = {**(cluster.cluster_spec or {}), "applied": desired_state_digest(cluster)}
        return Progress(done=done, fields=fields)

    def refresh(self, cluster: Cluster) -> Progress:
        digest = desired_state_digest(cluster)
        if (cluster.cluster_spec or {}).get("applied") == digest:
            return Progress(done=True)  # nothing changed: no OCM calls
        ocm_client().apply_syncset(cluster.cluster_id, SYNCSET_ID, syncset_resources(cluster))
        params = {p["id"]: p["value"] for p in fleetshard_parameters(cluster)}
        ocm_client().update_addon_parameters(cluster.cluster_id, settings.FLEET_FLEETSHARD_ADDON_ID, params)
        return Progress(done=True, fields={"cluster_spec": {**(cluster.cluster_spec or {}), "applied": digest}})

    def delete(self, cluster: Cluster) -> Progress:
        if not cluster.cluster_id:
            return Progress(done=True)  # never created in OCM
        ocm = ocm_client()
        if ocm.get_cluster(cluster.cluster_id) is None:
            return Progress(done=True)
        ocm.delete_cluster(cluster.cluster_id)
        return Progress(done=False)  # gone once OCM answers 404

    def cleanup(self, cluster: Cluster) -> Progress:
        if cluster.identity_provider_id:
            _osd_idp_realm().delete_service_account(_idp_client_id(cluster))
        remove_agent_credentials(cluster)
        return Progress(done=True)


def _cloud_credentials(cloud_provider: str) -> dict[str, Any]:
    if cloud_provider == "aws" and settings.FLEET_AWS_ACCOUNT_ID:
        return {
            "aws": {
                "account_id": settings.FLEET_AWS_ACCOUNT_ID,
                "access_key_id": settings.FLEET_AWS_ACCESS_KEY_ID,
                "secret_access_key": settings.FLEET_AWS_SECRET_ACCESS_KEY,
            }
        }
    return {}


def _machine_pools(cluster: Cluster) -> dict[str, Any]:
    """One autoscaled pool per instance type, labelled and tainted for it (auto scaling mode)."""
    machines = fleet_config().dynamic_scaling.for_provider(cluster.cloud_provider)
    info = dict(cluster.dynamic_capacity_info or {})
    for instance_type in cluster.instance_types:
        config = machines.per_instance_type.get(instance_type) if machines else None
        if config is None:
            continue
        low, high = config.min_nodes, config.max_nodes
        if cluster.multi_az:  # one node per zone at least: whole multiples of three
            low, high = 3 * math.ceil(low / 3), 3 * math.ceil(high / 3)
        pool = ocm_client().ensure_machine_pool(
            cluster.cluster_id,
            pool_id=f"kafka-{instance_type}",
            instance_type=config.machine_type,
            min_replicas=low,
            max_replicas=high,
            labels={PROFILE_LABEL: instance_type},
            taints=[Taint(key=PROFILE_LABEL, value=instance_type, effect="NoExecute")],
        )
        info[instance_type] = {**info.get(instance_type, {}), "max_nodes": pool.max_replicas}
    return info


def _addons_ready(cluster: Cluster) -> bool:
    ocm = ocm_client()
    strimzi = ocm.install_addon(cluster.cluster_id, settings.FLEET_STRIMZI_OPERATOR_ADDON_ID, {})
    params = {p["id"]: p["value"] for p in fleetshard_parameters(cluster)}
    fleetshard = ocm.install_addon(cluster.cluster_id, settings.FLEET_FLEETSHARD_ADDON_ID, params)
    if AddonState.FAILED in (strimzi.state, fleetshard.state):
        raise ProvisioningFailed(f"an add-on failed to install on {cluster.cluster_id}")
    return strimzi.state == fleetshard.state == AddonState.READY


def _osd_idp_realm() -> SSOClient:
    return SSOClient(
        base_url=settings.FLEET_SSO_BASE_URL,
        realm=settings.FLEET_OSD_IDP_REALM,
        client_id=settings.FLEET_SSO_CLIENT_ID,
        client_secret=settings.FLEET_SSO_CLIENT_SECRET,
        timeout=settings.FLEET_SSO_TIMEOUT_SECONDS,
        retries=settings.FLEET_SSO_RETRIES,
    )


def _idp_client_id(cluster: Cluster) -> str:
    return cluster.id


def _identity_provider(cluster: Cluster) -> str:
    """An OIDC client in the OSD-IDP realm, then OCM's `Kafka_SRE` identity provider using it (§6.7)."""
    realm = _osd_idp_realm()
    client = realm.create_service_account(
        client_id=_idp_client_id(cluster), name=f"Kafka SRE login on {cluster.cluster_id}"
    )
    issuer = f"{settings.FLEET_SSO_BASE_URL.rstrip('/')}/realms/{settings.FLEET_OSD_IDP_REALM}"
    return ocm_client().ensure_identity_provider(
        cluster.cluster_id, name=IDP_NAME, client_id=client.client_id, client_secret=client.client_secret, issuer=issuer
    )
