"""Bearer token verification: keys from a JWKS file, JWKS URLs and the development key."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from fleetmanager import devkeys
from fleetmanager.api.jwks import key_store
from fleetmanager.devtokens import mint_token
from tests.conftest import ORG, V1, Api

KAFKAS = f"{V1}/kafkas"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig"}


def sign(key: Any, kid: str | None, algorithm: str = "RS256", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": "https://sso.example.com", "username": "alice", "org_id": ORG, "iat": now, "exp": now + 300}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    headers = {"kid": kid} if kid else {}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


@pytest.fixture(autouse=True)
def fresh_keys(settings: Any) -> Iterator[None]:
    settings.FLEET_JWKS_REFRESH_COOLDOWN_SECONDS = 0
    key_store.reset()
    yield
    key_store.reset()


class JwksServer:
    """A real HTTP server publishing a JWKS document that tests can rotate."""

    def __init__(self) -> None:
        self.jwks: dict[str, Any] = {"keys": []}
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                outer.requests += 1
                body = json.dumps(outer.jwks).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def jwks_server(settings: Any) -> Iterator[JwksServer]:
    server = JwksServer()
    settings.FLEET_JWKS_URLS = [server.url]
    yield server
    server.close()


def test_a_development_token_is_accepted(api: Api) -> None:
    assert api.with_token(mint_token(username="alice", org_id=ORG)).get(KAFKAS).status_code == 200


@pytest.mark.usefixtures("ready_cluster")
def test_claims_fall_back_to_preferred_username_and_rh_org_id(api: Api) -> None:
    token = mint_token(extra_claims={"preferred_username": "pat", "rh-org-id": ORG})

    response = api.with_token(token).post(f"{KAFKAS}?async=true", {"name": "pats"})

    assert (response.status_code, response.json()["owner"]) == (202, "pat")


def test_a_key_from_the_jwks_file_is_trusted(api: Api, tmp_path: Any, settings: Any) -> None:
    key = new_key()
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(key, "file-key")]}))
    settings.FLEET_JWKS_FILE = str(path)

    assert api.with_token(sign(key, "file-key")).get(KAFKAS).status_code == 200


def test_a_rotated_url_key_is_fetched_once_on_an_unknown_kid(api: Api, jwks_server: JwksServer) -> None:
    old, new = new_key(), new_key()
    jwks_server.jwks = {"keys": [public_jwk(old, "old")]}
    assert api.with_token(sign(old, "old")).get(KAFKAS).status_code == 200
    fetched = jwks_server.requests

    jwks_server.jwks = {"keys": [public_jwk(new, "new")]}

    assert api.with_token(sign(new, "new")).get(KAFKAS).status_code == 200
    assert jwks_server.requests == fetched + 1


def test_unknown_kids_cannot_flood_the_jwks_url(api: Api, jwks_server: JwksServer, settings: Any) -> None:
    settings.FLEET_JWKS_REFRESH_COOLDOWN_SECONDS = 60
    key = new_key()
    jwks_server.jwks = {"keys": [public_jwk(key, "real")]}
    api.with_token(sign(key, "real")).get(KAFKAS)
    fetched = jwks_server.requests

    statuses = {api.with_token(sign(new_key(), f"forged-{i}")).get(KAFKAS).status_code for i in range(5)}

    assert statuses == {401}
    assert jwks_server.requests <= fetched + 1


def test_a_failing_jwks_url_keeps_the_file_and_dev_keys_working(api: Api, settings: Any) -> None:
    settings.FLEET_JWKS_URLS = ["http://127.0.0.1:1/unreachable"]

    assert api.with_token(mint_token(username="alice", org_id=ORG)).get(KAFKAS).status_code == 200


@pytest.mark.parametrize(
    ("name", "make_token", "reason"),
    [
        ("unknown key", lambda: sign(new_key(), "nobody-knows-me"), "not trusted"),
        ("wrong key, known kid", lambda: sign(new_key(), devkeys.dev_key_id(devkeys.dev_private_key())), "verified"),
        ("no kid, wrong key", lambda: sign(new_key(), None), "verified"),
        ("HS256 with a shared secret", lambda: sign("s" * 64, "x", algorithm="HS256"), "RS256"),
        ("alg none", lambda: jwt.encode({"username": "a"}, None, algorithm="none"), "RS256"),
        ("missing iat", lambda: mint_token(username="a", org_id=ORG, extra_claims={"iat": None}), "iat"),
        ("expired", lambda: mint_token(username="a", org_id=ORG, lifetime_seconds=-60), "expired"),
        ("refresh token", lambda: mint_token(username="a", org_id=ORG, extra_claims={"typ": "Refresh"}), "Refresh"),
        ("future iat", lambda: mint_token(username="a", org_id=ORG, extra_claims={"iat": int(time.time()) + 3600}), ""),
        ("truncated", lambda: mint_token(username="a", org_id=ORG)[:-10], ""),
    ],
)
def test_bad_tokens_get_401_15(api: Api, name: str, make_token: Any, reason: str) -> None:
    response = api.with_token(make_token()).get(KAFKAS)

    assert (response.status_code, response.json()["code"]) == (401, "KAFKAS-MGMT-15"), response.json()
    assert reason in response.json()["reason"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_exp_is_refused(api: Api) -> None:
    key = devkeys.dev_private_key()
    token = jwt.encode(
        {"username": "a", "org_id": ORG, "iat": int(time.time())}, key, "RS256", {"kid": devkeys.dev_key_id(key)}
    )

    response = api.with_token(token).get(KAFKAS)

    assert response.status_code == 401
    assert "exp" in response.json()["reason"]


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cHc=", "Bearer", "Bearer    ", "Token abc"])
def test_other_authorization_schemes_are_refused(api: Api, header: str) -> None:
    api.client.credentials(HTTP_AUTHORIZATION=header)

    assert api.get(KAFKAS).status_code == 401


def test_user_issuers_restrict_the_user_api_but_not_cloud_providers(api: Api, settings: Any) -> None:
    settings.FLEET_USER_ISSUERS = ["https://sso.example.com/realms/users"]
    outsider = api.with_token(mint_token(username="a", org_id=ORG, issuer="https://elsewhere.example.com"))
    insider = api.with_token(mint_token(username="a", org_id=ORG, issuer="https://sso.example.com/realms/users"))

    assert outsider.get(KAFKAS).status_code == 401
    assert insider.get(KAFKAS).status_code == 200
    assert outsider.get(f"{V1}/cloud_providers").status_code == 200


def test_dev_tokens_are_not_trusted_when_disabled(api: Api, settings: Any) -> None:
    token = mint_token(username="alice", org_id=ORG)
    settings.FLEET_DEV_TOKENS = False
    key_store.reset()

    assert api.with_token(token).get(KAFKAS).status_code == 401


def test_public_paths_need_no_token(api: Api) -> None:
    for path in ("/api/kafkas_mgmt", V1, f"{V1}/errors", f"{V1}/errors/7", f"{V1}/openapi"):
        response = api.client.get(path)
        assert response.status_code == 200, path


def test_a_verified_token_stops_working_when_it_expires(api: Api, settings: Any) -> None:
    # Verified tokens are remembered (fleetmanager.api.authentication.VerifiedTokens): not past their exp.
    settings.FLEET_JWT_LEEWAY_SECONDS = 0
    client = api.with_token(mint_token(username="alice", org_id=ORG, lifetime_seconds=1))
    assert client.get(KAFKAS).status_code == 200

    time.sleep(2.1)

    assert client.get(KAFKAS).status_code == 401


def test_a_verified_token_stops_working_when_its_key_leaves_the_jwks(api: Api, jwks_server: JwksServer) -> None:
    retired, current = new_key(), new_key()
    jwks_server.jwks = {"keys": [public_jwk(retired, "retired")]}
    remembered = api.with_token(sign(retired, "retired"))
    assert remembered.get(KAFKAS).status_code == 200

    jwks_server.jwks = {"keys": [public_jwk(current, "current")]}
    assert api.with_token(sign(current, "current")).get(KAFKAS).status_code == 200  # the refresh drops "retired"

    assert remembered.get(KAFKAS).status_code == 401
