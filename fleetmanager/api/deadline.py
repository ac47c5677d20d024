"""The time a synchronous API request may spend calling integrations (SSO, OCM, AMS, Observatorium).

Each client has its own timeout and retries, tuned for reconcilers that can wait; a web worker
cannot: gunicorn kills one that takes longer than its ``--timeout``, and the client then gets
no answer at all. Under this deadline every attempt's timeout is cut to the time left and no
retry starts that could not finish, so the request fails in time with the upstream error code
and a reason naming the dependency.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from fleetmanager.integrations.http import deadline


class IntegrationDeadlineMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with deadline(settings.FLEET_INTEGRATION_DEADLINE_SECONDS):
            return self.get_response(request)
