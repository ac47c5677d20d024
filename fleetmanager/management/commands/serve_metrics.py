"""`manage.py serve_metrics`: the /metrics of the processes sharing PROMETHEUS_MULTIPROC_DIR.

For processes that serve no HTTP themselves: the reconcilers (`manage.py qcluster` and its
worker processes). In Kubernetes it runs beside qcluster in the same pod (deploy/base), on a
directory they share (an emptyDir: a new pod starts with an empty one), with the pod's
process namespace shared so it can tell which processes still run. It removes nothing when
it starts: it may start after the processes it serves, whose counts must stay. The gauges
read from the database are left to the web's /metrics, so no two targets report them.
"""

from __future__ import annotations

import signal
import threading
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.management.base import BaseCommand, CommandError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fleetmanager import metrics


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        pass  # one line per scrape would bury the reconcilers' own lines


def metrics_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/metrics":
        body = generate_latest(metrics.process_metrics())
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/healthz":
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"status": "ok"}']
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found: /metrics or /healthz\n"]


class Command(BaseCommand):
    help = (
        "Serve /metrics for the processes writing to PROMETHEUS_MULTIPROC_DIR (the reconcilers). "
        "Ctrl-C or SIGTERM stops it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
        parser.add_argument("--port", type=int, default=9100, help="port to listen on (default 9100)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = metrics.multiprocess_dir()
        if directory is None:
            raise CommandError("PROMETHEUS_MULTIPROC_DIR is not set: there is no directory of metrics to serve")
        try:
            server: WSGIServer = make_server(options["host"], options["port"], metrics_app, handler_class=QuietHandler)
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from exc
        for signum in (signal.SIGINT, signal.SIGTERM):
            # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
            signal.signal(signum, lambda signum, frame: threading.Thread(target=server.shutdown).start())
        self.stdout.write(
            f"Serving the metrics of {directory} on http://{options['host']}:{server.server_port}/metrics"
        )
        self.stdout.flush()
        server.serve_forever()
        server.server_close()
        self.stdout.write("serve_metrics stopped.")
