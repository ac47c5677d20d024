"""Serializer fields shared by the APIs: strict input types, and upstream's output conventions.

Input: DRF's CharField turns 123 into "123" and BooleanField accepts "yes";
upstream's JSON decoder rejects both with 400/17, and so do the Strict fields.
Output: constant kinds, RFC 3339 timestamps, `{bytes}` quantities and omitted
empty fields, as upstream's Go encoder writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField

from fleetmanager.fleetconfig.quantities import quantity_bytes


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "must be a string"}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "must be true or false"}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "must be an integer"}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- output fields ----------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class ConstantField(serializers.Field):
    """A read-only string that is the same on every object (upstream's ``kind``)."""

    def __init__(self, value: str, **kwargs: Any) -> None:
        self.value = value
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance: Any) -> str:
        return self.value


@extend_schema_field(OpenApiTypes.DATETIME)
class TimestampField(serializers.Field):
    """RFC 3339 in UTC with a ``Z``, as upstream's Go encoder writes it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: datetime | None) -> str | None:
        return timestamp(value)


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class BytesValueSerializer(serializers.Serializer):
    """``{"bytes": N}`` from a Kubernetes quantity such as ``1000Gi``."""

    bytes = serializers.SerializerMethodField()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, quantity: str) -> dict[str, int]:
        return {"bytes": quantity_bytes(quantity)}

    def get_bytes(self, quantity: str) -> int:  # the schema of `bytes`; to_representation writes it
        return quantity_bytes(quantity)


# Output fields whose value is the instance's attribute as it is (a model's str, bool or int):
# read with one getattr instead of DRF's get_attribute/to_representation round trip.
_PLAIN_FIELDS = (serializers.CharField, serializers.BooleanField, serializers.IntegerField)


def _reader(field: serializers.Field) -> Callable[[Any], Any]:
    """How to read one output field from an instance, as DRF would, minus its per-field overhead."""
    if type(field) in _PLAIN_FIELDS and len(field.source_attrs) == 1:
        return attrgetter(field.source_attrs[0])
    if type(field) is TimestampField and len(field.source_attrs) == 1:
        get = attrgetter(field.source_attrs[0])
        return lambda instance: timestamp(get(instance))
    if isinstance(field, serializers.SerializerMethodField):
        return getattr(field.parent, field.method_name)
    if isinstance(field, ConstantField):
        value = field.value
        return lambda instance: value

    def read(instance: Any) -> Any:
        try:
            attribute = field.get_attribute(instance)
        except SkipField:
            return None
        return None if attribute is None else field.to_representation(attribute)

    return read


class OmitEmptySerializer(serializers.Serializer):
    """Output like upstream's Go encoder, whose fields are tagged ``omitempty``: empty strings and nulls are left out.

    The declared fields are the one description of the shape (the schema is generated from
    them); rendering reads them through readers built once per serializer (a list renders
    every row with one child serializer), because DRF's generic per-field path dominated the
    cost of a 100-item list.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = tuple((field.field_name, _reader(field)) for field in self._readable_fields)
        body: dict[str, Any] = {}
        for name, read in readers:
            value = read(instance)
            if value is not None and value != "":
                body[name] = value
        return body


class OmitEmptySchema(OpenApiSerializerExtension):
    """The schema of an ``OmitEmptySerializer``: what drf-spectacular generates, requiring only what is always there.

    drf-spectacular requires every read-only field of a response, which an omitempty encoder does
    not deliver: a client validating against the served schema would reject a Kafka without a
    ``cluster_id`` or a service account without a ``description``. Any field can be left out, so
    the schema requires only the constant fields and those a subclass names in its
    ``always_present`` tuple (never empty; upstream's contract requires the same ones).
    """

    target_class = OmitEmptySerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)  # noqa: SLF001
        serializer = self.target if isinstance(self.target, serializers.Serializer) else self.target()
        constant = {name for name, field in serializer.fields.items() if isinstance(field, ConstantField)}
        always = set(getattr(serializer, "always_present", ())) | constant
        required = [name for name in schema.get("required", ()) if name in always]
        schema.pop("required", None)
        if required:
            schema["required"] = required
        return schema
