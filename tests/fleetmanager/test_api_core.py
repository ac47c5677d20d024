"""API-wide behaviour: metadata, the error catalogue, operation ids, unknown paths, the contract file."""

from __future__ import annotations

import pytest

from fleetmanager import errors
from fleetmanager.api.exception_handler import HTTP_STATUS
from tests.conftest import V1, Api

UPSTREAM_CODES = [
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    11,
    12,
    15,
    17,
    18,
    21,
    23,
    24,
    25,
    30,
    31,
    32,
    33,
    34,
    36,
    37,
    38,
    39,
    40,
    41,
    42,
    43,
    44,
    45,
    46,
    47,
    103,
    106,
    107,
    108,
    109,
    110,
    111,
    112,
    113,
    115,
    120,
    121,
    429,
    1000,
]


def test_the_catalogue_has_upstreams_47_errors_in_order(api: Api) -> None:
    body = api.get(f"{V1}/errors").json()

    assert (body["kind"], body["page"], body["size"], body["total"]) == ("ErrorList", 1, 47, 47)
    assert [int(item["id"]) for item in body["items"]] == UPSTREAM_CODES
    assert all("operation_id" not in item for item in body["items"])
    assert next(item for item in body["items"] if item["id"] == "11") == {
        "id": "11",
        "kind": "Error",
        "href": "/api/kafkas_mgmt/v1/errors/11",
        "code": "KAFKAS-MGMT-11",
        "reason": "Account is unauthorized to perform this action",
    }


def test_the_error_list_pages(api: Api) -> None:
    body = api.get(f"{V1}/errors", {"page": "2", "size": "10"}).json()

    assert ([item["id"] for item in body["items"]][:2], body["size"], body["total"]) == (["17", "18"], 10, 47)


@pytest.mark.parametrize(("code", "status"), [(7, 404), (11, 403), (15, 401), (24, 403), (429, 429), (1000, 500)])
def test_it_serves_one_error_by_id(api: Api, code: int, status: int) -> None:
    body = api.get(f"{V1}/errors/{code}").json()

    assert body["code"] == f"KAFKAS-MGMT-{code}"
    assert HTTP_STATUS[code] == status


def test_every_catalogue_code_has_an_http_status() -> None:
    assert set(HTTP_STATUS) == set(errors.CATALOGUE)


@pytest.mark.parametrize("error_id", ["abc", "-1", "2", "7.0"])
def test_unknown_error_ids_are_404(api: Api, error_id: str) -> None:
    response = api.get(f"{V1}/errors/{error_id}")

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")


def test_version_metadata_lists_the_collections(api: Api) -> None:
    body = api.get(V1).json()

    assert (body["id"], body["kind"], body["href"]) == ("v1", "APIVersion", V1)
    assert [(c["id"], c["kind"]) for c in body["collections"]] == [
        ("kafkas", "KafkaList"),
        ("service_accounts", "ServiceAccountList"),
        ("cloud_providers", "CloudProviderList"),
        ("clusters", "EnterpriseClusterList"),
    ]


def test_api_metadata(api: Api) -> None:
    body = api.client.get("/api/kafkas_mgmt").json()

    assert (body["id"], body["kind"], body["versions"][0]["id"]) == ("kafkas_mgmt", "API", "v1")


def test_openapi_serves_the_upstream_contract_as_json(api: Api) -> None:
    body = api.client.get(f"{V1}/openapi").json()

    assert body["info"]["title"] == "Kafka Management API"
    assert "/api/kafkas_mgmt/v1/kafkas" in body["paths"]


def test_swagger_ui_and_generated_schema_are_served(api: Api) -> None:
    assert api.client.get(f"{V1}/docs").status_code == 200
    assert b"getKafkas" in api.client.get(f"{V1}/docs/schema").content


def test_every_response_carries_an_operation_id(api: Api, alice: Api) -> None:
    for response in (api.client.get(V1), alice.get(f"{V1}/kafkas"), api.client.get(f"{V1}/nowhere")):
        assert len(response["X-Operation-ID"]) == 20


def test_a_trailing_slash_is_stripped_like_upstream(alice: Api) -> None:
    assert alice.client.get(f"{V1}/kafkas/").status_code == 200
    assert alice.client.get(f"{V1}/errors/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/kafkas_mgmt/v2", f"{V1}/kafkas/a/b/c", f"{V1}/agent-clusterz", "/api/kafkas_mgmt/v1/x/"]
)
def test_unknown_api_paths_answer_404_7(alice: Api, path: str) -> None:
    response = alice.get(path)

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")


def test_a_wrong_method_is_405_10(alice: Api) -> None:
    response = alice.post(f"{V1}/errors", {"x": 1})

    assert (response.status_code, response.json()["code"]) == (405, "KAFKAS-MGMT-10")


def test_any_accept_header_still_gets_json(alice: Api) -> None:
    response = alice.get(f"{V1}/kafkas", HTTP_ACCEPT="text/html")

    assert (response.status_code, response["Content-Type"]) == (200, "application/json")


def test_an_oversized_body_is_refused_without_being_read_whole(alice: Api, settings: object) -> None:
    settings.FLEET_MAX_REQUEST_BODY_BYTES = 2048
    body = '{"name": "k", "padding": "' + "x" * 4096 + '"}'

    response = alice.request("post", f"{V1}/kafkas?async=true", body, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (400, "KAFKAS-MGMT-17")
    assert "larger than 2048 bytes" in response.json()["reason"]


def test_healthz(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
