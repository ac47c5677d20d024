"""`POST /obs-proxy-verification/{cluster_external_id}` (BEHAVIOUR.md §5.6), against the private contract."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from fleetmanager.devtokens import mint_token
from tests.conftest import V1, Api
from tests.factories import ClusterFactory

EXTERNAL_ID = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
OTHER_EXTERNAL_ID = "11111111-2222-4333-8444-555555555555"

pytestmark = pytest.mark.django_db


def verify(token: str | None, external_id: str = EXTERNAL_ID) -> Any:
    return Api("private", token).post(f"{V1}/obs-proxy-verification/{external_id}")


@pytest.fixture(autouse=True)
def cluster() -> Any:
    return ClusterFactory(cluster_id="c1", external_id=EXTERNAL_ID)


def test_the_clusters_agent_may_send_its_metrics(cluster: Any) -> None:
    response = verify(mint_token(client_id=cluster.client_id))

    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    ("token", "external_id", "status", "code"),
    [
        pytest.param(lambda c: None, EXTERNAL_ID, 401, 15, id="no-token"),
        pytest.param(lambda c: "not-a-jwt", EXTERNAL_ID, 401, 15, id="bad-token"),
        pytest.param(lambda c: mint_token(client_id=c.client_id), "not-a-uuid", 400, 46, id="external-id-not-a-uuid"),
        pytest.param(lambda c: mint_token(client_id=c.client_id), EXTERNAL_ID.upper(), 400, 46, id="upper-case-uuid"),
        pytest.param(lambda c: mint_token(username="alice", org_id="1"), EXTERNAL_ID, 401, 15, id="no-client-id"),
        pytest.param(lambda c: mint_token(client_id=c.client_id), OTHER_EXTERNAL_ID, 404, 7, id="unknown-cluster"),
        pytest.param(lambda c: mint_token(client_id="kas-fleetshard-agent-c2"), EXTERNAL_ID, 403, 4, id="other-agent"),
    ],
)
def test_it_refuses_what_is_not_the_clusters_agent(
    cluster: Any, token: Any, external_id: str, status: int, code: int
) -> None:
    ClusterFactory(cluster_id="c2", external_id=OTHER_EXTERNAL_ID.replace("1", "9"))

    response = verify(token(cluster), external_id)

    assert (response.status_code, response.json()["code"]) == (status, f"KAFKAS-MGMT-{code}")


def test_a_token_of_another_issuer_finds_nothing(cluster: Any, settings: Any) -> None:
    settings.FLEET_AGENT_ISSUERS = ["https://sso.example.com/auth/realms/rhoas"]

    response = verify(mint_token(client_id=cluster.client_id, issuer="https://elsewhere.example.com"))

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")


def test_a_deleted_cluster_is_not_found() -> None:
    gone = ClusterFactory(cluster_id="c3", external_id=OTHER_EXTERNAL_ID, deleted_at=timezone.now())

    response = verify(mint_token(client_id=gone.client_id), OTHER_EXTERNAL_ID)

    assert (response.status_code, response.json()["code"]) == (404, "KAFKAS-MGMT-7")
