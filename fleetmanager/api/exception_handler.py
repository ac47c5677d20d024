"""One exception handler: every error leaves the API in the upstream shape.

Domain code raises ``ServiceError``; DRF's own exceptions and anything unexpected
are translated here. Unexpected exceptions are logged with their traceback and
answered with 500/9 and no detail, so no stack trace reaches a client. The database
being away is no surprise: 503 with Retry-After, and one log line per outage
(fleetmanager.outage), not a traceback per request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from fleetmanager import errors
from fleetmanager.api.schema import ErrorBody, ErrorSerializer
from fleetmanager.outage import database_outage, database_unavailable

logger = logging.getLogger("fleetmanager.api")

# The HTTP status of each catalogue code, as upstream pairs them (errors.go). Only the API
# layer knows HTTP: domain code raises a code, this table decides what the client sees.
HTTP_STATUS: dict[int, int] = {
    errors.FORBIDDEN: 403,
    errors.MAX_ALLOWED_INSTANCE_REACHED: 403,
    errors.CONFLICT: 409,
    errors.NOT_FOUND: 404,
    errors.VALIDATION: 400,
    errors.GENERAL: 500,
    errors.NOT_IMPLEMENTED: 405,
    errors.UNAUTHORIZED: 403,
    errors.TERMS_NOT_ACCEPTED: 403,
    errors.UNAUTHENTICATED: 401,
    errors.MALFORMED_REQUEST: 400,
    errors.SERVICE_UNDER_MAINTENANCE: 403,
    errors.BAD_REQUEST: 400,
    errors.FAILED_TO_PARSE_SEARCH: 400,
    errors.TOO_MANY_KAFKA_INSTANCES: 403,
    25: 410,  # Gone
    errors.PROVIDER_NOT_SUPPORTED: 400,
    errors.REGION_NOT_SUPPORTED: 400,
    errors.MALFORMED_KAFKA_NAME: 400,
    errors.MINIMUM_FIELD_LENGTH: 400,
    errors.MAXIMUM_FIELD_LENGTH: 400,
    errors.DUPLICATE_KAFKA_NAME: 409,
    errors.FIELD_VALIDATION: 400,
    38: 400,  # MalformedServiceAccountName
    39: 400,  # MalformedServiceAccountDesc
    40: 400,  # MalformedServiceAccountId
    errors.INSTANCE_TYPE_NOT_SUPPORTED: 400,
    errors.INSTANCE_PLAN_NOT_SUPPORTED: 400,
    errors.BILLING_ACCOUNT_INVALID: 400,
    errors.DUPLICATE_CLUSTER_ID: 409,
    errors.INVALID_CLUSTER_ID: 400,
    errors.INVALID_EXTERNAL_CLUSTER_ID: 400,
    errors.INVALID_DNS_NAME: 400,
    errors.SYNC_ACTION_NOT_SUPPORTED: 400,
    errors.FAILED_TO_CREATE_SSO_CLIENT: 500,
    107: 500,  # FailedToGetSSOClientSecret
    108: 500,  # FailedToGetSSOClient
    109: 500,  # FailedToDeleteSSOClient
    110: 500,  # FailedToCreateServiceAccount
    111: 500,  # FailedToGetServiceAccount
    112: 500,  # FailedToDeleteServiceAccount
    113: 404,  # ServiceAccountNotFound
    115: 403,  # MaxLimitForServiceAccountsReached
    errors.INSUFFICIENT_QUOTA: 403,
    errors.FAILED_TO_CHECK_QUOTA: 500,
    429: 429,  # TooManyRequests
    1000: 500,  # UnableToSendErrorResponse
}


def http_status(error: errors.ServiceError) -> int:
    if isinstance(error, errors.ServiceUnavailable):
        return 503
    return HTTP_STATUS[error.code]


def operation_id_of(request: Any) -> str | None:
    """The operation id of a Django or DRF request (set by OperationIdMiddleware)."""
    django_request = getattr(request, "_request", request)
    return getattr(django_request, "operation_id", None)


def error_response(error: errors.ServiceError, request: Any = None) -> Response:
    body = ErrorSerializer(ErrorBody.of(error, operation_id_of(request))).data
    status = http_status(error)
    unavailable = isinstance(error, errors.ServiceUnavailable)
    # A 503 is counted by the outage log already; per request it is detail.
    log = logger.debug if unavailable else logger.error if status >= 500 else logger.info
    log("%s %s -> %s", getattr(request, "method", "-"), getattr(request, "path", "-"), error)
    response = Response(body, status=status, headers=_headers(error, status))
    if unavailable:
        # Django's request logger would add an ERROR line per 503 ("Service Unavailable: ...").
        response._has_been_logged = True
    return response


def _headers(error: errors.ServiceError, status: int) -> dict[str, str] | None:
    if status == 401:
        return {"WWW-Authenticate": 'Bearer realm="kafkas_mgmt"'}  # how to authenticate (RFC 6750)
    if isinstance(error, errors.ServiceUnavailable):
        return {"Retry-After": str(error.retry_after)}
    return None


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
    if isinstance(exc, DatabaseOperationalError | DatabaseInterfaceError):
        # The database is away (down, restarting, unreachable) or gave up on the statement (a deadlock,
        # a timeout): nothing was done; the client may retry. Only the first is an expected condition.
        if database_unavailable(exc):
            database_outage.report(exc, "api")
        else:
            logger.error("database error, answered 503", exc_info=exc)
        return errors.ServiceUnavailable()
    if isinstance(exc, RequestDataTooBig):
        return errors.ServiceError(
            errors.MALFORMED_REQUEST, f"request body is larger than {settings.FLEET_MAX_REQUEST_BODY_BYTES} bytes"
        )
    if isinstance(exc, TooManyFieldsSent):
        return errors.bad_request(
            f"too many query parameters: at most {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} are accepted"
        )
    if isinstance(exc, SuspiciousOperation):
        return errors.bad_request("the request was refused as malformed")
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
    # translate() has logged a database failure already (an outage once, anything else in full).
    unexpected = not isinstance(exc, errors.ServiceError) and not isinstance(error, errors.ServiceUnavailable)
    if error.code == errors.GENERAL and unexpected:
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
    return error_response(error, request)


def json_error(request: HttpRequest, error: errors.ServiceError) -> JsonResponse:
    """The same body for plain Django views (404/500 handlers outside DRF)."""
    body = ErrorSerializer(ErrorBody.of(error, operation_id_of(request))).data
    status = http_status(error)
    response = JsonResponse(body, status=status)
    for name, value in (_headers(error, status) or {}).items():
        response[name] = value
    return response
