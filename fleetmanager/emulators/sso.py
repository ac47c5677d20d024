"""An in-memory MAS-SSO (Keycloak) realm: the token endpoint, its signing keys and the admin API's clients.

Only what the fleet manager's SSO client uses is emulated, with Keycloak's status codes
(201 + Location, 409 on a taken clientId, 401 without a valid bearer token, 204 on delete),
so the real client is exercised over HTTP in tests and local runs.

Tokens are RS256 JWTs signed by a key of the emulator, published at the realm's ``certs``
endpoint, with Keycloak's claims: a service account's token carries ``clientId`` and the
claims its protocol mappers copy from the service-account user's attributes (``rh-org-id``,
``rh-user-id``, ``username``), so a service account created through the fleet manager's API
can call that API, as upstream's do. Only the fleet manager's own client may use the admin API.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fleetmanager.emulators.server import FaultInjectingEmulator, Query, Reply, json_error

DEFAULT_CLIENT_ID = "fleet-manager"
DEFAULT_CLIENT_SECRET = "emulator-secret"

_REALM = r"/realms/(?P<realm>[^/]+)"
_CLIENT = rf"/admin{_REALM}/clients/(?P<id>[^/]+)"
_USER = rf"/admin{_REALM}/users/(?P<id>[^/]+)"
KEY_ID = "sso-emulator"
# Keycloak's mapper that copies a user attribute into a token claim.
ATTRIBUTE_MAPPER = "oidc-usermodel-attribute-mapper"


@dataclass
class _Request:
    realm: str
    id: str
    query: Query
    headers: Mapping[str, str]
    body: bytes

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


@dataclass
class _User:
    """The user behind a service-account client; protocol mappers read its attributes."""

    id: str
    username: str
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def representation(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "enabled": True, "attributes": self.attributes}


@dataclass
class _Client:
    """A Keycloak client; ``secret`` is only ever shown by the client-secret endpoint."""

    id: str
    client_id: str
    secret: str
    fields: dict[str, Any] = field(default_factory=dict)
    user: _User | None = None  # set when serviceAccountsEnabled

    def representation(self) -> dict[str, Any]:
        return {**self.fields, "id": self.id, "clientId": self.client_id}

    def claims(self) -> dict[str, str]:
        """What the client's attribute mappers put into its tokens."""
        claims: dict[str, str] = {}
        attributes = self.user.attributes if self.user else {}
        for mapper in self.fields.get("protocolMappers") or []:
            if not isinstance(mapper, dict) or mapper.get("protocolMapper") != ATTRIBUTE_MAPPER:
                continue
            config = mapper.get("config") or {}
            if config.get("access.token.claim") != "true":
                continue
            values = attributes.get(config.get("user.attribute", ""))
            if values:
                claims[config.get("claim.name", "")] = values[0]
        return claims


_Handler = Callable[[_Request], Reply]


class SSOEmulator(FaultInjectingEmulator):
    """Realms are created on first use; admin calls need a bearer token issued by the same realm."""

    def __init__(
        self,
        *,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        token_lifetime_seconds: int = 300,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime_seconds = self._default_lifetime = token_lifetime_seconds
        self._realms: dict[str, dict[str, _Client]] = {}
        self._users: dict[str, _User] = {}
        # token -> (realm, monotonic expiry, client id); only the admin client's tokens open the admin API.
        self._tokens: dict[str, tuple[str, float, str]] = {}
        self._key: rsa.RSAPrivateKey | None = None
        self._key_lock = threading.Lock()
        self._routes: list[tuple[re.Pattern[str], dict[str, _Handler], bool]] = [
            (re.compile(rf"^{_REALM}/protocol/openid-connect/token$"), {"POST": self._issue_token}, False),
            (re.compile(rf"^{_REALM}/protocol/openid-connect/certs$"), {"GET": self._certs}, False),
            (re.compile(rf"^/admin{_REALM}/clients$"), {"GET": self._list, "POST": self._create}, True),
            (re.compile(rf"^{_CLIENT}$"), {"GET": self._get, "DELETE": self._delete}, True),
            (re.compile(rf"^{_CLIENT}/client-secret$"), {"GET": self._secret, "POST": self._regenerate}, True),
            (re.compile(rf"^{_CLIENT}/service-account-user$"), {"GET": self._service_account_user}, True),
            (re.compile(rf"^{_USER}$"), {"PUT": self._update_user}, True),
        ]

    # --- test and demo helpers --------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self._realms.clear()
            self._users.clear()
            self._tokens.clear()
            self.token_lifetime_seconds = self._default_lifetime

    def invalidate_tokens(self) -> None:
        """Forget every issued token, as a Keycloak restart or key rotation would."""
        with self.lock:
            self._tokens.clear()

    def add_client(self, client_id: str, *, realm: str = "rhoas", **fields: Any) -> dict[str, Any]:
        """Create a client directly, bypassing HTTP (to stage races and pre-existing state)."""
        with self.lock:
            client = self._store(realm, {"clientId": client_id, **fields})
            return {**client.representation(), "secret": client.secret}

    def issued_tokens(self) -> list[str]:
        with self.lock:
            return list(self._tokens)

    def clients(self, realm: str = "rhoas") -> list[dict[str, Any]]:
        with self.lock:
            return [client.representation() for client in self._realm(realm).values()]

    def secrets(self, realm: str = "rhoas") -> dict[str, str]:
        """Each client's current secret by id (tests check that a refused reset changed none)."""
        with self.lock:
            return {client.id: client.secret for client in self._realm(realm).values()}

    # --- dispatch -----------------------------------------------------------------------------

    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        for pattern, handlers, admin in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            if method not in handlers:
                return json_error(405, "method not allowed")
            request = _Request(match["realm"], unquote(match.groupdict().get("id") or ""), query, headers, body)
            if admin and not self._authorized(request):
                return json_error(401, "HTTP 401 Unauthorized")
            with self.lock:
                return handlers[method](request)
        return json_error(404, "RESTEASY003210: Could not find resource for full path")

    def _authorized(self, request: _Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self.lock:
            realm, expires_at, client_id = self._tokens.get(token, ("", 0.0, ""))
        return (
            scheme.lower() == "bearer"
            and realm == request.realm
            and client_id == self.client_id
            and time.monotonic() < expires_at
        )

    def _realm(self, realm: str) -> dict[str, _Client]:
        return self._realms.setdefault(realm, {})

    # --- token endpoint ---------------------------------------------------------------------

    def _issue_token(self, request: _Request) -> Reply:
        form = {key: values[0] for key, values in parse_qs(request.body.decode(errors="replace")).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type"}
        client_id, client_secret = _basic_credentials(request.headers) or (
            form.get("client_id", ""),
            form.get("client_secret", ""),
        )
        if client_id == self.client_id:
            expected, client = self.client_secret, None
        else:
            client = self._find(request.realm, client_id)
            usable = client is not None and client.user is not None and client.fields.get("enabled", True)
            expected = client.secret if usable and client else ""
        if not expected or not hmac.compare_digest(client_secret.encode(), expected.encode()):
            return 401, {}, {"error": "unauthorized_client", "error_description": "Invalid client credentials"}
        token = self._sign(request, client_id, client)
        self._tokens[token] = (request.realm, time.monotonic() + self.token_lifetime_seconds, client_id)
        payload = {"access_token": token, "expires_in": self.token_lifetime_seconds, "token_type": "Bearer"}
        return 200, {}, payload

    def issuer(self, request: _Request) -> str:
        """The realm's URL as the caller reached it (Keycloak's ``iss``)."""
        base = f"http://{request.headers.get('host', 'localhost')}{request.headers.get('x-forwarded-prefix', '')}"
        return f"{base}/realms/{request.realm}"

    def _sign(self, request: _Request, client_id: str, client: _Client | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer(request),
            "sub": client.user.id if client and client.user else client_id,
            "typ": "Bearer",
            "azp": client_id,
            "iat": now,
            "exp": now + self.token_lifetime_seconds,
            "jti": str(uuid.uuid4()),
            "clientId": client_id,
            "preferred_username": f"service-account-{client_id}",
            **(client.claims() if client else {}),
        }
        return jwt.encode(claims, self._signing_key(), algorithm="RS256", headers={"kid": KEY_ID})

    def _signing_key(self) -> rsa.RSAPrivateKey:
        with self._key_lock:  # made on first use: most test sessions never ask for a token
            if self._key is None:
                self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            return self._key

    def _certs(self, request: _Request) -> Reply:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._signing_key().public_key()))
        jwk.update({"kid": KEY_ID, "alg": "RS256", "use": "sig"})
        return 200, {}, {"keys": [jwk]}

    # --- admin API: clients -----------------------------------------------------------------

    def _list(self, request: _Request) -> Reply:
        wanted = request.arg("clientId")
        search = request.arg("search") == "true"
        query = request.arg("q")
        clients = sorted(self._realm(request.realm).values(), key=lambda client: client.client_id)
        if query:  # as Keycloak: an attribute search wins over clientId
            attributes = dict(part.partition(":")[::2] for part in query.split())
            clients = [c for c in clients if _has_attributes(c, attributes)]
        elif wanted:
            clients = [c for c in clients if _matches(c.client_id, wanted, search=search)]
        first = int(request.arg("first", "0") or 0)
        maximum = int(request.arg("max", "-1") or -1)
        window = clients[first:] if maximum < 0 else clients[first : first + maximum]
        return 200, {}, [client.representation() for client in window]

    def _create(self, request: _Request) -> Reply:
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return 400, {}, {"errorMessage": "Invalid JSON"}
        if not isinstance(body, dict) or not isinstance(body.get("clientId"), str) or not body["clientId"]:
            return 400, {}, {"errorMessage": "clientId is required"}
        if not isinstance(body.get("attributes", {}), dict):
            return 400, {}, {"errorMessage": "attributes must be an object"}
        if self._find(request.realm, body["clientId"]) is not None:
            return 409, {}, {"errorMessage": f"Client {body['clientId']} already exists"}
        client = self._store(request.realm, body)
        base = f"http://{request.headers.get('host', 'localhost')}{request.headers.get('x-forwarded-prefix', '')}"
        return 201, {"Location": f"{base}/admin/realms/{request.realm}/clients/{client.id}"}, None

    def _get(self, request: _Request) -> Reply:
        client = self._realm(request.realm).get(request.id)
        return (200, {}, client.representation()) if client else _client_not_found()

    def _delete(self, request: _Request) -> Reply:
        client = self._realm(request.realm).pop(request.id, None)
        if client and client.user:
            self._users.pop(client.user.id, None)
        return (204, {}, None) if client else _client_not_found()

    def _service_account_user(self, request: _Request) -> Reply:
        client = self._realm(request.realm).get(request.id)
        if client is None or client.user is None:
            return _client_not_found()
        return 200, {}, client.user.representation()

    def _update_user(self, request: _Request) -> Reply:
        user = self._users.get(request.id)
        if user is None:
            return 404, {}, {"error": "User not found"}
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return 400, {}, {"errorMessage": "Invalid JSON"}
        attributes = body.get("attributes") if isinstance(body, dict) else None
        if attributes is not None:
            if not isinstance(attributes, dict):
                return 400, {}, {"errorMessage": "attributes must be an object"}
            user.attributes = {
                str(key): [str(v) for v in (values if isinstance(values, list) else [values])]
                for key, values in attributes.items()
            }
        return 204, {}, None

    def _secret(self, request: _Request) -> Reply:
        client = self._realm(request.realm).get(request.id)
        return (200, {}, {"type": "secret", "value": client.secret}) if client else _client_not_found()

    def _regenerate(self, request: _Request) -> Reply:
        client = self._realm(request.realm).get(request.id)
        if client is None:
            return _client_not_found()
        client.secret = secrets.token_urlsafe(32)
        return 200, {}, {"type": "secret", "value": client.secret}

    def _find(self, realm: str, client_id: str) -> _Client | None:
        return next((c for c in self._realm(realm).values() if c.client_id == client_id), None)

    def _store(self, realm: str, body: dict[str, Any]) -> _Client:
        fields = {
            "name": "",
            "description": "",
            "enabled": True,
            "attributes": {},
            **{key: value for key, value in body.items() if key not in ("id", "clientId", "secret")},
        }
        client = _Client(str(uuid.uuid4()), body["clientId"], secrets.token_urlsafe(32), fields)
        if fields.get("serviceAccountsEnabled"):
            client.user = _User(str(uuid.uuid4()), f"service-account-{client.client_id}".lower())
            self._users[client.user.id] = client.user
        self._realm(realm)[client.id] = client
        return client


def _has_attributes(client: _Client, wanted: dict[str, str]) -> bool:
    attributes = client.fields.get("attributes") or {}
    return all(attributes.get(key) == value for key, value in wanted.items())


def _matches(client_id: str, wanted: str, *, search: bool) -> bool:
    """Keycloak's ``search=true`` is a case-insensitive substring match; otherwise exact."""
    return wanted.lower() in client_id.lower() if search else client_id == wanted


def _basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    scheme, _, encoded = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return unquote(client_id), unquote(client_secret)


def _client_not_found() -> Reply:
    return 404, {}, {"error": "Could not find client"}
