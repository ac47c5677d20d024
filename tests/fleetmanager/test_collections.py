"""`GET /api/kafkas_mgmt/v1` lists the collections this installation serves, and only those (§1.2)."""

from __future__ import annotations

from typing import Any

import pytest

from fleetmanager.api import views
from tests.conftest import V1, Api

pytestmark = pytest.mark.django_db


def test_it_lists_upstreams_collections(api: Api) -> None:
    body = api.get(V1).json()

    assert [(c["id"], c["kind"], c["href"]) for c in body["collections"]] == [
        ("kafkas", "KafkaList", "/api/kafkas_mgmt/v1/kafkas"),
        ("service_accounts", "ServiceAccountList", "/api/kafkas_mgmt/v1/service_accounts"),
        ("cloud_providers", "CloudProviderList", "/api/kafkas_mgmt/v1/cloud_providers"),
        ("clusters", "EnterpriseClusterList", "/api/kafkas_mgmt/v1/clusters"),
    ]


def test_every_listed_collection_answers(api: Api, sso_emulator: Any) -> None:
    alice = api.as_user("alice", is_org_admin=True)
    for collection in api.get(V1).json()["collections"]:
        response = alice.get(collection["href"])
        assert response.status_code != 404, collection["href"]
        assert response.status_code < 500, (collection["href"], response.content)


def test_a_collection_without_a_route_is_left_out(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "COLLECTIONS", (*views.COLLECTIONS, ("connectors", "ConnectorList")))

    ids = [collection["id"] for collection in api.get(V1).json()["collections"]]

    assert "connectors" not in ids
    assert ids == ["kafkas", "service_accounts", "cloud_providers", "clusters"]
