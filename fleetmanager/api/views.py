"""Views that belong to the API as a whole: metadata, the error catalogue, the contract."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fleetmanager import errors
from fleetmanager.api.exception_handler import json_error, translate
from fleetmanager.api.pagination import page_request, paginate_list
from fleetmanager.api.schema import (
    ApiMetadata,
    ApiMetadataSerializer,
    ErrorBody,
    ErrorListSerializer,
    ErrorSerializer,
    Reference,
    VersionMetadata,
    VersionMetadataSerializer,
)

API_HREF = "/api/kafkas_mgmt"
V1_HREF = f"{API_HREF}/v1"
OPENAPI_DIR = Path(__file__).resolve().parent.parent / "openapi"

# Upstream's collections; the version metadata lists those this installation routes.
COLLECTIONS = (
    ("kafkas", "KafkaList"),
    ("service_accounts", "ServiceAccountList"),
    ("cloud_providers", "CloudProviderList"),
    ("clusters", "EnterpriseClusterList"),
)


class PublicView(APIView):
    """No token needed (upstream's public path list)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def _version_metadata() -> VersionMetadata:
    return VersionMetadata(
        id="v1",
        kind="APIVersion",
        href=V1_HREF,
        server_version=settings.FLEET_SERVER_VERSION,
        collections=tuple(
            Reference(cid, kind, f"{V1_HREF}/{cid}") for cid, kind in COLLECTIONS if _routed(f"{V1_HREF}/{cid}")
        ),
    )


def _routed(path: str) -> bool:
    """Whether a view serves ``path`` (not the catch-all that answers 404 for unknown paths)."""
    try:
        return resolve(path).func is not api_not_found
    except Resolver404:
        return False


class ApiMetadataView(PublicView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        metadata = ApiMetadata(id="kafkas_mgmt", kind="API", href=API_HREF, versions=(_version_metadata(),))
        return Response(ApiMetadataSerializer(metadata).data)


class VersionMetadataView(PublicView):
    @extend_schema(operation_id="getVersionMetadata", responses={200: VersionMetadataSerializer})
    def get(self, request: Request) -> Response:
        return Response(VersionMetadataSerializer(_version_metadata()).data)


class ErrorListView(PublicView):
    @extend_schema(operation_id="getErrors", tags=["errors"], responses={200: ErrorListSerializer})
    def get(self, request: Request) -> Response:
        page = page_request(request.query_params, context="unable to list errors")
        catalogue = [ErrorBody(definition) for definition in errors.CATALOGUE.values()]
        return Response(ErrorListSerializer(paginate_list(catalogue, page)).data)


class ErrorDetailView(PublicView):
    @extend_schema(operation_id="getErrorById", tags=["errors"], responses={200: ErrorSerializer})
    def get(self, request: Request, id: str) -> Response:
        code = int(id) if id.isdigit() else None
        if code is None or code not in errors.CATALOGUE:
            raise errors.not_found(f"no error with id {id} exists")
        return Response(ErrorSerializer(ErrorBody(errors.CATALOGUE[code])).data)


@cache
def _contract_json() -> bytes:
    return json.dumps(yaml.safe_load((OPENAPI_DIR / "kas-fleet-manager.yaml").read_text())).encode()


class OpenApiView(PublicView):
    """The upstream public contract, as JSON, exactly as upstream serves it."""

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        return HttpResponse(_contract_json(), content_type="application/json")


# Bearer-token APIs carry no cookies a cross-site form could ride on: no CSRF check, whatever the method.
@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Any unknown path under /api/kafkas_mgmt answers 404/7 in the upstream shape."""
    return json_error(request, errors.not_found(f"the requested resource '{request.path}' doesn't exist"))


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_HREF)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler400 (a SuspiciousOperation outside a view): the upstream shape under the API."""
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    return json_error(request, translate(exception))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404: 404/7 under the API (any path the catch-all route did not match), HTML elsewhere."""
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return api_not_found(request)


def server_error(request: HttpRequest) -> JsonResponse:
    """Django's handler500: JSON with no detail, whatever failed (middleware included)."""
    return json_error(request, errors.ServiceError(errors.GENERAL))
