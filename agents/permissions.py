"""Agent authentication (BEHAVIOUR.md §5.1): every failure answers 404/7, so the API looks absent."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clusters import selectors as cluster_selectors
from fleetmanager import errors
from fleetmanager.api.authentication import BearerTokenAuthentication
from fleetmanager.principal import Principal

logger = logging.getLogger("fleetmanager.agents.auth")


class QuietBearerAuthentication(BearerTokenAuthentication):
    """A bad token is logged and treated as no token, so the permission can answer 404."""

    def authenticate(self, request: Request) -> tuple[Principal, dict[str, Any]] | None:
        try:
            return super().authenticate(request)
        except AuthenticationFailed as exc:
            logger.info("agent request to %s refused: %s", request.path, exc.detail)
            return None


def not_found(request: Request) -> errors.ServiceError:
    return errors.not_found(f"the requested resource '{request.path}' doesn't exist")


class IsClusterAgent(BasePermission):
    """The token's clientId must equal the client_id stored for the path's cluster."""

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        cluster_id = view.kwargs.get("id", "")
        if not isinstance(principal, Principal) or not principal.client_id:
            raise not_found(request)
        issuers = settings.FLEET_AGENT_ISSUERS
        if issuers and principal.issuer not in issuers:
            logger.info("agent token for %s has untrusted issuer %s", cluster_id, principal.issuer)
            raise not_found(request)
        cluster = cluster_selectors.cluster_by_id(cluster_id)
        if cluster is None or not cluster.client_id or cluster.client_id != principal.client_id:
            logger.info("agent %s is not the agent of cluster %s", principal.client_id, cluster_id)
            raise not_found(request)
        view.cluster = cluster
        return True


class IsObservabilityProxy(BasePermission):
    """A token of the agents' issuer (any other: 404, the route looks absent); the view checks the rest (§5.6).

    Unlike the agent routes, a missing or invalid token is 401/15, as upstream's JWT middleware answers.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if not isinstance(principal, Principal):
            raise errors.ServiceError(errors.UNAUTHENTICATED, "unable to authenticate token provided in the request")
        issuers = settings.FLEET_AGENT_ISSUERS
        if issuers and principal.issuer not in issuers:
            logger.info("observability token with untrusted issuer %s", principal.issuer)
            raise not_found(request)
        return True
