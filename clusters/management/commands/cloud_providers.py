"""`manage.py cloud_providers`: where Kafkas can be created, and which sizes each region can still take."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from clusters import selectors
from fleetmanager.cli import Column, FleetCommand

COLUMNS = (
    Column("PROVIDER", "provider"),
    Column("REGION", "region"),
    Column("ENABLED", "enabled"),
    Column("SIZES AVAILABLE", "sizes"),
)


class Command(FleetCommand):
    help = (
        "List the cloud providers and regions (as GET /cloud_providers and /cloud_providers/{id}/regions "
        "answer) with the sizes of each instance type a region can still take."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provider", help="only this provider's regions (e.g. aws)")
        self.add_output_option(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        providers = [p for p in selectors.cloud_providers() if options["provider"] in (None, p.id)]
        rows = []
        for provider in providers:
            for region in selectors.cloud_regions(provider.id):
                rows.append(
                    {
                        "provider": provider.id,
                        "region": region.id,
                        "enabled": provider.enabled and region.enabled,
                        "sizes": {c.instance_type: c.available_sizes for c in region.capacity},
                    }
                )
        if options["output"] != "json":
            for row in rows:
                row["sizes"] = "; ".join(f"{t}: {', '.join(s) or 'none'}" for t, s in row["sizes"].items())
        self.emit(rows, options, columns=COLUMNS)
