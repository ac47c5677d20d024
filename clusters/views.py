"""Cloud providers and regions (/cloud_providers) and enterprise clusters (/clusters)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import perform_import
from rest_framework.views import APIView

from clusters import capacity, selectors
from clusters.serializers import (
    AddonParametersSerializer,
    CloudProviderListSerializer,
    CloudRegionListSerializer,
    EnterpriseClusterListSerializer,
    EnterpriseClusterPayloadSerializer,
    EnterpriseClusterRegistrationSerializer,
    EnterpriseClusterSerializer,
)
from clusters.services import registration
from fleetmanager.api.pagination import single_page
from fleetmanager.api.params import require_async, required_body
from fleetmanager.api.permissions import IsAuthenticatedToken, principal_of
from fleetmanager.api.schema import ASYNC_PARAMETER, error_responses

PAGING = [
    OpenApiParameter("page", str, OpenApiParameter.QUERY, description="Page index (ignored: one page)"),
    OpenApiParameter("size", str, OpenApiParameter.QUERY, description="Items per page (ignored: one page)"),
]


class CloudProviderListView(APIView):
    permission_classes = [IsAuthenticatedToken]

    @extend_schema(
        operation_id="getCloudProviders",
        parameters=PAGING,
        responses={200: CloudProviderListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request) -> Response:
        # Upstream ignores page/size here and always answers one page with everything.
        return Response(CloudProviderListSerializer(single_page(selectors.cloud_providers())).data)


class CloudRegionListView(APIView):
    permission_classes = [IsAuthenticatedToken]

    @extend_schema(
        operation_id="getCloudProviderRegions",
        parameters=PAGING,
        responses={200: CloudRegionListSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request, id: str) -> Response:
        return Response(CloudRegionListSerializer(single_page(selectors.cloud_regions(id))).data)


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
    # Any trusted token whose organisation has enterprise quota (upstream skips the issuer and ACL
    # checks). Quota decides who that is; this app does not import it, so settings name the classes.
    permission_classes = perform_import(settings.ENTERPRISE_API_PERMISSION_CLASSES, "permission_classes")
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def list(self, request: Request) -> Response:
        clusters = list(selectors.enterprise_clusters(principal_of(request)))
        used = capacity.units_on_clusters([c.cluster_id for c in clusters])
        page = single_page(clusters)
        return Response(EnterpriseClusterListSerializer(page, context={"units_used": used}).data)

    def create(self, request: Request) -> Response:
        payload = EnterpriseClusterPayloadSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        cluster = registration.cluster_register(
            principal=principal_of(request), registration=registration.Registration(**payload.validated_data)
        )
        return Response(EnterpriseClusterRegistrationSerializer(cluster).data)

    def retrieve(self, request: Request, id: str) -> Response:
        return Response(EnterpriseClusterSerializer(selectors.enterprise_cluster(principal_of(request), id)).data)

    def destroy(self, request: Request, id: str) -> Response:
        require_async(request)
        registration.cluster_deregister(principal=principal_of(request), cluster_id=id)
        return Response(status=202)

    @action(detail=True, methods=["get"], url_path="addon_parameters")
    def addon_parameters(self, request: Request, id: str) -> Response:
        principal = principal_of(request)
        registration.require_org_admin(principal)
        return Response(AddonParametersSerializer(selectors.enterprise_cluster(principal, id)).data)
