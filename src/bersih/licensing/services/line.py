"""The lines: call next, recall, no-show, finish, send back, transfer, and the supervisor's override.

Each stage of a Satpas has one line a day, ordered strictly by the time a ticket entered it, with a
priority lane beside it. ``line_call_next`` is the only way a clerk takes someone from a line: it locks
the stage's ``StageLine`` row (PostgreSQL ``SELECT ... FOR UPDATE``; on SQLite the IMMEDIATE
transaction already holds the write lock), so the counters of a stage take turns, then takes the head
of the lane the anti-starvation rule chooses and records the call. Two counters can never take the
same applicant, and none can pass over the head. A supervisor's ``line_override`` with
a written reason is the only way to serve someone out of order. Every act is a ledger entry and a
board event, written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bersih import ledger

from .. import rules
from ..models import Application, BoardEvent, Counter, CounterShift, LineEntry, StageLine, Ticket

# An override needs a reason a reader can judge, not "ok".
OVERRIDE_REASON_MIN_LENGTH = 15


def board_event(ticket: Ticket, kind: str, now: datetime, counter: Counter | None = None) -> BoardEvent:
    """Tell the hall's board (in the caller's transaction)."""
    return BoardEvent.objects.create(
        unit_id=ticket.unit_id,
        at=now,
        kind=kind,
        ticket=ticket,
        label=ticket.label,
        stage=ticket.stage,
        counter_number=counter.number if counter else None,
    )


def enter_line(ticket: Ticket, stage: str, now: datetime) -> LineEntry:
    """Put ``ticket`` at the back of ``stage``'s line today (its lane kept), in the caller's transaction."""
    ticket.stage, ticket.state = stage, Ticket.WAITING
    ticket.save(update_fields=["stage", "state"])
    return LineEntry.objects.create(
        unit_id=ticket.unit_id,
        ticket=ticket,
        day=ticket.day,
        stage=stage,
        priority=bool(ticket.priority_reason),
        entered_at=now,
    )


# --- Who may act at a counter -------------------------------------------------------------------


def _staffed_counter(actor, counter: Counter, now: datetime) -> Counter:
    """The counter, if ``actor`` staffs it today; PermissionDenied otherwise."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to serve at a counter."))
    staffed = CounterShift.objects.filter(counter=counter, clerk=actor, day=timezone.localdate(now)).exists()
    if not staffed or not counter.active:
        raise PermissionDenied(_("You are not staffing this counter today."))
    return counter


def _lock_called(actor, entry: LineEntry, now: datetime) -> LineEntry:
    """The entry, locked, if it is called at a counter ``actor`` staffs today."""
    locked = (
        LineEntry.objects.select_for_update(of=("self",)).select_related("ticket", "counter").get(pk=entry.pk)
    )
    if locked.state != LineEntry.CALLED:
        raise ValidationError(
            _("This applicant is not being served (%(state)s).") % {"state": locked.get_state_display()},
            code="not_called",
        )
    _staffed_counter(actor, locked.counter, now)
    if locked.clerk_id != actor.pk:
        raise PermissionDenied(_("This applicant is being served by another clerk."))
    return locked


def _counter_busy(counter: Counter) -> LineEntry | None:
    return LineEntry.objects.filter(counter=counter, state=LineEntry.CALLED).first()


def _refuse_if_busy(counter: Counter) -> None:
    busy = _counter_busy(counter)
    if busy is not None:
        raise ValidationError(
            _("Finish ticket %(label)s at this counter first.") % {"label": busy.ticket.label},
            code="counter_busy",
        )


# --- Call next ----------------------------------------------------------------------------------


def _lock_stage_line(counter: Counter, day) -> StageLine:
    StageLine.objects.get_or_create(unit_id=counter.unit_id, day=day, stage=counter.stage)
    return StageLine.objects.select_for_update().get(unit_id=counter.unit_id, day=day, stage=counter.stage)


def waiting(unit_id: int, day, stage: str):
    """The stage's waiting entries in line order (both lanes)."""
    return LineEntry.objects.filter(unit_id=unit_id, day=day, stage=stage, state=LineEntry.WAITING).order_by(
        "entered_at", "id"
    )


def _head(unit_id: int, day, stage: str, priority: bool) -> LineEntry | None:
    # FOR UPDATE without SKIP LOCKED: callers already take turns on the StageLine row, and skipping a
    # head that another writer holds for a moment (a priority mark) would serve the second in line.
    heads = waiting(unit_id, day, stage).filter(priority=priority).select_for_update(of=("self",))
    return heads.select_related("ticket").first()


# --- The calling order, as pure functions: the counters' calls, the board and the phone page share it.


def choose_lane(*, priority_waiting: bool, regular_waiting: bool, streak: int) -> bool | None:
    """Which lane the next call takes: True the priority lane, False the regular line, None when both are
    empty. The priority lane goes first, except that after ``PRIORITY_STREAK_LIMIT`` consecutive priority
    calls while regular applicants wait, the regular line is served (anti-starvation)."""
    if priority_waiting and (not regular_waiting or streak < rules.PRIORITY_STREAK_LIMIT):
        return True
    return False if regular_waiting else None


def streak_after(*, from_priority: bool, regular_waiting: bool, streak: int) -> int:
    """The count of consecutive priority calls after a call: it grows only while regular applicants
    wait, and any regular call resets it."""
    return streak + 1 if from_priority and regular_waiting else 0


def call_order(priority: Sequence, regular: Sequence, streak: int, limit: int | None = None) -> list:
    """The order successive calls would take the items of both lanes (each in line order), starting
    from ``streak``: ``[(item, from_priority), ...]``, at most ``limit`` long.

    A lane given only up to ``limit`` items still yields the exact first ``limit`` calls."""
    order: list = []
    p = r = 0
    while limit is None or len(order) < limit:
        lane = choose_lane(
            priority_waiting=p < len(priority), regular_waiting=r < len(regular), streak=streak
        )
        if lane is None:
            break
        if lane:
            order.append((priority[p], True))
            p += 1
        else:
            order.append((regular[r], False))
            r += 1
        streak = streak_after(from_priority=lane, regular_waiting=r < len(regular), streak=streak)
    return order


def _choose(line: StageLine, counter: Counter) -> tuple[LineEntry | None, bool]:
    """The head to call and whether it came from the priority lane, by the anti-starvation rule."""
    priority_head = _head(counter.unit_id, line.day, counter.stage, True)
    regular_head = _head(counter.unit_id, line.day, counter.stage, False)
    lane = choose_lane(
        priority_waiting=priority_head is not None,
        regular_waiting=regular_head is not None,
        streak=line.priority_streak,
    )
    if lane is None:
        return None, False
    return (priority_head, True) if lane else (regular_head, False)


def line_call_next(*, actor, counter: Counter, now: datetime | None = None) -> LineEntry | None:
    """Call the head of the counter's stage line (None when the line is empty)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        _staffed_counter(actor, counter, now)
        line = _lock_stage_line(counter, day)
        _refuse_if_busy(counter)
        entry, from_priority = _choose(line, counter)
        if entry is None:
            return None
        regular_waiting = (
            from_priority and waiting(counter.unit_id, day, counter.stage).filter(priority=False).exists()
        )
        line.priority_streak = streak_after(
            from_priority=from_priority, regular_waiting=regular_waiting, streak=line.priority_streak
        )
        line.save(update_fields=["priority_streak"])
        _call(entry, counter, actor, now)
        _near_notify(entry, now)
        ledger.record(
            actor=actor,
            action="licensing.line.called",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={
                "label": entry.ticket.label,
                "stage": entry.stage,
                "counter": counter.number,
                "lane": "priority" if from_priority else "regular",
                "entered_at": entry.entered_at,
            },
        )
    return entry


def _call(entry: LineEntry, counter: Counter, actor, now: datetime, kind: str = BoardEvent.CALL) -> None:
    entry.state, entry.counter, entry.clerk = LineEntry.CALLED, counter, actor
    entry.called_at = entry.last_called_at = now
    entry.save(update_fields=["state", "counter", "clerk", "called_at", "last_called_at"])
    ticket = entry.ticket
    ticket.state = Ticket.IN_SERVICE
    ticket.save(update_fields=["state"])
    board_event(ticket, kind, now, counter)


def _near_notify(entry: LineEntry, now: datetime) -> None:
    """An entry left the stage's line: tell those who are now near and asked (same transaction)."""
    from .board import near_notify

    near_notify(unit_id=entry.unit_id, day=entry.day, stage=entry.stage, now=now)


# --- Recall and no-show -------------------------------------------------------------------------


def line_recall(*, actor, entry: LineEntry, now: datetime | None = None) -> LineEntry:
    """Call a called applicant who has not come once more (at most ``RECALL_LIMIT`` times)."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        if entry.recalls >= rules.RECALL_LIMIT:
            raise ValidationError(
                _("Already recalled %(n)d times: mark the applicant as not present.")
                % {"n": rules.RECALL_LIMIT},
                code="recall_limit",
            )
        entry.recalls += 1
        entry.last_called_at = now
        entry.save(update_fields=["recalls", "last_called_at"])
        board_event(entry.ticket, BoardEvent.RECALL, now, entry.counter)
        ledger.record(
            actor=actor,
            action="licensing.line.recalled",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={
                "label": entry.ticket.label,
                "stage": entry.stage,
                "counter": entry.counter.number,
                "recall": entry.recalls,
            },
        )
    return entry


def line_no_show(*, actor, entry: LineEntry, now: datetime | None = None) -> LineEntry:
    """After the recalls, an applicant who never came goes to the back of the line once; the next time
    their ticket expires."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        if entry.recalls < rules.RECALL_LIMIT:
            raise ValidationError(
                _("Recall the applicant %(n)d times before marking them not present.")
                % {"n": rules.RECALL_LIMIT},
                code="recalls_first",
            )
        counter, ticket = entry.counter, entry.ticket
        if entry.sent_to_back < rules.SEND_TO_BACK_LIMIT:
            entry.state, entry.entered_at, entry.sent_to_back = LineEntry.WAITING, now, entry.sent_to_back + 1
            entry.counter = entry.clerk = entry.called_at = None
            entry.recalls = 0
            entry.save(
                update_fields=[
                    "state",
                    "entered_at",
                    "sent_to_back",
                    "counter",
                    "clerk",
                    "called_at",
                    "recalls",
                ]
            )
            ticket.state = Ticket.WAITING
            ticket.save(update_fields=["state"])
            action, outcome = "licensing.line.sent_to_back", "back of the line"
        else:
            entry.state, entry.finished_at = LineEntry.EXPIRED, now
            entry.save(update_fields=["state", "finished_at"])
            _close_ticket(ticket, Ticket.EXPIRED, Application.EXPIRED, now)
            action, outcome = "licensing.ticket.expired", "expired"
        board_event(ticket, BoardEvent.NO_SHOW, now, counter)
        ledger.record(
            actor=actor,
            action=action,
            subject=ticket,
            unit=ticket.unit,
            data={"label": ticket.label, "stage": entry.stage, "counter": counter.number, "outcome": outcome},
        )
    return entry


def _close_ticket(ticket: Ticket, state: str, application_status: str, now: datetime) -> None:
    ticket.state, ticket.closed_at = state, now
    ticket.save(update_fields=["state", "closed_at"])
    Application.objects.filter(pk=ticket.application_id).update(status=application_status, closed_at=now)


# --- Finish, send back, transfer ------------------------------------------------------------------


def line_finish(
    *, actor, entry: LineEntry, outcome: str = LineEntry.PASSED, now: datetime | None = None
) -> LineEntry:
    """The clerk finishes the applicant's stage: on to the next stage's line, or done; a failed test
    ends the visit. The payment stage is finished by the bank's callback, never at a counter."""
    now = now or timezone.now()
    if outcome not in (LineEntry.PASSED, LineEntry.FAILED):
        raise ValidationError(_("Unknown outcome."), code="outcome")
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        if entry.stage == rules.PAYMENT_STAGE:
            raise ValidationError(
                _("The fee is settled by the bank's confirmation, not at a counter."), code="payment"
            )
        if outcome == LineEntry.FAILED and entry.stage not in rules.TEST_STAGES:
            raise ValidationError(_("Only a test can be failed."), code="outcome")
        complete_stage(entry, outcome, now)
        ledger.record(
            actor=actor,
            action="licensing.line.finished",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={
                "label": entry.ticket.label,
                "stage": entry.stage,
                "counter": entry.counter.number,
                "outcome": outcome,
                "next_stage": entry.ticket.stage if entry.ticket.state == Ticket.WAITING else "",
            },
        )
    return entry


def complete_stage(entry: LineEntry, outcome: str, now: datetime) -> None:
    """Close ``entry`` with ``outcome`` and move its ticket on (the caller holds the entry's lock and
    records the ledger entry): the next stage's line, or the end of the visit."""
    entry.state, entry.outcome, entry.finished_at = LineEntry.DONE, outcome, now
    entry.save(update_fields=["state", "outcome", "finished_at"])
    ticket = entry.ticket
    board_event(ticket, BoardEvent.FINISH, now, entry.counter)
    if outcome == LineEntry.FAILED:
        _close_ticket(ticket, Ticket.FAILED, Application.FAILED, now)
        return
    following = rules.next_stage(ticket.application.service, entry.stage)
    if following is None:
        _close_ticket(ticket, Ticket.DONE, Application.COMPLETED, now)
        return
    enter_line(ticket, following, now)
    if following == rules.PAYMENT_STAGE:
        from .payments import fee_payment_reached

        fee_payment_reached(ticket, now)


def line_send_back(
    *, actor, entry: LineEntry, to_stage: str, reason: str, now: datetime | None = None
) -> LineEntry:
    """Send a called applicant back to an earlier stage (a missing document, a photo to retake), with a
    reason; they join the back of that stage's line."""
    now = now or timezone.now()
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise ValidationError(_("Say why the applicant is sent back."), code="reason")
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        stages = rules.stages_for(entry.ticket.application.service)
        if to_stage not in stages or stages.index(to_stage) >= stages.index(entry.stage):
            raise ValidationError(
                _("An applicant can only be sent back to an earlier stage."), code="to_stage"
            )
        if stages.index(to_stage) <= stages.index(rules.PAYMENT_STAGE) < stages.index(entry.stage):
            raise ValidationError(
                _("A paid applicant cannot be sent back before the payment."), code="to_stage"
            )
        entry.state, entry.finished_at, entry.reason = LineEntry.SENT_BACK, now, reason
        entry.save(update_fields=["state", "finished_at", "reason"])
        board_event(entry.ticket, BoardEvent.SENT_BACK, now, entry.counter)
        enter_line(entry.ticket, to_stage, now)
        ledger.record(
            actor=actor,
            action="licensing.line.sent_back",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={"label": entry.ticket.label, "from": entry.stage, "to": to_stage, "reason": reason},
        )
    return entry


def line_transfer(*, actor, entry: LineEntry, counter: Counter, now: datetime | None = None) -> LineEntry:
    """Hand a called applicant to another counter of the same stage (the first counter closes); the
    board shows the new counter."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = _lock_called(actor, entry, now)
        target = Counter.objects.filter(pk=counter.pk, unit_id=entry.unit_id, active=True).first()
        if target is None or target.stage != entry.stage or target.pk == entry.counter_id:
            raise ValidationError(_("Choose another open counter of the same stage."), code="counter")
        shift = CounterShift.objects.filter(counter=target, day=timezone.localdate(now)).first()
        if shift is None:
            raise ValidationError(_("Nobody staffs that counter today."), code="counter_unstaffed")
        _lock_stage_line(target, timezone.localdate(now))
        _refuse_if_busy(target)
        previous = entry.counter
        entry.counter, entry.clerk, entry.last_called_at = target, shift.clerk, now
        entry.save(update_fields=["counter", "clerk", "last_called_at"])
        board_event(entry.ticket, BoardEvent.TRANSFER, now, target)
        ledger.record(
            actor=actor,
            action="licensing.line.transferred",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={
                "label": entry.ticket.label,
                "stage": entry.stage,
                "from": previous.number,
                "to": target.number,
            },
        )
    return entry


# --- The supervisor's override -------------------------------------------------------------------


def line_override(
    *, actor, entry: LineEntry, counter: Counter, reason: str, now: datetime | None = None
) -> LineEntry:
    """Serve a waiting applicant out of order at ``counter``: a supervisor's act, with a written reason,
    recorded with how many people it passed. There is no other way to jump the line."""
    now = now or timezone.now()
    reason = " ".join(str(reason or "").split())
    if not actor.has_perm("licensing.override_counter"):
        raise PermissionDenied(_("Only a supervisor may serve an applicant out of order."))
    if len(reason) < OVERRIDE_REASON_MIN_LENGTH:
        raise ValidationError(
            _("Write the reason for serving out of order (at least %(n)d characters).")
            % {"n": OVERRIDE_REASON_MIN_LENGTH},
            code="reason",
        )
    with transaction.atomic():
        line = _lock_stage_line(counter, timezone.localdate(now))
        entry = LineEntry.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=entry.pk)
        in_scope = Counter.objects.restrict(actor, "override").filter(pk=counter.pk).exists()
        if not in_scope or entry.unit_id != counter.unit_id:
            raise PermissionDenied(_("This counter is outside your units."))
        if entry.state != LineEntry.WAITING or entry.stage != counter.stage or entry.day != line.day:
            raise ValidationError(
                _("Only an applicant waiting in this counter's line can be served."), code="not_waiting"
            )
        if not CounterShift.objects.filter(counter=counter, day=line.day).exists() or not counter.active:
            raise ValidationError(_("Nobody staffs that counter today."), code="counter_unstaffed")
        _refuse_if_busy(counter)
        passed = (
            waiting(entry.unit_id, entry.day, entry.stage).filter(entered_at__lt=entry.entered_at).count()
        )
        clerk = CounterShift.objects.get(counter=counter, day=line.day).clerk
        entry.out_of_order, entry.reason = True, reason
        _call(entry, counter, clerk, now, kind=BoardEvent.OVERRIDE)
        entry.save(update_fields=["out_of_order", "reason"])
        _near_notify(entry, now)
        ledger.record(
            actor=actor,
            action="licensing.line.override",
            subject=entry.ticket,
            unit=entry.ticket.unit,
            data={
                "label": entry.ticket.label,
                "stage": entry.stage,
                "counter": counter.number,
                "reason": reason,
                "passed": passed,
            },
        )
    return entry
