"""Leader leases with fencing tokens, on the database clock.

Global decisions (placing Kafkas on clusters, scaling the fleet) must be taken by
one process at a time. A process *holds* a lease while ``expires`` lies in the
future; taking or renewing it is a single conditional UPDATE evaluated with the
database's ``now()``, so replicas with skewed clocks agree on who leads.

Each change of holder increments ``fencing_token``. A leader runs its writes
inside ``fenced(lease)``: the lease row is locked and checked (still ours, same
token, not expired) in the same transaction as the writes, so a leader that
paused past its expiry and lost the lease cannot commit anything afterwards.
Side effects outside the database cannot be fenced; they must be idempotent.

Leases are short (``FLEET_LEASE_SECONDS``, 8 s) so a dead leader's work is taken
over quickly; a live leader keeps its lease with ``kept_alive(lease)``, a heartbeat
that renews it every third of its duration for as long as the leader works.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Case, DateTimeField, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Now

from fleetmanager import metrics
from fleetmanager.models import LeaderLease

logger = logging.getLogger("fleetmanager.leases")


class LeaseLost(Exception):
    """The lease expired or changed hands; the fenced work was rolled back."""


def holder_id() -> str:
    """A new holder name, unique across hosts and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


_process_holder: tuple[int, str] | None = None


def process_holder() -> str:
    """This process's holder name, stable across passes so it renews its own leases.

    Worker processes are forked; a child gets a name of its own.
    """
    global _process_holder
    if _process_holder is None or _process_holder[0] != os.getpid():
        _process_holder = (os.getpid(), holder_id())
    return _process_holder[1]


@dataclass(frozen=True, slots=True)
class Lease:
    lease_type: str
    holder: str
    fencing_token: int


def acquire(lease_type: str, holder: str, duration: timedelta | None = None) -> Lease | None:
    """Take the lease if it is free or expired, or renew it if ``holder`` has it. None if taken.

    ``duration`` defaults to FLEET_LEASE_SECONDS.
    """
    duration = duration or timedelta(seconds=settings.FLEET_LEASE_SECONDS)
    LeaderLease.objects.bulk_create([LeaderLease(lease_type=lease_type)], ignore_conflicts=True)
    with transaction.atomic():
        updated = LeaderLease.objects.filter(
            Q(lease_type=lease_type) & (Q(expires__isnull=True) | Q(expires__lte=Now()) | Q(leader=holder))
        ).update(
            # A renewal keeps the token; a change of holder (or a lapsed lease) gets a new one.
            fencing_token=Case(
                When(Q(leader=holder) & Q(expires__gt=Now()), then=F("fencing_token")),
                default=F("fencing_token") + 1,
            ),
            leader=holder,
            expires=ExpressionWrapper(Now() + Value(duration), output_field=DateTimeField()),
            updated_at=Now(),
        )
        if updated != 1:
            metrics.LEADER_WORKER.labels(worker_type=lease_type).set(0)
            return None
        token = LeaderLease.objects.filter(lease_type=lease_type).values_list("fencing_token", flat=True).get()
    metrics.LEADER_WORKER.labels(worker_type=lease_type).set(1)
    return Lease(lease_type=lease_type, holder=holder, fencing_token=token)


def renew(lease: Lease, duration: timedelta | None = None) -> bool:
    """Extend ``lease`` if it is still ours (same holder and token, not expired); False once it is lost.

    Unlike ``acquire`` it never takes the lease again: a lease that lapsed has been, or
    may be, taken over, and its holder must stop.
    """
    duration = duration or timedelta(seconds=settings.FLEET_LEASE_SECONDS)
    renewed = LeaderLease.objects.filter(
        lease_type=lease.lease_type, leader=lease.holder, fencing_token=lease.fencing_token, expires__gt=Now()
    ).update(expires=ExpressionWrapper(Now() + Value(duration), output_field=DateTimeField()), updated_at=Now())
    return bool(renewed)


@contextmanager
def kept_alive(lease: Lease) -> Iterator[None]:
    """Renew ``lease`` in the background while the block runs, every third of its duration.

    A pass longer than the lease keeps it; a process that dies stops renewing, and the
    lease lapses within FLEET_LEASE_SECONDS for another process to take over.
    """
    stop = threading.Event()
    interval = settings.FLEET_LEASE_SECONDS / 3

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    if not renew(lease):
                        logger.warning("lease %s lost by %s; its holder stops renewing", lease.lease_type, lease.holder)
                        return
                except DatabaseError as exc:  # the database is away: the lease may lapse, fencing keeps us safe
                    logger.warning("could not renew lease %s: %s", lease.lease_type, exc)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"lease-{lease.lease_type}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def release(lease: Lease) -> None:
    """Give the lease up early (clean shutdown), so another process need not wait for expiry."""
    LeaderLease.objects.filter(
        lease_type=lease.lease_type, leader=lease.holder, fencing_token=lease.fencing_token
    ).update(expires=Now())


def check(lease: Lease) -> None:
    """Inside a transaction: lock the lease row and raise LeaseLost unless it is still ours."""
    still_ours = (
        LeaderLease.objects.select_for_update()
        .filter(
            lease_type=lease.lease_type,
            leader=lease.holder,
            fencing_token=lease.fencing_token,
            expires__gt=Now(),
        )
        .exists()
    )
    if not still_ours:
        raise LeaseLost(f"lease {lease.lease_type} (token {lease.fencing_token}) is no longer held by {lease.holder}")


@contextmanager
def fenced(lease: Lease) -> Iterator[None]:
    """A transaction that commits only if ``lease`` is still held when it starts.

    The lease row stays locked until commit, so nobody can take the lease over
    while the fenced writes are in flight.
    """
    with transaction.atomic():
        check(lease)
        yield


def holders() -> list[LeaderLease]:
    return list(LeaderLease.objects.all())
