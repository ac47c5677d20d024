"""Panels that apps add to the SRE console's pages.

The console's Kafka page lives in the kafkas app, but what a data plane made of a Kafka is
the agents app's knowledge, and kafkas may not import agents. Apps register panel
providers at start-up (``AppConfig.ready``); the page asks for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    text: str  # shown as preformatted, read-only text
    note: str = ""


KafkaPanels = Callable[[Any], list[Panel]]
_kafka_panels: list[KafkaPanels] = []


def register_kafka_panels(provider: KafkaPanels) -> None:
    if provider not in _kafka_panels:
        _kafka_panels.append(provider)


def kafka_panels(kafka: Any) -> list[Panel]:
    return [panel for provider in _kafka_panels for panel in provider(kafka)]
