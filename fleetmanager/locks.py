"""Database row locks that serialise a critical section across processes and replicas."""

from __future__ import annotations

from django.db import transaction

from fleetmanager.models import DistributedLock


def lock(name: str) -> None:
    """Block until this transaction holds the lock ``name``; released at commit or rollback.

    Must be called inside ``transaction.atomic()``. The row is created on first use
    with an INSERT that ignores conflicts, so concurrent first users do not fail.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"lock({name!r}) needs an open transaction")
    DistributedLock.objects.bulk_create([DistributedLock(id=name)], ignore_conflicts=True)
    DistributedLock.objects.select_for_update().get(id=name)
