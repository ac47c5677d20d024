from django.contrib import admin

from clusters.models import Cluster, ClusterStatusChange, ScalingDecision


class StatusChangeInline(admin.TabularInline):
    """The cluster's status history: read-only, newest last."""

    model = ClusterStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "reason", "actor")
    fields = readonly_fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Data-plane clusters. Status is read-only: it only changes through the cluster services."""

    list_display = (
        "cluster_id",
        "status",
        "provider_type",
        "cluster_type",
        "cloud_provider",
        "region",
        "multi_az",
        "supported_instance_type",
        "reconcile_failures",
        "updated_at",
    )
    list_filter = ("status", "provider_type", "cluster_type", "cloud_provider", "region")
    search_fields = ("id", "cluster_id", "external_id", "name", "organization_id")
    readonly_fields = (
        "id",
        "cluster_id",
        "status",
        "client_id",
        "created_at",
        "updated_at",
        "deleted_at",
        "available_strimzi_versions",
        "dynamic_capacity_info",
        "reconcile_failures",
        "last_reconcile_error",
        "next_reconcile_at",
    )
    exclude = ("client_secret",)
    ordering = ("created_at",)
    inlines = [StatusChangeInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ScalingDecision)
class ScalingDecisionAdmin(admin.ModelAdmin):
    """What the dynamic scaler decided and why; dry runs included. Read-only history."""

    list_display = ("created_at", "action", "cloud_provider", "region", "instance_type", "cluster", "dry_run", "reason")
    list_filter = ("action", "dry_run", "cloud_provider", "region")
    list_select_related = ("cluster",)
    ordering = ("-created_at",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
