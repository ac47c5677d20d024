"""`manage.py cluster list|get|cordon|uncordon|deprovision`: data-plane clusters from a terminal.

Writes go through the console's services and are audited as the operator who ran them.
See `fleetmanager/cli.py` for the exit codes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from clusters import capacity, selectors
from clusters.models import Cluster, ClusterStatus
from clusters.services import operations
from fleetmanager import errors
from fleetmanager.audit import Actor
from fleetmanager.cli import Column, CommandFailed, FleetCommand, Outcome, wait_for

COLUMNS = (
    Column("CLUSTER", "cluster_id"),
    Column("STATUS", "status"),
    Column("SCHEDULABLE", "schedulable"),
    Column("KIND", "kind"),
    Column("REGION", "region"),
    Column("KAFKAS", "kafkas"),
    Column("CAPACITY (units used/max)", "capacity"),
)


def describe(cluster: Cluster, used: dict[str, dict[str, int]], counts: dict[str, int]) -> dict[str, Any]:
    return {
        "cluster_id": cluster.cluster_id or f"(not created yet: {cluster.id})",
        "status": cluster.status,
        "schedulable": cluster.schedulable,
        "kind": f"{cluster.cluster_type}/{cluster.provider_type}",
        "region": f"{cluster.cloud_provider}/{cluster.region}",
        "kafkas": counts.get(cluster.cluster_id or "", 0),
        "capacity": capacity.summary(cluster, used),
    }


def details(cluster: Cluster, used: dict[str, dict[str, int]], counts: dict[str, int]) -> dict[str, Any]:
    return {
        **describe(cluster, used, counts),
        "id": cluster.id,
        "external_id": cluster.external_id,
        "organization_id": cluster.organization_id,
        "cluster_dns": cluster.cluster_dns,
        "multi_az": cluster.multi_az,
        "strimzi_versions": [v.get("version") for v in cluster.available_strimzi_versions or [] if v.get("ready")],
        "created_at": cluster.created_at,
        "updated_at": cluster.updated_at,
        "reconcile_failures": cluster.reconcile_failures,
        "last_reconcile_error": cluster.last_reconcile_error,
    }


class Command(FleetCommand):
    help = (
        "List and read data-plane clusters; cordon (no new Kafkas), uncordon and deprovision them. "
        "Writes are audited as you. Exit codes: 0 done, 1 refused or failed, 2 usage, 3 --wait timed out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="every live cluster with its Kafkas and capacity")
        listing.add_argument("--status", choices=ClusterStatus.values, help="only clusters in this status")
        self.add_output_option(listing)
        get = actions.add_parser("get", help="one cluster")
        get.add_argument("cluster_id")
        self.add_output_option(get)
        actions.add_parser("cordon", help="place no new Kafka on the cluster; its Kafkas stay").add_argument(
            "cluster_id"
        )
        actions.add_parser("uncordon", help="let placement use the cluster again").add_argument("cluster_id")
        deprovision = actions.add_parser("deprovision", help="remove an empty managed cluster")
        deprovision.add_argument("cluster_id")
        self.add_wait_options(deprovision, "it is gone")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options: dict[str, Any]) -> None:
        clusters = list(Cluster.objects.order_by("created_at", "id"))
        if options["status"]:
            clusters = [c for c in clusters if c.status == options["status"]]
        ids = [c.cluster_id for c in clusters if c.cluster_id]
        used, counts = capacity.units_on_clusters(ids), capacity.kafka_counts(ids)
        self.emit([describe(c, used, counts) for c in clusters], options, columns=COLUMNS)

    def _get(self, options: dict[str, Any]) -> None:
        cluster = _cluster(options["cluster_id"])
        ids = [cluster.cluster_id]
        self.emit(details(cluster, capacity.units_on_clusters(ids), capacity.kafka_counts(ids)), options)

    def _cordon(self, options: dict[str, Any]) -> None:
        cluster = operations.cluster_set_schedulable(
            actor=Actor.cli("cluster cordon"), cluster_pk=_cluster(options["cluster_id"]).pk, schedulable=False
        )
        self.stdout.write(f"cluster {cluster.cluster_id} cordoned: no new Kafka is placed on it")

    def _uncordon(self, options: dict[str, Any]) -> None:
        cluster = operations.cluster_set_schedulable(
            actor=Actor.cli("cluster uncordon"), cluster_pk=_cluster(options["cluster_id"]).pk, schedulable=True
        )
        self.stdout.write(f"cluster {cluster.cluster_id} schedulable again")

    def _deprovision(self, options: dict[str, Any]) -> None:
        pk = _cluster(options["cluster_id"]).pk
        cluster = operations.cluster_admin_deprovision(actor=Actor.cli("cluster deprovision"), cluster_pk=pk)
        self.stdout.write(f"cluster {cluster.cluster_id} {cluster.status}")
        if not options["wait"]:
            return

        def status() -> str | None:
            row = Cluster.objects.filter(pk=pk).first()  # soft- or hard-deleted rows are gone
            return row.status if row else None

        def finished(current: str | None) -> Outcome | None:
            if current is None:
                return Outcome(None, True)
            return Outcome(current, False) if current == ClusterStatus.FAILED else None

        outcome = wait_for(
            status, finished, timeout=options["timeout"], out=self.stdout, what=f"cluster {cluster.cluster_id}"
        )
        if not outcome.success:
            raise CommandFailed(f"cluster {cluster.cluster_id} is {outcome.status}")


def _cluster(cluster_id: str) -> Cluster:
    cluster = selectors.cluster_by_id(cluster_id)
    if cluster is None:
        raise errors.not_found(f"no live cluster with cluster id '{cluster_id}'")
    return cluster
