"""Schemas of the cloud provider and region lists (the selectors build plain dicts)."""

from rest_framework import serializers

from fleetmanager.api.fields import StrictBooleanField, StrictCharField, StrictIntegerField
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


# --- Enterprise clusters ------------------------------------------------------------------


class EnterpriseClusterPayloadSerializer(serializers.Serializer):
    """EnterpriseOsdClusterPayload: types only; values are checked by the service in upstream's order."""

    cluster_id = StrictCharField(allow_blank=True, trim_whitespace=False)
    cluster_ingress_dns_name = StrictCharField(allow_blank=True, trim_whitespace=False)
    kafka_machine_pool_node_count = StrictIntegerField()
    access_kafkas_via_private_network = StrictBooleanField()


class FleetshardParameterSerializer(serializers.Serializer):
    id = serializers.CharField()
    value = serializers.CharField()


class CapacityInformationSerializer(serializers.Serializer):
    kafka_machine_pool_node_count = serializers.IntegerField()
    maximum_kafka_streaming_units = serializers.IntegerField()
    remaining_kafka_streaming_units = serializers.IntegerField()
    consumed_kafka_streaming_units = serializers.IntegerField()


class EnterpriseClusterSerializer(serializers.Serializer):
    """Schema of EnterpriseCluster; clusters.presenters builds the dict."""

    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()
    cluster_id = serializers.CharField()
    status = serializers.CharField()
    cloud_provider = serializers.CharField()
    region = serializers.CharField()
    multi_az = serializers.BooleanField()
    access_kafkas_via_private_network = serializers.BooleanField()
    supported_instance_types = serializers.DictField()
    capacity_information = CapacityInformationSerializer()


class EnterpriseClusterRegistrationSerializer(EnterpriseClusterSerializer):
    fleetshard_parameters = FleetshardParameterSerializer(many=True)


class AddonParametersSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.CharField()
    href = serializers.CharField()
    fleetshard_parameters = FleetshardParameterSerializer(many=True)


EnterpriseClusterListSerializer = list_serializer("EnterpriseClusterListSerializer", EnterpriseClusterSerializer)
