"""Run the emulated OCM cluster service on its own: `python manage.py ocm_emulator`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import CommandError, CommandParser

from fleetmanager.emulators import OCM_MOUNT, OCM_PREFIX, EmulatorServer, OCMEmulator
from fleetmanager.emulators.command import EmulatorCommand


class Command(EmulatorCommand):
    help = (
        f"Serve only the emulated OCM cluster service (/api/clusters_mgmt/v1 under {OCM_PREFIX}), with in-memory "
        "OSD clusters that become ready --provision-seconds after they are created. Point FLEET_OCM_BASE_URL at "
        f"<url>{OCM_PREFIX}; any bearer token is accepted, but the client still fetches one from "
        "FLEET_OCM_TOKEN_URL (the SSO emulator of `manage.py emulators`, which also serves OCM at --port 8001). "
        "Ctrl-C or SIGTERM stops it. Refused in production."
    )

    default_port = 8002
    name = "OCM emulator"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--provision-seconds", type=float, default=3.0, help="how long a new cluster installs (3)")

    def make_server(self, options: dict[str, Any]) -> EmulatorServer:
        if options["provision_seconds"] < 0:
            raise CommandError("--provision-seconds cannot be negative")
        server = EmulatorServer(options["host"], options["port"], log_level=logging.INFO)
        server.mount(OCM_MOUNT, OCMEmulator(provision_seconds=options["provision_seconds"]))
        return server

    def announce(self, server: EmulatorServer, options: dict[str, Any]) -> None:
        self.stdout.write(f"OCM emulator: FLEET_OCM_BASE_URL={server.url}{OCM_PREFIX}")
