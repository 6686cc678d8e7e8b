"""Test and demo helpers: a Satpas with a counter per stage, clerks on shift, applicants."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from django.utils import timezone

from . import rules
from .models import Counter, CounterShift

# Valid-looking NIKs (region 3275 Kota Bekasi, a birth date, a serial) for applicants in tests and demos.
NIK_BASE = "327501"


def nik_for(n: int, birth: date = date(1990, 5, 17)) -> str:
    """A well-formed NIK for applicant ``n`` (unique per n below 10,000)."""
    return f"{NIK_BASE}{birth:%d%m%y}{n + 1:04d}"


def make_counters(unit, stages=None) -> dict[str, Counter]:
    """One counter per stage, numbered in stage order (the payment stage has none: the bank serves it)."""
    stages = stages or [s for s in rules.STAGE_ORDER if s != rules.PAYMENT_STAGE]
    return {
        stage: Counter.objects.get_or_create(unit=unit, number=n, defaults={"stage": stage})[0]
        for n, stage in enumerate(stages, start=1)
    }


def staff(counter: Counter, clerk, day: date | None = None) -> CounterShift:
    """Put ``clerk`` on ``counter`` for ``day`` directly (tests of the shift service use the service)."""
    return CounterShift.objects.create(
        counter=counter, clerk=clerk, day=day or timezone.localdate(), assigned_at=timezone.now()
    )


def satpas(unit, make_user, *, prefix: str = "loket", extra_counters: int = 0) -> SimpleNamespace:
    """A Satpas with a counter per stage, a clerk on each today, a supervisor and an outside clerk."""
    counters = make_counters(unit)
    clerks = {}
    for stage, counter in counters.items():
        clerk = make_user(f"{prefix}-{stage}", "counter_clerk", unit, language="en")
        staff(counter, clerk)
        clerks[stage] = clerk
    extra = []
    for n in range(extra_counters):
        counter = Counter.objects.create(unit=unit, number=len(counters) + n + 1, stage="registration")
        clerk = make_user(f"{prefix}-extra-{n}", "counter_clerk", unit, language="en")
        staff(counter, clerk)
        extra.append(SimpleNamespace(counter=counter, clerk=clerk))
    return SimpleNamespace(
        unit=unit,
        counters=counters,
        clerks=clerks,
        extra=extra,
        supervisor=make_user(f"{prefix}-kasatpas", "supervisor", unit, language="en"),
    )


def serve_concurrently(desks, *, thread_database=None) -> tuple[list, list, int]:
    """Each (clerk, counter) of ``desks`` in its own thread, all starting together: call the next
    applicant and finish them, until the line is empty. Answers (ticket ids in the order each call
    returned them, errors raised in the threads, how many times a thread found SQLite's write lock
    still taken after the busy timeout and pressed the button again).

    ``thread_database`` is a context manager factory each thread runs inside (the test's file database
    on SQLite); by default each thread uses its own connection to the default database and closes it.
    """
    import contextlib
    import threading

    from django.db import OperationalError, connections

    from . import services
    from .models import Counter

    barrier = threading.Barrier(len(desks))
    served, errors, retries, lock = [], [], [0], threading.Lock()

    def again(step):
        """Run one service call; if SQLite's busy timeout ran out before the write lock was free (the
        transaction never began, nothing changed), the clerk simply presses the button again."""
        while True:
            try:
                return step()
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                with lock:
                    retries[0] += 1

    def desk(clerk_pk, counter_pk):
        from bersih.core.models import User

        with (thread_database or contextlib.nullcontext)():
            try:
                clerk = User.objects.get(pk=clerk_pk)  # each thread its own objects and connection
                counter = Counter.objects.get(pk=counter_pk)
                barrier.wait(timeout=60)
                while True:
                    entry = again(lambda: services.line_call_next(actor=clerk, counter=counter))
                    if entry is None:
                        break
                    with lock:
                        served.append(entry.ticket_id)
                    again(lambda entry=entry: services.line_finish(actor=clerk, entry=entry))
            except Exception as exc:
                errors.append(exc)
                barrier.abort()
            finally:
                connections.close_all()

    threads = [threading.Thread(target=desk, args=(clerk.pk, counter.pk)) for clerk, counter in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    return served, errors, retries[0]


def call_order_problems(unit, day, stage: str = "registration") -> list[str]:
    """Where the stage's calls (in ledger order, which is commit order) depart from its line order
    (``entered_at`` then id): a duplicate, a skip, or a ticket called before one ahead of it."""
    from bersih.ledger.models import Entry

    from .models import LineEntry

    line = list(
        LineEntry.objects.filter(unit=unit, day=day, stage=stage)
        .order_by("entered_at", "id")
        .values_list("ticket_id", flat=True)
    )
    wanted = {str(pk) for pk in line}
    calls = [
        int(subject_id)
        for subject_id, data in Entry.objects.filter(action="licensing.line.called")
        .order_by("seq")
        .values_list("subject_id", "data")
        if subject_id in wanted and data.get("stage") == stage
    ]
    problems = []
    duplicates = len(calls) - len(set(calls))
    if duplicates:
        problems.append(f"{duplicates} applicants called twice")
    skipped = len(set(line) - set(calls))
    if skipped:
        problems.append(f"{skipped} applicants never called")
    for position, (called, expected) in enumerate(zip(calls, line, strict=False)):
        if called != expected:
            problems.append(f"call {position + 1} took ticket {called}, the head was {expected}")
            break
    return problems
