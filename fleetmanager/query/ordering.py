"""Parse the upstream ``orderBy`` query parameter into Django ``order_by()`` arguments.

Upstream passes ``orderBy`` (``"name asc, created_at desc"``) to the database after
checking each clause against an allow-list. Here the allow-list also maps the API field
name to the ORM field, so nothing the client sends is ever used as a column name.
"""

from __future__ import annotations

from collections.abc import Mapping

_DIRECTIONS = {"asc": "", "desc": "-"}


class OrderByError(ValueError):
    """An invalid ``orderBy`` value; ``str()`` is the message shown to the client."""


def parse_order_by(text: str, fields: Mapping[str, str]) -> list[str]:
    """Turn ``"name, created_at desc"`` into ``["name", "-created_at"]``.

    ``fields`` maps the accepted API field names (lowercase) to ORM field names.
    Blank text means no explicit ordering. Raises ``OrderByError`` on invalid input.
    """
    if not text.strip():
        return []
    return [_parse_clause(clause, fields) for clause in text.split(",")]


def _parse_clause(clause: str, fields: Mapping[str, str]) -> str:
    words = clause.split()
    if not 1 <= len(words) <= 2:
        raise OrderByError(f"invalid order by clause '{clause.strip()}'")
    field, direction = words[0], words[1] if len(words) == 2 else "asc"
    if direction.lower() not in _DIRECTIONS:
        raise OrderByError(f"invalid order by direction '{direction}'")
    orm_field = fields.get(field.lower())
    if orm_field is None:
        raise OrderByError(f"unknown order by field '{field}'")
    return _DIRECTIONS[direction.lower()] + orm_field
