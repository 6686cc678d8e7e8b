"""Transactional tests end with a flush that the append-only triggers would refuse; the autouse
``ledger_flushable`` fixture clears the ledger first (a teardown error here would fail the test)."""

import pytest
from django.db import DatabaseError, connection, transaction

from bersih import ledger
from bersih.ledger.models import Entry
from bersih.ledger.services import SYSTEM


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", [1, 2])
def test_transactional_test_with_entries_is_flushed(run):
    assert not Entry.objects.exists()  # the previous run's entries were cleared
    ledger.record(actor=SYSTEM, action="test.flush.checked", data={"run": run})
    # The triggers are in place during the test itself.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry")
    assert Entry.objects.count() == 1
