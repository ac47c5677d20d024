"""Cross-cutting tables owned by the project itself (no app owns them)."""

from __future__ import annotations

from django.db import models


class StatusChange(models.Model):
    """One status change of a row: the history every state machine writes in the same transaction.

    Concrete histories (Kafkas, clusters) add the key of the row they describe.
    """

    from_status = models.CharField(max_length=64, blank=True, default="")
    to_status = models.CharField(max_length=64)
    reason = models.TextField(blank=True, default="")
    # Who caused it: a username, an SRE, "system" (a reconciler) or "data plane agent".
    actor = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class DistributedLock(models.Model):
    """A named row to lock with SELECT ... FOR UPDATE (upstream `distributed_locks`).

    Holding the row lock serialises a critical section across every process and
    replica, for as long as the surrounding transaction lasts.
    """

    id = models.CharField(primary_key=True, max_length=64)

    class Meta:
        db_table = "distributed_locks"

    def __str__(self) -> str:
        return self.id


class LeaderLease(models.Model):
    """Who leads one kind of global work (upstream `leader_leases`), and until when.

    Taking or renewing the lease is one UPDATE on the database clock
    (``fleetmanager.leases``). ``fencing_token`` grows every time the lease
    changes hands, so a former leader's writes can be told apart and refused.
    """

    lease_type = models.CharField(primary_key=True, max_length=64)
    leader = models.CharField(max_length=128, blank=True, default="")
    expires = models.DateTimeField(null=True, blank=True)
    fencing_token = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "leader_leases"
        ordering = ["lease_type"]

    def __str__(self) -> str:
        return f"{self.lease_type}: {self.leader or '(nobody)'} until {self.expires}"


class AuditOutcome(models.TextChoices):
    DONE = "done"
    REFUSED = "refused"  # the rules said no (a ServiceError, a forbidden transition): nothing changed
    FAILED = "failed"  # something broke (an unexpected exception): nothing is known to have changed


class AuditEntry(models.Model):
    """One thing a person (or the CLI) did or tried to do to the fleet: who, what, when, from where, and how it went.

    Written only by ``fleetmanager.audit``, never changed or deleted (the console shows them read-only).
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # token (admin API), staff (console), cli or system; actor names the principal or user.
    actor_kind = models.CharField(max_length=16)
    actor = models.CharField(max_length=255, db_index=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    # e.g. "kafka.update", "kafka.suspend", "cluster.cordon"
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    outcome = models.CharField(max_length=16, choices=AuditOutcome.choices, db_index=True)
    # {"field": [before, after]} of the fields that changed
    changes = models.JSONField(default=dict, blank=True)
    # what was asked for (an API request body, an action's form), secrets left out
    request = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    # the API request's operation id (X-Operation-ID), so the entry and the request's logs meet
    operation_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        db_table = "audit_entries"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type} {self.object_id}"
