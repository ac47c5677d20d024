"""The public Kafka API: /kafkas and /instance_types (thin: parse, one service call, serialize)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fleetmanager.api.instance_types import SupportedKafkaInstanceTypesListSerializer
from fleetmanager.api.pagination import page_request, paginate
from fleetmanager.api.params import require_async, required_body
from fleetmanager.api.permissions import principal_of
from fleetmanager.api.schema import ASYNC_PARAMETER, LIST_PARAMETERS, error_responses
from kafkas import selectors, services
from kafkas.catalog import instance_types_for_region
from kafkas.serializers import (
    KafkaCreateSerializer,
    KafkaPromoteSerializer,
    KafkaRequestListSerializer,
    KafkaRequestSerializer,
    KafkaUpdateSerializer,
)
from quota.terms import require_terms_accepted


@extend_schema_view(
    list=extend_schema(
        operation_id="getKafkas",
        parameters=LIST_PARAMETERS,
        responses={200: KafkaRequestListSerializer, **error_responses(400, 401, 403, 500)},
    ),
    create=extend_schema(
        operation_id="createKafka",
        parameters=[ASYNC_PARAMETER],
        request=KafkaCreateSerializer,
        responses={202: KafkaRequestSerializer, **error_responses(400, 401, 403, 404, 409, 500)},
    ),
    retrieve=extend_schema(
        operation_id="getKafkaById", responses={200: KafkaRequestSerializer, **error_responses(401, 403, 404, 500)}
    ),
    partial_update=extend_schema(
        operation_id="updateKafkaById",
        request=KafkaUpdateSerializer,
        responses={200: KafkaRequestSerializer, **error_responses(400, 401, 403, 404, 500)},
    ),
    promote=extend_schema(
        operation_id="promoteKafka",
        parameters=[ASYNC_PARAMETER],
        request=KafkaPromoteSerializer,
        responses={
            202: OpenApiResponse(description="Kafka promotion request accepted"),
            **error_responses(400, 401, 403, 404, 409, 500),
        },
    ),
    destroy=extend_schema(
        operation_id="deleteKafkaById",
        parameters=[ASYNC_PARAMETER],
        responses={202: OpenApiResponse(description="Deleted"), **error_responses(400, 401, 403, 404, 500)},
    ),
)
class KafkaViewSet(viewsets.ViewSet):
    lookup_url_kwarg = "id"  # upstream's path parameter name
    lookup_value_regex = "[^/]+"

    def list(self, request: Request) -> Response:
        page = page_request(request.query_params, context=selectors.LIST_CONTEXT)
        kafkas = selectors.kafka_list(
            principal=principal_of(request),
            search=request.query_params.get("search", ""),
            order_by=request.query_params.get("orderBy", ""),
        )
        return Response(KafkaRequestListSerializer(paginate(kafkas, page)).data)

    def create(self, request: Request) -> Response:
        # Upstream checks the terms in a middleware, before the handler reads anything.
        require_terms_accepted(principal_of(request))
        # Upstream decodes the body before any validator runs, so a bad body wins over async.
        payload = KafkaCreateSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        require_async(request)
        kafka = services.kafka_create(
            principal=principal_of(request), request=services.KafkaCreate(**payload.to_create_args())
        )
        return Response(KafkaRequestSerializer(kafka).data, status=202)

    def retrieve(self, request: Request, id: str) -> Response:
        kafka = selectors.kafka_get(principal=principal_of(request), kafka_id=id)
        return Response(KafkaRequestSerializer(kafka).data)

    def partial_update(self, request: Request, id: str) -> Response:
        payload = KafkaUpdateSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        kafka = services.kafka_update(principal=principal_of(request), kafka_id=id, **payload.validated_data)
        return Response(KafkaRequestSerializer(kafka).data)

    @action(detail=True, methods=["post"])
    def promote(self, request: Request, id: str) -> Response:
        payload = KafkaPromoteSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        require_async(request)
        services.kafka_promote(
            principal=principal_of(request), kafka_id=id, request=services.PromotionRequest(**payload.validated_data)
        )
        return Response(status=202)

    def destroy(self, request: Request, id: str) -> Response:
        require_async(request)
        services.kafka_delete(principal=principal_of(request), kafka_id=id)
        return Response(status=202)


class InstanceTypesView(APIView):
    @extend_schema(
        operation_id="getInstanceTypesByCloudProviderAndRegion",
        responses={200: SupportedKafkaInstanceTypesListSerializer, **error_responses(400, 401, 500)},
    )
    def get(self, request: Request, cloud_provider: str, cloud_region: str) -> Response:
        types = instance_types_for_region(cloud_provider, cloud_region)
        return Response(SupportedKafkaInstanceTypesListSerializer({"instance_types": types}).data)
