"""Run a simulated kas-fleetshard agent for one data-plane cluster."""

from __future__ import annotations

import functools
import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from agents.metrics_exporter import KafkaMetricsExporter
from agents.simulator import AgentFleet, AgentOptions, SimulatedAgent, TokenCache
from clusters import selectors as cluster_selectors
from clusters.models import ClusterStatus
from fleetmanager.devtokens import mint_token


class Command(BaseCommand):
    help = (
        "Simulate the kas-fleetshard agent of a data-plane cluster: report the cluster ready, poll its "
        "ManagedKafkas over HTTP, render each into the Strimzi Kafka kas-fleetshard would apply (YAML under "
        "--render-dir) and report each Installing -> Ready (or Deleted). Authenticates with a "
        "development token whose clientId is the cluster's agent client (kas-fleetshard-agent-<cluster id>)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--cluster-id", help="the data-plane cluster's cluster_id")
        target.add_argument(
            "--all-clusters",
            action="store_true",
            help="run an agent for every cluster that has agent credentials, starting them as clusters appear "
            "(what each new OSD cluster's add-on does; for auto scaling on one machine)",
        )
        parser.add_argument("--api-url", default="http://127.0.0.1:8000", help="fleet manager base URL")
        parser.add_argument("--client-id", default="", help="agent client id (default kas-fleetshard-agent-<id>)")
        parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between polls (1)")
        parser.add_argument("--resync-interval", type=float, default=10.0, help="seconds between cluster reports")
        parser.add_argument("--ready-after", type=float, default=0.0, help="seconds a Kafka stays Installing (0)")
        parser.add_argument("--failure-rate", type=float, default=0.0, help="share of Kafkas reported failed, 0..1")
        parser.add_argument("--capacity", type=int, default=100, help="streaming units reported per instance type")
        parser.add_argument(
            "--render-dir",
            default=str(settings.FLEET_AGENT_RENDER_DIR),
            help="write each cluster's ManagedKafka and Strimzi Kafka resources as YAML under DIR/<cluster id>/"
            "<namespace>/ (default FLEET_AGENT_RENDER_DIR, var/dataplane); '' keeps them in memory",
        )
        parser.add_argument("--once", action="store_true", help="poll once and exit")
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=None,
            help="serve the simulated Kafkas' metrics (§13) on 127.0.0.1:PORT/metrics for a Prometheus to scrape "
            "(0 picks a free port; default: not served)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FLEET_DEV_TOKENS:
            raise CommandError("the simulated agent needs development tokens, which production disables")
        if not 0.0 <= options["failure_rate"] <= 1.0:
            raise CommandError("--failure-rate must be between 0 and 1")
        if options["poll_interval"] <= 0:
            raise CommandError("--poll-interval must be positive")
        agent_options = AgentOptions(
            api_url=options["api_url"],
            cluster_id=options["cluster_id"] or "",
            poll_interval=options["poll_interval"],
            resync_interval=options["resync_interval"],
            ready_after=options["ready_after"],
            failure_rate=options["failure_rate"],
            capacity_units=options["capacity"],
            render_dir=options["render_dir"],
        )
        logging.getLogger("fleetmanager.agents.simulator").setLevel(logging.INFO)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        exporter = self._metrics_exporter(options["metrics_port"])
        if options["all_clusters"]:
            if options["once"] or options["client_id"]:
                raise CommandError("--once and --client-id go with --cluster-id, not --all-clusters")
            self.stdout.write(
                f"agents of every cluster with agent credentials polling {options['api_url']}; Ctrl-C stops them"
            )
            on_poll = exporter.observe if exporter else None
            AgentFleet(agent_options, token_for=_token_for, clusters=_clusters_with_agents, on_poll=on_poll).run(stop)
            return
        client_id = options["client_id"] or f"kas-fleetshard-agent-{options['cluster_id']}"
        agent = SimulatedAgent(options=agent_options, token=TokenCache(lambda: _mint(client_id)))
        if exporter is not None:
            agent.on_poll = functools.partial(exporter.observe, options["cluster_id"])
        if options["once"]:
            agent.tick()
            return
        self.stdout.write(
            f"agent of cluster {options['cluster_id']} polling {options['api_url']} "
            f"every {options['poll_interval']}s; Ctrl-C stops it"
        )
        agent.run(stop)

    def _metrics_exporter(self, port: int | None) -> KafkaMetricsExporter | None:
        if port is None:
            return None
        exporter = KafkaMetricsExporter()
        try:
            bound = exporter.serve(port)
        except OSError as exc:
            raise CommandError(f"cannot serve the Kafka metrics on 127.0.0.1:{port}: {exc}") from exc
        self.stdout.write(f"simulated Kafka metrics on http://127.0.0.1:{bound}/metrics")
        return exporter


def _mint(client_id: str) -> str:
    return mint_token(client_id=client_id, lifetime_seconds=3600)


def _token_for(cluster_id: str) -> TokenCache:
    client_id = cluster_selectors.agent_client_id(cluster_id)
    return TokenCache(lambda: _mint(client_id or f"kas-fleetshard-agent-{cluster_id}"))


def _clusters_with_agents() -> list[str]:
    """Clusters whose agent would be running: credentials issued, waiting for it or ready."""
    try:
        return cluster_selectors.clusters_with_agents(
            frozenset({ClusterStatus.WAITING_FOR_FLEETSHARD, ClusterStatus.READY})
        )
    finally:
        connection.close()  # this runs in a long-lived loop: do not keep a connection open between lookups
