"""The audit trail's one writer: outcomes, the JSON log line, masked secrets, and who may write the table."""

from __future__ import annotations

import json
import logging
import sys

import pytest

from fleetmanager import audit, errors
from fleetmanager.models import AuditEntry
from tests import writers

SRE = audit.Actor("staff", "sam", "10.1.2.3")


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def log_lines() -> list[str]:
    handler = Lines()
    logger = logging.getLogger("fleetmanager.audit")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_done_action_is_recorded_with_its_changes_and_logged_as_one_json_line(log_lines: list[str]) -> None:
    with audit.action(SRE, "kafka.suspend", "kafka", "k1", request={"why": "noisy"}) as entry:
        entry.change("status", "ready", "suspending")
        entry.change("owner", "alice", "alice")  # unchanged: left out

    row = AuditEntry.objects.get()
    assert (row.actor_kind, row.actor, row.source_address, row.outcome) == ("staff", "sam", "10.1.2.3", "done")
    assert row.changes == {"status": ["ready", "suspending"]}
    (line,) = log_lines
    logged = json.loads(line)
    assert logged["type"] == "audit"
    assert (logged["action"], logged["object_id"], logged["outcome"]) == ("kafka.suspend", "k1", "done")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exception", "outcome", "error"),
    [
        (errors.ServiceError(errors.VALIDATION, "not ready"), "refused", "8 Validation: not ready"),
        (RuntimeError("disk full"), "failed", "RuntimeError: disk full"),
    ],
)
def test_a_raising_action_is_recorded_and_still_raises(exception: Exception, outcome: str, error: str) -> None:
    with pytest.raises(type(exception)), audit.action(SRE, "kafka.resume", "kafka", "k1") as entry:
        entry.change("status", "suspended", "resuming")
        raise exception

    row = AuditEntry.objects.get()
    assert (row.outcome, row.error) == (outcome, error)


@pytest.mark.django_db
def test_a_nested_action_joins_the_open_entry() -> None:
    with audit.action(SRE, "kafka.update", "kafka", "k1", request={"a": 1}):
        with audit.action(SRE, "kafka.update", "kafka", "k1", request={"b": 2}) as inner:
            inner.change("x", 1, 2)

    row = AuditEntry.objects.get()
    assert (row.request, row.changes) == ({"a": 1, "b": 2}, {"x": [1, 2]})


@pytest.mark.django_db
def test_secrets_never_reach_the_trail() -> None:
    audit.record(SRE, "cluster.update", "cluster", "c1", request={"client_secret": "s3cr3t", "region": "eu"})

    assert AuditEntry.objects.get().request == {"client_secret": "***", "region": "eu"}


def test_only_the_audit_module_writes_audit_entries() -> None:
    def frame_in(module_file: str):  # a frame whose code claims to live in module_file
        code = compile("import sys\nframe = sys._getframe()", str(writers.ROOT / module_file), "exec")
        scope: dict = {}
        exec(code, scope)
        return scope["frame"]

    assert writers.writer_of("fleetmanager.audit", frame_in("kafkas/admin.py")) == "kafkas.admin:2"
    assert writers.writer_of("fleetmanager.audit", frame_in("fleetmanager/audit.py")) is None
    assert writers.writer_of("fleetmanager.audit", sys._getframe()) is None  # tests may set rows up
