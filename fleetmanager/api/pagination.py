"""Upstream list paging: `page` and `size` query parameters and the list envelope.

``{"kind": "...List", "page": P, "size": S, "total": T, "items": [...]}``

Upstream reports ``size = min(requested size, total)`` even on a short last page;
we report the number of items actually returned (see docs/upstream-differences.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from fleetmanager import errors

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 65500


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


def _integer(params: Mapping[str, str], name: str, default: int, context: str) -> int:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise errors.ServiceError(
            errors.MALFORMED_REQUEST, f"{context}: {name} must be an integer, got '{raw}'"
        ) from None


def page_request(params: Mapping[str, str], *, context: str) -> PageRequest:
    """Parse page/size; ``context`` prefixes error reasons ("unable to list kafka requests")."""
    page = _integer(params, "page", 1, context)
    size = _integer(params, "size", DEFAULT_PAGE_SIZE, context)
    if page < 0:
        raise errors.ServiceError(errors.MALFORMED_REQUEST, f"{context}: page must be 1 or more, got {page}")
    if size == 0:
        raise errors.ServiceError(errors.MALFORMED_REQUEST, f"{context}: size must be 1 or more, got 0")
    if size < 0 or size > MAX_PAGE_SIZE:
        size = MAX_PAGE_SIZE
    return PageRequest(page=max(page, 1), size=size)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, as the list serializers (``fleetmanager.api.schema.list_serializer``) render it."""

    page: int
    total: int
    items: Sequence[Any]

    @property
    def size(self) -> int:
        return len(self.items)


def paginate(queryset: QuerySet, request: PageRequest) -> Page:
    """One page of rows and the total count.

    The rows come first: a page that is not full, and not empty, ends the list, so the total
    is known without a count (most searches, every small organisation). Otherwise a second
    query counts, without ordering.
    """
    rows = list(queryset[request.offset : request.offset + request.size])
    if 0 < len(rows) < request.size or (not rows and request.offset == 0):
        total = request.offset + len(rows)
    else:
        total = queryset.order_by().count()
    return Page(page=request.page, total=total, items=rows)


def paginate_list(items: Sequence[Any], request: PageRequest) -> Page:
    """One page of an in-memory list."""
    return Page(page=request.page, total=len(items), items=items[request.offset : request.offset + request.size])


def single_page(items: Sequence[Any]) -> Page:
    """Everything on page 1: lists whose upstream handler ignores `page` and `size`."""
    return Page(page=1, total=len(items), items=items)
