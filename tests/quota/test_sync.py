"""Syncing the YAML files into the quota tables: file rows follow the file, admin rows stay."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from pytest_django import DjangoAssertNumQueries

from fleetmanager.fleetconfig import fleet_config, reset_fleet_config
from quota import selectors
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
from quota.services.sync import SyncReport, quota_sync_from_config
from tests.quota.factories import (
    AllowedOrganisationFactory,
    DeniedUserFactory,
    GrantedBillingModelFactory,
    QuotaOrganisationFactory,
    QuotaServiceAccountFactory,
    RegisteredUserFactory,
)

pytestmark = pytest.mark.django_db

QUOTA = "quota-management-list-configuration.yaml"
DENY = "deny-list-configuration.yaml"
ACCESS = "access-list-configuration.yaml"
CONTROL_PLANE_ORG = "13640203"
FIRST_SA = "testuser1@example.com"
# The shipped files: 5 organisations, 5 service accounts, 2 denied users, 5 allowed organisations.
SHIPPED_ROWS = 17


@pytest.fixture(autouse=True)
def empty_tables(config_dir: Path) -> Path:
    """Start from empty tables and an editable copy of config/, whatever other fixtures loaded."""
    for model in (QuotaOrganisation, QuotaServiceAccount, DeniedUser, AllowedOrganisation):
        model.objects.all().delete()
    return config_dir


def edit(config_dir: Path, name: str, change: Callable[[Any], object]) -> None:
    """Let ``change`` edit a YAML file's document in place (its return value is ignored)."""
    path = config_dir / name
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document))
    reset_fleet_config()


def counts(report: SyncReport) -> tuple[int, int, int]:
    return report.created, report.updated, report.deleted


def org_in_file(document: Any, org_id: str = CONTROL_PLANE_ORG) -> dict[str, Any]:
    return next(o for o in document["registered_users_per_organisation"] if str(o["id"]) == org_id)


def test_a_first_sync_creates_every_entry_of_the_files() -> None:
    report = quota_sync_from_config()

    assert counts(report) == (SHIPPED_ROWS, 0, 0)
    assert QuotaOrganisation.objects.filter(source=Source.FILE).count() == 5
    assert QuotaServiceAccount.objects.filter(source=Source.FILE).count() == 5
    assert set(DeniedUser.objects.values_list("username", flat=True)) == {
        "denied-test-user1@example.com",
        "denied-test-user2@example.com",
    }
    assert AllowedOrganisation.objects.filter(org_id=CONTROL_PLANE_ORG, source=Source.FILE).exists()
    org = QuotaOrganisation.objects.get(org_id=CONTROL_PLANE_ORG)
    assert (org.any_user, org.max_allowed_instances) == (True, 5)
    models = GrantedBillingModel.objects.filter(grant__organisation=org, grant__instance_type_id="standard")
    assert list(models.values_list("billing_model_id", "max_allowed_instances")) == [
        ("standard", 5),
        ("marketplace", 5),
        ("enterprise", 5),
        ("eval", 0),
    ]


def test_the_tables_answer_as_the_file_did() -> None:
    quota_sync_from_config()
    quota_list = fleet_config().quota_list
    for account in quota_list.organisations:
        entry = selectors.organisation_entry(org_id=account.id, username="anyone@example.com")
        assert entry is not None
        assert (entry.max_allowed_instances, entry.granted_quota) == (
            account.max_allowed_instances,
            account.granted_quota,
        )
    for account in quota_list.service_accounts:
        entry = selectors.service_account_entry(username=account.id)
        assert entry is not None
        assert (entry.max_allowed_instances, entry.granted_quota) == (
            account.max_allowed_instances,
            account.granted_quota,
        )


def test_a_second_sync_changes_nothing() -> None:
    quota_sync_from_config()
    report = quota_sync_from_config()
    assert counts(report) == (0, 0, 0)
    assert report.changes == []


def test_it_updates_an_entry_changed_in_the_file(config_dir: Path) -> None:
    quota_sync_from_config()

    def change(document: Any) -> None:
        org = org_in_file(document)
        org.update(max_allowed_instances=7, any_user=False, registered_users=["alice", "bob"])
        org["granted_quota"][0]["kafka_billing_models"] = [
            {"id": "standard", "max_allowed_instances": 2, "expiration_date": "2030-01-31 +01:00"}
        ]

    edit(config_dir, QUOTA, change)
    report = quota_sync_from_config()

    assert counts(report) == (0, 1, 0)
    assert report.changes == [f"update organisation '{CONTROL_PLANE_ORG}'"]
    org = QuotaOrganisation.objects.get(org_id=CONTROL_PLANE_ORG)
    assert (org.any_user, org.max_allowed_instances, org.source) == (False, 7, Source.FILE)
    assert list(org.registered_users.values_list("username", flat=True)) == ["alice", "bob"]
    (model,) = GrantedBillingModel.objects.filter(grant__organisation=org)
    assert (model.billing_model_id, model.max_allowed_instances) == ("standard", 2)
    assert model.expiration_date == datetime(2030, 1, 31, tzinfo=timezone(timedelta(hours=1)))
    assert counts(quota_sync_from_config()) == (0, 0, 0)


def test_it_deletes_file_rows_gone_from_the_file(config_dir: Path) -> None:
    quota_sync_from_config()
    edit(config_dir, QUOTA, lambda doc: doc["registered_users_per_organisation"].pop(0))
    edit(config_dir, QUOTA, lambda doc: doc["registered_service_accounts"].pop(0))
    edit(config_dir, DENY, lambda doc: doc.pop(0))
    edit(config_dir, ACCESS, lambda doc: doc.remove(int(CONTROL_PLANE_ORG)))

    report = quota_sync_from_config()

    assert counts(report) == (0, 0, 4)
    assert not QuotaOrganisation.objects.filter(org_id=CONTROL_PLANE_ORG).exists()
    assert not QuotaGrant.objects.filter(organisation__isnull=True, service_account__isnull=True).exists()
    assert not QuotaServiceAccount.objects.filter(username=FIRST_SA).exists()
    assert not DeniedUser.objects.filter(username="denied-test-user1@example.com").exists()
    assert not AllowedOrganisation.objects.filter(org_id=CONTROL_PLANE_ORG).exists()
    assert f"delete organisation '{CONTROL_PLANE_ORG}' (gone from the file)" in report.changes


def test_it_keeps_rows_made_in_the_admin() -> None:
    org = GrantedBillingModelFactory(grant__organisation__org_id="70000001", max_allowed_instances=9).grant.organisation
    RegisteredUserFactory(organisation=org, username="carol")
    account = QuotaServiceAccountFactory(username="admin-made@example.com", max_allowed_instances=4)
    denied = DeniedUserFactory(username="spammer@example.com", note="abuse ticket 42")
    allowed = AllowedOrganisationFactory(org_id="80000001")

    report = quota_sync_from_config()

    assert counts(report) == (SHIPPED_ROWS, 0, 0)
    for row in (org, account, denied, allowed):
        kept = type(row).objects.get(pk=row.pk)
        assert kept.source == Source.ADMIN
        assert kept.updated_at == row.updated_at
    assert list(org.registered_users.values_list("username", flat=True)) == ["carol"]
    assert GrantedBillingModel.objects.get(grant__organisation=org).max_allowed_instances == 9


def test_the_file_wins_over_an_admin_row_with_the_same_key() -> None:
    org = QuotaOrganisationFactory(org_id=CONTROL_PLANE_ORG, any_user=False, max_allowed_instances=99)
    RegisteredUserFactory(organisation=org, username="carol")
    GrantedBillingModelFactory(grant__organisation=org, grant__instance_type_id="developer")
    account = GrantedBillingModelFactory(
        grant__organisation=None,
        grant__service_account=QuotaServiceAccountFactory(username=FIRST_SA, max_allowed_instances=99),
        billing_model_id="eval",
    ).grant.service_account
    DeniedUserFactory(username="denied-test-user1@example.com", note="kept")

    report = quota_sync_from_config()

    assert counts(report) == (SHIPPED_ROWS - 3, 3, 0)
    assert f"update organisation '{CONTROL_PLANE_ORG}' (was made in the admin)" in report.changes
    org.refresh_from_db()
    assert (org.source, org.any_user, org.max_allowed_instances) == (Source.FILE, True, 5)
    assert not org.registered_users.exists()
    assert list(org.grants.values_list("instance_type_id", flat=True)) == ["standard"]
    account.refresh_from_db()
    assert (account.source, account.max_allowed_instances) == (Source.FILE, 3)
    assert list(
        GrantedBillingModel.objects.filter(grant__service_account=account).values_list("billing_model_id", flat=True)
    ) == [
        "standard",
        "enterprise",
        "eval",
    ]
    denied = DeniedUser.objects.get(username="denied-test-user1@example.com")
    assert (denied.source, denied.note) == (Source.FILE, "kept")


def test_it_overwrites_admin_edits_of_file_rows() -> None:
    quota_sync_from_config()
    model = GrantedBillingModel.objects.get(grant__organisation__org_id=CONTROL_PLANE_ORG, billing_model_id="standard")
    model.max_allowed_instances = 50
    model.save()
    RegisteredUser.objects.create(organisation=model.grant.organisation, username="mallory")

    report = quota_sync_from_config()

    assert counts(report) == (0, 1, 0)
    org = QuotaOrganisation.objects.get(org_id=CONTROL_PLANE_ORG)
    assert not org.registered_users.exists()
    assert (
        GrantedBillingModel.objects.get(grant__organisation=org, billing_model_id="standard").max_allowed_instances == 5
    )


def test_an_entry_without_granted_quota_gets_standard_standard_rows(config_dir: Path) -> None:
    edit(
        config_dir,
        QUOTA,
        lambda doc: doc["registered_service_accounts"].append({"username": "bare@example.com"}),
    )
    quota_sync_from_config()
    rows = GrantedBillingModel.objects.filter(grant__service_account__username="bare@example.com")
    assert list(rows.values_list("grant__instance_type_id", "billing_model_id", "max_allowed_instances")) == [
        ("standard", "standard", 0)
    ]


def test_duplicates_in_a_list_make_one_row(config_dir: Path) -> None:
    edit(config_dir, DENY, lambda doc: doc.append(doc[0]))
    quota_sync_from_config()
    assert DeniedUser.objects.count() == 2
    assert counts(quota_sync_from_config()) == (0, 0, 0)


def test_a_dry_run_reports_and_writes_nothing(config_dir: Path) -> None:
    quota_sync_from_config()
    edit(config_dir, DENY, lambda doc: doc.pop(0))
    AllowedOrganisation.objects.filter(org_id=CONTROL_PLANE_ORG).delete()

    report = quota_sync_from_config(dry_run=True)

    assert report.dry_run
    assert counts(report) == (1, 0, 1)
    assert report.changes == [
        "delete denied user 'denied-test-user1@example.com' (gone from the file)",
        f"create allowed organisation '{CONTROL_PLANE_ORG}'",
    ]
    assert DeniedUser.objects.filter(username="denied-test-user1@example.com").exists()
    assert not AllowedOrganisation.objects.filter(org_id=CONTROL_PLANE_ORG).exists()


def test_the_command_prints_the_changes() -> None:
    out = StringIO()
    call_command("sync_quota_config", "--dry-run", stdout=out)
    assert f"create organisation '{CONTROL_PLANE_ORG}'" in out.getvalue()
    assert f"dry run, nothing written: would have created {SHIPPED_ROWS}, updated 0, deleted 0" in out.getvalue()
    assert not QuotaOrganisation.objects.exists()

    out = StringIO()
    call_command("sync_quota_config", stdout=out)
    assert f"created {SHIPPED_ROWS}, updated 0, deleted 0" in out.getvalue()
    assert QuotaOrganisation.objects.count() == 5


def test_a_first_sync_writes_in_bulk(django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_max_num_queries(20):
        report = quota_sync_from_config()
    assert report.created == SHIPPED_ROWS
