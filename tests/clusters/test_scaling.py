"""Dynamic scaling decisions (§6.10): when a region gets a new cluster, when an empty one goes."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from clusters import scaling
from clusters.models import Cluster, ClusterStatus, ScalingAction, ScalingDecision
from fleetmanager import leases
from fleetmanager.fleetconfig import fleet_config, reset_fleet_config
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auto(settings: Any, config_dir: Any) -> Any:
    """Auto mode with scaling switched on (the shipped file has both switches off: dry runs)."""
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    path = config_dir / "dynamic-scaling-configuration.yaml"
    document = yaml.safe_load(path.read_text())
    document["enable_dynamic_data_plane_scale_up"] = True
    document["enable_dynamic_data_plane_scale_down"] = True
    path.write_text(yaml.safe_dump(document))
    set_region(config_dir, standard={}, developer={})
    return config_dir


def set_region(config_dir: Any, **types: dict) -> None:
    path = config_dir / "provider-configuration.yaml"
    document = yaml.safe_load(path.read_text())
    document["supported_providers"][0]["regions"][0]["supported_instance_type"] = types
    path.write_text(yaml.safe_dump(document))
    reset_fleet_config()


def lease(name: str = scaling.SCALE_UP_LEASE) -> leases.Lease:
    held = leases.acquire(name, "test")
    assert held is not None
    return held


def standard_cluster(max_units: int, used: int = 0, **fields: Any) -> Cluster:
    cluster = ClusterFactory(
        supported_instance_type="standard",
        dynamic_capacity_info={"standard": {"max_units": max_units, "max_nodes": 3}},
        **fields,
    )
    for _ in range(used):
        KafkaFactory(cluster_id=cluster.cluster_id, status="ready")
    return cluster


def reason(instance_type: str = "standard") -> str:
    return scaling.scale_up_reason("aws", "us-east-1", fleet_config().instance_types.get(instance_type))


@pytest.mark.usefixtures("auto")
@pytest.mark.parametrize(
    ("clusters", "region", "expected"),
    [
        ([], {}, "no cluster can take a Kafka of 2 streaming units (0 usable clusters)"),
        ([(10, 9)], {}, "no cluster can take a Kafka of 2 streaming units (1 usable clusters)"),
        ([(10, 8)], {}, ""),
        ([(10, 0, {"status": ClusterStatus.ACCEPTED})], {}, ""),  # scale-up in progress
        ([(10, 5, {"status": ClusterStatus.PROVISIONED})], {}, ""),
        ([(10, 9)], {"limit": 9}, ""),  # region full by its limit
        (
            [(10, 6)],
            {"limit": 20, "min_available_capacity_slack_streaming_units": 5},
            "4 free streaming units, below the slack of 5",
        ),
        ([(10, 5)], {"limit": 20, "min_available_capacity_slack_streaming_units": 5}, ""),
        ([(10, 9), (4, 1)], {}, ""),  # the second cluster has room
        (
            [(10, 10, {"status": ClusterStatus.DEPROVISIONING}), (10, 9)],
            {},
            "no cluster can take a Kafka of 2 streaming units (1 usable clusters)",
        ),
    ],
)
def test_scale_up_reasons(auto: Any, clusters: list, region: dict, expected: str) -> None:
    set_region(auto, standard=region)
    for spec in clusters:
        standard_cluster(spec[0], spec[1], **(spec[2] if len(spec) > 2 else {}))

    assert reason() == expected


def test_scale_up_adds_an_ocm_cluster_and_records_why(auto: Any) -> None:
    set_region(auto, standard={})

    (decision,) = scaling.scale_up(lease())

    cluster = decision.cluster
    assert (decision.action, decision.dry_run, decision.instance_type) == (ScalingAction.SCALE_UP, False, "standard")
    assert (cluster.status, cluster.provider_type, cluster.multi_az, cluster.cluster_id) == (
        ClusterStatus.ACCEPTED,
        "ocm",
        True,
        None,
    )
    assert scaling.scale_up(lease()) == []  # the new cluster is on its way


def test_a_dry_run_records_the_decision_once_and_creates_nothing(settings: Any, config_dir: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    set_region(config_dir, standard={})

    scaling.scale_up(lease())
    scaling.scale_up(lease())

    (decision,) = ScalingDecision.objects.all()
    assert decision.dry_run and decision.cluster is None
    assert not Cluster.objects.exists()


SCALE_DOWN = [
    # (description, region settings, clusters as (max units, used, fields), names of those removed)
    ("an empty cluster beside one with room goes", {}, [("keeper", 10, 2), ("empty", 10, 0)], ["empty"]),
    ("removal would trigger a scale-up: it stays", {}, [("keeper", 10, 9), ("empty", 10, 0)], []),
    (
        "removal would leave the region under its slack: it stays",
        {"limit": 40, "min_available_capacity_slack_streaming_units": 5},
        [("keeper", 10, 6), ("empty", 10, 0)],
        [],
    ),
    (
        "removal leaves exactly the slack: it goes",
        {"limit": 40, "min_available_capacity_slack_streaming_units": 5},
        [("keeper", 10, 5), ("empty", 10, 0)],
        ["empty"],
    ),
    ("two empty clusters beside one with room both go", {}, [("keeper", 10, 2), ("a", 10, 0), ("b", 10, 0)],
     ["a", "b"]),
    ("of two empty clusters alone, the newer goes and the older stays", {}, [("older", 10, 0), ("newer", 10, 0)],
     ["newer"]),
    ("a cluster holding one Kafka stays", {}, [("busy", 10, 1), ("keeper", 10, 2)], []),
    ("the empty one goes, not the one holding a Kafka", {}, [("empty", 10, 0), ("busy", 10, 1)], ["empty"]),
    ("an empty enterprise cluster is not ours to remove", {},
     [("keeper", 10, 0), ("customer", 10, 0, {"cluster_type": "enterprise", "organization_id": "1"})], []),
    # The only ready cluster stays while the next one is still being built.
    ("an empty cluster not ready yet is left alone", {},
     [("keeper", 10, 0), ("coming", 10, 0, {"status": ClusterStatus.WAITING_FOR_FLEETSHARD})], []),
]  # fmt: skip


@pytest.mark.parametrize(("description", "region", "clusters", "removed"), SCALE_DOWN, ids=[r[0] for r in SCALE_DOWN])
def test_scale_down_decisions(auto: Any, description: str, region: dict, clusters: list, removed: list) -> None:
    set_region(auto, standard=region)
    made = {}
    for name, max_units, used, *fields in clusters:
        made[name] = standard_cluster(max_units, used, cluster_id=name, **(fields[0] if fields else {}))

    decisions = scaling.scale_down(lease(scaling.SCALE_DOWN_LEASE))

    assert sorted(d.cluster.cluster_id for d in decisions) == sorted(removed), description
    for name, cluster in made.items():
        cluster.refresh_from_db()
        assert (cluster.status == ClusterStatus.DEPROVISIONING) is (name in removed), name
    assert all(d.reason and not d.dry_run for d in decisions)


def test_an_empty_cluster_goes_when_another_keeps_room(auto: Any) -> None:
    set_region(auto, standard={})
    keeper = standard_cluster(10, 2)
    empty = standard_cluster(10, 0)

    (decision,) = scaling.scale_down(lease(scaling.SCALE_DOWN_LEASE))

    assert decision.cluster == empty
    empty.refresh_from_db()
    keeper.refresh_from_db()
    assert (empty.status, keeper.status) == (ClusterStatus.DEPROVISIONING, ClusterStatus.READY)


def test_the_last_cluster_of_a_region_stays_even_when_empty(auto: Any) -> None:
    set_region(auto, standard={})
    only = standard_cluster(10, 0)

    assert scaling.scale_down(lease(scaling.SCALE_DOWN_LEASE)) == []
    only.refresh_from_db()
    assert only.status == ClusterStatus.READY


def test_a_cluster_of_a_region_no_longer_configured_goes(auto: Any) -> None:
    stray = standard_cluster(10, 0, region="eu-west-1")

    (decision,) = scaling.scale_down(lease(scaling.SCALE_DOWN_LEASE))

    assert decision.reason == "its region is no longer configured"
    stray.refresh_from_db()
    assert stray.status == ClusterStatus.DEPROVISIONING


def test_scaling_does_nothing_outside_auto_mode(settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "manual"

    scaling.reconcile_scaling()

    assert not ScalingDecision.objects.exists()
