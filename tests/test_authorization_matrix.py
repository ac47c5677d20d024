"""Who may do what on the public API (§7.5, §7.6): one row per endpoint, one column per principal.

Read the table as the policy: `200`/`202` allowed, `404` the Kafka is invisible to them,
`403/4` denied user, `403/11` not allowed to act on it, `403/18` organisation outside
the access list during maintenance, `403/24` a second Trial instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from quota.models import AllowedOrganisation, Source
from tests.conftest import NO_QUOTA_ORG, ORG, OTHER_ORG, V1, Api
from tests.factories import KafkaFactory

TARGET = "targetkafka000000000"  # alice's eval Kafka, ready
OUTSIDE_ORG = "99999999"  # not on the access list


@dataclass(frozen=True)
class Who:
    user: str
    org: str
    admin: bool = False


PRINCIPALS = {
    "owner": Who("alice", ORG),
    "same org": Who("dave", ORG),
    "org admin": Who("olga", ORG, admin=True),
    "other org": Who("eve", OTHER_ORG, admin=True),
    "denied user": Who("denied-test-user1@example.com", ORG),
    "outside access list": Who("mallory", OUTSIDE_ORG),
    "no quota": Who("nick", NO_QUOTA_ORG),
    "trial used": Who("tina", NO_QUOTA_ORG),
}

# endpoint: (method, path, body), then one expectation per principal, in the order above.
MATRIX: dict[str, tuple[tuple[str, str, Any], tuple[str, ...]]] = {
    "list kafkas": (("get", f"{V1}/kafkas", None), ("200", "200", "200", "200", "403/4", "403/18", "200", "200")),
    "create kafka": (
        ("post", f"{V1}/kafkas?async=true", {"name": "new-one"}),
        ("202", "202", "202", "202", "403/4", "403/18", "202", "403/24"),
    ),
    "get kafka": (
        ("get", f"{V1}/kafkas/{TARGET}", None),
        ("200", "200", "200", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "patch kafka": (
        ("patch", f"{V1}/kafkas/{TARGET}", {"reauthentication_enabled": False}),
        ("200", "403/11", "200", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "hand kafka over": (
        ("patch", f"{V1}/kafkas/{TARGET}", {"owner": "dave"}),
        ("403/11", "403/11", "200", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "delete kafka": (
        ("delete", f"{V1}/kafkas/{TARGET}?async=true", None),
        ("202", "404/7", "202", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "promote kafka": (
        ("post", f"{V1}/kafkas/{TARGET}/promote?async=true", {"desired_kafka_billing_model": "standard"}),
        ("202", "403/11", "202", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "instance types": (
        ("get", f"{V1}/instance_types/aws/us-east-1", None),
        ("200", "200", "200", "200", "403/4", "403/18", "200", "200"),
    ),
    # Cloud providers and enterprise clusters need only a trusted token (no access lists, as upstream);
    # enterprise clusters also need enterprise quota for the organisation.
    "cloud providers": (
        ("get", f"{V1}/cloud_providers", None),
        ("200", "200", "200", "200", "200", "200", "200", "200"),
    ),
    "cloud regions": (
        ("get", f"{V1}/cloud_providers/aws/regions", None),
        ("200", "200", "200", "200", "200", "200", "200", "200"),
    ),
    "enterprise clusters": (
        ("get", f"{V1}/clusters", None),
        ("200", "200", "200", "200", "200", "403/11", "403/11", "403/11"),
    ),
    "error catalogue": (("get", f"{V1}/errors", None), ("200", "200", "200", "200", "200", "200", "200", "200")),
    "kafka metrics": (
        ("get", f"{V1}/kafkas/{TARGET}/metrics/query", None),
        ("200", "200", "200", "404/7", "403/4", "403/18", "404/7", "404/7"),
    ),
    "list service accounts": (
        ("get", f"{V1}/service_accounts", None),
        ("200", "200", "200", "200", "403/4", "403/18", "200", "200"),
    ),
    "create service account": (
        ("post", f"{V1}/service_accounts", {"name": "robot"}),
        ("202", "202", "202", "202", "403/4", "403/18", "202", "202"),
    ),
    # Public, as upstream: clients ask it where tokens come from before they have one.
    "sso providers": (("get", f"{V1}/sso_providers", None), ("200", "200", "200", "200", "200", "200", "200", "200")),
}

CASES = [
    (endpoint, principal, expected)
    for endpoint, (_, expectations) in MATRIX.items()
    for principal, expected in zip(PRINCIPALS, expectations, strict=True)
]


@pytest.fixture
def world(ready_cluster: Any, settings: Any, sso_emulator: Any) -> None:
    settings.FLEET_ENABLE_ACCESS_LIST = True
    settings.FLEET_ENABLE_DENY_LIST = True
    AllowedOrganisation.objects.create(org_id=NO_QUOTA_ORG, source=Source.ADMIN, note="test users without quota")
    KafkaFactory(
        id=TARGET,
        name="target",
        owner="alice",
        status="ready",
        actual_kafka_billing_model="eval",
        desired_kafka_billing_model="eval",
    )
    KafkaFactory(name="tinas-trial", owner="tina", organisation_id=NO_QUOTA_ORG, instance_type="developer")


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "principal", "expected"), CASES, ids=[f"{e} by {p}" for e, p, _ in CASES])
def test_authorization_matrix(world: None, api: Api, endpoint: str, principal: str, expected: str) -> None:
    (method, path, body), _ = MATRIX[endpoint]
    who = PRINCIPALS[principal]

    response = api.as_user(who.user, who.org, is_org_admin=who.admin).request(method, path, body)

    status, _, code = expected.partition("/")
    assert response.status_code == int(status), response.content
    if code:
        assert response.json()["code"] == f"KAFKAS-MGMT-{code}"


def test_the_matrix_covers_every_principal_and_endpoint() -> None:
    assert all(len(expectations) == len(PRINCIPALS) for _, expectations in MATRIX.values())
    assert len(CASES) == len(MATRIX) * len(PRINCIPALS)
