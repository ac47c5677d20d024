"""Run one pass of the cluster reconciler now and show where each cluster stands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clusters import selectors
from clusters.tasks import reconcile_clusters


class Command(BaseCommand):
    help = (
        "Run one pass of the cluster reconciler now (the same pass the `cluster` schedule runs; it does "
        "nothing while another process holds the cluster lease), then print each cluster's status. "
        "In manual scaling mode the pass adds the clusters of dataplane-cluster-configuration.yaml."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reconcile_clusters()
        for cluster in selectors.live_clusters().order_by("created_at", "id"):
            self.stdout.write(f"cluster {cluster.cluster_id or cluster.id}: {cluster.status}")
