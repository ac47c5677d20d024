"""Tests for tests/contract.py, on hand-built responses (no views, no database)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory
from openapi_spec_validator import validate as validate_spec

from tests.contract import OPENAPI_DIR, SPEC_FILES, _documents, assert_matches_contract, find_operation

UPSTREAM_OPENAPI_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "upstream" / "openapi"

KAFKA_ID = "cht8b2jvjqr0q3m5i1eg"
KAFKAS = "/api/kafkas_mgmt/v1/kafkas"
AGENT = "/api/kafkas_mgmt/v1/agent-clusters/cht8b2jvjqr0q3m5i1f0"
NO_BODY = object()

KAFKA: dict[str, Any] = {
    "id": KAFKA_ID,
    "kind": "Kafka",
    "href": f"{KAFKAS}/{KAFKA_ID}",
    "status": "ready",
    "cloud_provider": "aws",
    "multi_az": True,
    "region": "us-east-1",
    "owner": "alice",
    "name": "my-kafka",
    "bootstrap_server_host": f"my-kafka-{KAFKA_ID}.kafka.bf2.dev:443",
    "created_at": "2023-06-28T10:00:00Z",
    "updated_at": "2023-06-28T10:05:00.123456+00:00",
    "version": "3.3.1",
    "instance_type": "standard",
    "reauthentication_enabled": True,
    "max_data_retention_size": {"bytes": 1073741824000},
    "size_id": "x1",
    "billing_model": "standard",
}

KAFKA_LIST = {"kind": "KafkaRequestList", "page": 1, "size": 1, "total": 1, "items": [KAFKA]}


def error(id_: str = "7", **overrides: Any) -> dict[str, Any]:
    body = {
        "kind": "Error",
        "id": id_,
        "href": f"/api/kafkas_mgmt/v1/errors/{id_}",
        "code": f"KAFKAS-MGMT-{id_}",
        "reason": "Resource not found",
        "operation_id": "cht8b2jvjqr0q3m5i1g0",
    }
    return body | overrides


def managed_kafka(session_lifetime: Any) -> dict[str, Any]:
    return {
        "id": KAFKA_ID,
        "kind": "ManagedKafka",
        "metadata": {
            "name": "my-kafka",
            "namespace": f"kafka-{KAFKA_ID}",
            "annotations": {"bf2.org/id": KAFKA_ID, "bf2.org/placementId": "cht8b2jvjqr0q3m5i1h0"},
            "labels": {"bf2.org/kafkaInstanceProfileQuotaConsumed": "1", "bf2.org/suspended": "false"},
        },
        "spec": {
            "capacity": {"ingressPerSec": "50Mi", "totalMaxConnections": 9000, "maxDataRetentionSize": "1000Gi"},
            "oauth": {"userNameClaim": "clientId", "maximumSessionLifetime": session_lifetime},
            "endpoint": {"bootstrapServerHost": f"my-kafka-{KAFKA_ID}.kafka.bf2.dev"},
            "versions": {"kafka": "3.3.1", "strimzi": "strimzi-cluster-operator.v0.32.0-3", "kafkaIbp": "3.3"},
            "deleted": False,
            "owners": ["alice"],
        },
    }


INSTANCE_TYPES = {
    "instance_types": [
        {
            "id": "standard",
            "display_name": "Standard",
            "supported_billing_models": [
                {
                    "id": "standard",
                    "ams_resource": "rhosak",
                    "ams_product": "RHOSAK",
                    "ams_billing_models": ["standard"],
                }
            ],
            "sizes": [{"id": "x1", "display_name": "1", "max_data_retention_size": {"bytes": 1073741824000}}],
        }
    ]
}

SERVICE_ACCOUNT = {
    "id": "6b8e8f5a-6d0f-4c3e-9b0a-3f5f1c2d4e5f",
    "kind": "ServiceAccount",
    "href": "/api/kafkas_mgmt/v1/service_accounts/6b8e8f5a-6d0f-4c3e-9b0a-3f5f1c2d4e5f",
    "name": "my-app-sa",
    "client_id": "srvc-acct-6b8e8f5a-6d0f-4c3e-9b0a-3f5f1c2d4e5f",
    "client_secret": "s3cr3t",
    "created_at": "2023-06-28T10:00:00Z",
}


def fake_response(
    method: str, path: str, status: int, body: Any = NO_BODY, content_type: str | None = None
) -> HttpResponse:
    """A Django response as the test client returns it: with the request in `.wsgi_request`."""
    if body is NO_BODY:
        response = HttpResponse(status=status)
    elif isinstance(body, bytes):
        response = HttpResponse(body, status=status, content_type=content_type or "application/json")
    else:
        response = JsonResponse(body, status=status, safe=False)
    if content_type:
        response["Content-Type"] = content_type
    response.wsgi_request = getattr(RequestFactory(), method.lower())(path)
    return response


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    status: int
    body: Any = NO_BODY
    spec: str = "public"
    fails_with: str | None = None  # None: the response must pass
    content_type: str | None = None


CASES = [
    # Public API: KafkaRequest, lists and errors.
    Case("kafka-valid", "GET", f"{KAFKAS}/{KAFKA_ID}", 200, KAFKA),
    Case("kafka-expires-at-null", "GET", f"{KAFKAS}/{KAFKA_ID}", 200, KAFKA | {"expires_at": None}),
    Case("kafka-trailing-slash", "GET", f"{KAFKAS}/{KAFKA_ID}/", 200, KAFKA),
    Case(
        "kafka-missing-multi-az",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        {k: v for k, v in KAFKA.items() if k != "multi_az"},
        fails_with="$: 'multi_az' is a required property",
    ),
    Case(
        "kafka-multi-az-string",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        KAFKA | {"multi_az": "yes"},
        fails_with="$.multi_az: 'yes' is not of type 'boolean'",
    ),
    Case(
        "kafka-created-at-not-a-date",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        KAFKA | {"created_at": "yesterday"},
        fails_with="$.created_at: 'yesterday' is not a 'date-time'",
    ),
    Case(
        "kafka-updated-at-null",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        KAFKA | {"updated_at": None},
        fails_with="$.updated_at: None for not nullable",
    ),
    Case(
        "kafka-nested-bytes-string",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        KAFKA | {"max_data_retention_size": {"bytes": "1000Gi"}},
        fails_with="$.max_data_retention_size.bytes: '1000Gi' is not of type 'integer'",
    ),
    Case("kafka-list-valid", "GET", KAFKAS, 200, KAFKA_LIST),
    Case(
        "kafka-list-item-invalid",
        "GET",
        KAFKAS,
        200,
        KAFKA_LIST | {"items": [KAFKA | {"multi_az": "yes"}]},
        fails_with="$.items[0].multi_az: 'yes' is not of type 'boolean'",
    ),
    Case("create-kafka-202", "POST", f"{KAFKAS}?async=true", 202, KAFKA | {"status": "accepted"}),
    Case("error-404", "GET", f"{KAFKAS}/{KAFKA_ID}", 404, error("7")),
    Case(
        "error-wrong-code",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        404,
        error("7", code="KAFKAS-MGMT-9"),
        fails_with="$.code: expected 'KAFKAS-MGMT-7' for error id '7', got 'KAFKAS-MGMT-9'",
    ),
    Case(
        "error-wrong-href",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        404,
        error("7", href="/errors/7"),
        fails_with="$.href: expected '/api/kafkas_mgmt/v1/errors/7'",
    ),
    Case(
        "error-missing-reason",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        404,
        {k: v for k, v in error("7").items() if k != "reason"},
        fails_with="$: 'reason' is a required property",
    ),
    Case(
        "error-not-json",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        404,
        b"<h1>Not Found</h1>",
        content_type="text/html; charset=utf-8",
        fails_with="Content-Type is 'text/html; charset=utf-8'",
    ),
    Case("status-418", "GET", f"{KAFKAS}/{KAFKA_ID}", 418, error("9"), fails_with="status 418 is not documented"),
    Case("unknown-path", "GET", "/api/kafkas_mgmt/v1/nope", 200, {}, fails_with="not in the contract"),
    Case("unknown-method", "PUT", f"{KAFKAS}/{KAFKA_ID}", 200, KAFKA, fails_with="not in the contract"),
    # Error allowances (erratum 4).
    Case("undocumented-405-always-allowed", "GET", KAFKAS, 405, error("10")),
    Case("undocumented-400-with-request-body", "POST", "/api/kafkas_mgmt/v1/service_accounts", 400, error("17")),
    Case(
        "undocumented-400-without-request-body",
        "GET",
        "/api/kafkas_mgmt/v1/cloud_providers",
        400,
        error("21"),
        fails_with="status 400 is not documented",
    ),
    Case(
        "undocumented-400-listed-for-operation",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}/metrics/query_range",
        400,
        error("21"),
    ),
    Case(
        "undocumented-409-not-allowed",
        "GET",
        KAFKAS,
        409,
        error("6"),
        fails_with="status 409 is not documented",
    ),
    # Status errata (erratum 3).
    Case("create-service-account-202", "POST", "/api/kafkas_mgmt/v1/service_accounts", 202, SERVICE_ACCOUNT),
    Case(
        "create-service-account-200-is-not-upstream",
        "POST",
        "/api/kafkas_mgmt/v1/service_accounts",
        200,
        SERVICE_ACCOUNT,
        fails_with="status 200 is not documented",
    ),
    Case("delete-kafka-202-empty", "DELETE", f"{KAFKAS}/{KAFKA_ID}?async=true", 202),
    Case(
        "delete-kafka-202-with-body",
        "DELETE",
        f"{KAFKAS}/{KAFKA_ID}?async=true",
        202,
        KAFKA,
        fails_with="the contract documents no body for this status",
    ),
    Case("admin-delete-kafka-202-empty", "DELETE", f"/api/kafkas_mgmt/v1/admin/kafkas/{KAFKA_ID}", 202, spec="admin"),
    Case(
        "admin-error-404-cross-file-ref",
        "GET",
        f"/api/kafkas_mgmt/v1/admin/kafkas/{KAFKA_ID}",
        404,
        error("7"),
        spec="admin",
    ),
    # Private (agent) API.
    Case(
        "agent-kafkas-session-lifetime-int64",
        "GET",
        f"{AGENT}/kafkas",
        200,
        {"kind": "ManagedKafkaList", "items": [managed_kafka(299000)]},
        spec="private",
    ),
    Case(
        "agent-kafkas-session-lifetime-string",
        "GET",
        f"{AGENT}/kafkas",
        200,
        {"kind": "ManagedKafkaList", "items": [managed_kafka("299000")]},
        spec="private",
        fails_with="$.items[0].spec.oauth.maximumSessionLifetime: '299000' is not of type 'integer'",
    ),
    Case("agent-status-204-empty", "PUT", f"{AGENT}/status", 204, spec="private"),
    Case(
        "agent-status-204-with-body",
        "PUT",
        f"{AGENT}/status",
        204,
        b"{}",
        spec="private",
        fails_with="the contract documents no body for this status",
    ),
    Case(
        "agent-status-200-is-not-upstream",
        "PUT",
        f"{AGENT}/status",
        200,
        spec="private",
        fails_with="status 200 is not documented",
    ),
    Case("agent-error-404-cross-file-ref", "GET", f"{AGENT}/kafkas", 404, error("7"), spec="private"),
    Case(
        "public-path-not-in-private-contract",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}",
        200,
        KAFKA,
        spec="private",
        fails_with="not in the contract",
    ),
    # Schema erratum 1: SupportedKafkaInstanceTypesList requires instance_types, not items.
    Case("instance-types-valid", "GET", "/api/kafkas_mgmt/v1/instance_types/aws/us-east-1", 200, INSTANCE_TYPES),
    Case(
        "instance-types-missing",
        "GET",
        "/api/kafkas_mgmt/v1/instance_types/aws/us-east-1",
        200,
        {"items": []},
        fails_with="$: 'instance_types' is a required property",
    ),
    # Request allowance: a NUL in the query is refused before routing, 400/21, on any operation.
    Case("nul-in-query-400-21", "GET", f"{KAFKAS}/{KAFKA_ID}/metrics/query?filters=a%00b", 400, error("21")),
    Case("nul-in-unknown-parameter-400-21", "GET", "/api/kafkas_mgmt/v1/cloud_providers?x%00=1", 400, error("21")),
    Case(
        "400-without-nul-is-not-allowed",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}/metrics/query?filters=ab",
        400,
        error("21"),
        fails_with="status 400 is not documented",
    ),
    Case(
        "nul-in-query-other-error-id",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}/metrics/query?filters=a%00b",
        400,
        error("17"),
        fails_with="status 400 is not documented",
    ),
    # A text/plain operation: only the media type is checked.
    Case(
        "federate-text",
        "GET",
        f"{KAFKAS}/{KAFKA_ID}/metrics/federate",
        200,
        b"kafka_instance_partition_limit 1000\n",
        content_type="text/plain; version=0.0.4",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_assert_matches_contract(case: Case) -> None:
    response = fake_response(case.method, case.path, case.status, case.body, case.content_type)
    if case.fails_with is None:
        assert_matches_contract(response, spec=case.spec)
        return
    with pytest.raises(AssertionError) as excinfo:
        assert_matches_contract(response, spec=case.spec)
    assert case.fails_with in str(excinfo.value)


def test_it_reports_operation_status_path_and_body() -> None:
    response = fake_response("GET", f"{KAFKAS}/{KAFKA_ID}", 200, KAFKA | {"multi_az": "yes"})

    with pytest.raises(AssertionError) as excinfo:
        assert_matches_contract(response)

    message = str(excinfo.value)
    assert f"getKafkaById (GET {KAFKAS}/{{id}})" in message
    assert "status:    200" in message
    assert "$.multi_az: 'yes' is not of type 'boolean'" in message
    assert '"multi_az": "yes"' in message


def test_it_truncates_long_bodies() -> None:
    huge = KAFKA_LIST | {"items": [KAFKA | {"multi_az": "yes"}] * 200}
    response = fake_response("GET", KAFKAS, 200, huge)

    with pytest.raises(AssertionError) as excinfo:
        assert_matches_contract(response)

    assert len(str(excinfo.value)) < 10_000
    assert "... and 180 more" in str(excinfo.value)


def test_it_rejects_unknown_spec_names() -> None:
    response = fake_response("GET", KAFKAS, 200, KAFKA_LIST)

    with pytest.raises(ValueError, match="Unknown contract 'agent'"):
        assert_matches_contract(response, spec="agent")


def test_literal_paths_win_over_templates() -> None:
    assert find_operation("PUT", f"{AGENT}/kafkas/status", spec="private").operation_id == "updateKafkaClusterStatus"
    assert find_operation("GET", f"{AGENT}/kafkas", spec="private").operation_id == "getKafkas"
    assert find_operation("GET", AGENT, spec="private").operation_id == "getKafkaAgent"


@pytest.mark.parametrize("spec", sorted(SPEC_FILES))
def test_corrected_specs_are_valid_openapi(spec: str) -> None:
    """Erratum 5: with the errata applied, openapi-spec-validator accepts every contract."""
    document = copy.deepcopy(_documents()[spec])

    validate_spec(document, base_uri=(OPENAPI_DIR / SPEC_FILES[spec]).as_uri())


def test_errata_are_applied_in_memory_only() -> None:
    on_disk = yaml.safe_load((OPENAPI_DIR / SPEC_FILES["public"]).read_text())

    assert on_disk["components"]["schemas"]["SupportedKafkaInstanceTypesList"]["allOf"][0]["required"] == ["items"]


@pytest.mark.skipif(not UPSTREAM_OPENAPI_DIR.is_dir(), reason="../shared is not checked out beside the project")
@pytest.mark.parametrize("file", sorted(SPEC_FILES.values()))
def test_copies_are_byte_identical_to_upstream(file: str) -> None:
    assert (OPENAPI_DIR / file).read_bytes() == (UPSTREAM_OPENAPI_DIR / file).read_bytes()
