"""What `manage.py emulators` and `manage.py ocm_emulator` share: refusing production, listening,
stopping cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetmanager.emulators import EmulatorServer


class EmulatorCommand(BaseCommand):
    default_port: int
    name: str  # for the "stopped" line

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (127.0.0.1)")
        parser.add_argument(
            "--port",
            type=int,
            default=self.default_port,
            help=f"port to listen on; 0 picks a free one ({self.default_port})",
        )

    def make_server(self, options: dict[str, Any]) -> EmulatorServer:
        """The server with its emulators mounted; raise CommandError for a bad option."""
        raise NotImplementedError

    def announce(self, server: EmulatorServer, options: dict[str, Any]) -> None:
        """Tell the user where each emulator listens."""
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("the emulators are for development and tests; production talks to the real services")
        server = self.make_server(options)
        try:
            server.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        # Handled explicitly: a shell starts background jobs with SIGINT ignored.
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda signum, frame: server.request_stop())
        self.announce(server, options)
        self.stdout.write("Stop with Ctrl-C.")
        server.serve_forever()
        self.stdout.write(f"{self.name} stopped.")
