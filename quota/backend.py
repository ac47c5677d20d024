"""What every quota backend answers (quota-management-list, AMS), so callers need not know which is in use.

Backends take plain values: the caller says who asks and for what, and, where a
backend counts what is already used (the quota list), hands it a ``UsageCounter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from fleetmanager import errors
from fleetmanager.fleetconfig import InstanceType, KafkaSize
from fleetmanager.principal import Principal


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


@dataclass(frozen=True, slots=True)
class Entitlement:
    """What a running Kafka's right to exist rests on (§4.6)."""

    owner: str
    org_id: str
    instance_type: str
    billing_model: str
    subscription_id: str = ""


class UsageCounter(Protocol):
    """Streaming units held under one instance type and billing model, by an organisation or an owner."""

    def __call__(
        self,
        *,
        instance_type: str,
        billing_model: str,
        org_id: str | None = None,
        owner: str | None = None,
        exclude_kafka_id: str = "",
    ) -> int: ...


class QuotaUnavailable(errors.ServiceError):
    """The quota service could not be asked (an outage): nothing was decided, a retry may succeed.

    Callers tell it from a refusal by its type; the API shows it as upstream's 500/121.
    """

    def __init__(self, reason: str = "Failed to check quota: the quota service is unavailable") -> None:
        super().__init__(errors.FAILED_TO_CHECK_QUOTA, reason)


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
        usage: UsageCounter,
        cloud_provider: str = "aws",
    ) -> Reservation: ...

    def release(self, reservation: Reservation) -> None: ...

    def entitlement_active(self, entitlement: Entitlement) -> bool: ...
