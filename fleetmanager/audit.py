"""The audit trail: who did what to which Kafka or cluster, when, from where, and how it went.

The one writer of ``AuditEntry`` rows. The owning app's services record their writes
where they make them, with the ``Actor`` their caller (the admin API, the console, a
command) hands them:

    with audit.action(actor, "kafka.suspend", "kafka", kafka.id) as entry:
        ...checks that raise ServiceError...
        entry.change("status", kafka.status, "suspending")
        ...the write...

The entry is written when the block ends: ``done`` with the changed fields' before and
after, ``refused`` with the error when the rules said no (a ``ServiceError``, a
forbidden or lost transition), ``failed`` when something unexpected broke; the
exception still propagates. A service called inside an open entry (an admin API
request opens one around parsing and the service call) joins it, so one request
leaves one entry. Every entry is also logged as one JSON line on the
``fleetmanager.audit`` logger.

Entries are written in the caller's transaction: callers that audit do not wrap the
service call in an outer transaction, so a refusal's entry survives the refusal.
"""

from __future__ import annotations

import getpass
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from fleetmanager.errors import ServiceError
from fleetmanager.models import AuditEntry, AuditOutcome
from fleetmanager.principal import Principal
from fleetmanager.statemachine import InvalidTransition, StaleState

logger = logging.getLogger("fleetmanager.audit")

SECRET_HINTS = ("secret", "password", "token", "credential")
MASK = "***"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: a token's principal (admin API), a staff user (console), the CLI or the system."""

    kind: str
    name: str
    source_address: str | None = None
    operation_id: str = ""

    @classmethod
    def of_principal(cls, principal: Principal, *, source_address: str | None = None, operation_id: str = "") -> Actor:
        name = principal.username or principal.client_id or principal.claims.get("sub", "") or "(no name)"
        return cls("token", str(name), source_address or None, operation_id)

    @classmethod
    def of_staff(cls, user: Any, *, source_address: str | None = None) -> Actor:
        name = user.get_username()
        if getattr(user, "email", ""):
            name = f"{user.email} ({name})"
        return cls("staff", name, source_address or None)

    @classmethod
    def cli(cls, command: str) -> Actor:
        return cls("cli", f"{getpass.getuser()} (manage.py {command})")

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


SYSTEM = Actor("system", "system")


class Entry:
    """The entry being built while an action runs: what changed, and what was asked for."""

    def __init__(self, actor: Actor, action: str, object_type: str, object_id: str, request: Mapping[str, Any]):
        self.actor = actor
        self.action = action
        self.object_type = object_type
        self.object_id = object_id
        self.request = dict(request)
        self.changes: dict[str, list[Any]] = {}

    def change(self, field: str, before: Any, after: Any) -> None:
        if before != after:
            self.changes[field] = [before, after]

    def changed(self, obj: Any, **after: Any) -> None:
        """The fields of ``obj`` about to be set to ``after`` (unchanged ones are left out)."""
        for field, value in after.items():
            self.change(field, getattr(obj, field), value)


_open: ContextVar[Entry | None] = ContextVar("audit_entry", default=None)


@contextmanager
def action(
    actor: Actor, action: str, object_type: str, object_id: str, *, request: Mapping[str, Any] | None = None
) -> Iterator[Entry]:
    """Record what happens in the block as one entry (see the module docstring)."""
    outer = _open.get()
    if outer is not None:
        outer.request.update(masked(request or {}))
        yield outer
        return
    entry = Entry(actor, action, object_type, object_id, masked(request or {}))
    token = _open.set(entry)
    try:
        yield entry
    except (ServiceError, InvalidTransition, StaleState) as exc:
        _write(entry, AuditOutcome.REFUSED, describe(exc))
        raise
    except Exception as exc:
        _write(entry, AuditOutcome.FAILED, f"{type(exc).__name__}: {exc}")
        raise
    else:
        _write(entry, AuditOutcome.DONE, "")
    finally:
        _open.reset(token)


def record(
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    *,
    outcome: str = AuditOutcome.DONE,
    error: str = "",
    request: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """One entry for something that is not a service call: a read of the admin API, a refused login."""
    return _write(Entry(actor, action, object_type, object_id, masked(request or {})), outcome, error)


def describe(exc: BaseException) -> str:
    if isinstance(exc, ServiceError):
        return f"{exc.code} {exc.definition.name}: {exc.reason}"
    return str(exc)


def masked(values: Mapping[str, Any]) -> dict[str, Any]:
    """Secrets never reach the audit trail, whatever a caller hands in."""
    return {
        key: (MASK if any(hint in str(key).lower() for hint in SECRET_HINTS) else value)
        for key, value in values.items()
    }


def _write(entry: Entry, outcome: str, error: str) -> AuditEntry:
    row = AuditEntry.objects.create(
        actor_kind=entry.actor.kind,
        actor=entry.actor.name[:255],
        source_address=entry.actor.source_address,
        action=entry.action,
        object_type=entry.object_type,
        object_id=str(entry.object_id)[:64],
        outcome=outcome,
        changes=json.loads(json.dumps(entry.changes, cls=DjangoJSONEncoder)),
        request=json.loads(json.dumps(entry.request, cls=DjangoJSONEncoder)),
        error=error,
        operation_id=entry.actor.operation_id,
    )
    logger.info(json.dumps(as_log_record(row), cls=DjangoJSONEncoder, sort_keys=True))
    return row


def as_log_record(row: AuditEntry) -> dict[str, Any]:
    return {
        "type": "audit",
        "time": row.created_at,
        "actor_kind": row.actor_kind,
        "actor": row.actor,
        "source_address": row.source_address,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "outcome": row.outcome,
        "changes": row.changes,
        "request": row.request,
        "error": row.error,
        "operation_id": row.operation_id,
    }
