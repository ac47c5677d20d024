"""Hostile and malformed requests: every one answers the upstream JSON error shape and changes nothing.

One table per class of defect: HTML pages under the API prefix, hostile bodies, bodies the
contract requires, chunked bodies, tokens without a key id. Each row also checks that the
database is exactly as it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from agents.simulator import AgentOptions, SimulatedAgent, TokenCache
from clusters.models import Cluster, ClusterStatus, ClusterStatusChange
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from tests.conftest import ORG, V1
from tests.contract import assert_upstream_error
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db

AGENT = f"{V1}/agent-clusters"
LIMIT = 1024 * 1024  # FLEET_MAX_REQUEST_BODY_BYTES' default


def database_state() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    return (
        list(KafkaRequest.all_objects.order_by("pk").values_list("pk", "status", "updated_at", "owner")),
        KafkaStatusChange.objects.count(),
        list(Cluster.all_objects.order_by("pk").values_list("pk", "status", "updated_at")),
        ClusterStatusChange.objects.count(),
    )


@pytest.fixture
def world() -> dict[str, Any]:
    """A ready cluster with a ready Kafka of alice's, and the tokens of alice and the cluster's agent."""
    cluster = ClusterFactory(cluster_id="c1", status=ClusterStatus.READY)
    kafka = KafkaFactory(cluster_id="c1", status=KafkaStatus.READY, bootstrap_server_host="h.kas.c1.example.com")
    return {
        "kafka": kafka,
        "user": mint_token(username="alice", org_id=ORG),
        "agent": mint_token(client_id=cluster.client_id),
    }


def client() -> Client:
    # Enforce CSRF as a browser-less production request would meet it (the test client skips it by default).
    return Client(enforce_csrf_checks=True)


def send(method: str, path: str, token: str | None, body: Any = None, **extra: Any) -> Any:
    if token:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body is not None and "content_type" not in extra:
        extra["content_type"] = "application/json"
    return (
        getattr(client(), method)(path, body, **extra) if body is not None else getattr(client(), method)(path, **extra)
    )


def assert_refused(response: Any, status: int, code: int, reason: str = "") -> None:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert (response.status_code, body["code"]) == (status, f"KAFKAS-MGMT-{code}"), body
    assert reason in body["reason"], body["reason"]
    assert_upstream_error(response, statuses=[status])


# --- 1. no HTML inside the API ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    status: int
    code: int
    token: str = "user"  # "user", "agent" or "" (none)
    body: Any = None
    extra: dict[str, Any] | None = None
    reason: str = ""


TOO_MANY_FIELDS = "&".join(f"f{i}=1" for i in range(1001))

HTML_ROWS = [
    *[Row(f"{m} unknown path", m, f"{V1}/no_such_thing", 404, 7, body={}) for m in ("post", "put", "patch")],
    *[Row(f"{m} unknown path, no token", m, f"{V1}/no_such_thing", 404, 7, token="", body={}) for m in ("post", "put")],
    Row("delete unknown path", "delete", f"{V1}/no_such_thing", 404, 7),
    Row("delete unknown path, no token", "delete", f"{V1}/no_such_thing", 404, 7, token=""),
    Row("post under the prefix, outside v1", "post", "/api/kafkas_mgmt/v2/kafkas", 404, 7, body={}),
    Row("encoded newline", "get", f"{V1}/nope%0A", 404, 7),
    Row("encoded newline, post", "post", f"{V1}/nope%0A", 404, 7, body={}),
    Row("encoded carriage return", "get", f"{V1}/kafkas%0D%0A", 404, 7),
    Row("too many query parameters", "get", f"{V1}/kafkas?{TOO_MANY_FIELDS}", 400, 21, reason="at most 1000"),
    Row("too many query parameters, post", "post", f"{V1}/kafkas?{TOO_MANY_FIELDS}", 400, 21, body={}),
    Row("host not allowed", "get", f"{V1}/kafkas", 400, 21, extra={"HTTP_HOST": "evil.example.com"}, reason="Host"),
    Row("host not allowed, post", "post", f"{V1}/kafkas", 400, 21, body={}, extra={"HTTP_HOST": "evil.example.com"}),
    Row(
        "host not allowed, agent",
        "put",
        f"{AGENT}/c1/status",
        400,
        21,
        token="agent",
        body={},
        extra={"HTTP_HOST": "x"},
    ),
    Row("wrong method", "put", f"{V1}/kafkas", 405, 10, body={}),
    Row("wrong method on the error catalogue", "post", f"{V1}/errors", 405, 10, body={}),
    Row("wrong method on an agent path", "post", f"{AGENT}/c1/status", 405, 10, token="agent", body={}),
    # OPTIONS is in no contract: no DRF metadata page describing our views (found by the fuzzer).
    Row("options on a collection", "options", f"{V1}/kafkas", 405, 10, reason='"OPTIONS" not allowed'),
    Row("options on the error catalogue, no token", "options", f"{V1}/errors", 405, 10, token=""),
    Row("options on an agent path", "options", f"{AGENT}/c1/kafkas", 405, 10, token="agent"),
    Row("options on an unknown path", "options", f"{V1}/no_such_thing", 404, 7),
]


@pytest.mark.parametrize("row", HTML_ROWS, ids=lambda row: row.name)
def test_every_refusal_under_the_api_is_json(world: dict[str, Any], row: Row) -> None:
    before = database_state()

    response = send(row.method, row.path, world.get(row.token) if row.token else None, row.body, **(row.extra or {}))

    assert_refused(response, row.status, row.code, row.reason)
    assert database_state() == before


def test_the_csrf_check_never_applies_to_the_bearer_token_apis(world: dict[str, Any]) -> None:
    """Through a CSRF-enforcing client the views still run: bearer tokens, not cookies, authenticate these APIs."""
    patched = send("patch", f"{V1}/kafkas/{world['kafka'].id}", world["user"], {"reauthentication_enabled": False})
    promoted = send("post", f"{V1}/kafkas/{world['kafka'].id}/promote?async=true", world["user"], {})

    assert patched.status_code == 200 and patched.json()["reauthentication_enabled"] is False
    assert_refused(promoted, 400, 33, "desired_kafka_billing_model is required")


def test_pages_outside_the_api_keep_their_html() -> None:
    response = Client().get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- 2. hostile bodies --------------------------------------------------------------------------------


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BODY_TARGETS = [
    ("post", f"{V1}/kafkas?async=true", "user"),
    ("patch", f"{V1}/kafkas/{{kafka}}", "user"),
    ("post", f"{V1}/kafkas/{{kafka}}/promote?async=true", "user"),
    ("post", f"{V1}/clusters", "user"),
    ("put", f"{AGENT}/c1/status", "agent"),
    ("put", f"{AGENT}/c1/kafkas/status", "agent"),
    ("put", f"{V1}/no_such_thing", "user"),
]
HOSTILE_BODIES = [
    ("nested 33 levels", nested(33), "nested deeper than 32 levels"),
    ("nested 320 levels", nested(320), "nested deeper than 32 levels"),
    ("nested 100,000 levels", nested(100_000), "nested deeper than 32 levels"),
    ("nested objects", '{"a":' * 500 + "1" + "}" * 500, "nested deeper than 32 levels"),
    ("just over the limit", json.dumps({"name": "a" * LIMIT}), f"larger than {LIMIT} bytes"),
    ("3 MiB", json.dumps({"name": "a" * (3 * LIMIT)}), f"larger than {LIMIT} bytes"),
    ("whitespace only", "   \n", "empty"),
]


@pytest.mark.parametrize(("method", "path", "token"), BODY_TARGETS, ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize(("name", "body", "reason"), HOSTILE_BODIES, ids=[b[0] for b in HOSTILE_BODIES])
def test_hostile_bodies_are_400_17_naming_the_limit(
    world: dict[str, Any], method: str, path: str, token: str, name: str, body: str, reason: str
) -> None:
    before = database_state()
    target = path.format(kafka=world["kafka"].id)

    response = send(method, target, world[token], body)

    if target.endswith("no_such_thing") and "larger" not in reason:
        assert_refused(response, 404, 7)  # an unknown path is unknown whatever its body
    else:
        assert_refused(response, 400, 17, reason)
    assert database_state() == before


def test_brackets_inside_strings_do_not_count_as_nesting(world: dict[str, Any]) -> None:
    body = json.dumps({"owner": "[" * 500, "reauthentication_enabled": False})

    response = send("patch", f"{V1}/kafkas/{world['kafka'].id}", world["user"], body)

    assert_refused(response, 400, 34, "owner is longer")  # refused for its length, not its brackets


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body(world: dict[str, Any]) -> None:
    """10 GB announced, 2 bytes sent: a server that read before judging would wait for the rest."""
    response = send("post", f"{V1}/kafkas?async=true", world["user"], "{}", CONTENT_LENGTH=str(10**10))

    assert_refused(response, 400, 17, f"larger than {LIMIT} bytes")


def test_a_malformed_content_length_is_refused(world: dict[str, Any]) -> None:
    response = send("post", f"{V1}/kafkas?async=true", world["user"], "{}", CONTENT_LENGTH="12abc")

    assert_refused(response, 400, 17, "Content-Length")


# --- 3. bodies the contract requires ---------------------------------------------------------------

REQUIRED_BODY = [
    ("put", f"{AGENT}/c1/status", "agent"),
    ("put", f"{AGENT}/c1/kafkas/status", "agent"),
    ("patch", f"{V1}/kafkas/{{kafka}}", "user"),
    ("post", f"{V1}/kafkas?async=true", "user"),
    ("post", f"{V1}/kafkas/{{kafka}}/promote?async=true", "user"),
]


@pytest.mark.parametrize(("method", "path", "token"), REQUIRED_BODY, ids=[f"{m} {p}" for m, p, _ in REQUIRED_BODY])
def test_a_missing_required_body_is_400_and_changes_nothing(
    world: dict[str, Any], method: str, path: str, token: str
) -> None:
    before = database_state()

    # As `curl -X PUT` without -d sends it: no body, Content-Length 0.
    response = client().generic(
        method.upper(), path.format(kafka=world["kafka"].id), b"", HTTP_AUTHORIZATION=f"Bearer {world[token]}"
    )

    assert_refused(response, 400, 17, "the request body is required")
    assert database_state() == before
    assert Cluster.objects.get(cluster_id="c1").status == ClusterStatus.READY


def test_an_empty_object_is_still_a_body(world: dict[str, Any]) -> None:
    response = send("patch", f"{V1}/kafkas/{world['kafka'].id}", world["user"], {})

    assert response.status_code == 200


# --- 4. chunked bodies ---------------------------------------------------------------------------------


def test_a_chunked_body_the_server_did_not_dechunk_is_refused(world: dict[str, Any]) -> None:
    """Without `wsgi.input_terminated` (a server that does not de-chunk) the body cannot be read safely."""
    before = database_state()

    response = send(
        "post", f"{V1}/kafkas?async=true", world["user"], '{"name": "chunky"}', HTTP_TRANSFER_ENCODING="chunked"
    )

    assert_refused(response, 400, 17, "send a Content-Length header")
    assert database_state() == before


# --- 5. tokens -----------------------------------------------------------------------------------------


def test_a_token_without_kid_is_refused_even_when_validly_signed(world: dict[str, Any]) -> None:
    import jwt

    from fleetmanager import devkeys

    claims = json.loads(json.dumps(jwt.decode(world["user"], options={"verify_signature": False})))
    unnamed = jwt.encode(claims, devkeys.dev_private_key(), algorithm="RS256")  # no kid header

    response = send("get", f"{V1}/kafkas", unnamed)

    assert_refused(response, 401, 15, "names no signing key (kid)")


@pytest.mark.parametrize("algorithm", ["RS384", "RS512", "PS256"])
def test_a_token_with_a_known_kid_but_another_algorithm_is_refused(world: dict[str, Any], algorithm: str) -> None:
    import jwt

    from fleetmanager import devkeys

    key = devkeys.dev_private_key()
    claims = jwt.decode(world["user"], options={"verify_signature": False})
    token = jwt.encode(claims, key, algorithm=algorithm, headers={"kid": devkeys.dev_key_id(key)})

    assert_refused(send("get", f"{V1}/kafkas", token), 401, 15, "RS256")


def test_keys_meant_for_another_algorithm_verify_nothing() -> None:
    from fleetmanager.api import jwks

    assert not jwks._usable({"kty": "RSA", "kid": "k", "alg": "RS512", "use": "sig"})
    assert not jwks._usable({"kty": "RSA", "alg": "RS256", "use": "sig"})  # no kid
    assert not jwks._usable({"kty": "RSA", "kid": "k", "alg": "RS256", "use": "enc"})
    assert jwks._usable({"kty": "RSA", "kid": "k", "alg": "RS256"})
    assert jwks._usable({"kty": "RSA", "kid": "k"})


# --- 7. the agent's capacity report ---------------------------------------------------------------------


def test_a_negative_remaining_capacity_is_400_naming_the_field(world: dict[str, Any]) -> None:
    before = database_state()
    report = {
        "conditions": [{"type": "Ready", "status": "True"}],
        "capacity": {"standard": {"maxUnits": 2, "remainingUnits": -1}},
    }

    response = send("put", f"{AGENT}/c1/status", world["agent"], report)

    assert_refused(response, 400, 17, "capacity: standard: remainingUnits")
    assert database_state() == before


@pytest.mark.django_db(transaction=True)
def test_the_simulated_agent_keeps_reporting_when_it_holds_more_kafkas_than_its_capacity(live_server: Any) -> None:
    """Three Kafkas on an agent of capacity 1: it runs one, refuses the others as a full cluster would (they
    go back to placement), keeps reporting every Kafka, and reports no room left, never a negative one."""
    cluster = ClusterFactory(cluster_id="c1", status=ClusterStatus.READY, dynamic_capacity_info={"standard": {}})
    versions = {"desired_kafka_version": "3.1.0", "desired_kafka_ibp_version": "3.1"}
    versions["desired_strimzi_version"] = "strimzi-cluster-operator.v0.23.0-4"
    kafkas = [
        KafkaFactory(
            cluster_id="c1",
            status=KafkaStatus.PROVISIONING,
            bootstrap_server_host=f"k{i}.kas.c1.example.com",
            **versions,
        )
        for i in range(3)
    ]
    agent = SimulatedAgent(
        options=AgentOptions(api_url=live_server.url, cluster_id="c1", capacity_units=1),
        token=TokenCache(lambda: mint_token(client_id=cluster.client_id)),
    )

    for _ in range(3):
        agent.tick()
    agent._last_cluster_report = 0  # the next tick's cluster report counts what it runs
    agent.tick()

    rows = KafkaRequest.objects.filter(pk__in=[k.pk for k in kafkas])
    assert sorted((k.status, k.cluster_id) for k in rows) == [
        (KafkaStatus.PROVISIONING, ""),  # given back to placement: the cluster is full
        (KafkaStatus.PROVISIONING, ""),
        (KafkaStatus.READY, "c1"),
    ]
    info = Cluster.objects.get(pk=cluster.pk).dynamic_capacity_info["standard"]
    assert (info["max_units"], info["remaining_units"]) == (1, 0)
