"""Prepare a local installation: an admin login for the SRE console (development only)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Seed a development installation: the local superuser 'admin' for /admin/ (password kept in "
        "var/admin-password), the reconcilers' schedules, and the clusters of the configuration file "
        "(needs the SSO emulator, `manage.py emulators`, for their agent credentials). Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed is for development installations; production admins log in through OIDC")
        self._admin_user()
        call_command("setup_schedules", stdout=self.stdout)
        call_command("sync_quota_config", stdout=self.stdout)
        call_command("reconcile_clusters", stdout=self.stdout)

    def _admin_user(self) -> None:
        user_model = get_user_model()
        password_file = Path(settings.VAR_DIR) / "admin-password"
        if user_model.objects.filter(username="admin").exists():
            self.stdout.write(f"admin user exists (password in {password_file} if seeded here)")
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser("admin", "admin@localhost", password)
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        self.stdout.write(self.style.SUCCESS(f"created admin user 'admin'; password in {password_file}"))
