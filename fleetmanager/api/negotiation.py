"""Content negotiation that always answers JSON, whatever the Accept header says.

Upstream ignores Accept; a client sending ``Accept: text/html`` still gets JSON
rather than a 406.
"""

from __future__ import annotations

from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation


class AlwaysFirstRenderer(DefaultContentNegotiation):
    def select_renderer(self, request: Any, renderers: list, format_suffix: str | None = None) -> tuple:
        renderer = renderers[0]
        return renderer, renderer.media_type
