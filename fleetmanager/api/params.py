"""Query parameters and bodies every API reads the same way."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from fleetmanager import errors


def require_async(request: Request) -> None:
    """Upstream performs creates and deletes asynchronously only, and says so when `async=true` is missing."""
    if request.query_params.get("async") != "true":
        raise errors.sync_not_supported()


def required_body(request: Request) -> Any:
    """The parsed body of a request whose contract requires one; missing or empty is 400/17 and nothing runs."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        raise errors.ServiceError(errors.MALFORMED_REQUEST, "invalid request format: the request body is required")
    return request.data
