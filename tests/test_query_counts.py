"""The database queries of each endpoint of upstream's perf-suite mix (BEHAVIOUR.md §14), pinned.

A change that adds a query to a hot endpoint (a lazy relation, a deferred field, a second
lookup) fails here instead of showing up as latency under load (docs/benchmarks.md). The
connection's health check, one `SELECT 1` at a request's first query, is not counted: it
runs below the query log. The metrics and service-account endpoints are pinned beside their
emulators, in tests/kafkas/test_metrics.py and tests/kafkas/test_service_accounts.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import ORG, V1, Api
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db

KAFKAS = f"{V1}/kafkas"
# The access-list check (deny list) of every authenticated request.
ACCESS_CHECK = 1


@pytest.fixture
def five(db: None) -> list[Any]:
    statuses = ["ready", "ready", "ready", "accepted", "failed"]
    return [KafkaFactory(name=f"kafka-{n}", status=status) for n, status in enumerate(statuses)]


@pytest.mark.parametrize(
    ("query", "queries", "total", "items"),
    [
        # A page that is not full ends the list: its rows give the total, no count.
        ("", ACCESS_CHECK + 1, 5, 5),
        ("?size=2&page=3", ACCESS_CHECK + 1, 5, 1),
        # A full page may have more behind it; a page past the end may have rows before it: both count.
        ("?size=5", ACCESS_CHECK + 2, 5, 5),
        ("?size=2", ACCESS_CHECK + 2, 5, 2),
        ("?size=2&page=9", ACCESS_CHECK + 2, 5, 0),
        # The perf suite's search.
        (
            "?search=" + quote("cloud_provider = aws and status = ready and name <> kafka-1"),
            ACCESS_CHECK + 1,
            2,
            2,
        ),
    ],
)
def test_the_kafka_list(
    five: list[Any], alice: Api, django_assert_num_queries: Any, query: str, queries: int, total: int, items: int
) -> None:
    with django_assert_num_queries(queries):
        body = alice.get(f"{KAFKAS}{query}").json()

    assert (body["total"], len(body["items"])) == (total, items)


def test_an_empty_list_is_one_query(alice: Api, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(ACCESS_CHECK + 1):
        body = alice.get(KAFKAS).json()

    assert (body["total"], body["items"]) == (0, [])


def test_a_list_of_a_hundred_is_two_queries_whatever_its_rows(alice: Api, django_assert_num_queries: Any) -> None:
    KafkaFactory.create_batch(100, status="ready", bootstrap_server_host="b.example.com", cluster_id="c1")

    with django_assert_num_queries(ACCESS_CHECK + 2):
        body = alice.get(KAFKAS).json()

    assert (body["total"], len(body["items"])) == (100, 100)


def test_a_kafka(five: list[Any], alice: Api, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(ACCESS_CHECK + 1):
        assert alice.get(f"{KAFKAS}/{five[0].id}").status_code == 200


def test_cloud_providers_are_one_query(alice: Api, django_assert_num_queries: Any) -> None:
    # The configured providers, plus any a live cluster runs on (no access-list check: any token).
    with django_assert_num_queries(1):
        assert alice.get(f"{V1}/cloud_providers").status_code == 200


@pytest.mark.parametrize(("clusters", "kafkas"), [(1, 5), (3, 60)])
def test_regions_cost_the_same_whatever_the_fleet(
    alice: Api, django_assert_num_queries: Any, clusters: int, kafkas: int
) -> None:
    # The regions, then per instance type the largest size that fits: the region's census and the
    # first cluster with room, each one query however many clusters and Kafkas there are.
    fleet = ClusterFactory.create_batch(clusters, supported_instance_type="standard,developer")
    for n in range(kafkas):
        KafkaFactory(cluster_id=fleet[n % clusters].cluster_id, status="ready")

    with django_assert_num_queries(5):
        body = alice.get(f"{V1}/cloud_providers/aws/regions").json()

    assert any(region["capacity"] for region in body["items"])


@pytest.mark.parametrize("path", ["/openapi", ""])
def test_the_openapi_document_and_the_version_need_no_database(
    api: Api, django_assert_num_queries: Any, path: str
) -> None:
    with django_assert_num_queries(0):
        assert api.client.get(f"{V1}{path}").status_code == 200  # /openapi is outside the contract it serves


def test_the_organisation_is_the_callers(five: list[Any], api: Api) -> None:
    # The list the pins above measure is the caller's organisation's, not everyone's.
    assert api.as_user("mallory", "99999999").get(KAFKAS).json()["total"] == 0
    assert api.as_user("bob", ORG).get(KAFKAS).json()["total"] == 5
