"""The Kafka transition table: every (from, to) pair, and the compare-and-set under it."""

from __future__ import annotations

import itertools

import pytest

from kafkas.models import (
    PROMOTION_STATES,
    PROMOTION_TRANSITIONS,
    TRANSITIONS,
    KafkaRequest,
    KafkaStatus,
    KafkaStatusChange,
    PromotionStatus,
)
from kafkas.services import InvalidTransition, StaleState, kafka_deprovision, kafka_transition
from tests.factories import KafkaFactory

PAIRS = list(itertools.product(KafkaStatus.values, KafkaStatus.values))


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_transition_table(from_status: str, to_status: str) -> None:
    kafka = KafkaFactory(status=from_status)

    if to_status in TRANSITIONS[from_status]:
        kafka_transition(kafka=kafka, to=to_status, reason="test", failed_reason="why")
        row = KafkaRequest.objects.get(pk=kafka.pk)
        assert (row.status, row.failed_reason) == (to_status, "why")
        change = KafkaStatusChange.objects.get(kafka=kafka)
        assert (change.from_status, change.to_status, change.reason) == (from_status, to_status, "test")
    else:
        with pytest.raises(InvalidTransition):
            kafka_transition(kafka=kafka, to=to_status)
        assert KafkaRequest.objects.get(pk=kafka.pk).status == from_status
        assert not KafkaStatusChange.objects.exists()


def test_every_status_has_a_row_and_deleting_is_terminal() -> None:
    assert set(TRANSITIONS) == set(KafkaStatus.values)
    assert TRANSITIONS[KafkaStatus.DELETING] == frozenset()
    assert TRANSITIONS[KafkaStatus.DEPROVISION] == {KafkaStatus.DELETING}
    for status in set(KafkaStatus.values) - {KafkaStatus.DEPROVISION, KafkaStatus.DELETING}:
        assert KafkaStatus.DEPROVISION in TRANSITIONS[status], f"{status} must be deletable"


@pytest.mark.django_db
def test_a_stale_writer_loses_and_writes_nothing() -> None:
    kafka = KafkaFactory(status=KafkaStatus.ACCEPTED)
    stale_copy = KafkaRequest.objects.get(pk=kafka.pk)
    kafka_transition(kafka=kafka, to=KafkaStatus.PREPARING)

    with pytest.raises(StaleState):
        kafka_transition(kafka=stale_copy, to=KafkaStatus.FAILED, failed_reason="late")

    row = KafkaRequest.objects.get(pk=kafka.pk)
    assert (row.status, row.failed_reason) == (KafkaStatus.PREPARING, "")
    assert KafkaStatusChange.objects.filter(kafka=kafka).count() == 1


@pytest.mark.django_db
def test_deprovision_wins_over_a_concurrent_move() -> None:
    kafka = KafkaFactory(status=KafkaStatus.ACCEPTED)
    stale_copy = KafkaRequest.objects.get(pk=kafka.pk)
    kafka_transition(kafka=kafka, to=KafkaStatus.PREPARING)

    assert kafka_deprovision(kafka=stale_copy, reason="user") is True

    assert KafkaRequest.objects.get(pk=kafka.pk).status == KafkaStatus.DEPROVISION


# --- the promotion status has a table of its own ----------------------------------------------

PROMOTION_PAIRS = list(itertools.product(PromotionStatus.values, PromotionStatus.values))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("from_status", "to_status"), PROMOTION_PAIRS, ids=[f"{a or 'none'}->{b or 'none'}" for a, b in PROMOTION_PAIRS]
)
def test_promotion_transition_table(from_status: str, to_status: str) -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY, promotion_status=from_status)
    rows = KafkaRequest.objects.all()

    if to_status in PROMOTION_TRANSITIONS[from_status]:
        PROMOTION_STATES.change(rows, pk=kafka.pk, from_state=from_status, to_state=to_status, promotion_details="d")
        assert KafkaRequest.objects.get(pk=kafka.pk).promotion_status == to_status
    else:
        with pytest.raises(InvalidTransition):
            PROMOTION_STATES.change(rows, pk=kafka.pk, from_state=from_status, to_state=to_status)
        assert KafkaRequest.objects.get(pk=kafka.pk).promotion_status == from_status


def test_every_promotion_status_has_a_row() -> None:
    assert set(PROMOTION_TRANSITIONS) == set(PromotionStatus.values)
    assert PromotionStatus.NONE in PROMOTION_TRANSITIONS[PromotionStatus.PROMOTING]


@pytest.mark.django_db
def test_a_stale_promotion_change_writes_nothing() -> None:
    kafka = KafkaFactory(status=KafkaStatus.READY, promotion_status=PromotionStatus.PROMOTING)
    rows = KafkaRequest.objects.all()
    PROMOTION_STATES.change(rows, pk=kafka.pk, from_state=PromotionStatus.PROMOTING, to_state=PromotionStatus.NONE)

    with pytest.raises(StaleState):
        PROMOTION_STATES.change(
            rows, pk=kafka.pk, from_state=PromotionStatus.PROMOTING, to_state=PromotionStatus.FAILED
        )
    assert KafkaRequest.objects.get(pk=kafka.pk).promotion_status == PromotionStatus.NONE
