"""An in-memory Account Management Service (AMS) and its terms review, for tests and local runs.

One emulator is mounted twice, at ``/ocm/api/accounts_mgmt`` and ``/ocm/api/authorizations``, so
clients take ``<server>/ocm`` as their base URL, as they would take https://api.openshift.com.
Only what the fleet manager uses is emulated, with OCM-style JSON (``kind``/``id``/``href``,
lists with ``page``/``size``/``total``/``items``, ``{"kind": "Error", "code": "ACCT-MGMT-..."}``
errors) and AMS's quota rules: a reservation consumes ``count x cost`` units of a matching quota
and creates a subscription, deleting the subscription gives them back, and a reservation that
does not fit answers ``allowed: false`` with the excess resources. Any non-empty bearer token is
accepted (the token itself comes from the SSO emulator). State is seeded with the ``add_*``
helpers; faults come from the base class, plus ``lose_next_reply`` for replies lost after the work
was done.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from fleetmanager.emulators.server import FaultInjectingEmulator, Query, Reply

ACCOUNTS_MGMT = "/api/accounts_mgmt/v1"  # hrefs are written as AMS writes them, without host
AUTHORIZATIONS_MOUNT = "/api/authorizations"
DEFAULT_PAGE_SIZE = 100
DEFAULT_RESOURCE_TYPE = "cluster.aws"
TERMS_REDIRECT_URL = "https://www.redhat.com/wapps/tnc/ackrequired?site=ocm&event=register"
_ID_ALPHABET = string.ascii_letters + string.digits


class _APIError(Exception):
    """Raised by handlers; answered as an OCM error body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --- state ---------------------------------------------------------------------------------------


@dataclass
class _Organization:
    id: str
    external_id: str
    name: str
    created_at: str

    def representation(self) -> dict[str, Any]:
        href = f"{ACCOUNTS_MGMT}/organizations/{self.id}"
        return {"kind": "Organization", "id": self.id, "href": href, "name": self.name, "external_id": self.external_id}


@dataclass
class _Account:
    id: str
    username: str
    organization: _Organization
    banned: bool
    created_at: str

    def representation(self) -> dict[str, Any]:
        return {
            "kind": "Account",
            "id": self.id,
            "href": f"{ACCOUNTS_MGMT}/accounts/{self.id}",
            "username": self.username,
            "email": f"{self.username}@example.com",
            "banned": self.banned,
            "organization": self.organization.representation(),
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


@dataclass
class _Quota:
    """One quota cost with a single related resource (what AMS shows for RHOSAK quotas)."""

    quota_id: str
    organization: _Organization
    product: str
    resource_name: str
    resource_type: str
    billing_model: str
    allowed: int
    consumed: int
    cost: int
    cloud_accounts: list[dict[str, str]]

    def pays_for(self, product: str, resource: Mapping[str, Any]) -> bool:
        # The resource type (cluster.aws/cluster.gcp) is not compared: one quota covers every cloud.
        name, model = resource["resource_name"], resource["billing_model"]
        return (self.product, self.resource_name, self.billing_model) == (product, name, model)

    def accepts(self, cloud_account_id: str) -> bool:
        """A marketplace account must be one of the quota's; quotas without accounts take any."""
        if not cloud_account_id or not self.cloud_accounts:
            return True
        return any(account["cloud_account_id"] == cloud_account_id for account in self.cloud_accounts)

    def has_room(self, units: int) -> bool:
        """Free resources (cost 0) always fit; otherwise the quota must be granted and not exceeded."""
        return self.cost == 0 or (self.allowed > 0 and self.consumed + units <= self.allowed)

    def representation(self, *, related_resources: bool = True, cloud_accounts: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "QuotaCost",
            "quota_id": self.quota_id,
            "organization_id": self.organization.id,
            "allowed": self.allowed,
            "consumed": self.consumed,
        }
        if related_resources:
            body["related_resources"] = [self._related_resource()]
        if cloud_accounts:
            body["cloud_accounts"] = [dict(account) for account in self.cloud_accounts]
        return body

    def _related_resource(self) -> dict[str, Any]:
        return {
            "resource_name": self.resource_name,
            "resource_type": self.resource_type,
            "product": self.product,
            "billing_model": self.billing_model,
            "availability_zone_type": "any",
            "byoc": "rhinfra",
            "cloud_provider": "any",
            "cost": self.cost,
        }


@dataclass
class _Reservation:
    """Units of a quota held by a subscription; ``quota`` is None for seeded subscriptions."""

    quota: _Quota | None
    resource: dict[str, Any]
    units: int


@dataclass
class _Subscription:
    id: str
    cluster_id: str
    external_cluster_id: str
    organization: _Organization
    plan_id: str
    billing_model: str
    status: str
    managed: bool
    creator: _Account | None
    created_at: str
    reservations: list[_Reservation] = field(default_factory=list)

    def representation(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Subscription",
            "id": self.id,
            "href": f"{ACCOUNTS_MGMT}/subscriptions/{self.id}",
            "cluster_id": self.cluster_id,
            "external_cluster_id": self.external_cluster_id,
            "organization_id": self.organization.id,
            "plan": {"kind": "Plan", "id": self.plan_id, "href": f"{ACCOUNTS_MGMT}/plans/{self.plan_id}"},
            "cluster_billing_model": self.billing_model,
            "status": self.status,
            "managed": self.managed,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }
        if self.creator is not None:
            creator = self.creator
            body["creator"] = {"kind": "Account", "id": creator.id, "href": creator.representation()["href"]}
        return body

    def release(self) -> None:
        for reservation in self.reservations:
            if reservation.quota is not None:
                reservation.quota.consumed = max(0, reservation.quota.consumed - reservation.units)
        self.reservations = []


@dataclass
class _Request:
    id: str
    query: Query
    body: bytes

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def json_object(self) -> dict[str, Any]:
        try:
            payload = json.loads(self.body or b"null")
        except ValueError:
            raise _APIError(400, "the request body is not valid JSON") from None
        if not isinstance(payload, dict):
            raise _APIError(400, "the request body must be a JSON object")
        return payload


_Handler = Callable[[_Request], Reply]
_Routes = list[tuple[re.Pattern[str], dict[str, _Handler]]]


# --- the emulator --------------------------------------------------------------------------------


class AMSEmulator(FaultInjectingEmulator):
    """Organisations, accounts, quota costs, cluster authorizations, subscriptions and terms review."""

    def __init__(self) -> None:
        super().__init__()
        self._clear()
        self._accounts_routes: _Routes = [
            (re.compile(r"^/v1/organizations$"), {"GET": self._list_organizations}),
            (re.compile(r"^/v1/organizations/(?P<id>[^/]+)$"), {"GET": self._get_organization}),
            (re.compile(r"^/v1/organizations/(?P<id>[^/]+)/quota_cost$"), {"GET": self._list_quota_costs}),
            (re.compile(r"^/v1/accounts$"), {"GET": self._list_accounts}),
            (re.compile(r"^/v1/cluster_authorizations$"), {"POST": self._authorize}),
            (re.compile(r"^/v1/subscriptions$"), {"GET": self._list_subscriptions}),
            (
                re.compile(r"^/v1/subscriptions/(?P<id>[^/]+)$"),
                {"GET": self._get_subscription, "DELETE": self._delete_subscription},
            ),
            (re.compile(r"^/v1/subscriptions/(?P<id>[^/]+)/reserved_resources$"), {"GET": self._reserved_resources}),
        ]
        self._authorizations_routes: _Routes = [(re.compile(r"^/v1/terms_review$"), {"POST": self._terms_review})]

    def seed_demo(self, org_external_id: str) -> None:
        """Quota for a local demo: the organisation may create standard, eval, Trial and enterprise Kafkas,
        and any username reserving quota is taken for one of its members."""
        with self.lock:
            self.demo_organization = org_external_id
            self.add_quota(org_external_id, product="RHOSAK", billing_model="standard", allowed=10)
            self.add_quota(org_external_id, product="RHOSAKEval", billing_model="standard", allowed=5)
            self.add_quota(org_external_id, product="RHOSAKTrial", billing_model="standard", allowed=100)
            self.add_quota(org_external_id, product="RHOSAKCC", billing_model="standard", allowed=10)

    def _clear(self) -> None:
        self.demo_organization = ""
        self._organizations: dict[str, _Organization] = {}
        self._accounts: dict[str, _Account] = {}  # by username
        self._quotas: list[_Quota] = []
        self._subscriptions: dict[str, _Subscription] = {}
        self._terms_required: dict[str, bool] = {}
        self._seen_tokens: set[str] = set()
        self._revoked_tokens: set[str] = set()
        self._lost_replies: dict[tuple[str, str], list[tuple[int | None, float]]] = {}

    # --- test and demo helpers --------------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self._clear()

    def add_organization(self, external_id: str, *, internal_id: str | None = None, name: str | None = None) -> str:
        """The organisation's internal id; an existing one is returned unchanged."""
        with self.lock:
            existing = self._organization_by_external_id(external_id)
            if existing is not None:
                if internal_id not in (None, existing.id):
                    raise ValueError(f"organisation {external_id} already has internal id {existing.id}")
                return existing.id
            organization = _Organization(internal_id or _ams_id(), external_id, name or f"org {external_id}", _now())
            self._organizations[organization.id] = organization
            return organization.id

    def add_account(self, username: str, org_external_id: str, *, banned: bool = False) -> str:
        """An account (its id) in the organisation, created if needed; re-adding moves or (un)bans it."""
        with self.lock:
            organization = self._organizations[self.add_organization(org_external_id)]
            existing = self._accounts.get(username)
            account_id = existing.id if existing is not None else _ams_id()
            self._accounts[username] = _Account(account_id, username, organization, banned, _now())
            return account_id

    def add_quota(
        self,
        org_external_id: str,
        *,
        product: str,
        billing_model: str,
        allowed: int,
        resource_name: str = "rhosak",
        resource_type: str = DEFAULT_RESOURCE_TYPE,
        consumed: int = 0,
        cost: int = 1,
        cloud_accounts: Iterable[tuple[str, str] | Mapping[str, str]] = (),
        quota_id: str | None = None,
    ) -> str:
        """Grant the organisation ``allowed`` units of ``product`` under ``billing_model``; returns the quota id.

        ``cloud_accounts`` are marketplace accounts as (cloud_account_id, cloud_provider_id) pairs or mappings.
        """
        with self.lock:
            organization = self._organizations[self.add_organization(org_external_id)]
            quota = _Quota(
                quota_id=quota_id or f"{product.lower()}|{resource_name}|{billing_model}|{len(self._quotas) + 1}",
                organization=organization,
                product=product,
                resource_name=resource_name,
                resource_type=resource_type,
                billing_model=billing_model,
                allowed=allowed,
                consumed=consumed,
                cost=cost,
                cloud_accounts=[_cloud_account(account) for account in cloud_accounts],
            )
            self._quotas.append(quota)
            return quota.quota_id

    def add_subscription(
        self,
        cluster_id: str,
        *,
        org_external_id: str,
        external_cluster_id: str | None = None,
        plan_id: str = "OSD",
        billing_model: str = "standard",
        status: str = "Active",
        managed: bool = True,
    ) -> dict[str, Any]:
        """A subscription that holds no quota: e.g. the one proving an org owns an OSD cluster."""
        with self.lock:
            organization = self._organizations[self.add_organization(org_external_id)]
            subscription = _Subscription(
                id=_ams_id(),
                cluster_id=cluster_id,
                external_cluster_id=external_cluster_id if external_cluster_id is not None else str(uuid.uuid4()),
                organization=organization,
                plan_id=plan_id,
                billing_model=billing_model,
                status=status,
                managed=managed,
                creator=None,
                created_at=_now(),
            )
            self._subscriptions[subscription.id] = subscription
            return subscription.representation()

    def set_terms_required(self, username: str, required: bool = True) -> None:
        """Users have accepted the terms unless set otherwise."""
        with self.lock:
            self._terms_required[username] = required

    def subscriptions(self, org_external_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                subscription.representation()
                for subscription in self._subscriptions.values()
                if org_external_id is None or subscription.organization.external_id == org_external_id
            ]

    def quotas(self, org_external_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                quota.representation()
                for quota in self._quotas
                if org_external_id is None or quota.organization.external_id == org_external_id
            ]

    def revoke_tokens(self) -> None:
        """Refuse (401) every token seen so far, as when they expire earlier than announced."""
        with self.lock:
            self._revoked_tokens |= self._seen_tokens

    def lose_next_reply(
        self, method: str, path: str, *, status: int | None = 504, delay_seconds: float = 0.0, count: int = 1
    ) -> None:
        """Do the work of the next ``count`` matching requests, then answer late and with ``status``.

        What a timeout or a gateway error after a committed write looks like to a client; ``path`` is
        relative to the mount (``/v1/cluster_authorizations``), ``status=None`` sends the real reply late.
        """
        with self.lock:
            self._lost_replies.setdefault((method.upper(), path), []).extend([(status, delay_seconds)] * count)

    # --- dispatch -----------------------------------------------------------------------------------

    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        if not self._authorized(headers):
            return _error(401, "Invalid or missing bearer token")
        authorizations = headers.get("x-forwarded-prefix", "").endswith(AUTHORIZATIONS_MOUNT)
        routes = self._authorizations_routes if authorizations else self._accounts_routes
        for pattern, handlers in routes:
            match = pattern.match(path)
            if match is None:
                continue
            if method not in handlers:
                return _error(405, f"Method {method} is not allowed on {path}")
            request = _Request(unquote(match.groupdict().get("id") or ""), query, body)
            with self.lock:
                reply = self._call(handlers[method], request)
                lost = self._take_lost_reply(method, path)
            return reply if lost is None else _late(reply, *lost)
        return _error(404, f"Resource at path {path} not found")

    def _call(self, handler: _Handler, request: _Request) -> Reply:
        try:
            return handler(request)
        except _APIError as error:
            return _error(error.status, error.reason)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        with self.lock:
            self._seen_tokens.add(token)
            return token not in self._revoked_tokens

    def _take_lost_reply(self, method: str, path: str) -> tuple[int | None, float] | None:
        pending = self._lost_replies.get((method, path))
        return pending.pop(0) if pending else None

    # --- organisations, accounts, quota -------------------------------------------------------------

    def _list_organizations(self, request: _Request) -> Reply:
        items = [organization.representation() for organization in self._organizations.values()]
        return _list_reply("OrganizationList", _search(request, items), request)

    def _get_organization(self, request: _Request) -> Reply:
        return 200, {}, self._organization(request.id).representation()

    def _list_quota_costs(self, request: _Request) -> Reply:
        organization = self._organization(request.id)
        options = {
            "related_resources": request.arg("fetchRelatedResources") == "true",
            "cloud_accounts": request.arg("fetchCloudAccounts") == "true",
        }
        items = [quota.representation(**options) for quota in self._quotas if quota.organization is organization]
        return _list_reply("QuotaCostList", _search(request, items), request)

    def _list_accounts(self, request: _Request) -> Reply:
        items = [account.representation() for account in self._accounts.values()]
        return _list_reply("AccountList", _search(request, items), request)

    def _organization(self, internal_id: str) -> _Organization:
        organization = self._organizations.get(internal_id)
        if organization is None:
            raise _APIError(404, f"Organization with id='{internal_id}' not found")
        return organization

    def _organization_by_external_id(self, external_id: str) -> _Organization | None:
        return next((o for o in self._organizations.values() if o.external_id == external_id), None)

    # --- cluster authorizations ---------------------------------------------------------------------

    def _authorize(self, request: _Request) -> Reply:
        body = request.json_object()
        username, cluster_id, product = (_required(body, k) for k in ("account_username", "cluster_id", "product_id"))
        account = self._accounts.get(username)
        if account is None and self.demo_organization:
            # Demo mode: any user reserving is taken for a member of the demo organisation.
            self.add_account(username, self.demo_organization)
            account = self._accounts.get(username)
        if account is None:
            raise _APIError(400, f"Account with username '{username}' not found")
        resources = [_resource(raw) for raw in _list_field(body, "resources")]
        cloud_account_id = str(body.get("cloud_account_id") or "")
        grants, excess = self._place(account.organization, product, resources, cloud_account_id)
        if excess:
            return 200, {}, {"allowed": False, "excess_resources": excess}
        reply: dict[str, Any] = {"allowed": True, "excess_resources": []}
        if body.get("reserve") is True:
            subscription = self._reserve(account, body, cluster_id, grants)
            reply["subscription"] = subscription.representation()
        return 200, {}, reply

    def _place(
        self, organization: _Organization, product: str, resources: list[dict[str, Any]], cloud_account_id: str
    ) -> tuple[list[_Reservation], list[dict[str, Any]]]:
        """All or nothing: the quota each resource would take, or the resources that do not fit."""
        taken: dict[str, int] = {}  # units this request takes per quota, so two resources cannot share room
        grants: list[_Reservation] = []
        excess: list[dict[str, Any]] = []
        for resource in resources:
            account = resource["billing_marketplace_account"] or cloud_account_id
            quota = next(
                (
                    q
                    for q in self._quotas
                    if q.organization is organization
                    and q.pays_for(product, resource)
                    and q.accepts(account)
                    and q.has_room(taken.get(q.quota_id, 0) + resource["count"] * q.cost)
                ),
                None,
            )
            if quota is None:
                excess.append(resource)
                continue
            units = resource["count"] * quota.cost
            taken[quota.quota_id] = taken.get(quota.quota_id, 0) + units
            grants.append(_Reservation(quota, resource, units))
        return grants, excess

    def _reserve(
        self, account: _Account, body: Mapping[str, Any], cluster_id: str, grants: list[_Reservation]
    ) -> _Subscription:
        for grant in grants:
            if grant.quota is not None:
                grant.quota.consumed += grant.units
        subscription = _Subscription(
            id=_ams_id(),
            cluster_id=cluster_id,
            external_cluster_id=str(body.get("external_cluster_id") or ""),
            organization=account.organization,
            plan_id=str(body["product_id"]),
            billing_model=grants[0].resource["billing_model"] if grants else "standard",
            status="Active",
            managed=body.get("managed") is True,
            creator=account,
            created_at=_now(),
            reservations=grants,
        )
        self._subscriptions[subscription.id] = subscription
        return subscription

    # --- subscriptions ------------------------------------------------------------------------------

    def _list_subscriptions(self, request: _Request) -> Reply:
        items = [subscription.representation() for subscription in self._subscriptions.values()]
        return _list_reply("SubscriptionList", _search(request, items), request)

    def _get_subscription(self, request: _Request) -> Reply:
        return 200, {}, self._subscription(request.id).representation()

    def _delete_subscription(self, request: _Request) -> Reply:
        subscription = self._subscription(request.id)
        subscription.release()
        del self._subscriptions[subscription.id]
        return 204, {}, None

    def _reserved_resources(self, request: _Request) -> Reply:
        subscription = self._subscription(request.id)
        items = [
            {"kind": "ReservedResource", **reservation.resource, "created_at": subscription.created_at}
            for reservation in subscription.reservations
        ]
        return _list_reply("ReservedResourceList", items, request)

    def _subscription(self, subscription_id: str) -> _Subscription:
        subscription = self._subscriptions.get(subscription_id)
        if subscription is None:
            raise _APIError(404, f"Subscription with id='{subscription_id}' not found")
        return subscription

    # --- terms review (under /api/authorizations) ---------------------------------------------------

    def _terms_review(self, request: _Request) -> Reply:
        body = request.json_object()
        username = _required(body, "account_username")
        required = self._terms_required.get(username, False)
        account = self._accounts.get(username)
        review = {
            "account_id": account.id if account else "",
            "organization_id": account.organization.id if account else "",
            "terms_available": required,
            "terms_required": required,
            "redirect_url": TERMS_REDIRECT_URL if required else "",
        }
        return 200, {}, review


# --- replies -------------------------------------------------------------------------------------


def _error(status: int, reason: str) -> Reply:
    """An OCM error body; the ACCT-MGMT numbers are the HTTP status here, real AMS numbers its own."""
    href, code = f"{ACCOUNTS_MGMT}/errors/{status}", f"ACCT-MGMT-{status}"
    body = {"kind": "Error", "id": str(status), "href": href, "code": code, "reason": reason}
    return status, {}, {**body, "operation_id": str(uuid.uuid4())}


def _late(reply: Reply, status: int | None, delay_seconds: float) -> Reply:
    time.sleep(delay_seconds)  # outside the lock: the work is done, only the answer is held back
    return reply if status is None else _error(status, "upstream request timeout")


def _list_reply(kind: str, items: list[dict[str, Any]], request: _Request) -> Reply:
    page, size = _positive_int(request, "page", 1), _positive_int(request, "size", DEFAULT_PAGE_SIZE)
    window = items[(page - 1) * size : page * size]
    return 200, {}, {"kind": kind, "page": page, "size": len(window), "total": len(items), "items": window}


def _positive_int(request: _Request, name: str, default: int) -> int:
    value = request.arg(name, str(default))
    if not value.isdigit() or int(value) < 1:
        raise _APIError(400, f"Parameter '{name}' must be a positive integer")
    return int(value)


def _required(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise _APIError(400, f"Field '{key}' is required")
    return value


def _list_field(body: Mapping[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise _APIError(400, f"Field '{key}' must be a list")
    return value


def _resource(raw: Any) -> dict[str, Any]:
    """A ReservedResource of a request, normalised; AMS needs a name, a billing model and a count."""
    if not isinstance(raw, dict):
        raise _APIError(400, "Each resource must be an object")
    count = raw.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise _APIError(400, "Resource count must be a positive integer")
    return {
        "resource_name": _required(raw, "resource_name"),
        "resource_type": str(raw.get("resource_type") or ""),
        "billing_model": _required(raw, "billing_model"),
        "count": count,
        "availability_zone_type": str(raw.get("availability_zone_type") or ""),
        "billing_marketplace_account": str(raw.get("billing_marketplace_account") or ""),
        "byoc": raw.get("byoc") is True,
    }


def _cloud_account(account: tuple[str, str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(account, Mapping):
        return {"cloud_account_id": account["cloud_account_id"], "cloud_provider_id": account["cloud_provider_id"]}
    account_id, provider_id = account
    return {"cloud_account_id": account_id, "cloud_provider_id": provider_id}


def _ams_id() -> str:
    """AMS ids are 27-character KSUIDs; random base62 text of that length looks the same."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(27))


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# --- search: AMS's SQL-like ``search`` parameter ------------------------------------------------------
#
# Enough of the grammar for the fleet manager and for tests: comparisons (=, !=, <>, is [not],
# [not] like, [not] ilike, [not] in (...)) of dotted fields (``plan.id``, alias ``plan_id``)
# with 'quoted' ('' escapes a quote) or bare values, joined by and/or/not and parentheses. A field a
# representation does not have compares as null.

_Predicate = Callable[[Mapping[str, Any]], bool]
_TOKEN = re.compile(r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<symbol><>|!=|=|\(|\)|,)|(?P<word>[\w.%:-]+))")
_ALIASES = {"plan_id": "plan.id", "creator_id": "creator.id"}
_COMPARISONS: dict[str, Callable[[str | None, str | None], bool]] = {
    "=": lambda a, b: a == b,
    "is": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "like": lambda a, b: a is not None and b is not None and _like(b).fullmatch(a) is not None,
    "ilike": lambda a, b: a is not None and b is not None and _like(b, re.IGNORECASE).fullmatch(a) is not None,
}


def _search(request: _Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        predicate = _SearchParser(request.arg("search")).parse()
    except ValueError as error:
        raise _APIError(400, f"Failed to parse search query: {error}") from None
    return [item for item in items if predicate(item)]


class _SearchParser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.position = 0

    def parse(self) -> _Predicate:
        if not self.tokens:
            return lambda item: True
        predicate = self._disjunction()
        if self.position != len(self.tokens):
            raise ValueError(f"unexpected {self.tokens[self.position][1]!r}")
        return predicate

    def _disjunction(self) -> _Predicate:
        predicates = [self._conjunction()]
        while self._keyword("or"):
            predicates.append(self._conjunction())
        return predicates[0] if len(predicates) == 1 else lambda item: any(p(item) for p in predicates)

    def _conjunction(self) -> _Predicate:
        predicates = [self._factor()]
        while self._keyword("and"):
            predicates.append(self._factor())
        return predicates[0] if len(predicates) == 1 else lambda item: all(p(item) for p in predicates)

    def _factor(self) -> _Predicate:
        if self._keyword("not"):
            inner = self._factor()
            return lambda item: not inner(item)
        if self._symbol("("):
            inner = self._disjunction()
            self._expect_symbol(")")
            return inner
        return self._comparison()

    def _comparison(self) -> _Predicate:
        name = self._word()
        negate = self._keyword("not")
        if self._keyword("is"):
            negate = self._keyword("not") or negate
            operator = "is"
        elif self._keyword("in"):
            return self._membership(name, negate)
        else:
            operator = next((op for op in ("like", "ilike") if self._keyword(op)), None) or self._operator()
        compare, value = _COMPARISONS[operator], self._value()
        return lambda item: compare(_field(item, name), value) != negate

    def _membership(self, name: str, negate: bool) -> _Predicate:
        self._expect_symbol("(")
        values = {self._value()}
        while self._symbol(","):
            values.add(self._value())
        self._expect_symbol(")")
        return lambda item: (_field(item, name) in values) != negate

    def _operator(self) -> str:
        kind, text = self._next()
        if kind != "symbol" or text not in _COMPARISONS:
            raise ValueError(f"expected an operator, got {text!r}")
        return text

    def _value(self) -> str | None:
        kind, text = self._next()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind != "word":
            raise ValueError(f"expected a value, got {text!r}")
        lowered = text.lower()
        if lowered == "null":
            return None
        return lowered if lowered in ("true", "false") else text

    def _word(self) -> str:
        kind, text = self._next()
        if kind != "word":
            raise ValueError(f"expected a field name, got {text!r}")
        return text

    def _keyword(self, keyword: str) -> bool:
        return self._accept(("word", keyword))

    def _symbol(self, symbol: str) -> bool:
        return self._accept(("symbol", symbol))

    def _accept(self, token: tuple[str, str]) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position] == token:
            self.position += 1
            return True
        return False

    def _expect_symbol(self, symbol: str) -> None:
        if not self._symbol(symbol):
            raise ValueError(f"expected {symbol!r}")

    def _next(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise ValueError("unexpected end of query")
        self.position += 1
        return self.tokens[self.position - 1]


def _tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) pairs; keywords are lower-cased words, so ``AND`` and ``and`` are the same."""
    tokens: list[tuple[str, str]] = []
    position, text = 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"unexpected character at {position}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        keyword = kind == "word" and value.lower() in ("and", "or", "not", "is", "in", "like", "ilike")
        tokens.append((kind, value.lower() if keyword else value))
        position = match.end()
    return tokens


def _field(item: Mapping[str, Any], name: str) -> str | None:
    value: Any = item
    for part in _ALIASES.get(name, name).split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = (".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.compile("".join(parts), flags | re.DOTALL)
