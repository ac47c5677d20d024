"""A served ManagedKafka, and the ManagedKafka resource the agent applies from it (kas-fleetshard's sync).

The fleet manager serves each item with a wire-only ``id`` (equal to its ``bf2.org/id``
annotation) and secrets inline. The sync creates the resource without them: the canary
credentials, the OAuth client and the endpoint's TLS key go into the
``<name>-master-secret`` Secret and the spec refers to its keys, so no secret is ever
written next to the resource (or shown by the console).
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from typing import Any

from fleetmanager.fleetconfig.quantities import parse_quantity

API_VERSION = "managedkafka.bf2.org/v1alpha1"
KIND = "ManagedKafka"
ID = "bf2.org/id"
PLACEMENT_ID = "bf2.org/placementId"
PROFILE_TYPE = "bf2.org/kafkaInstanceProfileType"
PROFILE_QUOTA_CONSUMED = "bf2.org/kafkaInstanceProfileQuotaConsumed"
DEPLOYMENT = "bf2.org/deployment"
SUSPENDED = "bf2.org/suspended"
MASTER_SECRET_DIGEST = "managedkafka.bf2.org/master-secret-digest"
# Stable uids: a restarted simulated agent gives the same resource the same uid.
_UID_NAMESPACE = uuid.UUID("6f1b9d56-6c0e-4d55-9f1e-0b6a2f4c9a10")


def as_resource(item: dict[str, Any]) -> dict[str, Any]:
    """The served item as the Kubernetes object it describes: ``apiVersion`` added, the wire-only ``id`` dropped."""
    resource = {"apiVersion": API_VERSION, **copy.deepcopy(item)}
    resource.pop("id", None)
    return resource


def master_secret_name(resource: dict[str, Any]) -> str:
    return f"{resource['metadata']['name']}-master-secret"


def as_applied(item: dict[str, Any]) -> dict[str, Any]:
    """The ManagedKafka the agent creates: secrets moved to its master Secret, a uid, the secrets' digest."""
    resource = as_resource(item)
    secret = master_secret_name(resource)
    spec = resource.setdefault("spec", {})
    values: dict[str, str] = {}
    oauth = spec.get("oauth") or {}
    if oauth.get("clientId") is not None and oauth.get("clientSecret") is not None:
        values["oauth.ssoClientId"] = oauth.pop("clientId")
        values["oauth.ssoClientSecret"] = oauth.pop("clientSecret")
        oauth["clientIdRef"] = {"name": secret, "key": "oauth.ssoClientId"}
        oauth["clientSecretRef"] = {"name": secret, "key": "oauth.ssoClientSecret"}
    tls = (spec.get("endpoint") or {}).get("tls")
    if tls:
        values["endpoint.tls.crt"] = tls.pop("cert", "")
        values["endpoint.tls.key"] = tls.pop("key", "")
        tls["certRef"] = {"name": secret, "key": "endpoint.tls.crt"}
        tls["keyRef"] = {"name": secret, "key": "endpoint.tls.key"}
    for account in spec.get("serviceAccounts") or []:
        if account.get("name") == "canary":
            values["canary.sasl.principal"] = account.pop("principal", "")
            values["canary.sasl.password"] = account.pop("password", "")
            account["principalRef"] = {"name": secret, "key": "canary.sasl.principal"}
            account["passwordRef"] = {"name": secret, "key": "canary.sasl.password"}
    metadata = resource["metadata"]
    metadata["uid"] = uid(resource)
    metadata.setdefault("annotations", {})[MASTER_SECRET_DIGEST] = _digest(values)
    return resource


def _digest(values: dict[str, str]) -> str:
    """Changes when any secret changes, so a new canary password re-applies the resource."""
    digest = hashlib.sha1(usedforsecurity=False)
    for key in sorted(values):
        digest.update(values[key].encode())
    return digest.hexdigest()


def uid(resource: dict[str, Any]) -> str:
    metadata = resource["metadata"]
    placement = (metadata.get("annotations") or {}).get(PLACEMENT_ID, "")
    return str(uuid.uuid5(_UID_NAMESPACE, f"{metadata.get('namespace')}/{metadata['name']}/{placement}"))


def labels(managed_kafka: dict[str, Any]) -> dict[str, str]:
    return (managed_kafka.get("metadata") or {}).get("labels") or {}


def kafka_id(managed_kafka: dict[str, Any]) -> str:
    return ((managed_kafka.get("metadata") or {}).get("annotations") or {}).get(ID) or managed_kafka.get("id") or ""


def is_reserved(managed_kafka: dict[str, Any]) -> bool:
    return labels(managed_kafka).get(DEPLOYMENT) == "reserved"


def is_suspended(managed_kafka: dict[str, Any]) -> bool:
    return labels(managed_kafka).get(SUSPENDED) == "true"


def is_deleted(managed_kafka: dict[str, Any]) -> bool:
    return bool((managed_kafka.get("spec") or {}).get("deleted"))


def profile_type(managed_kafka: dict[str, Any]) -> str:
    return labels(managed_kafka).get(PROFILE_TYPE, "")


def streaming_units(managed_kafka: dict[str, Any]) -> int:
    """The units it takes on the cluster, as kas-fleetshard's capacity manager counts them (1 when unlabelled)."""
    try:
        return max(int(labels(managed_kafka).get(PROFILE_QUOTA_CONSUMED, "1")), 1)
    except ValueError:
        return 1


def capacity_bytes(managed_kafka: dict[str, Any], field: str) -> int | None:
    """A capacity quantity in whole bytes (``"50Mi"``, or an integer), None when absent."""
    value = ((managed_kafka.get("spec") or {}).get("capacity") or {}).get(field)
    if value is None or value == "":
        return None
    return int(parse_quantity(str(value)))
