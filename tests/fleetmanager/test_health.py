"""/healthz (liveness) and /readyz (readiness: database reachable, migrations applied)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from fleetmanager import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def forget_applied_migrations() -> Iterator[None]:
    health._migrations_applied = False
    yield
    health._migrations_applied = False


def test_liveness_answers_without_asking_the_database(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_by_ip_address_are_answered_whatever_the_allowed_hosts(path: str) -> None:
    # The kubelet and cloud load balancers send the pod's IP as Host, never one of ALLOWED_HOSTS.
    response = Client(HTTP_HOST="10.1.2.3:8000").get(path)

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_is_ok_with_the_database_up_and_migrated() -> None:
    response = Client().get("/readyz")

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_is_503_naming_the_migrations_not_applied() -> None:
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.filter(app="kafkas").order_by("-id").first()
    # Forget one applied migration, as a database migrated by the previous release would be.
    recorder.migration_qs.filter(pk=last.pk).delete()

    response = Client().get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "migrations": f"1 not applied: kafkas.{last.name}"}


def test_readiness_is_503_without_the_database_address_when_it_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError('connection to server at "10.9.8.7", port 5432 failed: Connection refused')

    monkeypatch.setattr(connection, "cursor", refuse)

    response = Client().get("/readyz")

    assert (response.status_code, response.json()) == (503, {"status": "unavailable", "database": "unreachable"})
    assert "10.9.8.7" not in response.content.decode()
