"""The reconcile steps of one Kafka (BEHAVIOUR.md §4.2-§4.5), one function per status.

Each step reads the row, calls external services outside any transaction (they
are idempotent: deterministic names, check-then-create), and ends with one
compare-and-set transition. A step that cannot finish yet raises ``RetryLater``
so the caller pushes the row's next attempt back. Steps decide; ``kafkas.services``
writes.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clusters import capacity, placement
from clusters import selectors as cluster_selectors
from clusters.models import Cluster
from fleetmanager.fleetconfig import KafkaSize, fleet_config
from fleetmanager.ids import new_xid
from fleetmanager.integrations.dns import DNSError, Record, route53_client
from fleetmanager.integrations.http import IntegrationError
from fleetmanager.integrations.sso import SSOError, sso_client
from kafkas import metrics
from kafkas.models import KafkaRequest, KafkaStatus
from kafkas.services import kafka_transition
from kafkas.services.progress import (
    kafka_assign_cluster,
    kafka_prepare_on_new_cluster,
    kafka_routes_change_submitted,
    kafka_routes_created,
    kafka_soft_delete,
)
from quota import services as quota_services
from quota.backend import Reservation

logger = logging.getLogger("fleetmanager.kafkas.lifecycle")

PLACEMENT_TIMEOUT = timedelta(hours=1)
STRIMZI_VERSION_TIMEOUT = timedelta(minutes=5)
PREPARING_TIMEOUT = timedelta(minutes=5)


class RetryLater(Exception):
    """The step cannot finish now (no capacity yet, a retryable outage); try again after a backoff."""


# --- accepted -> preparing ---------------------------------------------------------------


def accept(kafka: KafkaRequest) -> None:
    """Make sure the Kafka has a cluster with a ready Strimzi version, then move it to preparing."""
    if not kafka.cluster_id:
        if _age(kafka) > PLACEMENT_TIMEOUT:
            _fail(
                kafka,
                f"Region {kafka.region} in cloud provider {kafka.cloud_provider} cannot accept "
                f"{kafka.instance_type} Kafka of size {kafka.size_id} at the moment.",
            )
            return
        if not place(kafka):
            raise RetryLater("no data-plane cluster has capacity yet")
    cluster = cluster_selectors.cluster_by_id(kafka.cluster_id)
    strimzi = placement.latest_strimzi(cluster) if cluster else None
    if strimzi is None:
        if _age(kafka) > STRIMZI_VERSION_TIMEOUT:
            _fail(kafka, "Failed to get desired Strimzi version")
            return
        raise RetryLater(f"cluster {kafka.cluster_id} reports no ready Strimzi version yet")
    kafka_transition(
        kafka=kafka,
        to=KafkaStatus.PREPARING,
        reason=f"placed on {kafka.cluster_id}",
        kick_reconciler=False,
        desired_strimzi_version=strimzi["version"],
        desired_kafka_version=_latest(strimzi.get("kafkaVersions")),
        desired_kafka_ibp_version=_latest(strimzi.get("kafkaIbpVersions")),
    )


def place(kafka: KafkaRequest) -> bool:
    """Choose a cluster for an unassigned Kafka, under the capacity lock. True when placed."""
    size = _size(kafka)
    request = placement.PlacementRequest(
        cloud_provider=kafka.cloud_provider,
        region=kafka.region,
        instance_type=kafka.instance_type,
        multi_az=kafka.multi_az,
        capacity_consumed=size.capacity_consumed if size else 1,
    )
    with transaction.atomic():
        capacity.lock()
        cluster = placement.place(request)
        return cluster is not None and kafka_assign_cluster(kafka=kafka, cluster_id=cluster.cluster_id)


# --- preparing -> provisioning -----------------------------------------------------------


def prepare(kafka: KafkaRequest) -> None:
    """Namespace, bootstrap host and canary service account, then provisioning (§4.3)."""
    cluster = cluster_selectors.cluster_by_id(kafka.cluster_id)
    if cluster is None:
        _fail(kafka, f"data-plane cluster {kafka.cluster_id} no longer exists")
        return
    fields = {
        "namespace": f"kafka-{kafka.id.lower()}",
        "bootstrap_server_host": bootstrap_host(kafka, cluster),
        "kafkas_routes_base_domain_name": settings.FLEET_KAFKA_DOMAIN_NAME,
        "placement_id": new_xid(),
    }
    if settings.FLEET_KAFKA_SSO_AUTH:
        owner = {"rh-org-id": kafka.organisation_id, "rh-user-id": kafka.owner_account_id, "username": kafka.owner}
        try:
            # Its tokens carry the owner's claims, which the Kafka's customClaimCheck (§5.3) asks for.
            account = sso_client().create_service_account(
                client_id=canary_client_id(kafka),
                name=f"canary-service-account-for-kafka {kafka.id}",
                description=f"canary service account of Kafka {kafka.id}",
                attributes=owner,
                token_claims=owner,
            )
        except SSOError as exc:
            # Outages are retried for a while; a refusal (4xx) will not get better.
            if exc.retryable and _age(kafka) <= PREPARING_TIMEOUT:
                raise RetryLater(f"canary service account: {exc}") from exc
            _fail(kafka, f"Failed to create kafka client in the mas sso: {exc}")
            return
        fields["canary_service_account_client_id"] = account.client_id
        fields["canary_service_account_client_secret"] = account.client_secret
    kafka_transition(kafka=kafka, to=KafkaStatus.PROVISIONING, reason="prepared", kick_reconciler=False, **fields)


def canary_client_id(kafka: KafkaRequest) -> str:
    return f"canary-{kafka.id.lower()}"


_NOT_DNS = re.compile(r"[^a-z0-9-]+")


def bootstrap_host(kafka: KafkaRequest, cluster: Cluster) -> str:
    """``<first 10 chars of name>-<id>.<kas domain>``, a valid DNS label.

    Upstream replaces every digit with ``-`` by mistake (BEHAVIOUR.md §4.3); ids and
    names keep their digits here.
    """
    label = _NOT_DNS.sub("-", f"{kafka.name[:10]}-{kafka.id}".lower()).strip("-")
    if not label[0].isalpha():
        label = "a" + label
    if settings.FLEET_ENABLE_KAFKA_CNAME_REGISTRATION:
        return f"{label}.{settings.FLEET_KAFKA_DOMAIN_NAME}"
    return f"{label}.{cluster.cluster_dns.replace('apps', 'kas', 1)}"


# --- provisioning: re-placement after "cluster full", DNS records of the routes ------------


def provision(kafka: KafkaRequest) -> None:
    """A provisioning Kafka without a cluster is placed again; reported routes get their DNS records."""
    if not kafka.cluster_id:
        place_again(kafka)
    elif kafka.routes is not None and not kafka.routes_created:
        register_routes(kafka)


def register_routes(kafka: KafkaRequest) -> None:
    """One Route53 change of CNAMEs for the routes the agent reported, followed until INSYNC (§4.4).

    The change id is stored as soon as the change is submitted, so a retried step polls that change
    instead of submitting another; a change whose answer was lost is resubmitted as an UPSERT of the
    same records, which changes nothing.
    """
    if not settings.FLEET_ENABLE_KAFKA_CNAME_REGISTRATION:
        kafka_routes_created(kafka=kafka)
        return
    try:
        dns = route53_client()
        if kafka.routes_creation_id:
            change = dns.change(kafka.routes_creation_id)
        else:
            change = dns.upsert_cnames(settings.FLEET_KAFKA_DOMAIN_NAME, route_records(kafka))
            kafka_routes_change_submitted(kafka=kafka, change_id=change.id, in_sync=change.in_sync)
    except DNSError as exc:
        raise RetryLater(f"DNS records of the routes: {exc}") from exc
    if not change.in_sync:
        raise RetryLater(f"Route53 change {change.id} of the routes is {change.status}, not INSYNC yet")
    kafka_routes_created(kafka=kafka)


def route_records(kafka: KafkaRequest) -> list[Record]:
    """A CNAME per stored route: its domain points at the data-plane cluster's router."""
    return [Record(name=route["Domain"], target=route["Router"]) for route in kafka.routes or []]


def place_again(kafka: KafkaRequest) -> None:
    """A provisioning Kafka a full cluster gave back: place it on another cluster and re-prepare its fields."""
    if kafka.cluster_id:
        return
    if not place(kafka):
        if _age(kafka) > PLACEMENT_TIMEOUT:
            _fail(kafka, f"Region {kafka.region} cannot accept {kafka.instance_type} Kafka at the moment.")
            return
        raise RetryLater("no data-plane cluster has capacity yet")
    cluster = cluster_selectors.cluster_by_id(kafka.cluster_id)
    strimzi = placement.latest_strimzi(cluster) if cluster else None
    if cluster is None or strimzi is None:
        raise RetryLater(f"cluster {kafka.cluster_id} is not ready for Kafkas yet")
    kafka_prepare_on_new_cluster(
        kafka=kafka,
        bootstrap_server_host=bootstrap_host(kafka, cluster),
        placement_id=new_xid(),
        desired_strimzi_version=strimzi["version"],
        desired_kafka_version=_latest(strimzi.get("kafkaVersions")),
        desired_kafka_ibp_version=_latest(strimzi.get("kafkaIbpVersions")),
    )


# --- deprovision / deleting -> soft-deleted ----------------------------------------------


def finish_deletion(kafka: KafkaRequest) -> None:
    """Remove what the Kafka owns outside the database, then soft-delete the row (§4.5).

    Runs for rows in ``deleting``, and for rows in ``deprovision`` that never reached
    a data plane (no bootstrap host). Others wait for the agent to report Deleted.
    """
    if kafka.status == KafkaStatus.DEPROVISION and kafka.bootstrap_server_host:
        return
    held = Reservation(billing_model=kafka.actual_kafka_billing_model, subscription_id=kafka.subscription_id)
    try:
        # AMS: the subscription goes; quota-list: nothing to do.
        quota_services.release(quota_type=kafka.quota_type, reservation=held)
    except IntegrationError as exc:
        raise RetryLater(f"releasing the quota: {exc}") from exc
    if kafka.canary_service_account_client_id:
        try:
            sso_client().delete_service_account(kafka.canary_service_account_client_id)
        except SSOError as exc:
            raise RetryLater(f"deleting the canary service account: {exc}") from exc
    if settings.FLEET_ENABLE_KAFKA_CNAME_REGISTRATION and kafka.cluster_id and kafka.routes:
        try:
            route53_client().delete_cnames(settings.FLEET_KAFKA_DOMAIN_NAME, route_records(kafka))
        except DNSError as exc:
            raise RetryLater(f"deleting the DNS records of the routes: {exc}") from exc
    if kafka_soft_delete(kafka=kafka):
        metrics.operation_succeeded("delete")


# --- helpers ---------------------------------------------------------------------------


def _fail(kafka: KafkaRequest, reason: str) -> None:
    kafka_transition(kafka=kafka, to=KafkaStatus.FAILED, reason=reason, failed_reason=reason)
    metrics.operation_failed("create")


def _age(kafka: KafkaRequest) -> timedelta:
    return timezone.now() - kafka.created_at


def _latest(versions: list[str] | None) -> str:
    return versions[-1] if versions else ""


def _size(kafka: KafkaRequest) -> KafkaSize | None:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    return instance_type.size(kafka.size_id) if instance_type else None
