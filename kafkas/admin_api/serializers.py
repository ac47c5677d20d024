"""The admin API's Kafka representation and request bodies (private-admin contract)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fleetmanager.api.fields import (
    BytesValueSerializer,
    ConstantField,
    OmitEmptySerializer,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    TimestampField,
)
from fleetmanager.api.schema import list_serializer
from fleetmanager.fleetconfig.quantities import quantity_bytes
from kafkas.models import KafkaRequest

ADMIN_KAFKAS_HREF = "/api/kafkas_mgmt/v1/admin/kafkas"


class RejectUnknownFields(serializers.Serializer):
    """A field the contract does not know is refused (400/37) rather than silently ignored: an SRE's typo
    (``suspend`` for ``suspended``) must not look like a successful no-op."""

    def unknown_fields(self) -> list[str]:
        return sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []


class AdminKafkaUpdateSerializer(RejectUnknownFields):
    """KafkaUpdateRequest."""

    strimzi_version = StrictCharField(required=False, allow_blank=True)
    kafka_version = StrictCharField(required=False, allow_blank=True)
    kafka_ibp_version = StrictCharField(required=False, allow_blank=True)
    max_data_retention_size = StrictCharField(required=False, allow_blank=True)
    suspended = StrictBooleanField(required=False, allow_null=True)


class RevocationSerializer(RejectUnknownFields):
    """KafkacertificateRevocationRequest."""

    revocation_reason = StrictIntegerField(required=False, allow_null=True)


class RouteSerializer(serializers.Serializer):
    domain = serializers.CharField(source="Domain")
    router = serializers.CharField(source="Router")


class AdminKafkaSerializer(OmitEmptySerializer):
    """The admin view of a Kafka (§8): versions, upgrade flags, routes, namespace, quota."""

    always_present = ("id", "kind", "href", "multi_az", "strimzi_upgrading", "kafka_upgrading", "kafka_ibp_upgrading")

    id = serializers.CharField()
    kind = ConstantField("Kafka")
    href = serializers.SerializerMethodField()
    status = serializers.CharField(required=False)
    cloud_provider = serializers.CharField(required=False)
    multi_az = serializers.BooleanField()
    region = serializers.CharField(required=False)
    owner = serializers.CharField(required=False)
    name = serializers.CharField(required=False)
    bootstrap_server_host = serializers.SerializerMethodField()
    created_at = TimestampField(required=False)
    updated_at = TimestampField(required=False)
    failed_reason = serializers.CharField(required=False)
    actual_kafka_version = serializers.CharField(required=False)
    actual_strimzi_version = serializers.CharField(required=False)
    desired_kafka_version = serializers.CharField(required=False)
    desired_strimzi_version = serializers.CharField(required=False)
    desired_kafka_ibp_version = serializers.CharField(required=False)
    actual_kafka_ibp_version = serializers.CharField(required=False)
    kafka_upgrading = serializers.BooleanField()
    strimzi_upgrading = serializers.BooleanField()
    kafka_ibp_upgrading = serializers.BooleanField()
    organisation_id = serializers.CharField(required=False)
    subscription_id = serializers.CharField(required=False)
    owner_account_id = serializers.CharField(required=False)
    instance_type = serializers.CharField(required=False)
    quota_type = serializers.CharField(required=False)
    routes = RouteSerializer(many=True, required=False)
    routes_created = serializers.BooleanField()
    cluster_id = serializers.CharField(required=False)
    namespace = serializers.CharField(required=False)
    size_id = serializers.CharField(required=False)
    max_data_retention_size = serializers.SerializerMethodField()

    def get_href(self, kafka: KafkaRequest) -> str:
        return f"{ADMIN_KAFKAS_HREF}/{kafka.id}"

    def get_bootstrap_server_host(self, kafka: KafkaRequest) -> str:
        return f"{kafka.bootstrap_server_host}:443" if kafka.bootstrap_server_host else ""

    @extend_schema_field(BytesValueSerializer)
    def get_max_data_retention_size(self, kafka: KafkaRequest) -> dict[str, int] | None:
        if not kafka.max_data_retention_size:
            return None
        return {"bytes": quantity_bytes(kafka.max_data_retention_size)}


AdminKafkaListSerializer = list_serializer("AdminKafkaListSerializer", AdminKafkaSerializer, "KafkaList")
