"""Kafka requests: the row upstream calls `kafka_requests`, its statuses and transitions.

Only ``kafkas.services`` writes these rows. It changes ``status`` through
``KAFKA_STATES`` and ``promotion_status`` through ``PROMOTION_STATES``: each change is
a compare-and-set on the old value, so a stale worker's write fails instead of
corrupting state.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from fleetmanager.ids import new_xid
from fleetmanager.models import StatusChange
from fleetmanager.statemachine import StateMachine


class KafkaStatus(models.TextChoices):
    ACCEPTED = "accepted"
    PREPARING = "preparing"
    PROVISIONING = "provisioning"
    READY = "ready"
    FAILED = "failed"
    DEPROVISION = "deprovision"
    DELETING = "deleting"
    SUSPENDING = "suspending"
    SUSPENDED = "suspended"
    RESUMING = "resuming"


S = KafkaStatus

# Every allowed status change. Terminal rows (deleting) leave the table by soft delete.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.ACCEPTED: frozenset({S.PREPARING, S.FAILED, S.DEPROVISION}),
    S.PREPARING: frozenset({S.PROVISIONING, S.FAILED, S.DEPROVISION}),
    S.PROVISIONING: frozenset({S.READY, S.FAILED, S.DEPROVISION}),
    S.READY: frozenset({S.FAILED, S.SUSPENDING, S.DEPROVISION}),
    # The data plane may report a failed Kafka as healthy again.
    S.FAILED: frozenset({S.READY, S.DEPROVISION}),
    S.SUSPENDING: frozenset({S.SUSPENDED, S.DEPROVISION}),
    S.SUSPENDED: frozenset({S.RESUMING, S.DEPROVISION}),
    S.RESUMING: frozenset({S.READY, S.FAILED, S.DEPROVISION}),
    S.DEPROVISION: frozenset({S.DELETING}),
    S.DELETING: frozenset(),
}

KAFKA_STATES = StateMachine("kafka", TRANSITIONS)

# Rows on their way out: user-facing updates leave them alone.
DELETION_STATUSES = frozenset({S.DEPROVISION, S.DELETING})
# Rows the data plane is asked to run (ManagedKafka CRs served to the agent).
DATA_PLANE_STATUSES = frozenset(
    {S.PROVISIONING, S.DEPROVISION, S.READY, S.FAILED, S.SUSPENDED, S.SUSPENDING, S.RESUMING}
)

# Which rows a reconciler step has work for (kafkas.tasks.STEPS has one step per key): the
# status, and the fields that must hold for that status (one of the alternatives). Elsewhere
# the data plane moves the row on (the agent reports ready, deleted, suspended), or a person
# has to act (failed).
RECONCILER_WORK: dict[str, tuple[dict[str, Any], ...]] = {
    S.ACCEPTED: ({},),
    S.PREPARING: ({},),
    # When a full cluster gave it back to placement (no cluster any more), or when the routes
    # its agent reported wait for their DNS records (§4.4).
    S.PROVISIONING: ({"cluster_id": ""}, {"routes__isnull": False, "routes_created": False}),
    # Only when it never reached a data plane; otherwise the agent reports it Deleted first.
    S.DEPROVISION: ({"bootstrap_server_host": ""},),
    S.DELETING: ({},),
}
NEEDS_RECONCILER = Q(pk__in=[])
for _status, _alternatives in RECONCILER_WORK.items():
    for _fields in _alternatives:
        NEEDS_RECONCILER |= Q(status=_status, **_fields)


def _holds(kafka: KafkaRequest, lookup: str, value: Any) -> bool:
    """One condition of RECONCILER_WORK on the row in memory (``field`` or ``field__isnull``)."""
    if lookup.endswith("__isnull"):
        return (getattr(kafka, lookup.removesuffix("__isnull")) is None) is value
    return getattr(kafka, lookup) == value


def needs_reconciler(kafka: KafkaRequest) -> bool:
    """Whether a reconciler step has work for the row as it is in memory (the same rule as NEEDS_RECONCILER)."""
    alternatives = RECONCILER_WORK.get(kafka.status, ())
    return any(all(_holds(kafka, lookup, value) for lookup, value in fields.items()) for fields in alternatives)


class PromotionStatus(models.TextChoices):
    """Where a promotion of an evaluation Kafka to a paid billing model stands (§1.8, §4.7)."""

    NONE = "", "not promoting"
    PROMOTING = "promoting"
    FAILED = "failed"


P = PromotionStatus

PROMOTION_TRANSITIONS: dict[str, frozenset[str]] = {
    P.NONE: frozenset({P.PROMOTING}),
    # Done (back to none: the Kafka runs under its new billing model), or refused for good.
    P.PROMOTING: frozenset({P.NONE, P.FAILED}),
    # A person may ask again after a failure.
    P.FAILED: frozenset({P.PROMOTING}),
}

PROMOTION_STATES = StateMachine("promotion", PROMOTION_TRANSITIONS, field="promotion_status")
# Kafkas that may be promoted: running, or suspended on the way to their entitlement's end.
PROMOTABLE_STATUSES = frozenset({S.READY, S.SUSPENDED, S.RESUMING})


class KafkaQuerySet(models.QuerySet["KafkaRequest"]):
    def in_org(self, org_id: str) -> KafkaQuerySet:
        return self.filter(organisation_id=org_id)


class ActiveKafkaManager(models.Manager.from_queryset(KafkaQuerySet)):  # type: ignore[misc]
    """Soft-deleted rows are invisible to every query that does not ask for them."""

    def get_queryset(self) -> KafkaQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class KafkaRequest(models.Model):
    """One managed Kafka instance requested by a user (upstream `kafka_requests`)."""

    id = models.CharField(primary_key=True, max_length=20, default=new_xid, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    name = models.CharField(max_length=32, db_index=True)
    status = models.CharField(max_length=32, choices=KafkaStatus.choices, default=S.ACCEPTED, db_index=True)
    failed_reason = models.TextField(blank=True, default="")

    # Tenant
    owner = models.CharField(max_length=255, db_index=True)
    owner_account_id = models.CharField(max_length=255, blank=True, default="")
    organisation_id = models.CharField(max_length=255, db_index=True)

    # Placement
    cloud_provider = models.CharField(max_length=32)
    region = models.CharField(max_length=64)
    multi_az = models.BooleanField(default=True)
    cluster_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    placement_id = models.CharField(max_length=64, blank=True, default="")
    namespace = models.CharField(max_length=64, blank=True, default="")

    # Sizing (from kafka-instance-types-configuration.yaml at creation time)
    instance_type = models.CharField(max_length=32)
    size_id = models.CharField(max_length=32)
    max_data_retention_size = models.CharField(max_length=32, blank=True, default="")
    reauthentication_enabled = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    # Quota and billing
    quota_type = models.CharField(max_length=32, default="quota-management-list")
    subscription_id = models.CharField(max_length=255, blank=True, default="")
    actual_kafka_billing_model = models.CharField(max_length=32, blank=True, default="")
    desired_kafka_billing_model = models.CharField(max_length=32, blank=True, default="")
    billing_cloud_account_id = models.CharField(max_length=255, blank=True, default="")
    marketplace = models.CharField(max_length=32, blank=True, default="")
    promotion_status = models.CharField(max_length=32, choices=PromotionStatus.choices, blank=True, default=P.NONE)
    promotion_details = models.TextField(blank=True, default="")

    # Endpoints and routes
    bootstrap_server_host = models.CharField(max_length=255, blank=True, default="")
    admin_api_server_url = models.CharField(max_length=255, blank=True, default="")
    routes = models.JSONField(null=True, blank=True)
    routes_created = models.BooleanField(default=False)
    routes_creation_id = models.CharField(max_length=255, blank=True, default="")
    kafkas_routes_base_domain_name = models.CharField(max_length=255, blank=True, default="")
    kafkas_routes_base_domain_tls_key_ref = models.CharField(max_length=255, blank=True, default="")
    kafkas_routes_base_domain_tls_crt_ref = models.CharField(max_length=255, blank=True, default="")

    # Canary service account (created while preparing)
    canary_service_account_client_id = models.CharField(max_length=255, blank=True, default="")
    canary_service_account_client_secret = models.CharField(max_length=255, blank=True, default="")

    # Versions
    desired_kafka_version = models.CharField(max_length=32, blank=True, default="")
    actual_kafka_version = models.CharField(max_length=32, blank=True, default="")
    desired_strimzi_version = models.CharField(max_length=64, blank=True, default="")
    actual_strimzi_version = models.CharField(max_length=64, blank=True, default="")
    desired_kafka_ibp_version = models.CharField(max_length=32, blank=True, default="")
    actual_kafka_ibp_version = models.CharField(max_length=32, blank=True, default="")
    kafka_upgrading = models.BooleanField(default=False)
    strimzi_upgrading = models.BooleanField(default=False)
    kafka_ibp_upgrading = models.BooleanField(default=False)

    # Reconciler bookkeeping: a claimed row is skipped by other workers until
    # next_reconcile_at; failures push it back exponentially.
    next_reconcile_at = models.DateTimeField(null=True, blank=True)
    reconcile_failures = models.PositiveIntegerField(default=0)
    last_reconcile_error = models.TextField(blank=True, default="")

    objects = ActiveKafkaManager()
    all_objects = KafkaQuerySet.as_manager()

    class Meta:
        db_table = "kafka_requests"
        base_manager_name = "all_objects"
        permissions = [
            ("operate_kafkarequest", "Can suspend, resume, deprovision, retry and upgrade Kafkas"),
        ]
        ordering = ["name"]
        constraints = [
            # Upstream checks this in code only, so two concurrent creates could both win.
            models.UniqueConstraint(
                fields=["organisation_id", "name"],
                condition=Q(deleted_at__isnull=True),
                name="%(app_label)s_%(class)s_unique_live_name_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="kafkas_status_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def href(self) -> str:
        return f"/api/kafkas_mgmt/v1/kafkas/{self.id}"


class KafkaStatusChange(StatusChange):
    """History of every Kafka status change, written in the same transaction as the change."""

    kafka = models.ForeignKey(KafkaRequest, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        db_table = "kafka_status_changes"
        indexes = [models.Index(fields=["kafka", "created_at"], name="kafka_status_changes_kafka_idx")]

    def __str__(self) -> str:
        return f"{self.kafka_id}: {self.from_status or '(new)'} -> {self.to_status}"
