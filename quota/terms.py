"""Terms acceptance (BEHAVIOUR.md §7.5): creating a Kafka needs the user to have accepted the terms.

AMS's answer is cached per user for five minutes, as upstream, so a burst of creates
costs one call. An AMS failure refuses the create (403/12), as upstream does.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from fleetmanager import errors
from fleetmanager.integrations.ams import AMSError, ams_client
from fleetmanager.principal import Principal

logger = logging.getLogger("fleetmanager.quota.terms")

CACHE_SECONDS = 300


def require_terms_accepted(principal: Principal) -> None:
    if not settings.FLEET_ENABLE_TERMS_ACCEPTANCE:
        return
    key = f"terms-required:{principal.username}"
    required = cache.get(key)
    if required is None:
        try:
            required = ams_client().terms_required(principal.username)
        except AMSError as exc:
            logger.warning("terms review for %s failed: %s", principal.username, exc)
            raise errors.ServiceError(errors.TERMS_NOT_ACCEPTED, "unable to verify the terms acceptance") from None
        cache.set(key, required, CACHE_SECONDS)
    if required:
        raise errors.ServiceError(errors.TERMS_NOT_ACCEPTED, "required terms have not been accepted")
