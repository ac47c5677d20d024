"""Check API responses against the upstream kas-fleet-manager OpenAPI contracts.

The fleet manager must speak upstream's API exactly, so API tests pass every
response through `assert_matches_contract`: the operation is looked up in the
contract by the request's method and path, the status code must be documented
there, and the body must validate against the documented schema (or be empty
when the contract documents no content).

The contracts are the project's byte-for-byte copies of the upstream files in
`fleetmanager/openapi/`. Upstream's files have defects that upstream's own
server does not follow; those are corrected in memory, never in the files, by
the errata tables below (see also docs/contract-errata.md):

- `SCHEMA_ERRATA`: schemas that are wrong or not valid OpenAPI 3.0.
- `STATUS_ERRATA`: success statuses or bodies the real server sends differently.
- `ERROR_ALLOWANCES`: error statuses the server returns that an operation does
  not document. Each is allowed only where it is listed.
- `REQUEST_ALLOWANCES`: errors any operation answers to one kind of request
  (e.g. a NUL in the query string), refused before routing; each only for its
  error id and only when the request is of that kind.

Every error response (status >= 400), documented or not, must be upstream's
`Error` object with `kind`, `code` and `href` derived from its `id`.

Schemas are validated with openapi-schema-validator's OAS 3.0 validator
(`nullable`, `format: date-time`, `allOf`, declared `additionalProperties`) and
`$ref`s, including the cross-file `kas-fleet-manager.yaml#/...` ones, are
resolved through a `referencing` registry that holds the corrected documents.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import quote

import yaml
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from referencing import Registry, Resource, Specification

OPENAPI_DIR: Final = Path(__file__).resolve().parent.parent / "fleetmanager" / "openapi"

SPEC_FILES: Final[Mapping[str, str]] = {
    "public": "kas-fleet-manager.yaml",
    "private": "kas-fleet-manager-private.yaml",
    "admin": "kas-fleet-manager-private-admin.yaml",
}

ERROR_SCHEMA_REF: Final = "kas-fleet-manager.yaml#/components/schemas/Error"
ERROR_HREF_PREFIX: Final = "/api/kafkas_mgmt/v1/errors/"
ERROR_CODE_PREFIX: Final = "KAFKAS-MGMT-"

MAX_BODY_CHARS: Final = 2000
MAX_PROBLEMS: Final = 20
HTTP_METHODS: Final = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


# --------------------------------------------------------------------------------------------------
# Errata: where upstream's contract files and upstream's server disagree, we check the server's
# behaviour (BEHAVIOUR.md: "the code wins"). Each entry says which spec, where, what, and why.
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SchemaErratum:
    """Replace the value at a JSON pointer of a spec; `upstream` must be what the file has there."""

    spec: str
    where: str
    upstream: Any
    ours: Any
    why: str


@dataclass(frozen=True)
class StatusErratum:
    """The server answers `operation` with `actual` where the file documents `documented`."""

    spec: str
    operation: str
    documented: str
    actual: str
    empty_body: bool
    why: str


@dataclass(frozen=True)
class ErrorAllowance:
    """Error statuses accepted although the operation does not document them.

    `operations` empty means every operation of `spec` (every spec when `spec` is "*").
    """

    spec: str
    operations: tuple[str, ...]
    statuses: frozenset[int]
    why: str
    only_with_request_body: bool = False


SCHEMA_ERRATA: Final[tuple[SchemaErratum, ...]] = (
    SchemaErratum(
        spec="public",
        where="/components/schemas/SupportedKafkaInstanceTypesList/allOf/0/required",
        upstream=["items"],
        ours=["instance_types"],
        why="`items` is not a property of the list; its only property, and what upstream returns, is `instance_types`.",
    ),
    SchemaErratum(
        spec="private",
        where=(
            "/components/schemas/ManagedKafka/allOf/1/properties/spec/properties/oauth/properties/maximumSessionLifetime"
        ),
        upstream={"type": "long"},
        ours={"type": "integer", "format": "int64"},
        why="`long` is not an OpenAPI type (openapi-spec-validator rejects the file); the Go field is an int64.",
    ),
)

STATUS_ERRATA: Final[tuple[StatusErratum, ...]] = (
    StatusErratum(
        spec="public",
        operation="POST /api/kafkas_mgmt/v1/service_accounts",
        documented="200",
        actual="202",
        empty_body=False,
        why="The handler answers 202 with the ServiceAccount (BEHAVIOUR.md §1.12, §16.8).",
    ),
    StatusErratum(
        spec="public",
        operation="DELETE /api/kafkas_mgmt/v1/kafkas/{id}",
        documented="202",
        actual="202",
        empty_body=True,
        why="The file documents an Error body on success; the handler writes no body (BEHAVIOUR.md §1.7).",
    ),
    StatusErratum(
        spec="public",
        operation="DELETE /api/kafkas_mgmt/v1/clusters/{id}",
        documented="202",
        actual="202",
        empty_body=True,
        why="The file documents an Error body on success; the handler writes no body (BEHAVIOUR.md §1.13).",
    ),
    StatusErratum(
        spec="public",
        operation="DELETE /api/kafkas_mgmt/v1/service_accounts/{id}",
        documented="204",
        actual="204",
        empty_body=True,
        why="The file documents an Error body on success; a 204 has no body (BEHAVIOUR.md §1.12).",
    ),
    StatusErratum(
        spec="private",
        operation="PUT /api/kafkas_mgmt/v1/agent-clusters/{id}/status",
        documented="200",
        actual="204",
        empty_body=True,
        why="The handler answers 204 with no body (BEHAVIOUR.md §5.5, §16.8).",
    ),
    StatusErratum(
        spec="admin",
        operation="DELETE /api/kafkas_mgmt/v1/admin/kafkas/{id}",
        documented="200",
        actual="202",
        empty_body=True,
        why="The handler answers 202 with no body, not 200 with the Kafka (BEHAVIOUR.md §8, §16.8).",
    ),
)

ERROR_ALLOWANCES: Final[tuple[ErrorAllowance, ...]] = (
    ErrorAllowance(
        spec="*",
        operations=(),
        statuses=frozenset({401, 404, 405}),
        why="Answered before any handler runs: JWT middleware 401/15, auth of agent/admin routes and unknown "
        "ids 404/7, router 405/10 (BEHAVIOUR.md §1.1, §5.1, §8).",
    ),
    ErrorAllowance(
        spec="*",
        operations=(),
        statuses=frozenset({400}),
        only_with_request_body=True,
        why="A body that cannot be parsed is always 400/17 (BEHAVIOUR.md §1.1).",
    ),
    ErrorAllowance(
        spec="public",
        operations=(
            "GET /api/kafkas_mgmt/v1/instance_types/{cloud_provider}/{cloud_region}",
            "GET /api/kafkas_mgmt/v1/service_accounts/{id}",
            "GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/query_range",
            "GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/query",
            "GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/federate",
        ),
        statuses=frozenset({403}),
        why="User routes pass the ACL middleware: deny list 403/4, access list 403/18 (BEHAVIOUR.md §7.5).",
    ),
    ErrorAllowance(
        spec="public",
        operations=(
            "GET /api/kafkas_mgmt/v1/service_accounts",
            "GET /api/kafkas_mgmt/v1/service_accounts/{id}",
            "DELETE /api/kafkas_mgmt/v1/service_accounts/{id}",
            "POST /api/kafkas_mgmt/v1/service_accounts/{id}/reset_credentials",
        ),
        statuses=frozenset({400}),
        why="A malformed `client_id` or service account id is 400/40 (BEHAVIOUR.md §1.12).",
    ),
    ErrorAllowance(
        spec="public",
        operations=("GET /api/kafkas_mgmt/v1/service_accounts/{id}",),
        statuses=frozenset({500}),
        why="SSO failures are 500/111 (BEHAVIOUR.md §1.12).",
    ),
    ErrorAllowance(
        spec="public",
        operations=("GET /api/kafkas_mgmt/v1/kafkas/{id}/metrics/query_range",),
        statuses=frozenset({400}),
        why="`duration` and `interval` are mandatory integers: 400/21 (BEHAVIOUR.md §1.9).",
    ),
    ErrorAllowance(
        spec="private",
        operations=("POST /api/kafkas_mgmt/v1/obs-proxy-verification/{cluster_external_id}",),
        statuses=frozenset({400}),
        why="The external cluster id must be a UUID: 400/46 (BEHAVIOUR.md §5.6).",
    ),
    ErrorAllowance(
        spec="admin",
        operations=("DELETE /api/kafkas_mgmt/v1/admin/kafkas/{id}",),
        statuses=frozenset({400}),
        why="`async=true` is required: 400/103 (BEHAVIOUR.md §8).",
    ),
)


@dataclass(frozen=True)
class RequestAllowance:
    """An error any operation may answer to a request of one kind: refused before routing, whatever the operation.

    Narrower than an ErrorAllowance: it applies only when `applies` holds for the request, and only
    to an Error with id `error_id`.
    """

    statuses: frozenset[int]
    error_id: str
    applies: Callable[[Mapping[str, Any]], bool]  # called with the request's META
    why: str


def _query_has_nul(meta: Mapping[str, Any]) -> bool:
    return "%00" in str(meta.get("QUERY_STRING", ""))


REQUEST_ALLOWANCES: Final[tuple[RequestAllowance, ...]] = (
    RequestAllowance(
        statuses=frozenset({400}),
        error_id="21",
        applies=_query_has_nul,
        why="A NUL (%00) in any query parameter is refused before routing (RejectNulCharactersMiddleware): "
        "PostgreSQL cannot hold NUL, and upstream fails on it deeper, as a 500 (docs/contract-errata.md §4).",
    ),
)


# --------------------------------------------------------------------------------------------------
# What the helper reads from a response: Django's test client and DRF's APIClient both provide it.
# --------------------------------------------------------------------------------------------------


class _Request(Protocol):
    method: str | None
    path: str
    META: Mapping[str, Any]


class _Response(Protocol):
    status_code: int
    content: bytes
    headers: Mapping[str, str]
    wsgi_request: _Request


@dataclass(frozen=True)
class Operation:
    """One method of one path of a contract, with its errata applied."""

    spec: str
    method: str
    template: str
    operation_id: str
    responses: Mapping[str, Any]
    undocumented_errors: frozenset[int]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.template}"


@dataclass(frozen=True)
class _Contract:
    uri: str
    routes: tuple[tuple[re.Pattern[str], Operation], ...]


# --------------------------------------------------------------------------------------------------
# Loading, once per process
# --------------------------------------------------------------------------------------------------


def _spec_uri(name: str) -> str:
    return (OPENAPI_DIR / SPEC_FILES[name]).as_uri()


def _pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _operation_pointer(operation: str) -> tuple[str, str]:
    method, _, path = operation.partition(" ")
    return path, method.lower()


def _apply_schema_erratum(document: dict[str, Any], erratum: SchemaErratum) -> None:
    *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in erratum.where.split("/")[1:]]
    node: Any = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    if node.get(last) != erratum.upstream:
        raise RuntimeError(f"Erratum no longer matches upstream's {erratum.spec} file at {erratum.where}: {erratum}")
    node[last] = erratum.ours


def _apply_status_erratum(document: dict[str, Any], erratum: StatusErratum) -> None:
    path, method = _operation_pointer(erratum.operation)
    responses = document["paths"].get(path, {}).get(method, {}).get("responses", {})
    if erratum.documented not in responses:
        raise RuntimeError(f"Erratum no longer matches upstream's {erratum.spec} file: {erratum}")
    response = responses.pop(erratum.documented)
    if erratum.empty_body:
        response = {"description": response.get("description", "")}
    responses[erratum.actual] = response


@cache
def _documents() -> Mapping[str, dict[str, Any]]:
    """The three contracts as dicts, with SCHEMA_ERRATA and STATUS_ERRATA applied."""
    documents = {name: yaml.safe_load((OPENAPI_DIR / file).read_text()) for name, file in SPEC_FILES.items()}
    for schema_erratum in SCHEMA_ERRATA:
        _apply_schema_erratum(documents[schema_erratum.spec], schema_erratum)
    for status_erratum in STATUS_ERRATA:
        _apply_status_erratum(documents[status_erratum.spec], status_erratum)
    return documents


def corrected_documents() -> dict[str, dict[str, Any]]:
    """A copy of the three contracts with the errata applied (what the fuzzer generates requests from)."""
    return copy.deepcopy(dict(_documents()))


@cache
def _registry() -> Registry[Any]:
    # OpenAPI 3.0 documents have no $id/anchors: OPAQUE makes `referencing` resolve plain JSON pointers.
    return Registry().with_resources(
        (_spec_uri(name), Resource(contents=document, specification=Specification.OPAQUE))
        for name, document in _documents().items()
    )


def _allowed_errors(spec: str, key: str, has_request_body: bool) -> frozenset[int]:
    allowed: set[int] = set()
    for allowance in ERROR_ALLOWANCES:
        if allowance.spec not in ("*", spec):
            continue
        if allowance.operations and key not in allowance.operations:
            continue
        if allowance.only_with_request_body and not has_request_body:
            continue
        allowed |= allowance.statuses
    return frozenset(allowed)


def _route_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(regex)


def _route_order(route: tuple[re.Pattern[str], Operation]) -> tuple[int, int]:
    """Literal segments beat templated ones: `/kafkas/x` before `/kafkas/{id}`."""
    template = route[1].template
    return template.count("{"), -len(template)


def _iter_operations(name: str, document: Mapping[str, Any]) -> Iterator[Operation]:
    for template, path_item in document["paths"].items():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            key = f"{method.upper()} {template}"
            yield Operation(
                spec=name,
                method=method,
                template=template,
                operation_id=operation.get("operationId", key),
                responses=operation["responses"],
                undocumented_errors=_allowed_errors(name, key, "requestBody" in operation),
            )


def _check_allowance_targets(contracts: Mapping[str, _Contract]) -> None:
    """Fail loudly when an allowance names an operation the contract does not have (e.g. a typo)."""
    for allowance in ERROR_ALLOWANCES:
        if allowance.spec == "*":
            continue
        known = {operation.key for _, operation in contracts[allowance.spec].routes}
        missing = sorted(set(allowance.operations) - known)
        if missing:
            raise RuntimeError(f"ERROR_ALLOWANCES names operations missing from the {allowance.spec} spec: {missing}")


@cache
def _contracts() -> Mapping[str, _Contract]:
    contracts = {}
    for name, document in _documents().items():
        routes = sorted(
            ((_route_pattern(op.template), op) for op in _iter_operations(name, document)), key=_route_order
        )
        contracts[name] = _Contract(uri=_spec_uri(name), routes=tuple(routes))
    _check_allowance_targets(contracts)
    return contracts


@cache
def _validator(ref: str) -> Validator:
    """A validator for the schema at `ref` (an absolute `file:` URI with a JSON pointer fragment)."""
    return OAS30Validator({"$ref": ref}, registry=_registry(), format_checker=oas30_format_checker)


def _schema_ref(contract: _Contract, operation: Operation, status: str, media_type: str) -> str:
    tokens = ["paths", operation.template, operation.method, "responses", status, "content", media_type, "schema"]
    pointer = "/" + "/".join(_pointer_escape(token) for token in tokens)
    return f"{contract.uri}#{quote(pointer, safe='/~')}"


# --------------------------------------------------------------------------------------------------
# Checking one response
# --------------------------------------------------------------------------------------------------


def find_operation(method: str, path: str, *, spec: str = "public") -> Operation:
    """The operation of contract `spec` that serves `method path`; AssertionError if there is none."""
    contract = _contract(spec)
    if len(path) > 1:
        path = path.rstrip("/")  # upstream strips a trailing slash before routing
    for pattern, operation in contract.routes:
        if operation.method == method.lower() and pattern.fullmatch(path):
            return operation
    raise AssertionError(f"{method.upper()} {path}: the operation is not in the contract ({spec}: {SPEC_FILES[spec]})")


def _contract(spec: str) -> _Contract:
    contracts = _contracts()
    if spec not in contracts:
        raise ValueError(f"Unknown contract {spec!r}; expected one of {sorted(contracts)}")
    return contracts[spec]


def _media_type(response: _Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip().lower()


def _describe(error: ValidationError) -> str:
    leaf = best_match([error])  # descends into anyOf/oneOf to the most relevant cause
    message = leaf.message if len(leaf.message) <= 300 else leaf.message[:300] + "..."
    return f"{leaf.json_path}: {message}"


def _schema_problems(ref: str, instance: Any) -> list[str]:
    errors = sorted(_validator(ref).iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path])
    return [_describe(error) for error in errors]


def _parse_json(response: _Response) -> tuple[Any, list[str]]:
    if _media_type(response) != "application/json":
        content_type = response.headers.get("Content-Type")
        return None, [f"Content-Type is {content_type!r}, the contract documents application/json"]
    try:
        return json.loads(response.content), []
    except ValueError as exc:
        return None, [f"body is not valid JSON: {exc}"]


def _body_problems(contract: _Contract, operation: Operation, status: str, response: _Response) -> list[str]:
    content = operation.responses[status].get("content")
    if not content:
        return [] if response.content == b"" else ["the contract documents no body for this status, but there is one"]
    if "application/json" not in content:
        documented = sorted(content)
        return [] if _media_type(response) in documented else [f"Content-Type is not one of {documented}"]
    body, problems = _parse_json(response)
    if problems:
        return problems
    return _schema_problems(_schema_ref(contract, operation, status, "application/json"), body)


def _error_problems(response: _Response) -> list[str]:
    """Every error, documented or not, is upstream's Error object with kind/code/href derived from id."""
    body, problems = _parse_json(response)
    if problems:
        return problems
    problems = _schema_problems(f"{_spec_uri('public')}#/components/schemas/Error", body)
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return problems
    expected = {
        "kind": "Error",
        "code": ERROR_CODE_PREFIX + body["id"],
        "href": ERROR_HREF_PREFIX + body["id"],
    }
    for field, value in expected.items():
        if body.get(field) != value:
            problems.append(f"$.{field}: expected {value!r} for error id {body['id']!r}, got {body.get(field)!r}")
    return problems


def _status_problem(operation: Operation, response: _Response) -> str | None:
    status = response.status_code
    if str(status) in operation.responses:
        return None
    if status >= 400 and status in operation.undocumented_errors:
        return None
    if status >= 400 and any(_request_allowance_holds(allowance, response) for allowance in REQUEST_ALLOWANCES):
        return None
    documented = ", ".join(sorted(operation.responses))
    allowed = ", ".join(str(s) for s in sorted(operation.undocumented_errors))
    return f"status {status} is not documented (documented: {documented}; errata also allow: {allowed or 'none'})"


def _request_allowance_holds(allowance: RequestAllowance, response: _Response) -> bool:
    if response.status_code not in allowance.statuses or not allowance.applies(response.wsgi_request.META):
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("id") == allowance.error_id


def _body_text(response: _Response) -> str:
    text = response.content.decode("utf-8", errors="replace")
    return text if len(text) <= MAX_BODY_CHARS else text[:MAX_BODY_CHARS] + f"... ({len(text)} chars)"


def _report(operation: Operation, response: _Response, problems: Iterable[str]) -> str:
    request = response.wsgi_request
    query = request.META.get("QUERY_STRING", "")
    unique = list(dict.fromkeys(problems))
    shown = unique[:MAX_PROBLEMS] + (
        [f"... and {len(unique) - MAX_PROBLEMS} more"] if len(unique) > MAX_PROBLEMS else []
    )
    lines = [
        f"Response does not match the {operation.spec} contract",
        f"  operation: {operation.operation_id} ({operation.key})",
        f"  request:   {request.method} {request.path}{'?' + query if query else ''}",
        f"  status:    {response.status_code}",
        "  problems:",
        *(f"    - {problem}" for problem in shown),
        f"  body: {_body_text(response)}",
    ]
    return "\n".join(lines)


def assert_matches_contract(response: _Response, *, spec: str = "public") -> None:
    """Assert that `response` is what contract `spec` ("public", "private", "admin") allows.

    The operation is found from `response.wsgi_request` (method and path). The status must be
    documented for it (or allowed by ERROR_ALLOWANCES), a documented body must validate against its
    schema, an undocumented body must be empty, and any status >= 400 must carry upstream's Error.
    """
    request = response.wsgi_request
    operation = find_operation(str(request.method), request.path, spec=spec)
    contract = _contract(spec)
    status = response.status_code
    status_problem = _status_problem(operation, response)
    if status_problem:
        raise AssertionError(_report(operation, response, [status_problem]))
    problems: list[str] = []
    if str(status) in operation.responses:
        problems += _body_problems(contract, operation, str(status), response)
    if status >= 400:
        problems += _error_problems(response)
    if problems:
        raise AssertionError(_report(operation, response, problems))


def assert_upstream_error(response: _Response, *, statuses: Iterable[int] = (404, 405)) -> None:
    """For requests outside every contract (unknown paths, unsupported methods): the router must
    still answer with one of `statuses` and upstream's Error object."""
    request = response.wsgi_request
    problems: list[str] = []
    if response.status_code not in set(statuses):
        problems.append(f"status {response.status_code} is not one of {sorted(statuses)}")
    problems += _error_problems(response)
    if problems:
        unique = "\n".join(f"    - {p}" for p in dict.fromkeys(problems))
        raise AssertionError(
            f"{request.method} {request.path} (outside the contract) did not answer an upstream error:\n"
            f"{unique}\n  body: {_body_text(response)}"
        )


def in_contract(method: str, path: str, *, spec: str = "public") -> bool:
    try:
        find_operation(method, path, spec=spec)
    except AssertionError:
        return False
    return True
