"""The ManagedKafka custom resources served to a data-plane agent (BEHAVIOUR.md §5.3, §4.8)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from fleetmanager.fleetconfig import fleet_config
from kafkas.models import KafkaRequest, KafkaStatus

SESSION_LIFETIME_MS = 299_000  # 4m59s: clients re-authenticate before their 5-minute tokens expire
SUSPENDED_STATUSES = frozenset({KafkaStatus.SUSPENDING, KafkaStatus.SUSPENDED})


def managed_kafka(kafka: KafkaRequest) -> dict[str, Any]:
    return {
        "id": kafka.id,
        "kind": "ManagedKafka",
        "metadata": {
            "name": kafka.name,
            "namespace": kafka.namespace or f"kafka-{kafka.id.lower()}",
            "annotations": {"bf2.org/id": kafka.id, "bf2.org/placementId": kafka.placement_id},
            "labels": {
                "bf2.org/kafkaInstanceProfileType": kafka.instance_type,
                "bf2.org/kafkaInstanceProfileQuotaConsumed": str(_size_value(kafka, "quota_consumed", 1)),
                "bf2.org/suspended": "true" if kafka.status in SUSPENDED_STATUSES else "false",
            },
        },
        "spec": {
            "capacity": _capacity(kafka),
            "oauth": _oauth(kafka),
            "endpoint": {"bootstrapServerHost": kafka.bootstrap_server_host},
            "versions": {
                "kafka": kafka.desired_kafka_version,
                "strimzi": kafka.desired_strimzi_version,
                "kafkaIbp": kafka.desired_kafka_ibp_version,
            },
            "deleted": kafka.status == KafkaStatus.DEPROVISION,
            "owners": _owners(kafka),
            "serviceAccounts": _service_accounts(kafka),
        },
    }


def _size_value(kafka: KafkaRequest, field: str, default: Any) -> Any:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    size = instance_type.size(kafka.size_id) if instance_type else None
    return getattr(size, field) if size else default


def _capacity(kafka: KafkaRequest) -> dict[str, Any]:
    instance_type = fleet_config().instance_types.get(kafka.instance_type)
    size = instance_type.size(kafka.size_id) if instance_type else None
    if size is None:
        return {"maxDataRetentionSize": kafka.max_data_retention_size}
    return {
        "ingressPerSec": size.ingress_throughput_per_sec,
        "egressPerSec": size.egress_throughput_per_sec,
        "totalMaxConnections": size.total_max_connections,
        "maxDataRetentionSize": kafka.max_data_retention_size or size.max_data_retention_size,
        "maxPartitions": size.max_partitions,
        "maxDataRetentionPeriod": size.max_data_retention_period,
        "maxConnectionAttemptsPerSec": size.max_connection_attempts_per_sec,
    }


def _oauth(kafka: KafkaRequest) -> dict[str, Any]:
    lifetime = SESSION_LIFETIME_MS if kafka.reauthentication_enabled else 0
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
        "maximumSessionLifetime": lifetime,
    }


def _owners(kafka: KafkaRequest) -> list[str]:
    owners = [kafka.owner]
    if settings.FLEET_ENABLE_KAFKA_OWNER_CONFIG:
        owners += [o for o in fleet_config().kafka_owners if o != kafka.owner]
    return owners


def _service_accounts(kafka: KafkaRequest) -> list[dict[str, str]]:
    if not settings.FLEET_KAFKA_SSO_AUTH or not kafka.canary_service_account_client_id:
        return []
    return [
        {
            "name": "canary",
            "principal": kafka.canary_service_account_client_id,
            "password": kafka.canary_service_account_client_secret,
        }
    ]
