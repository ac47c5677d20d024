"""Every write to a Kafka request. Nothing outside this package creates, changes or deletes one.

- ``create``: POST /kafkas, validation in upstream's order, limits, insert.
- ``operations``: what SREs do to any Kafka (admin API, console, CLI), audited.
- ``changes``: what users change: PATCH, DELETE, promotion requests.
- ``transitions``: every status change (compare-and-set, history row, reconciler kick).
- ``progress``: what the reconcilers decided: placement, soft delete, expiry, promotion outcome.
- ``reports``: what the data plane reported: routes, versions, rejections.
"""

from kafkas.services.changes import PromotionRequest, kafka_delete, kafka_promote, kafka_update
from kafkas.services.create import KafkaCreate, kafka_create
from kafkas.services.operations import (
    AdminUpdate,
    kafka_admin_deprovision,
    kafka_admin_update,
    kafka_create_for,
    kafka_resume,
    kafka_retry_now,
    kafka_revoke_tls_certificate,
    kafka_suspend,
)
from kafkas.services.transitions import InvalidTransition, StaleState, kafka_deprovision, kafka_transition

__all__ = [
    "AdminUpdate",
    "InvalidTransition",
    "KafkaCreate",
    "PromotionRequest",
    "StaleState",
    "kafka_admin_deprovision",
    "kafka_admin_update",
    "kafka_create",
    "kafka_create_for",
    "kafka_delete",
    "kafka_deprovision",
    "kafka_promote",
    "kafka_resume",
    "kafka_retry_now",
    "kafka_revoke_tls_certificate",
    "kafka_suspend",
    "kafka_transition",
    "kafka_update",
]
