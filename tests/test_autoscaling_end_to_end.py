"""Auto scaling end to end against the OCM emulator: an empty fleet grows as Kafkas arrive and shrinks
when they are gone (§6.10). Real HTTP everywhere: API, agents, OCM, SSO."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import yaml
from django.db import connection

from agents.simulator import AgentFleet, AgentOptions, TokenCache
from clusters.models import Cluster, ClusterStatus, ScalingAction, ScalingDecision
from clusters.scaling import reconcile_scaling
from clusters.tasks import reconcile_clusters
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import OCMEmulator
from fleetmanager.fleetconfig import reset_fleet_config
from kafkas.models import KafkaRequest
from kafkas.tasks import reconcile_kafkas
from tests.test_end_to_end import Background, User, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]

UNITS_PER_CLUSTER = 2  # each new cluster's agent reports room for two x1 Kafkas


@pytest.fixture
def auto_scaling(settings: Any, config_dir: Any, ocm_emulator: OCMEmulator) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    path = config_dir / "dynamic-scaling-configuration.yaml"
    document = yaml.safe_load(path.read_text())
    document["enable_dynamic_data_plane_scale_up"] = document["enable_dynamic_data_plane_scale_down"] = True
    path.write_text(yaml.safe_dump(document))
    reset_fleet_config()
    ocm_emulator.provision_seconds = 0.5
    ocm_emulator.addon_seconds = 0.2
    ocm_emulator.uninstall_seconds = 0.2


def clusters_with_agents() -> list[str]:
    try:
        statuses = [ClusterStatus.WAITING_FOR_FLEETSHARD, ClusterStatus.READY]
        return list(
            Cluster.objects.filter(status__in=statuses).exclude(client_id="").values_list("cluster_id", flat=True)
        )
    finally:
        connection.close()


def token_for(cluster_id: str) -> TokenCache:
    return TokenCache(lambda: mint_token(client_id=f"kas-fleetshard-agent-{cluster_id}"))


@pytest.mark.usefixtures("auto_scaling")
def test_an_empty_fleet_grows_with_demand_and_shrinks_when_it_is_gone(live_server: Any) -> None:
    worker = Background(lambda: (reconcile_scaling(), reconcile_clusters(), reconcile_kafkas()), interval=0.2)
    fleet = AgentFleet(
        AgentOptions(
            api_url=live_server.url,
            cluster_id="",
            poll_interval=0.2,
            resync_interval=0.5,
            capacity_units=UNITS_PER_CLUSTER,
        ),
        token_for=token_for,
        clusters=clusters_with_agents,
        discover_interval=0.2,
    )
    stop_fleet = threading.Event()
    fleet_thread = threading.Thread(target=fleet.run, args=(stop_fleet,), daemon=True)
    fleet_thread.start()
    user = User(live_server.url)
    try:
        kafkas = [user.create(f"auto-{i}") for i in range(3)]
        for kafka in kafkas:
            wait_for(lambda k=kafka: user.get(k["id"]).json()["status"] == "ready", 60, f"{kafka['name']} ready")

        # Two units per cluster: three Kafkas need a second cluster, which scale-up asked OCM for.
        ids = [k["id"] for k in kafkas]
        placed_on = set(KafkaRequest.objects.filter(id__in=ids).values_list("cluster_id", flat=True))
        ready = set(Cluster.objects.filter(status=ClusterStatus.READY).values_list("cluster_id", flat=True))
        assert len(placed_on) >= 2 and placed_on <= ready
        ups = ScalingDecision.objects.filter(action=ScalingAction.SCALE_UP, dry_run=False)
        assert ups.count() >= 2 and all(d.reason for d in ups)

        for kafka in kafkas:
            user.delete(kafka["id"])
        for kafka in kafkas:
            wait_for(lambda k=kafka: user.get(k["id"]).status_code == 404, 60, f"{kafka['name']} gone")
        wait_for(lambda: Cluster.all_objects.filter(deleted_at__isnull=False).exists(), 60, "a cluster removed")
    finally:
        stop_fleet.set()
        fleet_thread.join(timeout=30)
        worker.close()

    assert worker.errors == []
    downs = ScalingDecision.objects.filter(action=ScalingAction.SCALE_DOWN, dry_run=False)
    assert downs.exists()
    assert Cluster.objects.filter(status=ClusterStatus.READY).count() >= 1  # the region keeps capacity
