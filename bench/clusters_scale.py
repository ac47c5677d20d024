"""Placement decisions over 1,000 ready clusters, and a cluster reconcile pass over 500, on PostgreSQL."""

from __future__ import annotations

import os
import statistics
import time

from bench.common import bench_database
from bench.reconcile_scale import _setup_django

PLACEMENT_CLUSTERS = int(os.environ.get("BENCH_PLACEMENT_CLUSTERS", "1000"))
RECONCILE_CLUSTERS = int(os.environ.get("BENCH_RECONCILE_CLUSTERS", "500"))
DECISIONS = 200


def _populate_full_fleet() -> None:
    """1,000 ready clusters of 10 units each, all full but the last: a mature fleet under first-fit placement.

    Capacity is what the agents report: `remaining_units` 0 on the full clusters, 10 on the last.
    """
    from clusters.models import Cluster, ClusterStatus, ProviderType
    from kafkas.models import KafkaRequest, KafkaStatus
    from tests.factories import STRIMZI_VERSIONS

    last = PLACEMENT_CLUSTERS - 1
    clusters = [
        Cluster(
            cluster_id=f"p-{i:04d}",
            cloud_provider="aws",
            region="us-east-1",
            status=ClusterStatus.READY,
            provider_type=ProviderType.OCM,
            cluster_dns=f"apps.p-{i:04d}.example.com",
            supported_instance_type="standard,developer",
            available_strimzi_versions=STRIMZI_VERSIONS,
            dynamic_capacity_info={
                "standard": {"max_units": 10, "max_nodes": 3, "remaining_units": 10 if i == last else 0}
            },
        )
        for i in range(PLACEMENT_CLUSTERS)
    ]
    Cluster.objects.bulk_create(clusters)
    kafkas = [
        KafkaRequest(
            name=f"k{c}-{j}",
            owner="bench",
            organisation_id=f"org{c}",
            cloud_provider="aws",
            region="us-east-1",
            instance_type="standard",
            size_id="x1",
            cluster_id=clusters[c].cluster_id,
            status=KafkaStatus.READY,
        )
        for c in range(last)
        for j in range(10)
    ]
    KafkaRequest.objects.bulk_create(kafkas, batch_size=5000)


def _placement_times() -> list[float]:
    from django.conf import settings

    from clusters import placement

    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    request = placement.PlacementRequest(
        cloud_provider="aws", region="us-east-1", instance_type="standard", multi_az=True, capacity_consumed=1
    )
    times = []
    for _ in range(DECISIONS):
        started = time.perf_counter()
        chosen = placement.place(request)
        times.append(time.perf_counter() - started)
    assert chosen is not None and chosen.cluster_id == f"p-{PLACEMENT_CLUSTERS - 1:04d}", "the last cluster has room"
    return times


def _stale_report_times() -> list[float]:
    """Every agent report stale (all clusters still claim room): each cluster's Kafkas are counted."""
    from clusters.models import Cluster

    Cluster.objects.update(dynamic_capacity_info={"standard": {"max_units": 10, "max_nodes": 3, "remaining_units": 10}})
    return _placement_times()


def _reconcile_pass_times() -> list[float]:
    """A pass over ready OCM clusters whose configuration is applied already: no OCM calls are due."""
    from django.conf import settings

    from clusters.agent_parameters import desired_state_digest
    from clusters.models import Cluster
    from clusters.tasks import reconcile_clusters
    from kafkas.models import KafkaRequest

    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"  # no configuration-file sync: OCM clusters only
    Cluster.objects.all().delete()
    KafkaRequest.all_objects.all().delete()
    rows = []
    for i in range(RECONCILE_CLUSTERS):
        cluster = Cluster(
            cluster_id=f"r-{i:04d}",
            cloud_provider="aws",
            region="us-east-1",
            status="ready",
            provider_type="ocm",
            cluster_dns=f"apps.r-{i:04d}.example.com",
            client_id=f"kas-fleetshard-agent-r-{i:04d}",
            client_secret="secret",
        )
        cluster.cluster_spec = {"applied": desired_state_digest(cluster)}
        rows.append(cluster)
    Cluster.objects.bulk_create(rows)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        reconcile_clusters(holder="bench")
        times.append(time.perf_counter() - started)
    return times


def report() -> None:
    from fleetmanager.emulators import SSO_PREFIX, build_server

    server = build_server("127.0.0.1", 0).start()
    with bench_database() as database_url:
        _setup_django(database_url, server.url + SSO_PREFIX)
        from django.db import connection

        _populate_full_fleet()
        placements = _placement_times()
        stale = _stale_report_times()
        passes = _reconcile_pass_times()
        connection.close()
    server.stop()
    print(
        f"placement decision over {PLACEMENT_CLUSTERS} ready clusters (all full but the last), auto mode: "
        f"median {statistics.median(placements) * 1000:.2f} ms, max {max(placements) * 1000:.2f} ms (n={DECISIONS})"
    )
    print(
        f"  same with every agent report stale (all claim room, so each cluster is counted): "
        f"median {statistics.median(stale) * 1000:.2f} ms (n={DECISIONS})"
    )
    print(
        f"cluster reconcile pass over {RECONCILE_CLUSTERS} ready OCM clusters, nothing to apply: "
        f"median {statistics.median(passes):.3f} s, max {max(passes):.3f} s (n=5)"
    )
