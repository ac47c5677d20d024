"""Cloud providers and regions (/cloud_providers) and enterprise clusters (/clusters)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clusters import enterprise, presenters, selectors
from clusters.serializers import (
    AddonParametersSerializer,
    CloudProviderListSerializer,
    CloudRegionListSerializer,
    EnterpriseClusterListSerializer,
    EnterpriseClusterPayloadSerializer,
    EnterpriseClusterRegistrationSerializer,
    EnterpriseClusterSerializer,
)
from fleetmanager import errors
from fleetmanager.api.permissions import IsAuthenticatedToken, principal_of
from fleetmanager.api.schema import ASYNC_PARAMETER, error_responses
from kafkas import selectors as kafka_selectors

PAGING = [
    OpenApiParameter("page", str, OpenApiParameter.QUERY, description="Page index (ignored: one page)"),
    OpenApiParameter("size", str, OpenApiParameter.QUERY, description="Items per page (ignored: one page)"),
]


def _single_page(kind: str, items: list) -> dict:
    # Upstream ignores page/size here and always answers one page with everything.
    return {"kind": kind, "page": 1, "size": len(items), "total": len(items), "items": items}


class CloudProviderListView(APIView):
    permission_classes = [IsAuthenticatedToken]

    @extend_schema(
        operation_id="getCloudProviders",
        parameters=PAGING,
        responses={200: CloudProviderListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request) -> Response:
        return Response(_single_page("CloudProviderList", selectors.cloud_providers()))


class CloudRegionListView(APIView):
    permission_classes = [IsAuthenticatedToken]

    @extend_schema(
        operation_id="getCloudProviderRegions",
        parameters=PAGING,
        responses={200: CloudRegionListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(_single_page("CloudRegionList", selectors.cloud_regions(id)))


class HasEnterpriseQuota(IsAuthenticatedToken):
    """Any trusted token whose organisation has enterprise quota (upstream skips the issuer and ACL checks)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        super().has_permission(request, view)
        enterprise.require_enterprise_quota(principal_of(request))
        return True


@extend_schema_view(
    list=extend_schema(
        operation_id="getEnterpriseOsdClusters",
        tags=["enterprise-dataplane-clusters"],
        responses={200: EnterpriseClusterListSerializer, **error_responses(400, 401, 403, 500)},
    ),
    create=extend_schema(
        operation_id="registerEnterpriseOsdCluster",
        tags=["enterprise-dataplane-clusters"],
        request=EnterpriseClusterPayloadSerializer,
        responses={200: EnterpriseClusterRegistrationSerializer, **error_responses(400, 401, 403, 409, 500)},
    ),
    retrieve=extend_schema(
        operation_id="getEnterpriseClusterById",
        tags=["enterprise-dataplane-clusters"],
        responses={200: EnterpriseClusterSerializer, **error_responses(401, 403, 404, 500)},
    ),
    destroy=extend_schema(
        operation_id="deleteEnterpriseClusterById",
        tags=["enterprise-dataplane-clusters"],
        parameters=[ASYNC_PARAMETER],
        responses={202: OpenApiResponse(description="Deleted"), **error_responses(400, 401, 403, 404, 500)},
    ),
    addon_parameters=extend_schema(
        operation_id="getEnterpriseClusterAddonParameters",
        tags=["enterprise-dataplane-clusters"],
        responses={200: AddonParametersSerializer, **error_responses(401, 403, 404, 500)},
    ),
)
class EnterpriseClusterViewSet(viewsets.ViewSet):
    permission_classes = [HasEnterpriseQuota]
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def list(self, request: Request) -> Response:
        clusters = list(enterprise.enterprise_clusters(principal_of(request)))
        used = kafka_selectors.cluster_units_used([c.cluster_id for c in clusters])
        items = [presenters.enterprise_cluster(c, used=used) for c in clusters]
        return Response({"kind": "ClusterList", "page": 1, "size": len(items), "total": len(items), "items": items})

    def create(self, request: Request) -> Response:
        payload = EnterpriseClusterPayloadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        cluster = enterprise.cluster_register(
            principal=principal_of(request), registration=enterprise.Registration(**payload.validated_data)
        )
        return Response(presenters.registration(cluster))

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(presenters.enterprise_cluster(enterprise.enterprise_cluster(principal_of(request), id)))

    def destroy(self, request: Request, id: str) -> Response:
        if request.query_params.get("async") != "true":
            raise errors.sync_not_supported()
        enterprise.cluster_deregister(principal=principal_of(request), cluster_id=id)
        return Response(status=202)

    @action(detail=True, methods=["get"], url_path="addon_parameters")
    def addon_parameters(self, request: Request, id: str) -> Response:
        return Response(presenters.addon_parameters(enterprise.addon_parameters_cluster(principal_of(request), id)))
