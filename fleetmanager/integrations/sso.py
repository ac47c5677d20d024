"""Client of MAS-SSO, the Keycloak realm that holds the fleet's service accounts.

Every Kafka gets a canary service account (``canary-<kafka id>``), every data-plane cluster an
agent client (``kas-fleetshard-agent-<cluster id>``), and users create their own
(``srvc-acct-<uuid>``): all are Keycloak clients with the client-credentials grant, managed
through the admin REST API. No lease can fence a call to Keycloak, so every write is
idempotent by clientId: check, then create, and a 409 means another worker won the race.
Secrets and tokens never reach a log line or an exception message.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from fleetmanager.integrations.http import AuthorizedAPI, IntegrationError, json_object, json_or_none

logger = logging.getLogger(__name__)

# Keycloak records no creation time for clients, so the fleet manager keeps one as an attribute.
CREATED_AT_ATTRIBUTE = "created_at"
# Who created a user's service account (the `username` claim of their token), kept as an attribute.
CREATED_BY_ATTRIBUTE = "username"
# Keycloak's mapper that copies a user attribute of the service-account user into its tokens.
ATTRIBUTE_MAPPER = "oidc-usermodel-attribute-mapper"


class SSOError(IntegrationError):
    service = "sso"


@dataclass(frozen=True)
class ServiceAccount:
    """A Keycloak client used as a service account; ``id`` is Keycloak's internal id."""

    id: str
    client_id: str
    client_secret: str = field(repr=False)  # empty when listed: secrets are fetched one by one
    name: str
    description: str
    attributes: dict[str, str]
    created_at: datetime | None

    @property
    def created_by(self) -> str:
        return self.attributes.get(CREATED_BY_ATTRIBUTE, "")


class SSOClient:
    """The Keycloak admin API of one realm, authenticated as the fleet manager's own client."""

    def __init__(
        self,
        *,
        base_url: str,
        realm: str,
        client_id: str,
        client_secret: str,
        timeout: float = 10.0,
        retries: int = 3,
        backoff_seconds: float = 0.2,
    ) -> None:
        base = base_url.rstrip("/")
        self._admin_url = f"{base}/admin/realms/{quote(realm, safe='')}"
        self._api = AuthorizedAPI(
            token_url=f"{base}/realms/{quote(realm, safe='')}/protocol/openid-connect/token",
            client_id=client_id,
            client_secret=client_secret,
            timeout=timeout,
            retries=retries,
            backoff_seconds=backoff_seconds,
            error_class=SSOError,
        )

    def close(self) -> None:
        self._api.close()

    # --- service accounts -----------------------------------------------------------------

    def create_service_account(
        self,
        *,
        client_id: str,
        name: str,
        description: str = "",
        attributes: dict[str, str] | None = None,
        token_claims: dict[str, str] | None = None,
    ) -> ServiceAccount:
        """The account named ``client_id``, created unless it exists (then returned unchanged).

        ``token_claims`` end up in every token of the account, as upstream's mas-sso accounts carry
        ``rh-org-id``, ``rh-user-id`` and ``username``: Keycloak protocol mappers copy them from the
        attributes of the account's service-account user, which are set (again) on every call.
        """
        account = self.get_service_account(client_id) or self._create(
            client_id, name, description, attributes or {}, token_claims or {}
        )
        if token_claims:
            self._set_service_account_user_attributes(account.id, token_claims)
        return account

    def _create(
        self, client_id: str, name: str, description: str, attributes: dict[str, str], token_claims: dict[str, str]
    ) -> ServiceAccount:
        attributes = {CREATED_AT_ATTRIBUTE: timezone.now().isoformat(), **attributes}
        body = _new_client(client_id, name, description, attributes, list(token_claims))
        # Safe to retry: a repeat of a create that did land answers 409, handled below.
        response = self._admin("POST", "/clients", json=body, idempotent=True)
        if response.status_code == 409:
            logger.info("sso: %s was created concurrently; using the existing one", client_id)
            return self._existing_after_conflict(client_id)
        self._expect(response, 201)
        internal_id = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
        secret = self._secret(internal_id) if internal_id else None
        if secret is None:
            raise SSOError(f"{client_id} was created but cannot be read back", retryable=True)
        logger.info("sso: created service account %s", client_id)
        representation = {"id": internal_id, "clientId": client_id, "name": name, "description": description}
        return _account({**representation, "attributes": attributes}, secret)

    def get_service_account(self, client_id: str) -> ServiceAccount | None:
        representation = self._find(client_id)
        if representation is None:
            return None
        secret = self._secret(representation["id"])
        return None if secret is None else _account(representation, secret)

    def delete_service_account(self, client_id: str) -> bool:
        """True when deleted; False when there was nothing to delete."""
        representation = self._find(client_id)
        if representation is None:
            return False
        response = self._admin("DELETE", f"/clients/{quote(representation['id'], safe='')}")
        if response.status_code == 404:
            return False
        self._expect(response, 204)
        logger.info("sso: deleted service account %s", client_id)
        return True

    def reset_secret(self, client_id: str) -> ServiceAccount:
        """Regenerate the account's secret; the old one stops working at once."""
        representation = self._find(client_id)
        if representation is None:
            raise SSOError(f"service account {client_id} does not exist", status_code=404)
        path = f"/clients/{quote(representation['id'], safe='')}/client-secret"
        # Repeating a regeneration is harmless: the last secret returned is the valid one.
        response = self._admin("POST", path, idempotent=True)
        self._expect(response, 200)
        logger.info("sso: reset the secret of service account %s", client_id)
        return _account(representation, _secret_value(_json_object(response)))

    # --- by Keycloak's internal id (the `id` users see) -----------------------------------------

    def find_client(self, client_id: str) -> ServiceAccount | None:
        """The client named ``client_id``, without its secret; None when there is none."""
        representation = self._find(client_id)
        return None if representation is None else _account(representation, "")

    def get_client(self, internal_id: str) -> ServiceAccount | None:
        """The client with this internal id, without its secret; None when there is none."""
        response = self._admin("GET", f"/clients/{quote(internal_id, safe='')}")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        representation = _json_object(response)
        if not isinstance(representation.get("id"), str) or not representation.get("clientId"):
            raise SSOError.from_response(response, "expected a client representation")
        return _account(representation, "")

    def delete_client(self, internal_id: str) -> bool:
        """True when deleted; False when it was gone already."""
        response = self._admin("DELETE", f"/clients/{quote(internal_id, safe='')}")
        if response.status_code == 404:
            return False
        self._expect(response, 204)
        logger.info("sso: deleted client %s", internal_id)
        return True

    def regenerate_secret(self, internal_id: str) -> str:
        """A new secret for the client; the old one stops working at once."""
        # Repeating a regeneration is harmless: the last secret returned is the valid one.
        response = self._admin("POST", f"/clients/{quote(internal_id, safe='')}/client-secret", idempotent=True)
        self._expect(response, 200)
        logger.info("sso: regenerated the secret of client %s", internal_id)
        return _secret_value(_json_object(response))

    def list_service_accounts(
        self,
        *,
        attributes: dict[str, str] | None = None,
        client_id_prefix: str = "",
        first: int = 0,
        max_results: int | None = 100,
    ) -> list[ServiceAccount]:
        """Accounts whose clientId starts with the prefix and whose attributes include ``attributes``.

        ``first``/``max_results`` (None: no limit) page Keycloak's search: by attributes when
        ``attributes`` are given (Keycloak's ``q``, which then ignores clientId), else a substring
        match on clientId; the prefix is checked here, so a page may hold fewer accounts.
        Secrets are left empty: fetching them would cost one call per account.
        """
        params: dict[str, Any] = {"first": first}
        if max_results is not None:
            params["max"] = max_results
        if attributes:
            params["q"] = " ".join(f"{key}:{value}" for key, value in attributes.items())
        elif client_id_prefix:
            params.update(clientId=client_id_prefix, search="true")
        response = self._admin("GET", "/clients", params=params)
        self._expect(response, 200)
        wanted = attributes or {}
        return [
            _account(representation, "")
            for representation in _json_list(response)
            if str(representation.get("clientId", "")).startswith(client_id_prefix)
            and _has_attributes(representation, wanted)
        ]

    # --- admin API plumbing ---------------------------------------------------------------

    def _find(self, client_id: str) -> dict[str, Any] | None:
        response = self._admin("GET", "/clients", params={"clientId": client_id})
        self._expect(response, 200)
        return next((rep for rep in _json_list(response) if rep.get("clientId") == client_id), None)

    def _secret(self, internal_id: str) -> str | None:
        """The client's secret, or None when the client is gone."""
        response = self._admin("GET", f"/clients/{quote(internal_id, safe='')}/client-secret")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return _secret_value(_json_object(response))

    def _set_service_account_user_attributes(self, internal_id: str, claims: dict[str, str]) -> None:
        response = self._admin("GET", f"/clients/{quote(internal_id, safe='')}/service-account-user")
        self._expect(response, 200)
        user = _json_object(response)
        if not isinstance(user.get("id"), str):
            raise SSOError.from_response(response, "expected a user representation")
        attributes = {key: [value] for key, value in claims.items()}
        response = self._admin("PUT", f"/users/{quote(user['id'], safe='')}", json={**user, "attributes": attributes})
        self._expect(response, 204)

    def _existing_after_conflict(self, client_id: str) -> ServiceAccount:
        existing = self.get_service_account(client_id)
        if existing is None:
            # Created and deleted again between our two calls: let the caller try later.
            raise SSOError(f"{client_id} conflicted on create but no longer exists", status_code=409, retryable=True)
        return existing

    def _admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._api.call(method, self._admin_url + path, **kwargs)

    def _expect(self, response: requests.Response, status: int) -> None:
        if response.status_code != status:
            raise SSOError.from_response(response, self._api.token.redact(_error_detail(response)))


def _json_object(response: requests.Response) -> dict[str, Any]:
    return json_object(response, SSOError)


def _json_list(response: requests.Response) -> list[dict[str, Any]]:
    """Client representations; entries without an id or clientId are not clients."""
    payload = json_or_none(response)
    if not isinstance(payload, list):
        raise SSOError.from_response(response, "expected a JSON array")
    return [rep for rep in payload if isinstance(rep, dict) and isinstance(rep.get("id"), str) and rep.get("clientId")]


def _new_client(
    client_id: str, name: str, description: str, attributes: dict[str, str], mapped_claims: list[str]
) -> dict[str, Any]:
    """A confidential client that can only use the client-credentials grant."""
    body: dict[str, Any] = {
        "clientId": client_id,
        "name": name,
        "description": description,
        "enabled": True,
        "serviceAccountsEnabled": True,
        "standardFlowEnabled": False,
        "publicClient": False,
        "clientAuthenticatorType": "client-secret",
        "attributes": attributes,
    }
    if mapped_claims:
        body["protocolMappers"] = [_attribute_mapper(claim) for claim in mapped_claims]
    return body


def _attribute_mapper(claim: str) -> dict[str, Any]:
    """Copy the service-account user's attribute ``claim`` into the claim of that name (upstream's mappers)."""
    return {
        "name": claim,
        "protocol": "openid-connect",
        "protocolMapper": ATTRIBUTE_MAPPER,
        "config": {
            "access.token.claim": "true",
            "claim.name": claim,
            "id.token.claim": "true",
            "jsonType.label": "String",
            "user.attribute": claim,
            "userinfo.token.claim": "true",
        },
    }


def _account(representation: dict[str, Any], secret: str) -> ServiceAccount:
    attributes = {str(key): str(value) for key, value in (representation.get("attributes") or {}).items()}
    return ServiceAccount(
        id=representation["id"],
        client_id=representation["clientId"],
        client_secret=secret,
        name=representation.get("name") or "",
        description=representation.get("description") or "",
        attributes=attributes,
        created_at=_parse_time(attributes.get(CREATED_AT_ATTRIBUTE)),
    )


def _secret_value(payload: dict[str, Any]) -> str:
    value = payload.get("value")
    if not isinstance(value, str) or not value:
        raise SSOError("the client-secret endpoint answered without a secret", retryable=True)
    return value


def _has_attributes(representation: dict[str, Any], wanted: dict[str, str]) -> bool:
    attributes = representation.get("attributes") or {}
    return all(attributes.get(key) == value for key, value in wanted.items())


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _error_detail(response: requests.Response) -> str:
    """Keycloak's own words for a failure (``errorMessage``, ``error``), kept short."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        return ""
    detail = payload.get("errorMessage") or payload.get("error_description") or payload.get("error") or ""
    return str(detail)[:200]


@functools.cache
def sso_client() -> SSOClient:
    """The process's SSO client, built from the FLEET_SSO_* settings on first use."""
    if not settings.FLEET_SSO_ENABLED:
        raise ImproperlyConfigured("FLEET_SSO_ENABLED is false: service accounts cannot be managed")
    return SSOClient(
        base_url=settings.FLEET_SSO_BASE_URL,
        realm=settings.FLEET_SSO_REALM,
        client_id=settings.FLEET_SSO_CLIENT_ID,
        client_secret=settings.FLEET_SSO_CLIENT_SECRET,
        timeout=settings.FLEET_SSO_TIMEOUT_SECONDS,
        retries=settings.FLEET_SSO_RETRIES,
    )


def reset_sso_client() -> None:
    """Drop the cached client (tests change the settings it was built from)."""
    if sso_client.cache_info().currsize:
        sso_client().close()
    sso_client.cache_clear()
