"""Leases and claims stay with a live holder and lapse quickly when it dies (fast, safe takeover).

These run on committed rows (a heartbeat is another thread, on another connection) with short
lease and claim times, and wait in real time: each test takes a few seconds.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fleetmanager import leases, reconcile, ticker
from fleetmanager.models import LeaderLease
from kafkas.models import KafkaRequest, KafkaStatus
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def short(settings: Any) -> Any:
    settings.FLEET_LEASE_SECONDS = 3  # the heartbeat renews every second
    settings.FLEET_CLAIM_SECONDS = 3
    return settings


def test_a_renewal_extends_only_a_lease_still_held(short: Any) -> None:
    lease = leases.acquire("t", "a")
    assert leases.renew(lease)

    LeaderLease.objects.filter(lease_type="t").update(expires=timezone.now() - timedelta(seconds=1))
    taken = leases.acquire("t", "b")

    assert taken is not None and taken.fencing_token == lease.fencing_token + 1
    assert not leases.renew(lease)  # lost: renewing never takes it back
    assert LeaderLease.objects.get(lease_type="t").leader == "b"


def test_a_live_holder_keeps_its_lease_beyond_its_duration(short: Any) -> None:
    lease = leases.acquire("t", "a")
    refused = []
    with leases.kept_alive(lease):
        for _ in range(5):  # 5 s, longer than the 3 s lease
            time.sleep(1)
            refused.append(leases.acquire("t", "b") is None)

    assert all(refused)


def test_a_dead_holders_lease_is_taken_over_within_its_duration(short: Any) -> None:
    lease = leases.acquire("t", "a")
    with leases.kept_alive(lease):
        time.sleep(1.5)
    died = time.monotonic()  # the heartbeat stopped, as when the holder is killed

    while leases.acquire("t", "b") is None:
        assert time.monotonic() - died < 4, "the lease was not free within its 3 s"
        time.sleep(0.2)
    assert not leases.renew(lease)


def test_claims_are_renewed_until_done_and_then_left_alone(short: Any) -> None:
    kafkas = [KafkaFactory(status=KafkaStatus.ACCEPTED) for _ in range(2)]
    pks = [k.pk for k in kafkas]
    claimed = reconcile.claim(KafkaRequest.objects.filter(pk__in=pks), limit=2, claim_for=timedelta(seconds=3))
    assert sorted(claimed) == sorted(pks)

    with reconcile.kept_claimed(KafkaRequest, claimed, timedelta(seconds=3)) as claims:
        claims.done(pks[0])
        time.sleep(4)  # longer than a claim: the pending one is renewed, the done one lapses
        due = set(reconcile.claim(KafkaRequest.objects.filter(pk__in=pks), limit=2, claim_for=timedelta(seconds=3)))

    assert due == {pks[0]}


def test_a_dead_workers_claims_lapse_within_the_claim_time(short: Any) -> None:
    kafka = KafkaFactory(status=KafkaStatus.ACCEPTED)
    reconcile.claim(KafkaRequest.objects.filter(pk=kafka.pk), limit=1, claim_for=timedelta(seconds=3))
    died = time.monotonic()

    while not reconcile.claim(KafkaRequest.objects.filter(pk=kafka.pk), limit=1, claim_for=timedelta(seconds=3)):
        assert time.monotonic() - died < 4, "the claim did not lapse within its 3 s"
        time.sleep(0.2)


def test_a_tick_places_and_prepares_a_new_kafka(sso_emulator: Any) -> None:
    cluster = ClusterFactory()
    kafka = KafkaFactory(status=KafkaStatus.ACCEPTED, cluster_id=cluster.cluster_id)

    ticker.run_passes()

    assert KafkaRequest.objects.get(pk=kafka.pk).status == KafkaStatus.PROVISIONING
