"""What every operator command (`manage.py kafka`, `cluster`, ...) shares: output, errors, exit codes, waiting.

Exit codes scripts can rely on:

- 0: done (or, with ``--wait``, the object reached the state asked for)
- 1: refused or failed (the error says why; a Kafka that ended ``failed``)
- 2: usage (a bad argument or option; argparse's own code)
- 3: ``--wait`` timed out

Errors are one line on stderr, never a traceback (``--traceback`` shows one for bugs).
Reads print a table, or JSON with ``--output json``.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from fleetmanager import errors

DONE, FAILED, USAGE, TIMEOUT = 0, 1, 2, 3


class CommandFailed(CommandError):
    """The command ran and the answer is no (or the waited-for object failed): exit 1, or ``code``."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message, returncode=code)


# Loggers whose INFO lines are for log shipping, not for the operator at the terminal.
QUIET_LOGGERS = ("fleetmanager.audit", "django-q", "fleetmanager.kafkas", "fleetmanager.clusters")


class FleetCommand(BaseCommand):
    """A command whose service errors become one clear line and an exit code, never a traceback."""

    def execute(self, *args: Any, **options: Any) -> Any:
        if self._called_from_command_line and int(options.get("verbosity", 1)) < 2:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        try:
            return self._execute(*args, **options)
        except CommandFailed as exc:
            if options.get("traceback") or not self._called_from_command_line:
                raise
            self.stderr.write(f"error: {exc}")
            sys.exit(exc.returncode)

    def _execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except errors.ServiceError as exc:
            if options.get("traceback"):
                raise
            raise CommandFailed(f"{exc.reason} ({exc.definition.name}, {exc.code})") from None
        except (CommandError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if options.get("traceback"):
                raise
            raise CommandFailed(f"{type(exc).__name__}: {exc} (--traceback shows where)") from None

    # --- options ------------------------------------------------------------------------------

    @staticmethod
    def add_output_option(parser: CommandParser) -> None:
        parser.add_argument(
            "--output", "-o", choices=("table", "json"), default="table", help="table (default) or json"
        )

    @staticmethod
    def add_wait_options(parser: CommandParser, until: str) -> None:
        parser.add_argument("--wait", action="store_true", help=f"wait until {until}, showing each status change")
        parser.add_argument(
            "--timeout", type=positive_seconds, default=600.0, help="seconds --wait waits at most (600); exit code 3"
        )

    # --- output -------------------------------------------------------------------------------

    def emit(self, data: Any, options: Mapping[str, Any], *, columns: Sequence[Column] = ()) -> None:
        """``data`` (a mapping, or a list of mappings) as JSON or as a table / key-value lines."""
        if options.get("output") == "json":
            self.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2, sort_keys=False))
        elif isinstance(data, Mapping):
            width = max((len(key) for key in data), default=0)
            for key, value in data.items():
                self.stdout.write(f"{key:<{width}}  {format_cell(value)}")
        else:
            self.stdout.write(table(list(data), columns))


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    key: str
    width: int = 0  # 0: as wide as the widest value


def format_cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, cls=DjangoJSONEncoder)
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="seconds")
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[Column]) -> str:
    if not rows:
        return "(none)"
    cells = [[format_cell(row.get(column.key)) for column in columns] for row in rows]
    widths = [
        column.width or max(len(column.header), *(len(line[index]) for line in cells))
        for index, column in enumerate(columns)
    ]
    lines = ["  ".join(column.header.ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip() for line in cells]
    return "\n".join(lines)


def positive_seconds(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


# --- waiting ------------------------------------------------------------------------------------------

SPINNER = "|/-\\"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a wait ended with: the last status seen (None: the object is gone) and whether that is success."""

    status: str | None
    success: bool


def wait_for(
    read_status: Callable[[], str | None],
    finished: Callable[[str | None], Outcome | None],
    *,
    timeout: float,
    out: TextIO,
    what: str,
    interval: float = 0.5,
) -> Outcome:
    """Poll ``read_status`` until ``finished`` says it is over, printing one line per status change.

    On a terminal a spinner with the elapsed time turns between changes; elsewhere (a pipe,
    a log) only the change lines are written. Raises ``CommandFailed`` (exit 3) on timeout.
    """
    started = time.monotonic()
    spinner = itertools.cycle(SPINNER)
    interactive = _is_terminal(out)
    last: object = object()
    while True:
        status = read_status()
        elapsed = time.monotonic() - started
        if status != last:
            if interactive:
                out.write("\r\033[K")
            out.write(f"{elapsed:6.1f}s  {what}: {status or 'gone'}\n")
            out.flush()
            last = status
        outcome = finished(status)
        if outcome is not None:
            return outcome
        if elapsed >= timeout:
            if interactive:
                out.write("\r\033[K")
            raise CommandFailed(f"timed out after {timeout:g}s; {what} is {status or 'gone'}", TIMEOUT)
        if interactive:
            out.write(f"\r{next(spinner)} {elapsed:5.1f}s  waiting ({status or 'gone'})")
            out.flush()
        time.sleep(interval)


def _is_terminal(out: TextIO) -> bool:
    stream = getattr(out, "_out", out)  # Django's OutputWrapper keeps the real stream in _out
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def rows_of(objects: Iterable[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
    return [{field: getattr(obj, field) for field in fields} for obj in objects]
