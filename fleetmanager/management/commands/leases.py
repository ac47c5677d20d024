"""Show who holds each leader lease: `python manage.py leases`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from fleetmanager.leases import holders


class Command(BaseCommand):
    help = "List the leader leases: type, holder, expiry (on the database clock) and fencing token."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = holders()
        if not rows:
            self.stdout.write("no leases taken yet (the reconcilers have not run)")
            return
        now = timezone.now()
        self.stdout.write(f"{'LEASE':<28} {'HOLDER':<48} {'EXPIRES':<28} TOKEN")
        for lease in rows:
            held = lease.expires is not None and lease.expires > now and lease.leader
            expires = lease.expires.isoformat(timespec="seconds") if lease.expires else "-"
            holder = lease.leader if held else f"(free; last {lease.leader or 'nobody'})"
            self.stdout.write(f"{lease.lease_type:<28} {holder:<48} {expires:<28} {lease.fencing_token}")
