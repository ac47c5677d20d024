"""NUL characters anywhere in a request: PostgreSQL cannot hold them, so they must be refused
before any query runs (they used to surface as 500s from the database driver).

Paths get 404/7 (no resource can have such an id), query parameters 400/21, bodies 400/17;
and nothing is written.
"""

from __future__ import annotations

from typing import Any

import pytest

from clusters.models import Cluster
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaRequest, KafkaStatusChange
from tests.conftest import V1, Api, error_code
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
KAFKA = "existingkafka0000000"
ON_CLUSTER = "kafkaoncluster000000"

ROWS = [
    # (who, method, path, query or body, status, code)
    ("user", "get", f"{V1}/kafkas", {"search": f"name = {NUL}"}, 400, "21"),
    ("user", "get", f"{V1}/kafkas", {"search": f"name like {NUL}%"}, 400, "21"),
    ("user", "get", f"{V1}/kafkas", {"orderBy": NUL}, 400, "21"),
    ("user", "get", f"{V1}/kafkas/{NUL}", None, 404, "7"),
    ("user", "delete", f"{V1}/kafkas/{NUL}?async=true", None, 404, "7"),
    ("user", "get", f"{V1}/cloud_providers/{NUL}/regions", None, 404, "7"),
    ("user", "get", f"{V1}/instance_types/aws/{NUL}", None, 404, "7"),
    ("user", "post", f"{V1}/kafkas?async=true", {"name": NUL}, 400, "17"),
    ("user", "post", f"{V1}/kafkas?async=true", {"name": "ok", "region": NUL}, 400, "17"),
    ("user", "post", f"{V1}/kafkas?async=true", {"name": "ok", NUL: "unknown key"}, 400, "17"),
    ("user", "patch", f"{V1}/kafkas/{KAFKA}", {"owner": NUL}, 400, "17"),
    ("user", "post", f"{V1}/kafkas/{KAFKA}/promote?async=true", {"desired_kafka_billing_model": NUL}, 400, "17"),
    ("org admin", "get", f"{V1}/clusters/{NUL}", None, 404, "7"),
    ("org admin", "delete", f"{V1}/clusters/{NUL}?async=true", None, 404, "7"),
    ("org admin", "post", f"{V1}/clusters", {"cluster_id": NUL, "cluster_external_id": "x"}, 400, "17"),
    ("agent", "put", f"{V1}/agent-clusters/c1/status", {"conditions": [{"type": NUL, "status": "True"}]}, 400, "17"),
    ("agent", "put", f"{V1}/agent-clusters/c1/kafkas/status", {NUL: {"conditions": []}}, 400, "17"),
    (
        "agent",
        "put",
        f"{V1}/agent-clusters/c1/kafkas/status",
        {ON_CLUSTER: {"conditions": [{"type": "Ready", "status": "False", "reason": "Error", "message": NUL}]}},
        400,
        "17",
    ),
    ("agent", "get", f"{V1}/agent-clusters/{NUL}/kafkas", None, 404, "7"),
]


@pytest.mark.parametrize(
    ("who", "method", "path", "data", "status", "code"), ROWS, ids=[f"{r[1]} {r[2]} {r[3]}"[:90] for r in ROWS]
)
def test_nul_characters_are_refused_and_change_nothing(
    api: Api, who: str, method: str, path: str, data: Any, status: int, code: str
) -> None:
    KafkaFactory(id=KAFKA, owner="alice")
    cluster = ClusterFactory(cluster_id="c1")
    KafkaFactory(id=ON_CLUSTER, owner="alice", cluster_id="c1", status="provisioning")
    client = {
        "user": api.as_user("alice"),
        "org admin": api.as_user("olga", is_org_admin=True),
        "agent": Api("private", mint_token(client_id=cluster.client_id)),
    }[who]
    before = (
        list(KafkaRequest.all_objects.order_by("id").values()),
        list(Cluster.all_objects.order_by("id").values()),
        KafkaStatusChange.objects.count(),
    )

    response = client.request(method, path, data)

    assert (response.status_code, error_code(response).rsplit("-", 1)[-1]) == (status, code)
    after = (
        list(KafkaRequest.all_objects.order_by("id").values()),
        list(Cluster.all_objects.order_by("id").values()),
        KafkaStatusChange.objects.count(),
    )
    assert after == before
