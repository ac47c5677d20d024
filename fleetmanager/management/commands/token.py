"""Mint a development access token: `python manage.py token --org 13640203 --user alice`."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fleetmanager.devtokens import mint_token


class Command(BaseCommand):
    help = (
        "Print a bearer token signed by the local development key (var/dev-signing-key.pem), "
        "trusted automatically outside production. Use it as: "
        'curl -H "Authorization: Bearer $(python manage.py token --org 13640203 --user alice)" ...'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", default="", help="username claim (also preferred_username)")
        parser.add_argument("--org", default="", help="org_id claim, e.g. 13640203 (an org of the quota list)")
        parser.add_argument("--account-id", default="", help="account_id claim")
        parser.add_argument("--org-admin", action="store_true", help="set is_org_admin=true")
        parser.add_argument(
            "--admin-role",
            action="append",
            default=[],
            metavar="ROLE",
            help="add a realm_access role, e.g. kas-fleet-manager-admin-full (repeatable)",
        )
        parser.add_argument("--client-id", default="", help="clientId claim, as a data-plane agent token carries")
        parser.add_argument("--issuer", default=None, help=f"iss claim (default {settings.FLEET_DEV_ISSUER})")
        parser.add_argument("--lifetime", type=int, default=3600, help="seconds until the token expires (3600)")
        parser.add_argument("--claims", action="store_true", help="print the claims as JSON instead of the token")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FLEET_DEV_TOKENS:
            raise CommandError("development tokens are disabled in production (FLEET_ENV=production)")
        if not (options["user"] or options["client_id"]):
            raise CommandError("give --user (a user token) or --client-id (an agent token)")
        if options["lifetime"] < 1:
            raise CommandError("--lifetime must be at least 1 second")
        token = mint_token(
            username=options["user"],
            org_id=options["org"],
            account_id=options["account_id"],
            is_org_admin=options["org_admin"],
            roles=options["admin_role"],
            client_id=options["client_id"],
            issuer=options["issuer"],
            lifetime_seconds=options["lifetime"],
        )
        if options["claims"]:
            import jwt

            self.stdout.write(json.dumps(jwt.decode(token, options={"verify_signature": False}), indent=2))
        else:
            self.stdout.write(token)
