"""The upstream representation of configured instance types and sizes (`SupportedKafkaInstanceType`).

Shared by /instance_types (kafkas) and the enterprise clusters' `supported_instance_types`
(clusters); the objects are ``fleetconfig.InstanceType``, ``KafkaSize`` and
``SupportedBillingModel``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fleetmanager.api.fields import BytesValueSerializer
from fleetmanager.fleetconfig import InstanceType


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
    """An instance type; ``context["billing_models"]`` (ids) narrows the billing models shown."""

    id = serializers.CharField()
    display_name = serializers.CharField()
    supported_billing_models = serializers.SerializerMethodField()
    sizes = SupportedKafkaSizeSerializer(many=True)

    @extend_schema_field(SupportedKafkaBillingModelSerializer(many=True))
    def get_supported_billing_models(self, instance_type: InstanceType) -> list[dict[str, Any]]:
        wanted = self.context.get("billing_models")
        models = [bm for bm in instance_type.supported_billing_models if wanted is None or bm.id in wanted]
        return SupportedKafkaBillingModelSerializer(models, many=True).data


class SupportedKafkaInstanceTypesListSerializer(serializers.Serializer):
    instance_types = SupportedKafkaInstanceTypeSerializer(many=True)
