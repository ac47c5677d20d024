"""The OCM cluster-service client against the OCM emulator, over real HTTP: no mock of our own classes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from fleetmanager.emulators import OCM_PREFIX, EmulatorServer, OCMEmulator, SSOEmulator
from fleetmanager.integrations.ocm import (
    ClusterSpec,
    ClusterState,
    OCMClient,
    OCMError,
    Taint,
    ocm_client,
    reset_ocm_client,
)
from tests.integrations.common import ocm_client_options, retry_table

CLUSTERS = "/v1/clusters"
TOKEN_PATH = "/realms/redhat-external/protocol/openid-connect/token"
CLOUD_SECRET = "aws-secret-key-0123456789"
SPEC = ClusterSpec(
    name="mk-abc",
    cloud_provider="aws",
    region="us-east-1",
    multi_az=True,
    compute_machine_type="m5.2xlarge",
    compute_min_nodes=3,
    compute_max_nodes=18,
    openshift_version="openshift-v4.11.22",
    cloud_credentials={
        "aws": {"account_id": "123456789012", "access_key_id": "AKIA1", "secret_access_key": CLOUD_SECRET}
    },
)
KAFKA_TAINT = Taint("bf2.org/kafkaInstanceProfileType", "standard", "NoExecute")
KAFKA_LABELS = {"bf2.org/kafkaInstanceProfileType": "standard"}


def make_client(settings: Any, **overrides: Any) -> OCMClient:
    return OCMClient(**ocm_client_options(settings, **overrides))


@pytest.fixture
def client(ocm_emulator: OCMEmulator, settings: Any) -> Iterator[OCMClient]:
    ocm = make_client(settings)
    yield ocm
    ocm.close()


@pytest.fixture
def ready_cluster(client: OCMClient, ocm_emulator: OCMEmulator) -> str:
    """The OCM id of a cluster that finished installing; the request log starts empty."""
    cluster = client.create_cluster(SPEC)
    ocm_emulator.advance(ocm_emulator.provision_seconds)
    ocm_emulator.requests.clear()
    return cluster.id


def calls(emulator: OCMEmulator, method: str, suffix: str = "") -> int:
    return sum(1 for m, path in emulator.requests if m == method and path.endswith(suffix))


def token_calls(sso: SSOEmulator) -> int:
    return sum(1 for _, path in sso.requests if path == TOKEN_PATH)


# --- clusters -----------------------------------------------------------------------------------


def test_a_cluster_installs_then_becomes_ready(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)

    assert (created.name, created.state, created.cloud_provider, created.region) == (
        "mk-abc",
        ClusterState.INSTALLING,
        "aws",
        "us-east-1",
    )
    assert created.multi_az and created.external_id and created.openshift_version == "openshift-v4.11.22"
    assert created.api_url == f"https://api.mk-abc.{created.base_domain}:6443"
    assert client.default_ingress_dns(created.id) is None  # no router before the install finishes

    ocm_emulator.advance(ocm_emulator.provision_seconds)

    ready = client.get_cluster(created.id)
    assert ready is not None and ready.is_ready and ready.id == created.id
    assert client.default_ingress_dns(created.id) == f"apps.mk-abc.{created.base_domain}"
    assert client.find_cluster_by_name("mk-abc") == ready


def test_the_create_request_carries_the_spec(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)

    raw = created.raw
    assert raw["nodes"]["compute_machine_type"]["id"] == "m5.2xlarge"
    assert raw["nodes"]["autoscale_compute"] == {"min_replicas": 3, "max_replicas": 18}
    assert (raw["ccs"], raw["managed"], raw["aws"]["account_id"]) == ({"enabled": True}, True, "123456789012")
    assert "secret_access_key" not in raw["aws"]  # OCM never shows credentials again


def test_the_cluster_state_follows_the_emulator_clock(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)
    states = []
    for step in (1.0, 1.0, 1.0):
        ocm_emulator.advance(step)
        cluster = client.get_cluster(created.id)
        assert cluster is not None
        states.append(cluster.state)

    assert states == ["installing", "installing", "ready"]


def test_a_failed_install_shows_the_error_state(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)
    ocm_emulator.fail_cluster("mk-abc")
    ocm_emulator.advance(60)

    cluster = client.get_cluster(created.id)
    assert cluster is not None and cluster.state == ClusterState.ERROR
    assert client.default_ingress_dns(created.id) is None


def test_unknown_clusters_are_none(client: OCMClient) -> None:
    assert client.get_cluster("0123456789abcdefghijklmnopqrstuv") is None
    assert client.find_cluster_by_name("mk-missing") is None
    assert client.delete_cluster("0123456789abcdefghijklmnopqrstuv") is False


def test_a_deleted_cluster_uninstalls_then_is_gone(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)

    assert client.delete_cluster(created.id) is True
    uninstalling = client.get_cluster(created.id)
    assert uninstalling is not None and uninstalling.state == ClusterState.UNINSTALLING
    assert client.delete_cluster(created.id) is True  # deleting again while uninstalling is accepted

    ocm_emulator.advance(ocm_emulator.uninstall_seconds)

    assert client.get_cluster(created.id) is None
    assert client.find_cluster_by_name("mk-abc") is None
    assert client.delete_cluster(created.id) is False


def test_a_delete_answered_404_means_already_gone(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    created = client.create_cluster(SPEC)
    ocm_emulator.fail_deletes_with_404 = True

    assert client.delete_cluster(created.id) is False
    assert [c["state"] for c in ocm_emulator.clusters()] == ["installing"]


# --- create is idempotent by name -----------------------------------------------------------------


def test_creating_twice_returns_the_same_cluster(client: OCMClient, ocm_emulator: OCMEmulator) -> None:
    first = client.create_cluster(SPEC)
    second = client.create_cluster(SPEC)

    assert second.id == first.id
    assert len(ocm_emulator.clusters()) == 1
    assert ocm_emulator.create_counts() == {"mk-abc": 1}


def test_two_workers_creating_at_once_get_one_cluster(ocm_emulator: OCMEmulator, settings: Any) -> None:
    # Both pass their lookup before either POST is answered; the loser gets "already exists".
    both_posting = threading.Barrier(2, timeout=5)

    def hold_posts(method: str, path: str) -> None:
        if (method, path) == ("POST", CLUSTERS):
            both_posting.wait()

    ocm_emulator.on_request = hold_posts
    workers = [make_client(settings), make_client(settings)]

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(worker.create_cluster, SPEC) for worker in workers]
        first, second = (future.result(timeout=10) for future in futures)

    assert first.id == second.id
    assert len(ocm_emulator.clusters()) == 1
    assert ocm_emulator.create_counts() == {"mk-abc": 2}


@pytest.mark.parametrize(
    ("landed", "expected_posts"),
    [
        pytest.param(True, 1, id="answer-lost-after-the-cluster-was-created"),
        pytest.param(False, 2, id="request-held-up-and-landing-late"),
    ],
)
def test_a_create_that_times_out_is_retried_without_a_second_cluster(
    ocm_emulator: OCMEmulator, settings: Any, landed: bool, expected_posts: int
) -> None:
    ocm = make_client(settings, timeout=0.3)
    ocm_emulator.stall_next_create(0.8, landed=landed)

    cluster = ocm.create_cluster(SPEC)

    # Landed: the retry's lookup finds it. Late: the retried POST creates it; the late one will be refused.
    assert [c["id"] for c in ocm_emulator.clusters()] == [cluster.id]
    assert ocm_emulator.create_counts() == {"mk-abc": expected_posts}


@pytest.mark.parametrize(
    ("status", "reason", "count", "created", "expected_posts"),
    [
        pytest.param(503, "Service Unavailable", 1, True, 2, id="503-then-created"),
        pytest.param(429, "Too Many Requests", 3, True, 4, id="429s-within-the-retries"),
        pytest.param(500, "Internal error", 4, False, 4, id="500s-beyond-the-retries"),
        pytest.param(400, "Region 'us-east-1' is not enabled", 1, False, 1, id="400-not-retried"),
        pytest.param(403, "Quota exceeded for 'cluster.aws'", 1, False, 1, id="403-not-retried"),
    ],
)
def test_a_failed_create_post_is_retried_through_the_lookup(
    client: OCMClient,
    ocm_emulator: OCMEmulator,
    status: int,
    reason: str,
    count: int,
    created: bool,
    expected_posts: int,
) -> None:
    ocm_emulator.reject_next(status, reason, count=count, method="POST")

    if created:
        assert client.create_cluster(SPEC).name == "mk-abc"
    else:
        with pytest.raises(OCMError) as excinfo:
            client.create_cluster(SPEC)
        assert (excinfo.value.status_code, excinfo.value.retryable) == (status, status >= 500 or status == 429)
        assert reason in str(excinfo.value)
    assert len(ocm_emulator.clusters()) == (1 if created else 0)
    assert ocm_emulator.create_counts() == {"mk-abc": expected_posts}
    assert calls(ocm_emulator, "GET", CLUSTERS) == expected_posts  # one lookup before every POST


# --- retries and failures ----------------------------------------------------------------------------


@retry_table
def test_reads_are_retried_on_server_errors(
    ocm_emulator: OCMEmulator,
    settings: Any,
    failures: int,
    status: int,
    retries: int,
    expected_status: int | None,
    expected_calls: int,
) -> None:
    ocm = make_client(settings, retries=retries)
    cluster = ocm.create_cluster(SPEC)
    ocm_emulator.requests.clear()
    ocm_emulator.fail_next(failures, status)

    if expected_status is None:
        assert ocm.get_cluster(cluster.id) == cluster
    else:
        with pytest.raises(OCMError) as excinfo:
            ocm.get_cluster(cluster.id)
        assert (excinfo.value.status_code, excinfo.value.retryable) == (expected_status, True)
        assert str(excinfo.value).startswith(f"ocm: GET {OCM_PREFIX}/api/clusters_mgmt/v1/clusters/")
    assert len(ocm_emulator.requests) == expected_calls


@pytest.mark.parametrize("status", [400, 403, 409])
def test_other_client_errors_are_not_retried(client: OCMClient, ocm_emulator: OCMEmulator, status: int) -> None:
    ocm_emulator.reject_next(status, "refused")

    with pytest.raises(OCMError) as excinfo:
        client.find_cluster_by_name("mk-abc")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (status, False)
    assert f"CLUSTERS-MGMT-{status}: refused" in str(excinfo.value)
    assert len(ocm_emulator.requests) == 1


def test_an_unreachable_ocm_is_a_retryable_error(ocm_emulator: OCMEmulator, settings: Any) -> None:
    server = EmulatorServer("127.0.0.1", 0).start()
    unused_url = server.url
    server.stop()
    ocm = make_client(settings, base_url=unused_url, retries=1)

    with pytest.raises(OCMError) as excinfo:
        ocm.create_cluster(SPEC)

    assert (excinfo.value.status_code, excinfo.value.retryable) == (None, True)
    assert "ConnectionError" in str(excinfo.value)


# --- add-ons -------------------------------------------------------------------------------------------


def test_an_addon_installs_after_the_cluster_is_ready(
    client: OCMClient, ocm_emulator: OCMEmulator, ready_cluster: str
) -> None:
    assert client.get_addon(ready_cluster, "managed-kafka") is None

    installed = client.install_addon(ready_cluster, "managed-kafka", {"a": "1"})
    assert (installed.id, installed.state, installed.parameters) == ("managed-kafka", "installing", {"a": "1"})

    ocm_emulator.advance(ocm_emulator.addon_seconds)
    fetched = client.get_addon(ready_cluster, "managed-kafka")
    assert fetched is not None and (fetched.state, fetched.parameters) == ("ready", {"a": "1"})


@pytest.mark.parametrize(
    ("second_parameters", "expected_patches", "expected_parameters"),
    [
        pytest.param({"a": "1", "b": "2"}, 0, {"a": "1", "b": "2"}, id="same-parameters-no-op"),
        pytest.param({"a": "1", "b": "3"}, 1, {"a": "1", "b": "3"}, id="changed-value-patched"),
        pytest.param({"a": "1"}, 1, {"a": "1"}, id="removed-parameter-patched"),
    ],
)
def test_installing_again_updates_parameters_only_when_they_differ(
    client: OCMClient,
    ocm_emulator: OCMEmulator,
    ready_cluster: str,
    second_parameters: dict[str, str],
    expected_patches: int,
    expected_parameters: dict[str, str],
) -> None:
    client.install_addon(ready_cluster, "kas-fleetshard-operator", {"a": "1", "b": "2"})

    addon = client.install_addon(ready_cluster, "kas-fleetshard-operator", second_parameters)

    assert addon.parameters == expected_parameters
    assert calls(ocm_emulator, "POST", "/addons") == 1
    assert calls(ocm_emulator, "PATCH", "/addons/kas-fleetshard-operator") == expected_patches
    [stored] = ocm_emulator.addons(ready_cluster)
    assert {p["id"]: p["value"] for p in stored["parameters"]["items"]} == expected_parameters


def test_update_addon_parameters(client: OCMClient, ocm_emulator: OCMEmulator, ready_cluster: str) -> None:
    client.install_addon(ready_cluster, "managed-kafka", {"a": "1"})

    assert client.update_addon_parameters(ready_cluster, "managed-kafka", {"a": "2"}).parameters == {"a": "2"}
    assert client.update_addon_parameters(ready_cluster, "managed-kafka", {"a": "2"}).parameters == {"a": "2"}
    assert calls(ocm_emulator, "PATCH", "/addons/managed-kafka") == 1
    with pytest.raises(OCMError) as excinfo:
        client.update_addon_parameters(ready_cluster, "not-installed", {"a": "1"})
    assert (excinfo.value.status_code, excinfo.value.retryable) == (404, False)


def test_a_failed_addon_shows_the_failed_state(
    client: OCMClient, ocm_emulator: OCMEmulator, ready_cluster: str
) -> None:
    client.install_addon(ready_cluster, "managed-kafka")
    ocm_emulator.fail_addon(ready_cluster, "managed-kafka")

    addon = client.get_addon(ready_cluster, "managed-kafka")
    assert addon is not None and addon.state == "failed"


def test_an_addon_on_a_missing_cluster_is_a_permanent_error(client: OCMClient) -> None:
    with pytest.raises(OCMError) as excinfo:
        client.install_addon("0123456789abcdefghijklmnopqrstuv", "managed-kafka")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (404, False)


# --- syncsets ------------------------------------------------------------------------------------------

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "observability"}}
GROUP = {"apiVersion": "user.openshift.io/v1", "kind": "Group", "metadata": {"name": "kafka-sre"}, "users": ["a"]}


@pytest.mark.parametrize(
    ("first", "second", "expected_methods"),
    [
        pytest.param(None, [NAMESPACE], ["GET", "POST"], id="created"),
        pytest.param([NAMESPACE], [NAMESPACE], ["GET"], id="identical-no-op"),
        pytest.param([NAMESPACE], [NAMESPACE, GROUP], ["GET", "PATCH"], id="changed-patched"),
        pytest.param([NAMESPACE, GROUP], [GROUP], ["GET", "PATCH"], id="shrunk-patched"),
    ],
)
def test_apply_syncset(
    client: OCMClient,
    ocm_emulator: OCMEmulator,
    ready_cluster: str,
    first: list[dict[str, Any]] | None,
    second: list[dict[str, Any]],
    expected_methods: list[str],
) -> None:
    if first is not None:
        client.apply_syncset(ready_cluster, "ext-managedservice-cluster-mgr", first)
    ocm_emulator.requests.clear()

    client.apply_syncset(ready_cluster, "ext-managedservice-cluster-mgr", second)

    assert [method for method, _ in ocm_emulator.requests] == expected_methods
    assert ocm_emulator.syncsets(ready_cluster) == {"ext-managedservice-cluster-mgr": second}


def test_delete_syncset(client: OCMClient, ocm_emulator: OCMEmulator, ready_cluster: str) -> None:
    client.apply_syncset(ready_cluster, "ext-managedservice-cluster-mgr", [NAMESPACE])

    assert client.delete_syncset(ready_cluster, "ext-managedservice-cluster-mgr") is True
    assert client.delete_syncset(ready_cluster, "ext-managedservice-cluster-mgr") is False
    assert ocm_emulator.syncsets(ready_cluster) == {}


# --- identity providers ---------------------------------------------------------------------------------

IDP = {"name": "Kafka_SRE", "client_id": "c1", "client_secret": "idp-secret-012345", "issuer": "https://sso.x/osd"}
CLAIMS = {"email": ["email"], "preferred_username": ["preferred_username"], "name": ["name"]}


def test_ensure_identity_provider_twice_returns_the_same_id(
    client: OCMClient, ocm_emulator: OCMEmulator, ready_cluster: str
) -> None:
    first = client.ensure_identity_provider(ready_cluster, **IDP)
    second = client.ensure_identity_provider(ready_cluster, **IDP)

    assert first == second
    [stored] = ocm_emulator.identity_providers(ready_cluster)
    assert (stored["id"], stored["type"], stored["mapping_method"]) == (first, "OpenIDIdentityProvider", "claim")
    expected = {key: IDP[key] for key in ("client_id", "client_secret", "issuer")}
    assert stored["open_id"] == {**expected, "claims": CLAIMS}
    assert calls(ocm_emulator, "POST") == 1


# --- machine pools ------------------------------------------------------------------------------------


def ensure_pool(client: OCMClient, ocm_id: str, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "pool_id": "kafka-standard",
        "instance_type": "m5.2xlarge",
        "min_replicas": 3,
        "max_replicas": 9,
        "labels": KAFKA_LABELS,
        "taints": [KAFKA_TAINT],
    }
    return client.ensure_machine_pool(ocm_id, **{**options, **overrides})


@pytest.mark.parametrize(
    ("change", "expected_patch"),
    [
        pytest.param({}, None, id="same-no-op"),
        pytest.param({"max_replicas": 18}, {"autoscaling": {"min_replicas": 3, "max_replicas": 18}}, id="max"),
        pytest.param({"labels": {"x": "y"}}, {"labels": {"x": "y"}}, id="labels"),
        pytest.param({"taints": []}, {"taints": []}, id="taints"),
        pytest.param({"instance_type": "m5.4xlarge"}, None, id="instance-type-cannot-change"),
    ],
)
def test_ensure_machine_pool_creates_then_patches_what_differs(
    client: OCMClient,
    ocm_emulator: OCMEmulator,
    ready_cluster: str,
    change: dict[str, Any],
    expected_patch: dict[str, Any] | None,
) -> None:
    created = ensure_pool(client, ready_cluster)
    assert (created.max_replicas, created.labels, created.taints) == (9, KAFKA_LABELS, (KAFKA_TAINT,))

    pool = ensure_pool(client, ready_cluster, **change)

    assert calls(ocm_emulator, "PATCH") == (0 if expected_patch is None else 1)
    [stored] = ocm_emulator.machine_pools(ready_cluster)
    assert stored["instance_type"] == "m5.2xlarge" == pool.instance_type
    for key, value in (expected_patch or {}).items():
        assert stored[key] == value
    assert pool == client.get_machine_pool(ready_cluster, "kafka-standard")


def test_a_missing_machine_pool_is_none(client: OCMClient, ready_cluster: str) -> None:
    assert client.get_machine_pool(ready_cluster, "kafka-developer") is None


# --- races on the sub-resources ----------------------------------------------------------------------


def _addon(ocm: OCMClient, ocm_id: str) -> Any:
    return ocm.install_addon(ocm_id, "managed-kafka", {"a": "1"})


def _syncset(ocm: OCMClient, ocm_id: str) -> Any:
    return ocm.apply_syncset(ocm_id, "ext-managedservice-cluster-mgr", [NAMESPACE])


def _idp(ocm: OCMClient, ocm_id: str) -> Any:
    return ocm.ensure_identity_provider(ocm_id, **IDP)


def _pool(ocm: OCMClient, ocm_id: str) -> Any:
    return ensure_pool(ocm, ocm_id)


@pytest.mark.parametrize(
    ("ensure", "collection"),
    [
        pytest.param(_addon, "/addons", id="addon"),
        pytest.param(_syncset, "/external_configuration/syncsets", id="syncset"),
        pytest.param(_idp, "/identity_providers", id="identity-provider"),
        pytest.param(_pool, "/machine_pools", id="machine-pool"),
    ],
)
def test_an_already_exists_answer_uses_what_another_worker_created(
    ocm_emulator: OCMEmulator,
    settings: Any,
    ready_cluster: str,
    ensure: Callable[[OCMClient, str], Any],
    collection: str,
) -> None:
    other, ours = make_client(settings), make_client(settings)
    raced = threading.Event()

    def create_first(method: str, path: str) -> None:
        if method == "POST" and path.endswith(collection) and not raced.is_set():
            raced.set()
            ensure(other, ready_cluster)  # another worker wins between our lookup and our POST

    ocm_emulator.on_request = create_first

    result = ensure(ours, ready_cluster)

    assert raced.is_set()
    assert result == ensure(other, ready_cluster)
    assert calls(ocm_emulator, "POST", collection) == 2  # ours and the winner's; ours answered "already exists"


# --- tokens --------------------------------------------------------------------------------------------


def test_the_token_is_fetched_once_for_many_calls(
    client: OCMClient, ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator
) -> None:
    cluster = client.create_cluster(SPEC)
    for _ in range(5):
        client.get_cluster(cluster.id)
    client.install_addon(cluster.id, "managed-kafka")
    client.apply_syncset(cluster.id, "ext-managedservice-cluster-mgr", [NAMESPACE])

    assert token_calls(sso_emulator) == 1
    assert len(ocm_emulator.requests) > 10


@pytest.mark.parametrize(
    ("lifetime", "expected_token_calls"),
    [
        (300, 1),  # cached for the whole test
        (30, 3),  # within the 30 s margin from the start: fetched for every call
    ],
)
def test_the_token_is_cached_until_30_seconds_before_expiry(
    client: OCMClient, sso_emulator: SSOEmulator, ocm_emulator: OCMEmulator, lifetime: int, expected_token_calls: int
) -> None:
    sso_emulator.token_lifetime_seconds = lifetime

    for _ in range(3):
        client.find_cluster_by_name("mk-abc")

    assert token_calls(sso_emulator) == expected_token_calls


def test_a_401_refetches_the_token_once(
    client: OCMClient, ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator
) -> None:
    client.find_cluster_by_name("mk-abc")
    ocm_emulator.fail_next(1, 401)

    assert client.find_cluster_by_name("mk-abc") is None
    assert token_calls(sso_emulator) == 2

    ocm_emulator.fail_next(2, 401)  # the fresh token is refused too: the caller hears about it
    with pytest.raises(OCMError) as excinfo:
        client.find_cluster_by_name("mk-abc")
    assert (excinfo.value.status_code, excinfo.value.retryable) == (401, False)
    assert token_calls(sso_emulator) == 3


def test_wrong_credentials_are_a_permanent_error(
    ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator, settings: Any
) -> None:
    ocm = make_client(settings, client_secret="wrong-secret-1234")

    with pytest.raises(OCMError) as excinfo:
        ocm.get_cluster("0123456789abcdefghijklmnopqrstuv")

    assert (excinfo.value.status_code, excinfo.value.retryable) == (401, False)
    assert "wrong-secret-1234" not in str(excinfo.value)
    assert ocm_emulator.requests == []


# --- secrets -------------------------------------------------------------------------------------------


def test_secrets_and_tokens_never_reach_errors_or_logs(
    ocm_emulator: OCMEmulator, sso_emulator: SSOEmulator, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ocm = make_client(settings)
    addon_secret = "sso-secret-value-0123456789"
    parameters = {"sso-client-id": "agent", "sso-secret": addon_secret}
    secret_resource = {"kind": "Secret", "metadata": {"name": "x"}, "stringData": {"token": "sa-token-0123456789"}}
    errors: list[OCMError] = []

    def expect_error(call: Callable[[], Any]) -> None:
        with pytest.raises(OCMError) as excinfo:
            call()
        errors.append(excinfo.value)

    # OCM echoing a secret back in an error reason, every way a write can fail.
    ocm_emulator.reject_next(400, f"invalid credentials {CLOUD_SECRET}", method="POST")
    expect_error(lambda: ocm.create_cluster(SPEC))
    cluster = ocm.create_cluster(SPEC)
    ocm_emulator.reject_next(400, f"bad parameter value {addon_secret}", method="POST")
    expect_error(lambda: ocm.install_addon(cluster.id, "kas-fleetshard-operator", parameters))
    ocm.install_addon(cluster.id, "kas-fleetshard-operator", parameters)
    ocm_emulator.reject_next(400, f"bad parameter value {addon_secret}", method="PATCH")
    expect_error(
        lambda: ocm.update_addon_parameters(cluster.id, "kas-fleetshard-operator", {"sso-secret": addon_secret})
    )
    ocm_emulator.reject_next(400, f"bad client secret {IDP['client_secret']}", method="POST")
    expect_error(lambda: ocm.ensure_identity_provider(cluster.id, **IDP))
    ocm_emulator.reject_next(400, "bad resource sa-token-0123456789", method="POST")
    expect_error(lambda: ocm.apply_syncset(cluster.id, "ext-managedservice-cluster-mgr", [secret_resource]))
    ocm_emulator.fail_next(5, 503)
    expect_error(lambda: ocm.get_cluster(cluster.id))
    ocm_emulator.fail_next(2, 401)
    expect_error(lambda: ocm.get_cluster(cluster.id))

    secrets = [settings.FLEET_OCM_CLIENT_SECRET, CLOUD_SECRET, addon_secret, IDP["client_secret"]]
    secrets += ["sa-token-0123456789", *sso_emulator.issued_tokens()]
    texts = [caplog.text, *(str(error) for error in errors), *(repr(error) for error in errors)]
    assert len(errors) == 7 and "***" in str(errors[0])
    assert "retry 1/3" in caplog.text  # the retries were logged
    for secret in secrets:
        assert not any(secret in text for text in texts), secret


def test_credentials_and_parameters_stay_out_of_reprs(client: OCMClient, ready_cluster: str) -> None:
    addon = client.install_addon(ready_cluster, "kas-fleetshard-operator", {"sso-secret": "hidden-0123456789"})

    assert "hidden-0123456789" not in repr(addon) and CLOUD_SECRET not in repr(SPEC)


# --- the process's client from settings -----------------------------------------------------------------


def test_ocm_client_is_built_from_settings_once_per_process(ocm_emulator: OCMEmulator) -> None:
    assert ocm_client() is ocm_client()
    assert ocm_client().create_cluster(SPEC).name == "mk-abc"

    before = ocm_client()
    reset_ocm_client()
    assert ocm_client() is not before


@pytest.mark.parametrize("name", ["FLEET_OCM_BASE_URL", "FLEET_OCM_TOKEN_URL", "FLEET_OCM_CLIENT_SECRET"])
def test_ocm_client_refuses_without_its_settings(ocm_emulator: OCMEmulator, settings: Any, name: str) -> None:
    setattr(settings, name, None)
    reset_ocm_client()

    with pytest.raises(ImproperlyConfigured, match=name):
        ocm_client()


# --- the emulator's own contract --------------------------------------------------------------------------


def ocm_url(server: EmulatorServer, path: str) -> str:
    return f"{server.url}{OCM_PREFIX}/api/clusters_mgmt{path}"


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Basic Zm9vOmJhcg=="])
def test_the_emulator_wants_a_bearer_token(
    ocm_emulator: OCMEmulator, emulator_server: EmulatorServer, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.get(ocm_url(emulator_server, CLUSTERS), headers=headers, timeout=5)

    assert response.status_code == 401
    assert response.json()["kind"] == "Error" and response.json()["code"] == "CLUSTERS-MGMT-401"


BEARER = {"Authorization": "Bearer anything"}
VALID = {
    "name": "mk-x",
    "cloud_provider": {"id": "aws"},
    "region": {"id": "us-east-1"},
    "multi_az": True,
    "nodes": {
        "compute_machine_type": {"id": "m5.2xlarge"},
        "autoscale_compute": {"min_replicas": 3, "max_replicas": 6},
    },
}


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"name": "MK_X"}, "Cluster name 'MK_X' is not valid"),
        ({"cloud_provider": {"id": "azure"}}, "Cloud provider 'azure' is not supported"),
        ({"region": {}}, "Cluster region is required"),
        (
            {
                "nodes": {
                    "compute_machine_type": {"id": "m5"},
                    "autoscale_compute": {"min_replicas": 4, "max_replicas": 6},
                }
            },
            "multiples of 3",
        ),
        ({"nodes": {"autoscale_compute": {"min_replicas": 3, "max_replicas": 6}}}, "Compute machine type is required"),
    ],
)
def test_the_emulator_validates_creates_like_ocm(
    ocm_emulator: OCMEmulator, emulator_server: EmulatorServer, override: dict[str, Any], reason: str
) -> None:
    response = requests.post(ocm_url(emulator_server, CLUSTERS), json={**VALID, **override}, headers=BEARER, timeout=5)

    assert response.status_code == 400
    body = response.json()
    assert (body["kind"], body["id"], body["code"]) == ("Error", "400", "CLUSTERS-MGMT-400")
    assert body["href"] == "/api/clusters_mgmt/v1/errors/400" and body["operation_id"]
    assert reason in body["reason"]
    assert ocm_emulator.clusters() == []


def test_the_emulator_refuses_a_taken_name_with_400(ocm_emulator: OCMEmulator, emulator_server: EmulatorServer) -> None:
    first = requests.post(ocm_url(emulator_server, CLUSTERS), json=VALID, headers=BEARER, timeout=5)
    second = requests.post(ocm_url(emulator_server, CLUSTERS), json=VALID, headers=BEARER, timeout=5)

    assert first.status_code == 201 and first.json()["kind"] == "Cluster"
    assert first.headers["Location"] == first.json()["href"] == f"/api/clusters_mgmt/v1/clusters/{first.json()['id']}"
    assert second.status_code == 400
    assert second.json()["reason"] == "Cluster name 'mk-x' already exists"
    assert ocm_emulator.create_counts() == {"mk-x": 2}


def test_the_emulator_lists_searches_and_pages_clusters(
    ocm_emulator: OCMEmulator, emulator_server: EmulatorServer
) -> None:
    for name in ("mk-a", "mk-b", "mk-c"):
        requests.post(ocm_url(emulator_server, CLUSTERS), json={**VALID, "name": name}, headers=BEARER, timeout=5)

    def get(**params: str) -> Any:
        response = requests.get(ocm_url(emulator_server, CLUSTERS), params=params, headers=BEARER, timeout=5)
        return response.status_code, response.json()

    status, page = get(page="2", size="2")
    assert (status, page["kind"], page["page"], page["size"], page["total"]) == (200, "ClusterList", 2, 1, 3)
    assert [item["name"] for item in page["items"]] == ["mk-c"]
    assert [item["name"] for item in get(search="name = 'mk-b'")[1]["items"]] == ["mk-b"]
    assert get(search="name like 'mk-%'")[0] == 400


def test_the_emulator_answers_ocm_errors_for_unknown_paths(
    ocm_emulator: OCMEmulator, emulator_server: EmulatorServer
) -> None:
    missing = requests.get(ocm_url(emulator_server, "/v1/nothing"), headers=BEARER, timeout=5)
    not_allowed = requests.put(ocm_url(emulator_server, CLUSTERS), json={}, headers=BEARER, timeout=5)

    assert (missing.status_code, missing.json()["code"]) == (404, "CLUSTERS-MGMT-404")
    assert (not_allowed.status_code, not_allowed.json()["code"]) == (405, "CLUSTERS-MGMT-405")


def test_the_emulator_is_reset_between_tests(ocm_emulator: OCMEmulator) -> None:
    ocm_emulator.fail_deletes_with_404 = True
    ocm_emulator.advance(100)
    ocm_emulator.provision_seconds = 10

    ocm_emulator.reset()

    assert (ocm_emulator.fail_deletes_with_404, ocm_emulator.provision_seconds) == (False, 3.0)
    assert abs(ocm_emulator.now() - time.monotonic()) < 1


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"provision_seconds": -1}, "cannot be negative"),
        ({"port": "in-use"}, "cannot listen"),
    ],
)
def test_the_ocm_emulator_command_refuses_bad_options(
    emulator_server: EmulatorServer, options: dict[str, Any], message: str
) -> None:
    if options.get("port") == "in-use":
        options = {"port": int(emulator_server.url.rsplit(":", 1)[1])}

    with pytest.raises(CommandError, match=message):
        call_command("ocm_emulator", **options)
