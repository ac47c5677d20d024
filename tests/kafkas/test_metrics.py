"""A Kafka's metrics (`/kafkas/{id}/metrics/...`, BEHAVIOUR.md §1.9, §13) from a real Prometheus that scrapes
the simulated data plane, through the Observatorium client; and what users get when Observatorium fails."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from fleetmanager.devtokens import mint_token
from fleetmanager.emulators.server import EmulatorServer, FaultInjectingEmulator, Query, Reply
from fleetmanager.integrations.observatorium import reset_observatorium_client
from kafkas.observability.catalogue import BY_NAME, RETURNED_LABELS, promql_queries
from tests.conftest import ORG, OTHER_ORG, V1, Api, error_code
from tests.factories import KafkaFactory
from tests.fixtures.prometheus import Prometheus

pytestmark = pytest.mark.django_db

KAFKA_ID = "cmetrics0000000000a1"
NAMESPACE = f"kafka-{KAFKA_ID}"
BASE = f"{V1}/kafkas/{KAFKA_ID}/metrics"


@pytest.fixture
def kafka() -> Any:
    return KafkaFactory(id=KAFKA_ID, name="my-kafka", status="ready", namespace=NAMESPACE, cluster_id="c1")


@pytest.fixture
def scraped(prometheus: Prometheus, kafka: Any) -> Prometheus:
    prometheus.run_kafka(NAMESPACE, "my-kafka")
    return prometheus


def names(items: list[dict[str, Any]]) -> set[str]:
    return {item["metric"]["__name__"] for item in items}


# --- instant query ---------------------------------------------------------------------------------


def test_it_answers_the_kafkas_metrics_from_prometheus(scraped: Prometheus, alice: Api) -> None:
    response = alice.get(f"{BASE}/query")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["id"]) == ("MetricsInstantQueryList", KAFKA_ID)
    assert names(body["items"]) == set(BY_NAME)  # every metric of §13.1 the data plane exposes
    bytes_in = [item for item in body["items"] if item["metric"]["__name__"].endswith("bytes_in_total")]
    assert {item["metric"]["topic"] for item in bytes_in} == {"orders", "payments"}  # private topics filtered
    assert all(item["value"] > 0 and isinstance(item["timestamp"], int) for item in bytes_in)
    assert all(set(item["metric"]) <= RETURNED_LABELS for item in body["items"])  # no namespace, job, instance


def test_filters_keep_only_the_named_metrics(scraped: Prometheus, alice: Api) -> None:
    wanted = [
        "kafka_namespace:kafka_server_socket_server_metrics_connection_count:sum",
        "kubelet_volume_stats_used_bytes",
    ]

    body = alice.get(f"{BASE}/query", {"filters": wanted}).json()

    assert names(body["items"]) == set(wanted)
    used = next(i for i in body["items"] if i["metric"]["__name__"] == "kubelet_volume_stats_used_bytes")
    assert used["metric"]["persistentvolumeclaim"] == "data-0-my-kafka-kafka-0"


def test_another_kafkas_metrics_stay_out(scraped: Prometheus, alice: Api) -> None:
    KafkaFactory(id="cmetrics0000000000b2", name="neighbour", status="ready", namespace="kafka-cmetrics0000000000b2")
    scraped.run_kafka("kafka-cmetrics0000000000b2", "neighbour")

    body = alice.get(f"{BASE}/query", {"filters": ["kafka_server_brokertopicmetrics_bytes_in_total"]}).json()

    assert {item["metric"]["strimzi_io_cluster"] for item in body["items"]} == {"my-kafka"}


# --- range query -----------------------------------------------------------------------------------


def test_a_range_query_answers_values_every_interval(scraped: Prometheus, alice: Api) -> None:
    scraped.wait_for(
        f"count_over_time(kafka_controller_kafkacontroller_global_partition_count{{namespace='{NAMESPACE}'}}[5s]) > 1"
    )
    response = alice.get(
        f"{BASE}/query_range",
        {"duration": "1", "interval": "1", "filters": ["kafka_controller_kafkacontroller_global_partition_count"]},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["id"]) == ("MetricsRangeQueryList", KAFKA_ID)
    [series] = body["items"]
    assert series["metric"]["__name__"] == "kafka_controller_kafkacontroller_global_partition_count"
    assert len(series["values"]) >= 2
    assert {value["value"] for value in series["values"]} == {6.0}  # 3 + 2 + 1 partitions
    timestamps = [value["timestamp"] for value in series["values"]]
    assert timestamps == sorted(timestamps) and all(
        b - a == 1000 for a, b in zip(timestamps, timestamps[1:], strict=False)
    )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"interval": "30"}, "cannot parse query parameter 'duration' ''"),
        ({"duration": "5"}, "cannot parse query parameter 'interval' ''"),
        ({"duration": "five", "interval": "30"}, "cannot parse query parameter 'duration' 'five'"),
        ({"duration": "5", "interval": "1.5"}, "cannot parse query parameter 'interval' '1.5'"),
        ({"duration": "0", "interval": "30"}, "'duration' must be between 1 and 4320"),
        ({"duration": "4321", "interval": "30"}, "'duration' must be between 1 and 4320"),
        ({"duration": "5", "interval": "10801"}, "'interval' must be between 1 and 10800"),
        ({"duration": "4320", "interval": "1"}, "more than 11000 points"),
    ],
)
def test_it_refuses_a_bad_range(prometheus: Prometheus, kafka: Any, alice: Api, params: dict, reason: str) -> None:
    response = alice.get(f"{BASE}/query_range", params)

    assert (response.status_code, error_code(response)) == (400, "KAFKAS-MGMT-21")
    assert reason in response.json()["reason"]


# --- federate --------------------------------------------------------------------------------------


def test_federate_answers_the_prometheus_text_format(scraped: Prometheus, alice: Api) -> None:
    response = alice.get(f"{BASE}/federate")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {family.name: family for family in text_string_to_metric_families(response.content.decode())}
    assert set(families) == set(BY_NAME)
    assert all(family.type == "gauge" for family in families.values())
    bytes_in = families["kafka_server_brokertopicmetrics_bytes_in_total"]
    assert {sample.labels["topic"] for sample in bytes_in.samples} == {"orders", "payments"}
    assert set(bytes_in.samples[0].labels) == {"topic", "statefulset_kubernetes_io_pod_name", "strimzi_io_cluster"}
    assert families["kafka_instance_connection_limit"].samples[0].labels.keys() == {"instance_name", "broker_id"}


def test_federate_accepts_a_token_of_the_service_accounts_realm(scraped: Prometheus, api: Api, settings: Any) -> None:
    settings.FLEET_USER_ISSUERS = [settings.FLEET_DEV_ISSUER]
    realm = f"{settings.FLEET_SSO_BASE_URL}/realms/{settings.FLEET_SSO_REALM}"
    robot = api.with_token(mint_token(client_id="srvc-acct-x", issuer=realm, extra_claims={"rh-org-id": ORG}))

    assert robot.get(f"{BASE}/federate").status_code == 200
    assert error_code(robot.get(f"{BASE}/query")) == "KAFKAS-MGMT-15"  # only federate trusts that realm


# --- visibility and no Observatorium ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["query", "query_range?duration=5&interval=30", "federate"])
def test_another_orgs_kafka_is_not_found(prometheus: Prometheus, kafka: Any, api: Api, path: str) -> None:
    response = api.as_user("eve", OTHER_ORG).get(f"{BASE}/{path}")

    assert (response.status_code, error_code(response)) == (404, "KAFKAS-MGMT-7")


def test_without_an_observatorium_the_answers_are_empty(kafka: Any, alice: Api, settings: Any) -> None:
    settings.FLEET_OBSERVATORIUM_URL = ""
    reset_observatorium_client()

    instant = alice.get(f"{BASE}/query")
    ranged = alice.get(f"{BASE}/query_range", {"duration": "5", "interval": "30"})
    federated = alice.get(f"{BASE}/federate")

    assert instant.json() == {"kind": "MetricsInstantQueryList", "id": KAFKA_ID}
    assert ranged.json() == {"kind": "MetricsRangeQueryList", "id": KAFKA_ID}
    assert (federated.status_code, federated.content) == (200, b"")


# --- Observatorium failing ---------------------------------------------------------------------------


class BrokenPrometheus(FaultInjectingEmulator):
    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        return 503, {}, {"status": "error", "errorType": "unavailable", "error": "down for maintenance"}


@pytest.fixture
def broken(settings: Any) -> Iterator[BrokenPrometheus]:
    emulator = BrokenPrometheus()
    server = EmulatorServer().mount("/api", emulator).start()
    settings.FLEET_OBSERVATORIUM_URL = server.url
    settings.FLEET_OBSERVATORIUM_RETRIES = 1
    reset_observatorium_client()
    yield emulator
    reset_observatorium_client()
    server.stop()


def test_an_observatorium_5xx_is_500_9_naming_it(kafka: Any, alice: Api, broken: BrokenPrometheus) -> None:
    response = alice.get(f"{BASE}/query")

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    reason = response.json()["reason"]
    assert reason.startswith("failed to retrieve metrics: observatorium: GET /api/v1/query -> 503")
    assert "down for maintenance" in reason
    assert len(broken.requests) == 2 * len(promql_queries(NAMESPACE, None))  # each selector's query, retried once


def test_a_slow_observatorium_is_answered_within_its_timeout(
    kafka: Any, alice: Api, broken: BrokenPrometheus, settings: Any
) -> None:
    settings.FLEET_OBSERVATORIUM_TIMEOUT_SECONDS = 0.3
    settings.FLEET_OBSERVATORIUM_RETRIES = 0
    reset_observatorium_client()
    broken.delay_seconds = 3.0

    response = alice.get(f"{BASE}/federate")

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    assert response.json()["reason"].startswith("error getting metrics: failed to retrieve metrics: observatorium:")
    assert "Timeout" in response.json()["reason"]


def test_an_observatorium_that_refuses_connections_is_500_9(kafka: Any, alice: Api, settings: Any) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    settings.FLEET_OBSERVATORIUM_URL = f"http://127.0.0.1:{port}"
    settings.FLEET_OBSERVATORIUM_RETRIES = 0
    reset_observatorium_client()

    response = alice.get(f"{BASE}/query_range", {"duration": "5", "interval": "30"})

    assert (response.status_code, error_code(response)) == (500, "KAFKAS-MGMT-9")
    assert "observatorium: GET /api/v1/query_range failed: ConnectionError" in response.json()["reason"]


# --- query counts (tests/test_query_counts.py pins the rest of the perf-suite mix) ----------------


@pytest.mark.parametrize("path", ["query", "query_range?duration=5&interval=30", "federate"])
def test_each_metrics_endpoint_is_two_queries(
    scraped: Prometheus, alice: Api, django_assert_num_queries: Any, path: str
) -> None:
    # The access-list check and the Kafka's lookup; the metrics come from Prometheus.
    with django_assert_num_queries(2):
        assert alice.get(f"{BASE}/{path}").status_code == 200
