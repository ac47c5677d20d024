"""Run the emulated external services for local runs: `python manage.py emulators`."""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetmanager.integrations.emulators import SSO_PREFIX, SSOEmulator, build_server


class Command(BaseCommand):
    help = (
        "Serve every emulated external service on one port, with in-memory state, for local runs "
        f"without accounts: MAS-SSO (the Keycloak admin API) at {SSO_PREFIX} (OCM and AMS will follow "
        "at /ocm and /ams). The development defaults of FLEET_SSO_* point at --port 8001, and the SSO "
        "emulator accepts the FLEET_SSO_CLIENT_ID/FLEET_SSO_CLIENT_SECRET credentials. Logs one line per "
        "request; Ctrl-C or SIGTERM stops it. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8001, help="port to listen on; 0 picks a free one (8001)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("the emulators are for development and tests; production talks to the real services")
        sso = SSOEmulator(client_id=settings.FLEET_SSO_CLIENT_ID, client_secret=settings.FLEET_SSO_CLIENT_SECRET)
        server = build_server(options["host"], options["port"], sso=sso, log_level=logging.INFO)
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        # Handled explicitly: a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: server.request_stop())
        self.stdout.write(f"Emulators on {server.url}\n  MAS-SSO: {server.url}{SSO_PREFIX} (realm: any name)")
        self.stdout.write("Stop with Ctrl-C.")
        server.serve_forever()
        self.stdout.write("Emulators stopped.")
