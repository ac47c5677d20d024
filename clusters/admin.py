from django.contrib import admin

from clusters.models import Cluster


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
    )
    exclude = ("client_secret",)
    ordering = ("created_at",)

    def has_add_permission(self, request: object) -> bool:
        return False
