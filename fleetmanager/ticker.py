"""Each reconciler process runs the periodic passes every few seconds, not only once a minute.

django-q2's schedules run at most once a minute, so alone they would leave a dead leader's
leases and claims unworked for up to a minute after they lapse. Every `qcluster` process
also runs a ticker thread that runs the passes every `FLEET_RECONCILE_TICK_SECONDS` (2):
a live leader renews its leases as it works, and when it dies another process takes its
leases over within `FLEET_LEASE_SECONDS` plus one tick, and works its claimed rows within
`FLEET_CLAIM_SECONDS` plus one tick. A pass with nothing to do costs a few cheap queries.
The schedules stay, as the safety net.
"""

from __future__ import annotations

import logging
import sys
import threading

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from fleetmanager.outage import database_outage, database_unavailable
from fleetmanager.reconcile import was_logged
from fleetmanager.schedules import TICK_PASSES

logger = logging.getLogger("fleetmanager.ticker")

_started = threading.Event()


def run_passes() -> None:
    """One round of the tick's passes; a failing pass is logged and never stops the others."""
    for name, path in TICK_PASSES.items():
        try:
            import_string(path)()
        except Exception as exc:
            # A reconcile pass logs its own failure (fleetmanager.reconcile): once is enough.
            if was_logged(exc):
                continue
            if database_unavailable(exc):  # e.g. taking a lease before the pass began
                database_outage.report(exc, f"{name} tick")
            else:
                logger.exception("reconcile pass %s failed; the next tick retries", name)
        finally:
            # Between ticks this thread holds no connection: qcluster forks its workers from this
            # process, and a forked child must not inherit (and later close) a live one.
            connection.close()


def _loop(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        run_passes()


def start(interval: float | None = None) -> threading.Event | None:
    """Start the ticker thread of this process (once); returns the event that stops it."""
    interval = settings.FLEET_RECONCILE_TICK_SECONDS if interval is None else interval
    if interval <= 0 or _started.is_set():
        return None
    _started.set()
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop, interval), name="reconcile-ticker", daemon=True).start()
    logger.info("reconcile ticker: every %ss", interval)
    return stop


def start_in_reconciler_process() -> None:
    """Called at start-up: only `manage.py qcluster` processes tick."""
    if sys.argv[1:2] == ["qcluster"]:
        start()
