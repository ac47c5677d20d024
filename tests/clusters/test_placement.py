"""Placement and region limits as tables (§6.5, §6.6): one row per filter and capacity edge.

Each row builds the clusters and Kafkas it describes on PostgreSQL and asks the real
``place`` / ``region_fits`` / ``place_enterprise``; nothing of ours is mocked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import yaml
from django.utils import timezone

from clusters import capacity, placement
from clusters.models import Cluster, ClusterStatus, ClusterType
from fleetmanager.fleetconfig import fleet_config, reset_fleet_config
from fleetmanager.fleetconfig.providers import InstanceTypeLimit, Region
from kafkas.models import KafkaStatus
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db

ORG = "13640203"


def request(**overrides: Any) -> placement.PlacementRequest:
    fields = {
        "cloud_provider": "aws",
        "region": "us-east-1",
        "instance_type": "standard",
        "multi_az": True,
        "capacity_consumed": 1,
    }
    return placement.PlacementRequest(**{**fields, **overrides})


def kafkas_on(cluster_id: str, count: int, *, size_id: str = "x1", **fields: Any) -> None:
    for _ in range(count):
        KafkaFactory(cluster_id=cluster_id, size_id=size_id, status=KafkaStatus.READY, **fields)


# --- Filters: which clusters are candidates at all (every mode) -------------------------------

FILTERS = [
    # (description, cluster fields, request fields, placed)
    ("a ready cluster of the region", {}, {}, True),
    ("another cloud provider", {"cloud_provider": "gcp"}, {}, False),
    ("another region", {"region": "eu-west-1"}, {}, False),
    *[
        (f"a cluster in {status}", {"status": status}, {}, False)
        for status in ClusterStatus.values
        if status != ClusterStatus.READY
    ],
    ("an enterprise cluster", {"cluster_type": ClusterType.ENTERPRISE, "organization_id": ORG}, {}, False),
    ("a cluster without the instance type", {"supported_instance_type": "developer"}, {}, False),
    ("a developer Kafka on a developer-only cluster", {"supported_instance_type": "developer"},
     {"instance_type": "developer"}, True),
    ("a multi-AZ Kafka on a single-AZ cluster", {"multi_az": False}, {}, False),
    ("a single-AZ Kafka on a multi-AZ cluster", {}, {"multi_az": False}, True),
    ("a single-AZ Kafka on a single-AZ cluster", {"multi_az": False}, {"multi_az": False}, True),
    ("a soft-deleted cluster", {"deleted_at": timezone.now()}, {}, False),
]  # fmt: skip


@pytest.mark.parametrize("mode", ["manual", "auto", "none"])
@pytest.mark.parametrize(
    ("description", "cluster_fields", "request_fields", "placed"), FILTERS, ids=[r[0] for r in FILTERS]
)
def test_candidate_filters(
    settings: Any, mode: str, description: str, cluster_fields: dict, request_fields: dict, placed: bool
) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = mode
    cluster = ClusterFactory(
        dynamic_capacity_info={t: {"max_units": 10, "remaining_units": 10} for t in ("standard", "developer")},
        **cluster_fields,
    )
    chosen = placement.place(request(**request_fields))
    assert (chosen == cluster) is placed, description


# --- Auto mode: exact counting against the agent-reported max_units ---------------------------


@dataclass(frozen=True)
class AutoRow:
    description: str
    max_units: int | None  # None: the agent reported nothing for the type
    used_x1: int = 0
    used_x2: int = 0
    needed: int = 1
    remaining_hint: int | None = None
    deleting: int = 0
    other_type: int = 0
    placed: bool = True


AUTO_ROWS = [
    AutoRow("empty cluster", max_units=3),
    AutoRow("one unit short of the limit (limit-1 used)", max_units=3, used_x1=2),
    AutoRow("at the limit", max_units=3, used_x1=3, placed=False),
    AutoRow("two units needed, one left", max_units=3, used_x1=2, needed=2, placed=False),
    AutoRow("two units needed, two left", max_units=3, used_x1=1, needed=2),
    AutoRow("an x2 Kafka counts two units", max_units=3, used_x2=1, needed=2, placed=False),
    AutoRow("deleting Kafkas hold no units", max_units=1, deleting=1),
    AutoRow("another type's Kafkas do not count", max_units=1, other_type=2),
    AutoRow("no capacity reported for the type", max_units=None, placed=False),
    AutoRow("a stale 'full' report does not hide real room", max_units=3, used_x1=1, remaining_hint=0),
    AutoRow("a stale 'room' report does not overfill", max_units=2, used_x1=2, remaining_hint=5, placed=False),
]


@pytest.mark.parametrize("row", AUTO_ROWS, ids=[r.description for r in AUTO_ROWS])
def test_auto_mode_capacity_edges(settings: Any, row: AutoRow) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    info: dict[str, Any] = {}
    if row.max_units is not None:
        info["standard"] = {"max_units": row.max_units}
        if row.remaining_hint is not None:
            info["standard"]["remaining_units"] = row.remaining_hint
    cluster = ClusterFactory(dynamic_capacity_info=info)
    kafkas_on(cluster.cluster_id, row.used_x1)
    kafkas_on(cluster.cluster_id, row.used_x2, size_id="x2")
    for _ in range(row.deleting):
        KafkaFactory(cluster_id=cluster.cluster_id, status=KafkaStatus.DELETING)
    kafkas_on(cluster.cluster_id, row.other_type, instance_type="developer")

    chosen = placement.place(request(capacity_consumed=row.needed))

    assert (chosen == cluster) is row.placed


def test_auto_mode_skips_a_full_cluster_for_the_next_one_with_room(settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    full = ClusterFactory(dynamic_capacity_info={"standard": {"max_units": 1, "remaining_units": 1}})
    kafkas_on(full.cluster_id, 1)
    roomy = ClusterFactory(dynamic_capacity_info={"standard": {"max_units": 1, "remaining_units": 1}})

    assert placement.place(request()) == roomy


def test_the_oldest_cluster_with_room_is_chosen_in_every_mode(settings: Any) -> None:
    # Created first but made younger: the order must come from created_at, not from the id.
    younger = ClusterFactory(dynamic_capacity_info={"standard": {"max_units": 5}})
    older = ClusterFactory(dynamic_capacity_info={"standard": {"max_units": 5}})
    Cluster.objects.filter(pk=younger.pk).update(created_at=timezone.now() + timedelta(hours=1))

    for mode in ("manual", "auto", "none"):
        settings.FLEET_DATAPLANE_SCALING_TYPE = mode
        assert placement.place(request()) == older, mode


# --- Manual mode: kafka_instance_limit from dataplane-cluster-configuration.yaml -----------------

CONFIGURED = "dev-standalone-1"


@dataclass(frozen=True)
class ManualRow:
    description: str
    limit: int | None  # None: the cluster is not in the file
    used_standard: int = 0
    used_developer: int = 0
    needed: int = 1
    schedulable: bool = True
    placed: bool = True


MANUAL_ROWS = [
    ManualRow("limit-1 used", limit=3, used_standard=2),
    ManualRow("limit used", limit=3, used_standard=3, placed=False),
    ManualRow("two needed with one left (limit+1)", limit=3, used_standard=2, needed=2, placed=False),
    ManualRow("the limit counts every instance type", limit=3, used_standard=2, used_developer=1, placed=False),
    ManualRow("unlimited (-1)", limit=-1, used_standard=50),
    ManualRow("not schedulable", limit=3, schedulable=False, placed=False),
    ManualRow("not in the file: schedulable and unlimited", limit=None, used_standard=50),
]


@pytest.mark.parametrize("row", MANUAL_ROWS, ids=[r.description for r in MANUAL_ROWS])
def test_manual_mode_instance_limits(settings: Any, config_dir: Any, row: ManualRow) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "manual"
    path = config_dir / "dataplane-cluster-configuration.yaml"
    document = yaml.safe_load(path.read_text())
    if row.limit is None:
        document["clusters"] = []
    else:
        document["clusters"][0].update(kafka_instance_limit=row.limit, schedulable=row.schedulable)
    path.write_text(yaml.safe_dump(document))
    reset_fleet_config()
    cluster = ClusterFactory(cluster_id=CONFIGURED)
    kafkas_on(CONFIGURED, row.used_standard)
    kafkas_on(CONFIGURED, row.used_developer, instance_type="developer")

    chosen = placement.place(request(capacity_consumed=row.needed))

    assert (chosen == cluster) is row.placed


def test_none_mode_ignores_capacity(settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "none"
    cluster = ClusterFactory(dynamic_capacity_info={"standard": {"max_units": 1}})
    kafkas_on(cluster.cluster_id, 5)

    assert placement.place(request()) == cluster


# --- Region limits (provider-configuration.yaml) --------------------------------------------


@dataclass(frozen=True)
class RegionRow:
    description: str
    limit: int | None
    used_x1: int = 0
    size: str = "x1"
    elsewhere: int = 0  # Kafkas of another region
    enterprise: int = 0  # Kafkas on enterprise clusters: outside region limits (§6.6)
    deleted: int = 0  # soft-deleted Kafkas
    fits: bool = True


REGION_ROWS = [
    RegionRow("no region limit", limit=None, used_x1=100),
    RegionRow("limit-1 used", limit=3, used_x1=2),
    RegionRow("limit used", limit=3, used_x1=3, fits=False),
    RegionRow("an x2 with one unit left (limit+1)", limit=3, used_x1=2, size="x2", fits=False),
    RegionRow("an x2 with two units left", limit=3, used_x1=1, size="x2"),
    RegionRow("a limit of zero takes nothing", limit=0, fits=False),
    RegionRow("other regions do not count", limit=1, elsewhere=3),
    RegionRow("enterprise Kafkas do not count", limit=1, enterprise=3),
    RegionRow("soft-deleted Kafkas do not count", limit=1, deleted=3),
]


@pytest.mark.parametrize("row", REGION_ROWS, ids=[r.description for r in REGION_ROWS])
def test_region_limits(row: RegionRow) -> None:
    kafkas_on("", row.used_x1)
    kafkas_on("", row.elsewhere, region="eu-west-1")
    kafkas_on("", row.enterprise, desired_kafka_billing_model="enterprise", actual_kafka_billing_model="enterprise")
    kafkas_on("", row.deleted, deleted_at=timezone.now())
    standard = fleet_config().instance_types.get("standard")
    region = Region(name="us-east-1", default=True, supported_instance_types={"standard": InstanceTypeLimit(row.limit)})

    fits = capacity.region_fits(
        cloud_provider="aws", region=region, instance_type=standard, size=standard.size(row.size)
    )

    assert fits is row.fits


# --- Enterprise placement: the Kafka names its cluster; refusals say why -----------------------


@dataclass(frozen=True)
class EnterpriseRow:
    description: str
    cluster: dict[str, Any] = field(default_factory=dict)
    used_x1: int = 0
    needed: int = 1
    ask_for: str = "ent-1"
    reason: str = ""  # empty: placed


ENTERPRISE_ROWS = [
    EnterpriseRow("a ready cluster of the org with room"),
    EnterpriseRow("exactly the units left", used_x1=2, needed=1),
    EnterpriseRow("one unit short", used_x1=2, needed=2, reason="it has 1 streaming units left, 2 needed"),
    EnterpriseRow("full", used_x1=3, reason="it has 0 streaming units left, 1 needed"),
    EnterpriseRow("an unknown cluster", ask_for="nope", reason="no such enterprise cluster in your organization"),
    EnterpriseRow(
        "another org's cluster",
        cluster={"organization_id": "other-org"},
        reason="no such enterprise cluster in your organization",
    ),
    EnterpriseRow(
        "a managed cluster is not an enterprise one",
        cluster={"cluster_type": ClusterType.MANAGED},
        reason="no such enterprise cluster in your organization",
    ),
    EnterpriseRow(
        "a cluster not ready yet",
        cluster={"status": ClusterStatus.WAITING_FOR_FLEETSHARD},
        reason="the cluster is waiting_for_kas_fleetshard_operator, not ready",
    ),
    EnterpriseRow(
        "a cluster that does not offer the type",
        cluster={"dynamic_capacity_info": {"developer": {"max_units": 3}}},
        reason="the cluster does not offer instance type standard",
    ),
]


@pytest.mark.parametrize("row", ENTERPRISE_ROWS, ids=[r.description for r in ENTERPRISE_ROWS])
def test_enterprise_placement(row: EnterpriseRow) -> None:
    fields = {
        "cluster_id": "ent-1",
        "cluster_type": ClusterType.ENTERPRISE,
        "organization_id": ORG,
        "dynamic_capacity_info": {"standard": {"max_units": 3}},
        **row.cluster,
    }
    cluster = ClusterFactory(**fields)
    kafkas_on("ent-1", row.used_x1)

    chosen, reason = placement.place_enterprise(
        cluster_id=row.ask_for, org_id=ORG, instance_type="standard", capacity_consumed=row.needed
    )

    assert reason == row.reason
    assert chosen == (None if row.reason else cluster)
