"""What SREs do to any Kafka: the admin API (BEHAVIOUR.md §8), the console and the CLI call these with the acting ``Actor``.

Every function records one audit entry (``fleetmanager.audit``): done with the changed
fields, or refused with the error. Status changes go through ``kafka_transition``; the
reconcilers and the data plane carry them out (a suspending Kafka's ManagedKafka is
served with ``bf2.org/suspended=true``, the agent reports it suspended).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from clusters import selectors as cluster_selectors
from fleetmanager import audit, errors
from fleetmanager.audit import Actor
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.fleetconfig.quantities import quantity_bytes
from fleetmanager.kicks import kick
from fleetmanager.principal import Principal
from fleetmanager.statemachine import StaleState
from kafkas import selectors
from kafkas.models import DELETION_STATUSES, KafkaRequest, KafkaStatus, needs_reconciler
from kafkas.services.create import KafkaCreate, kafka_create
from kafkas.services.transitions import RECONCILE_TASK, kafka_deprovision, kafka_transition

S = KafkaStatus

# Statuses in which the admin PATCH may change a Kafka (§8); not accepted (no cluster yet) nor deleting.
UPDATABLE_STATUSES = (
    S.PREPARING,
    S.PROVISIONING,
    S.FAILED,
    S.READY,
    S.DEPROVISION,
    S.SUSPENDING,
    S.SUSPENDED,
    S.RESUMING,
)
# RFC 5280 §5.3.1 reason codes (7 is unused).
REVOCATION_REASONS = (0, 1, 2, 3, 4, 5, 6, 8, 9, 10)
UPDATE_FIELDS = "strimzi_version, kafka_version, kafka_ibp_version, max_data_retention_size or suspended"


@dataclass(frozen=True, slots=True)
class AdminUpdate:
    """The admin PATCH body (KafkaUpdateRequest); empty strings and None mean "not asked for"."""

    strimzi_version: str = ""
    kafka_version: str = ""
    kafka_ibp_version: str = ""
    max_data_retention_size: str = ""
    suspended: bool | None = None

    def asked(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in ("", None)}


def kafka_admin_update(*, actor: Actor, kafka_id: str, update: AdminUpdate) -> KafkaRequest:
    """PATCH /admin/kafkas/{id} (§8): desired versions, retention size, suspension. First failure wins."""
    with audit.action(actor, "kafka.update", "kafka", kafka_id, request=update.asked()) as entry:
        if not update.asked():
            raise errors.ServiceError(
                errors.FIELD_VALIDATION,
                f"Failed to update Kafka Request. Expecting at least one of the following fields: {UPDATE_FIELDS} "
                "to be provided",
            )
        kafka = selectors.kafka_get_any(kafka_id)
        if kafka.status not in UPDATABLE_STATUSES:
            raise errors.ServiceError(
                errors.VALIDATION,
                f"Unable to update kafka in {kafka.status} status. "
                f"Supported statuses for update are: {', '.join(UPDATABLE_STATUSES)}",
            )
        fields = _retention_change(kafka, update.max_data_retention_size)
        fields |= _version_changes(kafka, update)
        to_status = _suspension_status(kafka, update.suspended)
        entry.changed(kafka, **fields)
        if to_status:
            entry.change("status", kafka.status, to_status)
        _apply(kafka, actor, fields, to_status)
    return kafka


def kafka_create_for(*, actor: Actor, owner: str, org_id: str, request: KafkaCreate) -> KafkaRequest:
    """An operator creates a Kafka for an owner of an organisation (the CLI), under POST /kafkas's rules and limits."""
    asked = {**asdict(request), "owner": owner, "org_id": org_id}
    with audit.action(actor, "kafka.create", "kafka", "", request=asked) as entry:
        kafka = kafka_create(principal=Principal(username=owner, org_id=org_id), request=request)
        entry.object_id = kafka.id
        entry.change("status", "", kafka.status)
    return kafka


def kafka_suspend(*, actor: Actor, kafka_id: str) -> KafkaRequest:
    """Console: suspend a ready Kafka (the same rule as ``suspended: true`` of the admin PATCH)."""
    return _suspend_or_resume(actor, kafka_id, suspended=True)


def kafka_resume(*, actor: Actor, kafka_id: str) -> KafkaRequest:
    """Console: resume a suspended Kafka (the same rule as ``suspended: false`` of the admin PATCH)."""
    return _suspend_or_resume(actor, kafka_id, suspended=False)


def _suspend_or_resume(actor: Actor, kafka_id: str, *, suspended: bool) -> KafkaRequest:
    name = "kafka.suspend" if suspended else "kafka.resume"
    with audit.action(actor, name, "kafka", kafka_id) as entry:
        kafka = selectors.kafka_get_any(kafka_id)
        to_status = _suspension_status(kafka, suspended)
        entry.change("status", kafka.status, to_status)
        _apply(kafka, actor, {}, to_status)
    return kafka


def kafka_admin_deprovision(*, actor: Actor, kafka_id: str, refuse_if_deleting: bool = False) -> bool:
    """DELETE /admin/kafkas/{id} and the console's deprovision: any Kafka of any org goes to deprovision.

    A Kafka already on its way out is left as it is: False, as upstream's API answers 202 again;
    refused with a reason when ``refuse_if_deleting`` (the console tells the SRE).
    """
    with audit.action(actor, "kafka.deprovision", "kafka", kafka_id) as entry:
        kafka = selectors.kafka_get_any(kafka_id)
        before = kafka.status
        if refuse_if_deleting and before in DELETION_STATUSES:
            raise errors.ServiceError(errors.VALIDATION, f"it is already being deleted ({before})")
        done = kafka_deprovision(kafka=kafka, reason=f"deprovisioned by {actor}", actor=str(actor))
        entry.change("status", before, kafka.status if done else before)
    return done


def kafka_retry_now(*, actor: Actor, kafka_id: str) -> KafkaRequest:
    """Console: forget a Kafka's reconcile backoff and run its reconciler step now."""
    with audit.action(actor, "kafka.retry", "kafka", kafka_id) as entry:
        kafka = selectors.kafka_get_any(kafka_id)
        if not needs_reconciler(kafka):
            raise errors.ServiceError(
                errors.VALIDATION,
                f"nothing to retry: no reconciler step acts on a {kafka.status} Kafka"
                + (
                    " (a failed Kafka recovers when its data plane reports it ready; else deprovision it)"
                    if kafka.status == S.FAILED
                    else ""
                ),
            )
        entry.changed(kafka, next_reconcile_at=None, reconcile_failures=0)
        with transaction.atomic():
            KafkaRequest.objects.filter(pk=kafka.pk).update(
                next_reconcile_at=None, reconcile_failures=0, last_reconcile_error=""
            )
            kick(RECONCILE_TASK, kafka.pk)
        kafka.next_reconcile_at, kafka.reconcile_failures, kafka.last_reconcile_error = None, 0, ""
    return kafka


def kafka_revoke_tls_certificate(*, actor: Actor, kafka_id: str, revocation_reason: int | None) -> None:
    """POST /admin/kafkas/{id}/revoke_tls_certificate (§8).

    Certificates of Kafka routes are not issued by this service (upstream's manual TLS
    strategy), so, as upstream with that strategy, there is nothing to revoke: the
    request is checked and recorded.
    """
    with audit.action(
        actor, "kafka.revoke_tls_certificate", "kafka", kafka_id, request={"revocation_reason": revocation_reason}
    ):
        if revocation_reason not in REVOCATION_REASONS:
            raise errors.bad_request(
                f"revocation_reason must be one of {', '.join(map(str, REVOCATION_REASONS))} (RFC 5280 §5.3.1)"
            )
        selectors.kafka_get_any(kafka_id)


# --- the rules of §8 -------------------------------------------------------------------------


def _retention_change(kafka: KafkaRequest, size: str) -> dict[str, str]:
    if not size:
        return {}
    try:
        wanted = quantity_bytes(size)
    except ValueError as exc:
        raise errors.ServiceError(errors.FIELD_VALIDATION, f"Failed to update Kafka Request: {exc}") from None
    current = quantity_bytes(kafka.max_data_retention_size) if kafka.max_data_retention_size else 0
    if wanted < current:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION,
            f"Failed to update Kafka Request. Requested max_data_retention_size {size} is smaller than the current "
            f"{kafka.max_data_retention_size}: it may only grow",
        )
    return {"max_data_retention_size": size} if wanted != current else {}


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text))


def _version_changes(kafka: KafkaRequest, update: AdminUpdate) -> dict[str, str]:
    """The desired versions after the update; the checks run on every update, as upstream's do."""
    asked = {
        "desired_strimzi_version": (update.strimzi_version, kafka.strimzi_upgrading, "strimzi"),
        "desired_kafka_version": (update.kafka_version, kafka.kafka_upgrading, "kafka"),
        "desired_kafka_ibp_version": (update.kafka_ibp_version, kafka.kafka_ibp_upgrading, "kafka ibp"),
    }
    changes = {}
    for field, (value, upgrading, what) in asked.items():
        if value and value != getattr(kafka, field):
            if upgrading:
                raise errors.ServiceError(
                    errors.VALIDATION, f"Unable to update the {what} version: another upgrade is already in progress"
                )
            changes[field] = value
    strimzi = changes.get("desired_strimzi_version", kafka.desired_strimzi_version)
    version = changes.get("desired_kafka_version", kafka.desired_kafka_version)
    ibp = changes.get("desired_kafka_ibp_version", kafka.desired_kafka_ibp_version)
    _check_offered(kafka, strimzi, version, ibp)
    running = kafka.actual_kafka_version or kafka.desired_kafka_version
    if "desired_kafka_version" in changes and _version_key(version)[:2] < _version_key(running)[:2]:
        raise errors.ServiceError(
            errors.VALIDATION, f"Unable to downgrade the kafka version from {running} to {version}"
        )
    running_ibp = kafka.actual_kafka_ibp_version or kafka.desired_kafka_ibp_version
    if "desired_kafka_ibp_version" in changes and _version_key(ibp) < _version_key(running_ibp):
        raise errors.ServiceError(
            errors.VALIDATION, f"Unable to downgrade the kafka ibp version from {running_ibp} to {ibp}"
        )
    if _version_key(ibp)[:2] > _version_key(version)[:2]:
        raise errors.ServiceError(
            errors.VALIDATION, f"The kafka ibp version {ibp} must not be greater than the kafka version {version}"
        )
    return changes


def _check_offered(kafka: KafkaRequest, strimzi: str, version: str, ibp: str) -> None:
    cluster = cluster_selectors.cluster_by_id(kafka.cluster_id)
    if cluster is None:
        raise errors.ServiceError(
            errors.VALIDATION, f"Unable to find the data-plane cluster '{kafka.cluster_id}' of the Kafka"
        )
    offered = next(
        (v for v in cluster.available_strimzi_versions or [] if v.get("version") == strimzi and v.get("ready")), None
    )
    if offered is None:
        raise errors.ServiceError(
            errors.VALIDATION, f"Strimzi version '{strimzi}' is not ready on cluster '{cluster.cluster_id}'"
        )
    if version not in (offered.get("kafkaVersions") or []):
        raise errors.ServiceError(
            errors.VALIDATION, f"Kafka version '{version}' is not supported by Strimzi version '{strimzi}'"
        )
    if ibp not in (offered.get("kafkaIbpVersions") or []):
        raise errors.ServiceError(
            errors.VALIDATION, f"Kafka IBP version '{ibp}' is not supported by Strimzi version '{strimzi}'"
        )


def _suspension_status(kafka: KafkaRequest, suspended: bool | None) -> str | None:
    """suspending from ready, resuming from suspended (before the grace period of an ending entitlement)."""
    if suspended is None:
        return None
    if suspended:
        if kafka.status != S.READY:
            raise errors.ServiceError(
                errors.VALIDATION,
                f"Unable to suspend the Kafka: it is {kafka.status}; only a ready Kafka can be suspended",
            )
        return S.SUSPENDING
    if kafka.status != S.SUSPENDED:
        raise errors.ServiceError(
            errors.VALIDATION,
            f"Unable to resume the Kafka: it is {kafka.status}; only a suspended Kafka can be resumed",
        )
    if kafka.expires_at is not None and timezone.now() >= kafka.expires_at - timedelta(days=_grace_days(kafka)):
        raise errors.ServiceError(
            errors.VALIDATION,
            f"Unable to resume the Kafka: its entitlement ended and it expires at {kafka.expires_at.isoformat()}",
        )
    return S.RESUMING


def _grace_days(kafka: KafkaRequest) -> int:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    model = instance_type.billing_model(kafka.actual_kafka_billing_model) if instance_type else None
    return model.grace_period_days if model else 0


def _apply(kafka: KafkaRequest, actor: Actor, fields: dict[str, Any], to_status: str | None) -> None:
    """One write: the fields, with the status change when there is one (compare-and-set on the status read)."""
    changed_meanwhile = errors.ServiceError(
        errors.VALIDATION, "The Kafka changed while it was being updated; try again"
    )
    if to_status:
        verb = "suspended" if to_status == S.SUSPENDING else "resumed"
        try:
            kafka_transition(kafka=kafka, to=to_status, reason=f"{verb} by {actor}", actor=str(actor), **fields)
        except StaleState:
            raise changed_meanwhile from None
        return
    if not fields:
        return
    updated = KafkaRequest.objects.filter(pk=kafka.pk, status=kafka.status).update(updated_at=timezone.now(), **fields)
    if not updated:
        raise changed_meanwhile
    for name, value in fields.items():
        setattr(kafka, name, value)
