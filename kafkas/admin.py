"""Kafkas in the SRE console: read-only pages, actions that go through ``kafkas.services``, dashboard panels.

Nothing is edited in a form: every change is an action (deprovision, suspend, resume, retry now,
change versions) that calls the same audited service as the admin API, with the staff user as
the actor. A refusal changes nothing, is shown as an error message and is audited as refused.
Secrets (the canary client secret) are never shown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from fleetmanager.console import (
    InputFilter,
    Table,
    audit_trail,
    register_count,
    register_panel,
    run_on_each,
    staff_actor,
)
from kafkas import selectors, services
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange

S = KafkaStatus
# How long a Kafka may sit in a status before the dashboard calls it stuck (untouched for that long).
STATUS_SLO = {
    S.ACCEPTED: timedelta(minutes=10),
    S.PREPARING: timedelta(minutes=10),
    S.PROVISIONING: timedelta(minutes=30),
    S.DEPROVISION: timedelta(minutes=30),
    S.DELETING: timedelta(minutes=30),
    S.SUSPENDING: timedelta(minutes=30),
    S.RESUMING: timedelta(minutes=30),
}
SECRET_FIELDS = ("canary_service_account_client_secret",)


class OrganisationFilter(InputFilter):
    title = "organisation"
    parameter_name = "organisation_id"


class ClusterFilter(InputFilter):
    title = "cluster"
    parameter_name = "cluster_id"


class StatusChangeInline(admin.TabularInline):
    model = KafkaStatusChange
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


class VersionsForm(forms.Form):
    """The console's form of the admin PATCH: what is left empty is not changed."""

    strimzi_version = forms.CharField(required=False)
    kafka_version = forms.CharField(required=False)
    kafka_ibp_version = forms.CharField(required=False)
    max_data_retention_size = forms.CharField(required=False, help_text="may only grow, e.g. 2000Gi")


@admin.register(KafkaRequest)
class KafkaRequestAdmin(admin.ModelAdmin):
    """Kafkas for SREs: read-only pages, status changed only through the actions."""

    list_display = (
        "name",
        "id",
        "status",
        "organisation_id",
        "owner",
        "region_column",
        "cluster_link",
        "plan",
        "created_at",
        "reconcile_failures",
    )
    list_filter = ("status", "cloud_provider", "region", "instance_type", ClusterFilter, OrganisationFilter)
    search_fields = ("=id", "name", "owner", "=organisation_id")
    ordering = ("-created_at",)
    list_per_page = 200
    show_full_result_count = False
    inlines = [StatusChangeInline]
    actions = ["suspend", "resume", "deprovision", "retry_now", "change_versions"]
    change_form_template = "admin/kafkas/kafkarequest/change_form.html"
    fieldsets = (
        (None, {"fields": ("id", "name", "status", "failed_reason", "owner", "organisation_id", "owner_account_id")}),
        (
            "Placement",
            {"fields": ("cloud_provider", "region", "multi_az", "cluster_link", "namespace", "placement_id")},
        ),
        (
            "Size and billing",
            {
                "fields": (
                    "instance_type",
                    "size_id",
                    "max_data_retention_size",
                    "expires_at",
                    "quota_type",
                    "subscription_id",
                    "actual_kafka_billing_model",
                    "desired_kafka_billing_model",
                    "promotion_status",
                    "promotion_details",
                )
            },
        ),
        (
            "Endpoints",
            {
                "fields": (
                    "bootstrap_server_host",
                    "admin_api_server_url",
                    "routes",
                    "routes_created",
                    "canary_service_account_client_id",
                    "reauthentication_enabled",
                )
            },
        ),
        (
            "Versions",
            {
                "fields": (
                    "desired_strimzi_version",
                    "actual_strimzi_version",
                    "desired_kafka_version",
                    "actual_kafka_version",
                    "desired_kafka_ibp_version",
                    "actual_kafka_ibp_version",
                    "strimzi_upgrading",
                    "kafka_upgrading",
                    "kafka_ibp_upgrading",
                )
            },
        ),
        (
            "Reconciler",
            {"fields": ("created_at", "updated_at", "next_reconcile_at", "reconcile_failures", "last_reconcile_error")},
        ),
        ("Audit trail", {"fields": ("audit_entries",)}),
    )

    # --- read-only everywhere: no add, no edit form, no delete -------------------------------

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("kafkas.operate_kafkarequest")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [name for _, options in self.fieldsets for name in options["fields"]]

    # --- columns --------------------------------------------------------------------------

    @admin.display(description="region", ordering="region")
    def region_column(self, kafka: KafkaRequest) -> str:
        return f"{kafka.cloud_provider}/{kafka.region}"

    @admin.display(description="plan", ordering="instance_type")
    def plan(self, kafka: KafkaRequest) -> str:
        return f"{kafka.instance_type}.{kafka.size_id}"

    @admin.display(description="cluster", ordering="cluster_id")
    def cluster_link(self, kafka: KafkaRequest) -> str:
        if not kafka.cluster_id:
            return "-"
        url = reverse("admin:clusters_cluster_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, urlencode({"q": kafka.cluster_id}), kafka.cluster_id)

    @admin.display(description="entries")
    def audit_entries(self, kafka: KafkaRequest) -> str:
        return audit_trail("kafka", kafka.id)

    # --- actions: the same services as the admin API ----------------------------------------

    @admin.action(description="Suspend selected ready Kafkas", permissions=["operate"])
    def suspend(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(self, request, rows, "suspended", lambda k: services.kafka_suspend(actor=actor, kafka_id=k.id))

    @admin.action(description="Resume selected suspended Kafkas", permissions=["operate"])
    def resume(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(self, request, rows, "resumed", lambda k: services.kafka_resume(actor=actor, kafka_id=k.id))

    @admin.action(description="Deprovision (delete) selected Kafkas", permissions=["operate"])
    def deprovision(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(
            self,
            request,
            rows,
            "deprovisioned",
            lambda k: services.kafka_admin_deprovision(actor=actor, kafka_id=k.id, refuse_if_deleting=True),
        )

    @admin.action(description="Retry the reconciler now (forget the backoff)", permissions=["operate"])
    def retry_now(self, request: HttpRequest, rows: QuerySet) -> None:
        actor = staff_actor(request)
        run_on_each(self, request, rows, "retried", lambda k: services.kafka_retry_now(actor=actor, kafka_id=k.id))

    @admin.action(description="Change desired versions / retention size", permissions=["operate"])
    def change_versions(self, request: HttpRequest, rows: QuerySet) -> HttpResponse | None:
        form = VersionsForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            actor = staff_actor(request)
            update = services.AdminUpdate(**form.cleaned_data)
            run_on_each(
                self,
                request,
                rows,
                "updated",
                lambda k: services.kafka_admin_update(actor=actor, kafka_id=k.id, update=update),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Change desired versions",
            "form": form,
            "rows": rows,
            "opts": self.model._meta,
            "action": "change_versions",
        }
        return TemplateResponse(request, "admin/kafkas/kafkarequest/change_versions.html", context)


# --- dashboard panels -------------------------------------------------------------------------


def _changelist(**query: str) -> str:
    return f"{reverse('admin:kafkas_kafkarequest_changelist')}?{urlencode(query)}"


@register_panel("Kafkas by status", order=10, permission="kafkas.view_kafkarequest")
def kafkas_by_status(request: HttpRequest) -> Table:
    counts = selectors.status_counts()
    rows = [
        (format_html('<a href="{}">{}</a>', _changelist(status__exact=status), status), count)
        for status, count in counts.items()
        if count
    ]
    return Table(("status", "Kafkas"), rows, empty="no Kafkas", more_url=_changelist(), more_text="all Kafkas")


@register_panel("Kafkas stuck past their status SLO", order=20, permission="kafkas.view_kafkarequest")
def stuck_kafkas(request: HttpRequest) -> Table:
    now = timezone.now()
    rows = []
    for status, slo in STATUS_SLO.items():
        stuck = KafkaRequest.objects.filter(status=status, updated_at__lt=now - slo).order_by("updated_at")
        for kafka in stuck.only("id", "name", "status", "updated_at", "last_reconcile_error")[:10]:
            url = reverse("admin:kafkas_kafkarequest_change", args=[kafka.id])
            rows.append(
                (
                    format_html('<a href="{}">{}</a>', url, kafka.name),
                    status,
                    f"{(now - kafka.updated_at).total_seconds() / 60:.0f} min (SLO {slo.total_seconds() / 60:.0f})",
                    kafka.last_reconcile_error[:120],
                )
            )
    return Table(("Kafka", "status", "untouched for", "last reconcile error"), rows, empty="none: all within SLO")


@register_panel("Kafka reconciles failing now", order=30, permission="kafkas.view_kafkarequest")
def failing_kafkas(request: HttpRequest) -> Table:
    hour_ago = timezone.now() - timedelta(hours=1)
    failing = KafkaRequest.objects.filter(reconcile_failures__gt=0, updated_at__gte=hour_ago).order_by(
        "-reconcile_failures"
    )
    rows = [
        (
            format_html('<a href="{}">{}</a>', reverse("admin:kafkas_kafkarequest_change", args=[k.id]), k.name),
            k.status,
            k.reconcile_failures,
            k.last_reconcile_error[:160],
        )
        for k in failing.only("id", "name", "status", "reconcile_failures", "last_reconcile_error")[:20]
    ]
    return Table(("Kafka", "status", "failures", "last error"), rows, empty="none in the last hour")


register_count("Kafkas", lambda: KafkaRequest.objects.count())
