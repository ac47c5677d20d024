"""Run the emulated external services for local runs: `python manage.py emulators`."""

from __future__ import annotations

import logging
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetmanager.integrations.emulators import (
    OCM_PREFIX,
    SSO_PREFIX,
    AMSEmulator,
    OCMEmulator,
    SSOEmulator,
    build_server,
)


class Command(BaseCommand):
    help = (
        "Serve every emulated external service on one port, with in-memory state, for local runs "
        f"without accounts: MAS-SSO (the Keycloak admin API) at {SSO_PREFIX}, and api.openshift.com at "
        f"{OCM_PREFIX}: the OCM cluster service and the Account Management Service (AMS). The development "
        "defaults of FLEET_SSO_* and FLEET_OCM_* point at --port 8001, and the SSO emulator accepts the "
        "FLEET_SSO_CLIENT_ID/FLEET_SSO_CLIENT_SECRET credentials in any realm. Logs one line per request; "
        "Ctrl-C or SIGTERM stops it. Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8001, help="port to listen on; 0 picks a free one (8001)")
        parser.add_argument(
            "--ocm-provision-seconds", type=float, default=3.0, help="how long a new OSD cluster installs (3)"
        )
        parser.add_argument(
            "--demo-org",
            default="13640203",
            help="organisation given AMS quota for a local demo (FLEET_QUOTA_TYPE=ams): standard, eval, Trial "
            "and enterprise; any user reserving counts as one of its members (13640203; '' for none)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("the emulators are for development and tests; production talks to the real services")
        sso = SSOEmulator(client_id=settings.FLEET_SSO_CLIENT_ID, client_secret=settings.FLEET_SSO_CLIENT_SECRET)
        if options["ocm_provision_seconds"] < 0:
            raise CommandError("--ocm-provision-seconds cannot be negative")
        ocm = OCMEmulator(provision_seconds=options["ocm_provision_seconds"])
        ams = AMSEmulator()
        if options["demo_org"]:
            ams.seed_demo(options["demo_org"])
        server = build_server(options["host"], options["port"], sso=sso, ocm=ocm, ams=ams, log_level=logging.INFO)
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        # Handled explicitly: a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: server.request_stop())
        self.stdout.write(f"Emulators on {server.url}\n  MAS-SSO: {server.url}{SSO_PREFIX} (realm: any name)")
        self.stdout.write(f"  OCM:     {server.url}{OCM_PREFIX} (clusters ready after {ocm.provision_seconds:g} s)")
        demo = f"; demo quota for organisation {options['demo_org']}" if options["demo_org"] else ""
        self.stdout.write(f"  AMS:     {server.url}{OCM_PREFIX}/api/accounts_mgmt{demo}")
        self.stdout.write("Stop with Ctrl-C.")
        server.serve_forever()
        self.stdout.write("Emulators stopped.")
