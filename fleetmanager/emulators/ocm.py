"""An in-memory OCM cluster service (``/api/clusters_mgmt/v1``): OSD clusters that provision over simulated time.

Only what the fleet manager's OCM client uses is emulated (clusters, status, ingresses, add-on installations,
syncsets, identity providers, machine pools), with OCM's shapes and status codes: kind/id/href objects,
``...List`` envelopes, 201 on create, 204 on delete, 401 without a bearer token, and errors as ``{"kind": "Error",
"code": "CLUSTERS-MGMT-<status>", "reason": ...}``; a taken name or id is a 400 whose reason says it "already
exists". Clusters install for ``provision_seconds``, add-ons for ``addon_seconds`` and deleted clusters uninstall
for ``uninstall_seconds``, on a clock tests fast-forward with ``advance``. Any non-empty bearer token is accepted:
the tokens come from the SSO emulator, and checking them is the SSO client's tests' business.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fleetmanager.emulators.server import FaultInjectingEmulator, Query, Reply

API_PATH = "/api/clusters_mgmt/v1"
DEFAULT_OPENSHIFT_VERSION = "openshift-v4.11.22"
CLOUD_PROVIDERS = ("aws", "gcp")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

# OCM ids are 32 characters of this base-32 alphabet.
_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SEARCH_TERM = re.compile(r"^\s*(\w+)\s*=\s*'((?:[^']|'')*)'\s*$")
# Fields OCM accepts on create but never shows again.
_WRITE_ONLY = re.compile(r"secret|private_key|password", re.IGNORECASE)
_CLUSTER = r"^/v1/clusters/(?P<cluster>[^/]+)"
_ITEM = r"/(?P<item>[^/]+)$"


def ocm_error(status: int, reason: str) -> Reply:
    code = str(status)
    body = {
        "kind": "Error",
        "id": code,
        "href": f"{API_PATH}/errors/{code}",
        "code": f"CLUSTERS-MGMT-{code}",
        "reason": reason,
        "operation_id": str(uuid.uuid4()),
    }
    return status, {}, body


@dataclass
class _Request:
    query: Query
    body: dict[str, Any]
    item: str = ""

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


@dataclass
class _Addon:
    id: str
    parameters: dict[str, str]
    ready_at: float
    failed: bool = False


@dataclass
class _Cluster:
    """A cluster; its state is derived from the emulator's clock when it is read."""

    id: str
    external_id: str
    name: str
    fields: dict[str, Any]  # what the create request set, write-only credentials dropped
    base_domain: str
    created: str
    ready_at: float
    failed: bool = False
    gone_at: float | None = None  # set by a delete: uninstalling until then, 404 after
    ingress_id: str = field(default_factory=lambda: _ocm_id()[:4])
    addons: dict[str, _Addon] = field(default_factory=dict)
    syncsets: dict[str, list[Any]] = field(default_factory=dict)
    identity_providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    machine_pools: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def href(self) -> str:
        return f"{API_PATH}/clusters/{self.id}"


_TopHandler = Callable[[_Request], Reply]
_ClusterHandler = Callable[[_Request, _Cluster], Reply]


class OCMEmulator(FaultInjectingEmulator):
    """OSD clusters in memory; thread-safe (every handler runs under ``self.lock``)."""

    def __init__(
        self, *, provision_seconds: float = 3.0, addon_seconds: float = 1.0, uninstall_seconds: float = 1.0
    ) -> None:
        super().__init__()
        self._defaults = (provision_seconds, addon_seconds, uninstall_seconds)
        self.provision_seconds, self.addon_seconds, self.uninstall_seconds = self._defaults
        # Deletes answer 404 without deleting, as if the cluster were already gone.
        self.fail_deletes_with_404 = False
        self._clock_offset = 0.0
        self._clusters: dict[str, _Cluster] = {}
        self._create_counts: dict[str, int] = {}
        self._rejections: list[tuple[str | None, int, str]] = []
        self._create_stalls: list[tuple[float, bool]] = []
        self._top_routes: list[tuple[re.Pattern[str], dict[str, _TopHandler]]] = [
            (re.compile(r"^/v1/clusters$"), {"GET": self._list_clusters, "POST": self._create_cluster}),
        ]
        self._cluster_routes: list[tuple[re.Pattern[str], dict[str, _ClusterHandler]]] = [
            (re.compile(rf"{_CLUSTER}$"), {"GET": self._get_cluster, "DELETE": self._delete_cluster}),
            (re.compile(rf"{_CLUSTER}/status$"), {"GET": self._cluster_status}),
            (re.compile(rf"{_CLUSTER}/ingresses$"), {"GET": self._list_ingresses}),
            (re.compile(rf"{_CLUSTER}/addons$"), {"GET": self._list_addons, "POST": self._install_addon}),
            (
                re.compile(rf"{_CLUSTER}/addons{_ITEM}"),
                {"GET": self._get_addon, "PATCH": self._patch_addon, "DELETE": self._delete_addon},
            ),
            (
                re.compile(rf"{_CLUSTER}/external_configuration/syncsets$"),
                {"GET": self._list_syncsets, "POST": self._create_syncset},
            ),
            (
                re.compile(rf"{_CLUSTER}/external_configuration/syncsets{_ITEM}"),
                {"GET": self._get_syncset, "PATCH": self._patch_syncset, "DELETE": self._delete_syncset},
            ),
            (
                re.compile(rf"{_CLUSTER}/identity_providers$"),
                {"GET": self._list_identity_providers, "POST": self._create_identity_provider},
            ),
            (
                re.compile(rf"{_CLUSTER}/identity_providers{_ITEM}"),
                {"GET": self._get_identity_provider, "DELETE": self._delete_identity_provider},
            ),
            (
                re.compile(rf"{_CLUSTER}/machine_pools$"),
                {"GET": self._list_machine_pools, "POST": self._create_machine_pool},
            ),
            (
                re.compile(rf"{_CLUSTER}/machine_pools{_ITEM}"),
                {"GET": self._get_machine_pool, "PATCH": self._patch_machine_pool, "DELETE": self._delete_machine_pool},
            ),
        ]

    # --- clock and test helpers --------------------------------------------------------------

    def now(self) -> float:
        """The emulator's clock: monotonic time plus everything ``advance`` added."""
        return time.monotonic() + self._clock_offset

    def advance(self, seconds: float) -> None:
        """Fast-forward the clock: installs, add-ons and uninstalls progress as if ``seconds`` had passed."""
        with self.lock:
            self._clock_offset += seconds

    def reset(self) -> None:
        with self.lock:
            super().reset()
            self.provision_seconds, self.addon_seconds, self.uninstall_seconds = self._defaults
            self.fail_deletes_with_404 = False
            self._clock_offset = 0.0
            self._clusters.clear()
            self._create_counts.clear()
            self._rejections.clear()
            self._create_stalls.clear()

    def reject_next(self, status: int, reason: str, *, count: int = 1, method: str | None = None) -> None:
        """Answer the next ``count`` authenticated requests (of ``method`` only, if given) with this OCM error.

        Unlike ``fail_next``, the answer has OCM's error shape, and ``method="POST"`` lets the lookups that
        precede a create pass.
        """
        with self.lock:
            self._rejections.extend([(method, status, reason)] * count)

    def stall_next_create(self, seconds: float, *, landed: bool) -> None:
        """Make the next cluster create wait ``seconds``; with ``seconds`` above the client's timeout, it times out.

        ``landed=True``: the cluster is created at once and only the answer waits, as when a response is lost.
        ``landed=False``: the request waits before it is handled, as a slow request that arrives late would.
        """
        with self.lock:
            self._create_stalls.append((seconds, landed))

    def fail_cluster(self, name_or_id: str) -> None:
        """The cluster's installation fails: its state becomes (and stays) ``error``."""
        with self.lock:
            self._lookup(name_or_id).failed = True

    def fail_addon(self, name_or_id: str, addon_id: str) -> None:
        with self.lock:
            self._lookup(name_or_id).addons[addon_id].failed = True

    def add_cluster(
        self,
        cluster_id: str,
        *,
        name: str = "customer-osd",
        cloud_provider: str = "aws",
        region: str = "us-east-1",
        multi_az: bool = True,
        ready: bool = True,
    ) -> dict[str, Any]:
        """Seed a cluster somebody else created (a customer's, for enterprise registration)."""
        body = {"name": name, "cloud_provider": {"id": cloud_provider}, "region": {"id": region}, "multi_az": multi_az}
        with self.lock:
            cluster = self._new_cluster(body)
            cluster.id = cluster_id
            cluster.ready_at = self.now() if ready else float("inf")
            self._clusters[cluster_id] = cluster
            return self._cluster_json(cluster)

    def create_counts(self) -> dict[str, int]:
        """How many ``POST /clusters`` were received per cluster name, answered or not."""
        with self.lock:
            return dict(self._create_counts)

    def clusters(self) -> list[dict[str, Any]]:
        with self.lock:
            self._purge()
            return [self._cluster_json(cluster) for cluster in self._clusters.values()]

    def cluster(self, name_or_id: str) -> dict[str, Any] | None:
        with self.lock:
            self._purge()
            found = self._find(name_or_id)
            return None if found is None else self._cluster_json(found)

    def addons(self, name_or_id: str) -> list[dict[str, Any]]:
        with self.lock:
            cluster = self._lookup(name_or_id)
            return [self._addon_json(cluster, addon) for addon in cluster.addons.values()]

    def syncsets(self, name_or_id: str) -> dict[str, list[Any]]:
        with self.lock:
            return json.loads(json.dumps(self._lookup(name_or_id).syncsets))

    def identity_providers(self, name_or_id: str) -> list[dict[str, Any]]:
        """As stored, client secrets included (the API never shows them)."""
        with self.lock:
            return json.loads(json.dumps(list(self._lookup(name_or_id).identity_providers.values())))

    def machine_pools(self, name_or_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return json.loads(json.dumps(list(self._lookup(name_or_id).machine_pools.values())))

    def _find(self, name_or_id: str) -> _Cluster | None:
        found = self._clusters.get(name_or_id)
        return found or next((c for c in self._clusters.values() if c.name == name_or_id), None)

    def _lookup(self, name_or_id: str) -> _Cluster:
        found = self._find(name_or_id)
        if found is None:
            raise LookupError(f"no emulated cluster named or with id {name_or_id!r}")
        return found

    def _purge(self) -> None:
        """Forget the clusters whose uninstall has finished."""
        now = self.now()
        for cluster_id in [c.id for c in self._clusters.values() if c.gone_at is not None and c.gone_at <= now]:
            del self._clusters[cluster_id]

    # --- dispatch -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        """Counts cluster creates on arrival, so even those answered by an injected fault are counted."""
        if (method, path) == ("POST", "/v1/clusters"):
            name = _dict(_json(body)).get("name")
            if isinstance(name, str):
                with self.lock:
                    self._create_counts[name] = self._create_counts.get(name, 0) + 1
        return super().handle(method, path, query, headers, body)

    def respond(self, method: str, path: str, query: Query, headers: Mapping[str, str], body: bytes) -> Reply:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return ocm_error(401, "Request doesn't contain the 'Authorization' header")
        rejection = self._take_rejection(method)
        if rejection is not None:
            return ocm_error(*rejection)
        parsed = _json(body) if body else {}
        if not isinstance(parsed, dict):
            return ocm_error(400, "Can't parse the request body: it must be a JSON object")
        stall = self._take_stall() if (method, path) == ("POST", "/v1/clusters") else None
        if stall is not None and not stall[1]:
            generation = self._generation
            time.sleep(stall[0])
            if generation != self._generation:
                return ocm_error(503, "The emulator was reset while the request waited")
        reply = self._dispatch(method, path, query, parsed)
        if stall is not None and stall[1]:
            time.sleep(stall[0])  # outside the lock: the new cluster is visible to other requests meanwhile
        return reply

    def _take_rejection(self, method: str) -> tuple[int, str] | None:
        with self.lock:
            for index, (only, status, reason) in enumerate(self._rejections):
                if only is None or only == method:
                    del self._rejections[index]
                    return status, reason
            return None

    def _take_stall(self) -> tuple[float, bool] | None:
        with self.lock:
            return self._create_stalls.pop(0) if self._create_stalls else None

    def _dispatch(self, method: str, path: str, query: Query, body: dict[str, Any]) -> Reply:
        for pattern, handlers in self._top_routes:
            if pattern.match(path):
                if method not in handlers:
                    return ocm_error(405, f"Method {method} is not allowed")
                with self.lock:
                    self._purge()
                    return handlers[method](_Request(query, body))
        for cluster_pattern, cluster_handlers in self._cluster_routes:
            match = cluster_pattern.match(path)
            if match is None:
                continue
            if method not in cluster_handlers:
                return ocm_error(405, f"Method {method} is not allowed")
            with self.lock:
                self._purge()
                cluster = self._clusters.get(match["cluster"])
                if cluster is None:
                    return ocm_error(404, f"Cluster '{match['cluster']}' not found")
                request = _Request(query, body, match.groupdict().get("item") or "")
                return cluster_handlers[method](request, cluster)
        return ocm_error(404, f"Can't find resource for path '{API_PATH}{path.removeprefix('/v1')}'")

    # --- clusters -----------------------------------------------------------------------------

    def _state(self, cluster: _Cluster) -> str:
        if cluster.gone_at is not None:
            return "uninstalling"
        if cluster.failed:
            return "error"
        return "ready" if self.now() >= cluster.ready_at else "installing"

    def _cluster_json(self, cluster: _Cluster) -> dict[str, Any]:
        state = self._state(cluster)
        return {
            "kind": "Cluster",
            "id": cluster.id,
            "href": cluster.href,
            "name": cluster.name,
            "external_id": cluster.external_id,
            "state": state,
            "status": {"kind": "ClusterStatus", "state": state, "description": _describe(state)},
            **json.loads(json.dumps(cluster.fields)),
            "dns": {"base_domain": cluster.base_domain},
            "api": {"url": f"https://api.{cluster.name}.{cluster.base_domain}:6443", "listening": "external"},
            "console": {"url": f"https://console-openshift-console.apps.{cluster.name}.{cluster.base_domain}"},
            "creation_timestamp": cluster.created,
        }

    def _list_clusters(self, request: _Request) -> Reply:
        criteria = _parse_search(request.arg("search"))
        if criteria is None:
            return ocm_error(400, f"Can't parse search query '{request.arg('search')}'")
        items = [self._cluster_json(c) for c in self._clusters.values()]
        items = [item for item in items if all(str(item.get(k)) == v for k, v in criteria.items())]
        try:
            page, size = int(request.arg("page", "1")), int(request.arg("size", "100"))
        except ValueError:
            return ocm_error(400, "Parameters 'page' and 'size' must be integers")
        return 200, {}, _list("ClusterList", items, page=max(page, 1), size=max(size, 0))

    def _create_cluster(self, request: _Request) -> Reply:
        name = request.body.get("name")
        problem = _cluster_problem(request.body)
        if problem:
            return ocm_error(400, problem)
        if any(c.name == name for c in self._clusters.values()):
            return ocm_error(400, f"Cluster name '{name}' already exists")
        cluster = self._new_cluster(request.body)
        self._clusters[cluster.id] = cluster
        return 201, {"Location": cluster.href}, self._cluster_json(cluster)

    def _new_cluster(self, body: dict[str, Any]) -> _Cluster:
        fields = {
            "cloud_provider": _link("CloudProviderLink", "cloud_providers", body["cloud_provider"]["id"]),
            "region": _link("CloudRegionLink", "cloud_providers/-/regions", body["region"]["id"]),
            "multi_az": bool(body.get("multi_az")),
            "version": _link(
                "VersionLink", "versions", _dict(body.get("version")).get("id") or DEFAULT_OPENSHIFT_VERSION
            ),
            "nodes": _dict(body.get("nodes")),
            "ccs": {"enabled": bool(_dict(body.get("ccs")).get("enabled"))},
            "managed": bool(body.get("managed", True)),
        }
        for provider in CLOUD_PROVIDERS:
            if isinstance(body.get(provider), dict):
                fields[provider] = _without_write_only(body[provider])
        return _Cluster(
            id=_ocm_id(),
            external_id=str(uuid.uuid4()),
            name=body["name"],
            fields=fields,
            base_domain=f"{secrets.token_hex(2)}.s1.devshift.org",
            created=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            ready_at=self.now() + self.provision_seconds,
        )

    def _get_cluster(self, request: _Request, cluster: _Cluster) -> Reply:
        return 200, {}, self._cluster_json(cluster)

    def _cluster_status(self, request: _Request, cluster: _Cluster) -> Reply:
        state = self._state(cluster)
        return 200, {}, {"kind": "ClusterStatus", "id": cluster.id, "state": state, "description": _describe(state)}

    def _delete_cluster(self, request: _Request, cluster: _Cluster) -> Reply:
        if self.fail_deletes_with_404:
            return ocm_error(404, f"Cluster '{cluster.id}' not found")
        if cluster.gone_at is None:
            cluster.gone_at = self.now() + self.uninstall_seconds
        return 204, {}, None

    def _list_ingresses(self, request: _Request, cluster: _Cluster) -> Reply:
        # The default router exists once the installation has finished.
        installed = not cluster.failed and self.now() >= cluster.ready_at
        ingress = {
            "kind": "Ingress",
            "id": cluster.ingress_id,
            "href": f"{cluster.href}/ingresses/{cluster.ingress_id}",
            "dns_name": f"apps.{cluster.name}.{cluster.base_domain}",
            "default": True,
            "listening": "external",
        }
        return 200, {}, _list("IngressList", [ingress] if installed else [])

    # --- add-ons ------------------------------------------------------------------------------

    def _addon_json(self, cluster: _Cluster, addon: _Addon) -> dict[str, Any]:
        if addon.failed:
            state = "failed"
        else:
            state = "ready" if not cluster.failed and self.now() >= addon.ready_at else "installing"
        items = [
            {"kind": "AddOnInstallationParameter", "id": key, "value": value}
            for key, value in sorted(addon.parameters.items())
        ]
        return {
            "kind": "AddOnInstallation",
            "id": addon.id,
            "href": f"{cluster.href}/addons/{addon.id}",
            "addon": {"kind": "AddOnLink", "id": addon.id, "href": f"{API_PATH}/addons/{addon.id}"},
            "cluster": {"kind": "ClusterLink", "id": cluster.id, "href": cluster.href},
            "state": state,
            "parameters": {"kind": "AddOnInstallationParameterList", "items": items},
        }

    def _list_addons(self, request: _Request, cluster: _Cluster) -> Reply:
        items = [self._addon_json(cluster, addon) for addon in cluster.addons.values()]
        return 200, {}, _list("AddOnInstallationList", items)

    def _install_addon(self, request: _Request, cluster: _Cluster) -> Reply:
        addon_id = _dict(request.body.get("addon")).get("id") or request.body.get("id")
        if not isinstance(addon_id, str) or not addon_id:
            return ocm_error(400, "Add-on installation must reference an add-on id")
        parameters = _parameters(request.body)
        if parameters is None:
            return ocm_error(400, "Add-on parameters must be a list of {id, value} strings")
        if addon_id in cluster.addons:
            return ocm_error(400, f"Add-on '{addon_id}' already exists on cluster '{cluster.id}'")
        # An add-on installs on a running cluster: it is ready addon_seconds after the cluster is.
        ready_at = max(self.now(), cluster.ready_at) + self.addon_seconds
        addon = cluster.addons[addon_id] = _Addon(addon_id, parameters, ready_at)
        return 201, {}, self._addon_json(cluster, addon)

    def _get_addon(self, request: _Request, cluster: _Cluster) -> Reply:
        addon = cluster.addons.get(request.item)
        return (200, {}, self._addon_json(cluster, addon)) if addon else _not_found("Add-on installation", request)

    def _patch_addon(self, request: _Request, cluster: _Cluster) -> Reply:
        addon = cluster.addons.get(request.item)
        if addon is None:
            return _not_found("Add-on installation", request)
        if "parameters" in request.body:
            parameters = _parameters(request.body)
            if parameters is None:
                return ocm_error(400, "Add-on parameters must be a list of {id, value} strings")
            addon.parameters = parameters
        return 200, {}, self._addon_json(cluster, addon)

    def _delete_addon(self, request: _Request, cluster: _Cluster) -> Reply:
        return (204, {}, None) if cluster.addons.pop(request.item, None) else _not_found("Add-on", request)

    # --- syncsets -----------------------------------------------------------------------------

    def _syncset_json(self, cluster: _Cluster, syncset_id: str) -> dict[str, Any]:
        return {
            "kind": "Syncset",
            "id": syncset_id,
            "href": f"{cluster.href}/external_configuration/syncsets/{syncset_id}",
            "resources": json.loads(json.dumps(cluster.syncsets[syncset_id])),
        }

    def _list_syncsets(self, request: _Request, cluster: _Cluster) -> Reply:
        return 200, {}, _list("SyncsetList", [self._syncset_json(cluster, sid) for sid in cluster.syncsets])

    def _create_syncset(self, request: _Request, cluster: _Cluster) -> Reply:
        syncset_id, resources = request.body.get("id"), request.body.get("resources")
        if not isinstance(syncset_id, str) or not _DNS_LABEL.match(syncset_id):
            return ocm_error(400, "Syncset id must be a DNS label")
        if not _is_object_list(resources):
            return ocm_error(400, "Syncset resources must be a list of objects")
        if syncset_id in cluster.syncsets:
            return ocm_error(400, f"Syncset '{syncset_id}' already exists")
        cluster.syncsets[syncset_id] = json.loads(json.dumps(resources))
        return 201, {}, self._syncset_json(cluster, syncset_id)

    def _get_syncset(self, request: _Request, cluster: _Cluster) -> Reply:
        if request.item not in cluster.syncsets:
            return _not_found("Syncset", request)
        return 200, {}, self._syncset_json(cluster, request.item)

    def _patch_syncset(self, request: _Request, cluster: _Cluster) -> Reply:
        if request.item not in cluster.syncsets:
            return _not_found("Syncset", request)
        resources = request.body.get("resources")
        if not _is_object_list(resources):
            return ocm_error(400, "Syncset resources must be a list of objects")
        cluster.syncsets[request.item] = json.loads(json.dumps(resources))
        return 200, {}, self._syncset_json(cluster, request.item)

    def _delete_syncset(self, request: _Request, cluster: _Cluster) -> Reply:
        return (
            (204, {}, None) if cluster.syncsets.pop(request.item, None) is not None else _not_found("Syncset", request)
        )

    # --- identity providers ---------------------------------------------------------------------

    def _identity_provider_json(self, cluster: _Cluster, stored: dict[str, Any]) -> dict[str, Any]:
        return {**_without_write_only(stored), "href": f"{cluster.href}/identity_providers/{stored['id']}"}

    def _list_identity_providers(self, request: _Request, cluster: _Cluster) -> Reply:
        items = [self._identity_provider_json(cluster, idp) for idp in cluster.identity_providers.values()]
        return 200, {}, _list("IdentityProviderList", items)

    def _create_identity_provider(self, request: _Request, cluster: _Cluster) -> Reply:
        body = request.body
        problem = _identity_provider_problem(body)
        if problem:
            return ocm_error(400, problem)
        if any(idp["name"] == body["name"] for idp in cluster.identity_providers.values()):
            return ocm_error(400, f"Identity provider with name '{body['name']}' already exists")
        stored = {**json.loads(json.dumps(body)), "kind": "IdentityProvider", "id": _ocm_id()}
        cluster.identity_providers[stored["id"]] = stored
        return 201, {}, self._identity_provider_json(cluster, stored)

    def _get_identity_provider(self, request: _Request, cluster: _Cluster) -> Reply:
        stored = cluster.identity_providers.get(request.item)
        if stored is None:
            return _not_found("Identity provider", request)
        return 200, {}, self._identity_provider_json(cluster, stored)

    def _delete_identity_provider(self, request: _Request, cluster: _Cluster) -> Reply:
        found = cluster.identity_providers.pop(request.item, None)
        return (204, {}, None) if found else _not_found("Identity provider", request)

    # --- machine pools --------------------------------------------------------------------------

    def _machine_pool_json(self, cluster: _Cluster, stored: dict[str, Any]) -> dict[str, Any]:
        return {**json.loads(json.dumps(stored)), "href": f"{cluster.href}/machine_pools/{stored['id']}"}

    def _list_machine_pools(self, request: _Request, cluster: _Cluster) -> Reply:
        items = [self._machine_pool_json(cluster, pool) for pool in cluster.machine_pools.values()]
        return 200, {}, _list("MachinePoolList", items)

    def _create_machine_pool(self, request: _Request, cluster: _Cluster) -> Reply:
        body = request.body
        pool_id = body.get("id")
        if not isinstance(pool_id, str) or not _DNS_LABEL.match(pool_id):
            return ocm_error(400, "Machine pool id must be a DNS label")
        if not isinstance(body.get("instance_type"), str) or not body["instance_type"]:
            return ocm_error(400, "Machine pool instance type is required")
        problem = _machine_pool_problem(body, multi_az=bool(cluster.fields["multi_az"]))
        if problem:
            return ocm_error(400, problem)
        if pool_id in cluster.machine_pools:
            return ocm_error(400, f"Machine pool with id '{pool_id}' already exists")
        stored = {"kind": "MachinePool", "id": pool_id, "instance_type": body["instance_type"], "labels": {}}
        stored.update({key: body[key] for key in ("autoscaling", "replicas", "labels", "taints") if key in body})
        cluster.machine_pools[pool_id] = json.loads(json.dumps(stored))
        return 201, {}, self._machine_pool_json(cluster, stored)

    def _get_machine_pool(self, request: _Request, cluster: _Cluster) -> Reply:
        stored = cluster.machine_pools.get(request.item)
        if stored is None:
            return _not_found("Machine pool", request)
        return 200, {}, self._machine_pool_json(cluster, stored)

    def _patch_machine_pool(self, request: _Request, cluster: _Cluster) -> Reply:
        stored = cluster.machine_pools.get(request.item)
        if stored is None:
            return _not_found("Machine pool", request)
        body = request.body
        if body.get("instance_type", stored["instance_type"]) != stored["instance_type"]:
            return ocm_error(400, "Attribute 'instance_type' of a machine pool cannot be changed")
        merged = {
            **stored,
            **{key: body[key] for key in ("autoscaling", "replicas", "labels", "taints") if key in body},
        }
        if "autoscaling" in body:
            merged.pop("replicas", None)
        elif "replicas" in body:
            merged.pop("autoscaling", None)
        problem = _machine_pool_problem(merged, multi_az=bool(cluster.fields["multi_az"]))
        if problem:
            return ocm_error(400, problem)
        cluster.machine_pools[request.item] = json.loads(json.dumps(merged))
        return 200, {}, self._machine_pool_json(cluster, merged)

    def _delete_machine_pool(self, request: _Request, cluster: _Cluster) -> Reply:
        found = cluster.machine_pools.pop(request.item, None)
        return (204, {}, None) if found else _not_found("Machine pool", request)


# --- validation (OCM's rules, as far as the fleet manager can trip over them) -----------------------------


def _cluster_problem(body: dict[str, Any]) -> str | None:
    name = body.get("name")
    if not isinstance(name, str) or len(name) > 54 or not _DNS_LABEL.match(name):
        return f"Cluster name '{name}' is not valid: use at most 54 lower-case letters, digits and '-'"
    provider = _dict(body.get("cloud_provider")).get("id")
    if provider not in CLOUD_PROVIDERS:
        return f"Cloud provider '{provider}' is not supported"
    if not _dict(body.get("region")).get("id"):
        return "Cluster region is required"
    nodes = _dict(body.get("nodes"))
    if not _dict(nodes.get("compute_machine_type")).get("id"):
        return "Compute machine type is required"
    return _replicas_problem(_dict(nodes.get("autoscale_compute")), multi_az=bool(body.get("multi_az")), what="nodes")


def _machine_pool_problem(pool: dict[str, Any], *, multi_az: bool) -> str | None:
    if "autoscaling" in pool:
        problem = _replicas_problem(_dict(pool["autoscaling"]), multi_az=multi_az, what="replicas")
    elif isinstance(pool.get("replicas"), int) and pool["replicas"] >= 0:
        problem = None if not multi_az or pool["replicas"] % 3 == 0 else "Multi-AZ replicas must be a multiple of 3"
    else:
        problem = "Machine pool needs 'replicas' or 'autoscaling'"
    if problem:
        return problem
    labels = pool.get("labels", {})
    if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
        return "Machine pool labels must map strings to strings"
    for taint in pool.get("taints") or []:
        if not isinstance(taint, dict) or not taint.get("key") or taint.get("effect") not in TAINT_EFFECTS:
            return f"Taints need a key and an effect among {', '.join(TAINT_EFFECTS)}"
    return None


def _replicas_problem(autoscaling: dict[str, Any], *, multi_az: bool, what: str) -> str | None:
    low, high = autoscaling.get("min_replicas"), autoscaling.get("max_replicas")
    if not isinstance(low, int) or not isinstance(high, int) or not 0 < low <= high:
        return f"Autoscaling {what} need 0 < min_replicas <= max_replicas"
    if multi_az and (low % 3 or high % 3):
        return f"Multi-AZ clusters need min and max {what} that are multiples of 3"
    return None


def _identity_provider_problem(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("name"), str) or not body["name"]:
        return "Identity provider name is required"
    if body.get("type") != "OpenIDIdentityProvider":
        return f"Identity provider type '{body.get('type')}' is not supported by this emulator"
    if body.get("mapping_method", "claim") not in ("claim", "lookup", "generate", "add"):
        return f"Mapping method '{body.get('mapping_method')}' is not valid"
    open_id = _dict(body.get("open_id"))
    missing = [key for key in ("client_id", "client_secret", "issuer") if not open_id.get(key)]
    return f"OpenID identity provider needs {', '.join(missing)}" if missing else None


# --- small helpers --------------------------------------------------------------------------------------


def _json(body: bytes) -> Any:
    """The decoded body, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None


def _ocm_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(32))


def _describe(state: str) -> str:
    return {"error": "Installation failed", "uninstalling": "Cluster is being uninstalled"}.get(state, "")


def _link(kind: str, collection: str, link_id: str) -> dict[str, str]:
    return {"kind": kind, "id": link_id, "href": f"{API_PATH}/{collection}/{link_id}"}


def _list(kind: str, items: list[dict[str, Any]], *, page: int = 1, size: int = 100) -> dict[str, Any]:
    window = items[(page - 1) * size : page * size]
    return {"kind": kind, "page": page, "size": len(window), "total": len(items), "items": window}


def _parse_search(search: str) -> dict[str, str] | None:
    """``name = 'x' and id = 'y'``: the part of OCM's search language the client uses; None if unparseable."""
    if not search.strip():
        return {}
    criteria = {}
    for term in re.split(r"\s+and\s+", search.strip(), flags=re.IGNORECASE):
        match = _SEARCH_TERM.match(term)
        if match is None:
            return None
        criteria[match[1]] = match[2].replace("''", "'")
    return criteria


def _parameters(body: dict[str, Any]) -> dict[str, str] | None:
    items = _dict(body.get("parameters")).get("items", [])
    if not isinstance(items, list):
        return None
    pairs = [(item.get("id"), item.get("value")) for item in items if isinstance(item, dict)]
    if len(pairs) != len(items) or not all(isinstance(k, str) and k and isinstance(v, str) for k, v in pairs):
        return None
    return dict(pairs)


def _without_write_only(value: dict[str, Any]) -> dict[str, Any]:
    """A copy without the credentials OCM accepts but never shows again."""
    copy: dict[str, Any] = {}
    for key, item in value.items():
        if _WRITE_ONLY.search(key):
            continue
        copy[key] = _without_write_only(item) if isinstance(item, dict) else json.loads(json.dumps(item))
    return copy


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _not_found(what: str, request: _Request) -> Reply:
    return ocm_error(404, f"{what} '{request.item}' not found")
