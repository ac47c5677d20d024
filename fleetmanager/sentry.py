"""Error reporting to Sentry (``SENTRY_DSN``), from the web processes and the reconcilers.

- Web: sentry-sdk's Django integration (unhandled exceptions, 500s).
- Reconcilers (django-q2 workers): every failure is logged with its traceback while it is
  handled (a Kafka or cluster step that fails, a pass that raises), and the logging
  integration turns ERROR records into events, with the live stack. django-q2's own
  "Failed ..." line (the monitor process, a traceback as text) would repeat each one, so
  that logger is left out.
- Every event carries the log context as tags (operation id, task), so an event leads
  to its log lines and back.

Nothing secret leaves the process: besides sentry-sdk's scrubber (headers, cookies and
variables named like a secret, at any depth), every string of the event is searched for
bearer tokens, JWTs and credentials in URLs, which are replaced by ``[Filtered]``.
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber

from fleetmanager import logs

FILTERED = "[Filtered]"

# Names (keys of headers, variables, extra data) whose values are secrets, beyond sentry-sdk's list.
DENYLIST = [
    *DEFAULT_DENYLIST,
    *DEFAULT_PII_DENYLIST,
    "client_secret",
    "secret_key",
    "access_key",
    "aws_secret_access_key",
    "refresh_token",
    "access_token",
    "id_token",
    "bearer",
    "jwt",
    "dsn",
    "database_url",
    "signing_key",
    "private_key",
]

_SECRETS_IN_TEXT = [
    # Authorization: Bearer <anything>
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), rf"\1 {FILTERED}"),
    # a JWT anywhere (three base64url parts, the first two starting with '{"')
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), FILTERED),
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@"), rf"\1:{FILTERED}@"),
    # client_secret=..., password: ... in query strings, form bodies and messages
    (
        re.compile(
            r"(?i)\b(client_secret|password|passwd|secret|token|access_token|refresh_token)(\"?\s*[=:]\s*\"?)[^\s&\",}]+"
        ),
        rf"\1\2{FILTERED}",
    ),
]


def scrub_text(text: str) -> str:
    for pattern, replacement in _SECRETS_IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Tag the event with the log context, then scrub secrets out of every string in it."""
    tags = event.setdefault("tags", {})
    for key in ("operation_id", "task", "task_id"):
        value = logs.context().get(key)
        if value:
            tags.setdefault(key, value)
    return _scrub(event)


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return _scrub(crumb)


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> None:
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        # Local variables of stack frames may hold tokens and secrets that no pattern recognises.
        include_local_variables=False,
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
        integrations=[DjangoIntegration(), LoggingIntegration()],
    )
    ignore_logger("django-q")
