"""Emulated twins of the external services, for tests and local runs (`manage.py emulators`)."""

from __future__ import annotations

import logging

from fleetmanager.integrations.emulators.server import EmulatorServer, FaultInjectingEmulator
from fleetmanager.integrations.emulators.sso import SSOEmulator

__all__ = ["SSO_PREFIX", "EmulatorServer", "FaultInjectingEmulator", "SSOEmulator", "build_server"]

# Where each emulator is mounted; the settings' development defaults point here.
SSO_PREFIX = "/sso"


def build_server(
    host: str = "127.0.0.1", port: int = 0, *, sso: SSOEmulator | None = None, log_level: int = logging.DEBUG
) -> EmulatorServer:
    """Every emulator on one (not yet started) server."""
    server = EmulatorServer(host, port, log_level=log_level)
    server.mount(SSO_PREFIX, sso or SSOEmulator())
    return server
