"""Run the emulated external services for local runs: `python manage.py emulators`."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from fleetmanager.emulators import (
    OCM_MOUNT,
    OCM_PREFIX,
    SSO_PREFIX,
    AMSEmulator,
    EmulatorServer,
    OCMEmulator,
    SSOEmulator,
    build_server,
)
from fleetmanager.emulators.command import EmulatorCommand


class Command(EmulatorCommand):
    help = (
        "Serve every emulated external service on one port, with in-memory state, for local runs "
        f"without accounts: MAS-SSO (the Keycloak admin API) at {SSO_PREFIX}, and api.openshift.com at "
        f"{OCM_PREFIX}: the OCM cluster service and the Account Management Service (AMS). The development "
        "defaults of FLEET_SSO_* and FLEET_OCM_* point at --port 8001, and the SSO emulator accepts the "
        "FLEET_SSO_CLIENT_ID/FLEET_SSO_CLIENT_SECRET credentials in any realm. Logs one line per request; "
        "Ctrl-C or SIGTERM stops it. Refused in production."
    )

    default_port = 8001
    name = "Emulators"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--ocm-provision-seconds", type=float, default=3.0, help="how long a new OSD cluster installs (3)"
        )
        parser.add_argument(
            "--demo-org",
            default="13640203",
            help="organisation given AMS quota for a local demo (FLEET_QUOTA_TYPE=ams): standard, eval, Trial "
            "and enterprise; any user reserving counts as one of its members (13640203; '' for none)",
        )

    def make_server(self, options: dict[str, Any]) -> EmulatorServer:
        if options["ocm_provision_seconds"] < 0:
            raise CommandError("--ocm-provision-seconds cannot be negative")
        sso = SSOEmulator(client_id=settings.FLEET_SSO_CLIENT_ID, client_secret=settings.FLEET_SSO_CLIENT_SECRET)
        ocm = OCMEmulator(provision_seconds=options["ocm_provision_seconds"])
        ams = AMSEmulator()
        if options["demo_org"]:
            ams.seed_demo(options["demo_org"])
        return build_server(options["host"], options["port"], sso=sso, ocm=ocm, ams=ams, log_level=logging.INFO)

    def announce(self, server: EmulatorServer, options: dict[str, Any]) -> None:
        ocm = server.emulator(OCM_MOUNT)
        assert isinstance(ocm, OCMEmulator)
        self.stdout.write(f"Emulators on {server.url}\n  MAS-SSO: {server.url}{SSO_PREFIX} (realm: any name)")
        self.stdout.write(f"  OCM:     {server.url}{OCM_PREFIX} (clusters ready after {ocm.provision_seconds:g} s)")
        demo = f"; demo quota for organisation {options['demo_org']}" if options["demo_org"] else ""
        self.stdout.write(f"  AMS:     {server.url}{OCM_PREFIX}/api/accounts_mgmt{demo}")
