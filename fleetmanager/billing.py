"""The billing models a Kafka can run under: one set of choices for every app.

Which of them an instance type offers, and what each means in AMS, comes from
`kafka-instance-types-configuration.yaml` (``fleetconfig.SupportedBillingModel``).
"""

from __future__ import annotations

from django.db import models


class BillingModel(models.TextChoices):
    STANDARD = "standard"
    MARKETPLACE = "marketplace"
    EVAL = "eval"
    ENTERPRISE = "enterprise"


# What an evaluation Kafka may be promoted to (§1.8).
PROMOTABLE_TO = (BillingModel.STANDARD, BillingModel.MARKETPLACE)
