"""Reads for the counter screen and the supervisors' pages: the clerk's shift, the applicant being
served, the counter's day, the shifts of a day and the lines of today (a fixed number of queries each,
whatever the length of the line)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from bersih.core.models import Unit

from . import rules
from .models import Counter, CounterShift, FeePayment, LineEntry
from .services.line import waiting


def shift_of(user, day: date) -> CounterShift | None:
    """The counter ``user`` staffs on ``day`` (one at most: a database constraint)."""
    return CounterShift.objects.select_related("counter__unit").filter(clerk=user, day=day).first()


def serving(counter: Counter) -> LineEntry | None:
    """The applicant called at ``counter`` and not yet finished (one at most)."""
    return (
        LineEntry.objects.select_related("ticket__application")
        .filter(counter=counter, state=LineEntry.CALLED)
        .first()
    )


def payment_of(entry: LineEntry | None) -> FeePayment | None:
    if entry is None or entry.stage != rules.PAYMENT_STAGE:
        return None
    return FeePayment.objects.filter(application_id=entry.ticket.application_id).first()


@dataclass
class CounterDay:
    served: int
    average_seconds: int | None
    waiting: int

    @property
    def average(self) -> str:
        if self.average_seconds is None:
            return "—"
        minutes, seconds = divmod(self.average_seconds, 60)
        return f"{minutes}:{seconds:02d}"


def counter_day(counter: Counter, day: date) -> CounterDay:
    """The counter's numbers for ``day``: applicants served, their average service time, and how many
    wait in the stage's line now."""
    times = list(
        LineEntry.objects.filter(
            counter=counter, day=day, state=LineEntry.DONE, called_at__isnull=False
        ).values_list("called_at", "finished_at")
    )
    durations = [(finished - called).total_seconds() for called, finished in times if finished]
    average = round(sum(durations) / len(durations)) if durations else None
    return CounterDay(
        served=len(times),
        average_seconds=average,
        waiting=waiting(counter.unit_id, day, counter.stage).count(),
    )


def staffed_counters(unit_id: int, day: date, stage: str | None = None):
    """The open counters of a Satpas with a clerk on ``day`` (of ``stage`` when given)."""
    counters = Counter.objects.filter(unit_id=unit_id, active=True, shifts__day=day)
    if stage is not None:
        counters = counters.filter(stage=stage)
    return counters.order_by("number")


def transfer_targets(counter: Counter, day: date):
    return staffed_counters(counter.unit_id, day, counter.stage).exclude(pk=counter.pk)


def earlier_stages(entry: LineEntry) -> list[tuple[str, str]]:
    stages = rules.stages_for(entry.ticket.application.service)
    if entry.stage not in stages:
        return []
    return [(stage, rules.STAGES[stage]) for stage in stages[: stages.index(entry.stage)]]


# --- Supervisors ----------------------------------------------------------------------------------


def supervised_units(user, action: str):
    """The Satpas units with counters ``user`` may act on (``staff`` or ``override``)."""
    unit_ids = Counter.objects.restrict(user, action).values("unit_id")
    return Unit.objects.filter(pk__in=unit_ids).order_by("name")


def clerks_of(unit: Unit, day: date):
    """People holding the counter clerk role at ``unit`` or a unit above it on ``day``."""
    above = [unit.path[:end] for end in range(1, len(unit.path) + 1) if unit.path[:end].endswith("/")]
    above.append(unit.path)
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            assignments__role="counter_clerk",
            assignments__unit__path__in=above,
            assignments__starts_on__lte=day,
        )
        .filter(Q(assignments__ends_on__isnull=True) | Q(assignments__ends_on__gte=day))
        .distinct()
        .order_by("full_name", "username")
    )


@dataclass
class StageCounters:
    stage: str
    label: str
    rows: list = field(default_factory=list)  # (counter, shift or None)


def shift_board(user, unit: Unit, day: date) -> list[StageCounters]:
    """The Satpas's counters in stage order, each with the clerk who staffs it on ``day``."""
    counters = list(Counter.objects.restrict(user, "staff").filter(unit=unit).order_by("number"))
    shifts = {
        shift.counter_id: shift
        for shift in CounterShift.objects.select_related("clerk").filter(counter__in=counters, day=day)
    }
    board = {stage: StageCounters(stage, label) for stage, label in rules.STAGES.items()}
    for counter in counters:
        board[counter.stage].rows.append((counter, shifts.get(counter.pk)))
    return [group for group in board.values() if group.rows]


@dataclass
class StageLineView:
    stage: str
    label: str
    entries: list = field(default_factory=list)
    counters: list = field(default_factory=list)


def lines_today(unit: Unit, now: datetime) -> list[StageLineView]:
    """Today's line of every stage of the Satpas, in order, with how long each has waited, and the
    staffed counters an applicant could be served at out of order."""
    day = timezone.localdate(now)
    lines = {stage: StageLineView(stage, label) for stage, label in rules.STAGES.items()}
    entries = (
        LineEntry.objects.filter(unit=unit, day=day, state=LineEntry.WAITING)
        .select_related("ticket__application")
        .order_by("entered_at", "id")
    )
    for entry in entries:
        entry.waited_minutes = int(max(now - entry.entered_at, timedelta(0)).total_seconds() // 60)
        lines[entry.stage].entries.append(entry)
    for counter in staffed_counters(unit.pk, day):
        lines[counter.stage].counters.append(counter)
    return [line for line in lines.values() if line.entries or line.counters]
