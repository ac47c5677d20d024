"""Request-wide behaviour of the API: operation ids, upstream path handling, and refusing bad requests early."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import DisallowedHost, TooManyFieldsSent
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

from fleetmanager import errors, logs, metrics
from fleetmanager.api.exception_handler import json_error
from fleetmanager.ids import new_xid

logger = logging.getLogger("fleetmanager.api")

API_PREFIX = "/api/kafkas_mgmt"
OPERATION_ID_HEADER = "X-Operation-ID"


class OperationIdMiddleware:
    """Give every request an operation id (an xid), echoed in ``X-Operation-ID``.

    Error bodies carry the same id as ``operation_id``, so a user can quote one
    string and the SRE finds the request in the logs: every line logged while the
    request runs (and by the reconciler tasks it kicks) carries it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.operation_id = new_xid()
        logs.clear()  # a thread serves many requests: nothing of the previous one may leak
        with logs.bound(operation_id=request.operation_id):
            response = self.get_response(request)
        response[OPERATION_ID_HEADER] = request.operation_id
        if request.path.startswith(API_PREFIX):
            # Replies depend on who asks (org visibility); shared caches must not mix them.
            response["Vary"] = "Authorization"
        return response


class InboundMetricsMiddleware:
    """Upstream's ``api_inbound_request_count`` / ``_duration`` for every request under the API.

    Labelled by method, route template (``/api/kafkas_mgmt/v1/kafkas/-``, so ids never make
    new series) and status code; requests refused before routing count under ``-``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        labels = {
            "method": request.method or "",
            "path": metrics.route_label(match.route if match else None),
            "code": str(response.status_code),
        }
        metrics.API_INBOUND_COUNT.inc(**labels)
        metrics.API_INBOUND_DURATION.labels(**labels).observe(time.perf_counter() - started)
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


class RequestGuardMiddleware:
    """Refuse, in the upstream JSON shape, what Django would answer with an HTML page or read unbounded.

    For every request under the API prefix, whatever its method: a Host header outside
    ``ALLOWED_HOSTS`` (400/21), more query parameters than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``
    (400/21), a body larger than ``FLEET_MAX_REQUEST_BODY_BYTES`` (400/17, judged from
    Content-Length without reading it). A chunked body (no Content-Length) is read here, up
    to the limit, when the server has de-chunked it (gunicorn sets ``wsgi.input_terminated``),
    so the views see it like any other body; otherwise it is refused (400/17) rather than
    silently taken as empty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            refusal = self._refusal(request)
            if refusal is not None:
                return json_error(request, refusal)
        return self.get_response(request)

    def _refusal(self, request: HttpRequest) -> errors.ServiceError | None:
        try:
            request.get_host()
        except DisallowedHost:
            host = request.META.get("HTTP_HOST", "")[:100]
            return errors.bad_request(f"the Host header '{host}' is not one this service answers to")
        try:
            request.GET  # noqa: B018 (parsed now, so a flood of fields is refused here)
        except TooManyFieldsSent:
            return errors.bad_request(
                f"too many query parameters: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} are accepted"
            )
        return _body_refusal(request)


def _body_refusal(request: HttpRequest) -> errors.ServiceError | None:
    limit = settings.FLEET_MAX_REQUEST_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH")
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if declared not in (None, "") and not chunked:
        try:
            length = int(declared)
        except ValueError:
            return errors.ServiceError(errors.MALFORMED_REQUEST, f"invalid Content-Length header '{declared[:40]}'")
        if length > limit:
            return _too_large(limit)
        return None
    if not chunked:
        return None  # no body
    if not request.META.get("wsgi.input_terminated"):
        return errors.ServiceError(
            errors.MALFORMED_REQUEST, "a chunked request body cannot be read here: send a Content-Length header"
        )
    body = request.META["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        return _too_large(limit)
    # From here on the request looks like one sent with a Content-Length.
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = LimitedStream(io.BytesIO(body), len(body))  # noqa: SLF001 (Django reads the body from here)
    return None


def _too_large(limit: int) -> errors.ServiceError:
    return errors.ServiceError(errors.MALFORMED_REQUEST, f"request body is larger than {limit} bytes")
