"""Eight clerks at eight counters of one stage calling next at once: every applicant served exactly once,
in arrival order.

Real on both databases. On PostgreSQL the threads use their own connections to the test database
(a transactional test, so what the main thread wrote is committed and visible to them). On SQLite the
in-memory test database is shared by all threads through one cache, which would serialise them and
prove nothing; so the test copies the freshly migrated test database into a temporary FILE with
SQLite's backup API, opens it with the project's own options (WAL, IMMEDIATE transactions, the busy
timeout), and points the main thread and every worker thread at that file (each thread its own
connection, as separate processes would have). The writers then really contend for SQLite's write lock.

How the work is shared between the counters is not asserted: SQLite's lock is not fair (a waiting
writer sleeps and retries), so one counter may serve nearly everyone; what must hold whatever the
interleaving is that nobody is served twice, nobody is skipped, and the calls follow the line.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date

import pytest
from django.db import connection, connections
from django.utils import timezone

from bersih.ledger.services import SYSTEM
from bersih.licensing import services
from bersih.licensing.models import Counter, LineEntry, Ticket
from bersih.licensing.testing import call_order_problems, nik_for, serve_concurrently, staff

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("english_messages")]

CLERKS = 8
APPLICANTS = 200


@pytest.fixture
def shared_database(tmp_path):
    """A context manager factory for the worker threads: a database they can really contend on."""
    if connection.vendor != "sqlite":
        yield contextlib.nullcontext
        return
    original = connections["default"]
    original.ensure_connection()
    path = tmp_path / "line.sqlite3"
    target = sqlite3.connect(path)
    original.connection.backup(target)
    target.close()
    settings_dict = {**original.settings_dict, "NAME": str(path)}
    wrapper_class = type(original)

    def use_file():
        wrapper = wrapper_class(settings_dict, alias="default")
        connections["default"] = wrapper
        return wrapper

    @contextlib.contextmanager
    def thread_database():
        wrapper = use_file()
        try:
            yield
        finally:
            wrapper.close()

    main = use_file()
    assert not main.is_in_memory_db()
    try:
        yield thread_database
    finally:
        main.close()
        connections["default"] = original


def test_eight_counters_serve_every_applicant_once_in_arrival_order(shared_database):
    from bersih.core.testing import build_test_org, make_user

    org = build_test_org()
    unit = org.bks_satpas
    desks = []
    for n in range(1, CLERKS + 1):
        counter = Counter.objects.create(unit=unit, number=n, stage="registration")
        clerk = make_user(f"loket-{n}", "counter_clerk", unit)
        staff(counter, clerk)
        desks.append((clerk, counter))
    tickets = []
    for n in range(APPLICANTS):
        application = services.application_register(
            actor=SYSTEM,
            unit=unit,
            nik=nik_for(n),
            full_name=f"Pemohon {n}",
            birth_date=date(1990, 5, 17),
            service="renewal",
            sim_class="C",
        )
        tickets.append(services.ticket_issue(actor=SYSTEM, application=application).pk)
    if connection.vendor == "sqlite":
        assert connection.settings_dict["NAME"].endswith("line.sqlite3")  # the file, not memory

    served, errors, _retries = serve_concurrently(desks, thread_database=shared_database)

    assert errors == []
    assert len(served) == APPLICANTS and sorted(served) == sorted(tickets)  # each exactly once
    assert call_order_problems(unit, timezone.localdate()) == []
    entries = LineEntry.objects.filter(stage="registration")
    assert set(entries.values_list("state", flat=True)) == {LineEntry.DONE}
    assert Ticket.objects.filter(stage="documents", state=Ticket.WAITING).count() == APPLICANTS


def test_the_order_check_sees_a_skipped_head(shared_database):
    """The check above can fail: a head passed over by a direct write is reported."""
    from bersih.core.testing import build_test_org, make_user

    org = build_test_org()
    unit = org.bks_satpas
    counter = Counter.objects.create(unit=unit, number=1, stage="registration")
    clerk = make_user("loket-1", "counter_clerk", unit)
    staff(counter, clerk)
    for n in range(3):
        application = services.application_register(
            actor=SYSTEM,
            unit=unit,
            nik=nik_for(n),
            full_name=f"Pemohon {n}",
            birth_date=date(1990, 5, 17),
            service="renewal",
            sim_class="C",
        )
        services.ticket_issue(actor=SYSTEM, application=application)
    head = LineEntry.objects.order_by("entered_at", "id").first()
    LineEntry.objects.filter(pk=head.pk).update(state=LineEntry.CANCELLED)  # jumped without a call
    served, errors, _retries = serve_concurrently([(clerk, counter)], thread_database=shared_database)
    assert errors == [] and len(served) == 2
    problems = call_order_problems(unit, timezone.localdate())
    assert problems and "never called" in problems[0]
