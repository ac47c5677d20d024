"""SRE admin for the quota list and the access lists.

Rows from the configuration files show ``source`` 'configuration file': the next sync
(``manage.py sync_quota_config``, seed, the general reconciler) overwrites them, so
lasting changes belong in the file. Rows added here get ``source`` 'admin' and stay.
Each model's ``clean()`` rejects instance types and billing models the instance-types
file does not define.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from quota.models import (
    ACCESS_FILE,
    DENY_FILE,
    QUOTA_FILE,
    AllowedOrganisation,
    DeniedUser,
    GrantedBillingModel,
    QuotaGrant,
    QuotaOrganisation,
    QuotaServiceAccount,
    RegisteredUser,
)
from quota.services import entries


def file_rows_note(file: str) -> str:
    return (
        f"Rows with source 'configuration file' come from {file} and are overwritten (or deleted) on the next sync; "
        "rows added here get source 'admin' and are kept."
    )


class QuotaServicesAdmin(admin.ModelAdmin):
    """Saves and deletes, inline rows included, go through ``quota.services.entries``: its one writer."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        entries.quota_row_save(row=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        entries.quota_row_delete(row=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        entries.quota_rows_delete(rows=queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            entries.quota_row_delete(row=row)
        for row in rows:
            entries.quota_row_save(row=row)
        formset.save_m2m()


class NotedChangelist(QuotaServicesAdmin):
    """A list that says above its rows which ones the next sync overwrites."""

    list_note = ""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {"subtitle": self.list_note, **(extra_context or {})})


class SourcedAdmin(NotedChangelist):
    """A model with ``source``: shown, filtered on, read-only (new rows default to 'admin')."""

    readonly_fields: tuple[str, ...] = ("source", "created_at", "updated_at")
    list_filter: tuple[str, ...] = ("source",)
    show_full_result_count = False


class RegisteredUserInline(admin.TabularInline):
    model = RegisteredUser
    extra = 0


class GrantInline(admin.TabularInline):
    """Grants of an organisation or service account; their billing models are edited on the grant's page."""

    model = QuotaGrant
    extra = 0
    fields = ("instance_type_id", "billing_models_summary")
    readonly_fields = ("billing_models_summary",)
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuotaGrant]:
        return super().get_queryset(request).prefetch_related("billing_models")

    @admin.display(description="billing models")
    def billing_models_summary(self, grant: QuotaGrant) -> str:
        return summarise_billing_models(grant)


class OrganisationGrantInline(GrantInline):
    fk_name = "organisation"


class ServiceAccountGrantInline(GrantInline):
    fk_name = "service_account"


class GrantedBillingModelInline(admin.TabularInline):
    model = GrantedBillingModel
    extra = 0


def summarise_billing_models(grant: QuotaGrant) -> str:
    """'standard (5), eval' from prefetched billing models; none listed means standard, as in the file."""
    models = grant.billing_models.all()
    if not models:
        return "(none: standard)"
    return ", ".join(f"{bm.billing_model_id} ({bm.max_allowed_instances})" for bm in models)


@admin.register(QuotaOrganisation)
class QuotaOrganisationAdmin(SourcedAdmin):
    """Organisations whose registered users get quota; without grants, standard/standard as in the file."""

    list_note = file_rows_note(QUOTA_FILE)
    list_display = ("org_id", "any_user", "max_allowed_instances", "source", "updated_at")
    list_filter = ("source", "any_user")
    search_fields = ("org_id", "registered_users__username")
    ordering = ("org_id",)
    inlines = [RegisteredUserInline, OrganisationGrantInline]


@admin.register(QuotaServiceAccount)
class QuotaServiceAccountAdmin(SourcedAdmin):
    """Usernames with quota of their own, whatever their organisation."""

    list_note = file_rows_note(QUOTA_FILE)
    list_display = ("username", "max_allowed_instances", "source", "updated_at")
    search_fields = ("username",)
    ordering = ("username",)
    inlines = [ServiceAccountGrantInline]


@admin.register(QuotaGrant)
class QuotaGrantAdmin(NotedChangelist):
    """A grant of one instance type with its billing models; the holder's source says where it comes from."""

    list_note = (
        "Grants of organisations and service accounts with source 'configuration file' come from "
        f"{QUOTA_FILE} and are replaced on the next sync; grants of 'admin' ones are kept."
    )
    list_display = ("instance_type_id", "organisation", "service_account", "billing_models_list", "holder_source")
    list_select_related = ("organisation", "service_account")
    list_filter = ("instance_type_id", "organisation__source", "service_account__source")
    search_fields = ("organisation__org_id", "service_account__username", "instance_type_id")
    raw_id_fields = ("organisation", "service_account")
    inlines = [GrantedBillingModelInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[QuotaGrant]:
        return super().get_queryset(request).prefetch_related("billing_models")

    @admin.display(description="billing models")
    def billing_models_list(self, grant: QuotaGrant) -> str:
        return summarise_billing_models(grant)

    @admin.display(description="source")
    def holder_source(self, grant: QuotaGrant) -> str:
        holder = grant.holder
        return holder.get_source_display() if holder else "-"


@admin.register(DeniedUser)
class DeniedUserAdmin(SourcedAdmin):
    """Users refused by the public API (403/4) whose Kafkas are deprovisioned."""

    list_note = file_rows_note(DENY_FILE)
    list_display = ("username", "source", "note", "updated_at")
    search_fields = ("username", "note")
    ordering = ("username",)


@admin.register(AllowedOrganisation)
class AllowedOrganisationAdmin(SourcedAdmin):
    """Organisations let in while the access list is enforced (service maintenance)."""

    list_note = file_rows_note(ACCESS_FILE)
    list_display = ("org_id", "source", "note", "updated_at")
    search_fields = ("org_id", "note")
    ordering = ("org_id",)
