"""Agent payloads (JSON types checked strictly: a wrong type is 400/17, as upstream's decoder) and what agents are served."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from agents.prewarming import ReservedKafka
from clusters.models import Cluster
from fleetmanager.api.fields import ConstantField, StrictBooleanField, StrictCharField, StrictIntegerField
from fleetmanager.fleetconfig import KafkaSize, fleet_config
from kafkas.models import KafkaRequest, KafkaStatus


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


def _int32() -> StrictIntegerField:
    return StrictIntegerField(required=False, allow_null=True, min_value=-(2**31), max_value=2**31 - 1)


class KafkaCapacitySerializer(serializers.Serializer):
    """DataPlaneKafkaStatus.capacity: typed as upstream's decoder reads it (a wrong type is 400/17); then ignored."""

    ingressEgressThroughputPerSec = _text()  # noqa: N815 (upstream field names)
    totalMaxConnections = _int32()  # noqa: N815
    maxDataRetentionSize = _text()  # noqa: N815
    maxPartitions = _int32()  # noqa: N815
    maxDataRetentionPeriod = _text()  # noqa: N815
    maxConnectionAttemptsPerSec = _int32()  # noqa: N815


class KafkaStatusSerializer(serializers.Serializer):
    """DataPlaneKafkaStatus (capacity is checked and ignored, as upstream)."""

    conditions = ConditionSerializer(many=True, required=False)
    capacity = KafkaCapacitySerializer(required=False, allow_null=True)
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


# --- what the agent is served (§5.2, §5.3) ------------------------------------------------------


SESSION_LIFETIME_MS = 299_000  # 4m59s: clients re-authenticate before their 5-minute tokens expire
SUSPENDED_STATUSES = frozenset({KafkaStatus.SUSPENDING, KafkaStatus.SUSPENDED})


def _size(kafka: KafkaRequest) -> KafkaSize | None:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    return instance_type.size(kafka.size_id) if instance_type else None


ManagedKafkaAnnotations = inline_serializer(
    "ManagedKafkaAnnotations",
    {"bf2.org/id": serializers.CharField(), "bf2.org/placementId": serializers.CharField()},
)
ManagedKafkaLabels = inline_serializer(
    "ManagedKafkaLabels",
    {
        "bf2.org/kafkaInstanceProfileType": serializers.CharField(),
        "bf2.org/kafkaInstanceProfileQuotaConsumed": serializers.CharField(),
        "bf2.org/suspended": serializers.CharField(),
    },
)


class ManagedKafkaMetadataSerializer(serializers.Serializer):
    name = serializers.CharField()
    namespace = serializers.SerializerMethodField()
    annotations = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()

    def get_namespace(self, kafka: KafkaRequest) -> str:
        return kafka.namespace or f"kafka-{kafka.id.lower()}"

    @extend_schema_field(ManagedKafkaAnnotations)
    def get_annotations(self, kafka: KafkaRequest) -> dict[str, str]:
        return {"bf2.org/id": kafka.id, "bf2.org/placementId": kafka.placement_id}

    @extend_schema_field(ManagedKafkaLabels)
    def get_labels(self, kafka: KafkaRequest) -> dict[str, str]:
        size = _size(kafka)
        return {
            "bf2.org/kafkaInstanceProfileType": kafka.instance_type,
            "bf2.org/kafkaInstanceProfileQuotaConsumed": str(size.quota_consumed if size else 1),
            "bf2.org/suspended": "true" if kafka.status in SUSPENDED_STATUSES else "false",
        }


class ManagedKafkaCapacitySerializer(serializers.Serializer):
    """The size's limits; a size gone from the configuration keeps only its retention size."""

    ingressPerSec = serializers.CharField(source="ingress_throughput_per_sec")  # noqa: N815
    egressPerSec = serializers.CharField(source="egress_throughput_per_sec")  # noqa: N815
    totalMaxConnections = serializers.IntegerField(source="total_max_connections")  # noqa: N815
    maxDataRetentionSize = serializers.CharField(source="max_data_retention_size")  # noqa: N815
    maxPartitions = serializers.IntegerField(source="max_partitions")  # noqa: N815
    maxDataRetentionPeriod = serializers.CharField(source="max_data_retention_period")  # noqa: N815
    maxConnectionAttemptsPerSec = serializers.IntegerField(source="max_connection_attempts_per_sec")  # noqa: N815


class ManagedKafkaOAuthSerializer(serializers.Serializer):
    tokenEndpointURI = serializers.CharField(required=False)  # noqa: N815
    jwksEndpointURI = serializers.CharField(required=False)  # noqa: N815
    validIssuerEndpointURI = serializers.CharField(required=False)  # noqa: N815
    userNameClaim = serializers.CharField(required=False)  # noqa: N815
    fallbackUserNameClaim = serializers.CharField(required=False)  # noqa: N815
    customClaimCheck = serializers.CharField(required=False)  # noqa: N815
    maximumSessionLifetime = serializers.IntegerField()  # noqa: N815


class ServiceAccountCredentialsSerializer(serializers.Serializer):
    name = serializers.CharField()
    principal = serializers.CharField()
    password = serializers.CharField()


class ManagedKafkaSpecSerializer(serializers.Serializer):
    capacity = serializers.SerializerMethodField()
    oauth = serializers.SerializerMethodField()
    endpoint = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()
    owners = serializers.SerializerMethodField()
    serviceAccounts = serializers.SerializerMethodField()  # noqa: N815

    @extend_schema_field(ManagedKafkaCapacitySerializer)
    def get_capacity(self, kafka: KafkaRequest) -> dict[str, Any]:
        size = _size(kafka)
        if size is None:
            return {"maxDataRetentionSize": kafka.max_data_retention_size}
        capacity = dict(ManagedKafkaCapacitySerializer(size).data)
        capacity["maxDataRetentionSize"] = kafka.max_data_retention_size or size.max_data_retention_size
        return capacity

    @extend_schema_field(ManagedKafkaOAuthSerializer)
    def get_oauth(self, kafka: KafkaRequest) -> dict[str, Any]:
        if not settings.FLEET_KAFKA_SSO_AUTH:
            return {"maximumSessionLifetime": 0}
        realm = f"{settings.FLEET_SSO_BASE_URL.rstrip('/')}/realms/{settings.FLEET_SSO_REALM}"
        org = kafka.organisation_id
        return {
            "tokenEndpointURI": f"{realm}/protocol/openid-connect/token",
            "jwksEndpointURI": f"{realm}/protocol/openid-connect/certs",
            "validIssuerEndpointURI": realm,
            "userNameClaim": "clientId",
            "fallbackUserNameClaim": "preferred_username",
            "customClaimCheck": f"@.rh-org-id == '{org}'|| @.org_id == '{org}'",
            "maximumSessionLifetime": SESSION_LIFETIME_MS if kafka.reauthentication_enabled else 0,
        }

    @extend_schema_field(inline_serializer("ManagedKafkaEndpoint", {"bootstrapServerHost": serializers.CharField()}))
    def get_endpoint(self, kafka: KafkaRequest) -> dict[str, str]:
        return {"bootstrapServerHost": kafka.bootstrap_server_host}

    @extend_schema_field(
        inline_serializer(
            "ManagedKafkaVersions",
            {"kafka": serializers.CharField(), "strimzi": serializers.CharField(), "kafkaIbp": serializers.CharField()},
        )
    )
    def get_versions(self, kafka: KafkaRequest) -> dict[str, str]:
        return {
            "kafka": kafka.desired_kafka_version,
            "strimzi": kafka.desired_strimzi_version,
            "kafkaIbp": kafka.desired_kafka_ibp_version,
        }

    def get_deleted(self, kafka: KafkaRequest) -> bool:
        return kafka.status == KafkaStatus.DEPROVISION

    def get_owners(self, kafka: KafkaRequest) -> list[str]:
        owners = [kafka.owner]
        if settings.FLEET_ENABLE_KAFKA_OWNER_CONFIG:
            owners += [o for o in fleet_config().kafka_owners if o != kafka.owner]
        return owners

    @extend_schema_field(ServiceAccountCredentialsSerializer(many=True))
    def get_serviceAccounts(self, kafka: KafkaRequest) -> list[dict[str, str]]:  # noqa: N802
        if not settings.FLEET_KAFKA_SSO_AUTH or not kafka.canary_service_account_client_id:
            return []
        return [
            {
                "name": "canary",
                "principal": kafka.canary_service_account_client_id,
                "password": kafka.canary_service_account_client_secret,
            }
        ]


class ManagedKafkaSerializer(serializers.Serializer):
    """A ManagedKafka custom resource as the agent receives it (§5.3, §4.8)."""

    id = serializers.CharField()
    kind = ConstantField("ManagedKafka")
    metadata = ManagedKafkaMetadataSerializer(source="*")
    spec = ManagedKafkaSpecSerializer(source="*")


class ReservedManagedKafkaSerializer(serializers.Serializer):
    """A reserved (pre-warm) instance as a ManagedKafka (§6.8): its size's room, nobody's Kafka."""

    id = serializers.CharField()
    kind = ConstantField("ManagedKafka")
    metadata = serializers.SerializerMethodField()
    spec = serializers.SerializerMethodField()

    def get_metadata(self, reserved: ReservedKafka) -> dict[str, Any]:
        return {
            "name": reserved.id,
            "namespace": reserved.id,
            "annotations": {"bf2.org/id": reserved.id, "bf2.org/placementId": reserved.id},
            "labels": {
                "bf2.org/kafkaInstanceProfileType": reserved.instance_type,
                "bf2.org/kafkaInstanceProfileQuotaConsumed": str(reserved.size.quota_consumed),
                "bf2.org/deployment": "reserved",
            },
        }

    def get_spec(self, reserved: ReservedKafka) -> dict[str, Any]:
        return {
            "capacity": dict(ManagedKafkaCapacitySerializer(reserved.size).data),
            "oauth": {"maximumSessionLifetime": 0},
            "endpoint": {"bootstrapServerHost": reserved.bootstrap_server_host},
            "versions": {
                "kafka": reserved.kafka_version,
                "strimzi": reserved.strimzi_version,
                "kafkaIbp": reserved.kafka_ibp_version,
            },
            "deleted": False,
            "owners": [],
            "serviceAccounts": [],
        }


class ManagedKafkaListSerializer(serializers.Serializer):
    """Renders a cluster's ManagedKafkas: ``{"kafkas": <its Kafkas>, "reserved": <its reserved instances>}``."""

    kind = ConstantField("ManagedKafkaList")
    items = serializers.SerializerMethodField()

    @extend_schema_field(ManagedKafkaSerializer(many=True))
    def get_items(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            *ManagedKafkaSerializer(data["kafkas"], many=True).data,
            *ReservedManagedKafkaSerializer(data["reserved"], many=True).data,
        ]


class AgentConfigSerializer(serializers.Serializer):
    """DataplaneClusterAgentConfig (§5.2); renders a cluster."""

    spec = serializers.SerializerMethodField()

    def get_spec(self, cluster: Cluster) -> dict[str, Any]:
        capacity = {
            instance_type: {"maxNodes": int(info.get("max_nodes") or 0)}
            for instance_type, info in (cluster.dynamic_capacity_info or {}).items()
        }
        return {
            "observability": {
                "accessToken": "",
                "channel": "resources",
                "repository": "quay.io/rhoas/observability-resources-mk",
                "tag": "latest",
            },
            "capacity": capacity,
            "net": {"private": cluster.access_kafkas_via_private_network},
        }
