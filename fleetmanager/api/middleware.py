"""Request-wide behaviour of the API: operation ids and upstream path handling."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from fleetmanager import errors
from fleetmanager.api.exception_handler import json_error
from fleetmanager.ids import new_xid

API_PREFIX = "/api/kafkas_mgmt"
OPERATION_ID_HEADER = "X-Operation-ID"


class OperationIdMiddleware:
    """Give every request an operation id (an xid), echoed in ``X-Operation-ID``.

    Error bodies carry the same id as ``operation_id``, so a user can quote one
    string and the SRE finds the request in the logs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.operation_id = new_xid()
        response = self.get_response(request)
        response[OPERATION_ID_HEADER] = request.operation_id
        if request.path.startswith(API_PREFIX):
            # Replies depend on who asks (org visibility); shared caches must not mix them.
            response["Vary"] = "Authorization"
        return response


class StripTrailingSlashMiddleware:
    """Upstream strips one trailing ``/`` from API paths before routing; so do we."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith(API_PREFIX) and len(path) > 1 and path.endswith("/"):
            request.path_info = path.rstrip("/")
            request.path = request.path.rstrip("/")
        return self.get_response(request)


class RejectNulCharactersMiddleware:
    """NUL (``%00``) anywhere in an API URL is refused before a view runs.

    PostgreSQL cannot hold NUL in text, so an id or a search value carrying one would
    otherwise fail inside the database as a 500. No resource can have such an id (404/7);
    a query parameter with one is a malformed request (400/17). Bodies are checked by
    the JSON parser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            if "\x00" in request.path_info:
                return json_error(request, errors.not_found("no resource has a NUL character in its path"))
            if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
                return json_error(
                    request, errors.bad_request("NUL characters (%00) are not allowed in query parameters")
                )
        return self.get_response(request)
