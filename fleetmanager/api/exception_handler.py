"""One exception handler: every error leaves the API in the upstream shape.

Domain code raises ``ServiceError``; DRF's own exceptions and anything unexpected
are translated here. Unexpected exceptions are logged with their traceback and
answered with 500/9 and no detail, so no stack trace reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from fleetmanager.api import errors

logger = logging.getLogger("fleetmanager.api")


def operation_id_of(request: Any) -> str | None:
    """The operation id of a Django or DRF request (set by OperationIdMiddleware)."""
    django_request = getattr(request, "_request", request)
    return getattr(django_request, "operation_id", None)


def error_response(error: errors.ServiceError, request: Any = None) -> Response:
    body = error.definition.as_dict(reason=error.reason, operation_id=operation_id_of(request))
    log = logger.error if error.http_status >= 500 else logger.info
    log("%s %s -> %s", getattr(request, "method", "-"), getattr(request, "path", "-"), error)
    return Response(body, status=error.http_status, headers=error.headers or None)


def _validation_reason(detail: Any, prefix: str = "") -> str:
    """Flatten DRF's nested validation detail into one readable sentence."""
    if isinstance(detail, dict):
        parts = [
            _validation_reason(value, f"{prefix}{key}: " if key != "non_field_errors" else prefix)
            for key, value in detail.items()
        ]
        return "; ".join(parts)
    if isinstance(detail, list):
        return "; ".join(_validation_reason(item, prefix) for item in detail)
    return f"{prefix}{detail}"


def translate(exc: Exception) -> errors.ServiceError:
    """Map any exception to the upstream error it should surface as."""
    if isinstance(exc, errors.ServiceError):
        return exc
    if isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed):
        return errors.ServiceError(errors.UNAUTHENTICATED, str(exc.detail))
    if isinstance(exc, drf.MethodNotAllowed):
        return errors.ServiceError(errors.NOT_IMPLEMENTED, str(exc.detail))
    if isinstance(exc, drf.UnsupportedMediaType):
        # Upstream parses every body as JSON; a body we cannot read is a malformed request.
        return errors.ServiceError(
            errors.MALFORMED_REQUEST, f"invalid request format: {exc.detail} Send 'Content-Type: application/json'."
        )
    if isinstance(exc, drf.ParseError):
        return errors.ServiceError(errors.MALFORMED_REQUEST, f"invalid request format: {exc.detail}")
    if isinstance(exc, drf.ValidationError):
        return errors.ServiceError(
            errors.MALFORMED_REQUEST, f"invalid request format: {_validation_reason(exc.detail)}"
        )
    if isinstance(exc, drf.NotFound | Http404):
        return errors.ServiceError(errors.NOT_FOUND)
    if isinstance(exc, drf.PermissionDenied | DjangoPermissionDenied):
        return errors.ServiceError(errors.FORBIDDEN)
    if isinstance(exc, drf.Throttled):
        return errors.ServiceError(429)
    if isinstance(exc, drf.APIException) and exc.status_code < 500:
        return errors.ServiceError(errors.BAD_REQUEST, str(exc.detail))
    return errors.ServiceError(errors.GENERAL)


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER. Returns a response for every exception, never None."""
    request = context.get("request")
    error = translate(exc)
    if error.code == errors.GENERAL and not isinstance(exc, errors.ServiceError):
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
    if error.code == errors.UNAUTHENTICATED and "WWW-Authenticate" not in error.headers:
        error.headers["WWW-Authenticate"] = 'Bearer realm="kafkas_mgmt"'
    return error_response(error, request)


def json_error(request: HttpRequest, error: errors.ServiceError) -> JsonResponse:
    """The same body for plain Django views (404/500 handlers outside DRF)."""
    body = error.definition.as_dict(reason=error.reason, operation_id=operation_id_of(request))
    return JsonResponse(body, status=error.http_status)
