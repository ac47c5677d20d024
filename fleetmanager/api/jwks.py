"""Trusted token signing keys, from a JWKS file, JWKS URLs and the development key.

Keys are cached. A token signed with an unknown ``kid`` triggers one refetch of
every source, at most once per cooldown, so rotated keys are picked up without a
restart while a flood of forged kids cannot turn into a flood of HTTP requests.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from fleetmanager import devkeys

logger = logging.getLogger("fleetmanager.auth")


class KeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, PyJWK] = {}
        # Changes whenever the trusted keys may have changed: verified tokens cached before are re-checked.
        self.generation = 0
        self._loaded_at = 0.0
        self._last_refresh_attempt = 0.0
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget every cached key (tests, and settings changes at run time)."""
        with self._lock:
            self._keys = {}
            self._loaded_at = self._last_refresh_attempt = 0.0
            self.generation += 1

    def key_for(self, kid: str) -> list[PyJWK]:
        """The trusted key with this kid, as a list of at most one."""
        with self._lock:
            if not self._loaded_at or time.monotonic() - self._loaded_at > settings.FLEET_JWKS_CACHE_SECONDS:
                self._refresh()
            found = self._lookup(kid)
            if not found and self._may_refresh():
                self._refresh()
                found = self._lookup(kid)
            return found

    def _lookup(self, kid: str) -> list[PyJWK]:
        key = self._keys.get(kid)
        return [key] if key else []

    def _may_refresh(self) -> bool:
        now = time.monotonic()
        if now - self._last_refresh_attempt < settings.FLEET_JWKS_REFRESH_COOLDOWN_SECONDS:
            return False
        self._last_refresh_attempt = now
        return True

    def _refresh(self) -> None:
        keys: dict[str, PyJWK] = {}
        for jwk in self._all_jwks():
            try:
                keys[jwk["kid"]] = PyJWK(jwk)
            except PyJWKError as exc:
                logger.warning("ignoring unusable JWK %s: %s", jwk.get("kid", "?"), exc)
        # Keep the old keys when every source failed, rather than locking everyone out.
        if keys or not self._keys:
            if set(keys) != set(self._keys):
                self.generation += 1
            self._keys = keys
        self._loaded_at = time.monotonic()

    def _all_jwks(self) -> list[dict[str, Any]]:
        jwks: list[dict[str, Any]] = []
        if settings.FLEET_JWKS_FILE:
            jwks.extend(_read_file(Path(settings.FLEET_JWKS_FILE)))
        for url in settings.FLEET_JWKS_URLS:
            jwks.extend(_fetch_url(url))
        if settings.FLEET_DEV_TOKENS:
            dev = devkeys.dev_public_jwk()
            if dev:
                jwks.append(dev)
        return [jwk for jwk in jwks if _usable(jwk)]


def _usable(jwk: dict[str, Any]) -> bool:
    """An RSA signing key with a kid, meant for RS256 when it says what it is meant for (RFC 7517 §4.4)."""
    if jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
        return False
    if not jwk.get("kid"):
        logger.warning("ignoring a JWK without kid: tokens name the key they were signed with")
        return False
    return jwk.get("alg", "RS256") == "RS256"


def _read_file(path: Path) -> list[dict[str, Any]]:
    try:
        return list(json.loads(path.read_text()).get("keys", []))
    except (OSError, ValueError, AttributeError) as exc:
        logger.error("cannot read JWKS file %s: %s", path, exc)
        return []


def _fetch_url(url: str) -> list[dict[str, Any]]:
    try:
        response = requests.get(url, timeout=settings.FLEET_JWKS_TIMEOUT_SECONDS)
        response.raise_for_status()
        return list(response.json().get("keys", []))
    except (requests.RequestException, ValueError, AttributeError) as exc:
        logger.error("cannot fetch JWKS from %s: %s", url, exc)
        return []


key_store = KeyStore()
