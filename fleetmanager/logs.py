"""Logs an SRE can search: one JSON object per line in production, readable lines on a terminal.

Every record carries the context of the work it belongs to, when there is one:

- ``operation_id``: the request's id (``X-Operation-ID``, also in every error body), set by
  ``OperationIdMiddleware``; ``principal`` and ``org_id`` once the token is verified;
- ``task`` and ``task_id`` inside a reconciler (django-q) task;
- whatever the caller passes in ``extra``: ``kafka_id``, ``cluster_id``, ``from_status``,
  ``to_status``, ``reason``, ``actor`` for status changes (the services log every one).

The context lives in context variables, so threads (gunicorn's ``--threads``) and tasks
never see each other's.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_context: ContextVar[dict[str, str] | None] = ContextVar("fleet_log_context", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra` or our filter.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


def context() -> dict[str, str]:
    return dict(_context.get() or {})


def bind(**fields: str) -> None:
    """Add fields to the context of the current request or task (empty values are dropped)."""
    current = context()
    current.update({key: value for key, value in fields.items() if value})
    _context.set(current)


def clear() -> None:
    _context.set(None)


@contextmanager
def bound(**fields: str) -> Iterator[None]:
    """The fields for the duration of a block, then the previous context again."""
    token = _context.set({**context(), **{key: value for key, value in fields.items() if value}})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record (on the handler, so every logger gets it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in (_context.get() or {}).items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class JsonFormatter(_JsonFormatter):
    """``{"time", "level", "logger", "message", ...context and extra fields, "exc_info"}``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "asctime": "time"})
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        # ISO 8601 in UTC with milliseconds, as log pipelines parse it without configuration.
        from datetime import UTC, datetime

        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PlainFormatter(logging.Formatter):
    """``12:03:04 INFO fleetmanager.kafkas kafka c1x: accepted -> preparing  [operation_id=... principal=...]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        # Status changes already say kafka/cluster, from and to in their message.
        shown = {k: v for k, v in fields.items() if k in ("operation_id", "principal", "task")}
        if not shown:
            return line
        suffix = " ".join(f"{key}={value}" for key, value in shown.items())
        first, newline, rest = line.partition("\n")
        return f"{first}  [{suffix}]{newline}{rest}"


def choose_format(requested: str) -> str:
    """``auto``: readable lines when a person watches (stderr is a terminal), JSON otherwise."""
    if requested != "auto":
        return requested
    return "plain" if sys.stderr.isatty() else "json"


# --- reconciler tasks (django-q) -----------------------------------------------------------------


def _carry_context(sender: Any, task: dict[str, Any], **kwargs: Any) -> None:
    """pre_enqueue: the task remembers the request that kicked it (operation id, principal)."""
    carried = context()
    if carried:
        task["log_context"] = carried


def _bind_task(sender: Any, func: Any, task: dict[str, Any], **kwargs: Any) -> None:
    """pre_execute, in the worker: this task's context replaces the previous task's."""
    clear()
    bind(**task.get("log_context", {}), task=str(task.get("func", "")), task_id=str(task.get("id", "")))


def connect_task_context() -> None:
    from django_q.signals import pre_enqueue, pre_execute

    pre_enqueue.connect(_carry_context, dispatch_uid="fleetmanager.logs.carry_context")
    pre_execute.connect(_bind_task, dispatch_uid="fleetmanager.logs.bind_task")
