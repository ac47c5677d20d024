"""`quota-management-list-configuration.yaml`: who may create which instance types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fleetmanager.fleetconfig.reader import Node

FILE = "quota-management-list-configuration.yaml"
EXPIRATION_FORMAT = "%Y-%m-%d %z"


@dataclass(frozen=True, slots=True)
class BillingModelQuota:
    id: str
    max_allowed_instances: int  # 0: fall back to the account's or the global maximum
    expiration_date: datetime | None


@dataclass(frozen=True, slots=True)
class GrantedQuota:
    instance_type_id: str
    kafka_billing_models: tuple[BillingModelQuota, ...]

    def billing_model(self, billing_model_id: str) -> BillingModelQuota | None:
        return next((bm for bm in self.kafka_billing_models if bm.id == billing_model_id), None)


@dataclass(frozen=True, slots=True)
class QuotaAccount:
    """A registered service account (username) or organisation."""

    id: str
    max_allowed_instances: int  # 0: fall back to the global maximum (FLEET_MAX_ALLOWED_INSTANCES)
    granted_quota: tuple[GrantedQuota, ...]
    any_user: bool = False
    registered_users: tuple[str, ...] = ()

    def grant(self, instance_type_id: str) -> GrantedQuota | None:
        return next((g for g in self.granted_quota if g.instance_type_id == instance_type_id), None)

    def is_user_registered(self, username: str) -> bool:
        if self.any_user and not self.registered_users:
            return True
        return username in self.registered_users


@dataclass(frozen=True, slots=True)
class QuotaList:
    service_accounts: tuple[QuotaAccount, ...]
    organisations: tuple[QuotaAccount, ...]

    def service_account(self, username: str) -> QuotaAccount | None:
        return next((a for a in self.service_accounts if a.id == username), None)

    def organisation(self, org_id: str) -> QuotaAccount | None:
        return next((o for o in self.organisations if o.id == org_id), None)


_DEFAULT_GRANT = (GrantedQuota("standard", (BillingModelQuota("standard", 0, None),)),)


def _expiration(node: Node) -> datetime | None:
    text = node.string("expiration_date", None)
    if text is None:
        return None
    try:
        # "2022-12-06 +01:00": strptime's %z accepts the colon form.
        return datetime.strptime(text.strip(), EXPIRATION_FORMAT)
    except ValueError:
        raise node.error(f"{text!r} must look like 'YYYY-MM-DD +HH:MM'", "expiration_date") from None


def _billing_models(node: Node) -> tuple[BillingModelQuota, ...]:
    models = tuple(
        BillingModelQuota(
            id=item.string("id"),
            max_allowed_instances=item.integer("max_allowed_instances", 0, minimum=0),
            expiration_date=_expiration(item),
        )
        for item in node.items()
    )
    return models or (BillingModelQuota("standard", 0, None),)


def _granted(node: Node, instance_types: dict[str, tuple[str, ...]]) -> tuple[GrantedQuota, ...]:
    grants = []
    for item in node.items():
        type_id = item.string("instance_type_id")
        if type_id not in instance_types:
            raise item.error(f"unknown instance type {type_id!r}", "instance_type_id")
        models = _billing_models(item.child("kafka_billing_models"))
        for model in models:
            if model.id not in instance_types[type_id]:
                raise item.error(
                    f"billing model {model.id!r} is not supported by instance type {type_id!r} "
                    f"(supported: {', '.join(instance_types[type_id])})",
                    "kafka_billing_models",
                )
        grants.append(GrantedQuota(type_id, models))
    return tuple(grants) or _DEFAULT_GRANT


def _account(node: Node, key: str, instance_types: dict[str, tuple[str, ...]]) -> QuotaAccount:
    return QuotaAccount(
        id=node.string(key),
        max_allowed_instances=node.integer("max_allowed_instances", 0, minimum=0),
        granted_quota=_granted(node.child("granted_quota"), instance_types),
        any_user=node.boolean("any_user", False),
        registered_users=node.strings("registered_users"),
    )


def parse_quota_list(document: object, instance_types: dict[str, tuple[str, ...]]) -> QuotaList:
    """``instance_types`` maps each instance type id to its billing model ids, for validation."""
    root = Node(FILE, document)
    accounts = tuple(
        _account(item, "username", instance_types) for item in root.child("registered_service_accounts").items()
    )
    organisations = tuple(
        _account(item, "id", instance_types) for item in root.child("registered_users_per_organisation").items()
    )
    for what, entries in (
        ("registered_service_accounts", accounts),
        ("registered_users_per_organisation", organisations),
    ):
        ids = [entry.id for entry in entries]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise root.error(f"duplicate entries: {', '.join(duplicates)}", what)
    return QuotaList(service_accounts=accounts, organisations=organisations)
