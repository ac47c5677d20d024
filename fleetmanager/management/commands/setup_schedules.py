"""Create or update the reconcilers' periodic schedules (idempotent: safe on every deploy)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django_q.models import Schedule

from fleetmanager.schedules import PASSES


class Command(BaseCommand):
    help = (
        "Create or update the django-q2 schedules of the reconcilers (the periodic resync; API writes "
        "also kick the reconcilers directly). Run it after every deploy; it never duplicates a schedule."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes = settings.FLEET_RECONCILE_INTERVAL_MINUTES
        for name, func in PASSES.items():
            _, created = Schedule.objects.update_or_create(
                name=name,
                defaults={"func": func, "schedule_type": Schedule.MINUTES, "minutes": minutes, "repeats": -1},
            )
            self.stdout.write(f"{'created' if created else 'updated'} schedule {name}: {func} every {minutes} min")
        ours = Q(func__startswith="kafkas.") | Q(func__startswith="clusters.")
        stale = Schedule.objects.filter(ours).exclude(name__in=PASSES)
        for schedule in stale:
            self.stdout.write(f"removed stale schedule {schedule.name}")
            schedule.delete()
