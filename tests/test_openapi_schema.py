"""The schema drf-spectacular generates must describe the upstream contract: same paths,
methods, operationIds and status codes for every operation we implement."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource, Specification

from fleetmanager.api.pagination import Page
from fleetmanager.integrations.sso import ServiceAccount
from kafkas.admin_api.serializers import AdminKafkaListSerializer, AdminKafkaSerializer
from kafkas.models import KafkaRequest
from kafkas.observability.queries import KafkaMetrics
from kafkas.observability.serializers import MetricsInstantQueryListSerializer, MetricsRangeQueryListSerializer
from kafkas.serializers import KafkaRequestListSerializer, KafkaRequestSerializer
from kafkas.service_accounts.serializers import ServiceAccountListSerializer, ServiceAccountSerializer
from tests.conftest import V1
from tests.contract import OPENAPI_DIR, SPEC_FILES, STATUS_ERRATA, corrected_documents
from tests.factories import KafkaFactory

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


URLCONFS = {
    "public": "fleetmanager.api.public_urls",
    "private": "fleetmanager.api.private_urls",
    "admin": "fleetmanager.api.admin_urls",
}


@cache
def generated() -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of every generated schema (one schema per upstream contract)."""
    operations: dict[tuple[str, str], dict[str, Any]] = {}
    for urlconf in URLCONFS.values():
        operations.update(_operations(SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)))
    return operations


@cache
def upstream() -> dict[tuple[str, str], tuple[str, frozenset[str]]]:
    """operationId and status codes per operation of all three contracts, with the status errata applied."""
    result = {}
    for spec, filename in SPEC_FILES.items():
        document = yaml.safe_load((Path(OPENAPI_DIR) / filename).read_text())
        for (method, path), operation in _operations(document).items():
            statuses = set(operation["responses"])
            for erratum in STATUS_ERRATA:
                if erratum.spec == spec and erratum.operation == f"{method} {path}":
                    statuses = (statuses - {erratum.documented}) | {erratum.actual}
            result[(method, path)] = (operation["operationId"], frozenset(statuses))
    return result


@pytest.mark.parametrize("key", sorted(generated()), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_generated_operation_matches_the_upstream_contract(key: tuple[str, str]) -> None:
    method, path = key
    assert key in upstream(), f"{method} {path} is not in any upstream contract"
    operation_id, statuses = upstream()[key]
    ours = generated()[key]
    assert ours["operationId"] == operation_id
    assert set(ours["responses"]) == statuses, f"ours {sorted(ours['responses'])} vs upstream {sorted(statuses)}"


def test_the_generated_schema_names_every_path_parameter_like_upstream() -> None:
    for _method, path in generated():
        assert "{pk}" not in path, path


# --- the bodies the generated schemas describe (clients validate against them; so does the fuzzer) ---


@cache
def _generated_documents() -> dict[str, dict[str, Any]]:
    return {
        spec: SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
        for spec, urlconf in URLCONFS.items()
    }


@cache
def _upstream_documents() -> dict[str, dict[str, Any]]:
    return corrected_documents()


def _resolve(schema: dict[str, Any], documents: dict[str, dict[str, Any]], spec: str) -> tuple[dict[str, Any], str]:
    """Follow `$ref`s (also upstream's `kas-fleet-manager.yaml#/...` ones) to a schema and the spec it lives in."""
    while "$ref" in schema:
        target, _, pointer = schema["$ref"].partition("#")
        if target:
            spec = next(name for name, file in SPEC_FILES.items() if file == target)
        node: Any = documents[spec]
        for token in pointer.strip("/").split("/"):
            node = node[token]
        schema = node
    return schema, spec


def _shape(schema: dict[str, Any], documents: dict[str, dict[str, Any]], spec: str) -> tuple[str, set[str]]:
    """A schema's JSON type and the properties it requires (`allOf` merged)."""
    schema, spec = _resolve(schema, documents, spec)
    kind, required = schema.get("type", ""), set(schema.get("required", ()))
    for part in schema.get("allOf", ()):
        part_kind, part_required = _shape(part, documents, spec)
        kind, required = kind or part_kind, required | part_required
    return kind or ("object" if "properties" in schema else ""), required


def _json_bodies() -> list[tuple[str, str, str, str]]:
    """(spec, method, path, status) of every generated success response with a JSON body."""
    return [
        (spec, method, path, status)
        for spec, document in _generated_documents().items()
        for (method, path), operation in _operations(document).items()
        for status, response in operation["responses"].items()
        if status.startswith("2") and "application/json" in response.get("content", {})
    ]


@pytest.mark.parametrize(("spec", "method", "path", "status"), _json_bodies(), ids=lambda value: str(value))
def test_each_generated_success_body_has_upstreams_type(spec: str, method: str, path: str, status: str) -> None:
    """A list answers one envelope object, not an array of envelopes."""
    ours = _generated_documents()[spec]
    theirs = _upstream_documents()
    our_schema = _operations(ours)[(method, path)]["responses"][status]["content"]["application/json"]["schema"]
    upstream_response = _operations(theirs[spec])[(method, path)]["responses"][status]
    their_schema = upstream_response["content"]["application/json"]["schema"]

    our_type, _ = _shape(our_schema, {spec: ours}, spec)
    their_type, _ = _shape(their_schema, theirs, spec)

    assert our_type == their_type, f"{method} {path} {status}: ours is {our_type!r}, upstream's {their_type!r}"


def _kafka() -> KafkaRequest:
    """A Kafka as it is right after creation: no cluster, no host, no versions, no size yet (unsaved)."""
    return KafkaFactory.build(
        id="dc6sheb8di13rl78un1g",
        name="fresh",
        max_data_retention_size="",
        actual_kafka_billing_model="",
        desired_kafka_billing_model="",
    )


def _account(**fields: Any) -> ServiceAccount:
    defaults = {
        "id": "8e2929ab-2e80-4233-a496-e6c22b2efabd",
        "client_id": "srvc-acct-57fdcbfa-596f-4179-b91f-59fc62f73cac",
        "client_secret": "",
        "name": "robot",
        "description": "",
        "attributes": {"username": "alice", "rh-org-id": "13640203"},
        "created_at": None,
    }
    return ServiceAccount(**{**defaults, **fields})


EMPTY_FIELDS_BODIES = {
    # (spec, method, path, status): a body our serializers render with every omittable field empty
    ("public", "GET", f"{V1}/kafkas/{{id}}", "200"): lambda: KafkaRequestSerializer(_kafka()).data,
    ("public", "GET", f"{V1}/kafkas", "200"): lambda: (
        KafkaRequestListSerializer(Page(page=1, total=1, items=[_kafka()])).data
    ),
    ("admin", "GET", f"{V1}/admin/kafkas/{{id}}", "200"): lambda: AdminKafkaSerializer(_kafka()).data,
    ("admin", "GET", f"{V1}/admin/kafkas", "200"): lambda: (
        AdminKafkaListSerializer(Page(page=1, total=1, items=[_kafka()])).data
    ),
    ("public", "GET", f"{V1}/service_accounts/{{id}}", "200"): lambda: ServiceAccountSerializer(_account()).data,
    ("public", "GET", f"{V1}/service_accounts", "200"): lambda: ServiceAccountListSerializer([_account()]).data,
    ("public", "GET", f"{V1}/kafkas/{{id}}/metrics/query_range", "200"): lambda: (
        MetricsRangeQueryListSerializer(KafkaMetrics("dc6sheb8di13rl78un1g")).data
    ),
    ("public", "GET", f"{V1}/kafkas/{{id}}/metrics/query", "200"): lambda: (
        MetricsInstantQueryListSerializer(KafkaMetrics("dc6sheb8di13rl78un1g")).data
    ),
}


@pytest.mark.parametrize("key", sorted(EMPTY_FIELDS_BODIES), ids=lambda key: " ".join(key[1:]))
def test_bodies_with_empty_fields_validate_against_the_generated_schema(key: tuple[str, str, str, str]) -> None:
    """Empty fields are left out (upstream's omitempty), so the generated schema must not require them.

    Validated as a response (OAS30ReadValidator): the plain validator skips `required` for the
    readOnly properties drf-spectacular generates for output-only fields.
    """
    spec, method, path, status = key
    document = _generated_documents()[spec]
    registry = Registry().with_resource(
        "urn:generated", Resource(contents=document, specification=Specification.OPAQUE)
    )
    tokens = ["paths", path, method.lower(), "responses", status, "content", "application/json", "schema"]
    pointer = "/".join(token.replace("~", "~0").replace("/", "~1") for token in tokens)
    validator = OAS30ReadValidator(
        {"$ref": f"urn:generated#/{pointer}"}, registry=registry, format_checker=oas30_format_checker
    )
    body = json.loads(json.dumps(EMPTY_FIELDS_BODIES[key]()))

    problems = [f"{error.json_path}: {error.message}" for error in validator.iter_errors(body)]

    assert not problems, f"{method} {path}: {problems}"
