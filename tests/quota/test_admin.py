"""The SRE admin for quota: validation names the field, new rows are 'admin' rows, lists render."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client

from quota import selectors
from quota.models import (
    AllowedOrganisation,
    DeniedUser,
    GrantedBillingModel,
    QuotaGrant,
    QuotaOrganisation,
    QuotaServiceAccount,
    Source,
)
from tests.quota.factories import (
    AllowedOrganisationFactory,
    DeniedUserFactory,
    GrantedBillingModelFactory,
    QuotaGrantFactory,
    QuotaOrganisationFactory,
    QuotaServiceAccountFactory,
)

pytestmark = pytest.mark.django_db

ADMIN = "/admin/quota"


def field_errors(row: models.Model) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        row.full_clean()
    return raised.value.message_dict


# --- model validation (what the admin forms call) --------------------------------------------


def test_it_rejects_an_unknown_instance_type() -> None:
    errors = field_errors(QuotaGrant(organisation=QuotaOrganisationFactory(), instance_type_id="enterprise"))
    assert errors == {
        "instance_type_id": [
            "'enterprise' is not an instance type of kafka-instance-types-configuration.yaml "
            "(known: standard, developer)."
        ]
    }


def test_it_rejects_a_billing_model_the_instance_type_does_not_support() -> None:
    grant = QuotaGrantFactory(instance_type_id="developer")
    errors = field_errors(GrantedBillingModel(grant=grant, billing_model_id="eval"))
    assert errors == {
        "billing_model_id": ["'eval' is not a billing model of instance type 'developer' (supported: standard)."]
    }


@pytest.mark.parametrize(
    "make",
    [
        lambda: QuotaOrganisation(org_id="70000001", max_allowed_instances=-1),
        lambda: QuotaServiceAccount(username="x@example.com", max_allowed_instances=-1),
        lambda: GrantedBillingModel(grant=QuotaGrantFactory(), billing_model_id="standard", max_allowed_instances=-1),
    ],
    ids=["organisation", "service account", "billing model"],
)
def test_it_rejects_negative_limits(make: Any) -> None:
    assert list(field_errors(make())) == ["max_allowed_instances"]


def test_a_grant_needs_exactly_one_holder() -> None:
    both = QuotaGrant(
        organisation=QuotaOrganisationFactory(),
        service_account=QuotaServiceAccountFactory(),
        instance_type_id="standard",
    )
    assert field_errors(both) == {"__all__": ["A grant belongs to exactly one organisation or service account."]}
    assert field_errors(QuotaGrant(instance_type_id="standard")) == {
        "__all__": ["A grant belongs to exactly one organisation or service account."]
    }


def test_it_accepts_a_valid_grant() -> None:
    grant = QuotaGrantFactory(instance_type_id="standard")
    GrantedBillingModel(grant=grant, billing_model_id="enterprise", max_allowed_instances=3).full_clean()


# --- through the admin pages -----------------------------------------------------------------


def inline(prefix: str, *rows: dict[str, Any]) -> dict[str, Any]:
    """POST data of an inline formset with new ``rows``."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": len(rows),
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def test_the_grant_form_names_the_bad_instance_type(admin_client: Client) -> None:
    org = QuotaOrganisationFactory()
    response = admin_client.post(
        f"{ADMIN}/quotagrant/add/",
        {"organisation": org.pk, "instance_type_id": "enterprise", **inline("billing_models")},
    )
    assert response.status_code == 200
    assert "instance_type_id" in response.context["adminform"].form.errors
    assert not QuotaGrant.objects.filter(organisation=org).exists()


def test_the_billing_model_inline_names_the_bad_billing_model(admin_client: Client) -> None:
    org = QuotaOrganisationFactory()
    response = admin_client.post(
        f"{ADMIN}/quotagrant/add/",
        {
            "organisation": org.pk,
            "instance_type_id": "developer",
            **inline("billing_models", {"billing_model_id": "eval", "max_allowed_instances": 1}),
        },
    )
    assert response.status_code == 200
    (formset,) = response.context["inline_admin_formsets"]
    assert formset.formset.errors[0] == {
        "billing_model_id": ["'eval' is not a billing model of instance type 'developer' (supported: standard)."]
    }
    assert not QuotaGrant.objects.filter(organisation=org).exists()


def test_an_organisation_made_in_the_admin_is_an_admin_row(admin_client: Client) -> None:
    response = admin_client.post(
        f"{ADMIN}/quotaorganisation/add/",
        {
            "org_id": "70000042",
            "any_user": "on",
            "max_allowed_instances": 2,
            **inline("registered_users"),
            **inline("grants", {"instance_type_id": "standard"}),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    org = QuotaOrganisation.objects.get(org_id="70000042")
    assert org.source == Source.ADMIN
    assert list(org.grants.values_list("instance_type_id", flat=True)) == ["standard"]


def test_the_deny_list_sees_an_admin_change_at_once(admin_client: Client) -> None:
    assert not selectors.is_user_denied("spammer@example.com")

    response = admin_client.post(f"{ADMIN}/denieduser/add/", {"username": "spammer@example.com", "note": "abuse"})

    assert response.status_code == 302
    assert selectors.is_user_denied("spammer@example.com")
    assert DeniedUser.objects.get(username="spammer@example.com").source == Source.ADMIN
    DeniedUser.objects.filter(username="spammer@example.com").delete()
    assert not selectors.is_user_denied("spammer@example.com")


def test_the_access_list_sees_an_admin_change_at_once(admin_client: Client) -> None:
    assert not selectors.is_org_allowed("80000042")

    response = admin_client.post(f"{ADMIN}/allowedorganisation/add/", {"org_id": "80000042", "note": ""})

    assert response.status_code == 302
    assert selectors.is_org_allowed("80000042")
    row = AllowedOrganisation.objects.get(org_id="80000042")
    admin_client.post(f"{ADMIN}/allowedorganisation/{row.pk}/delete/", {"post": "yes"})
    assert not selectors.is_org_allowed("80000042")


def test_the_deny_list_lookup_is_one_query(django_assert_num_queries: Any) -> None:
    DeniedUserFactory(username="someone@example.com")
    with django_assert_num_queries(1):
        assert selectors.is_user_denied("someone@example.com")
    with django_assert_num_queries(1):
        assert not selectors.is_org_allowed("someone")


@pytest.mark.parametrize(
    "page",
    ["quotaorganisation", "quotaserviceaccount", "quotagrant", "denieduser", "allowedorganisation"],
)
def test_each_list_says_file_rows_are_overwritten(admin_client: Client, page: str) -> None:
    grant = GrantedBillingModelFactory().grant
    QuotaGrantFactory(organisation=None, service_account=QuotaServiceAccountFactory())
    DeniedUserFactory()
    AllowedOrganisationFactory()

    response = admin_client.get(f"{ADMIN}/{page}/")

    assert response.status_code == 200
    assert b"overwritten" in response.content or b"replaced on the next sync" in response.content
    assert admin_client.get(f"{ADMIN}/quotaorganisation/{grant.organisation.pk}/change/").status_code == 200
    assert admin_client.get(f"{ADMIN}/quotagrant/{grant.pk}/change/").status_code == 200
