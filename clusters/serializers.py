"""Cloud providers and regions, and enterprise clusters: input checks and the upstream representations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clusters import capacity
from clusters.agent_parameters import fleetshard_parameters
from clusters.models import Cluster
from fleetmanager.api.fields import ConstantField, StrictBooleanField, StrictCharField, StrictIntegerField
from fleetmanager.api.instance_types import SupportedKafkaInstanceTypeSerializer
from fleetmanager.api.schema import list_serializer
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import STANDARD, fleet_config

CLUSTERS_HREF = "/api/kafkas_mgmt/v1/clusters"


class CloudProviderSerializer(serializers.Serializer):
    """Renders a ``clusters.selectors.CloudProvider``."""

    kind = ConstantField("CloudProvider")
    id = serializers.CharField()
    display_name = serializers.CharField()
    name = serializers.CharField()
    enabled = serializers.BooleanField()


CloudProviderListSerializer = list_serializer(
    "CloudProviderListSerializer", CloudProviderSerializer, "CloudProviderList"
)


class RegionCapacitySerializer(serializers.Serializer):
    instance_type = serializers.CharField()
    available_sizes = serializers.ListField(child=serializers.CharField())


class CloudRegionSerializer(serializers.Serializer):
    """Renders a ``clusters.selectors.CloudRegion``."""

    kind = ConstantField("CloudRegion")
    id = serializers.CharField()
    display_name = serializers.CharField()
    enabled = serializers.BooleanField()
    capacity = RegionCapacitySerializer(many=True)


CloudRegionListSerializer = list_serializer("CloudRegionListSerializer", CloudRegionSerializer, "CloudRegionList")


# --- Enterprise clusters (§1.13) ----------------------------------------------------------


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


class SupportedInstanceTypesSerializer(serializers.Serializer):
    instance_types = SupportedKafkaInstanceTypeSerializer(many=True)


class EnterpriseClusterSerializer(serializers.Serializer):
    """EnterpriseCluster. ``context["units_used"]`` may carry ``capacity.units_on_clusters`` of a
    whole list, counted in one query; without it each cluster is counted on its own."""

    id = serializers.CharField(source="cluster_id")
    kind = ConstantField("Cluster")
    href = serializers.SerializerMethodField()
    cluster_id = serializers.CharField()
    status = serializers.CharField()
    cloud_provider = serializers.CharField()
    region = serializers.CharField()
    multi_az = serializers.BooleanField()
    access_kafkas_via_private_network = serializers.BooleanField()
    supported_instance_types = serializers.SerializerMethodField()
    capacity_information = serializers.SerializerMethodField()

    def get_href(self, cluster: Cluster) -> str:
        return f"{CLUSTERS_HREF}/{cluster.cluster_id}"

    @extend_schema_field(SupportedInstanceTypesSerializer)
    def get_supported_instance_types(self, cluster: Cluster) -> dict[str, Any]:
        instance_type = fleet_config().instance_types.get(STANDARD)
        types = [instance_type] if instance_type else []
        context = {"billing_models": (BillingModel.ENTERPRISE,)}
        return {"instance_types": SupportedKafkaInstanceTypeSerializer(types, many=True, context=context).data}

    @extend_schema_field(CapacityInformationSerializer)
    def get_capacity_information(self, cluster: Cluster) -> dict[str, int]:
        info = (cluster.dynamic_capacity_info or {}).get(STANDARD, {})
        used = self.context.get("units_used")
        if used is None:
            used = capacity.units_on_clusters([cluster.cluster_id])
        consumed = used.get(cluster.cluster_id, {}).get(STANDARD, 0)
        maximum = int(info.get("max_units") or 0)
        return {
            "kafka_machine_pool_node_count": int(info.get("max_nodes") or 0),
            "maximum_kafka_streaming_units": maximum,
            "consumed_kafka_streaming_units": consumed,
            "remaining_kafka_streaming_units": max(maximum - consumed, 0),
        }


EnterpriseClusterListSerializer = list_serializer(
    "EnterpriseClusterListSerializer", EnterpriseClusterSerializer, "ClusterList"
)


class FleetshardParametersMixin(serializers.Serializer):
    fleetshard_parameters = serializers.SerializerMethodField()

    @extend_schema_field(FleetshardParameterSerializer(many=True))
    def get_fleetshard_parameters(self, cluster: Cluster) -> list[dict[str, str]]:
        return fleetshard_parameters(cluster)


class EnterpriseClusterRegistrationSerializer(FleetshardParametersMixin, EnterpriseClusterSerializer):
    """The registration answer: the cluster and the parameters to install the agent with."""


class AddonParametersSerializer(FleetshardParametersMixin):
    id = serializers.CharField(source="cluster_id")
    kind = ConstantField("ClusterAddonParameters")
    href = serializers.SerializerMethodField()

    def get_href(self, cluster: Cluster) -> str:
        return f"{CLUSTERS_HREF}/{cluster.cluster_id}/addon_parameters"
