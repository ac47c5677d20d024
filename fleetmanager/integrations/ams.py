"""Client of the Account Management Service (AMS, ``/api/accounts_mgmt/v1`` on api.openshift.com).

With ``FLEET_QUOTA_TYPE=ams`` AMS decides quota: an organisation's quota costs say which billing
models it may use, and a Kafka's quota is reserved as a *cluster authorization* that creates an
AMS subscription (deleting the subscription gives the quota back). AMS also proves that an
organisation owns an enterprise OSD cluster (its subscriptions), tells whether a new Kafka owner
is a member of the organisation (account search) and whether a user still has terms to accept
(``/api/authorizations/v1/terms_review``, served by the same service).

AMS and OCM share api.openshift.com and its credentials: an OAuth client-credentials token from
``FLEET_OCM_TOKEN_URL``. Secrets and tokens never reach a log line or an exception message.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.integrations.http import AuthorizedAPI, IntegrationError, json_object, json_or_none

logger = logging.getLogger(__name__)

ACCOUNTS_MGMT_PATH = "/api/accounts_mgmt/v1"
AUTHORIZATIONS_PATH = "/api/authorizations/v1"
PAGE_SIZE = 100
# A list that keeps growing while we page through it must not page forever (upstream stops at 1000 too).
MAX_LIST_ITEMS = 1000
TERMS_SITE_CODE = "OCM"
TERMS_EVENT_CODE = "register"
# Subscriptions in these states hold no quota: never reuse them for a reservation.
INACTIVE_SUBSCRIPTION_STATUSES = frozenset({"Archived", "Deprovisioned"})


class AMSError(IntegrationError):
    service = "ams"


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelatedResource:
    """One thing a quota pays for: a resource of a product under a billing model, at ``cost`` per unit."""

    resource_name: str
    resource_type: str
    product: str
    billing_model: str
    availability_zone_type: str
    cost: int


@dataclass(frozen=True)
class CloudAccount:
    """A customer's cloud marketplace account attached to a quota (``cloud_provider_id``: aws, rhm, azure)."""

    cloud_account_id: str
    cloud_provider_id: str


@dataclass(frozen=True)
class QuotaCost:
    """An organisation's quota: ``allowed`` units, ``consumed`` so far, and what it may be spent on."""

    quota_id: str
    allowed: int
    consumed: int
    related_resources: tuple[RelatedResource, ...]
    cloud_accounts: tuple[CloudAccount, ...]

    @property
    def billing_models(self) -> frozenset[str]:
        return frozenset(resource.billing_model for resource in self.related_resources)


@dataclass(frozen=True)
class ReservedResource:
    """A resource to reserve (or one AMS could not grant); an empty billing model means the request's."""

    resource_name: str
    resource_type: str
    billing_model: str = ""
    count: int = 1
    availability_zone_type: str = ""
    billing_marketplace_account: str = ""

    @classmethod
    def of(cls, value: ReservedResource | Mapping[str, Any]) -> ReservedResource:
        """Accept the dataclass or a plain mapping with the same keys (unknown keys are ignored)."""
        if isinstance(value, ReservedResource):
            return value
        return cls(
            resource_name=str(value.get("resource_name") or ""),
            resource_type=str(value.get("resource_type") or ""),
            billing_model=str(value.get("billing_model") or ""),
            count=int(value.get("count") or 1),
            availability_zone_type=str(value.get("availability_zone_type") or ""),
            billing_marketplace_account=str(value.get("billing_marketplace_account") or ""),
        )


@dataclass(frozen=True)
class ClusterAuthorization:
    """AMS's answer to a reservation; ``reused`` when an earlier reservation of the cluster was found."""

    allowed: bool
    subscription_id: str | None
    excess_resources: tuple[ReservedResource, ...] = ()
    reused: bool = False


@dataclass(frozen=True)
class Subscription:
    """An AMS subscription: what a reservation created, or what registers an OSD cluster to an org."""

    id: str
    cluster_id: str
    external_cluster_id: str
    organization_id: str  # AMS's internal organisation id, not the token's org_id claim
    plan_id: str
    cluster_billing_model: str
    status: str


# --- the client ---------------------------------------------------------------------------------


class AMSClient:
    """The parts of AMS the fleet manager uses, authenticated as the fleet manager's own client."""

    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        base = base_url.rstrip("/")
        self._accounts_url = base + ACCOUNTS_MGMT_PATH
        self._authorizations_url = base + AUTHORIZATIONS_PATH
        self._api = AuthorizedAPI(
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            timeout=timeout,
            retries=retries,
            backoff_seconds=backoff_seconds,
            error_class=AMSError,
        )

    def close(self) -> None:
        self._api.close()

    # --- organisations and quota ----------------------------------------------------------------

    def organization_id(self, external_id: str) -> str | None:
        """AMS's internal id of the organisation whose external id is the token's ``org_id`` claim."""
        items = self._page(f"{self._accounts_url}/organizations", {"search": f"external_id = {_quote(external_id)}"})
        return str(items[0]["id"]) if items and items[0].get("id") else None

    def quota_costs(
        self,
        org_internal_id: str,
        *,
        resource_name: str = "rhosak",
        product: str | None = None,
        billing_model: str | None = None,
        fetch_related_resources: bool = True,
    ) -> list[QuotaCost]:
        """The organisation's quota costs with a related resource of ``resource_name`` (and ``product``,
        ``billing_model`` when given), with their cloud accounts.

        Filtered here rather than with AMS's ``search``, as upstream does: the search grammar reaches the
        quota cost's own fields, not its related resources. Without ``fetch_related_resources`` AMS sends
        no related resources, so nothing can be filtered and every quota cost is returned.
        """
        params = {"fetchRelatedResources": _flag(fetch_related_resources), "fetchCloudAccounts": "true"}
        url = f"{self._accounts_url}/organizations/{_segment(org_internal_id)}/quota_cost"
        costs = [_quota_cost(item) for item in self._list(url, params)]
        if not fetch_related_resources:
            return costs
        return [cost for cost in costs if _pays_for(cost, resource_name, product, billing_model)]

    # --- reservations and subscriptions ---------------------------------------------------------

    def reserve_cluster_authorization(
        self,
        *,
        account_username: str,
        cluster_id: str,
        external_cluster_id: str,
        product_id: str,
        billing_model: str,
        availability_zone: str,
        resources: Iterable[ReservedResource | Mapping[str, Any]],
        product_category: str | None = None,
        cloud_account_id: str | None = None,
        cloud_provider_id: str | None = None,
    ) -> ClusterAuthorization:
        """Reserve quota for one cluster (for us: one Kafka); AMS creates a subscription and consumes quota.

        A POST to ``cluster_authorizations`` is not idempotent: when its reply is lost (a timeout, a
        gateway error) the reservation may still have landed, and sending it again would reserve
        twice. So every attempt first looks for an active subscription of this ``cluster_id`` and
        ``product_id`` (``subscription_for_cluster``) and returns it, ``reused=True``, when found; only
        then does it POST, once. That makes the call safe to retry, here on retryable failures and by
        callers (a reconcile after a crash). ``allowed=False`` means insufficient quota.
        """
        body = _authorization_request(
            account_username=account_username,
            cluster_id=cluster_id,
            external_cluster_id=external_cluster_id,
            product_id=product_id,
            product_category=product_category,
            availability_zone=availability_zone,
            resources=[_with_billing_model(ReservedResource.of(r), billing_model) for r in resources],
            cloud_account_id=cloud_account_id,
            cloud_provider_id=cloud_provider_id,
        )

        def existing_authorization() -> ClusterAuthorization | None:
            existing = self.subscription_for_cluster(cluster_id, product_id=product_id)
            if existing is None:
                return None
            logger.info("ams: cluster %s already holds subscription %s; reusing it", cluster_id, existing.id)
            return ClusterAuthorization(allowed=True, subscription_id=existing.id, reused=True)

        return self._api.find_or_create(
            f"reserving for cluster {cluster_id}", find=existing_authorization, create=lambda: self._authorize(body)
        )

    def subscription_for_cluster(self, cluster_id: str, *, product_id: str | None = None) -> Subscription | None:
        """The cluster's subscription still holding quota (of plan ``product_id`` when given), if any."""
        for subscription in self.subscriptions(f"cluster_id = {_quote(cluster_id)}"):
            if subscription.status in INACTIVE_SUBSCRIPTION_STATUSES:
                continue
            if product_id is None or subscription.plan_id == product_id:
                return subscription
        return None

    def subscriptions(self, search: str) -> list[Subscription]:
        """Subscriptions matching an AMS ``search`` expression; quote values with ``quote_search_value``."""
        return [_subscription(item) for item in self._list(f"{self._accounts_url}/subscriptions", {"search": search})]

    def subscription(self, subscription_id: str) -> Subscription | None:
        response = self._call("GET", f"{self._accounts_url}/subscriptions/{_segment(subscription_id)}")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return _subscription(self._json_object(response))

    def reserved_resources(self, subscription_id: str) -> list[ReservedResource]:
        """What a subscription reserved: its billing model tells which quota an entitlement check must look at."""
        url = f"{self._accounts_url}/subscriptions/{_segment(subscription_id)}/reserved_resources"
        return [ReservedResource.of(item) for item in self._list(url, {})]

    def delete_subscription(self, subscription_id: str) -> bool:
        """Give the subscription's quota back. True when deleted; False when it was already gone."""
        response = self._call("DELETE", f"{self._accounts_url}/subscriptions/{_segment(subscription_id)}")
        if response.status_code == 404:
            return False
        self._expect(response, 200, 204)
        logger.info("ams: deleted subscription %s", subscription_id)
        return True

    # --- accounts and terms ---------------------------------------------------------------------

    def account_in_org(
        self, username: str, org_internal_id: str | None = None, *, org_external_id: str | None = None
    ) -> bool:
        """Whether ``username`` is an existing, not banned account of the organisation.

        Give the organisation as AMS's internal id, or as the external id (the token's ``org_id``
        claim, as upstream compares it), which saves the ``organization_id`` lookup.
        """
        if (org_internal_id is None) == (org_external_id is None):
            raise TypeError("give exactly one of org_internal_id and org_external_id")
        params = {"search": f"username = {_quote(username)}"}
        accounts = [
            item for item in self._page(f"{self._accounts_url}/accounts", params) if item.get("username") == username
        ]
        if not accounts or accounts[0].get("banned") is True:
            return False
        organization = accounts[0].get("organization") or {}
        if org_internal_id is not None:
            return organization.get("id") == org_internal_id
        return organization.get("external_id") == org_external_id

    def terms_required(self, username: str) -> bool:
        """Whether the user still has to accept the terms for site OCM, event ``register``."""
        body = {"account_username": username, "site_code": TERMS_SITE_CODE, "event_code": TERMS_EVENT_CODE}
        # Safe to retry: a review only reads.
        response = self._call("POST", f"{self._authorizations_url}/terms_review", json=body, idempotent=True)
        self._expect(response, 200)
        required = self._json_object(response).get("terms_required")
        if not isinstance(required, bool):
            raise AMSError.from_response(response, "terms review answered without terms_required")
        return required

    # --- plumbing ---------------------------------------------------------------------------------

    def _authorize(self, body: dict[str, Any]) -> ClusterAuthorization:
        # Sent once: a repeat could reserve twice (see reserve_cluster_authorization).
        response = self._call("POST", f"{self._accounts_url}/cluster_authorizations", json=body, idempotent=False)
        if response.status_code == 429:
            # Upstream reads a 429 here as a refusal (no quota), not as throttling to retry; so do we.
            return ClusterAuthorization(allowed=False, subscription_id=None)
        self._expect(response, 200, 201)
        authorization = _authorization(self._json_object(response))
        if authorization.allowed and not authorization.subscription_id:
            raise AMSError.from_response(response, "allowed without a subscription")
        outcome = f"subscription {authorization.subscription_id}" if authorization.allowed else "insufficient quota"
        logger.info("ams: reservation for cluster %s: %s", body["cluster_id"], outcome)
        return authorization

    def _page(self, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The first page only: for lookups by a unique field."""
        response = self._call("GET", url, params={**params, "page": "1", "size": "1"})
        self._expect(response, 200)
        return _items(response)

    def _list(self, url: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every item of an OCM-style paged list, up to MAX_LIST_ITEMS."""
        collected: list[dict[str, Any]] = []
        page = 1
        while len(collected) < MAX_LIST_ITEMS:
            response = self._call("GET", url, params={**params, "page": str(page), "size": str(PAGE_SIZE)})
            self._expect(response, 200)
            items = _items(response)
            collected.extend(items)
            total = _json_object_or_empty(response).get("total")
            if not items or len(items) < PAGE_SIZE or (isinstance(total, int) and len(collected) >= total):
                break
            page += 1
        return collected[:MAX_LIST_ITEMS]

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return self._api.call(method, url, **kwargs)

    def _expect(self, response: requests.Response, *statuses: int) -> None:
        if response.status_code not in statuses:
            raise AMSError.from_response(response, self._api.token.redact(_error_detail(response)))

    def _json_object(self, response: requests.Response) -> dict[str, Any]:
        return json_object(response, AMSError)


# --- requests ------------------------------------------------------------------------------------


def quote_search_value(value: str) -> str:
    """A string literal for AMS's SQL-like ``search``: single quotes, embedded quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


_quote = quote_search_value


def _segment(value: str) -> str:
    """A path segment: ids never contain a slash, and one that does must not reach another resource."""
    return requests.utils.quote(value, safe="")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _with_billing_model(resource: ReservedResource, billing_model: str) -> ReservedResource:
    return resource if resource.billing_model else replace(resource, billing_model=billing_model)


def _authorization_request(
    *,
    account_username: str,
    cluster_id: str,
    external_cluster_id: str,
    product_id: str,
    product_category: str | None,
    availability_zone: str,
    resources: list[ReservedResource],
    cloud_account_id: str | None,
    cloud_provider_id: str | None,
) -> dict[str, Any]:
    """A reserving, managed ClusterAuthorizationRequest; optional fields are left out when unset."""
    body: dict[str, Any] = {
        "account_username": account_username,
        "cluster_id": cluster_id,
        "external_cluster_id": external_cluster_id,
        "product_id": product_id,
        "availability_zone": availability_zone,
        "managed": True,
        "reserve": True,
        "byoc": False,
        "disconnected": False,
        "resources": [_reserved_resource_body(resource) for resource in resources],
    }
    optional = {
        "product_category": product_category,
        "cloud_account_id": cloud_account_id,
        "cloud_provider_id": cloud_provider_id,
    }
    body.update({key: value for key, value in optional.items() if value})
    return body


def _reserved_resource_body(resource: ReservedResource) -> dict[str, Any]:
    body: dict[str, Any] = {
        "resource_name": resource.resource_name,
        "resource_type": resource.resource_type,
        "billing_model": resource.billing_model,
        "count": resource.count,
    }
    if resource.availability_zone_type:
        body["availability_zone_type"] = resource.availability_zone_type
    if resource.billing_marketplace_account:
        body["billing_marketplace_account"] = resource.billing_marketplace_account
    return body


# --- responses -----------------------------------------------------------------------------------


def _json_object_or_empty(response: requests.Response) -> dict[str, Any]:
    payload = json_or_none(response)
    return payload if isinstance(payload, dict) else {}


def _items(response: requests.Response) -> list[dict[str, Any]]:
    """The objects of an OCM list (``{"kind": "...List", "page", "size", "total", "items": [...]}``)."""
    payload = json_or_none(response)
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        raise AMSError.from_response(response, "expected an OCM list")
    return [item for item in items if isinstance(item, dict)]


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _quota_cost(item: Mapping[str, Any]) -> QuotaCost:
    return QuotaCost(
        quota_id=_str(item.get("quota_id")),
        allowed=_int(item.get("allowed")),
        consumed=_int(item.get("consumed")),
        related_resources=tuple(
            _related_resource(r) for r in item.get("related_resources") or [] if isinstance(r, dict)
        ),
        cloud_accounts=tuple(_cloud_account(a) for a in item.get("cloud_accounts") or [] if isinstance(a, dict)),
    )


def _related_resource(item: Mapping[str, Any]) -> RelatedResource:
    return RelatedResource(
        resource_name=_str(item.get("resource_name")),
        resource_type=_str(item.get("resource_type")),
        product=_str(item.get("product")),
        billing_model=_str(item.get("billing_model")),
        availability_zone_type=_str(item.get("availability_zone_type")),
        cost=_int(item.get("cost")),
    )


def _cloud_account(item: Mapping[str, Any]) -> CloudAccount:
    return CloudAccount(_str(item.get("cloud_account_id")), _str(item.get("cloud_provider_id")))


def _pays_for(cost: QuotaCost, resource_name: str, product: str | None, billing_model: str | None) -> bool:
    return any(
        resource.resource_name == resource_name
        and (product is None or resource.product == product)
        and (billing_model is None or resource.billing_model == billing_model)
        for resource in cost.related_resources
    )


def _subscription(item: Mapping[str, Any]) -> Subscription:
    plan = item.get("plan") if isinstance(item.get("plan"), dict) else {}
    return Subscription(
        id=_str(item.get("id")),
        cluster_id=_str(item.get("cluster_id")),
        external_cluster_id=_str(item.get("external_cluster_id")),
        organization_id=_str(item.get("organization_id")),
        plan_id=_str(plan.get("id")),
        cluster_billing_model=_str(item.get("cluster_billing_model")),
        status=_str(item.get("status")),
    )


def _authorization(payload: Mapping[str, Any]) -> ClusterAuthorization:
    subscription = payload.get("subscription") if isinstance(payload.get("subscription"), dict) else {}
    excess = payload.get("excess_resources") or []
    return ClusterAuthorization(
        allowed=payload.get("allowed") is True,
        subscription_id=_str(subscription.get("id")) or None,
        excess_resources=tuple(ReservedResource.of(r) for r in excess if isinstance(r, dict)),
    )


def _error_detail(response: requests.Response) -> str:
    """AMS's own words for a failure (``code``: ``reason``), kept short."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        return ""
    code, reason = _str(payload.get("code")), _str(payload.get("reason"))
    return (f"{code}: {reason}" if code and reason else code or reason)[:200]


# --- the process's client ------------------------------------------------------------------------


def _required_setting(name: str) -> str:
    value = getattr(settings, name, None)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set to reach AMS (FLEET_QUOTA_TYPE=ams, enterprise clusters)")
    return str(value)


@functools.cache
def ams_client() -> AMSClient:
    """The process's AMS client, built from the FLEET_OCM_* settings (shared with OCM) on first use."""
    if not settings.FLEET_OCM_ENABLED:
        raise ImproperlyConfigured("FLEET_OCM_ENABLED is false: AMS (quota, subscriptions, terms) cannot be asked")
    return AMSClient(
        base_url=_required_setting("FLEET_OCM_BASE_URL"),
        token_url=_required_setting("FLEET_OCM_TOKEN_URL"),
        client_id=_required_setting("FLEET_OCM_CLIENT_ID"),
        client_secret=_required_setting("FLEET_OCM_CLIENT_SECRET"),
        timeout=float(getattr(settings, "FLEET_OCM_TIMEOUT_SECONDS", 10.0)),
        retries=int(getattr(settings, "FLEET_OCM_RETRIES", 3)),
    )


def reset_ams_client() -> None:
    """Drop the cached client (tests change the settings it was built from)."""
    if ams_client.cache_info().currsize:
        ams_client().close()
    ams_client.cache_clear()
