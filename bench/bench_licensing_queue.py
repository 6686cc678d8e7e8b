"""SIM queue: call next under contention, 8 counters of one stage serving 10,000 applicants at once.

Each counter is a thread with its own connection that calls the next applicant and finishes them
(two service transactions, each with its ledger entries and board events) until the line is empty.
The figure is applicants served per second; the limit is measured in the same run on the same
database by the same 8 threads: bare single-row UPDATE transactions on one shared row (the shape of
the stage line's lock), two per applicant. With the figure it prints the check that the served order
(the ledger's order of the calls) equals the arrival order exactly: zero duplicates, zero skips.
"""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from bench.bench_ledger import fresh_database, sqlite_settings
from bench.report import figure

APPLICANTS = 10_000
COUNTERS = 8
BARE_PER_THREAD = 1_000
SINGLE = 500


def prepare():
    """The Satpas, 8 registration counters staffed today, and the waiting line (written in bulk: the
    set-up is not what is measured)."""
    from django.utils import timezone

    from bersih.core.testing import build_test_org, make_user
    from bersih.licensing import rules
    from bersih.licensing.models import Application, Counter, LineEntry, Ticket, TicketSequence
    from bersih.licensing.testing import NIK_BASE, staff

    unit = build_test_org().bks_satpas
    desks = []
    for n in range(1, COUNTERS + 1):
        counter = Counter.objects.create(unit=unit, number=n, stage="registration")
        clerk = make_user(f"bench-loket-{n}", "counter_clerk", unit)
        staff(counter, clerk)
        desks.append((clerk, counter))
    now = timezone.now()
    day = timezone.localdate(now)
    start = now - timedelta(hours=1)
    applications = Application.objects.bulk_create(
        Application(
            unit=unit,
            tracking_number=f"SIM-BENCH-{n:06d}",
            nik=f"{NIK_BASE}{date(1980 + n // 9000, 5, 17):%d%m%y}{n % 9000 + 1:04d}",
            full_name=f"Pemohon {n}",
            birth_date=date(1980 + n // 9000, 5, 17),
            service="renewal",
            sim_class="C",
            fee=rules.fee("renewal", "C"),
            created_at=start,
        )
        for n in range(APPLICANTS)
    )
    tickets = Ticket.objects.bulk_create(
        Ticket(
            unit=unit,
            application=application,
            day=day,
            prefix="B",
            number=n + 1,
            public_token=f"bench-{n:06d}",
            stage="registration",
            issued_at=start + timedelta(milliseconds=n),
        )
        for n, application in enumerate(applications)
    )
    LineEntry.objects.bulk_create(
        LineEntry(
            unit=unit,
            ticket=ticket,
            day=day,
            stage="registration",
            entered_at=start + timedelta(milliseconds=n),
        )
        for n, ticket in enumerate(tickets)
    )
    TicketSequence.objects.create(unit=unit, day=day, prefix="B", last_number=APPLICANTS)
    return unit, day, desks


def bare_update_rate() -> float:
    """The limit: single-row UPDATE transactions on one shared row from 8 threads at once."""
    from django.db import connection, connections, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_line_lock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        cursor.execute("INSERT INTO bench_line_lock (id, n) VALUES (1, 0)")
    barrier = threading.Barrier(COUNTERS)

    def worker():
        try:
            barrier.wait()
            for _ in range(BARE_PER_THREAD):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("UPDATE bench_line_lock SET n = n + 1 WHERE id = 1")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(COUNTERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT n FROM bench_line_lock WHERE id = 1")
        total = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_line_lock")
    assert total == COUNTERS * BARE_PER_THREAD, total
    return total / elapsed


def one_counter_rate() -> float:
    """For comparison: one counter serving ``SINGLE`` newly arrived applicants with nobody else calling."""
    from django.utils import timezone

    from bersih.ledger.services import SYSTEM
    from bersih.licensing import services
    from bersih.licensing.models import Application, Counter, CounterShift
    from bersih.licensing.testing import NIK_BASE

    shift = CounterShift.objects.select_related("counter", "clerk").filter(day=timezone.localdate()).first()
    clerk, counter = shift.clerk, Counter.objects.get(pk=shift.counter_id)
    unit = counter.unit
    for n in range(SINGLE):
        application = Application.objects.create(
            unit=unit,
            tracking_number=f"SIM-BENCH-1-{n:06d}",
            nik=f"{NIK_BASE}{date(1979, 5, 17):%d%m%y}{n + 1:04d}",
            full_name=f"Pemohon {n}",
            birth_date=date(1979, 5, 17),
            service="renewal",
            sim_class="C",
            fee=80_000,
            created_at=timezone.now(),
        )
        services.ticket_issue(actor=SYSTEM, application=application)
    started = time.perf_counter()
    while (entry := services.line_call_next(actor=clerk, counter=counter)) is not None:
        services.line_finish(actor=clerk, entry=entry)
    return SINGLE / (time.perf_counter() - started)


def run() -> bool:
    from django.db import connection

    from bersih.licensing.testing import call_order_problems, serve_concurrently

    fresh_database()
    if connection.vendor != "sqlite":  # fresh_database emptied the ledger; empty the rest too
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
    print(f"   database: {connection.vendor}{sqlite_settings()}")
    unit, day, desks = prepare()
    limit = bare_update_rate() / 2  # two transactions per applicant: the call and the finish
    started = time.perf_counter()
    served, errors, retries = serve_concurrently(desks)
    elapsed = time.perf_counter() - started
    problems = call_order_problems(unit, day)
    duplicates = len(served) - len(set(served))
    skipped = APPLICANTS - len(set(served))
    order = "served order = arrival order" if not problems else "ORDER BROKEN: " + "; ".join(problems)
    ok = figure(
        f"call next + finish, {COUNTERS} counters",
        len(served) / elapsed,
        "applicants/s",
        limit=limit,
        note=(
            f"{len(served):,} served, {duplicates} duplicates, {skipped} skips; {order}; "
            f"{retries} presses again after a busy timeout; "
            "limit = bare one-row UPDATE transactions from the same threads, two per applicant"
        ),
    )
    for error in errors[:3]:
        print(f"   error in a counter's thread: {error!r}")
    single = one_counter_rate()
    figure(
        "  the same services from one counter alone",
        single,
        "applicants/s",
        limit=limit,
        note=f"{SINGLE:,} more applicants, no contention: what one thread's Python and SQL cost",
    )
    return ok and not errors and not problems and duplicates == 0 and skipped == 0
