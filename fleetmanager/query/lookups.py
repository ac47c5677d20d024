"""``like`` and ``ilike`` lookups: SQL pattern matching with the user's pattern verbatim.

The upstream ``search`` parameter passes ``LIKE``/``ILIKE`` patterns straight to the
database, so ``%`` and ``_`` are wildcards exactly as the user wrote them. Django's
``contains``/``startswith`` family cannot express that: ``PatternLookup.process_rhs``
escapes ``%``/``_`` in the value and wraps it in its own wildcards. These lookups
derive from plain ``Lookup`` instead, so the pattern reaches the database unchanged,
always as a bound parameter and never spliced into the SQL text.

Importing this module registers both lookups on ``CharField`` (and its subclasses)
and ``TextField``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Lookup, TextField
from django.db.models.sql.compiler import SQLCompiler

SqlWithParams = tuple[str, list[Any]]


class _PatternMatch(Lookup):
    """Shared plumbing: compile both sides, let each vendor method choose the operator.

    ``prepare_rhs`` keeps Django's default (``CharField.get_prep_value``, i.e. ``str()``);
    unlike ``PatternLookup`` nothing here rewrites the pattern.
    """

    def _sides(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, str, list[Any]]:
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        return lhs_sql, rhs_sql, [*lhs_params, *rhs_params]


class Like(_PatternMatch):
    """Case-sensitive ``LIKE`` (SQLite is made case-sensitive by ``PRAGMA case_sensitive_like=ON``)."""

    lookup_name = "like"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlWithParams:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} LIKE {rhs}", params

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlWithParams:
        # SQLite has no default escape character; backslash matches PostgreSQL's default.
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", params


class ILike(_PatternMatch):
    """Case-insensitive ``LIKE``: native ``ILIKE`` on PostgreSQL, ``LOWER() LIKE LOWER()`` elsewhere."""

    lookup_name = "ilike"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlWithParams:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"LOWER({lhs}) LIKE LOWER({rhs})", params

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlWithParams:
        lhs, rhs, params = self._sides(compiler, connection)
        return f"{lhs} ILIKE {rhs}", params

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> SqlWithParams:
        # case_sensitive_like=ON makes plain LIKE case-sensitive, so fold both sides.
        lhs, rhs, params = self._sides(compiler, connection)
        return f"LOWER({lhs}) LIKE LOWER({rhs}) ESCAPE '\\'", params


for _field in (CharField, TextField):
    _field.register_lookup(Like)
    _field.register_lookup(ILike)
