"""Cross-cutting tables owned by the project itself (no app owns them)."""

from __future__ import annotations

from django.db import models


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
