"""`manage.py reconcile status`: are the reconcilers keeping up? Queue, failures, schedules, rows in backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django_q.models import Failure, OrmQ, Schedule, Task

from clusters.models import Cluster
from fleetmanager.cli import Column, FleetCommand
from fleetmanager.leases import holders
from kafkas.models import KafkaRequest

RECENT = timedelta(hours=1)


class Command(FleetCommand):
    help = (
        "Show how the reconcilers are doing: tasks queued and the oldest one's age, tasks failed in the last "
        "hour, the last and next run of each schedule, lease holders, and the Kafkas and clusters whose last "
        "reconcile step failed (they are retried with backoff)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        self.add_output_option(actions.add_parser("status", help="the reconcilers' state"))

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        report = {
            "queue": _queue(now),
            "failed_tasks_last_hour": _failures(now),
            "schedules": _schedules(),
            "leases": [
                {"lease": lease.lease_type, "holder": lease.leader, "held": bool(lease.expires and lease.expires > now)}
                for lease in holders()
            ],
            "kafkas_backing_off": _backing_off(KafkaRequest.objects.filter(reconcile_failures__gt=0), "name"),
            "clusters_backing_off": _backing_off(Cluster.objects.filter(reconcile_failures__gt=0), "cluster_id"),
        }
        if options["output"] == "json":
            self.emit(report, options)
            return
        self._text(report)

    def _text(self, report: dict[str, Any]) -> None:
        queue = report["queue"]
        age = f", oldest queued {queue['oldest_seconds']:.0f}s ago" if queue["queued"] else ""
        self.stdout.write(f"queue: {queue['queued']} task(s) waiting{age}")
        self.stdout.write(f"failed tasks in the last hour: {len(report['failed_tasks_last_hour'])}")
        for failure in report["failed_tasks_last_hour"][:10]:
            self.stdout.write(f"  {failure['stopped']}  {failure['func']}  {failure['result']}")
        self.stdout.write("\nschedules:")
        columns = (
            Column("NAME", "name"),
            Column("EVERY (min)", "minutes"),
            Column("LAST RUN", "last_run"),
            Column("LAST OK", "last_ok"),
            Column("NEXT RUN", "next_run"),
        )
        self.emit(report["schedules"], {}, columns=columns)
        self.stdout.write("\nleases:")
        self.emit(
            report["leases"], {}, columns=(Column("LEASE", "lease"), Column("HOLDER", "holder"), Column("HELD", "held"))
        )
        for title, key in (("kafkas", "kafkas_backing_off"), ("clusters", "clusters_backing_off")):
            self.stdout.write(f"\n{title} whose last reconcile step failed: {len(report[key])}")
            if report[key]:
                columns = (
                    Column("NAME", "name"),
                    Column("STATUS", "status"),
                    Column("FAILURES", "failures"),
                    Column("NEXT TRY", "next_try"),
                    Column("LAST ERROR", "error"),
                )
                self.emit(report[key], {}, columns=columns)


def _queue(now: Any) -> dict[str, Any]:
    queued = OrmQ.objects.count()
    oldest = OrmQ.objects.order_by("id").values_list("lock", flat=True).first()
    return {"queued": queued, "oldest_seconds": (now - oldest).total_seconds() if queued and oldest else 0.0}


def _failures(now: Any) -> list[dict[str, Any]]:
    rows = Failure.objects.filter(stopped__gte=now - RECENT).order_by("-stopped")[:100]
    return [{"stopped": f.stopped, "func": f.func, "result": str(f.result)[:200]} for f in rows]


def _schedules() -> list[dict[str, Any]]:
    rows = []
    for schedule in Schedule.objects.order_by("name"):
        last = Task.objects.filter(id=schedule.task).first() if schedule.task else None
        rows.append(
            {
                "name": schedule.name,
                "func": schedule.func,
                "minutes": schedule.minutes,
                "last_run": last.started if last else None,
                "last_ok": last.success if last else None,
                "next_run": schedule.next_run,
            }
        )
    return rows


def _backing_off(rows: Any, name_field: str) -> list[dict[str, Any]]:
    return [
        {
            "name": getattr(row, name_field) or row.pk,
            "status": row.status,
            "failures": row.reconcile_failures,
            "next_try": row.next_reconcile_at,
            "error": row.last_reconcile_error[:120],
        }
        for row in rows.order_by("-reconcile_failures")[:50]
    ]
