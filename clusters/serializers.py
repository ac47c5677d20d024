"""Schemas of the cloud provider and region lists (the selectors build plain dicts)."""

from rest_framework import serializers

from fleetmanager.api.schema import list_serializer


class CloudProviderSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    display_name = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()


CloudProviderListSerializer = list_serializer("CloudProviderListSerializer", CloudProviderSerializer)


class RegionCapacitySerializer(serializers.Serializer):
    instance_type = serializers.CharField()
    available_sizes = serializers.ListField(child=serializers.CharField())


class CloudRegionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    display_name = serializers.CharField()
    enabled = serializers.BooleanField()
    capacity = RegionCapacitySerializer(many=True)


CloudRegionListSerializer = list_serializer("CloudRegionListSerializer", CloudRegionSerializer)
