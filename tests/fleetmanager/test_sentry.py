"""Sentry: events reach a (local) Sentry endpoint with their context and without any secret.

A child process runs with SENTRY_DSN pointing at an HTTP server of this test, which keeps
every envelope it receives; the child fails once in a request and once in a reconciler task.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from fleetmanager.devtokens import mint_token
from fleetmanager.sentry import scrub_text
from tests.conftest import subprocess_env

MANAGE = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

TOKEN = mint_token(username="alice", org_id="13640203")
SECRETS = [
    TOKEN,
    "hunter2",  # a database password in a URL
    "s3cr3t-client",  # an OAuth client secret in a form body
    "AKIAREALLYSECRET",  # a value under a secret-looking name
]

# The child: a request whose view raises, and a reconciler pass whose step raises, both with secrets.
# The secrets come from its environment, as at run time (its source and command line hold none).
CHILD = """
import os
import sentry_sdk
from wsgiref.util import setup_testing_defaults
from django.core.wsgi import get_wsgi_application
from django.urls import clear_url_caches, path
from django_q.signals import pre_execute
from fleetmanager import reconcile, urls

token, password, client_secret, key = (os.environ[f"SECRET_{n}"] for n in range(4))

def boom(request):
    raise RuntimeError(f"OCM refused: client_secret={client_secret} for postgres://fleet:{password}@db.internal:5432/fleet")

urls.urlpatterns.append(path("boom", boom))
clear_url_caches()
# Through the WSGI application, as gunicorn calls it.
environ = {"PATH_INFO": "/boom", "HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_X_API_KEY": key}
setup_testing_defaults(environ)
list(get_wsgi_application()(environ, lambda status, headers: None))

# What a django-q worker signals before it runs a task kicked by request op-kicker.
pre_execute.send(sender="django_q", func=None, task={"func": "kafkas.tasks.reconcile_kafkas", "id": "task-1",
    "log_context": {"operation_id": "op-kicker"}})
try:
    with reconcile.reconcile_pass("kafka"):
        aws_secret_access_key = key
        raise ConnectionError(f"SSO said 401 to Bearer {token}")
except ConnectionError:
    pass
sentry_sdk.flush(timeout=10)
"""


class Envelopes(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), EnvelopeHandler)
        self.received: list[bytes] = []

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/42"

    def events(self) -> list[dict[str, Any]]:
        """The event items of every envelope (an envelope is a header line, then item header + payload lines)."""
        found = []
        for body in self.received:
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


class EnvelopeHandler(BaseHTTPRequestHandler):
    server: Envelopes

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def sentry_server() -> Iterator[Envelopes]:
    server = Envelopes()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_failures_reach_sentry_with_their_context_and_no_secret(sentry_server: Envelopes) -> None:
    result = subprocess.run(
        [*MANAGE, "shell", "-c", CHILD],
        env=subprocess_env(
            SENTRY_DSN=sentry_server.dsn,
            FLEET_LOG_FORMAT="json",
            **{f"SECRET_{n}": secret for n, secret in enumerate(SECRETS)},
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    raw = b"".join(sentry_server.received).decode()
    for secret in SECRETS:
        assert secret not in raw, f"{secret[:12]}... was sent to Sentry"
    events = sentry_server.events()
    by_exception = {event["exception"]["values"][-1]["type"]: event for event in events if "exception" in event}
    assert set(by_exception) == {"RuntimeError", "ConnectionError"}, [e.get("message") for e in events]

    web = by_exception["RuntimeError"]
    assert web["request"]["url"] == "http://127.0.0.1/boom"
    # Blanked by sentry-sdk (no PII) or by our scrubber: either way not the value.
    assert web["request"]["headers"]["Authorization"] in ("", "[Filtered]")
    assert web["request"]["headers"]["X-Api-Key"] in ("", "[Filtered]")
    assert "postgres://fleet:[Filtered]@db.internal" in web["exception"]["values"][-1]["value"]
    assert web["tags"]["operation_id"]  # the request's, as in its log lines

    task = by_exception["ConnectionError"]
    assert task["tags"]["operation_id"] == "op-kicker"
    assert task["tags"]["task"] == "kafkas.tasks.reconcile_kafkas"
    assert task["logentry"]["message"].startswith("%s: the reconcile pass failed")
    frames = task["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames, "the event carries the live stack"


@pytest.mark.parametrize(
    ("text", "scrubbed"),
    [
        ("Authorization: Bearer abc.def-123456", "Authorization: Bearer [Filtered]"),
        ("got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl back", "got [Filtered] back"),
        ("postgres://fleet:pw@db:5432/fleet", "postgres://fleet:[Filtered]@db:5432/fleet"),
        (
            "grant_type=client_credentials&client_secret=abc&x=1",
            "grant_type=client_credentials&client_secret=[Filtered]&x=1",
        ),
        ('{"password": "pw1"}', '{"password": "[Filtered]"}'),
        ("kafka c1 is ready on cluster-a", "kafka c1 is ready on cluster-a"),
    ],
)
def test_secrets_in_text_are_filtered(text: str, scrubbed: str) -> None:
    assert scrub_text(text) == scrubbed


def test_nothing_is_sent_without_a_dsn() -> None:
    import sentry_sdk

    assert not settings.SENTRY_DSN
    assert not sentry_sdk.get_client().is_active()
