"""What every quota backend answers (quota-management-list, AMS), so callers need not know which is in use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fleetmanager.fleetconfig import InstanceType, KafkaSize
from fleetmanager.principal import Principal
from kafkas.models import KafkaRequest


@dataclass(frozen=True, slots=True)
class BillingRequest:
    """What the caller asked for on create (or promote): all optional."""

    billing_model: str = ""
    marketplace: str = ""
    billing_cloud_account_id: str = ""


@dataclass(frozen=True, slots=True)
class Reservation:
    """Quota taken for one Kafka: its billing model and, with AMS, the subscription that holds the quota."""

    billing_model: str
    subscription_id: str = ""
    marketplace: str = ""
    billing_cloud_account_id: str = ""


class QuotaBackend(Protocol):
    name: str
    # True when reserving calls another service: the create path then reserves outside its
    # database transaction and releases the reservation when the transaction fails.
    remote: bool

    def instance_type_assign(self, principal: Principal) -> str: ...

    def has_quota(self, principal: Principal, instance_type_id: str, billing_model_id: str) -> bool: ...

    def reserve(
        self,
        *,
        principal: Principal,
        kafka_id: str,
        instance_type: InstanceType,
        size: KafkaSize,
        billing: BillingRequest,
        cloud_provider: str = "aws",
    ) -> Reservation: ...

    def release(self, reservation: Reservation) -> None: ...

    def entitlement_active(self, kafka: KafkaRequest) -> bool: ...
