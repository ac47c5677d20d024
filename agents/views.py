"""The data-plane agents' private API (`/agent-clusters/{id}/...`), as upstream's private contract."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents import prewarming, services
from agents.permissions import IsClusterAgent, IsObservabilityProxy, QuietBearerAuthentication
from agents.serializers import (
    AgentConfigSerializer,
    ClusterStatusSerializer,
    KafkaStatusesSerializer,
    ManagedKafkaListSerializer,
)
from fleetmanager.api.authentication import BearerTokenAuthentication
from fleetmanager.api.params import required_body
from fleetmanager.api.permissions import principal_of
from fleetmanager.api.schema import error_responses
from kafkas import selectors as kafka_selectors


class AgentView(APIView):
    authentication_classes = [QuietBearerAuthentication]
    permission_classes = [IsClusterAgent]
    cluster: Any  # set by IsClusterAgent


class AgentClusterView(AgentView):
    @extend_schema(
        operation_id="getKafkaAgent",
        tags=["Agent Clusters"],
        responses={200: AgentConfigSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(AgentConfigSerializer(self.cluster).data)


class AgentClusterStatusView(AgentView):
    @extend_schema(
        operation_id="updateAgentClusterStatus",
        tags=["Agent Clusters"],
        request=ClusterStatusSerializer,
        responses={204: OpenApiResponse(description="Cluster status is updated"), **error_responses(400, 404)},
    )
    def put(self, request: Request, id: str) -> Response:
        payload = ClusterStatusSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        services.cluster_status_report(cluster=self.cluster, report=payload.validated_data)
        return Response(status=204)


class AgentKafkasView(AgentView):
    @extend_schema(
        operation_id="getKafkas",
        tags=["Agent Clusters"],
        responses={200: ManagedKafkaListSerializer, **error_responses(400, 404)},
    )
    def get(self, request: Request, id: str) -> Response:
        kafkas = kafka_selectors.kafkas_on_data_plane(self.cluster.cluster_id)
        reserved = prewarming.reserved_kafkas(self.cluster)
        return Response(ManagedKafkaListSerializer({"kafkas": kafkas, "reserved": reserved}).data)


class AgentKafkaStatusView(AgentView):
    @extend_schema(
        operation_id="updateKafkaClusterStatus",
        tags=["Agent Clusters"],
        request=KafkaStatusesSerializer,
        responses={
            200: OpenApiResponse(description="Status is updated for Kafka clusters"),
            **error_responses(400, 404),
        },
    )
    def put(self, request: Request, id: str) -> Response:
        payload = KafkaStatusesSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        services.kafka_status_report(cluster=self.cluster, report=payload.validated_data)
        return Response(status=200)


class ObservabilityProxyVerificationView(APIView):
    """May this token send metrics for this data-plane cluster? 200 with no body when it may (§5.6)."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsObservabilityProxy]

    @extend_schema(
        operation_id="verifyObservatoriumProxyRequestValid",
        tags=["observatorium-proxy"],
        request=None,
        responses={
            200: OpenApiResponse(description="token is valid for provided cluster_external_id"),
            **error_responses(401, 403, 500),
        },
    )
    def post(self, request: Request, cluster_external_id: str) -> Response:
        services.verify_observability_token(principal=principal_of(request), external_id=cluster_external_id)
        return Response(status=200)
