"""Run the emulated OCM cluster service on its own: `python manage.py ocm_emulator`."""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetmanager.integrations.emulators import OCM_MOUNT, OCM_PREFIX, EmulatorServer, OCMEmulator


class Command(BaseCommand):
    help = (
        f"Serve only the emulated OCM cluster service (/api/clusters_mgmt/v1 under {OCM_PREFIX}), with in-memory "
        "OSD clusters that become ready --provision-seconds after they are created. Point FLEET_OCM_BASE_URL at "
        f"<url>{OCM_PREFIX}; any bearer token is accepted, but the client still fetches one from "
        "FLEET_OCM_TOKEN_URL (the SSO emulator of `manage.py emulators`, which also serves OCM at --port 8001). "
        "Ctrl-C or SIGTERM stops it. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8002, help="port to listen on; 0 picks a free one (8002)")
        parser.add_argument("--provision-seconds", type=float, default=3.0, help="how long a new cluster installs (3)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("the emulators are for development and tests; production talks to the real services")
        if options["provision_seconds"] < 0:
            raise CommandError("--provision-seconds cannot be negative")
        server = EmulatorServer(options["host"], options["port"], log_level=logging.INFO)
        server.mount(OCM_MOUNT, OCMEmulator(provision_seconds=options["provision_seconds"]))
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        # Handled explicitly: a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: server.request_stop())
        self.stdout.write(f"OCM emulator: FLEET_OCM_BASE_URL={server.url}{OCM_PREFIX}\nStop with Ctrl-C.")
        server.serve_forever()
        self.stdout.write("OCM emulator stopped.")
