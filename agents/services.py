"""What the data-plane agents report, turned into state (BEHAVIOUR.md §5.4, §5.5, §4.9).

Reports are applied entry by entry: an unknown id, a Kafka of another cluster or
a condition we cannot interpret is logged and skipped, and never stops the other
entries of the same report.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from django.conf import settings
from django.utils import timezone

from clusters import metrics as cluster_metrics
from clusters import selectors as cluster_selectors
from clusters import services as cluster_services
from clusters.models import Cluster, ClusterStatus
from fleetmanager import errors
from fleetmanager.billing import BillingModel
from fleetmanager.principal import Principal
from kafkas import metrics as kafka_metrics
from kafkas import selectors as kafka_selectors
from kafkas.models import DELETION_STATUSES, KafkaRequest, KafkaStatus
from kafkas.services import InvalidTransition, StaleState, kafka_transition
from kafkas.services.reports import (
    FAILED_BY_DATA_PLANE,
    kafka_new_placement_id,
    kafka_record_versions,
    kafka_return_to_placement,
    kafka_store_routes,
)

logger = logging.getLogger("fleetmanager.agents")

CLUSTER_FULL_MESSAGE = "Cluster has insufficient resources"
# The actor of the status changes an agent's report causes.
AGENT = "data plane agent"
RESERVED_PREFIX = "reserved-"
UPGRADE_FLAGS = {
    "StrimziUpdating": "strimzi_upgrading",
    "KafkaUpdating": "kafka_upgrading",
    "KafkaIbpUpdating": "kafka_ibp_upgrading",
}


# --- observability proxy (§5.6) ---------------------------------------------------------

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def verify_observability_token(*, principal: Principal, external_id: str) -> None:
    """The token may send metrics for the cluster with ``external_id``: it is that cluster's agent.

    The observability remote-write proxy of a data-plane cluster asks before it forwards metrics.
    Checks in upstream's order; each failure raises its upstream code.
    """
    if not _UUID.fullmatch(external_id):
        raise errors.ServiceError(
            errors.INVALID_EXTERNAL_CLUSTER_ID, f"external cluster id does not match ^{_UUID.pattern}$"
        )
    if not principal.client_id:
        raise errors.ServiceError(errors.UNAUTHENTICATED, "unable to get client ID from the token")
    cluster = cluster_selectors.cluster_by_external_id(external_id)
    if cluster is None:
        raise errors.not_found(f"unable to find cluster with external cluster ID: {external_id}")
    if not cluster.client_id or cluster.client_id != principal.client_id:
        raise errors.ServiceError(
            errors.FORBIDDEN,
            f"failed to match the client ID in the token against provided external cluster ID: {external_id}",
        )


# --- cluster status (§5.5) -------------------------------------------------------------


def cluster_status_report(*, cluster: Cluster, report: dict[str, Any]) -> None:
    strimzi = report.get("strimzi") or []
    for index, entry in enumerate(strimzi):
        for field in ("version", "kafkaVersions", "kafkaIbpVersions"):
            if not entry.get(field):
                raise errors.ServiceError(
                    errors.FIELD_VALIDATION, f"Field validation failed: strimzi[{index}].{field} must not be empty"
                )
    if cluster.status not in (ClusterStatus.READY, ClusterStatus.WAITING_FOR_FLEETSHARD):
        logger.info("cluster %s is %s: status report ignored", cluster.cluster_id, cluster.status)
        return
    if not _condition_true(report.get("conditions") or [], "Ready"):
        if cluster.status == ClusterStatus.READY:
            _cluster_transition(cluster, ClusterStatus.WAITING_FOR_FLEETSHARD, "agent reports not ready")
        return
    fields = {"dynamic_capacity_info": _capacity(cluster, report.get("capacity") or {})}
    if strimzi:
        fields["available_strimzi_versions"] = sort_strimzi_versions(strimzi)
    if cluster.status == ClusterStatus.WAITING_FOR_FLEETSHARD:
        if _cluster_transition(cluster, ClusterStatus.READY, "agent reports ready", **fields):
            cluster_metrics.cluster_became_ready(cluster)
    else:
        cluster_services.cluster_update(cluster=cluster, **fields)


def _cluster_transition(cluster: Cluster, to: str, reason: str, **fields: Any) -> bool:
    try:
        cluster_services.cluster_transition(cluster=cluster, to=to, reason=reason, actor=AGENT, **fields)
    except cluster_services.StaleState:
        logger.info("cluster %s changed while its report was applied; the next report retries", cluster.cluster_id)
        return False
    return True


def _capacity(cluster: Cluster, reported: dict[str, Any]) -> dict[str, Any]:
    """Update max/remaining units of the instance types the cluster already tracks (§5.5)."""
    info = {key: dict(value) for key, value in (cluster.dynamic_capacity_info or {}).items()}
    for instance_type, values in reported.items():
        if instance_type not in info or not isinstance(values, dict):
            continue
        for source, target in (("maxUnits", "max_units"), ("remainingUnits", "remaining_units")):
            if isinstance(values.get(source), int):
                info[instance_type][target] = values[source]
    return info


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def sort_strimzi_versions(strimzi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Deep-sorted ascending, so the last entry is the newest (by the `X.Y.Z-B` suffix of the version)."""
    entries = [
        {
            "version": entry["version"],
            "ready": bool(entry.get("ready")),
            "kafkaVersions": sorted(entry["kafkaVersions"], key=_version_key),
            "kafkaIbpVersions": sorted(entry["kafkaIbpVersions"], key=_version_key),
        }
        for entry in strimzi
    ]
    return sorted(entries, key=lambda e: _version_key(e["version"].rsplit(".v", 1)[-1]))


# --- Kafka statuses (§5.4) --------------------------------------------------------------


def kafka_status_report(*, cluster: Cluster, report: dict[str, dict[str, Any]]) -> None:
    kafkas = kafka_selectors.kafkas_by_id([i for i in report if not i.startswith(RESERVED_PREFIX)])
    for kafka_id, status in report.items():
        if kafka_id.startswith(RESERVED_PREFIX):
            continue
        kafka = kafkas.get(kafka_id)
        if kafka is None or kafka.cluster_id != cluster.cluster_id:
            logger.warning("cluster %s reported kafka %s, which it does not run; skipped", cluster.cluster_id, kafka_id)
            continue
        try:
            _apply_kafka_status(cluster, kafka, status)
        except (StaleState, InvalidTransition) as exc:
            logger.info("kafka %s: report from cluster %s not applied: %s", kafka_id, cluster.cluster_id, exc)
        except RouteError as exc:
            logger.warning("kafka %s: %s", kafka_id, exc)


def _apply_kafka_status(cluster: Cluster, kafka: KafkaRequest, status: dict[str, Any]) -> None:
    ready = _ready_condition(status.get("conditions") or [])
    _apply_versions(kafka, status.get("versions") or {}, ready)
    if ready is None:
        return  # no Ready condition: still installing
    reason, value = ready.get("reason") or "", (ready.get("status") or "").lower()
    if reason == "Suspended":
        if kafka.status == KafkaStatus.SUSPENDING:
            kafka_transition(kafka=kafka, to=KafkaStatus.SUSPENDED, reason="data plane suspended it", actor=AGENT)
    elif value == "true":
        _ready(cluster, kafka, status)
    elif value == "unknown":
        logger.info("kafka %s: data plane reports status Unknown", kafka.pk)
    elif reason == "Installing":
        _store_routes(cluster, kafka, status.get("routes"))
    elif reason == "Deleted":
        if kafka.status == KafkaStatus.DEPROVISION:
            kafka_transition(kafka=kafka, to=KafkaStatus.DELETING, reason="data plane deleted it", actor=AGENT)
    elif reason == "Error":
        if kafka.status not in DELETION_STATUSES | {KafkaStatus.SUSPENDING, KafkaStatus.SUSPENDED, KafkaStatus.FAILED}:
            kafka_transition(
                kafka=kafka,
                to=KafkaStatus.FAILED,
                reason=ready.get("message") or "",
                actor=AGENT,
                failed_reason=FAILED_BY_DATA_PLANE,
            )
            kafka_metrics.operation_failed("create")
    elif reason == "Rejected":
        _rejected(kafka, ready.get("message") or "")
    else:
        logger.info("kafka %s: unrecognised Ready condition reason %r status %r", kafka.pk, reason, value)


def _ready(cluster: Cluster, kafka: KafkaRequest, status: dict[str, Any]) -> None:
    if kafka.status in DELETION_STATUSES | {KafkaStatus.SUSPENDING, KafkaStatus.SUSPENDED}:
        return
    _store_routes(cluster, kafka, status.get("routes"))
    if not kafka.routes_created or kafka.status == KafkaStatus.READY:
        return
    from_status = kafka.status
    kafka_transition(
        kafka=kafka,
        to=KafkaStatus.READY,
        reason="data plane reports ready",
        actor=AGENT,
        admin_api_server_url=status.get("adminServerURI") or "",
        failed_reason="",
    )
    if from_status == KafkaStatus.PROVISIONING:
        kafka_metrics.kafka_became_ready((timezone.now() - kafka.created_at).total_seconds())


class RouteError(Exception):
    pass


def _store_routes(cluster: Cluster, kafka: KafkaRequest, routes: list[dict[str, Any]] | None) -> None:
    """Routes are written once (§4.4); without CNAME registration they count as created at once."""
    if not routes or kafka.routes:
        return
    base_domain = cluster.cluster_dns.removeprefix("apps.")
    stored = []
    for route in routes:
        router = route.get("router") or ""
        if not base_domain or not router.endswith(base_domain):
            raise RouteError(f"route router {router!r} is not in the cluster's domain {base_domain!r}")
        prefix = route.get("prefix") or ""
        domain = f"{prefix}-{kafka.bootstrap_server_host}" if prefix else kafka.bootstrap_server_host
        stored.append({"Domain": domain, "Router": router})
    kafka_store_routes(kafka=kafka, routes=stored, created=not settings.FLEET_ENABLE_KAFKA_CNAME_REGISTRATION)


def _rejected(kafka: KafkaRequest, message: str) -> None:
    if kafka.status != KafkaStatus.PROVISIONING:
        return
    if message == CLUSTER_FULL_MESSAGE and kafka.desired_kafka_billing_model != BillingModel.ENTERPRISE:
        # Give the Kafka back to placement: the provisioning reconciler finds it another cluster.
        kafka_return_to_placement(kafka=kafka)
    else:
        kafka_new_placement_id(kafka=kafka)


def _apply_versions(kafka: KafkaRequest, versions: dict[str, Any], ready: dict[str, Any] | None) -> None:
    """Actual versions and upgrade flags (§4.9), written even when the status change is refused."""
    changes: dict[str, Any] = {}
    for source, field in (
        ("kafka", "actual_kafka_version"),
        ("strimzi", "actual_strimzi_version"),
        ("kafkaIbp", "actual_kafka_ibp_version"),
    ):
        value = versions.get(source)
        if isinstance(value, str) and value and value != getattr(kafka, field):
            changes[field] = value
    reason = (ready or {}).get("reason") or ""
    for flag_reason, field in UPGRADE_FLAGS.items():
        upgrading = reason == flag_reason
        if getattr(kafka, field) != upgrading:
            changes[field] = upgrading
    kafka_record_versions(kafka=kafka, **changes)


def _ready_condition(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((c for c in conditions if (c.get("type") or "").lower() == "ready"), None)


def _condition_true(conditions: list[dict[str, Any]], kind: str) -> bool:
    condition = next((c for c in conditions if (c.get("type") or "") == kind), None)
    return condition is not None and (condition.get("status") or "").strip().lower() in ("true", "1", "t")
