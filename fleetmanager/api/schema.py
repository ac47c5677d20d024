"""Serializers and schema pieces every API shares: the Error body, list envelopes, common parameters."""

from __future__ import annotations

from dataclasses import dataclass

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from fleetmanager.api.fields import ConstantField, OmitEmptySerializer
from fleetmanager.errors import ErrorDefinition, ServiceError

ERROR_DESCRIPTIONS = {
    400: "Validation errors occurred",
    401: "Auth token is invalid",
    403: "User not authorized to access the service",
    404: "No resource with the specified ID exists",
    409: "A conflict has been detected in the creation of this resource",
    500: "Unexpected error occurred",
}


CODE_PREFIX = "KAFKAS-MGMT"
ERRORS_HREF = "/api/kafkas_mgmt/v1/errors/"


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error response says: a catalogue entry, the reason for this occurrence, the request's id."""

    definition: ErrorDefinition
    reason: str = ""
    operation_id: str | None = None

    @classmethod
    def of(cls, error: ServiceError, operation_id: str | None = None) -> ErrorBody:
        return cls(error.definition, error.reason, operation_id)


class ErrorSerializer(OmitEmptySerializer):
    """Upstream's Error: ``{id, kind, href, code, reason, operation_id}``; renders an ``ErrorBody``."""

    always_present = ("id", "kind", "href", "code", "reason")

    id = serializers.SerializerMethodField()
    kind = ConstantField("Error")
    href = serializers.SerializerMethodField()
    code = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    operation_id = serializers.CharField(required=False)

    def get_id(self, body: ErrorBody) -> str:
        return str(body.definition.code)

    def get_href(self, body: ErrorBody) -> str:
        return f"{ERRORS_HREF}{body.definition.code}"

    def get_code(self, body: ErrorBody) -> str:
        return f"{CODE_PREFIX}-{body.definition.code}"

    def get_reason(self, body: ErrorBody) -> str:
        return body.reason or body.definition.reason


def list_serializer(name: str, item: type[serializers.Serializer], kind: str) -> type[serializers.Serializer]:
    """The upstream list envelope `{kind, page, size, total, items}` around ``item``; renders a ``Page``.

    The envelope is the whole body of a list action: without `many=False`, drf-spectacular
    would document it as an array of envelopes.
    """
    fields = {
        "kind": ConstantField(kind),
        "page": serializers.IntegerField(),
        "size": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "items": item(many=True),
        "__module__": item.__module__,
    }
    return extend_schema_serializer(many=False)(type(name, (serializers.Serializer,), fields))


ErrorListSerializer = list_serializer("ErrorListSerializer", ErrorSerializer, "ErrorList")


@dataclass(frozen=True, slots=True)
class Reference:
    """Upstream's ObjectReference: what a thing is and where it lives."""

    id: str
    kind: str
    href: str


@dataclass(frozen=True, slots=True)
class VersionMetadata(Reference):
    server_version: str = ""
    collections: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class ApiMetadata(Reference):
    versions: tuple[VersionMetadata, ...] = ()


class ObjectReferenceSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()


class VersionMetadataSerializer(ObjectReferenceSerializer):
    server_version = serializers.CharField(required=False)
    collections = ObjectReferenceSerializer(many=True, required=False)


class ApiMetadataSerializer(ObjectReferenceSerializer):
    versions = VersionMetadataSerializer(many=True)


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


ASYNC_PARAMETER = OpenApiParameter(
    "async", bool, OpenApiParameter.QUERY, required=True, description="Perform the action in an asynchronous manner"
)
LIST_PARAMETERS = [
    OpenApiParameter("page", str, OpenApiParameter.QUERY, description="Page index"),
    OpenApiParameter("size", str, OpenApiParameter.QUERY, description="Number of items in each page"),
    OpenApiParameter("orderBy", str, OpenApiParameter.QUERY, description="Order by criteria, e.g. `name asc`"),
    OpenApiParameter("search", str, OpenApiParameter.QUERY, description="Search criteria, e.g. `name = my-kafka`"),
]
