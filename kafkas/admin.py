from django.contrib import admin
from django.utils.html import format_html, format_html_join

from fleetmanager.console import kafka_panels
from kafkas.models import KafkaRequest, KafkaStatusChange


class StatusChangeInline(admin.TabularInline):
    model = KafkaStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "reason", "actor")
    fields = readonly_fields

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(KafkaRequest)
class KafkaRequestAdmin(admin.ModelAdmin):
    """Kafkas for SREs. Status is read-only here: it only changes through the lifecycle services."""

    list_display = (
        "name",
        "id",
        "status",
        "owner",
        "organisation_id",
        "cluster_id",
        "instance_type",
        "size_id",
        "created_at",
        "reconcile_failures",
    )
    list_filter = ("status", "instance_type", "cloud_provider", "region")
    search_fields = ("id", "name", "owner", "organisation_id", "cluster_id")
    ordering = ("-created_at",)
    readonly_fields = [*(f.name for f in KafkaRequest._meta.fields), "data_plane_resources"]
    inlines = [StatusChangeInline]
    show_full_result_count = False

    @admin.display(description="Data-plane resources")
    def data_plane_resources(self, kafka: KafkaRequest) -> str:
        """Read-only panels other apps provide (the agents app: the resources its simulated data plane wrote)."""
        return format_html_join(
            "",
            '<div class="data-plane-panel"><h3>{}</h3><p class="help">{}</p>{}</div>',
            (
                (
                    panel.title,
                    panel.note,
                    format_html('<pre class="data-plane-yaml">{}</pre>', panel.text) if panel.text else "",
                )
                for panel in kafka_panels(kafka)
            ),
        )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
