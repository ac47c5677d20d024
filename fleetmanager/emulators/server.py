"""A tiny HTTP host for emulated external services, on the standard library only.

Tests and local runs talk to the real integration clients over real HTTP, so the emulators
must be actual servers; fault injection (failures, slowness) lives here once, for all of them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

Body = bytes | dict[str, Any] | list[Any] | None
Reply = tuple[int, dict[str, str], Body]
Query = dict[str, list[str]]


class Emulator(Protocol):
    """What the server needs of an emulator. ``headers`` keys are lower-case."""

    def handle(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply: ...


def json_error(status: int, message: str) -> Reply:
    return status, {}, {"error": message}


class FaultInjectingEmulator:
    """Base class of the emulators: request log, injected failures and delays, one lock.

    Subclasses implement ``respond`` and guard their state with ``self.lock``.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []
        self.delay_seconds = 0.0
        # Called with (method, path) before a request is answered: lets a test change the
        # emulator's state between two calls of a client, e.g. to stage a race.
        self.on_request: Callable[[str, str], None] | None = None
        self._failures: list[int] = []
        self._generation = 0

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status``."""
        with self.lock:
            self._failures.extend([status] * count)

    def clear_faults(self) -> None:
        """Stop injecting failures (an outage ends) and keep the emulated data."""
        with self.lock:
            self._failures.clear()
            self.delay_seconds = 0.0

    def reset(self) -> None:
        """Forget the request log and every injected fault; subclasses also drop their state."""
        with self.lock:
            self.requests.clear()
            self._failures.clear()
            self.delay_seconds = 0.0
            self.on_request = None
            self._generation += 1

    def handle(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        with self.lock:
            self.requests.append((method, path))
            failure = self._failures.pop(0) if self._failures else None
            delay, hook, generation = self.delay_seconds, self.on_request, self._generation
        if delay:
            time.sleep(delay)  # outside the lock: other requests keep flowing
        if failure is not None:
            return json_error(failure, "injected fault")
        if generation != self._generation:
            # A request delayed past a reset() must not leak into the next test's state.
            return json_error(503, "emulator was reset")
        if hook is not None:
            hook(method, path)
        return self.respond(method, path, query, headers, body)

    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        raise NotImplementedError


class EmulatorServer:
    """Emulators mounted at path prefixes of one threaded HTTP server.

    The prefix is stripped before the emulator sees the path and passed on as the
    ``X-Forwarded-Prefix`` header, as a reverse proxy would, so emulators can build links.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, log_level: int = logging.DEBUG) -> None:
        self.host = host
        self.port = port
        self.log_level = log_level
        self._mounts: dict[str, Emulator] = {}
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop_requested = threading.Event()

    def mount(self, prefix: str, emulator: Emulator) -> EmulatorServer:
        self._mounts["/" + prefix.strip("/")] = emulator
        return self

    def emulator(self, prefix: str) -> Emulator:
        return self._mounts["/" + prefix.strip("/")]

    def route(self, path: str) -> tuple[str, Emulator] | None:
        """The longest mounted prefix that is ``path`` or a parent folder of it."""
        for prefix in sorted(self._mounts, key=len, reverse=True):
            if path == prefix or path.startswith(prefix + "/"):
                return prefix, self._mounts[prefix]
        return None

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the emulator server is not started")
        return f"http://{self.host}:{self._httpd.server_address[1]}"

    def start(self) -> EmulatorServer:
        """Bind (port 0 picks a free port) and serve from a daemon thread."""
        self._stop_requested.clear()
        self._httpd = _HTTPServer((self.host, self.port), self)
        # A short poll interval keeps stop() (every test session, every Ctrl-C) quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="emulator-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop_requested.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def request_stop(self) -> None:
        """Make ``serve_forever`` return; safe to call from a signal handler."""
        self._stop_requested.set()

    def serve_forever(self) -> None:
        """Serve until Ctrl-C or ``request_stop()``, then stop; starts the server if needed."""
        if self._httpd is None:
            self.start()
        try:
            while not self._stop_requested.wait(0.2):
                pass
        finally:
            self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a request stuck in an injected delay must not hold up stop()

    def __init__(self, address: tuple[str, int], emulator_server: EmulatorServer) -> None:
        super().__init__(address, _Handler)
        self.emulator_server = emulator_server


class _Handler(BaseHTTPRequestHandler):
    server_version = "FleetEmulator/1"
    server: _HTTPServer

    def _serve(self) -> None:
        host = self.server.emulator_server
        started = time.monotonic()
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, payload = self._dispatch(host, url.path, parse_qs(url.query), body)
        self._write(status, headers, payload)
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.log(host.log_level, "%s %s -> %d (%.0f ms)", self.command, url.path, status, elapsed_ms)

    def _dispatch(self, host: EmulatorServer, path: str, query: Query, body: bytes) -> Reply:
        routed = host.route(path)
        if routed is None:
            return json_error(404, f"no emulator mounted for {path}")
        prefix, emulator = routed
        headers = {key.lower(): value for key, value in self.headers.items()}
        headers["x-forwarded-prefix"] = prefix
        try:
            return emulator.handle(self.command, path[len(prefix) :] or "/", query, headers, body)
        except Exception:
            logger.exception("emulator failed on %s %s", self.command, path)
            return json_error(500, "emulator failure")

    def _write(self, status: int, headers: dict[str, str], payload: Body) -> None:
        if isinstance(payload, dict | list):
            data = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **headers}
        else:
            data = payload or b""
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a provoked timeout); nothing to tell it

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: ``_serve`` logs one line per request through ``logging`` instead."""
