from django.contrib import admin
from django.utils import timezone

from fleetmanager.models import LeaderLease


@admin.register(LeaderLease)
class LeaderLeaseAdmin(admin.ModelAdmin):
    """Who leads each kind of global work right now. Read-only: leases are taken by the workers."""

    list_display = ("lease_type", "leader", "expires", "held", "fencing_token", "updated_at")
    ordering = ("lease_type",)

    @admin.display(boolean=True)
    def held(self, lease: LeaderLease) -> bool:
        return bool(lease.leader and lease.expires and lease.expires > timezone.now())

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
