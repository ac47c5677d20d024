"""The console's view of what the simulated data plane runs for a Kafka: its resources as the agent wrote them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from agents.dataplane.state import DEPLOYMENTS_FILE, KAFKA_FILE, MANAGED_KAFKA_FILE
from agents.dataplane.store import RenderStore


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    text: str  # shown as preformatted, read-only text
    note: str = ""


FILES = (
    (MANAGED_KAFKA_FILE, "ManagedKafka (managedkafka.bf2.org/v1alpha1), as the agent applied it"),
    (KAFKA_FILE, "Kafka (kafka.strimzi.io/v1beta2), as the agent rendered it"),
    (DEPLOYMENTS_FILE, "Reserved capacity Deployments"),
)


def data_plane_panels(kafka: Any) -> list[Panel]:
    if not kafka.cluster_id:
        return []
    store = RenderStore(settings.FLEET_AGENT_RENDER_DIR / kafka.cluster_id)
    # The namespace the agent is served (agents/serializers.py).
    namespace = kafka.namespace or f"kafka-{kafka.id.lower()}"
    panels = []
    for name, title in FILES:
        path = store.path(namespace, name)
        try:
            text = path.read_text(encoding="utf-8")
            written = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        except FileNotFoundError:
            continue
        panels.append(Panel(title=title, text=text, note=f"{path} (written {written:%Y-%m-%d %H:%M:%S} UTC)"))
    if not panels:
        note = (
            f"Nothing under {store.root / namespace}: the simulated agent (manage.py fleetshard_agent) writes there "
            "once it runs this Kafka; a real data plane keeps its resources in its own cluster."
        )
        panels.append(Panel(title="Data-plane resources", text="", note=note))
    return panels
