"""Custom resources checked the way a Kubernetes API server checks them, against their CRD.

A CRD's ``openAPIV3Schema`` is a *structural* schema: the API server refuses a field the
schema does not declare (strict field validation, what ``kubectl apply`` asks for) unless
the object is marked ``x-kubernetes-preserve-unknown-fields``. JSON Schema's default is
the opposite, so every object schema that declares properties is closed here
(``additionalProperties: false``); ``oneOf``/``anyOf`` branches are left alone, since in a
structural schema they only restate the declared properties. ``apiVersion`` and ``kind``
must name the CRD's version and kind, and ``metadata`` follows the API server's own
ObjectMeta rules (DNS names, label syntax), which the CRD does not spell out.

The keywords these CRDs use (type, properties, items, required, enum, minimum, maximum,
pattern, minItems, anyOf, oneOf, additionalProperties) mean the same in JSON Schema
draft 7, whose validator also gives us ``propertyNames`` for label keys.
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

CRD_DIR = Path(__file__).resolve().parent / "crds"
STRIMZI_KAFKA_CRD = "kafkas.kafka.strimzi.io-v1beta2.crd.yaml"
MANAGED_KAFKA_CRD = "managedkafkas.managedkafka.bf2.org-v1alpha1.crd.yaml"

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
# Label and annotation keys: an optional DNS-subdomain prefix and a name of at most 63 characters.
_KEY = {"type": "string", "pattern": rf"^({_DNS_LABEL}(\.{_DNS_LABEL})*/)?{_QUALIFIED_NAME}$"}
_LABEL_VALUE = {"type": "string", "maxLength": 63, "pattern": r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"}
_DNS_SUBDOMAIN = {"type": "string", "maxLength": 253, "pattern": rf"^{_DNS_LABEL}(\.{_DNS_LABEL})*$"}
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {
        "name": _DNS_SUBDOMAIN,
        "namespace": {"type": "string", "maxLength": 63, "pattern": rf"^{_DNS_LABEL}$"},
        "uid": {"type": "string", "minLength": 1},
        "resourceVersion": {"type": "string"},
        "generation": {"type": "integer"},
        "creationTimestamp": {"type": "string"},
        "labels": {"type": "object", "propertyNames": _KEY, "additionalProperties": _LABEL_VALUE},
        "annotations": {"type": "object", "propertyNames": _KEY, "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["apiVersion", "kind", "name", "uid"],
                "additionalProperties": False,
                "properties": {
                    "apiVersion": {"type": "string", "minLength": 1},
                    "kind": {"type": "string", "minLength": 1},
                    "name": {"type": "string", "minLength": 1},
                    "uid": {"type": "string", "minLength": 1},
                    "controller": {"type": "boolean"},
                    "blockOwnerDeletion": {"type": "boolean"},
                },
            },
        },
    },
}


class InvalidResource(ValueError):
    """What the API server would answer to an apply of this resource: every field it refuses."""

    def __init__(self, kind: str, name: str, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(f"{kind} {name!r} is invalid: " + "; ".join(errors))


@dataclass(frozen=True)
class CustomResourceDefinition:
    group: str
    version: str
    kind: str
    schema: dict[str, Any]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"


def load_crd(path: Path) -> CustomResourceDefinition:
    with path.open(encoding="utf-8") as stream:
        # The Strimzi CRD is half a megabyte: libyaml reads it four times faster when present.
        document = yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    (version,) = [v for v in document["spec"]["versions"] if v.get("storage")]
    return CustomResourceDefinition(
        group=document["spec"]["group"],
        version=version["name"],
        kind=document["spec"]["names"]["kind"],
        schema=version["schema"]["openAPIV3Schema"],
    )


def strict_schema(crd: CustomResourceDefinition) -> dict[str, Any]:
    """The CRD's schema as JSON Schema with the API server's strict field validation."""
    root = _closed(copy.deepcopy(crd.schema))
    root["properties"].update(
        apiVersion={"const": crd.api_version}, kind={"const": crd.kind}, metadata=copy.deepcopy(OBJECT_META)
    )
    root["required"] = sorted({*root.get("required", []), "apiVersion", "kind", "metadata"})
    root["additionalProperties"] = False
    return root


def _closed(node: dict[str, Any]) -> dict[str, Any]:
    if "properties" in node:
        for child in node["properties"].values():
            _closed(child)
        if "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
            node["additionalProperties"] = False
    if isinstance(node.get("additionalProperties"), dict):
        _closed(node["additionalProperties"])
    if isinstance(node.get("items"), dict):
        _closed(node["items"])
    return node


class ResourceValidator:
    def __init__(self, crd: CustomResourceDefinition) -> None:
        self.crd = crd
        self._validator = Draft7Validator(strict_schema(crd))

    def errors(self, resource: Any) -> list[str]:
        """Every refusal, as ``path: message``, in document order."""
        found = sorted(self._validator.iter_errors(resource), key=lambda e: [str(p) for p in e.absolute_path])
        return [f"{_path(error.absolute_path) or '(root)'}: {error.message}" for error in found]

    def validate(self, resource: Any) -> None:
        errors = self.errors(resource)
        if errors:
            name = (resource.get("metadata") or {}).get("name", "") if isinstance(resource, dict) else ""
            raise InvalidResource(self.crd.kind, str(name), errors)


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@functools.cache
def strimzi_kafka() -> ResourceValidator:
    return ResourceValidator(load_crd(CRD_DIR / STRIMZI_KAFKA_CRD))


@functools.cache
def managed_kafka() -> ResourceValidator:
    return ResourceValidator(load_crd(CRD_DIR / MANAGED_KAFKA_CRD))
