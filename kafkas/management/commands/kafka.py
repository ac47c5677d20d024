"""`manage.py kafka create|list|get|delete|suspend|resume`: Kafkas from a terminal, through the API's services.

Every write is audited as the operator who ran it (`cli:<user> (manage.py kafka ...)`).
See `fleetmanager/cli.py` for the exit codes.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from fleetmanager import errors
from fleetmanager.audit import Actor
from fleetmanager.cli import Column, CommandFailed, FleetCommand, Outcome, wait_for
from kafkas import selectors, services
from kafkas.admin_api.serializers import AdminKafkaSerializer
from kafkas.models import KafkaRequest, KafkaStatus

S = KafkaStatus

COLUMNS = (
    Column("ID", "id"),
    Column("NAME", "name"),
    Column("STATUS", "status"),
    Column("ORG", "organisation_id"),
    Column("OWNER", "owner"),
    Column("PLAN", "plan"),
    Column("REGION", "region"),
    Column("CLUSTER", "cluster_id"),
    Column("CREATED", "created_at"),
)


def summary(kafka: KafkaRequest) -> dict[str, Any]:
    return {
        "id": kafka.id,
        "name": kafka.name,
        "status": kafka.status,
        "organisation_id": kafka.organisation_id,
        "owner": kafka.owner,
        "plan": f"{kafka.instance_type}.{kafka.size_id}",
        "region": f"{kafka.cloud_provider}/{kafka.region}",
        "cluster_id": kafka.cluster_id,
        "created_at": kafka.created_at,
    }


def details(kafka: KafkaRequest) -> dict[str, Any]:
    return {
        **summary(kafka),
        "bootstrap_server_host": kafka.bootstrap_server_host,
        "failed_reason": kafka.failed_reason,
        "billing_model": kafka.actual_kafka_billing_model,
        "versions": f"kafka {kafka.actual_kafka_version or '-'} / {kafka.desired_kafka_version or '-'} (actual / desired)",
        "expires_at": kafka.expires_at,
        "updated_at": kafka.updated_at,
        "reconcile_failures": kafka.reconcile_failures,
        "last_reconcile_error": kafka.last_reconcile_error,
    }


class Command(FleetCommand):
    help = (
        "Create, list, read, delete, suspend and resume Kafkas, as the public and admin APIs do. "
        "Writes are audited as you. Exit codes: 0 done, 1 refused or failed, 2 usage, 3 --wait timed out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser("create", help="create a Kafka for an owner of an organisation")
        create.add_argument("--name", required=True, help="lowercase letters, digits and '-', at most 32")
        create.add_argument("--owner", required=True, help="the owner's username")
        create.add_argument("--org", required=True, help="the owner's organisation id")
        create.add_argument("--cloud-provider", default="", help="default: the configured default provider")
        create.add_argument("--region", default="", help="default: the provider's default region")
        create.add_argument("--plan", default="", help="<instance type>.<size>, e.g. standard.x1 (default: x1)")
        self.add_wait_options(create, "it is ready (exit 0) or failed (exit 1)")
        self.add_output_option(create)

        listing = actions.add_parser("list", help="list Kafkas of every organisation, newest first")
        listing.add_argument("--org", help="only this organisation's")
        listing.add_argument("--status", choices=S.values, help="only Kafkas in this status")
        listing.add_argument("--search", default="", help='the API\'s search grammar, e.g. "name like orders-%%"')
        listing.add_argument("--limit", type=int, default=100, help="at most this many rows (100)")
        self.add_output_option(listing)

        get = actions.add_parser("get", help="one Kafka, whatever its organisation")
        get.add_argument("id")
        self.add_output_option(get)

        for name, text, until in (
            ("delete", "deprovision a Kafka (its data plane removes it)", "it is gone"),
            ("suspend", "suspend a ready Kafka", "it is suspended"),
            ("resume", "resume a suspended Kafka", "it is ready again"),
        ):
            action = actions.add_parser(name, help=text)
            action.add_argument("id")
            self.add_wait_options(action, until)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    # --- reads --------------------------------------------------------------------------------

    def _list(self, options: dict[str, Any]) -> None:
        if options["limit"] < 1:
            raise CommandFailed("--limit must be 1 or more", code=2)
        kafkas = selectors.kafka_list_any(search=options["search"], order_by="created_at desc")
        if options["org"]:
            kafkas = kafkas.filter(organisation_id=options["org"])
        if options["status"]:
            kafkas = kafkas.filter(status=options["status"])
        total = kafkas.count()
        rows = list(kafkas[: options["limit"]])
        if options["output"] == "json":
            self.emit({"total": total, "items": AdminKafkaSerializer(rows, many=True).data}, options)
            return
        self.emit([summary(kafka) for kafka in rows], options, columns=COLUMNS)
        if total > len(rows):
            self.stdout.write(f"({len(rows)} of {total}; --limit shows more)")

    def _get(self, options: dict[str, Any]) -> None:
        kafka = selectors.kafka_get_any(options["id"])
        self.emit(AdminKafkaSerializer(kafka).data if options["output"] == "json" else details(kafka), options)

    # --- writes -------------------------------------------------------------------------------

    def _create(self, options: dict[str, Any]) -> None:
        request = services.KafkaCreate(
            name=options["name"],
            cloud_provider=options["cloud_provider"],
            region=options["region"],
            plan=options["plan"],
        )
        kafka = services.kafka_create_for(
            actor=Actor.cli("kafka create"), owner=options["owner"], org_id=options["org"], request=request
        )
        if options["output"] == "json" and not options["wait"]:
            self.emit(AdminKafkaSerializer(kafka).data, options)
            return
        self.stdout.write(f"kafka {kafka.name} ({kafka.id}) {kafka.status}")
        if options["wait"]:
            self._wait(kafka.id, options, success={S.READY}, failure={S.FAILED, None})

    def _delete(self, options: dict[str, Any]) -> None:
        services.kafka_admin_deprovision(actor=Actor.cli("kafka delete"), kafka_id=options["id"])
        self.stdout.write(f"kafka {options['id']} deprovisioning")
        if options["wait"]:
            self._wait(options["id"], options, success={None}, failure=set())

    def _suspend(self, options: dict[str, Any]) -> None:
        kafka = services.kafka_suspend(actor=Actor.cli("kafka suspend"), kafka_id=options["id"])
        self.stdout.write(f"kafka {kafka.name} ({kafka.id}) {kafka.status}")
        if options["wait"]:
            self._wait(kafka.id, options, success={S.SUSPENDED}, failure={S.FAILED, S.DEPROVISION, None})

    def _resume(self, options: dict[str, Any]) -> None:
        kafka = services.kafka_resume(actor=Actor.cli("kafka resume"), kafka_id=options["id"])
        self.stdout.write(f"kafka {kafka.name} ({kafka.id}) {kafka.status}")
        if options["wait"]:
            self._wait(kafka.id, options, success={S.READY}, failure={S.FAILED, S.DEPROVISION, None})

    def _wait(self, kafka_id: str, options: dict[str, Any], *, success: set, failure: set) -> None:
        def status() -> str | None:
            try:
                return selectors.kafka_get_any(kafka_id).status
            except errors.ServiceError:
                return None  # soft-deleted: gone

        def finished(current: str | None) -> Outcome | None:
            if current in success:
                return Outcome(current, True)
            if current in failure:
                return Outcome(current, False)
            return None

        outcome = wait_for(status, finished, timeout=options["timeout"], out=self.stdout, what=f"kafka {kafka_id}")
        if not outcome.success:
            reason = ""
            if outcome.status == S.FAILED:
                reason = f": {selectors.kafka_get_any(kafka_id).failed_reason or 'no reason recorded'}"
            raise CommandFailed(f"kafka {kafka_id} is {outcome.status or 'gone'}{reason}")
