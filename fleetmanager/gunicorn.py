"""gunicorn configuration (`gunicorn -c python:fleetmanager.gunicorn fleetmanager.wsgi`).

gunicorn answers a request it cannot parse (a request line or header over its limits,
a malformed request line, a bad chunk) itself, with an HTML page, before Django sees
it. In this worker those answers are the upstream JSON error instead: 400/21 with
gunicorn's reason (500/9 for its own failures), so no API client ever receives HTML.

Its hooks keep the metrics of a multiprocess directory right (``on_starting``,
``child_exit``: see fleetmanager.metrics). Its access log (``--access-logfile``) speaks the application's log format: a JSON object
per request, with the request's operation id, where the logs are JSON (FLEET_LOG_FORMAT).
"""

from __future__ import annotations

import gc
import json
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from gunicorn import glogging, util
from gunicorn.workers.gthread import ThreadWorker

from fleetmanager.logs import choose_format

# The largest request line gunicorn accepts (its default is 4094): room for 1,000 short query
# parameters, so Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS) is the one a client meets.
limit_request_line = 8190
# Workers and threads per worker, one place for `make run`, the image, the manifests and the
# benchmarks (a command-line flag still overrides them). The default, 2 workers x 4 threads, is
# what two cores hold best under the perf-suite mix (docs/benchmarks.md, "Load"): threads
# overlap a request's database waits, and more processes than cores only add switching.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
threads = int(os.environ.get("FLEET_WEB_THREADS") or 4)
# A worker silent for this long is killed and replaced; FLEET_INTEGRATION_DEADLINE_SECONDS (25)
# keeps every request well inside it.
timeout = 60
worker_class = "fleetmanager.gunicorn.JsonErrorWorker"
logger_class = "fleetmanager.gunicorn.AccessLogger"
# On SIGTERM gunicorn stops accepting and lets the requests in flight finish for this long
# (Kubernetes: terminationGracePeriodSeconds covers the preStop pause plus this; deploy/base).
graceful_timeout = 25
# gunicorn's control socket (for `gunicornc`, unused here) defaults to one path per user,
# ~/.gunicorn/gunicorn.ctl, that every gunicorn of the host would fight over (tests, make run),
# and the image's root filesystem is read-only.
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """The application is loaded: move its objects (Django, the URL conf, the schemas) out of the
    collector's reach, so a full collection scans only what requests allocate. Measured on a
    100-Kafka list, 8 clients: p99 93-105 ms instead of 140-153 ms (docs/benchmarks.md, "Load")."""
    gc.freeze()


def on_starting(server: Any) -> None:
    """Before any worker writes metrics: drop the files of processes of an earlier start (PROMETHEUS_MULTIPROC_DIR)."""
    from fleetmanager import metrics

    directory = metrics.multiprocess_dir()
    if directory is not None:
        removed = metrics.clean_stale_files(directory)
        if removed:
            server.log.info("removed %d metrics files of processes that no longer run", len(removed))


def child_exit(server: Any, worker: Any) -> None:
    """A worker exited (restart, crash): its live-only gauges go; its counts stay in the sums."""
    from prometheus_client import multiprocess

    from fleetmanager import metrics

    directory = metrics.multiprocess_dir()
    if directory is not None:
        multiprocess.mark_process_dead(worker.pid, str(directory))


def write_json_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error answer, in the upstream error shape (the catalogue's codes 21 and 9)."""
    # Imported here: gunicorn reads this module before the worker has loaded Django.
    from fleetmanager import errors
    from fleetmanager.api.schema import ErrorBody, ErrorSerializer

    client_error = status_int < 500
    error = errors.bad_request(f"{reason}: {mesg}" if mesg else reason) if client_error else errors.ServiceError(9)
    body = json.dumps(ErrorSerializer(ErrorBody.of(error)).data).encode()
    status = "400 Bad Request" if client_error else "500 Internal Server Error"
    head = f"HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    util.write_nonblock(sock, head.encode("latin1") + body)


class JsonErrorWorker(ThreadWorker):
    """gunicorn's threaded worker (as `--threads` picks), whose own error pages are JSON."""

    def init_process(self) -> None:
        # gunicorn writes its error pages through util.write_error; in this worker process, ours.
        util.write_error = write_json_error
        super().init_process()


class AccessLogger(glogging.Logger):
    """gunicorn's logger, whose access lines are JSON objects when the application logs JSON."""

    json_lines = choose_format(os.environ.get("FLEET_LOG_FORMAT") or "auto") == "json"

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.json_lines:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in resp.headers}
        status = int(str(resp.status).split(None, 1)[0])
        method, path = environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            # The query string stays out: it is the user's search text.
            "message": f"{method} {path} {status}",
            "method": method,
            "path": path,
            "status": status,
            "bytes": getattr(resp, "sent", 0),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR", ""),
            "user_agent": environ.get("HTTP_USER_AGENT", ""),
        }
        if "x-operation-id" in headers:
            line["operation_id"] = headers["x-operation-id"]
        self.access_log.info(json.dumps(line))
