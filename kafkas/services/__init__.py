"""Every write to a Kafka request. Nothing outside this package creates, changes or deletes one.

- ``create``: POST /kafkas, validation in upstream's order, limits, insert.
- ``changes``: what users change: PATCH, DELETE, promotion requests.
- ``transitions``: every status change (compare-and-set, history row, reconciler kick).
- ``progress``: what the reconcilers decided: placement, soft delete, expiry, promotion outcome.
- ``reports``: what the data plane reported: routes, versions, rejections.
"""

from kafkas.services.changes import PromotionRequest, kafka_delete, kafka_promote, kafka_update
from kafkas.services.create import KafkaCreate, kafka_create
from kafkas.services.transitions import InvalidTransition, StaleState, kafka_deprovision, kafka_transition

__all__ = [
    "InvalidTransition",
    "KafkaCreate",
    "PromotionRequest",
    "StaleState",
    "kafka_create",
    "kafka_delete",
    "kafka_deprovision",
    "kafka_promote",
    "kafka_transition",
    "kafka_update",
]
