from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from fleetmanager.console import Table, register_panel
from fleetmanager.models import AuditEntry, LeaderLease


class ReadOnlyAdmin(admin.ModelAdmin):
    """History and leases: written by the system, never edited or deleted from the console."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LeaderLease)
class LeaderLeaseAdmin(ReadOnlyAdmin):
    """Who leads each kind of global work right now. Read-only: leases are taken by the workers."""

    list_display = ("lease_type", "leader", "expires", "held", "fencing_token", "updated_at")
    ordering = ("lease_type",)

    @admin.display(boolean=True)
    def held(self, lease: LeaderLease) -> bool:
        return bool(lease.leader and lease.expires and lease.expires > timezone.now())


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail: every admin API call, console action and CLI write, done or refused."""

    list_display = ("created_at", "actor", "actor_kind", "action", "object_link", "outcome", "summary")
    list_filter = ("outcome", "object_type", "action", "actor_kind", "created_at")
    search_fields = ("=object_id", "actor", "action", "=operation_id")
    date_hierarchy = "created_at"
    list_per_page = 100
    show_full_result_count = False
    fields = (
        "created_at",
        "actor_kind",
        "actor",
        "source_address",
        "action",
        "object_type",
        "object_id",
        "outcome",
        "error",
        "changes_text",
        "request_text",
        "operation_id",
    )
    readonly_fields = fields

    @admin.display(description="object", ordering="object_id")
    def object_link(self, entry: AuditEntry) -> str:
        return format_html("{} <code>{}</code>", entry.object_type, entry.object_id)

    @admin.display(description="changes / error")
    def summary(self, entry: AuditEntry) -> str:
        if entry.error:
            return entry.error[:200]
        return ", ".join(f"{field}: {before!r} → {after!r}" for field, (before, after) in entry.changes.items())

    @admin.display(description="changes")
    def changes_text(self, entry: AuditEntry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(entry.changes, indent=2, sort_keys=True))

    @admin.display(description="request")
    def request_text(self, entry: AuditEntry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(entry.request, indent=2, sort_keys=True))


@register_panel("Leases: who leads each reconciler", order=50, permission="fleetmanager.view_leaderlease")
def leases_panel(request: HttpRequest) -> Table:
    now = timezone.now()
    rows = [
        (
            lease.lease_type,
            lease.leader or "(nobody)",
            lease.expires,
            "held" if lease.expires and lease.expires > now else "expired",
        )
        for lease in LeaderLease.objects.order_by("lease_type")
    ]
    return Table(("lease", "holder", "expires", "state"), rows, empty="no lease taken yet")


@register_panel("Recent audit entries", order=60, permission="fleetmanager.view_auditentry")
def recent_audit(request: HttpRequest) -> Table:
    rows = [
        (
            # Formatted before format_html, which escapes its arguments into strings first.
            format_html(
                '<a href="{}">{}</a>',
                reverse("admin:fleetmanager_auditentry_change", args=[e.pk]),
                f"{timezone.localtime(e.created_at):%H:%M:%S}",
            ),
            e.actor,
            e.action,
            f"{e.object_type} {e.object_id}",
            e.outcome,
        )
        for e in AuditEntry.objects.all()[:10]
    ]
    return Table(
        ("when", "who", "action", "object", "outcome"),
        rows,
        empty="nothing audited yet",
        more_url=reverse("admin:fleetmanager_auditentry_changelist"),
        more_text="the audit trail",
    )
