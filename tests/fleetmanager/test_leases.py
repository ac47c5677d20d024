"""Leader leases on the database clock: one holder, fencing tokens, late writes refused."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.db.models.functions import Now

from fleetmanager import leases
from fleetmanager.models import DistributedLock, LeaderLease
from tests.concurrency import race
from tests.conftest import subprocess_env

SHORT = timedelta(seconds=2)


def expire(lease_type: str) -> None:
    LeaderLease.objects.filter(lease_type=lease_type).update(expires=Now())


@pytest.mark.django_db
def test_a_free_lease_is_taken_and_renewed_with_the_same_token() -> None:
    first = leases.acquire("cluster", "a")
    again = leases.acquire("cluster", "a")

    assert first is not None and again is not None
    assert first.fencing_token == again.fencing_token == 1
    assert LeaderLease.objects.get(lease_type="cluster").leader == "a"


@pytest.mark.django_db
def test_a_held_lease_is_refused_to_others_until_it_expires() -> None:
    held = leases.acquire("cluster", "a")

    assert leases.acquire("cluster", "b") is None
    expire("cluster")
    taken = leases.acquire("cluster", "b")

    assert taken is not None and held is not None
    assert taken.fencing_token == held.fencing_token + 1


@pytest.mark.django_db
def test_a_lapsed_holder_that_comes_back_gets_a_new_token() -> None:
    old = leases.acquire("cluster", "a")
    expire("cluster")

    new = leases.acquire("cluster", "a")

    assert old is not None and new is not None
    assert new.fencing_token == old.fencing_token + 1
    with pytest.raises(leases.LeaseLost), leases.fenced(old):
        pass


@pytest.mark.django_db
def test_a_former_holder_cannot_commit_fenced_writes() -> None:
    old = leases.acquire("cluster", "a")
    expire("cluster")
    assert leases.acquire("cluster", "b") is not None

    with pytest.raises(leases.LeaseLost), leases.fenced(old):
        DistributedLock.objects.create(id="written-by-a")

    assert not DistributedLock.objects.filter(id="written-by-a").exists()


@pytest.mark.django_db
def test_released_leases_are_free_at_once() -> None:
    lease = leases.acquire("cluster", "a")
    leases.release(lease)

    assert leases.acquire("cluster", "b") is not None


@pytest.mark.django_db
def test_the_leases_command_lists_holders(capsys: pytest.CaptureFixture[str]) -> None:
    from django.core.management import call_command

    leases.acquire("cluster", "host-1:42:abc")
    call_command("leases")

    out = capsys.readouterr().out
    assert "cluster" in out and "host-1:42:abc" in out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_of_many_racing_processes_takes_the_lease() -> None:
    winners = race(8, lambda i: leases.acquire("race", f"worker-{i}"))

    (winner,) = [lease for lease in winners if lease is not None]
    assert LeaderLease.objects.get(lease_type="race").leader == winner.holder


HOLDER = """
import sys, time, django
django.setup()
from datetime import timedelta
from fleetmanager import leases
from fleetmanager.models import DistributedLock
lease = leases.acquire("cluster", "doomed", timedelta(seconds=float(sys.argv[1])))
print("acquired", lease.fencing_token, flush=True)
sys.stdin.readline()  # "finish your pass"
try:
    with leases.fenced(lease):
        DistributedLock.objects.create(id="late-write")
    print("written", flush=True)
except leases.LeaseLost:
    print("refused", flush=True)
"""


def _start_holder(seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(seconds)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="fleetmanager.settings"),
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("acquired")
    return process


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_holder_is_replaced_once_its_lease_expires() -> None:
    holder = _start_holder(2)
    holder.kill()
    holder.wait()

    assert leases.acquire("cluster", "successor") is None
    time.sleep(2.2)
    successor = leases.acquire("cluster", "successor")

    assert successor is not None and successor.fencing_token == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_paused_holder_resuming_after_takeover_has_its_writes_refused() -> None:
    holder = _start_holder(1)
    holder.send_signal(signal.SIGSTOP)  # stalled mid-pass (GC pause, overloaded node)
    time.sleep(1.2)
    successor = leases.acquire("cluster", "successor")
    holder.send_signal(signal.SIGCONT)
    output, _ = holder.communicate("go\n", timeout=30)

    assert successor is not None
    assert output.strip() == "refused"
    assert not DistributedLock.objects.filter(id="late-write").exists()
