"""While the database is away the logs say so once, not with a traceback per request or tick;
anything unexpected is still logged in full, and a failed reconcile pass once."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from agents.simulator import AgentFleet, AgentOptions
from clusters.models import Cluster
from fleetmanager import reconcile, ticker
from fleetmanager.api.exception_handler import handle_exception
from fleetmanager.devtokens import mint_token
from fleetmanager.outage import database_outage
from tests.conftest import ORG, V1

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def fresh_outage_log() -> Iterator[None]:
    database_outage.reset()
    yield
    database_outage.reset()


@contextmanager
def database_away() -> Iterator[None]:
    """This thread's connection points at a port where nothing listens: every query is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = str(sock.getsockname()[1])
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = closed_port
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


def records(caplog: pytest.LogCaptureFixture, minimum: int = logging.WARNING) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= minimum]


def test_an_outage_is_logged_once_without_traceback_while_every_request_gets_its_503(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {mint_token(username='alice', org_id=ORG)}")
    caplog.set_level(logging.DEBUG)

    with database_away():
        responses = [client.get(f"{V1}/kafkas") for _ in range(3)]
        responses.append(client.post(f"{V1}/kafkas?async=true", {"name": "x"}, content_type="application/json"))

    assert [(r.status_code, r.json()["code"], r["Retry-After"]) for r in responses] == [(503, "KAFKAS-MGMT-9", "5")] * 4
    logged = records(caplog)
    assert [(r.name, r.levelname) for r in logged] == [("fleetmanager.database", "WARNING")], caplog.text
    assert logged[0].exc_info is None
    assert "database unavailable (api): connection to server" in logged[0].getMessage()


def test_the_outage_log_repeats_once_a_minute_with_the_count(caplog: pytest.LogCaptureFixture) -> None:
    database_outage.repeat = 0.0  # every failure is a minute later
    try:
        error = OperationalError("connection refused")
        for _ in range(2):
            database_outage.report(error, "api")
    finally:
        database_outage.repeat = 60.0
    messages = [r.getMessage() for r in records(caplog)]
    assert messages == [
        "database unavailable (api): connection refused; further failures are counted, not logged",
        "database unavailable (api): connection refused; further failures are counted, not logged",
    ]  # with no pause at all, each failure is an outage of its own

    database_outage.reset()
    caplog.clear()
    for _ in range(3):
        database_outage.report(error, "api")
    database_outage._logged_at -= 61  # a minute has passed since the first line, the outage goes on
    database_outage.report(error, "api")
    assert [r.getMessage() for r in records(caplog)] == [
        "database unavailable (api): connection refused; further failures are counted, not logged",
        "database still unavailable (api): connection refused; 2 more failures in the last 60 s",
    ]


def test_a_database_error_that_is_no_outage_is_logged_in_full(caplog: pytest.LogCaptureFixture) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 1")
            cursor.execute("SELECT pg_sleep(1)")
    except OperationalError as exc:  # QueryCanceled: SQLSTATE 57014
        cancelled = exc
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")

    response = handle_exception(cancelled, {"request": None, "view": None})

    assert response.status_code == 503
    logged = records(caplog, logging.ERROR)
    assert len(logged) == 1 and logged[0].exc_info is not None and logged[0].exc_info[1] is cancelled
    assert not [r for r in caplog.records if r.name == "fleetmanager.database"]


def test_an_unexpected_exception_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    response = handle_exception(RuntimeError("boom"), {"request": None, "view": None})

    assert response.status_code == 500
    tracebacks = [r for r in records(caplog, logging.ERROR) if r.exc_info]
    assert len(tracebacks) == 1 and str(tracebacks[0].exc_info[1]) == "boom"


def failing_pass() -> None:
    """A reconcile pass whose work raises (what the ticker test runs)."""
    with reconcile.reconcile_pass("test"):
        raise RuntimeError("the pass broke")


def test_a_failed_pass_of_the_tick_is_logged_once(caplog: pytest.LogCaptureFixture, monkeypatch: Any) -> None:
    monkeypatch.setattr(ticker, "TICK_PASSES", {"broken": f"{__name__}.failing_pass"})

    ticker.run_passes()

    logged = records(caplog, logging.ERROR)
    assert len(logged) == 1, caplog.text
    assert logged[0].exc_info is not None and str(logged[0].exc_info[1]) == "the pass broke"


def test_ticks_during_an_outage_log_it_once(caplog: pytest.LogCaptureFixture) -> None:
    with database_away():
        for _ in range(3):
            ticker.run_passes()  # the real passes: Kafka rows, clusters

    logged = records(caplog)
    assert [(r.name, r.levelname, r.exc_info) for r in logged] == [("fleetmanager.database", "WARNING", None)]


def test_the_simulated_agents_log_an_outage_once(caplog: pytest.LogCaptureFixture) -> None:
    options = AgentOptions(api_url="http://127.0.0.1:9", cluster_id="")
    fleet = AgentFleet(
        options,
        token_for=lambda cluster_id: lambda: "",
        clusters=lambda: list(Cluster.objects.values_list("cluster_id", flat=True)),
        discover_interval=0.05,
    )
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()

    with database_away():
        fleet.run(stop)  # looks its clusters up about ten times

    logged = records(caplog)
    assert [(r.name, r.levelname, r.exc_info) for r in logged] == [("fleetmanager.database", "WARNING", None)]
