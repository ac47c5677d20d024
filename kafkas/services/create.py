"""Creating a Kafka request (POST /kafkas, BEHAVIOUR.md §1.3): validation in upstream's order, limits, insert."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clusters import capacity, placement
from fleetmanager import errors
from fleetmanager.billing import BillingModel
from fleetmanager.fleetconfig import DEVELOPER, InstanceType, KafkaSize, Provider, Region, fleet_config
from fleetmanager.ids import new_xid
from fleetmanager.kicks import kick
from fleetmanager.principal import Principal
from kafkas import selectors
from kafkas.models import KafkaRequest, KafkaStatus, KafkaStatusChange
from kafkas.services.transitions import RECONCILE_TASK
from quota import services as quota_services
from quota.backend import BillingRequest, QuotaBackend, Reservation

logger = logging.getLogger("fleetmanager.kafkas")

NAME_PATTERN = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
CLUSTER_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]*$")
NAME_MAX_LENGTH = 32
TEXT_MAX_LENGTH = 255


@dataclass(frozen=True, slots=True)
class KafkaCreate:
    """The validated-by-type body of POST /kafkas (KafkaRequestPayload)."""

    name: str = ""
    cloud_provider: str = ""
    region: str = ""
    reauthentication_enabled: bool | None = None
    plan: str = ""
    billing_cloud_account_id: str = ""
    marketplace: str = ""
    billing_model: str = ""
    cluster_id: str = ""


def kafka_create(*, principal: Principal, request: KafkaCreate) -> KafkaRequest:
    """Validate in upstream's order (first failure wins, §1.3), then insert an accepted row.

    Limits (region capacity, trial count, quota) are checked and the row inserted
    under one database lock, so concurrent creates cannot both squeeze past a limit.
    """
    _validate_name(request.name)
    if selectors.name_taken(org_id=principal.org_id, name=request.name):
        raise _duplicate_name()
    if not principal.username or not principal.org_id:
        raise errors.ServiceError(
            errors.FORBIDDEN, "the token must carry a username and an organisation id to create a Kafka"
        )
    instance_type = fleet_config().instance_types.get(quota_services.instance_type_assign(principal))
    assert instance_type is not None, "instance_type_assign returns configured types only"
    provider, region = _resolve_location(request, instance_type)
    _validate_cluster_id(request.cluster_id)
    size = _resolve_size(request.plan, instance_type)
    requested_billing_model = _validate_billing_model(request, instance_type)
    _validate_billing_account(request)

    plan = _CreatePlan(
        principal=principal,
        request=request,
        instance_type=instance_type,
        size=size,
        provider=provider,
        region=region,
        billing=BillingRequest(requested_billing_model, request.marketplace, request.billing_cloud_account_id),
    )
    quota = quota_services.backend()
    if not quota.remote:
        return _insert(plan, quota, reservation=None)
    # Remote quota (AMS) is reserved outside any transaction, after the local checks that would
    # refuse the Kafka anyway, and given back if the insert then fails.
    _capacity_checks(plan)
    reservation = quota.reserve(
        principal=principal,
        kafka_id=plan.kafka_id,
        instance_type=instance_type,
        size=size,
        billing=plan.billing,
        usage=selectors.streaming_units_used,
        cloud_provider=plan.cloud_provider,
    )
    try:
        return _insert(plan, quota, reservation=reservation)
    except BaseException:
        quota_services.release_quietly(quota, reservation, reason=f"create of kafka {plan.kafka_id} failed")
        raise


@dataclass(frozen=True)
class _CreatePlan:
    principal: Principal
    request: KafkaCreate
    instance_type: InstanceType
    size: KafkaSize
    provider: Provider | None
    region: Region | None
    billing: BillingRequest
    kafka_id: str = field(default_factory=new_xid)

    @property
    def cloud_provider(self) -> str:
        return self.provider.name if self.provider else "aws"


def _insert(plan: _CreatePlan, quota: QuotaBackend, reservation: Reservation | None) -> KafkaRequest:
    """Re-check every limit and insert, under the capacity lock, so concurrent creates cannot both pass."""
    try:
        with transaction.atomic():
            capacity.lock()
            cluster_id, provider_name, region_name = _capacity_checks(plan)
            if reservation is None:
                reservation = quota.reserve(
                    principal=plan.principal,
                    kafka_id=plan.kafka_id,
                    instance_type=plan.instance_type,
                    size=plan.size,
                    billing=plan.billing,
                    usage=selectors.streaming_units_used,
                )
            return _create_row(plan, quota, reservation, cluster_id, provider_name, region_name)
    except IntegrityError:
        # The partial unique index caught a concurrent create with the same name.
        raise _duplicate_name() from None


def _capacity_checks(plan: _CreatePlan) -> tuple[str, str, str]:
    """Name, placement (or enterprise cluster) and Trial limit: the cluster id, provider and region to use."""
    principal, request, instance_type, size = plan.principal, plan.request, plan.instance_type, plan.size
    if selectors.name_taken(org_id=principal.org_id, name=request.name):
        raise _duplicate_name()
    if request.cluster_id:
        cluster_id, provider_name, region_name = _place_enterprise(principal, request.cluster_id, instance_type, size)
    else:
        assert plan.provider is not None and plan.region is not None
        _check_region_capacity(plan.provider, plan.region, instance_type, size)
        cluster_id = _place_now(plan.provider, plan.region, instance_type, size)
        provider_name, region_name = plan.provider.name, plan.region.name
    _check_developer_limit(principal, instance_type)
    return cluster_id, provider_name, region_name


def _create_row(
    plan: _CreatePlan,
    quota: QuotaBackend,
    reservation: Reservation,
    cluster_id: str,
    provider_name: str,
    region_name: str,
) -> KafkaRequest:
    principal, request, size = plan.principal, plan.request, plan.size
    now = timezone.now()
    kafka = KafkaRequest.objects.create(
        id=plan.kafka_id,
        name=request.name,
        owner=principal.username,
        owner_account_id=principal.account_id,
        organisation_id=principal.org_id,
        cloud_provider=provider_name,
        region=region_name,
        multi_az=plan.instance_type.multi_az,
        instance_type=plan.instance_type.id,
        size_id=size.id,
        max_data_retention_size=size.max_data_retention_size,
        reauthentication_enabled=True if request.reauthentication_enabled is None else request.reauthentication_enabled,
        expires_at=now + timedelta(seconds=size.lifespan_seconds) if size.lifespan_seconds else None,
        quota_type=quota.name,
        subscription_id=reservation.subscription_id,
        actual_kafka_billing_model=reservation.billing_model,
        desired_kafka_billing_model=reservation.billing_model,
        billing_cloud_account_id=reservation.billing_cloud_account_id,
        marketplace=reservation.marketplace,
        cluster_id=cluster_id,
        status=KafkaStatus.ACCEPTED,
    )
    KafkaStatusChange.objects.create(
        kafka=kafka, from_status="", to_status=KafkaStatus.ACCEPTED, reason="created", actor=principal.username
    )
    kick(RECONCILE_TASK, kafka.id)
    logger.info(
        "kafka %s: created (%s %s, %s)",
        kafka.id,
        kafka.instance_type,
        kafka.size_id,
        cluster_id or "placed later",
        extra={"kafka_id": kafka.id, "cluster_id": cluster_id, "to_status": KafkaStatus.ACCEPTED, "reason": "created"},
    )
    return kafka


def _place_enterprise(
    principal: Principal, cluster_id: str, instance_type: InstanceType, size: KafkaSize
) -> tuple[str, str, str]:
    """An enterprise Kafka goes on the cluster it names, and takes that cluster's provider and region."""
    cluster, reason = placement.place_enterprise(
        cluster_id=cluster_id,
        org_id=principal.org_id,
        instance_type=instance_type.id,
        capacity_consumed=size.capacity_consumed,
    )
    if cluster is None:
        # Upstream hides the reason; the same code and message, with the reason appended.
        raise errors.ServiceError(
            errors.TOO_MANY_KAFKA_INSTANCES,
            f'cluster "{cluster_id}" cannot accept instance type: "{instance_type.id}" at this moment: {reason}',
        )
    return cluster.cluster_id, cluster.cloud_provider, cluster.region


def _place_now(provider: Provider, region: Region, instance_type: InstanceType, size: KafkaSize) -> str:
    """Outside auto scaling a cluster is chosen at create time, so a full fleet answers 403/24 at once."""
    if settings.FLEET_DATAPLANE_SCALING_TYPE == "auto":
        return ""  # the reconciler places it, waiting up to an hour for new capacity
    cluster = placement.place(
        placement.PlacementRequest(
            cloud_provider=provider.name,
            region=region.name,
            instance_type=instance_type.id,
            multi_az=instance_type.multi_az,
            capacity_consumed=size.capacity_consumed,
        )
    )
    if cluster is None:
        raise errors.ServiceError(
            errors.TOO_MANY_KAFKA_INSTANCES,
            f"region {region.name} cannot accept instance type: {instance_type.id} at this moment",
        )
    return cluster.cluster_id


def _duplicate_name() -> errors.ServiceError:
    return errors.ServiceError(errors.DUPLICATE_KAFKA_NAME, "Kafka cluster name is already used")


def _validate_name(name: str) -> None:
    if len(name) > NAME_MAX_LENGTH:
        raise errors.ServiceError(errors.MAXIMUM_FIELD_LENGTH, f"name is longer than {NAME_MAX_LENGTH} characters")
    if not name:
        raise errors.ServiceError(errors.MINIMUM_FIELD_LENGTH, "name is required and must not be empty")
    if not NAME_PATTERN.match(name):
        raise errors.ServiceError(
            errors.MALFORMED_KAFKA_NAME,
            f"name does not match {NAME_PATTERN.pattern}: lowercase letters, digits and '-', "
            "starting with a letter and ending with a letter or digit",
        )


def _resolve_location(request: KafkaCreate, instance_type: InstanceType) -> tuple[Provider | None, Region | None]:
    """Provider and region, defaults applied (§1.3 step 6). Skipped for enterprise clusters."""
    if request.cluster_id:
        return None, None
    providers = fleet_config().providers
    provider = providers.get(request.cloud_provider) if request.cloud_provider else providers.default_provider()
    if provider is None:
        raise errors.ServiceError(
            errors.PROVIDER_NOT_SUPPORTED,
            f"provider {request.cloud_provider} is not supported, supported providers are: [{' '.join(providers.names)}]",
        )
    region = provider.region(request.region) if request.region else provider.default_region()
    if region is None:
        names = " ".join(r.name for r in provider.regions)
        raise errors.ServiceError(
            errors.REGION_NOT_SUPPORTED,
            f"region {request.region} is not supported for {provider.name}, supported regions are: [{names}]",
        )
    if not region.supports(instance_type.id):
        raise errors.ServiceError(
            errors.INSTANCE_TYPE_NOT_SUPPORTED,
            f'instance type "{instance_type.id}" not supported for region "{region.name}"',
        )
    return provider, region


def _validate_cluster_id(cluster_id: str) -> None:
    if cluster_id and not CLUSTER_ID_PATTERN.match(cluster_id):
        raise errors.ServiceError(
            errors.INVALID_CLUSTER_ID, f"cluster_id '{cluster_id}' must contain only letters and digits"
        )


def _resolve_size(plan: str, instance_type: InstanceType) -> KafkaSize:
    """The size named by ``plan`` (``<instance_type>.<size_id>``), else the type's first size."""
    if not plan:
        return instance_type.sizes[0]
    type_id, dot, size_id = plan.partition(".")
    if not dot or not type_id or not size_id or "." in size_id:
        raise errors.bad_request(f'unable to detect instance type in plan provided: "{plan}"')
    if type_id != instance_type.id:
        raise errors.bad_request(
            f'unable to detect instance type in plan provided: "{plan}": your quota allows instance type '
            f'"{instance_type.id}" only'
        )
    size = instance_type.size(size_id)
    if size is None:
        sizes = ", ".join(f"{instance_type.id}.{s.id}" for s in instance_type.sizes)
        raise errors.ServiceError(
            errors.INSTANCE_PLAN_NOT_SUPPORTED, f'unsupported plan provided: "{plan}"; available plans: {sizes}'
        )
    return size


def _validate_billing_model(request: KafkaCreate, instance_type: InstanceType) -> str:
    model = request.billing_model
    if request.cluster_id:
        if model and model != BillingModel.ENTERPRISE:
            raise errors.ServiceError(
                errors.BILLING_ACCOUNT_INVALID,
                f"Billing account id missing or invalid: billing model must be 'enterprise' when cluster_id is "
                f"given, got '{model}'",
            )
        return BillingModel.ENTERPRISE
    if model == BillingModel.ENTERPRISE:
        raise errors.bad_request("cluster_id must be supplied when billing_model is 'enterprise'")
    if model and instance_type.billing_model(model) is None:
        # Upstream answers 500 here; an unknown value is the caller's mistake.
        supported = ", ".join(bm.id for bm in instance_type.supported_billing_models)
        raise errors.bad_request(
            f"billing_model '{model}' is not supported by instance type '{instance_type.id}'; supported: {supported}"
        )
    return model


def _validate_billing_account(request: KafkaCreate) -> None:
    for name in ("billing_cloud_account_id", "marketplace"):
        if len(getattr(request, name)) > TEXT_MAX_LENGTH:
            raise errors.ServiceError(
                errors.MAXIMUM_FIELD_LENGTH, f"{name} is longer than {TEXT_MAX_LENGTH} characters"
            )
    if request.marketplace and not request.billing_cloud_account_id:
        raise errors.ServiceError(
            errors.BILLING_ACCOUNT_INVALID,
            "Billing account id missing or invalid: marketplace requires billing_cloud_account_id",
        )


def _check_region_capacity(provider: Provider, region: Region, instance_type: InstanceType, size: KafkaSize) -> None:
    if not capacity.region_fits(cloud_provider=provider.name, region=region, instance_type=instance_type, size=size):
        raise errors.ServiceError(
            errors.TOO_MANY_KAFKA_INSTANCES,
            f"region {region.name} cannot accept instance type: {instance_type.id} at this moment",
        )


def _check_developer_limit(principal: Principal, instance_type: InstanceType) -> None:
    if instance_type.id != DEVELOPER:
        return
    if not settings.FLEET_ALLOW_DEVELOPER_INSTANCE:
        raise errors.ServiceError(errors.FORBIDDEN, "kafka Trial instances are not allowed")
    maximum = settings.FLEET_MAX_ALLOWED_DEVELOPER_INSTANCES
    if selectors.developer_instance_count(org_id=principal.org_id, owner=principal.username) >= maximum:
        noun = "Trial instance is" if maximum == 1 else "Trial instances are"
        raise errors.ServiceError(errors.TOO_MANY_KAFKA_INSTANCES, f"only {maximum} {noun} allowed")
