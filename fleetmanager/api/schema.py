"""Shared pieces for drf-spectacular: the Error body and the common error responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

ERROR_DESCRIPTIONS = {
    400: "Validation errors occurred",
    401: "Auth token is invalid",
    403: "User not authorized to access the service",
    404: "No resource with the specified ID exists",
    409: "A conflict has been detected in the creation of this resource",
    500: "Unexpected error occurred",
}


class ErrorSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()
    code = serializers.CharField()
    reason = serializers.CharField()
    operation_id = serializers.CharField(required=False)


def list_serializer(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The upstream list envelope `{kind, page, size, total, items}` around ``item`` (schema only)."""
    fields = {
        "kind": serializers.CharField(),
        "page": serializers.IntegerField(),
        "size": serializers.IntegerField(),
        "total": serializers.IntegerField(),
        "items": item(many=True),
        "__module__": item.__module__,
    }
    return type(name, (serializers.Serializer,), fields)


ErrorListSerializer = list_serializer("ErrorListSerializer", ErrorSerializer)


class ObjectReferenceSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()


class VersionMetadataSerializer(ObjectReferenceSerializer):
    server_version = serializers.CharField(required=False)
    collections = ObjectReferenceSerializer(many=True, required=False)


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
