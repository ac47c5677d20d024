"""Cloud providers and regions, with capacity from the region limits."""

from __future__ import annotations

from typing import Any

import pytest

from clusters.models import ClusterStatus, ClusterType
from fleetmanager.fleetconfig import reset_fleet_config
from tests.conftest import OTHER_ORG, V1, Api
from tests.factories import ClusterFactory, KafkaFactory


def test_configured_providers_are_listed_even_without_clusters(alice: Api) -> None:
    body = alice.get(f"{V1}/cloud_providers").json()

    assert body["kind"] == "CloudProviderList"
    assert body["items"] == [
        {"kind": "CloudProvider", "id": "aws", "name": "aws", "display_name": "Amazon Web Services", "enabled": True}
    ]


def test_providers_of_live_clusters_are_listed_disabled_unless_configured(alice: Api) -> None:
    ClusterFactory(cloud_provider="gcp", region="us-east1")
    ClusterFactory(cloud_provider="azure", region="eastus", status=ClusterStatus.CLEANUP)

    body = alice.get(f"{V1}/cloud_providers").json()

    assert [(p["id"], p["enabled"]) for p in body["items"]] == [("aws", True), ("gcp", False)]
    assert (body["size"], body["total"]) == (2, 2)


def test_a_customers_enterprise_cluster_adds_no_provider_or_region_to_what_everyone_sees(alice: Api) -> None:
    """Where another organisation runs its own cluster is its business (issue 15, tenant isolation)."""
    for provider, region in (("gcp", "their-own-region"), ("aws", "their-aws-region")):
        ClusterFactory(
            cloud_provider=provider, region=region, cluster_type=ClusterType.ENTERPRISE, organization_id=OTHER_ORG
        )

    providers = alice.get(f"{V1}/cloud_providers").json()
    regions = alice.get(f"{V1}/cloud_providers/aws/regions").json()

    assert [p["id"] for p in providers["items"]] == ["aws"]
    assert [r["id"] for r in regions["items"]] == ["us-east-1"]
    assert alice.get(f"{V1}/cloud_providers/gcp/regions").json()["items"] == []


def test_regions_report_enabled_and_available_sizes(alice: Api, ready_cluster: Any) -> None:
    ClusterFactory(region="eu-west-1")

    body = alice.get(f"{V1}/cloud_providers/aws/regions").json()

    assert body["kind"] == "CloudRegionList"
    assert body["items"] == [
        {
            "kind": "CloudRegion",
            "id": "us-east-1",
            "display_name": "us-east-1",
            "enabled": True,
            "capacity": [
                {"instance_type": "standard", "available_sizes": ["x1", "x2"]},
                {"instance_type": "developer", "available_sizes": ["x1"]},
            ],
        },
        {"kind": "CloudRegion", "id": "eu-west-1", "display_name": "eu-west-1", "enabled": False, "capacity": []},
    ]


def test_a_region_without_a_cluster_with_room_offers_no_sizes(alice: Api) -> None:
    """Outside auto scaling a size is available only if some cluster can take it now (§1.10)."""
    capacity = alice.get(f"{V1}/cloud_providers/aws/regions").json()["items"][0]["capacity"]

    assert capacity == [
        {"instance_type": "standard", "available_sizes": []},
        {"instance_type": "developer", "available_sizes": []},
    ]


def test_auto_scaling_offers_every_size_within_the_region_limit(alice: Api, settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"

    capacity = alice.get(f"{V1}/cloud_providers/aws/regions").json()["items"][0]["capacity"]

    assert capacity[0] == {"instance_type": "standard", "available_sizes": ["x1", "x2"]}


@pytest.mark.usefixtures("ready_cluster")
def test_available_sizes_shrink_as_the_region_limit_fills(alice: Api, config_dir: Any) -> None:
    providers = config_dir / "provider-configuration.yaml"
    providers.write_text(
        providers.read_text().replace("          standard: {}", "          standard:\n            limit: 3", 1)
    )
    reset_fleet_config()
    capacity = lambda: alice.get(f"{V1}/cloud_providers/aws/regions").json()["items"][0]["capacity"][0]  # noqa: E731

    assert capacity()["available_sizes"] == ["x1", "x2"]
    KafkaFactory(size_id="x2")
    assert capacity()["available_sizes"] == ["x1"]
    KafkaFactory(size_id="x1")
    assert capacity()["available_sizes"] == []
    response = alice.post(f"{V1}/kafkas?async=true", {"name": "one-more"})
    assert (response.status_code, response.json()["code"]) == (403, "KAFKAS-MGMT-24")
    assert response.json()["reason"] == "region us-east-1 cannot accept instance type: standard at this moment"


def test_unknown_provider_has_no_regions(alice: Api) -> None:
    assert alice.get(f"{V1}/cloud_providers/ibm/regions").json()["items"] == []


def test_cloud_providers_need_a_token(api: Api) -> None:
    assert api.get(f"{V1}/cloud_providers").status_code == 401
