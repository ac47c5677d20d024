"""Reads of Kafka requests: tenant visibility, listing with search, and the counts quota and capacity use."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When

from clusters import capacity
from clusters.capacity import SizeCount
from fleetmanager import errors
from fleetmanager.billing import BillingModel
from fleetmanager.principal import Principal
from fleetmanager.query.ordering import OrderByError, parse_order_by
from fleetmanager.query.search import SearchError, parse_search
from kafkas.models import DATA_PLANE_STATUSES, KafkaQuerySet, KafkaRequest, KafkaStatus

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


def kafka_list(*, principal: Principal | None, search: str = "", order_by: str = "") -> KafkaQuerySet:
    """The Kafkas ``principal`` may see (every Kafka when None: SREs), searched and ordered as the API asks."""
    try:
        condition = parse_search(search, SEARCH_COLUMNS)
    except SearchError as exc:
        raise errors.ServiceError(errors.FAILED_TO_PARSE_SEARCH, f"{LIST_CONTEXT}: {exc}") from None
    try:
        ordering = parse_order_by(order_by, ORDER_FIELDS) or ["name"]
    except OrderByError as exc:
        raise errors.ServiceError(errors.MALFORMED_REQUEST, f"{LIST_CONTEXT}: {exc}") from None
    # `id` last keeps pages stable when the requested order has ties.
    rows = kafkas_visible_to(principal) if principal is not None else KafkaRequest.objects.all()
    return rows.filter(condition).order_by(*ordering, "id")


def kafka_get(*, principal: Principal, kafka_id: str) -> KafkaRequest:
    kafka = kafkas_visible_to(principal).filter(pk=kafka_id).first()
    if kafka is None:
        raise not_found(principal, kafka_id)
    return kafka


def kafka_list_any(*, search: str = "", order_by: str = "") -> KafkaQuerySet:
    """Every live Kafka of every organisation (the admin API's list, §8), with the public list's search and order."""
    return kafka_list(principal=None, search=search, order_by=order_by)


def kafka_get_any(kafka_id: str) -> KafkaRequest:
    """Any live Kafka, whatever its organisation (SREs: the admin API and the console)."""
    kafka = KafkaRequest.objects.filter(pk=kafka_id).first()
    if kafka is None:
        raise errors.not_found(f"KafkaResource with id='{kafka_id}' not found")
    return kafka


def not_found(principal: Principal, kafka_id: str) -> errors.ServiceError:
    return errors.not_found(f"KafkaResource for user {principal.username} with id='{kafka_id}' not found")


def name_taken(*, org_id: str, name: str) -> bool:
    return KafkaRequest.objects.filter(organisation_id=org_id, name=name).exists()


def developer_instance_count(*, org_id: str, owner: str) -> int:
    return KafkaRequest.objects.filter(organisation_id=org_id, owner=owner, instance_type="developer").count()


def streaming_units_used(
    *,
    instance_type: str,
    billing_model: str,
    org_id: str | None = None,
    owner: str | None = None,
    exclude_kafka_id: str = "",
) -> int:
    """Units held by an org or owner for one instance type and billing model (actual or desired).

    The quota list's ``UsageCounter`` (``quota.backend``): what counts against a quota limit.
    """
    rows = KafkaRequest.objects.filter(instance_type=instance_type).filter(
        Q(actual_kafka_billing_model=billing_model) | Q(desired_kafka_billing_model=billing_model)
    )
    if exclude_kafka_id:
        rows = rows.exclude(pk=exclude_kafka_id)
    if org_id is not None:
        rows = rows.filter(organisation_id=org_id)
    if owner is not None:
        rows = rows.filter(owner=owner)
    return capacity.total_units(_size_counts(rows))


def _size_counts(rows: QuerySet[KafkaRequest], *by: str) -> list[SizeCount]:
    grouped = rows.values("instance_type", "size_id", *by).annotate(n=Count("id")).order_by()
    return [
        SizeCount(row["instance_type"], row["size_id"], row["n"], cluster_id=row.get("cluster_id", ""))
        for row in grouped
    ]


class KafkaCensus:
    """Where the Kafkas are, for capacity counting in the clusters app (``clusters.capacity.KafkaCensus``).

    Registered when Django starts (``kafkas.apps``).
    """

    def on_clusters(self, cluster_ids: Sequence[str]) -> list[SizeCount]:
        rows = KafkaRequest.objects.filter(cluster_id__in=cluster_ids).exclude(status=KafkaStatus.DELETING)
        return _size_counts(rows, "cluster_id")

    def in_region(self, *, cloud_provider: str, region: str, instance_type: str) -> list[SizeCount]:
        rows = KafkaRequest.objects.filter(
            cloud_provider=cloud_provider, region=region, instance_type=instance_type
        ).exclude(desired_kafka_billing_model=BillingModel.ENTERPRISE)
        return _size_counts(rows)

    def units_on_cluster(self, cluster_ref: Any, instance_type: str, units_by_size: Mapping[str, int]) -> QuerySet:
        # Sizes' units are written into the SQL as a CASE, so the sum runs in the database.
        units = Case(
            *[When(size_id=size_id, then=Value(units)) for size_id, units in units_by_size.items()],
            default=Value(1),
            output_field=IntegerField(),
        )
        return (
            KafkaRequest.objects.filter(cluster_id=cluster_ref, instance_type=instance_type)
            .exclude(status=KafkaStatus.DELETING)
            .order_by()
            .values("cluster_id")
            .annotate(total=Sum(units))
            .values("total")
        )


def status_counts() -> dict[str, int]:
    counts = dict.fromkeys(KafkaStatus.values, 0)
    for row in KafkaRequest.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def kafkas_by_id(kafka_ids: Sequence[str]) -> dict[str, KafkaRequest]:
    """Live Kafkas with these ids (unknown or deleted ids are absent)."""
    return {kafka.id: kafka for kafka in KafkaRequest.objects.filter(pk__in=kafka_ids)}


def kafkas_on_data_plane(cluster_id: str) -> KafkaQuerySet:
    """A cluster's Kafkas its agent must run or remove: prepared (a bootstrap host) and in a data-plane status."""
    return (
        KafkaRequest.objects.filter(cluster_id=cluster_id, status__in=DATA_PLANE_STATUSES)
        .exclude(bootstrap_server_host="")
        .order_by("created_at", "id")
    )


# Upstream's version gauges (§10): one series per Kafka, version and kind, valued at the scrape time.
VERSION_FIELDS = {
    "strimzi": ("actual_strimzi_version", "desired_strimzi_version", "strimzi_upgrading"),
    "kafka": ("actual_kafka_version", "desired_kafka_version", "kafka_upgrading"),
    "kafka_ibp": ("actual_kafka_ibp_version", "desired_kafka_ibp_version", "kafka_ibp_upgrading"),
}


def version_series(component: str, now: float) -> dict[tuple[str, str, str, str], float]:
    """``{(cluster_id, kafka_id, type, version): now}``: ``actual`` and ``desired`` versions of every
    Kafka placed on a cluster, and ``upgrade`` (to the desired version) while the agent upgrades it."""
    actual, desired, upgrading = VERSION_FIELDS[component]
    series: dict[tuple[str, str, str, str], float] = {}
    rows = (
        KafkaRequest.objects.exclude(cluster_id="")
        .exclude(status__in=(KafkaStatus.DELETING, KafkaStatus.FAILED))
        .values_list("cluster_id", "id", actual, desired, upgrading)
        .order_by()
    )
    for cluster_id, kafka_id, actual_version, desired_version, is_upgrading in rows:
        for kind, version in (("actual", actual_version), ("desired", desired_version)):
            if version:
                series[(cluster_id, kafka_id, kind, version)] = now
        if is_upgrading and desired_version:
            series[(cluster_id, kafka_id, "upgrade", desired_version)] = now
    return series
