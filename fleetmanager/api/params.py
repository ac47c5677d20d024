"""Query parameters every API reads the same way."""

from __future__ import annotations

from rest_framework.request import Request

from fleetmanager import errors


def require_async(request: Request) -> None:
    """Upstream performs creates and deletes asynchronously only, and says so when `async=true` is missing."""
    if request.query_params.get("async") != "true":
        raise errors.sync_not_supported()
