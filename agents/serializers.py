"""Agent payloads: JSON types are checked strictly (a wrong type is 400/17, as upstream's decoder)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from fleetmanager.api.fields import StrictBooleanField, StrictCharField


def _text() -> StrictCharField:
    return StrictCharField(required=False, allow_blank=True, allow_null=True, trim_whitespace=False)


class ConditionSerializer(serializers.Serializer):
    type = _text()
    reason = _text()
    message = _text()
    status = _text()
    lastTransitionTime = _text()  # noqa: N815 (upstream field name)


class StrimziSerializer(serializers.Serializer):
    ready = StrictBooleanField()
    version = StrictCharField(allow_blank=True)
    kafkaVersions = serializers.ListField(child=StrictCharField(), required=False)  # noqa: N815
    kafkaIbpVersions = serializers.ListField(child=StrictCharField(), required=False)  # noqa: N815


class CapacitySerializer(serializers.Serializer):
    maxUnits = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    remainingUnits = serializers.IntegerField(required=False, min_value=0)  # noqa: N815


class ClusterStatusSerializer(serializers.Serializer):
    """DataPlaneClusterUpdateStatusRequest."""

    conditions = ConditionSerializer(many=True, required=False)
    capacity = serializers.DictField(child=CapacitySerializer(), required=False)
    strimzi = StrimziSerializer(many=True, required=False)


class VersionsSerializer(serializers.Serializer):
    kafka = _text()
    strimzi = _text()
    kafkaIbp = _text()  # noqa: N815


class RouteSerializer(serializers.Serializer):
    name = _text()
    prefix = _text()
    router = _text()


class KafkaStatusSerializer(serializers.Serializer):
    """DataPlaneKafkaStatus (capacity is accepted and ignored, as upstream)."""

    conditions = ConditionSerializer(many=True, required=False)
    capacity = serializers.DictField(required=False, allow_null=True)
    versions = VersionsSerializer(required=False)
    routes = RouteSerializer(many=True, required=False, allow_null=True)
    adminServerURI = _text()  # noqa: N815


class KafkaStatusesSerializer(serializers.Serializer):
    """DataPlaneKafkaStatusUpdateRequest: a JSON object keyed by Kafka id."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["the body must be an object keyed by Kafka id"]})
        statuses = {}
        for kafka_id, value in data.items():
            entry = KafkaStatusSerializer(data=value)
            if not entry.is_valid():
                raise serializers.ValidationError({kafka_id: entry.errors})
            statuses[kafka_id] = entry.validated_data
        return statuses


class ManagedKafkaListSerializer(serializers.Serializer):
    """Schema only: the list is built by agents.managed_kafka."""

    kind = serializers.CharField()
    items = serializers.ListField(child=serializers.DictField())


class AgentConfigSerializer(serializers.Serializer):
    """Schema only: DataplaneClusterAgentConfig."""

    spec = serializers.DictField()
