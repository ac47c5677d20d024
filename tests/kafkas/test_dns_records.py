"""Route53 CNAMEs of a Kafka's routes through its lifecycle (BEHAVIOUR.md §4.4, §4.5), against moto's server."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import SSOEmulator
from fleetmanager.integrations.dns import reset_route53_client
from kafkas import lifecycle, tasks
from kafkas.models import KafkaRequest, KafkaStatus
from tests.conftest import V1, Api
from tests.factories import KafkaFactory
from tests.fixtures.route53 import Route53

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sso_emulator")]

KAFKA_ID = "cht8b2jvjqr0q3m5i1eg"


def row(kafka_id: str = KAFKA_ID) -> KafkaRequest:
    return KafkaRequest.all_objects.get(pk=kafka_id)


def report(cluster: Any, kafka_id: str, condition: dict[str, str]) -> None:
    """What the cluster's agent reports: Ready with routes through the cluster's router, or another condition."""
    status: dict[str, Any] = {"conditions": [{"type": "Ready", "message": "", **condition}]}
    if condition.get("status") == "True":
        router = f"router-default.{cluster.cluster_dns}"
        status["routes"] = [
            {"name": "bootstrap", "prefix": "", "router": router},
            {"name": "admin-server", "prefix": "admin-server", "router": router},
        ]
    agent = Api("private", mint_token(client_id=cluster.client_id))
    response = agent.put(f"{V1}/agent-clusters/{cluster.cluster_id}/kafkas/status", {kafka_id: status})
    assert response.status_code == 200


READY = {"status": "True", "reason": ""}


@pytest.fixture
def provisioning(ready_cluster: Any, route53: Route53) -> KafkaRequest:
    kafka = KafkaFactory(id=KAFKA_ID, name="my-kafka", cluster_id=ready_cluster.cluster_id)
    tasks.reconcile_kafka(kafka.id)
    assert row().status == KafkaStatus.PROVISIONING
    return row()


def test_a_kafka_gets_one_set_of_cnames_and_loses_it_on_delete(
    provisioning: KafkaRequest, ready_cluster: Any, route53: Route53, alice: Api
) -> None:
    host = provisioning.bootstrap_server_host
    assert host == f"my-kafka-{KAFKA_ID}.kafka.bf2.dev"  # under the Kafka domain, not the cluster's

    report(ready_cluster, KAFKA_ID, READY)
    assert row().status == KafkaStatus.PROVISIONING  # not ready before its names resolve
    tasks.reconcile_kafka(KAFKA_ID)  # what the kick of the stored routes runs
    report(ready_cluster, KAFKA_ID, READY)

    router = f"router-default.{ready_cluster.cluster_dns}"
    assert route53.cnames() == {host: (router, 300), f"admin-server-{host}": (router, 300)}
    assert len(route53.changes()) == 2  # one change batch of two records
    kafka = row()
    assert (kafka.status, kafka.routes_created, bool(kafka.routes_creation_id)) == (KafkaStatus.READY, True, True)

    tasks.reconcile_kafkas()  # the periodic pass finds nothing more to do
    assert len(route53.changes()) == 2

    assert alice.delete(f"{V1}/kafkas/{KAFKA_ID}?async=true").status_code == 202
    report(ready_cluster, KAFKA_ID, {"status": "False", "reason": "Deleted"})
    tasks.reconcile_kafka(KAFKA_ID)

    assert route53.cnames() == {}
    assert row().deleted_at is not None


def test_a_retried_step_sends_no_second_change(
    provisioning: KafkaRequest, ready_cluster: Any, route53: Route53
) -> None:
    report(ready_cluster, KAFKA_ID, READY)

    lifecycle.register_routes(row())
    lifecycle.register_routes(row())  # a retry (a lost kick, a second worker) polls the stored change
    kafka = row()
    kafka.routes_created = False  # even one that still believes the change is pending
    lifecycle.register_routes(kafka)

    assert len(route53.changes()) == 2
    assert len(route53.cnames()) == 2


def test_a_route53_outage_is_recorded_backed_off_and_recovered(
    provisioning: KafkaRequest, ready_cluster: Any, route53: Route53, settings: Any
) -> None:
    report(ready_cluster, KAFKA_ID, READY)
    endpoint = settings.FLEET_ROUTE53_ENDPOINT_URL
    settings.FLEET_ROUTE53_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    settings.FLEET_ROUTE53_RETRIES = 0
    reset_route53_client()

    tasks.reconcile_kafka(KAFKA_ID)

    kafka = row()
    assert kafka.status == KafkaStatus.PROVISIONING and not kafka.routes_created
    assert kafka.reconcile_failures == 1
    assert "route53: ListHostedZonesByName failed: EndpointConnectionError" in kafka.last_reconcile_error
    assert kafka.next_reconcile_at is not None
    tasks.reconcile_kafka(KAFKA_ID)  # backing off: not due, nothing tried
    assert row().reconcile_failures == 1

    settings.FLEET_ROUTE53_ENDPOINT_URL = endpoint
    reset_route53_client()
    KafkaRequest.objects.filter(pk=KAFKA_ID).update(next_reconcile_at=None)  # the backoff has passed
    tasks.reconcile_kafka(KAFKA_ID)

    kafka = row()
    assert kafka.routes_created and (kafka.reconcile_failures, kafka.last_reconcile_error) == (0, "")
    assert len(route53.changes()) == 2


def test_without_cname_registration_routes_count_as_created_at_once(
    ready_cluster: Any, settings: Any, sso_emulator: SSOEmulator
) -> None:
    settings.FLEET_ENABLE_KAFKA_CNAME_REGISTRATION = False
    KafkaFactory(id=KAFKA_ID, name="my-kafka", cluster_id=ready_cluster.cluster_id)
    tasks.reconcile_kafka(KAFKA_ID)

    report(ready_cluster, KAFKA_ID, READY)

    assert row().status == KafkaStatus.READY
    assert row().bootstrap_server_host.endswith(".kas.cluster-ready-1.example.com")
