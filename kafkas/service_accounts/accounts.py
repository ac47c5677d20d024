"""Users' service accounts: clients of the MAS-SSO realm, recorded nowhere else (BEHAVIOUR.md §1.12).

As upstream, the fleet manager keeps no row for them: Keycloak is the record, found by the
``rh-org-id`` attribute of the organisation and the ``srvc-acct-`` prefix of the clientId. Each
account's tokens carry ``rh-org-id``, ``rh-user-id`` and ``username`` of the user who created it,
so the account acts in the API as a member of that organisation.

Validation runs in upstream's order (the first failure wins, each with its own code); SSO
failures become upstream's 500 codes with a reason that names the SSO and what failed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fleetmanager import errors
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.integrations.sso import ServiceAccount, SSOClient, SSOError, sso_client
from fleetmanager.principal import Principal

logger = logging.getLogger("fleetmanager.kafkas.service_accounts")

T = TypeVar("T")

USER_PREFIX = "srvc-acct-"
# Upstream's regular expressions; Go's `$` is the end of the text, so these are matched whole.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CLIENT_ID = re.compile(rf"{USER_PREFIX}{_UUID.pattern}")
_NAME = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DESCRIPTION = re.compile(r"[a-zA-Z0-9.,\-\s]*", re.ASCII)  # Go's \s is ASCII whitespace
MAX_NAME_LENGTH = 50
MAX_DESCRIPTION_LENGTH = 255
MAX_ID_LENGTH = 36
MAX_CLIENT_ID_LENGTH = 47

FAILED_TO_CREATE = 110
FAILED_TO_GET = 111
FAILED_TO_DELETE = 112
NOT_FOUND = 113
MAX_LIMIT_REACHED = 115
MALFORMED_NAME = 38
MALFORMED_DESCRIPTION = 39
MALFORMED_ID = 40


# --- validation ---------------------------------------------------------------------------------


def _length(value: str, field: str, maximum: int) -> None:
    """Upstream's ValidateLength: the maximum first (Go counts bytes), then at least one."""
    size = len(value.encode())
    if size > maximum:
        raise errors.ServiceError(
            errors.MAXIMUM_FIELD_LENGTH, f"{field} is not valid, maximum length {maximum} is required"
        )
    if size < 1:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, f"{field} is not valid, minimum length 1 is required")


def validate_new_account(*, name: str, description: str) -> None:
    _length(name, "name", MAX_NAME_LENGTH)
    if len(description.encode()) > MAX_DESCRIPTION_LENGTH:
        raise errors.ServiceError(
            errors.MAXIMUM_FIELD_LENGTH,
            f"description is not valid, maximum length {MAX_DESCRIPTION_LENGTH} is required",
        )
    if not _NAME.fullmatch(name):
        raise errors.ServiceError(MALFORMED_NAME, f"name does not match ^{_NAME.pattern}$")
    if not _DESCRIPTION.fullmatch(description):
        raise errors.ServiceError(MALFORMED_DESCRIPTION, f"description does not match ^{_DESCRIPTION.pattern}$")


def validate_account_id(account_id: str) -> None:
    _length(account_id, "id", MAX_ID_LENGTH)
    if not _UUID.fullmatch(account_id):
        raise errors.ServiceError(MALFORMED_ID, f"id does not match ^{_UUID.pattern}$")


def validate_client_id(client_id: str) -> None:
    _length(client_id, "client_id", MAX_CLIENT_ID_LENGTH)
    if not _CLIENT_ID.fullmatch(client_id):
        raise errors.ServiceError(MALFORMED_ID, f"client_id does not match ^{_CLIENT_ID.pattern}$")


# --- the SSO provider ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SsoProvider:
    """Where service-account tokens come from and how to check them (GET /sso_providers)."""

    name: str
    base_url: str
    token_url: str
    jwks: str
    valid_issuer: str


def sso_provider() -> SsoProvider:
    base = (settings.FLEET_SSO_BASE_URL or "").rstrip("/")
    issuer = f"{base}/realms/{settings.FLEET_SSO_REALM}" if base else ""
    return SsoProvider(
        name="mas_sso",
        base_url=base,
        token_url=f"{issuer}/protocol/openid-connect/token" if issuer else "",
        jwks=f"{issuer}/protocol/openid-connect/certs" if issuer else "",
        valid_issuer=issuer,
    )


# --- reads ----------------------------------------------------------------------------------------


def service_account_list(*, principal: Principal, first: int = 0, max_results: int = 0) -> list[ServiceAccount]:
    """The organisation's user service accounts; ``max_results`` 0 means the configured page limit."""
    size = max_results or settings.FLEET_MAX_LIMIT_FOR_SSO_GET_CLIENTS
    found = _call(
        errors.GENERAL,
        "failed to collect service accounts",
        lambda sso: sso.list_service_accounts(attributes=_org(principal), first=max(first, 0), max_results=size),
    )
    return [account for account in found if account.client_id.startswith(USER_PREFIX)]


def service_account_by_client_id(*, principal: Principal, client_id: str) -> ServiceAccount | None:
    """The account with this clientId when the caller may see it; None when there is none."""
    validate_client_id(client_id)
    account = _call(FAILED_TO_GET, f"failed to get the service account {client_id}", _by_client_id(client_id))
    if account is None:
        return None
    _require_owner_or_org_admin(principal, account, "failed to get service account")
    return account


def service_account_get(*, principal: Principal, account_id: str) -> ServiceAccount:
    validate_account_id(account_id)
    account = _user_account(account_id)
    _require_owner_or_org_admin(principal, account, "failed to get service account")
    return account


# --- writes ---------------------------------------------------------------------------------------


def service_account_create(*, principal: Principal, name: str, description: str) -> ServiceAccount:
    """A new account of the caller's organisation, with its secret (shown this once)."""
    validate_new_account(name=name, description=description)
    _require_below_limit(principal)
    owner = {"rh-org-id": principal.org_id, "rh-user-id": principal.account_id, "username": principal.username}
    client_id = f"{USER_PREFIX}{uuid.uuid4()}"
    account = _call(
        FAILED_TO_CREATE,
        "failed to create service account",
        lambda sso: sso.create_service_account(
            client_id=client_id, name=name, description=description, attributes=owner, token_claims=owner
        ),
    )
    logger.info("service account %s created for %s of org %s", client_id, principal.username, principal.org_id)
    return account


def service_account_delete(*, principal: Principal, account_id: str) -> None:
    validate_account_id(account_id)
    account = _user_account(account_id)
    _require_owner_or_org_admin(principal, account, "failed to delete service account")
    _call(FAILED_TO_DELETE, "failed to delete service account", lambda sso: sso.delete_client(account_id))
    logger.info("service account %s deleted by %s", account.client_id, principal.username)


def service_account_reset_credentials(*, principal: Principal, account_id: str) -> ServiceAccount:
    validate_account_id(account_id)
    account = _user_account(account_id)
    _require_owner_or_org_admin(principal, account, "failed to reset service account credentials")
    secret = _call(
        errors.GENERAL,
        "failed to reset service account credentials",
        lambda sso: sso.regenerate_secret(account_id),
    )
    logger.info("service account %s: secret reset by %s", account.client_id, principal.username)
    return replace(account, client_secret=secret)


# --- rules ----------------------------------------------------------------------------------------


def _org(principal: Principal) -> dict[str, str]:
    return {"rh-org-id": principal.org_id}


def _user_account(account_id: str) -> ServiceAccount:
    """The user service account with this Keycloak id; 404/113 for anything else (agents, canaries)."""
    account = _call(
        FAILED_TO_GET, f"failed to get the service account {account_id}", lambda sso: sso.get_client(account_id)
    )
    if account is None or not account.client_id.startswith(USER_PREFIX):
        raise errors.ServiceError(NOT_FOUND, f"service account not found {account_id}")
    return account


def _same_org(principal: Principal, account: ServiceAccount) -> bool:
    return bool(principal.org_id) and account.attributes.get("rh-org-id") == principal.org_id


def _is_owner(principal: Principal, account: ServiceAccount) -> bool:
    return bool(principal.account_id) and account.attributes.get("rh-user-id") == principal.account_id


def _require_owner_or_org_admin(principal: Principal, account: ServiceAccount, reason: str) -> None:
    """The account's creator, or an admin of its organisation; anyone else gets 403/4.

    Upstream lets only the creator read one account while an org admin may delete or reset it;
    here the org admin may read it too (docs/upstream-differences.md).
    """
    if not (_same_org(principal, account) and (_is_owner(principal, account) or principal.is_org_admin)):
        raise errors.ServiceError(errors.FORBIDDEN, reason)


def _require_below_limit(principal: Principal) -> None:
    """At most FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS user accounts per organisation, unless it is exempt."""
    if principal.org_id in fleet_config().service_account_limit_skip_orgs:
        return
    limit = settings.FLEET_MAX_ALLOWED_SERVICE_ACCOUNTS
    accounts = _call(
        errors.GENERAL,
        "failed to create service account",
        lambda sso: sso.list_service_accounts(attributes=_org(principal), max_results=None),
    )
    if sum(1 for account in accounts if account.client_id.startswith(USER_PREFIX)) >= limit:
        raise errors.ServiceError(
            MAX_LIMIT_REACHED,
            f"max allowed number:{limit} of service accounts for user in org:{principal.org_id} has reached",
        )


def _by_client_id(client_id: str) -> Callable[[SSOClient], ServiceAccount | None]:
    def find(sso: SSOClient) -> ServiceAccount | None:
        account = sso.find_client(client_id)
        return account if account is not None and account.client_id.startswith(USER_PREFIX) else None

    return find


def _call(code: int, reason: str, action: Callable[[SSOClient], T]) -> T:
    """Run ``action`` with the SSO client; an SSO failure becomes ``code`` with a reason naming it."""
    try:
        return action(_sso())
    except SSOError as exc:
        logger.warning("%s: %s", reason, exc)
        raise errors.ServiceError(code, f"{reason}: {exc}") from exc


def _sso() -> SSOClient:
    try:
        return sso_client()
    except ImproperlyConfigured as exc:
        raise errors.ServiceError(errors.GENERAL, f"service accounts are not available: {exc}") from exc
