"""Enterprise ("bring your own OSD") clusters: registration and deregistration (§1.13).

A customer registers an OSD cluster their organisation owns; the fleet manager
issues its agent credentials and, from then on, places the organisation's
enterprise Kafkas on it. Checks run in upstream's order; the first failure wins.
Who may call the /clusters API at all (enterprise quota) is decided before these
run, by the API's permissions.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from clusters import capacity, selectors
from clusters.models import Cluster, ClusterStatus, ClusterType
from clusters.providers.common import agent_credentials
from clusters.services import cluster_create_enterprise, cluster_transition
from fleetmanager import errors
from fleetmanager.fleetconfig import STANDARD
from fleetmanager.integrations.ams import AMSError, ams_client, quote_search_value
from fleetmanager.integrations.ocm import OCMCluster, OCMError, ocm_client
from fleetmanager.integrations.sso import SSOError
from fleetmanager.principal import Principal

logger = logging.getLogger("fleetmanager.clusters.registration")

CLUSTER_ID_LENGTH = 32
CLUSTER_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]+$")
# A DNS name: dot-separated labels of letters, digits and inner hyphens.
DNS_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


@dataclass(frozen=True, slots=True)
class Registration:
    cluster_id: str
    cluster_ingress_dns_name: str
    kafka_machine_pool_node_count: int
    access_kafkas_via_private_network: bool


def require_org_admin(principal: Principal) -> None:
    if not principal.is_org_admin:
        raise errors.ServiceError(errors.UNAUTHORIZED, "only an organization admin may manage enterprise clusters")


def cluster_register(*, principal: Principal, registration: Registration) -> Cluster:
    if not settings.FLEET_OCM_ENABLED:
        # Ownership and the cluster itself are read from AMS and OCM, which this installation does not use.
        raise errors.ServiceError(
            errors.FORBIDDEN, "enterprise clusters cannot be registered: this installation does not use OCM"
        )
    _validate_registration(registration)
    require_org_admin(principal)
    _require_ownership(principal, registration.cluster_id)
    osd = _osd_cluster(registration.cluster_id)
    if osd.external_id and selectors.external_id_registered(osd.external_id):
        raise _duplicate(registration.cluster_id, "its external id is registered already")
    # The agent's credentials are issued before the row exists: the SSO client is named after the
    # cluster, so a failed or repeated registration finds the same client instead of a second one.
    credentials = _agent_credentials(Cluster(cluster_id=registration.cluster_id))
    try:
        return cluster_create_enterprise(
            actor=principal.username,
            cluster_id=registration.cluster_id,
            external_id=osd.external_id,
            name=osd.name,
            cloud_provider=osd.cloud_provider,
            region=osd.region,
            multi_az=osd.multi_az,
            organization_id=principal.org_id,
            cluster_dns=registration.cluster_ingress_dns_name,
            supported_instance_type=STANDARD,
            dynamic_capacity_info={STANDARD: {"max_nodes": registration.kafka_machine_pool_node_count}},
            access_kafkas_via_private_network=registration.access_kafkas_via_private_network,
            **credentials,
        )
    except IntegrityError:
        raise _duplicate(registration.cluster_id, "it is registered already") from None


def _validate_registration(registration: Registration) -> None:
    cluster_id = registration.cluster_id
    if len(cluster_id) < CLUSTER_ID_LENGTH:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, f"cluster_id must be {CLUSTER_ID_LENGTH} characters")
    if len(cluster_id) > CLUSTER_ID_LENGTH:
        raise errors.ServiceError(errors.MAXIMUM_FIELD_LENGTH, f"cluster_id must be {CLUSTER_ID_LENGTH} characters")
    if not CLUSTER_ID_PATTERN.match(cluster_id):
        raise errors.ServiceError(errors.INVALID_CLUSTER_ID, "cluster_id must contain only letters and digits")
    if selectors.cluster_by_id(cluster_id) is not None:
        raise _duplicate(cluster_id, "it is registered already")
    if not DNS_PATTERN.match(registration.cluster_ingress_dns_name):
        raise errors.ServiceError(
            errors.INVALID_DNS_NAME,
            f"cluster_ingress_dns_name '{registration.cluster_ingress_dns_name[:100]}' is not a valid DNS name",
        )
    count = registration.kafka_machine_pool_node_count
    if count < 3 or count % 3:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Field validation failed: kafka_machine_pool_node_count must be a multiple of 3 and at least 3, got {count}",
        )


def _duplicate(cluster_id: str, why: str) -> errors.ServiceError:
    return errors.ServiceError(errors.DUPLICATE_CLUSTER_ID, f"cluster {cluster_id} cannot be registered: {why}")


def _require_ownership(principal: Principal, cluster_id: str) -> None:
    """AMS subscriptions say which organisation owns an OSD cluster."""
    try:
        org = ams_client().organization_id(principal.org_id)
        search = (
            f"cluster_id = {quote_search_value(cluster_id)} or external_cluster_id = {quote_search_value(cluster_id)}"
        )
        owned = org is not None and any(s.organization_id == org for s in ams_client().subscriptions(search))
    except AMSError as exc:
        logger.error("AMS lookup for cluster %s failed: %s", cluster_id, exc)
        raise errors.ServiceError(errors.GENERAL, "unable to verify the cluster's ownership at this time") from None
    if not owned:
        raise errors.ServiceError(
            errors.FORBIDDEN, f"cluster {cluster_id} does not belong to organization '{principal.org_id}'"
        )


def _osd_cluster(cluster_id: str) -> OCMCluster:
    try:
        osd = ocm_client().get_cluster(cluster_id)
    except OCMError as exc:
        logger.error("OCM lookup for cluster %s failed: %s", cluster_id, exc)
        raise errors.ServiceError(errors.GENERAL, "unable to read the cluster from OpenShift Cluster Manager") from None
    if osd is None:
        raise errors.ServiceError(errors.FORBIDDEN, f"cluster {cluster_id} does not exist in OpenShift Cluster Manager")
    if not osd.multi_az:
        raise errors.bad_request(f"cluster {cluster_id}: single AZ clusters are not supported")
    if not osd.is_ready:
        raise errors.bad_request(f"cluster {cluster_id} is not yet fully provisioned (state: {osd.state})")
    return osd


def _agent_credentials(cluster: Cluster) -> dict[str, str]:
    try:
        return agent_credentials(cluster)
    except SSOError as exc:
        logger.error("agent credentials for cluster %s: %s", cluster.cluster_id, exc)
        raise errors.ServiceError(errors.FAILED_TO_CREATE_SSO_CLIENT) from None


def cluster_deregister(*, principal: Principal, cluster_id: str) -> None:
    """DELETE /clusters/{id}: only an org admin, only an empty enterprise cluster of the org."""
    if not principal.org_id:
        raise errors.ServiceError(errors.UNAUTHENTICATED, "the token carries no organisation id")
    require_org_admin(principal)
    cluster = selectors.cluster_by_id(cluster_id)
    if cluster is None:
        raise errors.not_found(f"cluster with id='{cluster_id}' not found")
    if cluster.organization_id != principal.org_id:
        raise errors.ServiceError(errors.FORBIDDEN, f"cluster {cluster_id} does not belong to your organization")
    if cluster.cluster_type != ClusterType.ENTERPRISE:
        raise errors.ServiceError(errors.FORBIDDEN, f"cluster {cluster_id} is not an enterprise cluster")
    with transaction.atomic():
        # Under the capacity lock no enterprise Kafka can be placed on it while we decide.
        capacity.lock()
        if capacity.holds_kafkas(cluster_id):
            raise errors.ServiceError(errors.FORBIDDEN, "unable to deregister cluster with kafka instances")
        if cluster.status not in (ClusterStatus.DEPROVISIONING, ClusterStatus.CLEANUP):
            cluster_transition(
                cluster=cluster, to=ClusterStatus.DEPROVISIONING, reason="deregistered", actor=principal.username
            )
