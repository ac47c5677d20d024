"""Reads of Kafka requests: tenant visibility, listing with search, capacity sums."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from fleetmanager import errors
from fleetmanager.fleetconfig import fleet_config
from fleetmanager.principal import Principal
from fleetmanager.query.ordering import OrderByError, parse_order_by
from fleetmanager.query.search import SearchError, parse_search
from kafkas.models import BillingModel, KafkaQuerySet, KafkaRequest, KafkaStatus

LIST_CONTEXT = "unable to list kafka requests"

# `search` columns (§2.1), API name -> model field.
SEARCH_COLUMNS = {
    "region": "region",
    "name": "name",
    "cloud_provider": "cloud_provider",
    "status": "status",
    "owner": "owner",
    "cluster_id": "cluster_id",
    "instance_type": "instance_type",
}

# `orderBy` fields (§2.2). `href` sorts like `id`; `version` is the actual Kafka version.
ORDER_FIELDS = {
    "admin_api_server_url": "admin_api_server_url",
    "bootstrap_server_host": "bootstrap_server_host",
    "cloud_provider": "cloud_provider",
    "cluster_id": "cluster_id",
    "created_at": "created_at",
    "href": "id",
    "id": "id",
    "instance_type": "instance_type",
    "multi_az": "multi_az",
    "name": "name",
    "organisation_id": "organisation_id",
    "owner": "owner",
    "reauthentication_enabled": "reauthentication_enabled",
    "region": "region",
    "status": "status",
    "updated_at": "updated_at",
    "version": "actual_kafka_version",
}


def kafkas_visible_to(principal: Principal) -> KafkaQuerySet:
    """Every Kafka of the caller's organisation; without an org, only the caller's own."""
    if principal.org_id:
        return KafkaRequest.objects.in_org(principal.org_id)
    return KafkaRequest.objects.filter(owner=principal.username)


def kafka_list(*, principal: Principal, search: str = "", order_by: str = "") -> KafkaQuerySet:
    try:
        condition = parse_search(search, SEARCH_COLUMNS)
    except SearchError as exc:
        raise errors.ServiceError(errors.FAILED_TO_PARSE_SEARCH, f"{LIST_CONTEXT}: {exc}") from None
    try:
        ordering = parse_order_by(order_by, ORDER_FIELDS) or ["name"]
    except OrderByError as exc:
        raise errors.ServiceError(errors.MALFORMED_REQUEST, f"{LIST_CONTEXT}: {exc}") from None
    # `id` last keeps pages stable when the requested order has ties.
    return kafkas_visible_to(principal).filter(condition).order_by(*ordering, "id")


def kafka_get(*, principal: Principal, kafka_id: str) -> KafkaRequest:
    kafka = kafkas_visible_to(principal).filter(pk=kafka_id).first()
    if kafka is None:
        raise not_found(principal, kafka_id)
    return kafka


def not_found(principal: Principal, kafka_id: str) -> errors.ServiceError:
    return errors.not_found(f"KafkaResource for user {principal.username} with id='{kafka_id}' not found")


def name_taken(*, org_id: str, name: str) -> bool:
    return KafkaRequest.objects.filter(organisation_id=org_id, name=name).exists()


def developer_instance_count(*, org_id: str, owner: str) -> int:
    return KafkaRequest.objects.filter(organisation_id=org_id, owner=owner, instance_type="developer").count()


def _units(rows: Iterable[dict]) -> int:
    """Σ capacityConsumed over grouped (instance_type, size_id, n) rows, sizes from config."""
    types = fleet_config().instance_types
    total = 0
    for row in rows:
        instance_type = types.get(row["instance_type"])
        size = instance_type.size(row["size_id"]) if instance_type else None
        # A size removed from the config still occupies capacity; count it as one unit.
        total += (size.capacity_consumed if size else 1) * row["n"]
    return total


def streaming_units_used(
    *,
    instance_type: str,
    billing_model: str,
    org_id: str | None = None,
    owner: str | None = None,
    exclude_kafka_id: str = "",
) -> int:
    """Units held by an org or owner for one instance type and billing model (actual or desired)."""
    rows = KafkaRequest.objects.filter(instance_type=instance_type).filter(
        Q(actual_kafka_billing_model=billing_model) | Q(desired_kafka_billing_model=billing_model)
    )
    if exclude_kafka_id:
        rows = rows.exclude(pk=exclude_kafka_id)
    if org_id is not None:
        rows = rows.filter(organisation_id=org_id)
    if owner is not None:
        rows = rows.filter(owner=owner)
    return _units(rows.values("instance_type", "size_id").annotate(n=Count("id")))


def kafkas_on_cluster(cluster_id: str) -> KafkaQuerySet:
    return KafkaRequest.objects.filter(cluster_id=cluster_id)


def units_used_on_cluster(cluster_id: Any, instance_type: str) -> QuerySet:
    """A one-value subquery: units of ``instance_type`` on the cluster (any status but deleting).

    Sizes' units come from the configuration, written into the SQL as a CASE, so the
    sum runs in the database.
    """
    sizes = fleet_config().instance_types.get(instance_type)
    units = Case(
        *[When(size_id=size.id, then=Value(size.capacity_consumed)) for size in (sizes.sizes if sizes else ())],
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        KafkaRequest.objects.filter(cluster_id=cluster_id, instance_type=instance_type)
        .exclude(status=KafkaStatus.DELETING)
        .order_by()
        .values("cluster_id")
        .annotate(total=Sum(units))
        .values("total")
    )


def cluster_units_used(cluster_ids: list[str]) -> dict[str, dict[str, int]]:
    """Units held on each cluster per instance type, by Kafkas in any status but deleting (§6.5)."""
    rows = (
        KafkaRequest.objects.filter(cluster_id__in=cluster_ids)
        .exclude(status=KafkaStatus.DELETING)
        .values("cluster_id", "instance_type", "size_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    used: dict[str, dict[str, int]] = {}
    for row in rows:
        per_type = used.setdefault(row["cluster_id"], {})
        per_type[row["instance_type"]] = per_type.get(row["instance_type"], 0) + _units([row])
    return used


def region_units_used(*, cloud_provider: str, region: str, instance_type: str) -> int:
    """Units of non-enterprise Kafkas in a region, in any status until soft delete (§6.6)."""
    rows = (
        KafkaRequest.objects.filter(cloud_provider=cloud_provider, region=region, instance_type=instance_type)
        .exclude(desired_kafka_billing_model=BillingModel.ENTERPRISE)
        .values("instance_type", "size_id")
        .annotate(n=Count("id"))
    )
    return _units(rows)


def status_counts() -> dict[str, int]:
    counts = dict.fromkeys(KafkaStatus.values, 0)
    for row in KafkaRequest.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts
