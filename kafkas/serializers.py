"""Kafka request payloads and the upstream `KafkaRequest` representation (§1.5)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fleetmanager.api.fields import (
    BytesValueSerializer,
    ConstantField,
    OmitEmptySerializer,
    StrictBooleanField,
    StrictCharField,
    TimestampField,
)
from fleetmanager.api.schema import list_serializer
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import InstanceType, KafkaSize, fleet_config
from fleetmanager.fleetconfig.quantities import quantity_bytes
from kafkas.models import KafkaRequest


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


class KafkaRequestSerializer(OmitEmptySerializer):
    """The public KafkaRequest (§1.5). Empty strings and nulls are left out, as upstream's encoder does."""

    always_present = ("id", "kind", "href", "multi_az", "reauthentication_enabled")

    id = serializers.CharField()
    kind = ConstantField("Kafka")
    href = serializers.CharField()
    status = serializers.CharField(required=False)
    cloud_provider = serializers.CharField(required=False)
    multi_az = serializers.BooleanField()
    region = serializers.CharField(required=False)
    owner = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    bootstrap_server_host = serializers.SerializerMethodField()
    admin_api_server_url = serializers.CharField(required=False)
    created_at = TimestampField(required=False)
    updated_at = TimestampField(required=False)
    expires_at = TimestampField(required=False, allow_null=True)
    failed_reason = serializers.CharField(required=False)
    version = serializers.CharField(source="actual_kafka_version", required=False)
    instance_type = serializers.CharField(required=False)
    instance_type_name = serializers.SerializerMethodField()
    reauthentication_enabled = serializers.BooleanField()
    max_data_retention_size = serializers.SerializerMethodField()
    browser_url = serializers.SerializerMethodField()
    size_id = serializers.CharField(required=False)
    # Deprecated fields, still filled from the size's configuration.
    ingress_throughput_per_sec = serializers.SerializerMethodField()
    egress_throughput_per_sec = serializers.SerializerMethodField()
    total_max_connections = serializers.SerializerMethodField()
    max_partitions = serializers.SerializerMethodField()
    max_data_retention_period = serializers.SerializerMethodField()
    max_connection_attempts_per_sec = serializers.SerializerMethodField()
    billing_cloud_account_id = serializers.CharField(required=False)
    marketplace = serializers.CharField(required=False)
    billing_model = serializers.CharField(source="actual_kafka_billing_model", required=False)
    promotion_status = serializers.CharField(required=False)
    promotion_details = serializers.CharField(required=False)
    cluster_id = serializers.SerializerMethodField()

    def get_bootstrap_server_host(self, kafka: KafkaRequest) -> str:
        return f"{kafka.bootstrap_server_host}:443" if kafka.bootstrap_server_host else ""

    @extend_schema_field(BytesValueSerializer)
    def get_max_data_retention_size(self, kafka: KafkaRequest) -> dict[str, int] | None:
        if not kafka.max_data_retention_size:
            return None
        return {"bytes": quantity_bytes(kafka.max_data_retention_size)}

    def get_browser_url(self, kafka: KafkaRequest) -> str:
        return f"{settings.FLEET_BROWSER_URL.rstrip('/')}/{kafka.id}/details/dashboard"

    @extend_schema_field(OpenApiTypes.STR)
    def get_cluster_id(self, kafka: KafkaRequest) -> str | None:
        # Only enterprise Kafkas show the (customer's own) cluster they run on.
        if kafka.desired_kafka_billing_model == BillingModel.ENTERPRISE and kafka.cluster_id:
            return kafka.cluster_id
        return None

    def get_instance_type_name(self, kafka: KafkaRequest) -> str | None:
        instance_type, size = self._sizing(kafka)
        return instance_type.display_name if instance_type and size else None

    def get_ingress_throughput_per_sec(self, kafka: KafkaRequest) -> str | None:
        return self._size_value(kafka, "ingress_throughput_per_sec")

    def get_egress_throughput_per_sec(self, kafka: KafkaRequest) -> str | None:
        return self._size_value(kafka, "egress_throughput_per_sec")

    def get_total_max_connections(self, kafka: KafkaRequest) -> int | None:
        return self._size_value(kafka, "total_max_connections")

    def get_max_partitions(self, kafka: KafkaRequest) -> int | None:
        return self._size_value(kafka, "max_partitions")

    def get_max_data_retention_period(self, kafka: KafkaRequest) -> str | None:
        return self._size_value(kafka, "max_data_retention_period")

    def get_max_connection_attempts_per_sec(self, kafka: KafkaRequest) -> int | None:
        return self._size_value(kafka, "max_connection_attempts_per_sec")

    def _sizing(self, kafka: KafkaRequest) -> tuple[InstanceType | None, KafkaSize | None]:
        """The Kafka's instance type and size in the configuration, looked up once per serializer and size."""
        cache = self.__dict__.setdefault("_sizes", {})
        key = (kafka.instance_type, kafka.size_id)
        if key not in cache:
            instance_type = fleet_config().instance_types.get(kafka.instance_type)
            cache[key] = (instance_type, instance_type.size(kafka.size_id) if instance_type else None)
        return cache[key]

    def _size_value(self, kafka: KafkaRequest, name: str) -> Any:
        """A field of the Kafka's size; None (left out) when the size is gone from the configuration."""
        size = self._sizing(kafka)[1]
        return getattr(size, name) if size else None


KafkaRequestListSerializer = list_serializer("KafkaRequestListSerializer", KafkaRequestSerializer, "KafkaRequestList")


class KafkaPromoteSerializer(serializers.Serializer):
    """KafkaPromoteRequest (types only; the service checks values in upstream's order)."""

    desired_kafka_billing_model = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    desired_marketplace = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
    desired_billing_cloud_account_id = StrictCharField(required=False, allow_blank=True, trim_whitespace=False)
