"""The admin API (§8): any Kafka of any organisation. Every call, read or write, is audited."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fleetmanager import audit, errors
from fleetmanager.api.exception_handler import translate
from fleetmanager.api.pagination import page_request, paginate
from fleetmanager.api.params import require_async, required_body
from fleetmanager.api.permissions import actor_of
from fleetmanager.api.schema import ASYNC_PARAMETER, LIST_PARAMETERS, error_responses
from kafkas import selectors, services
from kafkas.admin_api.permissions import AdminBearerAuthentication, IsFleetAdmin
from kafkas.admin_api.serializers import (
    AdminKafkaListSerializer,
    AdminKafkaSerializer,
    AdminKafkaUpdateSerializer,
    RejectUnknownFields,
    RevocationSerializer,
)

TAGS = ["Admin APIs"]


def _valid(serializer: RejectUnknownFields) -> dict[str, Any]:
    """The body's values; a bad body raises the ServiceError the client sees, so the audit records it as refused."""
    unknown = serializer.unknown_fields()
    if unknown:
        raise errors.ServiceError(
            errors.FIELD_VALIDATION, f"Field validation failed: unknown field(s) {', '.join(unknown)}"
        )
    if not serializer.is_valid():
        raise translate(serializers.ValidationError(serializer.errors))
    return dict(serializer.validated_data)


def _body(request: Request) -> dict[str, Any]:
    return dict(request.data) if isinstance(request.data, dict) else {"body": request.data}


@extend_schema_view(
    list=extend_schema(
        operation_id="getKafkas",
        tags=TAGS,
        parameters=LIST_PARAMETERS,
        responses={200: AdminKafkaListSerializer, **error_responses(400, 401, 403, 500)},
    ),
    retrieve=extend_schema(
        operation_id="getKafkaById",
        tags=TAGS,
        responses={200: AdminKafkaSerializer, **error_responses(401, 403, 404, 500)},
    ),
    partial_update=extend_schema(
        operation_id="updateKafkaById",
        tags=TAGS,
        request=AdminKafkaUpdateSerializer,
        responses={200: AdminKafkaSerializer, **error_responses(400, 401, 403, 404, 500)},
    ),
    destroy=extend_schema(
        operation_id="deleteKafkaById",
        tags=TAGS,
        parameters=[ASYNC_PARAMETER],
        responses={202: OpenApiResponse(description="Deletion accepted"), **error_responses(401, 403, 404, 500)},
    ),
    revoke_tls_certificate=extend_schema(
        operation_id="revokeKafkaTLSCertificateBKafkaID",
        tags=TAGS,
        request=RevocationSerializer,
        responses={
            204: OpenApiResponse(description="Kafka certificate successfully revoked"),
            **error_responses(400, 401, 403, 404, 500),
        },
    ),
)
class AdminKafkaViewSet(viewsets.ViewSet):
    authentication_classes = [AdminBearerAuthentication]
    permission_classes = [IsFleetAdmin]
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def list(self, request: Request) -> Response:
        query = dict(request.query_params.items())
        with audit.action(actor_of(request), "kafka.list", "kafka", "", request=query):
            page = page_request(request.query_params, context=selectors.LIST_CONTEXT)
            kafkas = selectors.kafka_list_any(
                search=request.query_params.get("search", ""), order_by=request.query_params.get("orderBy", "")
            )
            body = AdminKafkaListSerializer(paginate(kafkas, page)).data
        return Response(body)

    def retrieve(self, request: Request, id: str) -> Response:
        with audit.action(actor_of(request), "kafka.get", "kafka", id):
            kafka = selectors.kafka_get_any(id)
        return Response(AdminKafkaSerializer(kafka).data)

    def partial_update(self, request: Request, id: str) -> Response:
        actor = actor_of(request)
        with audit.action(actor, "kafka.update", "kafka", id, request=_body(request)):
            update = services.AdminUpdate(**_valid(AdminKafkaUpdateSerializer(data=required_body(request))))
            kafka = services.kafka_admin_update(actor=actor, kafka_id=id, update=update)
        return Response(AdminKafkaSerializer(kafka).data)

    def destroy(self, request: Request, id: str) -> Response:
        actor = actor_of(request)
        with audit.action(actor, "kafka.deprovision", "kafka", id, request=dict(request.query_params.items())):
            require_async(request)
            services.kafka_admin_deprovision(actor=actor, kafka_id=id)
        return Response(status=202)

    @action(detail=True, methods=["post"])
    def revoke_tls_certificate(self, request: Request, id: str) -> Response:
        actor = actor_of(request)
        with audit.action(actor, "kafka.revoke_tls_certificate", "kafka", id, request=_body(request)):
            payload = _valid(RevocationSerializer(data=required_body(request)))
            services.kafka_revoke_tls_certificate(
                actor=actor, kafka_id=id, revocation_reason=payload.get("revocation_reason")
            )
        return Response(status=204)
