"""Who may scrape `/kafkas/{id}/metrics/federate` (ENDPOINTS.md "user(fed)")."""

from __future__ import annotations

from django.conf import settings

from fleetmanager.api.permissions import IsUser


class IsUserOrServiceAccount(IsUser):
    """A user, as on every user route, whose token may also come from the SSO realm of the service accounts.

    A customer's Prometheus scrapes with a service account's token; upstream accepts that realm's
    issuer on this route only.
    """

    def issuers(self) -> list[str]:
        issuers = super().issuers()
        if not issuers or not settings.FLEET_SSO_BASE_URL:
            return issuers
        return [*issuers, f"{settings.FLEET_SSO_BASE_URL.rstrip('/')}/realms/{settings.FLEET_SSO_REALM}"]
