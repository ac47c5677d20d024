"""Fuzzing a running API with schemathesis (issue 15): what is sent, what is checked, what is counted.

A run fuzzes one *target*: a schema (the one we serve, or upstream's contract file) with the
token of the principal who may call it. schemathesis' engine (the one its CLI drives) generates
requests from the schema, in every phase it has: the schema's examples, its coverage phase
(boundary and invalid values of each parameter and body), hypothesis' fuzzing, positive and
negative, and (`stateful=True`, in `make bench`) sequences of calls chained through the links it
infers (create a Kafka, then get, patch, delete it). Every response then passes these checks:

- `not_a_server_error`: no 5xx.
- `response_schema_conformance`, `content_type_conformance`, `response_headers_conformance`:
  the response is what the fuzzed schema says.
- `upstream_contract` (below): the response is what upstream's contract allows, with the errata
  of `tests/contract.py` (docs/contract-errata.md): a documented status or one of the error
  statuses upstream's server also answers, a body that validates, and upstream's Error object
  for every error. A request outside every contract must get 404/405 with that Error.
- `negative_data_rejection`, `unsupported_method`: a request the schema does not allow is
  refused (4xx; a method the path does not have: 405).
- `ensure_resource_availability` (stateful phase, `make bench`): what was created can be read.
- `ignored_auth`, `missing_required_header` (public API only): without a token nothing
  succeeds, and a missing `Authorization` header is 401.

Left out, on purpose:

- `status_code_conformance`: an operation's documented statuses are upstream's
  (`tests/test_openapi_schema.py`), and upstream's server answers statuses its files do not
  document (401/404/405 before any handler, 400 for an unparseable body, ...).
  `upstream_contract` checks statuses with exactly those documented allowances instead.
- `positive_data_acceptance`: a request can be valid for the schema and still be refused by the
  rules of the service (an unknown id is 404, a second Trial instance 403, a taken name 409).
- `use_after_free` (stateful phase): deletes are asynchronous (202); the Kafka stays readable,
  `deprovision` then `deleting`, until the reconciler has removed it from its data plane, as
  upstream (BEHAVIOUR.md §1.7, §8).
- `ignored_auth` and `missing_required_header` on the agent and admin APIs: there, as upstream,
  every authentication failure answers 404/7 (the API looks absent), where both checks want
  401/403. `upstream_contract` still checks that answer (404 with upstream's Error).

Path parameters are half the time a real identifier of the seeded world (`Target.known`), so
generated bodies and queries reach the handlers behind the 404s, not only the lookup.
"""

from __future__ import annotations

import collections
import re
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import hypothesis.strategies as st
import schemathesis
import yaml
from requests.structures import CaseInsensitiveDict
from schemathesis import engine
from schemathesis.engine import events

from tests.contract import SPEC_FILES, assert_matches_contract, assert_upstream_error, corrected_documents, in_contract

SCHEMA_CHECKS = frozenset(
    {"response_schema_conformance", "content_type_conformance", "response_headers_conformance", "upstream_contract"}
)
LEFT_OUT_CHECKS = ("status_code_conformance", "positive_data_acceptance", "use_after_free")
SERVED_SCHEMAS = {
    "public": "/api/kafkas_mgmt/v1/docs/schema",
    "private": "/api/kafkas_mgmt/v1/docs/private/schema",
    "admin": "/api/kafkas_mgmt/v1/docs/admin/schema",
}
MAX_MESSAGE_CHARS = 1500
OPERATION_LABEL = re.compile(r"[A-Z]+ /")


# --- the upstream contract, as a schemathesis check ------------------------------------------------


@dataclass(frozen=True)
class _Request:
    """What tests/contract.py reads of a request (the part of Django's HttpRequest it uses)."""

    method: str
    path: str
    META: Mapping[str, Any]


@dataclass(frozen=True)
class _Response:
    """A response over real HTTP, shaped as tests/contract.py reads Django test responses."""

    status_code: int
    content: bytes
    headers: Mapping[str, str]
    wsgi_request: _Request


def _as_contract_response(response: schemathesis.Response) -> _Response:
    url = urlsplit(str(response.request.url))
    headers = CaseInsensitiveDict({name: values[-1] for name, values in response.headers.items() if values})
    request = _Request(
        method=str(response.request.method),
        # Django routes the decoded path, so that is what the contract is matched against.
        path=unquote(url.path, errors="replace"),
        META={"QUERY_STRING": url.query},
    )
    return _Response(response.status_code, response.content or b"", headers, request)


def contract_of(method: str, path: str) -> str | None:
    """The upstream contract holding `method path` (the three are disjoint), None for no contract."""
    return next((spec for spec in SPEC_FILES if in_contract(method, path, spec=spec)), None)


@schemathesis.check
def upstream_contract(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """The response is what upstream's contract allows (tests/contract.py, with its errata)."""
    answered = _as_contract_response(response)
    spec = contract_of(answered.wsgi_request.method, answered.wsgi_request.path)
    if spec is None:
        assert_upstream_error(answered)
    else:
        assert_matches_contract(answered, spec=spec)


# --- targets and results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One schema fuzzed with one principal's token.

    `known` maps (the collection a path parameter belongs to, the parameter) to real values:
    `("kafkas", "id")` for `/kafkas/{id}/...` and `/admin/kafkas/{id}`, `("instance_types",
    "cloud_region")` for `/instance_types/{cloud_provider}/{cloud_region}`.
    """

    name: str
    spec: str  # public, private or admin
    served: bool  # our generated schema, or upstream's contract file
    token: str
    known: Mapping[tuple[str, str], Sequence[str]] = field(default_factory=dict)

    @property
    def checks(self) -> dict[str, Any]:
        """schemathesis' `checks` configuration for this target (see the module's docstring)."""
        checks: dict[str, Any] = {name: {"enabled": False} for name in LEFT_OUT_CHECKS}
        if self.spec != "public":
            # Both expect 401/403 without a token (schemathesis fixes 401 for a missing Authorization
            # header); the agent and admin APIs answer 404/7, as upstream (§5.1, §8).
            checks["ignored_auth"] = {"enabled": False}
            checks["missing_required_header"] = {"enabled": False}
        return checks


@dataclass(frozen=True)
class Finding:
    """One failed check: where, which check, what it said, and the request that reproduces it."""

    target: str
    operation: str
    check: str
    title: str
    message: str
    reproduce: str

    def __str__(self) -> str:
        return (
            f"[{self.target}] {self.operation}: {self.check}: {self.title}\n"
            f"    {self.message.strip()[:MAX_MESSAGE_CHARS]}\n    {self.reproduce[:MAX_MESSAGE_CHARS]}"
        )


@dataclass
class FuzzReport:
    target: str
    operations: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    server_errors: int = 0
    schema_violations: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "operations": len(self.operations),
            "requests": self.requests,
            "server_errors": self.server_errors,
            "schema_violations": self.schema_violations,
            "other_findings": len(self.findings) - self.schema_violations - self._server_error_findings(),
            "engine_errors": len(self.errors),
            "statuses": dict(sorted(self.statuses.items())),
            "seconds": round(self.seconds, 1),
        }

    def _server_error_findings(self) -> int:
        return sum(1 for finding in self.findings if finding.check == "not_a_server_error")

    def problems(self) -> list[str]:
        """Everything a clean run must not have: findings of any check, and operations not fuzzed."""
        unique = dict.fromkeys(str(finding) for finding in self.findings)
        return [*unique, *(f"[{self.target}] engine error: {error}" for error in self.errors)]


# --- the world fuzzed: rows, tokens and the server -----------------------------------------------------

USER_ORG = "13640203"  # in the shipped quota list: standard and enterprise quota
OTHER_ORG = "13639843"
ADMIN_ISSUER = "https://admin.example.com/auth/realms/EmployeeIDP"
ADMIN_ROLES = ("kas-fleet-manager-admin-full",)
AGENT_CLUSTER = "fuzz-standalone-1"
ENTERPRISE_CLUSTER = "0123456789abcdef0123456789abcdef"  # enterprise cluster ids are 32 characters
ENTERPRISE_EXTERNAL_ID = "5d2c4a8e-0f4b-4c44-9d53-5a6a0f3d6a11"


@dataclass(frozen=True)
class FuzzWorld:
    """What the seeded database holds that the fuzzer should hit: real ids, per path parameter."""

    known: Mapping[tuple[str, str], Sequence[str]]

    def targets(self, *, user_token: str, agent_token: str, admin_token: str) -> list[Target]:
        tokens = {"public": user_token, "private": agent_token, "admin": admin_token}
        return [
            Target(f"{spec} ({'served' if served else 'upstream'})", spec, served, tokens[spec], self.known)
            for spec in ("public", "private", "admin")
            for served in (True, False)
        ]


def build_world(*, service_account_id: str) -> FuzzWorld:
    """Clusters and Kafkas for the fuzzer, written with the test factories (test set-up, not a service).

    A ready standalone cluster (its agent is the `private` target), an enterprise cluster of the
    user's organisation, Kafkas of the user's organisation in several states, and one of another
    organisation whose id the fuzzer also tries (it must stay invisible).
    """
    from clusters.models import ClusterStatus, ClusterType
    from tests.factories import ClusterFactory, KafkaFactory

    ClusterFactory(cluster_id=AGENT_CLUSTER, status=ClusterStatus.READY)
    ClusterFactory(
        cluster_id=ENTERPRISE_CLUSTER,
        cluster_type=ClusterType.ENTERPRISE,
        organization_id=USER_ORG,
        external_id=ENTERPRISE_EXTERNAL_ID,
        status=ClusterStatus.READY,
    )
    kafkas = [
        KafkaFactory(
            organisation_id=USER_ORG,
            cluster_id=AGENT_CLUSTER,
            status=status,
            bootstrap_server_host=f"fuzz-{index}.kas.example.com" if status == "ready" else "",
        )
        for index, status in enumerate(("ready", "ready", "provisioning", "accepted"))
    ]
    foreign = KafkaFactory(organisation_id=OTHER_ORG, owner="eve", cluster_id=AGENT_CLUSTER, status="ready")
    return FuzzWorld(
        known={
            ("kafkas", "id"): [*(kafka.id for kafka in kafkas), foreign.id],
            ("service_accounts", "id"): [service_account_id],
            ("clusters", "id"): [ENTERPRISE_CLUSTER],
            ("agent-clusters", "id"): [AGENT_CLUSTER],
            ("obs-proxy-verification", "cluster_external_id"): [ENTERPRISE_EXTERNAL_ID],
            ("cloud_providers", "id"): ["aws"],
            ("instance_types", "cloud_provider"): ["aws"],
            ("instance_types", "cloud_region"): ["us-east-1"],
            ("errors", "id"): ["7", "17", "21"],
        }
    )


def fuzz_tokens() -> dict[str, str]:
    """Tokens of the principals who may call each API (development key; FLEET_ADMIN_ISSUERS must hold ADMIN_ISSUER)."""
    from fleetmanager.devtokens import mint_token

    day = 24 * 3600
    return {
        "user_token": mint_token(
            username="alice", org_id=USER_ORG, account_id="alice-id", is_org_admin=True, lifetime_seconds=day
        ),
        "agent_token": mint_token(client_id=f"kas-fleetshard-agent-{AGENT_CLUSTER}", lifetime_seconds=day),
        "admin_token": mint_token(
            username="sre-sam", roles=list(ADMIN_ROLES), issuer=ADMIN_ISSUER, lifetime_seconds=day
        ),
    }


@contextmanager
def served_api(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """gunicorn as `make run` starts it (2 workers x 4 threads); yields its base URL, stops it afterwards."""
    from bench.common import free_port, start, stop_processes, wait_for_port

    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        *("-c", "python:fleetmanager.gunicorn", "fleetmanager.wsgi"),
        *("--bind", f"127.0.0.1:{port}"),
    ]
    process = start(command, env={**env, "FLEET_ADMIN_ISSUERS": ADMIN_ISSUER}, log=log)
    try:
        wait_for_port(port, timeout=60)
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url)
        yield url
    finally:
        stop_processes([process])


def create_service_account(url: str, user_token: str) -> str:
    """A service account of the user's organisation, made through the API (the SSO is its only record)."""
    import requests

    response = requests.post(
        f"{url}/api/kafkas_mgmt/v1/service_accounts",
        json={"name": "fuzz-target", "description": "the known account of the fuzzer"},
        headers={"Authorization": f"Bearer {user_token}"},
        timeout=30,
    )
    if response.status_code != 202:
        raise RuntimeError(f"could not create the service account: {response.status_code} {response.text[:300]}")
    return response.json()["id"]


def _wait_healthy(url: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the API at {url} is not healthy after {timeout} s")


# --- running -----------------------------------------------------------------------------------------


def fuzz(target: Target, base_url: str, *, max_examples: int, seed: int, stateful: bool = False) -> FuzzReport:
    """Fuzz `target` on the API at `base_url`; every check runs on every response."""
    config = schemathesis.Config.from_dict(
        {
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {target.token}"},
            "seed": seed,
            "request-timeout": 30,
            # No example database: a run is what its seed makes it, whatever ran before on this machine.
            "generation": {"max-examples": max_examples, "database": "none"},
            "phases": {"stateful": {"enabled": stateful}},
            "checks": target.checks,
        }
    )
    report = FuzzReport(target.name)
    started = time.monotonic()
    with _schema(target, base_url, config) as schema:
        _mix_in_known_values(schema, target.known)
        for event in engine.from_schema(schema).execute():
            _record(report, event)
    report.seconds = time.monotonic() - started
    return report


@contextmanager
def _schema(target: Target, base_url: str, config: Any) -> Iterator[Any]:
    if target.served:
        yield schemathesis.openapi.from_url(base_url + SERVED_SCHEMAS[target.spec], config=config)
        return
    # Upstream's files with the errata applied, side by side, so the private and admin files'
    # `kas-fleet-manager.yaml#/...` references resolve to the corrected public file.
    with tempfile.TemporaryDirectory(prefix="fleet-contracts-") as directory:
        for spec, document in corrected_documents().items():
            (Path(directory) / SPEC_FILES[spec]).write_text(yaml.safe_dump(document, sort_keys=False))
        yield schemathesis.openapi.from_path(Path(directory) / SPEC_FILES[target.spec], config=config)


def _collection_of(path: str, parameter: str) -> str:
    """The literal path segment a parameter belongs to: `kafkas` for `{id}` of `/admin/kafkas/{id}/...`."""
    segments = path.split("/")
    index = segments.index("{" + parameter + "}")
    return next((s for s in reversed(segments[:index]) if s and not s.startswith("{")), "")


def _mix_in_known_values(schema: Any, known: Mapping[tuple[str, str], Sequence[str]]) -> None:
    if not known:
        return

    @schema.hook
    def flatmap_path_parameters(context: Any, parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
        if not parameters:
            return st.just(parameters)
        path = context.operation.path
        choices = {name: values for name in parameters if (values := known.get((_collection_of(path, name), name)))}
        if not choices:
            return st.just(parameters)
        real = st.fixed_dictionaries({name: st.sampled_from(list(values)) for name, values in choices.items()})
        return st.one_of(st.just(parameters), real.map(lambda values: {**parameters, **values}))


def _record(report: FuzzReport, event: Any) -> None:
    if isinstance(event, events.ScenarioFinished):
        _record_scenario(report, event.recorder)
    elif isinstance(event, events.NonFatalError):
        report.errors.append(f"{event.label}: {event.value!r}")
    elif isinstance(event, events.FatalError):
        report.errors.append(f"fatal: {event.exception!r}")


def _record_scenario(report: FuzzReport, recorder: Any) -> None:
    for interaction in recorder.interactions.values():
        report.requests += 1
        if OPERATION_LABEL.match(recorder.label):  # not the stateful phase's scenario labels
            report.operations.add(recorder.label)
        if interaction.response is not None:
            report.statuses[interaction.response.status_code] += 1
            if interaction.response.status_code >= 500:
                report.server_errors += 1
    for checks in recorder.checks.values():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            report.findings.append(
                Finding(
                    target=report.target,
                    operation=recorder.label,
                    check=check.name,
                    title=failure.title,
                    message=failure.message,
                    reproduce=check.failure_info.code_sample,
                )
            )
            if check.name in SCHEMA_CHECKS:
                report.schema_violations += 1


def totals(reports: Iterable[FuzzReport]) -> dict[str, Any]:
    reports = list(reports)
    return {
        "targets": len(reports),
        "operations": sum(len(r.operations) for r in reports),
        "requests": sum(r.requests for r in reports),
        "server_errors": sum(r.server_errors for r in reports),
        "schema_violations": sum(r.schema_violations for r in reports),
        "findings": sum(len(r.findings) for r in reports),
        "engine_errors": sum(len(r.errors) for r in reports),
        "seconds": round(sum(r.seconds for r in reports), 1),
    }
