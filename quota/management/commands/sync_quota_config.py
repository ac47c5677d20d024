"""Load the quota and access list files into the quota tables: `python manage.py sync_quota_config`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quota.models import ACCESS_FILE, DENY_FILE, QUOTA_FILE
from quota.services.sync import quota_sync_from_config


class Command(BaseCommand):
    help = (
        f"Make the quota tables match {QUOTA_FILE}, {DENY_FILE} and {ACCESS_FILE} in FLEET_CONFIG_DIR: "
        "entries of the files are created or overwritten (the file wins over a row made in the admin with the "
        "same org id or username), rows that came from the files and are gone from them are deleted, rows made "
        "in the admin are kept. One transaction; running it again changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be created, updated and deleted, then roll back: the tables are not changed.",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        report = quota_sync_from_config(dry_run=dry_run)
        for change in report.changes:
            self.stdout.write(change)
        summary = f"created {report.created}, updated {report.updated}, deleted {report.deleted}"
        if dry_run:
            self.stdout.write(f"dry run, nothing written: would have {summary}")
        else:
            self.stdout.write(self.style.SUCCESS(summary))
