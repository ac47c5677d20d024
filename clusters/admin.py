"""Data-plane clusters in the SRE console: read-only pages, cordon/uncordon and deprovision through the services.

No cluster is added, edited (identity, provider, region) or deleted here; status changes only
through the cluster services. Secrets (the agent's client secret) are never shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from clusters import capacity, services
from clusters.models import DELETING_STATUSES, Cluster, ClusterStatusChange, ScalingDecision
from fleetmanager.console import Table, audit_trail, register_count, register_panel, run_on_each, staff_actor


class StatusChangeInline(admin.TabularInline):
    """The cluster's status history: read-only, newest first."""

    model = ClusterStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "reason", "actor")
    fields = readonly_fields
    ordering = ("-created_at", "-id")
    verbose_name_plural = "status history (newest first)"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Data-plane clusters for SREs. Read-only; cordon, uncordon and deprovision are actions."""

    list_display = (
        "cluster_id",
        "status",
        "schedulable",
        "provider_type",
        "cluster_type",
        "cloud_provider",
        "region",
        "kafkas_link",
        "capacity_column",
        "reconcile_failures",
        "updated_at",
    )
    list_filter = ("status", "schedulable", "provider_type", "cluster_type", "cloud_provider", "region")
    search_fields = ("=id", "=cluster_id", "=external_id", "name", "=organization_id")
    ordering = ("created_at",)
    list_per_page = 200
    show_full_result_count = False
    inlines = [StatusChangeInline]
    actions = ["cordon", "uncordon", "deprovision"]
    fields = (
        "id",
        "cluster_id",
        "external_id",
        "name",
        "status",
        "schedulable",
        "provider_type",
        "cluster_type",
        "organization_id",
        "cloud_provider",
        "region",
        "multi_az",
        "cluster_dns",
        "supported_instance_type",
        "kafkas_link",
        "capacity_column",
        "available_strimzi_versions",
        "dynamic_capacity_info",
        "client_id",
        "created_at",
        "updated_at",
        "reconcile_failures",
        "last_reconcile_error",
        "next_reconcile_at",
        "audit_entries",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("clusters.operate_cluster")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)
        # One census query for the whole page, not one per row: each row carries its units.
        used = capacity.units_on_clusters([c.cluster_id for c in changelist.result_list])
        for cluster in changelist.result_list:
            cluster.units_used = used
        return changelist

    @admin.display(description="Kafkas")
    def kafkas_link(self, cluster: Cluster) -> str:
        if not cluster.cluster_id:
            return "-"
        url = reverse("admin:kafkas_kafkarequest_changelist")
        return format_html(
            '<a href="{}?{}">Kafkas on this cluster</a>', url, urlencode({"cluster_id": cluster.cluster_id})
        )

    @admin.display(description="capacity (used/max units)")
    def capacity_column(self, cluster: Cluster) -> str:
        used = getattr(cluster, "units_used", None)
        return capacity.summary(cluster, used if used is not None else capacity.units_on_clusters([cluster.cluster_id]))

    @admin.display(description="entries")
    def audit_entries(self, cluster: Cluster) -> str:
        return audit_trail("cluster", cluster.pk)

    @admin.action(description="Cordon: place no new Kafka on the selected clusters", permissions=["operate"])
    def cordon(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(
            self,
            request,
            rows,
            "cordoned",
            lambda c: services.cluster_set_schedulable(actor=actor, cluster_pk=c.pk, schedulable=False),
        )

    @admin.action(description="Uncordon: let the selected clusters take new Kafkas", permissions=["operate"])
    def uncordon(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(
            self,
            request,
            rows,
            "uncordoned",
            lambda c: services.cluster_set_schedulable(actor=actor, cluster_pk=c.pk, schedulable=True),
        )

    @admin.action(description="Deprovision the selected empty clusters", permissions=["operate"])
    def deprovision(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(
            self,
            request,
            rows,
            "deprovisioned",
            lambda c: services.cluster_admin_deprovision(actor=actor, cluster_pk=c.pk),
        )


@admin.register(ScalingDecision)
class ScalingDecisionAdmin(admin.ModelAdmin):
    """What the dynamic scaler decided and why; dry runs included. Read-only history."""

    list_display = ("created_at", "action", "cloud_provider", "region", "instance_type", "cluster", "dry_run", "reason")
    list_filter = ("action", "dry_run", "cloud_provider", "region")
    list_select_related = ("cluster",)
    ordering = ("-created_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@register_panel("Clusters: capacity used / max per instance type", order=40, permission="clusters.view_cluster")
def cluster_capacity(request: HttpRequest) -> Table:
    clusters = list(Cluster.objects.exclude(status__in=DELETING_STATUSES).order_by("cloud_provider", "region")[:50])
    used = capacity.units_on_clusters([c.cluster_id for c in clusters])
    rows = [
        (
            format_html(
                '<a href="{}">{}</a>', reverse("admin:clusters_cluster_change", args=[c.pk]), c.cluster_id or c.pk
            ),
            c.status,
            "yes" if c.schedulable else "cordoned",
            f"{c.cloud_provider}/{c.region}",
            capacity.summary(c, used),
        )
        for c in clusters
    ]
    return Table(
        ("cluster", "status", "schedulable", "region", "units used/max"),
        rows,
        empty="no data-plane cluster",
        more_url=reverse("admin:clusters_cluster_changelist"),
        more_text="all clusters",
    )


register_count("data-plane clusters", lambda: Cluster.objects.exclude(status__in=DELETING_STATUSES).count())
