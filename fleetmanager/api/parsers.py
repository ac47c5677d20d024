"""The JSON body parser: bounded in size and depth, and strict about what counts as JSON.

Every check here is linear in the body's size and none recurses, so a hostile body
(deeply nested, huge, full of escapes) is a 400/17, never a RecursionError or a 500.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Deeper than any payload of the three contracts (an agent's status report nests 4 levels),
# and far below what Python's recursive JSON decoder can take.
MAX_DEPTH = 32

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# `\u0000` preceded by an even number of backslashes (an odd number escapes the backslash instead).
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


class BoundedJSONParser(JSONParser):
    """JSONParser with a size and a nesting limit (DRF does not apply DATA_UPLOAD_MAX_MEMORY_SIZE to JSON)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = settings.FLEET_MAX_REQUEST_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"request body is larger than {limit} bytes")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if not text.strip():
            raise ParseError("the request body is empty")
        if nested_too_deep(text):
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels")
        if _NUL_ESCAPE.search(text):
            # PostgreSQL cannot store NUL in text or jsonb: refuse it here rather than fail in the database.
            raise ParseError("NUL characters (\\u0000) are not allowed")
        try:
            # NaN/Infinity are not JSON; Python's decoder would accept them.
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def nested_too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH in a JSON text (brackets in strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= MAX_DEPTH:
        return False  # most bodies: too few brackets to nest that deep
    return max(accumulate(_BRACKET_STEP[c] for c in brackets)) > MAX_DEPTH


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
