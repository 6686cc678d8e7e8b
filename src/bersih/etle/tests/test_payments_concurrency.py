"""Two notifications for the same account at once: the row lock lets exactly one pay it.

Runs on PostgreSQL; SQLite's in-memory test database serialises the threads anyway and proves nothing.
"""

import json
import threading
import time

import pytest
from django.db import connection, connections  # noqa: F401 - the skipif condition reads it
from django.utils import timezone

from bersih.etle import services
from bersih.etle.models import BankCallback, Payment, Violation
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs a server database"),
    pytest.mark.usefixtures("english_messages"),
]
WORKERS = 4
SECRET = b"concurrency-secret"


@pytest.mark.parametrize("same_reference", [False, True])
def test_only_one_notification_pays(approved, settings, same_reference):
    settings.ETLE_BANK_SECRET = SECRET.decode()
    Violation.objects.filter(pk=approved.case.pk).update(
        status=Violation.CONFIRMED, confirmed_at=timezone.now()
    )
    payment = services.payment_open(actor=SYSTEM, violation=approved.case)
    barrier = threading.Barrier(WORKERS)
    statuses = []

    def contender(n):
        try:
            reference = "BRI-SAME" if same_reference else f"BRI-{n}"
            body = json.dumps(
                {
                    "va_number": payment.va_number,
                    "amount": payment.amount,
                    "paid_at": "2026-11-28T10:00:00+07:00",
                    "bank_reference": reference,
                }
            ).encode()
            stamp = str(int(time.time()))
            signature = services.callback_signature(SECRET, stamp, body)
            barrier.wait()
            result = services.bank_callback_receive(
                body=body, timestamp=stamp, signature=signature, size=len(body)
            )
            statuses.append(result.status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # A repeat of the same reference is answered as the first answer; another reference is refused.
    expected = [200] * WORKERS if same_reference else [200] + [409] * (WORKERS - 1)
    assert sorted(statuses) == expected
    assert Entry.objects.filter(action="etle.payment.received").count() == 1
    assert BankCallback.objects.filter(outcome=BankCallback.ACCEPTED).count() == 1
    assert BankCallback.objects.count() == WORKERS
    assert Payment.objects.get(pk=payment.pk).status == Payment.PAID
