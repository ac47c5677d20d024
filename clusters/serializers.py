"""Schemas of the cloud provider and region lists (the selectors build plain dicts)."""

from rest_framework import serializers


class CloudProviderSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    display_name = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()


class CloudProviderListSerializer(serializers.Serializer):
    kind = serializers.CharField()
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    total = serializers.IntegerField()
    items = CloudProviderSerializer(many=True)


class RegionCapacitySerializer(serializers.Serializer):
    instance_type = serializers.CharField()
    available_sizes = serializers.ListField(child=serializers.CharField())


class CloudRegionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.CharField()
    display_name = serializers.CharField()
    enabled = serializers.BooleanField()
    capacity = RegionCapacitySerializer(many=True)


class CloudRegionListSerializer(serializers.Serializer):
    kind = serializers.CharField()
    page = serializers.IntegerField()
    size = serializers.IntegerField()
    total = serializers.IntegerField()
    items = CloudRegionSerializer(many=True)
