"""Kick a reconciler after the current transaction commits.

API writes call ``kick`` so a new Kafka does not wait for the next periodic
resync; the schedule remains the safety net, so a kick that cannot be enqueued
is logged and otherwise harmless.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django_q.tasks import async_task

logger = logging.getLogger("fleetmanager.kicks")


def kick(task: str, *args: Any) -> None:
    """Enqueue the task at dotted path ``task`` with ``args`` once the transaction commits."""

    def enqueue() -> None:
        try:
            async_task(task, *args, group=task.rsplit(".", 1)[-1], save=False)
        except Exception:  # the broker is the database; the periodic resync will pick the work up
            logger.exception("could not enqueue %s%r; the next resync will do it", task, args)

    transaction.on_commit(enqueue)
