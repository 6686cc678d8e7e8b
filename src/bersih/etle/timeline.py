"""ETLE numbers on /lacak/: the public steps of a violation, opened with its plate as second factor."""

from __future__ import annotations

import hmac

from django.utils.translation import gettext as _

from bersih.core.tracking import TimelineEvent, TrackingNumber

from . import plates
from .models import Violation


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
        if violation.confirmed_at:
            events.append(TimelineEvent(violation.confirmed_at, _("Confirmed by the owner")))
        if violation.paid_at:
            events.append(TimelineEvent(violation.paid_at, _("Fine paid")))
        return events
