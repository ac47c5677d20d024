"""Cloud providers and regions (/cloud_providers): any token signed by a trusted key."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clusters import selectors
from clusters.serializers import CloudProviderListSerializer, CloudRegionListSerializer
from fleetmanager.api.permissions import IsAuthenticatedToken
from fleetmanager.api.schema import error_responses

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
