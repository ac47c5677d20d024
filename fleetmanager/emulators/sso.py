"""An in-memory MAS-SSO (Keycloak) realm: the token endpoint and the admin API's clients.

Only what the fleet manager's SSO client uses is emulated, with Keycloak's status codes
(201 + Location, 409 on a taken clientId, 401 without a valid bearer token, 204 on delete),
so the real client is exercised over HTTP in tests and local runs.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from fleetmanager.emulators.server import FaultInjectingEmulator, Query, Reply, json_error

DEFAULT_CLIENT_ID = "fleet-manager"
DEFAULT_CLIENT_SECRET = "emulator-secret"

_REALM = r"/realms/(?P<realm>[^/]+)"
_CLIENT = rf"/admin{_REALM}/clients/(?P<id>[^/]+)"


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
class _Client:
    """A Keycloak client; ``secret`` is only ever shown by the client-secret endpoint."""

    id: str
    client_id: str
    secret: str
    fields: dict[str, Any] = field(default_factory=dict)

    def representation(self) -> dict[str, Any]:
        return {**self.fields, "id": self.id, "clientId": self.client_id}


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
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (realm, monotonic expiry)
        self._routes: list[tuple[re.Pattern[str], dict[str, _Handler], bool]] = [
            (re.compile(rf"^{_REALM}/protocol/openid-connect/token$"), {"POST": self._issue_token}, False),
            (re.compile(rf"^/admin{_REALM}/clients$"), {"GET": self._list, "POST": self._create}, True),
            (re.compile(rf"^{_CLIENT}$"), {"GET": self._get, "DELETE": self._delete}, True),
            (re.compile(rf"^{_CLIENT}/client-secret$"), {"GET": self._secret, "POST": self._regenerate}, True),
        ]

    # --- test and demo helpers --------------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self._realms.clear()
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
            realm, expires_at = self._tokens.get(token, ("", 0.0))
        return scheme.lower() == "bearer" and realm == request.realm and time.monotonic() < expires_at

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
        if client_id != self.client_id or not hmac.compare_digest(client_secret, self.client_secret):
            return 401, {}, {"error": "unauthorized_client", "error_description": "Invalid client credentials"}
        token = secrets.token_urlsafe(32)
        self._tokens[token] = (request.realm, time.monotonic() + self.token_lifetime_seconds)
        payload = {"access_token": token, "expires_in": self.token_lifetime_seconds, "token_type": "Bearer"}
        return 200, {}, payload

    # --- admin API: clients -----------------------------------------------------------------

    def _list(self, request: _Request) -> Reply:
        wanted = request.arg("clientId")
        search = request.arg("search") == "true"
        clients = sorted(self._realm(request.realm).values(), key=lambda client: client.client_id)
        if wanted:
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
        return (204, {}, None) if client else _client_not_found()

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
        self._realm(realm)[client.id] = client
        return client


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
