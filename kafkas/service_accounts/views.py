"""`/service_accounts` and `/sso_providers` (thin: parse, one call of ``accounts``, serialize)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fleetmanager.api.params import required_body
from fleetmanager.api.permissions import principal_of
from fleetmanager.api.schema import error_responses
from kafkas.service_accounts import accounts
from kafkas.service_accounts.serializers import (
    ServiceAccountListSerializer,
    ServiceAccountRequestSerializer,
    ServiceAccountSerializer,
    SsoProviderSerializer,
)

TAGS = ["security"]
CLIENT_ID_PARAMETER = OpenApiParameter(
    "client_id", str, OpenApiParameter.QUERY, description="client_id of the service account to be retrieved"
)


def _number(value: str | None) -> int:
    """Upstream reads `page` and `size` with Atoi and ignores what it cannot parse."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


class ServiceAccountsView(APIView):
    @extend_schema(
        operation_id="getServiceAccounts",
        tags=TAGS,
        parameters=[CLIENT_ID_PARAMETER],
        responses={200: ServiceAccountListSerializer, **error_responses(401, 403, 500)},
    )
    def get(self, request: Request) -> Response:
        principal = principal_of(request)
        if "client_id" in request.query_params:
            found = accounts.service_account_by_client_id(
                principal=principal, client_id=request.query_params["client_id"]
            )
            items = [found] if found else []
        else:
            # Upstream's `page` is the index of the first account and `size` the most to return.
            items = accounts.service_account_list(
                principal=principal,
                first=_number(request.query_params.get("page")),
                max_results=_number(request.query_params.get("size")),
            )
        return Response(ServiceAccountListSerializer(items).data)

    @extend_schema(
        operation_id="createServiceAccount",
        tags=TAGS,
        request=ServiceAccountRequestSerializer,
        responses={202: ServiceAccountSerializer, **error_responses(401, 403, 500)},
    )
    def post(self, request: Request) -> Response:
        payload = ServiceAccountRequestSerializer(data=required_body(request))
        payload.is_valid(raise_exception=True)
        account = accounts.service_account_create(
            principal=principal_of(request),
            name=payload.validated_data.get("name", ""),
            description=payload.validated_data.get("description", ""),
        )
        return Response(ServiceAccountSerializer(account).data, status=202)


class ServiceAccountView(APIView):
    @extend_schema(operation_id="getServiceAccountById", tags=TAGS, responses={200: ServiceAccountSerializer})
    def get(self, request: Request, id: str) -> Response:
        account = accounts.service_account_get(principal=principal_of(request), account_id=id)
        return Response(ServiceAccountSerializer(account).data)

    @extend_schema(
        operation_id="deleteServiceAccountById",
        tags=TAGS,
        responses={204: OpenApiResponse(description="Deleted"), **error_responses(401, 403, 500)},
    )
    def delete(self, request: Request, id: str) -> Response:
        accounts.service_account_delete(principal=principal_of(request), account_id=id)
        return Response(status=204)


class ResetCredentialsView(APIView):
    @extend_schema(
        operation_id="resetServiceAccountCreds",
        tags=TAGS,
        request=None,
        responses={200: ServiceAccountSerializer, **error_responses(401, 403, 500)},
    )
    def post(self, request: Request, id: str) -> Response:
        account = accounts.service_account_reset_credentials(principal=principal_of(request), account_id=id)
        return Response(ServiceAccountSerializer(account).data)


class SsoProvidersView(APIView):
    """Public, as upstream: clients ask it where to get a token before they have one."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="getSsoProviders",
        tags=TAGS,
        auth=[],
        responses={200: SsoProviderSerializer, **error_responses(401, 500)},
    )
    def get(self, request: Request) -> Response:
        return Response(SsoProviderSerializer(accounts.sso_provider()).data)
