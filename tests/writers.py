"""One writer per app, checked on every SQL write the test suite makes (DESIGN.md "One writer per model").

Every INSERT, UPDATE and DELETE on a table of the kafkas, clusters or quota app is
traced back through the Python stack to the first frame of project code outside the
core (``fleetmanager``'s generic helpers, such as row claims and the state machine,
write on behalf of their caller). That frame must be in the owning app's
``services`` package, or in test code setting up rows, or in a migration. Anything
else is a violation, recorded with the statement and the offending frame and
reported by the ``one_writer_per_app`` fixture when the test ends: a write that a
reconciler's ``except Exception`` swallows is still caught.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
GUARDED_APPS = ("kafkas", "clusters", "quota")
# Core tables with one writer module of their own: table -> the module that alone writes it.
GUARDED_TABLES = {"audit_entries": "fleetmanager.audit"}
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(?P<table>\w+)"?', re.IGNORECASE)
# Project code that may write any table: test set-up, benchmarks and migrations.
ALLOWED_ANYWHERE = ("tests", "bench")


@dataclass(frozen=True, slots=True)
class Violation:
    table: str
    owner: str
    writer: str
    statement: str

    @property
    def allowed(self) -> str:
        return self.owner if "." in self.owner else f"{self.owner}/services"

    def __str__(self) -> str:
        return f"{self.writer} wrote {self.owner}'s table {self.table} (only {self.allowed} may): {self.statement}"


_tables: dict[str, str] = {}
_violations: list[Violation] = []
_lock = threading.Lock()


def table_owners() -> dict[str, str]:
    """db_table -> app label (for the guarded apps) or writer module (GUARDED_TABLES)."""
    if not _tables:
        for label in GUARDED_APPS:
            for model in apps.get_app_config(label).get_models(include_auto_created=True):
                _tables[model._meta.db_table] = label
        _tables.update(GUARDED_TABLES)
    return _tables


def _project_module(filename: str) -> tuple[str, ...] | None:
    """The module path parts of a project file (None for the standard library and installed packages)."""
    try:
        relative = Path(filename).resolve().relative_to(ROOT)
    except ValueError:
        return None
    if relative.parts[0].startswith(".") or relative.suffix != ".py":
        return None
    return relative.with_suffix("").parts


def writer_of(owner: str, start: Any) -> str | None:
    """The module responsible for the write, when it is not allowed to make it; None when it is."""
    if "." in owner:
        return _module_writer_of(owner, start)
    frame = start
    while frame is not None:
        parts = _project_module(frame.f_code.co_filename)
        frame_name = f"{'.'.join(parts)}:{frame.f_lineno}" if parts else ""
        frame = frame.f_back
        if parts is None or parts[0] == "fleetmanager" or parts[-1] == "writers":
            continue  # core helpers write for their caller; keep looking
        if parts[0] in ALLOWED_ANYWHERE or "migrations" in parts:
            return None
        if parts[0] == owner and len(parts) > 1 and parts[1] in ("services",):
            return None
        return frame_name
    return None  # no project frame: Django itself (sessions, admin log), not an app's code


def _module_writer_of(module: str, start: Any) -> str | None:
    """A table written only by ``module``: the innermost project frame of the write must be in it."""
    frame = start
    while frame is not None:
        parts = _project_module(frame.f_code.co_filename)
        frame_name = f"{'.'.join(parts)}:{frame.f_lineno}" if parts else ""
        frame = frame.f_back
        if parts is None or parts[-1] == "writers":
            continue
        if ".".join(parts) == module or parts[0] in ALLOWED_ANYWHERE or "migrations" in parts:
            return None
        return frame_name
    return None


def guard(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    """A ``connection.execute_wrapper``: checks the writer of every write to a guarded table."""
    match = WRITE.match(sql)
    owner = table_owners().get(match["table"]) if match else None
    if owner is not None:
        writer = writer_of(owner, sys._getframe(1))
        if writer is not None:
            with _lock:
                _violations.append(Violation(match["table"], owner, writer, " ".join(sql.split())[:160]))
    return execute(sql, params, many, context)


def install(connection: Any) -> None:
    if guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(guard)


def take_violations() -> list[Violation]:
    with _lock:
        found = list(_violations)
        _violations.clear()
    return found
