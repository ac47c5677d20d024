"""The development signing key behind `manage.py token`.

Outside production the key pair lives under ``var/`` and its public half is
trusted like any JWKS key, so a newcomer can mint tokens without an identity
provider. Production never reads or creates it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwt.algorithms import RSAAlgorithm


def _key_path() -> Path:
    return Path(settings.FLEET_DEV_SIGNING_KEY)


def dev_private_key(*, create: bool = True) -> rsa.RSAPrivateKey | None:
    """Load the key, creating it atomically on first use (several processes may race)."""
    path = _key_path()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dev-key-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # fails if another process won the race; then use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def dev_key_id(key: rsa.RSAPrivateKey) -> str:
    """A stable kid: a short hash of the public numbers (RFC 7638 style thumbprint)."""
    import base64
    import hashlib

    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    canonical = json.dumps({"e": public["e"], "kty": "RSA", "n": public["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return "dev-" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:16]


def dev_public_jwk() -> dict[str, Any] | None:
    """The public half as a JWK, or None when no development key exists yet."""
    key = dev_private_key(create=False)
    if key is None:
        return None
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": dev_key_id(key), "alg": "RS256", "use": "sig"})
    return jwk
