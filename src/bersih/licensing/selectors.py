"""Every read of the SIM service that pages, the board's stream and reports share: the board and the
applicant's position; the Satpas a kiosk serves, a ticket in scope, the slots' free places; statistics
and integrity signals (from ``statistics``).

The board and the phone page show the line in the order ``line_call_next`` will call it: both lanes
merged by ``services.line.call_order`` (the one definition of the priority lane and its
anti-starvation rule), from the stage's current priority streak. Each read is a fixed number of
queries, whatever the length of the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from statistics import median

from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from bersih.core.models import Unit
from bersih.core.querysets import scope_paths

from . import rules
from .models import Application, BoardEvent, Counter, CounterShift, LineEntry, StageLine, Ticket
from .services.line import call_order, waiting

# Statistics and integrity signals, computed in the database: see ``statistics``.
from .statistics import (  # noqa: F401
    default_period,
    distribution,
    integrity,
    out_of_order,
    reissued_tickets,
    satpas_units,
    served_per_day,
    shared_contacts,
    short_services,
    statistics,
)

# How many next numbers the board shows per stage.
BOARD_NEXT_COUNT = 5
# At most this many events go out in one read of the board's feed.
BOARD_EVENT_BATCH = 100
# Events that call someone to a counter: the board chimes and speaks them.
CALLING_KINDS = (BoardEvent.CALL, BoardEvent.RECALL, BoardEvent.OVERRIDE, BoardEvent.TRANSFER)


def ticket_label(prefix: str, number: int) -> str:
    """The number as the hall sees it ("A-012"), from the ticket's prefix and number."""
    return Ticket(prefix=prefix, number=number).label


def spoken_label(prefix: str, number: int) -> str:
    """The number as a voice reads it: "A 12" (a speech engine reads "A-012" as a subtraction)."""
    return f"{prefix} {number}"


# --- The line in calling order --------------------------------------------------------------------


def _streaks(unit_id: int, day: date, stages) -> dict[str, int]:
    return dict(
        StageLine.objects.filter(unit_id=unit_id, day=day, stage__in=list(stages)).values_list(
            "stage", "priority_streak"
        )
    )


def upcoming(unit_id: int, day: date, stages, count: int) -> dict[str, list[dict]]:
    """The next ``count`` waiting entries of each stage in the order they will be called.

    Two queries: the first ``count`` of each lane of each stage (a window over the line index), and
    the stages' priority streaks; ``call_order`` merges the lanes exactly as calls would."""
    stages = list(stages)
    rows = (
        LineEntry.objects.filter(unit_id=unit_id, day=day, stage__in=stages, state=LineEntry.WAITING)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("stage"), F("priority")],
                order_by=[F("entered_at").asc(), F("id").asc()],
            )
        )
        .filter(place__lte=count)
        .values("id", "stage", "priority", "ticket_id", "ticket__prefix", "ticket__number", "place")
        .order_by("stage", "priority", "place")
    )
    lanes: dict[str, dict[bool, list[dict]]] = {stage: {True: [], False: []} for stage in stages}
    for row in rows:
        row["label"] = ticket_label(row["ticket__prefix"], row["ticket__number"])
        lanes[row["stage"]][row["priority"]].append(row)
    streaks = _streaks(unit_id, day, stages)
    return {
        stage: [row for row, _lane in call_order(lane[True], lane[False], streaks.get(stage, 0), limit=count)]
        for stage, lane in lanes.items()
    }


# --- The board ----------------------------------------------------------------------------------


@dataclass
class CounterOnBoard:
    number: int
    stage: str
    stage_label: str
    serving: str = ""  # the called number, "" when the counter is free
    spoken: str = ""
    recalls: int = 0


@dataclass
class StageOnBoard:
    stage: str
    label: str
    next: list[str] = field(default_factory=list)
    waiting: int = 0


@dataclass
class BoardState:
    day: date
    counters: list[CounterOnBoard]
    stages: list[StageOnBoard]
    last_event_id: int

    def as_data(self) -> dict:
        """The state as the stream sends it (JSON-ready)."""
        return {
            "counters": [
                {
                    "number": c.number,
                    "stage": c.stage,
                    "stage_label": c.stage_label,
                    "serving": c.serving,
                    "recalls": c.recalls,
                }
                for c in self.counters
            ],
            "stages": [
                {"stage": s.stage, "label": s.label, "next": s.next, "waiting": s.waiting}
                for s in self.stages
            ],
        }


def board_state(unit, day: date | None = None) -> BoardState:
    """Per active counter of ``unit`` the number it serves; per stage with a counter, the next numbers
    in calling order and how many wait. Six queries, whatever the length of the lines."""
    day = day or timezone.localdate()
    counters = list(Counter.objects.filter(unit=unit, active=True).order_by("number"))
    called = {
        row["counter_id"]: row
        for row in LineEntry.objects.filter(unit=unit, day=day, state=LineEntry.CALLED).values(
            "counter_id", "ticket__prefix", "ticket__number", "recalls"
        )
    }
    stages = [stage for stage in rules.STAGE_ORDER if any(c.stage == stage for c in counters)]
    next_up = upcoming(unit.pk, day, stages, BOARD_NEXT_COUNT)
    counts = dict(
        LineEntry.objects.filter(unit=unit, day=day, state=LineEntry.WAITING, stage__in=stages)
        .values_list("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    last_event_id = board_last_event_id(unit.pk)
    on_board = []
    for counter in counters:
        row = called.get(counter.pk)
        on_board.append(
            CounterOnBoard(
                number=counter.number,
                stage=counter.stage,
                stage_label=str(rules.STAGES[counter.stage]),
                serving=ticket_label(row["ticket__prefix"], row["ticket__number"]) if row else "",
                spoken=spoken_label(row["ticket__prefix"], row["ticket__number"]) if row else "",
                recalls=row["recalls"] if row else 0,
            )
        )
    return BoardState(
        day=day,
        counters=on_board,
        stages=[
            StageOnBoard(
                stage=stage,
                label=str(rules.STAGES[stage]),
                next=[row["label"] for row in next_up[stage]],
                waiting=counts.get(stage, 0),
            )
            for stage in stages
        ],
        last_event_id=last_event_id,
    )


def board_last_event_id(unit_id: int) -> int:
    """The newest board event of the unit (0 when none): where a new board's stream starts."""
    return BoardEvent.objects.filter(unit_id=unit_id).aggregate(last=Max("id"))["last"] or 0


def board_events_after(unit_id: int, after: int, limit: int = BOARD_EVENT_BATCH) -> list[dict]:
    """The unit's board events after id ``after``, oldest first, at most ``limit``: one query."""
    rows = (
        BoardEvent.objects.filter(unit_id=unit_id, id__gt=after)
        .order_by("id")
        .values("id", "at", "kind", "label", "stage", "counter_number", "ticket__prefix", "ticket__number")[
            :limit
        ]
    )
    return [
        {
            "id": row["id"],
            "at": row["at"],
            "kind": row["kind"],
            "label": row["label"],
            "spoken": spoken_label(row["ticket__prefix"], row["ticket__number"]),
            "stage": row["stage"],
            "stage_label": str(rules.STAGES.get(row["stage"], row["stage"])),
            "counter": row["counter_number"],
            "calls": row["kind"] in CALLING_KINDS,
        }
        for row in rows
    ]


# --- One ticket's place -------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketPosition:
    label: str
    state: str  # "waiting", "called" (at ``counter``), "payment" (waiting for the bank), or closed
    state_label: str
    stage: str
    stage_label: str
    places_ahead: int | None = None
    wait_minutes: int | None = None
    counter: int | None = None
    open: bool = True

    def as_data(self) -> dict:
        return {
            "label": self.label,
            "state": self.state,
            "state_label": self.state_label,
            "stage": self.stage,
            "stage_label": self.stage_label,
            "places_ahead": self.places_ahead,
            "wait_minutes": self.wait_minutes,
            "counter": self.counter,
            "open": self.open,
        }


def service_seconds(unit_id: int, day: date, stage: str) -> float:
    """The median time a counter of ``stage`` took per applicant today (its latest ``ESTIMATE_SAMPLE``
    finished entries), or the stage's expected time from the rules when none finished yet."""
    rows = (
        LineEntry.objects.filter(
            unit_id=unit_id,
            day=day,
            stage=stage,
            state=LineEntry.DONE,
            called_at__isnull=False,
            finished_at__isnull=False,
        )
        .order_by("-finished_at", "-id")
        .values_list("called_at", "finished_at")[: rules.ESTIMATE_SAMPLE]
    )
    durations = [(finished - called).total_seconds() for called, finished in rows]
    if durations:
        return max(0.0, median(durations))
    return rules.EXPECTED_SERVICE_MINUTES.get(stage, 5) * 60.0


def places_ahead(entry: LineEntry) -> int:
    """How many applicants ``line_call_next`` will call before this waiting entry: two queries."""
    ahead_in_lane = Q(entered_at__lt=entry.entered_at) | Q(entered_at=entry.entered_at, id__lt=entry.pk)
    counts = waiting(entry.unit_id, entry.day, entry.stage).aggregate(
        own=Count("id", filter=Q(priority=entry.priority) & ahead_in_lane),
        other=Count("id", filter=~Q(priority=entry.priority)),
    )
    own = list(range(counts["own"] + 1))  # those ahead in its lane, then the entry itself (the last)
    other = list(range(counts["other"]))
    lanes = (own, other) if entry.priority else (other, own)
    streak = _streaks(entry.unit_id, entry.day, [entry.stage]).get(entry.stage, 0)
    order = call_order(*lanes, streak)
    return next(n for n, (item, lane) in enumerate(order) if lane == entry.priority and item == own[-1])


def ticket_position(ticket: Ticket) -> TicketPosition:
    """Where a ticket stands: its stage and state, the places ahead of it in the stage's line (in
    calling order) and the estimated wait: the median service time, times the places ahead, divided
    by the counters staffed."""
    base = {
        "label": ticket.label,
        "stage": ticket.stage,
        "stage_label": str(rules.STAGES.get(ticket.stage, ticket.stage)),
    }
    if ticket.state not in Ticket.OPEN_STATES:
        return TicketPosition(
            state=ticket.state, state_label=str(ticket.get_state_display()), open=False, **base
        )
    entry = (
        LineEntry.objects.filter(ticket=ticket, state__in=(LineEntry.WAITING, LineEntry.CALLED))
        .select_related("counter")
        .first()
    )
    if entry is None:  # between two writes: show the ticket's own state
        return TicketPosition(state=ticket.state, state_label=str(ticket.get_state_display()), **base)
    if entry.state == LineEntry.CALLED:
        return TicketPosition(
            state="called", state_label=str(entry.get_state_display()), counter=entry.counter.number, **base
        )
    if entry.stage == rules.PAYMENT_STAGE:
        return TicketPosition(state="payment", state_label=str(entry.get_state_display()), **base)
    ahead = places_ahead(entry)
    staffed = CounterShift.objects.filter(
        counter__unit_id=entry.unit_id, counter__stage=entry.stage, counter__active=True, day=entry.day
    ).count()
    per_applicant = service_seconds(entry.unit_id, entry.day, entry.stage)
    wait = math.ceil(per_applicant * ahead / max(1, staffed) / 60)
    if ahead:
        wait = max(1, wait)  # someone ahead is never "0 minutes"
    return TicketPosition(
        state="waiting",
        state_label=str(entry.get_state_display()),
        places_ahead=ahead,
        wait_minutes=wait,
        **base,
    )


# --- Getting a ticket: the kiosk, the priority lane, the booking slots ---------------------------


def bookable_satpas() -> QuerySet[Unit]:
    """Every active Satpas: the public booking form offers these."""
    return Unit.objects.filter(kind="satpas", active=True).order_by("name")


def kiosk_units(user) -> QuerySet[Unit]:
    """The Satpas units where ``user`` may issue tickets: their scope's Satpas, with licensing.add_ticket."""
    if not getattr(user, "is_authenticated", False) or not user.has_perm("licensing.add_ticket"):
        return Unit.objects.none()
    paths = scope_paths(user)
    if not paths:
        return Unit.objects.none()
    return bookable_satpas().filter(reduce(or_, (Q(path__startswith=path) for path in paths)))


def kiosk_unit(user, code: str) -> Unit | None:
    """The Satpas ``code`` if ``user`` may issue tickets there; None (a 404) otherwise."""
    return kiosk_units(user).filter(code=code).first()


def kiosk_ticket(unit: Unit, token: str) -> Ticket | None:
    return Ticket.objects.filter(unit=unit, public_token=token).select_related("application", "unit").first()


def todays_ticket(unit: Unit, label: str, day: date | None = None) -> Ticket | None:
    """Today's ticket of ``unit`` by its label as the hall hears it ("A-012", "a12", "A 012")."""
    cleaned = "".join(ch for ch in str(label or "").upper() if ch.isalnum())
    if len(cleaned) < 2 or not cleaned[0].isalpha() or not cleaned[1:].isdigit() or len(cleaned) > 8:
        return None
    return (
        Ticket.objects.filter(
            unit=unit, day=day or timezone.localdate(), prefix=cleaned[0], number=int(cleaned[1:])
        )
        .select_related("application")
        .first()
    )


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    taken: int
    remaining: int
    open: bool  # bookable now: not over, not full

    @property
    def value(self) -> str:
        return f"{self.day.isoformat()}T{self.start:%H:%M}"


def booking_days(today: date) -> list[date]:
    """The weekdays from today up to rules.BOOKING_DAYS_AHEAD days ahead."""
    return [
        today + timedelta(days=n)
        for n in range(rules.BOOKING_DAYS_AHEAD + 1)
        if (today + timedelta(days=n)).weekday() < 5
    ]


def slots(unit: Unit, now: datetime | None = None) -> list[Slot]:
    """Every bookable day's slots at ``unit`` with their remaining places (one query)."""
    now = now or timezone.now()
    days = booking_days(timezone.localdate(now))
    if not days:
        return []
    counts = {
        (row["booked_day"], row["booked_slot"]): row["n"]
        for row in Application.objects.filter(
            unit=unit,
            booked_day__in=days,
            status__in=Application.LIVE_STATUSES,
        )
        .values("booked_day", "booked_slot")
        .annotate(n=Count("id"))
    }
    result = []
    for day in days:
        for start in rules.SLOT_STARTS:
            taken = counts.get((day, start), 0)
            remaining = max(0, rules.SLOT_QUOTA - taken)
            ends = timezone.make_aware(datetime.combine(day, start)) + timedelta(minutes=rules.SLOT_MINUTES)
            result.append(Slot(day, start, taken, remaining, remaining > 0 and ends > now))
    return result


def priority_marked_today(unit: Unit, day: date | None = None) -> list[Ticket]:
    """Today's tickets in the priority lane at ``unit``, with who marked them (bounded: one day)."""
    return list(
        Ticket.objects.filter(unit=unit, day=day or timezone.localdate())
        .exclude(priority_reason="")
        .select_related("priority_marked_by")
        .order_by("issued_at", "id")[:200]
    )
