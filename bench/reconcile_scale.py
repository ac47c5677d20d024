"""Wall time of reconcile passes over 10,000 Kafkas spread over 100 clusters, on PostgreSQL."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from bench.common import bench_database

KAFKAS = int(os.environ.get("BENCH_KAFKAS", "10000"))
CLUSTERS = int(os.environ.get("BENCH_CLUSTERS", "100"))
DUE = int(os.environ.get("BENCH_DUE_KAFKAS", "1000"))
RUNS = 5


def _setup_django(database_url: str, sso_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["FLEET_SSO_BASE_URL"] = sso_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetmanager.settings")
    os.environ.setdefault("FLEET_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _populate() -> None:
    from django.utils import timezone

    from clusters.models import Cluster, ClusterStatus, ProviderType
    from kafkas.models import KafkaRequest, KafkaStatus
    from tests.factories import STRIMZI_VERSIONS

    clusters = [
        Cluster(
            cluster_id=f"bench-{i:03d}",
            cloud_provider="aws",
            region="us-east-1",
            status=ClusterStatus.READY,
            provider_type=ProviderType.STANDALONE,
            cluster_dns=f"apps.bench-{i:03d}.example.com",
            client_id=f"kas-fleetshard-agent-bench-{i:03d}",
            available_strimzi_versions=STRIMZI_VERSIONS,
        )
        for i in range(CLUSTERS)
    ]
    Cluster.objects.bulk_create(clusters)
    now = timezone.now()
    kafkas = [
        KafkaRequest(
            name=f"k{i}",
            owner=f"user{i % 500}",
            organisation_id=f"org{i % 50}",
            cloud_provider="aws",
            region="us-east-1",
            instance_type="standard",
            size_id="x1",
            max_data_retention_size="1000Gi",
            cluster_id=clusters[i % CLUSTERS].cluster_id,
            status=KafkaStatus.READY,
            bootstrap_server_host=f"k{i}.kas.bench.example.com",
            routes_created=True,
            expires_at=now + timedelta(days=2) if i % 10 == 0 else None,
        )
        for i in range(KAFKAS)
    ]
    KafkaRequest.objects.bulk_create(kafkas, batch_size=2000)


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run() -> dict[str, float]:
    from fleetmanager.emulators import SSO_PREFIX, build_server

    server = build_server("127.0.0.1", 0).start()
    with bench_database() as database_url:
        _setup_django(database_url, server.url + SSO_PREFIX)
        from django.db import connection

        from kafkas.models import KafkaRequest, KafkaStatus
        from kafkas.selectors import status_counts
        from kafkas.tasks import reconcile_kafkas

        _populate()
        steady = [_timed(reconcile_kafkas) for _ in range(RUNS)]
        scrape = statistics.median(_timed(status_counts) for _ in range(RUNS))
        due_ids = list(KafkaRequest.objects.values_list("id", flat=True)[:DUE])
        KafkaRequest.objects.filter(id__in=due_ids).update(status=KafkaStatus.ACCEPTED, bootstrap_server_host="")
        busy = _timed(reconcile_kafkas)
        provisioned = KafkaRequest.objects.filter(id__in=due_ids, status=KafkaStatus.PROVISIONING).count()
        connection.close()
    server.stop()
    return {
        "steady_median": statistics.median(steady),
        "steady_max": max(steady),
        "busy": busy,
        "scrape": scrape,
        "provisioned": provisioned,
    }


def report() -> None:
    figures = run()
    print(
        f"reconcile pass over {KAFKAS} Kafkas on {CLUSTERS} clusters, nothing due: "
        f"median {figures['steady_median']:.3f} s, max {figures['steady_max']:.3f} s (n={RUNS})"
    )
    print(f"Kafka status counts for /metrics over {KAFKAS} Kafkas: median {figures['scrape'] * 1000:.1f} ms")
    rate = figures["provisioned"] / figures["busy"] if figures["busy"] else 0
    print(
        f"reconcile pass with {DUE} of them accepted (placement, canary account, -> provisioning): "
        f"{figures['busy']:.3f} s for {figures['provisioned']} Kafkas ({rate:.0f} Kafkas/s, one worker)"
    )
