"""Liveness (`/healthz`) and readiness (`/readyz`) for probes and load balancers.

- ``/healthz``: the process serves requests. It reads nothing else, so an outage of the
  database never makes an orchestrator restart every replica (which would not help).
- ``/readyz``: this replica can do its job: the database answers and every migration of
  the code is applied (a replica of a new release waits for `migrate`). ``503`` names the
  reason without the database's address or the driver's message, which go to the log.

Both are answered by a middleware placed first, before the host check: probes (the
kubelet, a cloud load balancer, Docker's HEALTHCHECK) address the pod or container by its
IP, which is not one of ``ALLOWED_HOSTS``, and they should not count as API traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("fleetmanager.health")

LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"

# Once every migration was seen applied, this process's code cannot find one missing again
# (migrations are not rolled back under a running release): later checks only ping the database.
_migrations_applied = False


def pending_migrations() -> list[str]:
    """Migrations of this code that the database has not applied, as ``app.name``."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def readiness() -> tuple[int, dict[str, str]]:
    """The HTTP status and body of ``/readyz``."""
    global _migrations_applied
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        pending = [] if _migrations_applied else pending_migrations()
    except DatabaseError as exc:  # any database failure means "not ready"
        logger.error("readiness: the database is unreachable: %s", exc)
        return 503, {"status": "unavailable", "database": "unreachable"}
    if pending:
        logger.warning("readiness: %d migrations are not applied: %s", len(pending), ", ".join(pending))
        return 503, {"status": "unavailable", "migrations": f"{len(pending)} not applied: {', '.join(pending)}"}
    _migrations_applied = True
    return 200, {"status": "ok"}


class HealthCheckMiddleware:
    """Answers the two probe paths before anything else runs (host check, sessions, metrics)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == LIVENESS_PATH:
            return JsonResponse({"status": "ok"})
        if request.path_info == READINESS_PATH:
            status, body = readiness()
            return JsonResponse(body, status=status)
        return self.get_response(request)
