"""Upstream's MetricsInstantQueryList and MetricsRangeQueryList (§1.9), rendered from ``queries.KafkaMetrics``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fleetmanager.api.fields import ConstantField, OmitEmptySerializer
from fleetmanager.integrations.observatorium import Series
from kafkas.observability.catalogue import RETURNED_LABELS
from kafkas.observability.queries import KafkaMetrics


class _LabelsField(serializers.DictField):
    """The series' labels a user may see (upstream's presenter drops the others)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=serializers.CharField(), source="labels", **kwargs)

    def to_representation(self, labels: dict[str, str]) -> dict[str, str]:
        return {key: value for key, value in labels.items() if key in RETURNED_LABELS}


class ValuesSerializer(serializers.Serializer):
    timestamp = serializers.IntegerField()
    value = serializers.FloatField()


class RangeQuerySerializer(serializers.Serializer):
    metric = _LabelsField()
    values = ValuesSerializer(many=True, source="samples")


class InstantQuerySerializer(serializers.Serializer):
    metric = _LabelsField()
    timestamp = serializers.SerializerMethodField()
    value = serializers.SerializerMethodField()

    def get_timestamp(self, series: Series) -> int:
        return series.samples[-1].timestamp

    def get_value(self, series: Series) -> float:
        return series.samples[-1].value


class _MetricsListSerializer(OmitEmptySerializer):
    """``{kind, id, items}``; ``items`` is left out when empty, as upstream's encoder does."""

    always_present = ("id", "kind")

    id = serializers.CharField(source="kafka_id")

    def to_representation(self, metrics: KafkaMetrics) -> dict[str, Any]:
        body = super().to_representation(metrics)
        if not body.get("items"):
            body.pop("items", None)
        return body


class MetricsInstantQueryListSerializer(_MetricsListSerializer):
    kind = ConstantField("MetricsInstantQueryList")
    items = serializers.SerializerMethodField()

    @extend_schema_field(InstantQuerySerializer(many=True))
    def get_items(self, metrics: KafkaMetrics) -> list[dict[str, Any]]:
        return InstantQuerySerializer([series for series in metrics.series if series.samples], many=True).data


class MetricsRangeQueryListSerializer(_MetricsListSerializer):
    kind = ConstantField("MetricsRangeQueryList")
    items = RangeQuerySerializer(many=True, source="series")
