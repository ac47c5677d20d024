"""Building blocks shared by every reconciler: row claims, backoff and per-pass metrics.

Per-instance work is shared by any number of workers without a leader: a worker
*claims* due rows (``select_for_update(skip_locked=True)``) by pushing their
``next_reconcile_at`` into the future, commits, and only then does the slow work
outside any transaction. Other workers skip claimed rows; a worker that dies
leaves its claims to expire, so the rows are picked up again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from fleetmanager import metrics

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
    except Exception:
        stats.errors += 1
        # Logged here, with the live traceback (Sentry's event too): django-q only records it as text.
        logger.exception("%s: the reconcile pass failed", worker_type)
        raise
    finally:
        metrics.RECONCILER_DURATION.labels(worker_type=worker_type).set(time.monotonic() - started)
        if stats.errors:
            metrics.RECONCILER_FAILURE.inc(worker_type=worker_type)
            metrics.RECONCILER_ERRORS.inc(stats.errors, worker_type=worker_type)
        else:
            metrics.RECONCILER_SUCCESS.inc(worker_type=worker_type)
