"""The quota-management list and the access lists, as tables (BEHAVIOUR.md §7.2, §7.3, §7.5).

Rows come from two places, told apart by ``source``: the upstream-format YAML files
(``quota.services.sync.quota_sync_from_config`` makes the tables match them; the file wins on
a shared key) and the SRE admin (kept by the sync). The children of an organisation
or service account (registered users, grants, billing models) belong to it: the sync
replaces them together with their parent.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from fleetmanager.fleetconfig import fleet_config

QUOTA_FILE = "quota-management-list-configuration.yaml"
DENY_FILE = "deny-list-configuration.yaml"
ACCESS_FILE = "access-list-configuration.yaml"
INSTANCE_TYPES_FILE = "kafka-instance-types-configuration.yaml"


class Source(models.TextChoices):
    FILE = "file", "configuration file"
    ADMIN = "admin", "admin"


def _source_field(file: str) -> models.CharField:
    return models.CharField(
        max_length=8,
        choices=Source.choices,
        default=Source.ADMIN,
        db_index=True,
        help_text=(
            f"'configuration file': from {file}; the next sync overwrites this row, or deletes it when it is "
            "gone from the file. 'admin': made here; the sync keeps it unless the file defines the same key."
        ),
    )


def _max_allowed_field(fallback: str) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(
        default=0,
        help_text=f"Streaming units per instance type and billing model; 0: fall back to the {fallback}.",
    )


class QuotaOrganisation(models.Model):
    """An organisation of ``registered_users_per_organisation``: its users may create non-developer Kafkas."""

    org_id = models.CharField("organisation id", max_length=255, unique=True)
    any_user = models.BooleanField(
        default=False, help_text="Every user of the organisation is registered while no registered users are listed."
    )
    max_allowed_instances = _max_allowed_field("global maximum (FLEET_MAX_ALLOWED_INSTANCES)")
    source = _source_field(QUOTA_FILE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "quota_organisations"
        ordering = ["org_id"]
        verbose_name = "quota organisation"

    def __str__(self) -> str:
        return self.org_id


class RegisteredUser(models.Model):
    """A user registered in a quota organisation; when an organisation lists any, only they are registered."""

    # Part of its organisation's entry: it goes with it.
    organisation = models.ForeignKey(QuotaOrganisation, on_delete=models.CASCADE, related_name="registered_users")
    username = models.CharField(max_length=255)

    class Meta:
        db_table = "quota_registered_users"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "username"], name="%(app_label)s_%(class)s_unique_username_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.username


class QuotaServiceAccount(models.Model):
    """An entry of ``registered_service_accounts``: quota for one username, whatever its organisation."""

    username = models.CharField(max_length=255, unique=True)
    max_allowed_instances = _max_allowed_field("global maximum (FLEET_MAX_ALLOWED_INSTANCES)")
    source = _source_field(QUOTA_FILE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "quota_service_accounts"
        ordering = ["username"]
        verbose_name = "quota service account"

    def __str__(self) -> str:
        return self.username


class QuotaGrant(models.Model):
    """Quota for one instance type, granted to exactly one organisation or service account.

    An entry without grants is granted ``standard`` with the ``standard`` billing model, and a
    grant without billing models the ``standard`` billing model, as in the file.
    """

    # A grant is part of its holder's entry: it goes with it.
    organisation = models.ForeignKey(
        QuotaOrganisation, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    service_account = models.ForeignKey(
        QuotaServiceAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    instance_type_id = models.CharField(
        "instance type id", max_length=32, help_text=f"An instance type id of {INSTANCE_TYPES_FILE}."
    )

    class Meta:
        db_table = "quota_grants"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, service_account__isnull=True)
                | Q(organisation__isnull=True, service_account__isnull=False),
                name="%(app_label)s_%(class)s_exactly_one_holder",
                violation_error_message="A grant belongs to exactly one organisation or service account.",
            ),
            # NULL holders are distinct, so each constraint only binds grants of its own kind of holder.
            models.UniqueConstraint(
                fields=["organisation", "instance_type_id"], name="%(app_label)s_%(class)s_unique_type_per_org"
            ),
            models.UniqueConstraint(
                fields=["service_account", "instance_type_id"],
                name="%(app_label)s_%(class)s_unique_type_per_service_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instance_type_id} for {self.holder}"

    @property
    def holder(self) -> QuotaOrganisation | QuotaServiceAccount | None:
        return self.organisation or self.service_account

    def clean(self) -> None:
        known = fleet_config().instance_types.ids
        if self.instance_type_id and self.instance_type_id not in known:
            raise ValidationError(
                {
                    "instance_type_id": f"'{self.instance_type_id}' is not an instance type of {INSTANCE_TYPES_FILE} "
                    f"(known: {', '.join(known)})."
                }
            )


class GrantedBillingModel(models.Model):
    """A billing model of a grant, with its own limit and an optional expiry."""

    # Part of its grant: it goes with it.
    grant = models.ForeignKey(QuotaGrant, on_delete=models.CASCADE, related_name="billing_models")
    billing_model_id = models.CharField(
        "billing model id",
        max_length=32,
        help_text=f"A billing model the grant's instance type supports in {INSTANCE_TYPES_FILE}.",
    )
    max_allowed_instances = _max_allowed_field("organisation's or service account's maximum")
    expiration_date = models.DateTimeField(
        null=True, blank=True, help_text="From then on the limit is 0. Empty: never expires."
    )

    class Meta:
        db_table = "quota_granted_billing_models"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "billing_model_id"], name="%(app_label)s_%(class)s_unique_billing_model_per_grant"
            ),
        ]

    def __str__(self) -> str:
        return self.billing_model_id

    def clean(self) -> None:
        try:
            grant = self.grant
        except QuotaGrant.DoesNotExist:
            return  # the form reports the missing grant
        instance_type = fleet_config().instance_types.get(grant.instance_type_id)
        if instance_type is None or not self.billing_model_id:
            return  # the grant reports its unknown instance type
        if instance_type.billing_model(self.billing_model_id) is None:
            supported = ", ".join(bm.id for bm in instance_type.supported_billing_models)
            raise ValidationError(
                {
                    "billing_model_id": f"'{self.billing_model_id}' is not a billing model of instance type "
                    f"'{instance_type.id}' (supported: {supported})."
                }
            )


class DeniedUser(models.Model):
    """A user of the deny list: refused by the public API, their Kafkas deprovisioned (§7.5)."""

    username = models.CharField(max_length=255, unique=True)
    source = _source_field(DENY_FILE)
    note = models.TextField(blank=True, default="", help_text="Why; the sync leaves it as it is.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "quota_denied_users"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username


class AllowedOrganisation(models.Model):
    """An organisation of the access list: allowed in while the service is under maintenance (§7.5)."""

    org_id = models.CharField("organisation id", max_length=255, unique=True)
    source = _source_field(ACCESS_FILE)
    note = models.TextField(blank=True, default="", help_text="Why; the sync leaves it as it is.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "quota_allowed_organisations"
        ordering = ["org_id"]

    def __str__(self) -> str:
        return self.org_id


class PendingQuotaRelease(models.Model):
    """Quota to give back that the quota service refused to take when we tried (an outbox).

    A create that reserved AMS quota and then failed must release it; when AMS is
    unreachable at that moment, the release is recorded here and retried by the
    general reconciler until it succeeds, so no reservation is leaked.
    """

    quota_type = models.CharField(max_length=32)
    subscription_id = models.CharField(max_length=255)
    reason = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "quota_pending_releases"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.quota_type} subscription {self.subscription_id}"
