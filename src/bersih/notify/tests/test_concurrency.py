"""Claims hold across processes: several connections race for the same message and the same sweep.

Runs on PostgreSQL (CI runs the suite there too); SQLite's in-memory test database shares one cache
between threads, which serialises them anyway and proves nothing.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from bersih.core import schedule
from bersih.notify.models import Message
from bersih.notify.services import message_claim

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs a server database"),
]
WORKERS = 6


def race(function) -> list:
    barrier = threading.Barrier(WORKERS)
    results = []

    def contender():
        try:
            barrier.wait()
            results.append(function())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_only_one_worker_claims_a_message():
    assert connection.vendor == "postgresql"
    message = Message.objects.create(
        channel="sms",
        recipient="+6281234567890",
        template="notify.test",
        idempotency_key="race",
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )
    results = race(lambda: message_claim(message_id=message.pk) is not None)
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert Message.objects.get(pk=message.pk).attempts == 1


def test_only_one_worker_runs_a_sweep():
    sweep = schedule.Sweep("test.race", timedelta(minutes=5), lambda now: None)
    now = timezone.now()
    results = race(lambda: schedule.claim_sweep(sweep, now))
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
