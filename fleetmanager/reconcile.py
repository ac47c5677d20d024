"""Building blocks shared by every reconciler: row claims, backoff and per-pass metrics.

Per-instance work is shared by any number of workers without a leader: a worker
*claims* due rows (``select_for_update(skip_locked=True)``) by pushing their
``next_reconcile_at`` into the future, commits, and only then does the slow work
outside any transaction. Other workers skip claimed rows. Claims are short
(``FLEET_CLAIM_SECONDS``, 12 s) and a worker keeps the rows it still has to work
on claimed with ``kept_claimed`` (a heartbeat); a worker that dies stops renewing,
so its rows are due again within the claim time and picked up by the next pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone

from fleetmanager import metrics
from fleetmanager.outage import database_outage, database_unavailable

logger = logging.getLogger("fleetmanager.reconcile")

MAX_BACKOFF = timedelta(minutes=5)
FIRST_BACKOFF_SECONDS = 5


def due() -> Q:
    return Q(next_reconcile_at__isnull=True) | Q(next_reconcile_at__lte=timezone.now())


def claim(queryset: models.QuerySet, *, limit: int, claim_for: timedelta) -> list[str]:
    """Claim up to ``limit`` due rows of ``queryset`` (oldest change first); returns their ids."""
    with transaction.atomic():
        ids = list(
            queryset.select_for_update(skip_locked=True)
            .filter(due())
            .order_by("updated_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            queryset.model.objects.filter(pk__in=ids).update(next_reconcile_at=timezone.now() + claim_for)
    return ids


class Claims:
    """The rows a worker has claimed and not finished yet; the heartbeat renews these."""

    def __init__(self, model: type[models.Model], pks: list[str], claim_for: timedelta) -> None:
        self.model = model
        self.claim_for = claim_for
        self._pending = set(pks)
        self._lock = threading.Lock()

    def done(self, pk: str) -> None:
        """Stop renewing ``pk``'s claim (call before the row's release or backoff is written)."""
        with self._lock:
            self._pending.discard(pk)

    def renew(self) -> None:
        with self._lock:
            pending = list(self._pending)
            if pending:
                # Only rows still claimed (due in the future): a released row (NULL) is left alone.
                self.model.objects.filter(pk__in=pending, next_reconcile_at__gt=timezone.now()).update(
                    next_reconcile_at=timezone.now() + self.claim_for
                )


@contextmanager
def kept_claimed(model: type[models.Model], pks: list[str], claim_for: timedelta) -> Iterator[Claims]:
    """Renew the claims on ``pks`` every third of ``claim_for`` until each is marked ``done``."""
    claims = Claims(model, pks, claim_for)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(claim_for.total_seconds() / 3):
                try:
                    claims.renew()
                except DatabaseError as exc:  # the claims may lapse: the work is idempotent, CAS protects state
                    logger.warning("could not renew %s claims: %s", model.__name__, exc)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"claims-{model.__name__}", daemon=True)
    thread.start()
    try:
        yield claims
    finally:
        stop.set()
        thread.join()


def release(model: type[models.Model], pk: str) -> None:
    """The step finished: the row is due again whenever its status calls for work."""
    model.objects.filter(pk=pk).update(next_reconcile_at=None, reconcile_failures=0, last_reconcile_error="")


def back_off(model: type[models.Model], pk: str, failures: int, error: str) -> timedelta:
    """Record the error and push the next attempt back: 5 s, 10 s, 20 s, ... up to 5 minutes."""
    delay = min(timedelta(seconds=FIRST_BACKOFF_SECONDS * 2 ** min(failures, 10)), MAX_BACKOFF)
    model.objects.filter(pk=pk).update(
        next_reconcile_at=timezone.now() + delay,
        reconcile_failures=failures + 1,
        last_reconcile_error=error[:2000],
    )
    return delay


_LOGGED = "_fleet_logged"


def mark_logged(exc: BaseException) -> None:
    """Note on ``exc`` that it has been logged, so whoever catches it next does not log it again."""
    setattr(exc, _LOGGED, True)


def was_logged(exc: BaseException) -> bool:
    return getattr(exc, _LOGGED, False)


@dataclass
class PassStats:
    errors: int = 0
    processed: int = 0


@contextmanager
def reconcile_pass(worker_type: str) -> Iterator[PassStats]:
    """Time one pass and count it as a success, or a failure with its number of errors."""
    stats = PassStats()
    started = time.monotonic()
    try:
        yield stats
    except Exception as exc:
        stats.errors += 1
        if database_unavailable(exc):
            database_outage.report(exc, f"{worker_type} reconciler")  # once per outage, not every tick
        else:
            # Logged here, with the live traceback (Sentry's event too): django-q only records it as text.
            logger.exception("%s: the reconcile pass failed", worker_type)
        mark_logged(exc)
        raise
    finally:
        metrics.RECONCILER_DURATION.labels(worker_type=worker_type).set(time.monotonic() - started)
        if stats.errors:
            metrics.RECONCILER_FAILURE.inc(worker_type=worker_type)
            metrics.RECONCILER_ERRORS.inc(stats.errors, worker_type=worker_type)
        else:
            metrics.RECONCILER_SUCCESS.inc(worker_type=worker_type)
