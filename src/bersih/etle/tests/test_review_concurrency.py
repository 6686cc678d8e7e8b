"""Two investigators deciding the same case at once: the row lock lets exactly one decide it.

Runs on PostgreSQL (CI runs the suite there too); SQLite's in-memory test database shares one cache
between threads, which serialises them anyway and proves nothing.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections  # noqa: F401 - the skipif condition reads it

from bersih.core.models import User
from bersih.etle import services
from bersih.etle.models import Violation
from bersih.ledger.models import Entry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs a server database"),
    pytest.mark.usefixtures("english_messages"),
]
WORKERS = 4


def test_only_one_decision_wins(review):
    barrier = threading.Barrier(WORKERS)
    outcomes = []

    def contender(n):
        try:
            actor = User.objects.get(pk=review.investigator.pk)  # each thread its own user object
            case = Violation.objects.get(pk=review.case.pk)
            barrier.wait()
            if n % 2:
                services.violation_approve(actor=actor, violation=case)
            else:
                services.violation_reject(actor=actor, violation=case, reason="duplicate")
            outcomes.append("won")
        except ValidationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # The losers are told the case was already decided (the error's code).
    assert sorted(outcomes) == ["decided"] * (WORKERS - 1) + ["won"]
    decisions = Entry.objects.filter(action__in=["etle.violation.approved", "etle.violation.rejected"])
    assert decisions.count() == 1
    assert Violation.objects.get(pk=review.case.pk).status in (Violation.APPROVED, Violation.REJECTED)
