"""Service account payloads and upstream's ServiceAccount, ServiceAccountList and SsoProvider (§1.12)."""

from __future__ import annotations

from rest_framework import serializers

from fleetmanager.api.fields import ConstantField, OmitEmptySerializer, StrictCharField, TimestampField
from fleetmanager.integrations.sso import ServiceAccount

HREF = "/api/kafkas_mgmt/v1/service_accounts/"


class ServiceAccountRequestSerializer(serializers.Serializer):
    """ServiceAccountRequest (types only: the values are checked in upstream's order, each with its code)."""

    name = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    description = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)


class ServiceAccountListItemSerializer(OmitEmptySerializer):
    """ServiceAccountListItem: no secret. ``owner`` is the deprecated name of ``created_by``."""

    always_present = ("id", "kind", "href")

    id = serializers.CharField()
    kind = ConstantField("ServiceAccount")
    href = serializers.SerializerMethodField()
    client_id = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    owner = serializers.CharField(source="created_by")
    created_by = serializers.CharField()
    created_at = TimestampField()

    def get_href(self, account: ServiceAccount) -> str:
        return f"{HREF}{account.id}"


class ServiceAccountSerializer(ServiceAccountListItemSerializer):
    """ServiceAccount: the list item plus the secret, when it was just made (create, reset)."""

    client_secret = serializers.CharField()


class ServiceAccountListSerializer(serializers.Serializer):
    """ServiceAccountList: ``{kind, items}``, no paging fields (upstream's handler writes none)."""

    kind = ConstantField("ServiceAccountList")
    items = ServiceAccountListItemSerializer(many=True, source="*")


class SsoProviderSerializer(serializers.Serializer):
    """SsoProvider (renders ``accounts.SsoProvider``). ``id``, ``kind`` and ``href`` are required by the
    schema and empty upstream."""

    id = ConstantField("")
    kind = ConstantField("")
    href = ConstantField("")
    name = serializers.CharField()
    base_url = serializers.CharField()
    token_url = serializers.CharField()
    jwks = serializers.CharField()
    valid_issuer = serializers.CharField()
