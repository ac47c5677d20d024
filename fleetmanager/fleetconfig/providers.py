"""`provider-configuration.yaml`: cloud providers, regions and per-type region limits."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.reader import Node

FILE = "provider-configuration.yaml"
KNOWN_PROVIDERS = ("aws", "gcp", "azure")
DISPLAY_NAMES = {"aws": "Amazon Web Services", "gcp": "Google Cloud Platform", "azure": "Microsoft Azure"}


@dataclass(frozen=True, slots=True)
class InstanceTypeLimit:
    """Region limit in streaming units; ``None`` means no limit at region level."""

    limit: int | None
    min_available_capacity_slack_streaming_units: int = 0


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    default: bool
    supported_instance_types: dict[str, InstanceTypeLimit]

    def supports(self, instance_type: str) -> bool:
        return instance_type in self.supported_instance_types


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    default: bool
    regions: tuple[Region, ...]

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES.get(self.name, self.name)

    def region(self, name: str) -> Region | None:
        return next((r for r in self.regions if r.name == name), None)

    def default_region(self) -> Region:
        return next(r for r in self.regions if r.default)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    providers: tuple[Provider, ...]

    def get(self, name: str) -> Provider | None:
        return next((p for p in self.providers if p.name == name), None)

    def default_provider(self) -> Provider:
        return next(p for p in self.providers if p.default)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.providers]


def _limit(node: Node) -> InstanceTypeLimit:
    limit = node.integer("limit", None, minimum=0)
    slack = node.integer("min_available_capacity_slack_streaming_units", 0, minimum=0)
    if limit is not None and slack > limit:
        raise node.error(f"must not exceed the limit ({limit})", "min_available_capacity_slack_streaming_units")
    return InstanceTypeLimit(limit=limit, min_available_capacity_slack_streaming_units=slack)


def _region(node: Node, instance_type_ids: tuple[str, ...]) -> Region:
    types_node = node.child("supported_instance_type")
    types: dict[str, InstanceTypeLimit] = {}
    for type_id in types_node.mapping():
        if type_id not in instance_type_ids:
            raise types_node.error(f"unknown instance type {type_id!r}; known: {', '.join(instance_type_ids)}")
        types[type_id] = _limit(types_node.child(type_id))
    return Region(name=node.string("name"), default=node.boolean("default", False), supported_instance_types=types)


def _provider(node: Node, instance_type_ids: tuple[str, ...]) -> Provider:
    name = node.string("name")
    if name not in KNOWN_PROVIDERS:
        raise node.error(f"{name!r} is not one of {', '.join(KNOWN_PROVIDERS)}", "name")
    regions = tuple(_region(item, instance_type_ids) for item in node.child("regions").items())
    defaults = [r.name for r in regions if r.default]
    if len(defaults) != 1:
        raise node.error(f"exactly one region must be the default, found {len(defaults)}", "regions")
    return Provider(name=name, default=node.boolean("default", False), regions=regions)


def parse_providers(document: object, instance_type_ids: tuple[str, ...]) -> ProviderConfig:
    root = Node(FILE, document)
    providers = tuple(_provider(item, instance_type_ids) for item in root.child("supported_providers").items())
    if not providers:
        raise root.error("must list at least one provider", "supported_providers")
    defaults = [p.name for p in providers if p.default]
    if len(defaults) != 1:
        raise root.error(f"exactly one provider must be the default, found {len(defaults)}", "supported_providers")
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        raise root.error("provider names must be unique", "supported_providers")
    return ProviderConfig(providers=providers)
