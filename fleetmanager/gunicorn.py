"""gunicorn configuration (`gunicorn -c python:fleetmanager.gunicorn fleetmanager.wsgi`).

gunicorn answers a request it cannot parse (a request line or header over its limits,
a malformed request line, a bad chunk) itself, with an HTML page, before Django sees
it. In this worker those answers are the upstream JSON error instead: 400/21 with
gunicorn's reason (500/9 for its own failures), so no API client ever receives HTML.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

# The largest request line gunicorn accepts (its default is 4094): room for 1,000 short query
# parameters, so Django's own limit (DATA_UPLOAD_MAX_NUMBER_FIELDS) is the one a client meets.
limit_request_line = 8190
worker_class = "fleetmanager.gunicorn.JsonErrorWorker"


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
