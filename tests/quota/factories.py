"""factory_boy factories for the quota tables. Keys never collide with the shipped files' entries."""

from __future__ import annotations

import factory

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


class QuotaOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuotaOrganisation

    org_id = factory.Sequence(lambda n: f"7{n:07d}")
    any_user = True
    max_allowed_instances = 0
    source = Source.ADMIN


class RegisteredUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegisteredUser

    organisation = factory.SubFactory(QuotaOrganisationFactory)
    username = factory.Sequence(lambda n: f"registered-{n}@example.com")


class QuotaServiceAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuotaServiceAccount

    username = factory.Sequence(lambda n: f"service-account-{n}@example.com")
    max_allowed_instances = 0
    source = Source.ADMIN


class QuotaGrantFactory(factory.django.DjangoModelFactory):
    """A grant of an organisation; pass ``organisation=None, service_account=...`` for a service account's."""

    class Meta:
        model = QuotaGrant

    organisation = factory.SubFactory(QuotaOrganisationFactory)
    service_account = None
    instance_type_id = "standard"


class GrantedBillingModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrantedBillingModel

    grant = factory.SubFactory(QuotaGrantFactory)
    billing_model_id = "standard"
    max_allowed_instances = 0
    expiration_date = None


class DeniedUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeniedUser

    username = factory.Sequence(lambda n: f"denied-{n}@example.com")
    source = Source.ADMIN


class AllowedOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllowedOrganisation

    org_id = factory.Sequence(lambda n: f"8{n:07d}")
    source = Source.ADMIN
