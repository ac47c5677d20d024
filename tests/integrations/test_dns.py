"""The Route53 client against moto's real server (boto3 over HTTP), and against a broken Route53."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.emulators.server import EmulatorServer, FaultInjectingEmulator, Query, Reply
from fleetmanager.integrations.dns import DNSError, Record, Route53Client
from tests.fixtures.route53 import ACCESS_KEY_ID, SECRET_ACCESS_KEY, Route53

DOMAIN = "kafka.bf2.dev"
BOOTSTRAP = Record("my-kafka-abc.kafka.bf2.dev", "router-default.apps.c1.example.com")
ADMIN = Record("admin-server-my-kafka-abc.kafka.bf2.dev", "router-default.apps.c1.example.com")


def client_of(endpoint: str, **overrides: Any) -> Route53Client:
    options: dict[str, Any] = {
        "access_key_id": ACCESS_KEY_ID,
        "secret_access_key": SECRET_ACCESS_KEY,
        "endpoint_url": endpoint,
        "timeout": 5.0,
        "retries": 1,
    }
    return Route53Client(**{**options, **overrides})


@pytest.fixture
def dns(route53: Route53) -> Route53Client:
    return client_of(route53.endpoint)


def test_it_upserts_cnames_with_ttl_300_in_the_zone_named_after_the_domain(
    dns: Route53Client, route53: Route53
) -> None:
    change = dns.upsert_cnames(DOMAIN, [BOOTSTRAP, ADMIN])

    assert change.in_sync and change.id
    assert dns.change(change.id).in_sync
    assert route53.cnames() == {
        BOOTSTRAP.name: (BOOTSTRAP.target, 300),
        ADMIN.name: (ADMIN.target, 300),
    }
    assert [entry["Action"] for entry in route53.changes()] == ["UPSERT", "UPSERT"]
    assert sorted(dns.cnames(DOMAIN), key=lambda r: r.name) == [ADMIN, BOOTSTRAP]


def test_upserting_the_same_records_again_changes_nothing(dns: Route53Client, route53: Route53) -> None:
    dns.upsert_cnames(DOMAIN, [BOOTSTRAP])
    dns.upsert_cnames(DOMAIN, [BOOTSTRAP])

    assert route53.cnames() == {BOOTSTRAP.name: (BOOTSTRAP.target, 300)}


def test_it_deletes_what_exists_and_a_second_delete_is_a_no_op(dns: Route53Client, route53: Route53) -> None:
    dns.upsert_cnames(DOMAIN, [BOOTSTRAP, ADMIN])

    first = dns.delete_cnames(DOMAIN, [BOOTSTRAP, ADMIN, Record("never-made.kafka.bf2.dev", "x.example.com")])
    second = dns.delete_cnames(DOMAIN, [BOOTSTRAP, ADMIN])

    assert first is not None and first.in_sync
    assert second is None
    assert route53.cnames() == {}


def test_a_domain_without_a_hosted_zone_is_not_retryable(dns: Route53Client, route53: Route53) -> None:
    with pytest.raises(DNSError) as excinfo:
        dns.upsert_cnames("elsewhere.example.com", [BOOTSTRAP])

    assert excinfo.value.retryable is False
    assert str(excinfo.value) == "route53: no hosted zone named elsewhere.example.com."


def test_it_refuses_to_run_without_explicit_credentials() -> None:
    # boto3's default credential chain would ask the machine's instance-metadata endpoint.
    with pytest.raises(ImproperlyConfigured, match="FLEET_ROUTE53_ACCESS_KEY_ID"):
        Route53Client(access_key_id="", secret_access_key="", endpoint_url="http://127.0.0.1:1")


# --- a broken Route53 ------------------------------------------------------------------------------


class BrokenRoute53(FaultInjectingEmulator):
    """Answers every call with a 503 (or, with ``delay_seconds``, late)."""

    status = 503

    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        return (
            self.status,
            {"Content-Type": "text/xml"},
            b"<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>down</Message></Error></ErrorResponse>",
        )


@pytest.fixture
def broken() -> Iterator[tuple[EmulatorServer, BrokenRoute53]]:
    emulator = BrokenRoute53()
    server = EmulatorServer().mount("/2013-04-01", emulator).start()  # Route53 API version prefix
    yield server, emulator
    server.stop()


def test_a_5xx_is_retried_then_a_retryable_error_naming_route53(broken: tuple[EmulatorServer, BrokenRoute53]) -> None:
    server, emulator = broken

    with pytest.raises(DNSError) as excinfo:
        client_of(server.url, retries=2).upsert_cnames(DOMAIN, [BOOTSTRAP])

    assert excinfo.value.retryable is True
    assert str(excinfo.value).startswith("route53: ListHostedZonesByName -> 503")
    assert len(emulator.requests) == 3  # the call and two retries


def test_a_timeout_is_a_retryable_error(broken: tuple[EmulatorServer, BrokenRoute53]) -> None:
    server, emulator = broken
    emulator.delay_seconds = 2.0

    with pytest.raises(DNSError) as excinfo:
        client_of(server.url, timeout=0.3, retries=0).upsert_cnames(DOMAIN, [BOOTSTRAP])

    assert excinfo.value.retryable is True
    assert "ReadTimeout" in str(excinfo.value)


def test_a_refused_connection_is_a_retryable_error() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]

    with pytest.raises(DNSError) as excinfo:
        client_of(f"http://127.0.0.1:{port}", retries=0).upsert_cnames(DOMAIN, [BOOTSTRAP])

    assert excinfo.value.retryable is True
    assert "route53: ListHostedZonesByName failed: EndpointConnectionError" == str(excinfo.value)
