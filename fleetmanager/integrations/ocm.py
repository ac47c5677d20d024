"""Client of the OCM cluster service (``/api/clusters_mgmt/v1``), which builds and runs the OSD data-plane clusters.

The fleet manager asks OCM for an OpenShift Dedicated cluster when it scales up, then dresses it (BEHAVIOUR.md
§6.3-6.7): machine pools per Kafka instance type, the ``Kafka_SRE`` identity provider, the syncset of cluster-wide
resources and the Strimzi / fleetshard add-ons. No lease can fence a call to OCM, so every write is idempotent:
check, then create, keyed by a deterministic name or id; an "already exists" answer means another worker (or an
earlier attempt whose answer was lost) got there first, and the existing object is used. Cluster creation is the
one POST never retried blindly: each new attempt starts by looking the name up.

Secrets (the client secret, tokens, cloud credentials, IDP client secrets, add-on parameters named like
``*secret*``) never reach a log line or an exception message.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.integrations.http import AuthorizedAPI, IntegrationError, json_object, json_or_none

logger = logging.getLogger(__name__)

API_PATH = "/api/clusters_mgmt/v1"
DEFAULT_BACKOFF_SECONDS = 0.5
# Keys whose values are credentials wherever they appear (cloud credentials, add-on parameters, IDP bodies).
_SECRET_KEY = re.compile(r"secret|password|token|private_key|access_key", re.IGNORECASE)
_ALREADY_EXISTS = re.compile(r"already (exists|installed)", re.IGNORECASE)


class OCMError(IntegrationError):
    service = "ocm"


class ClusterState(StrEnum):
    """OCM's cluster states the fleet manager acts on; OCM has a few more (``validating``, ``hibernating``)."""

    WAITING = "waiting"
    PENDING = "pending"
    INSTALLING = "installing"
    READY = "ready"
    ERROR = "error"
    UNINSTALLING = "uninstalling"


class AddonState(StrEnum):
    INSTALLING = "installing"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class ClusterSpec:
    """An OSD cluster to ask for (BEHAVIOUR.md §6.4).

    ``cloud_credentials`` are OCM's provider blocks, merged into the request as they are (``{"aws": {"account_id",
    "access_key_id", "secret_access_key"}}`` or ``{"gcp": {...service account...}}``); giving any turns on CCS,
    the customer-cloud-subscription mode the fleet manager's clusters run in.
    """

    name: str
    cloud_provider: str
    region: str
    multi_az: bool
    compute_machine_type: str
    compute_min_nodes: int
    compute_max_nodes: int
    openshift_version: str = ""  # e.g. "openshift-v4.11.22"; empty lets OCM pick its default
    cloud_credentials: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class OCMCluster:
    """A cluster as OCM describes it; ``raw`` is OCM's JSON for anything not lifted into a field."""

    id: str
    external_id: str  # empty until OCM assigns it
    name: str
    state: str
    cloud_provider: str
    region: str
    multi_az: bool
    base_domain: str
    api_url: str
    openshift_version: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def is_ready(self) -> bool:
        return self.state == ClusterState.READY


@dataclass(frozen=True)
class OCMAddon:
    """An add-on installation; its id is the add-on's id. Parameters may hold secrets: kept out of the repr."""

    id: str
    state: str
    parameters: dict[str, str] = field(repr=False)
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, order=True)
class Taint:
    key: str
    value: str
    effect: str  # NoSchedule, PreferNoSchedule or NoExecute


@dataclass(frozen=True)
class OCMMachinePool:
    id: str
    instance_type: str
    min_replicas: int
    max_replicas: int
    labels: dict[str, str]
    taints: tuple[Taint, ...]
    raw: dict[str, Any] = field(repr=False, compare=False)


class OCMClient:
    """The OCM cluster service, authenticated with an OAuth client-credentials token."""

    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        timeout: float = 30.0,
        retries: int = 3,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
    ) -> None:
        self._api_url = base_url.rstrip("/") + API_PATH
        self._api = AuthorizedAPI(
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            timeout=timeout,
            retries=retries,
            backoff_seconds=backoff_seconds,
            error_class=OCMError,
        )

    def close(self) -> None:
        self._api.close()

    # --- clusters -------------------------------------------------------------------------

    def find_cluster_by_name(self, name: str) -> OCMCluster | None:
        quoted = name.replace("'", "''")  # OCM's search language escapes a quote by doubling it
        search = f"name = '{quoted}'"
        response = self._call("GET", "/clusters", params={"search": search})
        self._expect(response, 200)
        return next((_cluster(item) for item in _items(response) if item.get("name") == name), None)

    def get_cluster(self, ocm_id: str) -> OCMCluster | None:
        response = self._call("GET", f"/clusters/{_segment(ocm_id)}")
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return _cluster(_json_object(response))

    def create_cluster(self, spec: ClusterSpec) -> OCMCluster:
        """The cluster named ``spec.name``: the existing one, or a new one (never a second one).

        A POST whose answer is lost (timeout, 5xx from a proxy) may still have created the cluster, so it is not
        resent as such: every attempt first looks the name up, and a "name already exists" answer returns the
        cluster that holds it.
        """
        body = _cluster_body(spec)
        secrets = _secret_values(spec.cloud_credentials)
        return self._api.find_or_create(
            f"creating cluster {spec.name}",
            find=lambda: self.find_cluster_by_name(spec.name),
            create=lambda: self._post_cluster(spec.name, body, secrets),
        )

    def delete_cluster(self, ocm_id: str) -> bool:
        """True when OCM accepted the deletion (the cluster uninstalls for a while); False when it is gone."""
        response = self._call("DELETE", f"/clusters/{_segment(ocm_id)}")
        if response.status_code == 404:
            return False
        self._expect(response, 204)
        logger.info("ocm: deleting cluster %s", ocm_id)
        return True

    def default_ingress_dns(self, ocm_id: str) -> str | None:
        """The default router's DNS name (``apps.<name>.<base domain>``); None until OCM knows it."""
        response = self._call("GET", f"/clusters/{_segment(ocm_id)}/ingresses")
        self._expect(response, 200)
        return next((str(i["dns_name"]) for i in _items(response) if i.get("default") and i.get("dns_name")), None)

    def _post_cluster(self, name: str, body: dict[str, Any], secrets: Sequence[str]) -> OCMCluster:
        response = self._call("POST", "/clusters", json=body, idempotent=False)
        if response.status_code == 201:
            cluster = _cluster(_json_object(response))
            logger.info("ocm: created cluster %s (%s)", name, cluster.id)
            return cluster
        if not _already_exists(response):
            raise self._error(response, secrets)
        existing = self.find_cluster_by_name(name)
        if existing is None:
            # Deleted again between our two calls: let the caller decide later.
            raise OCMError(f"cluster {name} conflicted on create but no longer exists", retryable=True)
        logger.info("ocm: cluster %s was created concurrently; using %s", name, existing.id)
        return existing

    # --- add-ons ----------------------------------------------------------------------------

    def get_addon(self, ocm_id: str, addon_id: str) -> OCMAddon | None:
        response = self._call("GET", _addon_path(ocm_id, addon_id))
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return _addon(_json_object(response))

    def install_addon(self, ocm_id: str, addon_id: str, parameters: Mapping[str, str] | None = None) -> OCMAddon:
        """The add-on installed with ``parameters``: installed unless it is, its parameters updated if they differ."""
        wanted = dict(parameters or {})
        existing = self.get_addon(ocm_id, addon_id)
        if existing is None:
            body = {"addon": {"id": addon_id}, "parameters": _parameter_list(wanted)}
            # Safe to retry: a repeat of a POST that did land answers "already exists", handled below.
            path = f"/clusters/{_segment(ocm_id)}/addons"
            response = self._call("POST", path, json=body, idempotent=True)
            if response.status_code == 201:
                logger.info("ocm: installing add-on %s on cluster %s", addon_id, ocm_id)
                return _addon(_json_object(response))
            if not _already_exists(response):
                raise self._error(response, _secret_values(wanted))
            existing = self.get_addon(ocm_id, addon_id)
            if existing is None:
                raise OCMError(f"add-on {addon_id} conflicted on install but is not installed", retryable=True)
        return self._patch_parameters(ocm_id, existing, wanted)

    def update_addon_parameters(self, ocm_id: str, addon_id: str, parameters: Mapping[str, str]) -> OCMAddon:
        """Set the installed add-on's parameters (a no-op when they are already these)."""
        existing = self.get_addon(ocm_id, addon_id)
        if existing is None:
            raise OCMError(f"add-on {addon_id} is not installed on cluster {ocm_id}", status_code=404)
        return self._patch_parameters(ocm_id, existing, dict(parameters))

    def _patch_parameters(self, ocm_id: str, addon: OCMAddon, parameters: dict[str, str]) -> OCMAddon:
        if addon.parameters == parameters:
            return addon
        body = {"parameters": _parameter_list(parameters)}
        response = self._call("PATCH", _addon_path(ocm_id, addon.id), json=body, idempotent=True)
        self._expect(response, 200, _secret_values(parameters))
        logger.info("ocm: updated the parameters of add-on %s on cluster %s", addon.id, ocm_id)
        return _addon(_json_object(response))

    # --- syncsets ---------------------------------------------------------------------------

    def apply_syncset(self, ocm_id: str, syncset_id: str, resources: list[dict[str, Any]]) -> None:
        """Make the syncset hold exactly ``resources``: created, patched, or left alone when identical."""
        secrets = _secret_values(resources)
        response = self._call("GET", _syncset_path(ocm_id, syncset_id))
        if response.status_code == 404:
            if self._create_syncset(ocm_id, syncset_id, resources, secrets):
                return
        elif response.status_code == 200:
            if _json_object(response).get("resources") == resources:
                return
        else:
            raise self._error(response, secrets)
        response = self._call(
            "PATCH", _syncset_path(ocm_id, syncset_id), json={"resources": resources}, idempotent=True
        )
        self._expect(response, 200, secrets)
        logger.info("ocm: updated syncset %s on cluster %s", syncset_id, ocm_id)

    def delete_syncset(self, ocm_id: str, syncset_id: str) -> bool:
        """True when deleted; False when there was nothing to delete."""
        response = self._call("DELETE", _syncset_path(ocm_id, syncset_id))
        if response.status_code == 404:
            return False
        self._expect(response, 204)
        logger.info("ocm: deleted syncset %s on cluster %s", syncset_id, ocm_id)
        return True

    def _create_syncset(
        self, ocm_id: str, syncset_id: str, resources: list[dict[str, Any]], secrets: Sequence[str]
    ) -> bool:
        """True when created; False when it already exists (created concurrently: the caller patches it)."""
        body = {"kind": "Syncset", "id": syncset_id, "resources": resources}
        path = f"/clusters/{_segment(ocm_id)}/external_configuration/syncsets"
        response = self._call("POST", path, json=body, idempotent=True)
        if response.status_code == 201:
            logger.info("ocm: created syncset %s on cluster %s", syncset_id, ocm_id)
            return True
        if not _already_exists(response):
            raise self._error(response, secrets)
        return False

    # --- identity providers -------------------------------------------------------------------

    def ensure_identity_provider(
        self, ocm_id: str, *, name: str, client_id: str, client_secret: str, issuer: str
    ) -> str:
        """The id of the cluster's identity provider called ``name``, an OpenID one created unless it exists.

        An existing provider is returned as it is: OCM never shows its client secret, so there is nothing to
        compare it with.
        """
        found = self._identity_provider_id(ocm_id, name)
        if found is not None:
            return found
        path = f"/clusters/{_segment(ocm_id)}/identity_providers"
        body = _identity_provider_body(name, client_id, client_secret, issuer)
        response = self._call("POST", path, json=body, idempotent=True)
        if response.status_code == 201:
            created = str(_json_object(response).get("id") or "")
            if not created:
                raise OCMError.from_response(response, "the created identity provider has no id")
            logger.info("ocm: created identity provider %s (%s) on cluster %s", name, created, ocm_id)
            return created
        if not _already_exists(response):
            raise self._error(response, [client_secret])
        found = self._identity_provider_id(ocm_id, name)
        if found is None:
            raise OCMError(f"identity provider {name} conflicted on create but does not exist", retryable=True)
        return found

    def _identity_provider_id(self, ocm_id: str, name: str) -> str | None:
        response = self._call("GET", f"/clusters/{_segment(ocm_id)}/identity_providers")
        self._expect(response, 200)
        return next((str(item["id"]) for item in _items(response) if item.get("name") == name), None)

    # --- machine pools ----------------------------------------------------------------------

    def get_machine_pool(self, ocm_id: str, pool_id: str) -> OCMMachinePool | None:
        response = self._call("GET", _machine_pool_path(ocm_id, pool_id))
        if response.status_code == 404:
            return None
        self._expect(response, 200)
        return _machine_pool(_json_object(response))

    def ensure_machine_pool(
        self,
        ocm_id: str,
        *,
        pool_id: str,
        instance_type: str,
        min_replicas: int,
        max_replicas: int,
        labels: Mapping[str, str] | None = None,
        taints: Iterable[Taint] = (),
    ) -> OCMMachinePool:
        """The autoscaled pool ``pool_id``: created, or its autoscaling, labels and taints patched when they differ.

        OCM cannot change a pool's instance type; a pool of another type is logged and otherwise left alone.
        """
        taint_tuple = tuple(sorted(taints))
        wanted = OCMMachinePool(pool_id, instance_type, min_replicas, max_replicas, dict(labels or {}), taint_tuple, {})
        existing = self.get_machine_pool(ocm_id, pool_id)
        if existing is None:
            path = f"/clusters/{_segment(ocm_id)}/machine_pools"
            response = self._call("POST", path, json=_machine_pool_body(wanted), idempotent=True)
            if response.status_code == 201:
                logger.info("ocm: created machine pool %s on cluster %s", pool_id, ocm_id)
                return _machine_pool(_json_object(response))
            if not _already_exists(response):
                raise self._error(response)
            existing = self.get_machine_pool(ocm_id, pool_id)
            if existing is None:
                raise OCMError(f"machine pool {pool_id} conflicted on create but does not exist", retryable=True)
        return self._update_machine_pool(ocm_id, existing, wanted)

    def _update_machine_pool(self, ocm_id: str, existing: OCMMachinePool, wanted: OCMMachinePool) -> OCMMachinePool:
        if existing.instance_type != wanted.instance_type:
            logger.warning(
                "ocm: machine pool %s on cluster %s runs %s, not %s; OCM cannot change a pool's instance type",
                existing.id,
                ocm_id,
                existing.instance_type,
                wanted.instance_type,
            )
        changes = _machine_pool_changes(existing, wanted)
        if not changes:
            return existing
        response = self._call("PATCH", _machine_pool_path(ocm_id, existing.id), json=changes, idempotent=True)
        self._expect(response, 200)
        logger.info("ocm: updated %s of machine pool %s on cluster %s", ", ".join(changes), existing.id, ocm_id)
        return _machine_pool(_json_object(response))

    # --- API plumbing -----------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._api.call(method, self._api_url + path, **kwargs)

    def _expect(self, response: requests.Response, status: int, secrets: Sequence[str] = ()) -> None:
        if response.status_code != status:
            raise self._error(response, secrets)

    def _error(self, response: requests.Response, secrets: Sequence[str] = ()) -> OCMError:
        return OCMError.from_response(response, self._api.token.redact(_error_detail(response), secrets))


# --- request bodies -------------------------------------------------------------------------------


def _cluster_body(spec: ClusterSpec) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Cluster",
        "name": spec.name,
        "cloud_provider": {"kind": "CloudProviderLink", "id": spec.cloud_provider},
        "region": {"kind": "CloudRegionLink", "id": spec.region},
        "multi_az": spec.multi_az,
        "managed": True,
        "ccs": {"enabled": bool(spec.cloud_credentials)},
        "nodes": {
            "compute_machine_type": {"kind": "MachineTypeLink", "id": spec.compute_machine_type},
            "autoscale_compute": {"min_replicas": spec.compute_min_nodes, "max_replicas": spec.compute_max_nodes},
        },
        **spec.cloud_credentials,
    }
    if spec.openshift_version:
        body["version"] = {"kind": "VersionLink", "id": spec.openshift_version}
    return body


def _parameter_list(parameters: Mapping[str, str]) -> dict[str, Any]:
    return {"items": [{"id": key, "value": value} for key, value in sorted(parameters.items())]}


def _identity_provider_body(name: str, client_id: str, client_secret: str, issuer: str) -> dict[str, Any]:
    """An OpenID provider whose users are mapped by claim (BEHAVIOUR.md §6.7)."""
    return {
        "kind": "IdentityProvider",
        "type": "OpenIDIdentityProvider",
        "name": name,
        "mapping_method": "claim",
        "open_id": {
            "client_id": client_id,
            "client_secret": client_secret,
            "issuer": issuer,
            "claims": {"email": ["email"], "preferred_username": ["preferred_username"], "name": ["name"]},
        },
    }


def _machine_pool_body(pool: OCMMachinePool) -> dict[str, Any]:
    return {
        "kind": "MachinePool",
        "id": pool.id,
        "instance_type": pool.instance_type,
        **_machine_pool_changes(None, pool),
    }


def _machine_pool_changes(existing: OCMMachinePool | None, wanted: OCMMachinePool) -> dict[str, Any]:
    """The PATCH body that turns ``existing`` into ``wanted``; every field when there is nothing yet."""
    changes: dict[str, Any] = {}
    if existing is None or (existing.min_replicas, existing.max_replicas) != (wanted.min_replicas, wanted.max_replicas):
        changes["autoscaling"] = {"min_replicas": wanted.min_replicas, "max_replicas": wanted.max_replicas}
    if existing is None or existing.labels != wanted.labels:
        changes["labels"] = wanted.labels
    if existing is None or tuple(sorted(existing.taints)) != tuple(sorted(wanted.taints)):
        changes["taints"] = [{"key": t.key, "value": t.value, "effect": t.effect} for t in wanted.taints]
    return changes


# --- responses --------------------------------------------------------------------------------------


def _cluster(payload: dict[str, Any]) -> OCMCluster:
    status = _dict(payload.get("status"))
    return OCMCluster(
        id=_required_id(payload, "cluster"),
        external_id=str(payload.get("external_id") or ""),
        name=str(payload.get("name") or ""),
        state=str(payload.get("state") or status.get("state") or ""),
        cloud_provider=_link_id(payload.get("cloud_provider")),
        region=_link_id(payload.get("region")),
        multi_az=bool(payload.get("multi_az")),
        base_domain=str(_dict(payload.get("dns")).get("base_domain") or ""),
        api_url=str(_dict(payload.get("api")).get("url") or ""),
        openshift_version=_link_id(payload.get("version")),
        raw=payload,
    )


def _addon(payload: dict[str, Any]) -> OCMAddon:
    items = _dict(payload.get("parameters")).get("items") or []
    parameters = {str(p["id"]): str(p.get("value", "")) for p in items if isinstance(p, dict) and "id" in p}
    addon_id = str(payload.get("id") or _link_id(payload.get("addon")))
    if not addon_id:
        raise OCMError("OCM answered with an add-on installation without an id", retryable=True)
    return OCMAddon(id=addon_id, state=str(payload.get("state") or ""), parameters=parameters, raw=payload)


def _machine_pool(payload: dict[str, Any]) -> OCMMachinePool:
    autoscaling = _dict(payload.get("autoscaling"))
    replicas = int(payload.get("replicas") or 0)  # a pool without autoscaling has a fixed size
    taints = tuple(
        sorted(
            Taint(str(t.get("key", "")), str(t.get("value", "")), str(t.get("effect", "")))
            for t in payload.get("taints") or []
            if isinstance(t, dict)
        )
    )
    return OCMMachinePool(
        id=_required_id(payload, "machine pool"),
        instance_type=str(payload.get("instance_type") or ""),
        min_replicas=int(autoscaling.get("min_replicas", replicas)),
        max_replicas=int(autoscaling.get("max_replicas", replicas)),
        labels={str(k): str(v) for k, v in _dict(payload.get("labels")).items()},
        taints=taints,
        raw=payload,
    )


def _required_id(payload: dict[str, Any], what: str) -> str:
    value = payload.get("id")
    if not isinstance(value, str) or not value:
        raise OCMError(f"OCM answered with a {what} without an id", retryable=True)
    return value


def _link_id(link: Any) -> str:
    return str(_dict(link).get("id") or "")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(response: requests.Response) -> list[dict[str, Any]]:
    """The objects of an OCM ``...List`` answer."""
    items = _json_object(response).get("items") or []
    return [item for item in items if isinstance(item, dict)]


def _json_object(response: requests.Response) -> dict[str, Any]:
    return json_object(response, OCMError)


def _already_exists(response: requests.Response) -> bool:
    """OCM refuses a taken name or id with a 400 (sometimes 409) whose reason says it already exists."""
    return response.status_code in (400, 409) and bool(_ALREADY_EXISTS.search(_error_detail(response)))


def _error_detail(response: requests.Response) -> str:
    """OCM's own words for a failure (``code: reason``), or an OAuth server's, kept short."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        return ""
    reason = payload.get("reason") or payload.get("error_description") or payload.get("error") or ""
    code = payload.get("code")
    detail = f"{code}: {reason}" if code and reason else str(reason)
    return detail[:300]


def _secret_values(value: Any, *, secret: bool = False) -> list[str]:
    """Every string found under a key that names a credential, at any depth, to redact from messages.

    Add-on parameters come as a flat ``{name: value}`` mapping (``sso-secret``), cloud credentials and
    resources as nested objects; the ``data``/``stringData`` of a Kubernetes Secret count whole.
    """
    if isinstance(value, str):
        return [value] if secret and value else []
    if isinstance(value, Mapping):
        in_secret_object = value.get("kind") == "Secret"
        found: list[str] = []
        for key, item in value.items():
            hides = secret or bool(_SECRET_KEY.search(str(key))) or (in_secret_object and key in ("data", "stringData"))
            found += _secret_values(item, secret=hides)
        return found
    if isinstance(value, list | tuple):
        return [found for item in value for found in _secret_values(item, secret=secret)]
    return []


def _segment(value: str) -> str:
    return quote(value, safe="")


def _addon_path(ocm_id: str, addon_id: str) -> str:
    return f"/clusters/{_segment(ocm_id)}/addons/{_segment(addon_id)}"


def _syncset_path(ocm_id: str, syncset_id: str) -> str:
    return f"/clusters/{_segment(ocm_id)}/external_configuration/syncsets/{_segment(syncset_id)}"


def _machine_pool_path(ocm_id: str, pool_id: str) -> str:
    return f"/clusters/{_segment(ocm_id)}/machine_pools/{_segment(pool_id)}"


# --- the process's client -----------------------------------------------------------------------------

_REQUIRED_SETTINGS = ("FLEET_OCM_BASE_URL", "FLEET_OCM_TOKEN_URL", "FLEET_OCM_CLIENT_ID", "FLEET_OCM_CLIENT_SECRET")


@functools.cache
def ocm_client() -> OCMClient:
    """The process's OCM client, built from the FLEET_OCM_* settings on first use."""
    if not settings.FLEET_OCM_ENABLED:
        raise ImproperlyConfigured("FLEET_OCM_ENABLED is false: clusters cannot be managed through OCM")
    missing = [name for name in _REQUIRED_SETTINGS if not getattr(settings, name, None)]
    if missing:
        raise ImproperlyConfigured(f"{', '.join(missing)} must be set to manage clusters through OCM")
    return OCMClient(
        base_url=settings.FLEET_OCM_BASE_URL,
        token_url=settings.FLEET_OCM_TOKEN_URL,
        client_id=settings.FLEET_OCM_CLIENT_ID,
        client_secret=settings.FLEET_OCM_CLIENT_SECRET,
        timeout=settings.FLEET_OCM_TIMEOUT_SECONDS,
        retries=settings.FLEET_OCM_RETRIES,
    )


def reset_ocm_client() -> None:
    """Drop the cached client (tests change the settings it was built from)."""
    if ocm_client.cache_info().currsize:
        ocm_client().close()
    ocm_client.cache_clear()
