"""Make the quota tables match the YAML files (quota list, deny list, access list).

Rules, per key (org id, username):
- in the file: created, or overwritten when it differs; an admin row with the same key
  becomes a file row (the file wins);
- ``source=file`` but gone from the file: deleted, with its users and grants;
- ``source=admin`` and not in the file: left alone.
One transaction under a lock, so concurrent syncs (seed, reconciler, command) queue up.
Writes go in bulk per table: a first sync of the shipped files is about twenty queries.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import models, transaction

from fleetmanager import locks
from fleetmanager.fleetconfig import QuotaAccount, fleet_config
from fleetmanager.fleetconfig.quota_list import BillingModelQuota, GrantedQuota
from quota.models import (
    AllowedOrganisation,
    DeniedUser,
    GrantedBillingModel,
    QuotaGrant,
    QuotaOrganisation,
    QuotaServiceAccount,
    RegisteredUser,
    Source,
)

SYNC_LOCK = "quota-sync"

T = TypeVar("T")
Entry = QuotaOrganisation | QuotaServiceAccount
ListRow = DeniedUser | AllowedOrganisation


@dataclass
class SyncReport:
    """What a sync changed (or, in a dry run, would change): counts and one line per row."""

    dry_run: bool = False
    created: int = 0
    updated: int = 0
    deleted: int = 0
    changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted

    def record(self, verb: str, what: str, key: str, detail: str = "") -> None:
        setattr(self, verb, getattr(self, verb) + 1)
        action = {"created": "create", "updated": "update", "deleted": "delete"}[verb]
        self.changes.append(f"{action} {what} '{key}'" + (f" ({detail})" if detail else ""))


@dataclass(frozen=True, slots=True)
class _EntryKind:
    what: str
    model: type[Entry]
    key: str  # the unique field matched against the file's id/username
    fields: tuple[str, ...]  # copied from the file's QuotaAccount attribute of the same name
    grant_holder: str  # QuotaGrant's foreign key to this kind

    @property
    def has_users(self) -> bool:
        return self.model is QuotaOrganisation


ORGANISATIONS = _EntryKind(
    "organisation", QuotaOrganisation, "org_id", ("max_allowed_instances", "any_user"), "organisation"
)
SERVICE_ACCOUNTS = _EntryKind(
    "service account", QuotaServiceAccount, "username", ("max_allowed_instances",), "service_account"
)


@transaction.atomic
def quota_sync_from_config(*, dry_run: bool = False) -> SyncReport:
    """Make the tables match ``fleet_config()``; a second run changes nothing.

    With ``dry_run`` the changes are made, counted and rolled back.
    """
    config = fleet_config()
    locks.lock(SYNC_LOCK)
    report = SyncReport(dry_run=dry_run)
    _sync_entries(report, ORGANISATIONS, config.quota_list.organisations)
    _sync_entries(report, SERVICE_ACCOUNTS, config.quota_list.service_accounts)
    _sync_list(report, "denied user", DeniedUser, "username", config.deny_list)
    _sync_list(report, "allowed organisation", AllowedOrganisation, "org_id", config.access_list)
    if dry_run:
        transaction.set_rollback(True)
    return report


# --- quota entries -----------------------------------------------------------------------------


def _sync_entries(report: SyncReport, kind: _EntryKind, accounts: Iterable[QuotaAccount]) -> None:
    prefetch = ["grants__billing_models", *(["registered_users"] if kind.has_users else [])]
    existing: dict[str, Entry] = {getattr(row, kind.key): row for row in kind.model.objects.prefetch_related(*prefetch)}
    changed: list[tuple[Entry, QuotaAccount]] = []
    for account in _unique(accounts, key=lambda a: a.id):
        row = existing.pop(account.id, None)
        if row is None:
            changed.append((kind.model(**{kind.key: account.id}), account))
            report.record("created", kind.what, account.id)
        elif row.source != Source.FILE:
            changed.append((row, account))
            report.record("updated", kind.what, account.id, "was made in the admin")
        elif _state(_account_of(row), kind) != _state(account, kind):
            changed.append((row, account))
            report.record("updated", kind.what, account.id)
    _write_entries(kind, changed)
    _delete_stale(report, kind.what, kind.model, existing)


def _account_of(row: Entry) -> QuotaAccount:
    grants = tuple(
        GrantedQuota(
            grant.instance_type_id,
            tuple(
                BillingModelQuota(bm.billing_model_id, bm.max_allowed_instances, bm.expiration_date)
                for bm in grant.billing_models.all()
            ),
        )
        for grant in row.grants.all()
    )
    if not isinstance(row, QuotaOrganisation):
        return QuotaAccount(id=row.username, max_allowed_instances=row.max_allowed_instances, granted_quota=grants)
    return QuotaAccount(
        id=row.org_id,
        max_allowed_instances=row.max_allowed_instances,
        granted_quota=grants,
        any_user=row.any_user,
        registered_users=tuple(user.username for user in row.registered_users.all()),
    )


def _state(account: QuotaAccount, kind: _EntryKind) -> tuple[object, ...]:
    """What the tables hold of an entry: duplicates dropped (the first wins, as on lookup), order kept."""
    users = (account.any_user, tuple(_unique(account.registered_users))) if kind.has_users else None
    grants = tuple(
        (grant.instance_type_id, tuple(_unique(grant.kafka_billing_models, key=lambda bm: bm.id)))
        for grant in _unique(account.granted_quota, key=lambda g: g.instance_type_id)
    )
    return (account.max_allowed_instances, users, grants)


def _write_entries(kind: _EntryKind, changed: Sequence[tuple[Entry, QuotaAccount]]) -> None:
    """Give the rows the file's values and replace their users and grants with the file's."""
    existing = [row for row, _ in changed if row.pk is not None]
    for row, account in changed:
        for name in kind.fields:
            setattr(row, name, getattr(account, name))
        row.source = Source.FILE
    for row in existing:
        _clean(row)
        row.save(update_fields=[*kind.fields, "source", "updated_at"])
    _bulk_create(kind.model, [row for row, _ in changed if row.pk is None])
    if existing:
        QuotaGrant.objects.filter(**{f"{kind.grant_holder}__in": existing}).delete()
    _create_grants(kind, changed)
    if kind.has_users:
        _replace_users(existing, changed)


def _replace_users(existing: Sequence[Entry], changed: Sequence[tuple[Entry, QuotaAccount]]) -> None:
    if existing:
        RegisteredUser.objects.filter(organisation__in=existing).delete()
    users = [
        RegisteredUser(organisation=row, username=username)
        for row, account in changed
        for username in _unique(account.registered_users)
    ]
    _bulk_create(RegisteredUser, users, exclude=["organisation"])


def _create_grants(kind: _EntryKind, changed: Sequence[tuple[Entry, QuotaAccount]]) -> None:
    grants = [
        (QuotaGrant(**{kind.grant_holder: row}, instance_type_id=granted.instance_type_id), granted)
        for row, account in changed
        for granted in _unique(account.granted_quota, key=lambda g: g.instance_type_id)
    ]
    _bulk_create(QuotaGrant, [grant for grant, _ in grants], exclude=[kind.grant_holder])
    billing_models = [
        GrantedBillingModel(
            grant=grant,
            billing_model_id=model.id,
            max_allowed_instances=model.max_allowed_instances,
            expiration_date=model.expiration_date,
        )
        for grant, granted in grants
        for model in _unique(granted.kafka_billing_models, key=lambda bm: bm.id)
    ]
    _bulk_create(GrantedBillingModel, billing_models, exclude=["grant"])


# --- plain lists -------------------------------------------------------------------------------


def _sync_list(report: SyncReport, what: str, model: type[ListRow], key: str, values: Iterable[str]) -> None:
    existing: dict[str, ListRow] = {getattr(row, key): row for row in model.objects.all()}
    new = []
    for value in _unique(values):
        row = existing.pop(value, None)
        if row is None:
            new.append(model(**{key: value}, source=Source.FILE))
            report.record("created", what, value)
        elif row.source != Source.FILE:
            row.source = Source.FILE
            _clean(row)
            row.save(update_fields=["source", "updated_at"])
            report.record("updated", what, value, "was made in the admin")
    _bulk_create(model, new)
    _delete_stale(report, what, model, existing)


# --- helpers -----------------------------------------------------------------------------------


def _delete_stale(
    report: SyncReport, what: str, model: type[Entry | ListRow], left_over: dict[str, Entry] | dict[str, ListRow]
) -> None:
    """Delete the rows not in the file that came from it (their users and grants go with them)."""
    stale = {key: row for key, row in left_over.items() if row.source == Source.FILE}
    if not stale:
        return
    model.objects.filter(pk__in=[row.pk for row in stale.values()]).delete()
    for key in stale:
        report.record("deleted", what, key, "gone from the file")


def _clean(row: models.Model, exclude: Sequence[str] = ()) -> None:
    # Unique keys need no lookup per row: they are deduplicated and matched against the table
    # under the sync lock (the unique indexes back that up). A parent is checked by its own clean.
    row.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def _bulk_create(model: type[models.Model], rows: Sequence[models.Model], exclude: Sequence[str] = ()) -> None:
    for row in rows:
        _clean(row, exclude)
    if rows:
        model.objects.bulk_create(rows)


def _unique(items: Iterable[T], key: Callable[[T], Hashable] = lambda item: item) -> list[T]:
    """Items in order, later duplicates (by ``key``) dropped."""
    seen: set[Hashable] = set()
    result = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            result.append(item)
    return result
