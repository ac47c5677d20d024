"""Kafka request payloads and the upstream `KafkaRequest` representation (§1.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from fleetmanager.api.fields import StrictBooleanField, StrictCharField
from fleetmanager.api.schema import list_serializer
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.fleetconfig.quantities import quantity_bytes
from kafkas.models import BillingModel, KafkaRequest


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, as upstream's Go encoder writes it."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _optional_text(**kwargs: Any) -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False, **kwargs)


class KafkaCreateSerializer(serializers.Serializer):
    """KafkaRequestPayload. Only JSON types are checked here; values are checked by the service
    in upstream's order, because each check has its own error code."""

    name = _optional_text(help_text="Lowercase letters, digits and '-', at most 32 characters.")
    cloud_provider = _optional_text()
    region = _optional_text()
    reauthentication_enabled = StrictBooleanField(required=False, allow_null=True)
    plan = _optional_text(help_text="<instance_type>.<size_id>, e.g. standard.x1")
    billing_cloud_account_id = _optional_text()
    marketplace = _optional_text()
    billing_model = _optional_text()
    cluster_id = _optional_text()

    def to_create_args(self) -> dict[str, Any]:
        data = self.validated_data
        args = {key: (value or "") for key, value in data.items() if key != "reauthentication_enabled"}
        args["reauthentication_enabled"] = data.get("reauthentication_enabled")
        return args


class KafkaUpdateSerializer(serializers.Serializer):
    """KafkaUpdateRequest."""

    owner = StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)
    reauthentication_enabled = StrictBooleanField(required=False, allow_null=True)


class BytesValueSerializer(serializers.Serializer):
    bytes = serializers.IntegerField()


class KafkaRequestSerializer(serializers.Serializer):
    """The public KafkaRequest. Fields are declared for the OpenAPI schema; ``to_representation``
    builds the dict directly, omitting empty strings like upstream's encoder."""

    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()
    status = serializers.CharField(required=False)
    cloud_provider = serializers.CharField(required=False)
    multi_az = serializers.BooleanField()
    region = serializers.CharField(required=False)
    owner = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    bootstrap_server_host = serializers.CharField(required=False)
    admin_api_server_url = serializers.CharField(required=False)
    created_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField(required=False)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    failed_reason = serializers.CharField(required=False)
    version = serializers.CharField(required=False)
    instance_type = serializers.CharField(required=False)
    instance_type_name = serializers.CharField(required=False)
    reauthentication_enabled = serializers.BooleanField()
    max_data_retention_size = BytesValueSerializer(required=False)
    browser_url = serializers.CharField(required=False)
    size_id = serializers.CharField(required=False)
    ingress_throughput_per_sec = serializers.CharField(required=False)
    egress_throughput_per_sec = serializers.CharField(required=False)
    total_max_connections = serializers.IntegerField(required=False)
    max_partitions = serializers.IntegerField(required=False)
    max_data_retention_period = serializers.CharField(required=False)
    max_connection_attempts_per_sec = serializers.IntegerField(required=False)
    billing_cloud_account_id = serializers.CharField(required=False)
    marketplace = serializers.CharField(required=False)
    billing_model = serializers.CharField(required=False)
    promotion_status = serializers.CharField(required=False)
    promotion_details = serializers.CharField(required=False)
    cluster_id = serializers.CharField(required=False, allow_null=True)

    def to_representation(self, kafka: KafkaRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": kafka.id,
            "kind": "Kafka",
            "href": kafka.href,
            "status": kafka.status,
            "cloud_provider": kafka.cloud_provider,
            "multi_az": kafka.multi_az,
            "region": kafka.region,
            "owner": kafka.owner,
            "name": kafka.name,
            "bootstrap_server_host": f"{kafka.bootstrap_server_host}:443" if kafka.bootstrap_server_host else "",
            "admin_api_server_url": kafka.admin_api_server_url,
            "created_at": timestamp(kafka.created_at),
            "updated_at": timestamp(kafka.updated_at),
            "failed_reason": kafka.failed_reason,
            "version": kafka.actual_kafka_version,
            "instance_type": kafka.instance_type,
            "reauthentication_enabled": kafka.reauthentication_enabled,
            "browser_url": f"{settings.FLEET_BROWSER_URL.rstrip('/')}/{kafka.id}/details/dashboard",
            "size_id": kafka.size_id,
            "billing_cloud_account_id": kafka.billing_cloud_account_id,
            "marketplace": kafka.marketplace,
            "billing_model": kafka.actual_kafka_billing_model,
            "promotion_status": kafka.promotion_status,
            "promotion_details": kafka.promotion_details,
        }
        if kafka.expires_at is not None:
            body["expires_at"] = timestamp(kafka.expires_at)
        if kafka.max_data_retention_size:
            body["max_data_retention_size"] = {"bytes": quantity_bytes(kafka.max_data_retention_size)}
        if kafka.desired_kafka_billing_model == BillingModel.ENTERPRISE and kafka.cluster_id:
            body["cluster_id"] = kafka.cluster_id
        body.update(_size_fields(kafka))
        return {key: value for key, value in body.items() if value != ""}


def _size_fields(kafka: KafkaRequest) -> dict[str, Any]:
    """Deprecated fields still filled from the size's configuration."""
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    size = instance_type.size(kafka.size_id) if instance_type else None
    if instance_type is None or size is None:
        return {}
    return {
        "instance_type_name": instance_type.display_name,
        "ingress_throughput_per_sec": size.ingress_throughput_per_sec,
        "egress_throughput_per_sec": size.egress_throughput_per_sec,
        "total_max_connections": size.total_max_connections,
        "max_partitions": size.max_partitions,
        "max_data_retention_period": size.max_data_retention_period,
        "max_connection_attempts_per_sec": size.max_connection_attempts_per_sec,
    }


KafkaRequestListSerializer = list_serializer("KafkaRequestListSerializer", KafkaRequestSerializer)


# --- Instance types (schema only; the catalogue builds plain dicts) ------------------------


class SupportedKafkaBillingModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    ams_resource = serializers.CharField()
    ams_product = serializers.CharField()
    ams_billing_models = serializers.ListField(child=serializers.CharField())


class SupportedKafkaSizeSerializer(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField()
    ingress_throughput_per_sec = BytesValueSerializer()
    egress_throughput_per_sec = BytesValueSerializer()
    total_max_connections = serializers.IntegerField()
    max_data_retention_size = BytesValueSerializer()
    max_partitions = serializers.IntegerField()
    max_data_retention_period = serializers.CharField()
    max_connection_attempts_per_sec = serializers.IntegerField()
    max_message_size = BytesValueSerializer()
    min_in_sync_replicas = serializers.IntegerField()
    replication_factor = serializers.IntegerField()
    supported_az_modes = serializers.ListField(child=serializers.CharField())
    lifespan_seconds = serializers.IntegerField(allow_null=True)
    quota_consumed = serializers.IntegerField()
    quota_type = serializers.CharField()
    capacity_consumed = serializers.IntegerField()
    maturity_status = serializers.CharField()


class SupportedKafkaInstanceTypeSerializer(serializers.Serializer):
    id = serializers.CharField()
    display_name = serializers.CharField()
    supported_billing_models = SupportedKafkaBillingModelSerializer(many=True)
    sizes = SupportedKafkaSizeSerializer(many=True)


class SupportedKafkaInstanceTypesListSerializer(serializers.Serializer):
    instance_types = SupportedKafkaInstanceTypeSerializer(many=True)


class KafkaPromoteSerializer(serializers.Serializer):
    """KafkaPromoteRequest (types only; the service checks values in upstream's order)."""

    desired_kafka_billing_model = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    desired_marketplace = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    desired_billing_cloud_account_id = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
