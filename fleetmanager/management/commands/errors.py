"""`manage.py errors [CODE]`: the error catalogue the API answers with (as GET /errors)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from fleetmanager import errors
from fleetmanager.cli import Column, FleetCommand

COLUMNS = (Column("CODE", "code"), Column("NAME", "name"), Column("REASON", "reason"))


class Command(FleetCommand):
    help = "List the upstream error catalogue (code, name, reason), or show one code, e.g. `errors 24`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", type=int, help="one error code, e.g. 24 for KAFKAS-MGMT-24")
        self.add_output_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = [
            {"code": f"KAFKAS-MGMT-{e.code}", "name": e.name, "reason": e.reason} for e in errors.CATALOGUE.values()
        ]
        if options["code"] is None:
            self.emit(rows, options, columns=COLUMNS)
            return
        if options["code"] not in errors.CATALOGUE:
            raise errors.not_found(f"no error with code {options['code']}; `manage.py errors` lists them")
        self.emit(next(r for r in rows if r["code"] == f"KAFKAS-MGMT-{options['code']}"), options)
