"""ETLE numbers on /lacak/: the public steps of a violation, opened with its plate as second factor."""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bersih.core.tracking import TimelineEvent, TrackingNumber

from . import plates
from .models import Confirmation, Violation

# What the public timeline says of each answer and decision: the step only, never who or why.
ANSWER_STEPS = {
    Confirmation.DROVE: gettext_lazy("Confirmed: the driver accepts the violation"),
    Confirmation.OTHER_DRIVER: gettext_lazy("Another driver was named; a new notice follows"),
    Confirmation.SOLD: gettext_lazy("Disputed: the vehicle was sold"),
    Confirmation.NOT_MINE: gettext_lazy("Disputed: not the owner's vehicle"),
}
DECISION_STEPS = {
    Confirmation.ACCEPTED: gettext_lazy("Dispute accepted by an officer"),
    Confirmation.REFUSED: gettext_lazy("Dispute refused by an officer; the letter stands"),
}


class EtleTimeline:
    def public_timeline(self, number: TrackingNumber, second_factor: str) -> list[TimelineEvent] | None:
        violation = Violation.objects.filter(tracking_number=str(number)).first()
        given = plates.compact(second_factor or "")
        if violation is None or not violation.plate:
            return None
        if not hmac.compare_digest(given.encode(), plates.compact(violation.plate).encode()):
            return None
        events = [TimelineEvent(violation.first_captured_at, _("Recorded by a traffic camera"))]
        if violation.decided_at:
            events.append(TimelineEvent(violation.decided_at, _("Checked by an investigator")))
        if violation.letter_sent_at:
            events.append(TimelineEvent(violation.letter_sent_at, _("Confirmation letter sent")))
        answers = list(Confirmation.objects.filter(violation=violation).order_by("answered_at", "id"))
        for answer in answers:
            events.append(TimelineEvent(answer.answered_at, str(ANSWER_STEPS[answer.answer])))
            if answer.decision and answer.decided_at:
                events.append(TimelineEvent(answer.decided_at, str(DECISION_STEPS[answer.decision])))
        if violation.confirmed_at and not any(a.answer == Confirmation.DROVE for a in answers):
            events.append(TimelineEvent(violation.confirmed_at, _("Confirmed by the owner")))
        if violation.payment_choice == Violation.COURT and violation.hearing_on:
            events.append(TimelineEvent(violation.hearing_on, _("Court hearing scheduled")))
        if violation.status == Violation.CANCELLED:
            events.append(TimelineEvent(violation.updated_at, _("Case closed without a fine")))
        if violation.paid_at:
            events.append(TimelineEvent(violation.paid_at, _("Fine paid")))
        return sorted(events, key=_sort_key)


def _sort_key(event: TimelineEvent):
    """Dates (a hearing) sort at the start of their day in Jakarta, among the times."""
    from datetime import datetime, time

    from django.utils import timezone

    at = event.at
    if not isinstance(at, datetime):
        at = timezone.make_aware(datetime.combine(at, time.min))
    return at
