"""Show who holds each leader lease: `python manage.py leases`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from fleetmanager.cli import Column, FleetCommand
from fleetmanager.leases import holders

COLUMNS = (
    Column("LEASE", "lease_type"),
    Column("HOLDER", "holder"),
    Column("EXPIRES", "expires"),
    Column("TOKEN", "fencing_token"),
)


class Command(FleetCommand):
    help = "List the leader leases: type, holder, expiry (on the database clock) and fencing token."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_output_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        rows = holders()
        if not rows and options["output"] != "json":
            self.stdout.write("no leases taken yet (the reconcilers have not run)")
            return
        now = timezone.now()
        data = []
        for lease in rows:
            held = bool(lease.expires is not None and lease.expires > now and lease.leader)
            data.append(
                {
                    "lease_type": lease.lease_type,
                    "holder": lease.leader if held else f"(free; last {lease.leader or 'nobody'})",
                    "held": held,
                    "expires": lease.expires,
                    "fencing_token": lease.fencing_token,
                }
            )
        self.emit(data, options, columns=COLUMNS)
