"""Data-plane clusters: the OpenShift clusters Kafkas are placed on (upstream `clusters`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from fleetmanager.ids import new_xid
from fleetmanager.models import StatusChange
from fleetmanager.statemachine import StateMachine


class ClusterStatus(models.TextChoices):
    ACCEPTED = "cluster_accepted"
    PROVISIONING = "cluster_provisioning"
    PROVISIONED = "cluster_provisioned"
    WAITING_FOR_FLEETSHARD = "waiting_for_kas_fleetshard_operator"
    READY = "ready"
    DEPROVISIONING = "deprovisioning"
    CLEANUP = "cleanup"
    FAILED = "failed"


C = ClusterStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    C.ACCEPTED: frozenset({C.PROVISIONING, C.FAILED, C.DEPROVISIONING}),
    C.PROVISIONING: frozenset({C.PROVISIONED, C.FAILED, C.DEPROVISIONING}),
    C.PROVISIONED: frozenset({C.WAITING_FOR_FLEETSHARD, C.FAILED, C.DEPROVISIONING}),
    # The agent's own report moves a waiting cluster to ready (and a ready one back).
    C.WAITING_FOR_FLEETSHARD: frozenset({C.READY, C.FAILED, C.DEPROVISIONING}),
    C.READY: frozenset({C.WAITING_FOR_FLEETSHARD, C.DEPROVISIONING, C.FAILED}),
    # A cluster that still holds Kafkas goes back to ready instead of being deleted.
    C.DEPROVISIONING: frozenset({C.CLEANUP, C.READY}),
    C.CLEANUP: frozenset(),
    C.FAILED: frozenset({C.DEPROVISIONING}),
}

CLUSTER_STATES = StateMachine("cluster", TRANSITIONS)

# Statuses the cluster reconciler takes a step in (clusters.tasks.STEPS has one per status). A
# failed cluster waits for a person: an SRE deprovisions it.
RECONCILER_STATUSES = frozenset(set(C) - {C.FAILED})

# Clusters that are, or are becoming, usable (§6.2).
VALID_STATUSES = frozenset({C.ACCEPTED, C.PROVISIONING, C.PROVISIONED, C.WAITING_FOR_FLEETSHARD, C.READY})
# Clusters being built: while one exists in a region, scaling up again would be premature (§6.10).
BUILDING_STATUSES = frozenset({C.ACCEPTED, C.PROVISIONING, C.PROVISIONED, C.WAITING_FOR_FLEETSHARD})

DELETING_STATUSES = frozenset({C.DEPROVISIONING, C.CLEANUP})


class ProviderType(models.TextChoices):
    OCM = "ocm"
    STANDALONE = "standalone"


class ClusterType(models.TextChoices):
    MANAGED = "managed"
    ENTERPRISE = "enterprise"


class ClusterQuerySet(models.QuerySet["Cluster"]):
    pass


class ActiveClusterManager(models.Manager.from_queryset(ClusterQuerySet)):  # type: ignore[misc]
    """Soft-deleted clusters are invisible unless asked for through ``all_objects``."""

    def get_queryset(self) -> ClusterQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class ScalingAction(models.TextChoices):
    SCALE_UP = "scale_up"
    SCALE_DOWN = "scale_down"


class Cluster(models.Model):
    """One data-plane cluster and the agent (kas-fleetshard) that runs on it."""

    id = models.CharField(primary_key=True, max_length=20, default=new_xid, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # The OCM cluster id (or the configured id of a standalone cluster); agents use it in paths.
    # Empty (NULL) until OCM has created an auto-scaled cluster. Unique among live clusters: a
    # cluster removed from the configuration file and listed again later gets a new row. NULL, not
    # "", so that any number of not-yet-created clusters can sit beside the unique constraint.
    cluster_id = models.CharField(max_length=64, null=True, blank=True, db_index=True)  # noqa: DJ001
    external_id = models.CharField(max_length=64, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    cloud_provider = models.CharField(max_length=32)
    region = models.CharField(max_length=64)
    multi_az = models.BooleanField(default=True)
    status = models.CharField(max_length=64, choices=ClusterStatus.choices, default=C.ACCEPTED, db_index=True)
    provider_type = models.CharField(max_length=32, choices=ProviderType.choices, default=ProviderType.OCM)
    cluster_type = models.CharField(max_length=32, choices=ClusterType.choices, default=ClusterType.MANAGED)
    organization_id = models.CharField(max_length=255, blank=True, default="")
    cluster_dns = models.CharField(max_length=255, blank=True, default="")
    identity_provider_id = models.CharField(max_length=255, blank=True, default="")
    # The agent's SSO client; its token's clientId must equal client_id.
    client_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    client_secret = models.CharField(max_length=255, blank=True, default="")
    supported_instance_type = models.CharField(max_length=64, default="standard,developer")
    available_strimzi_versions = models.JSONField(default=list, blank=True)
    dynamic_capacity_info = models.JSONField(default=dict, blank=True)
    access_kafkas_via_private_network = models.BooleanField(default=False)
    # Cordoned by an SRE (console): no new Kafka is placed here; its Kafkas stay.
    schedulable = models.BooleanField(default=True)
    provider_spec = models.JSONField(default=dict, blank=True)
    cluster_spec = models.JSONField(default=dict, blank=True)

    # Reconciler bookkeeping: failures (OCM outages, refusals) are recorded and backed off.
    next_reconcile_at = models.DateTimeField(null=True, blank=True)
    reconcile_failures = models.PositiveIntegerField(default=0)
    last_reconcile_error = models.TextField(blank=True, default="")

    objects = ActiveClusterManager()
    all_objects = ClusterQuerySet.as_manager()

    class Meta:
        db_table = "clusters"
        base_manager_name = "all_objects"
        permissions = [("operate_cluster", "Can cordon, uncordon and deprovision data-plane clusters")]
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["cloud_provider", "region", "status"], name="clusters_placement_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster_id"],
                condition=Q(deleted_at__isnull=True),
                name="%(app_label)s_%(class)s_unique_live_cluster_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id or self.id} ({self.cloud_provider}/{self.region}, {self.status})"

    @property
    def instance_types(self) -> tuple[str, ...]:
        return tuple(t.strip() for t in self.supported_instance_type.split(",") if t.strip())


class ClusterStatusChange(StatusChange):
    """History of every cluster status change, written in the same transaction as the change."""

    # SET_NULL: enterprise clusters are hard-deleted after cleanup; their history stays.
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="status_changes"
    )
    # Kept beside the key so the history still names a cluster whose row is gone.
    cluster_ref = models.CharField(max_length=64)

    class Meta(StatusChange.Meta):
        db_table = "cluster_status_changes"
        indexes = [models.Index(fields=["cluster", "created_at"], name="cluster_status_changes_idx")]

    def __str__(self) -> str:
        return f"{self.cluster_ref}: {self.from_status or '(new)'} -> {self.to_status}"


class ScalingDecision(models.Model):
    """One decision of the dynamic scaler (§6.10), kept for SREs, taken or only evaluated (dry run)."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=16, choices=ScalingAction.choices)
    cloud_provider = models.CharField(max_length=32)
    region = models.CharField(max_length=64)
    instance_type = models.CharField(max_length=32, blank=True, default="")
    # The cluster created (scale up) or deprovisioned (scale down); empty in a dry run. SET_NULL:
    # the decision stays in the history after an enterprise cluster row is hard-deleted.
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="scaling_decisions"
    )
    dry_run = models.BooleanField()
    reason = models.TextField()

    class Meta:
        db_table = "cluster_scaling_decisions"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        mode = " (dry run)" if self.dry_run else ""
        return f"{self.action} {self.cloud_provider}/{self.region} {self.instance_type}{mode}"
