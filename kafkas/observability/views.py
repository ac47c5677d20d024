"""`/kafkas/{id}/metrics/query`, `/query_range` and `/federate` (thin: parse, one call of ``queries``, render)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fleetmanager import errors
from fleetmanager.api.permissions import principal_of
from fleetmanager.api.schema import error_responses
from kafkas.observability import queries
from kafkas.observability.federate import CONTENT_TYPE, federate_text
from kafkas.observability.permissions import IsUserOrServiceAccount
from kafkas.observability.serializers import MetricsInstantQueryListSerializer, MetricsRangeQueryListSerializer
from quota.permissions import AccessLists

FILTERS = OpenApiParameter(
    "filters",
    {"type": "array", "items": {"type": "string"}},
    OpenApiParameter.QUERY,
    description="List of metrics to fetch. Fetch all metrics when empty.",
)
DURATION = OpenApiParameter(
    "duration", OpenApiTypes.INT64, OpenApiParameter.QUERY, required=True, description="Minutes of metrics"
)
INTERVAL = OpenApiParameter(
    "interval", OpenApiTypes.INT64, OpenApiParameter.QUERY, required=True, description="Seconds between points"
)


def _filters(request: Request) -> list[str] | None:
    """Upstream keeps only the named metrics when `filters` is given at all."""
    return request.query_params.getlist("filters") or None


def _integer(request: Request, name: str) -> int:
    """A mandatory integer query parameter (400/21 otherwise, with upstream's reason)."""
    raw = request.query_params.get(name, "")
    try:
        return int(raw, 10)
    except ValueError:
        raise errors.bad_request(f"bad request, cannot parse query parameter '{name}' '{raw}'") from None


class MetricsQueryView(APIView):
    @extend_schema(
        operation_id="getMetricsByInstantQuery",
        parameters=[FILTERS],
        responses={200: MetricsInstantQueryListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request, id: str) -> Response:
        metrics = queries.kafka_metrics(principal=principal_of(request), kafka_id=id, filters=_filters(request))
        return Response(MetricsInstantQueryListSerializer(metrics).data)


class MetricsQueryRangeView(APIView):
    @extend_schema(
        operation_id="getMetricsByRangeQuery",
        parameters=[DURATION, INTERVAL, FILTERS],
        responses={200: MetricsRangeQueryListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request, id: str) -> Response:
        duration, interval = _integer(request, "duration"), _integer(request, "interval")
        metrics = queries.kafka_metrics_range(
            principal=principal_of(request),
            kafka_id=id,
            duration_minutes=duration,
            interval_seconds=interval,
            filters=_filters(request),
        )
        return Response(MetricsRangeQueryListSerializer(metrics).data)


class FederateView(APIView):
    permission_classes = [IsUserOrServiceAccount, AccessLists]

    @extend_schema(
        operation_id="federateMetrics",
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="Kafka metrics, Prometheus text"),
            **error_responses(400, 401, 404, 500),
        },
    )
    def get(self, request: Request, id: str) -> HttpResponse:
        try:
            metrics = queries.kafka_metrics(principal=principal_of(request), kafka_id=id, filters=None)
        except errors.ServiceError as exc:
            if exc.code == errors.NOT_FOUND:
                raise
            # Upstream answers every other failure with this reason (the log has the cause).
            raise errors.ServiceError(exc.code, f"error getting metrics: {exc.reason}") from exc
        return HttpResponse(federate_text(metrics.series), content_type=CONTENT_TYPE)
