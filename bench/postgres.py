"""A PostgreSQL server of one's own, to stop and start again (outage tests and the outage bench).

Built from the machine's PostgreSQL binaries with initdb/pg_ctl, as `scripts/with-postgres.sh`
does; as root the server runs as the `postgres` user, since initdb refuses root. The shared
server on 5432 is never touched.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg2


def postgres_bindir() -> Path | None:
    """The newest PostgreSQL binaries of this machine (Debian's layout first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if found:
        return Path(found[-1])
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ThrowawayPostgres:
    bindir: Path
    datadir: Path
    port: int
    max_connections: int = 100

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *command: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            self._as_owner(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args),
            check=check,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c max_connections={self.max_connections}"
        )
        self._pg_ctl("-l", str(self.datadir / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def accepts_connections(self) -> bool:
        try:
            psycopg2.connect(self.url, connect_timeout=2).close()
        except psycopg2.OperationalError:
            return False
        return True


@contextmanager
def throwaway_postgres(max_connections: int = 100) -> Iterator[ThrowawayPostgres]:
    """A fresh cluster on a free port, started; stopped (immediate) and removed afterwards.

    Raises FileNotFoundError when the machine has no PostgreSQL binaries.
    """
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "initdb").exists():
        raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) on this machine: apt-get install postgresql")
    datadir = Path(tempfile.mkdtemp(prefix="fleet-outage-pg."))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres")
    server = ThrowawayPostgres(bindir, datadir, _free_port(), max_connections)
    try:
        subprocess.run(
            server._as_owner(str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust", "--no-sync"),
            check=True,
            capture_output=True,
            timeout=120,
        )
        server.start()
        deadline = time.monotonic() + 30
        while not server.accepts_connections():
            if time.monotonic() > deadline:
                raise RuntimeError("the throwaway PostgreSQL did not start")
            time.sleep(0.2)
        yield server
    finally:
        server._pg_ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(datadir, ignore_errors=True)
