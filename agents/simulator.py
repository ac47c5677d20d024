"""A simulated kas-fleetshard agent: drives the private API over HTTP like the real one.

It reports its cluster healthy (with capacity and Strimzi versions), polls the
ManagedKafkas it must run, and walks each one Installing -> Ready (with routes,
versions and an admin URL) or, when told ``deleted: true``, reports it Deleted.
What it runs is its data plane (``agents.dataplane``): each ManagedKafka rendered into
the Strimzi ``Kafka`` kas-fleetshard would apply, written as YAML under the render
directory when one is given; its capacity report follows from it, and a Kafka that does
not fit or cannot be rendered is reported Rejected or Error, as kas-fleetshard does.
Used by `manage.py fleetshard_agent`, `make run`, the end-to-end tests and the
benchmarks, so the whole loop runs on one machine.
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from agents.dataplane import managedkafka
from agents.dataplane.state import DataPlane, Outcome, Result
from agents.dataplane.store import RenderStore
from fleetmanager.outage import database_outage, database_unavailable

logger = logging.getLogger("fleetmanager.agents.simulator")

STRIMZI = [
    {
        "ready": True,
        "version": "strimzi-cluster-operator.v0.23.0-4",
        "kafkaVersions": ["2.7.0", "2.8.1", "3.1.0"],
        "kafkaIbpVersions": ["2.7", "2.8", "3.1"],
    }
]


@dataclass
class AgentOptions:
    api_url: str
    cluster_id: str
    poll_interval: float = 1.0
    resync_interval: float = 10.0
    ready_after: float = 0.0
    failure_rate: float = 0.0
    capacity_units: int = 100
    timeout: float = 10.0
    render_dir: str = ""  # where each cluster's resources are written (<dir>/<cluster id>/); "": in memory only


@dataclass
class _KafkaState:
    first_seen: float
    failed: bool


@dataclass
class SimulatedAgent:
    options: AgentOptions
    token: Callable[[], str]
    session: requests.Session = field(default_factory=requests.Session)
    random: random.Random = field(default_factory=random.Random)
    _kafkas: dict[str, _KafkaState] = field(default_factory=dict)
    _last_cluster_report: float = 0.0
    data_plane: DataPlane = field(init=False)

    def __post_init__(self) -> None:
        root = Path(self.options.render_dir) / self.options.cluster_id if self.options.render_dir else None
        self.data_plane = DataPlane(max_units=self.options.capacity_units, store=RenderStore(root) if root else None)

    # Told the ManagedKafkas of every poll (the metrics exporter of the simulated data plane).
    on_poll: Callable[[list[dict[str, Any]]], None] | None = None

    @property
    def base(self) -> str:
        return f"{self.options.api_url.rstrip('/')}/api/kafkas_mgmt/v1/agent-clusters/{self.options.cluster_id}"

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; failures are logged and retried on the next tick."""
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.tick()
            except requests.RequestException as exc:
                logger.warning("agent %s: %s", self.options.cluster_id, exc)
            stop.wait(max(0.0, self.options.poll_interval - (time.monotonic() - started)))

    def tick(self) -> None:
        """One poll: the cluster report when due, then the Kafkas. A failed cluster report is logged
        and tried again at the next resync; it never keeps the Kafkas' statuses from being reported."""
        now = time.monotonic()
        if not self._last_cluster_report or now - self._last_cluster_report >= self.options.resync_interval:
            self._last_cluster_report = now
            try:
                self.report_cluster()
            except requests.RequestException as exc:
                logger.warning("agent %s: cluster report failed: %s", self.options.cluster_id, exc)
        items = self._request("GET", "/kafkas").json().get("items", [])
        if self.on_poll is not None:
            self.on_poll(items)
        applied = self.data_plane.sync(items)
        statuses = {item["id"]: self._status_of(item, now, applied[item["id"]]) for item in items}
        if statuses:
            self._request("PUT", "/kafkas/status", json=statuses)
        # Forget Kafkas that are no longer served (deleted and removed from the list).
        for kafka_id in set(self._kafkas) - set(statuses):
            del self._kafkas[kafka_id]

    def report_cluster(self) -> None:
        # The data plane counts what it runs, and never reports a negative remaining capacity.
        capacity = {
            instance_type: {
                "maxUnits": self.options.capacity_units,
                "remainingUnits": self.data_plane.remaining_units(instance_type),
            }
            for instance_type in ("standard", "developer")
        }
        body = {"conditions": [{"type": "Ready", "status": "True"}], "capacity": capacity, "strimzi": STRIMZI}
        self._request("PUT", "/status", json=body)

    def _status_of(self, item: dict[str, Any], now: float, applied: Result) -> dict[str, Any]:
        spec = item.get("spec", {})
        if spec.get("deleted"):
            return {"conditions": [_condition("False", "Deleted")]}
        if applied.outcome in (Outcome.REJECTED, Outcome.ERROR):
            reason = "Rejected" if applied.outcome is Outcome.REJECTED else "Error"
            return {"conditions": [_condition("False", reason, applied.message)]}
        if managedkafka.is_reserved(item):  # ready while its pause pods hold their room
            if self.data_plane.holds_room(item["id"]):
                return {"conditions": [_condition("True", "")]}
            return {"conditions": [_condition("False", "Installing", "waiting for room: real Kafkas took it")]}
        if item.get("metadata", {}).get("labels", {}).get("bf2.org/suspended") == "true":
            return {"conditions": [_condition("False", "Suspended")]}
        state = self._kafkas.get(item["id"])
        if state is None:
            state = _KafkaState(first_seen=now, failed=self.random.random() < self.options.failure_rate)
            self._kafkas[item["id"]] = state
        if state.failed:
            return {"conditions": [_condition("False", "Error", "simulated failure")]}
        if now - state.first_seen < self.options.ready_after:
            return {"conditions": [_condition("False", "Installing")]}
        return self._ready(spec)

    def _ready(self, spec: dict[str, Any]) -> dict[str, Any]:
        host = spec.get("endpoint", {}).get("bootstrapServerHost", "")
        router = f"router-default.apps.{_cluster_domain(host)}"
        versions = spec.get("versions", {})
        return {
            "conditions": [_condition("True", "")],
            "versions": {k: versions.get(k, "") for k in ("kafka", "strimzi", "kafkaIbp")},
            "routes": [
                {"name": "bootstrap", "prefix": "", "router": router},
                {"name": "admin-server", "prefix": "admin-server", "router": router},
            ],
            "adminServerURI": f"https://admin-server-{host}",
        }

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(
            method,
            f"{self.base}{path}",
            headers={"Authorization": f"Bearer {self.token()}"},
            timeout=self.options.timeout,
            **kwargs,
        )
        if response.status_code >= 400:
            raise requests.HTTPError(
                f"{method} {path}: {response.status_code} {response.text[:200]}", response=response
            )
        return response


def _condition(status: str, reason: str, message: str = "") -> dict[str, str]:
    return {"type": "Ready", "status": status, "reason": reason, "message": message}


def _cluster_domain(bootstrap_host: str) -> str:
    """``<label>.kas.<domain>`` -> ``<domain>``: routers live on the cluster's apps domain."""
    rest = bootstrap_host.split(".", 1)[1] if "." in bootstrap_host else bootstrap_host
    return rest.removeprefix("kas.")


class TokenCache:
    """Mints an agent token and renews it a minute before it expires."""

    def __init__(self, mint: Callable[[], str], lifetime_seconds: int = 3600) -> None:
        self._mint = mint
        self._lifetime = lifetime_seconds
        self._token = ""
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            if time.monotonic() > self._expires - 60:
                self._token = self._mint()
                self._expires = time.monotonic() + self._lifetime
            return self._token


class AgentFleet:
    """One simulated agent per data-plane cluster that has agent credentials, started as clusters appear.

    This is what each new OSD cluster's kas-fleetshard add-on would do; it lets auto scaling run
    end to end on one machine.
    """

    def __init__(
        self,
        options: AgentOptions,
        token_for: Callable[[str], Callable[[], str]],
        clusters: Callable[[], list[str]],
        discover_interval: float = 2.0,
        on_poll: Callable[[str, list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._options = options
        self._token_for = token_for
        self._clusters = clusters
        self._discover_interval = discover_interval
        self._on_poll = on_poll
        self._agents: dict[str, tuple[threading.Thread, threading.Event]] = {}

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._discover()
            except Exception as exc:  # a failed lookup is retried at the next interval
                if database_unavailable(exc):  # once per outage, not a traceback every interval
                    database_outage.report(exc, "agent fleet")
                else:
                    logger.exception("agent fleet: could not list clusters")
            stop.wait(self._discover_interval)
        for _, cluster_stop in self._agents.values():
            cluster_stop.set()
        for thread, _ in self._agents.values():
            thread.join(timeout=10)

    def _discover(self) -> None:
        wanted = set(self._clusters())
        for cluster_id in wanted - set(self._agents):
            options = AgentOptions(**{**self._options.__dict__, "cluster_id": cluster_id})
            agent = SimulatedAgent(options=options, token=self._token_for(cluster_id))
            if self._on_poll is not None:
                agent.on_poll = functools.partial(self._on_poll, cluster_id)
            cluster_stop = threading.Event()
            thread = threading.Thread(target=agent.run, args=(cluster_stop,), daemon=True, name=f"agent-{cluster_id}")
            thread.start()
            self._agents[cluster_id] = (thread, cluster_stop)
            logger.info("agent fleet: started the agent of cluster %s", cluster_id)
        for cluster_id in set(self._agents) - wanted:
            thread, cluster_stop = self._agents.pop(cluster_id)
            cluster_stop.set()
            logger.info("agent fleet: stopped the agent of cluster %s", cluster_id)
