"""A database outage is logged once, not once per request or reconcile pass.

While PostgreSQL is away every API request answers 503 and every reconcile tick fails; a
traceback each time would bury the one line that matters (and whatever else happens) under
thousands of identical ones. The first failure of an outage is logged as a WARNING without
traceback; further failures within ``REPEAT_SECONDS`` are only counted, and the first one after
that says how many there were. Failures that are not the database being away (a deadlock, a
cancelled statement, a bug) are not outages: their callers log them in full.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import InterfaceError, OperationalError

logger = logging.getLogger("fleetmanager.database")

# Once a minute is enough to see from the logs that an outage still lasts.
REPEAT_SECONDS = 60.0

# SQLSTATE classes of a server that cannot be reached or is going away: 08 connection exception,
# 57P operator intervention (admin shutdown, crash shutdown, cannot connect now).
_UNAVAILABLE_STATES = ("08", "57P")


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached (down, restarting, connection lost)."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    # Django wraps the driver's error; a refused or lost connection carries no SQLSTATE at all.
    state = getattr(exc.__cause__, "pgcode", None)
    return state is None or state.startswith(_UNAVAILABLE_STATES)


class OutageLog:
    """Per process: logs the first failure of an outage, then at most one line every ``repeat`` seconds."""

    def __init__(self, repeat: float = REPEAT_SECONDS) -> None:
        self.repeat = repeat
        self._lock = threading.Lock()
        self._logged_at = 0.0
        self._last_failure: float | None = None
        self._unlogged = 0

    def report(self, exc: BaseException, where: str) -> None:
        now = time.monotonic()
        with self._lock:
            # A failure after a quiet spell starts a new outage; the count of the last one is stale.
            new_outage = self._last_failure is None or now - self._last_failure >= self.repeat
            self._last_failure = now
            if not new_outage and now - self._logged_at < self.repeat:
                self._unlogged += 1
                return
            repeats = 0 if new_outage else self._unlogged
            self._unlogged, self._logged_at = 0, now
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if repeats:
            logger.warning(
                "database still unavailable (%s): %s; %d more failures in the last %.0f s",
                where,
                reason,
                repeats,
                self.repeat,
            )
        else:
            logger.warning("database unavailable (%s): %s; further failures are counted, not logged", where, reason)

    def reset(self) -> None:
        with self._lock:
            self._logged_at, self._last_failure, self._unlogged = 0.0, None, 0


database_outage = OutageLog()
