"""Emulated twins of the external services, for tests and local runs (`manage.py emulators`)."""

from __future__ import annotations

import logging

from fleetmanager.emulators.ams import AMSEmulator
from fleetmanager.emulators.ocm import OCMEmulator
from fleetmanager.emulators.server import EmulatorServer, FaultInjectingEmulator
from fleetmanager.emulators.sso import SSOEmulator

__all__ = [
    "AMS_AUTHORIZATIONS_MOUNT",
    "AMS_MOUNT",
    "AMSEmulator",
    "OCM_MOUNT",
    "OCM_PREFIX",
    "SSO_PREFIX",
    "EmulatorServer",
    "FaultInjectingEmulator",
    "OCMEmulator",
    "SSOEmulator",
    "build_server",
]

# Where each emulator is mounted; the settings' development defaults point here.
SSO_PREFIX = "/sso"
# The OCM client's base URL is `<server>/ocm`; it appends /api/clusters_mgmt/v1 as for api.openshift.com.
OCM_PREFIX = "/ocm"
OCM_MOUNT = f"{OCM_PREFIX}/api/clusters_mgmt"  # where the emulator sits: `server.emulator(OCM_MOUNT)`
# AMS shares the OCM base URL; one emulator serves both of its APIs: `server.emulator(AMS_MOUNT)`.
AMS_MOUNT = f"{OCM_PREFIX}/api/accounts_mgmt"
AMS_AUTHORIZATIONS_MOUNT = f"{OCM_PREFIX}/api/authorizations"


def build_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    sso: SSOEmulator | None = None,
    ocm: OCMEmulator | None = None,
    ams: AMSEmulator | None = None,
    log_level: int = logging.DEBUG,
) -> EmulatorServer:
    """Every emulator on one (not yet started) server."""
    server = EmulatorServer(host, port, log_level=log_level)
    server.mount(SSO_PREFIX, sso or SSOEmulator())
    server.mount(OCM_MOUNT, ocm or OCMEmulator())
    ams = ams or AMSEmulator()
    server.mount(AMS_MOUNT, ams)
    server.mount(AMS_AUTHORIZATIONS_MOUNT, ams)
    return server
