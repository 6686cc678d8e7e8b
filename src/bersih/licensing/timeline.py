"""SIM application numbers on /lacak/: the public steps of an application, opened with the
applicant's NIK as the second factor (only the applicant and their KTP hold both)."""

from __future__ import annotations

import hmac
import re

from django.utils.translation import gettext as _

from bersih.core.tracking import TimelineEvent, TrackingNumber

from . import rules
from .models import Application, LineEntry


class ApplicationTimeline:
    def public_timeline(self, number: TrackingNumber, second_factor: str) -> list[TimelineEvent] | None:
        application = Application.objects.filter(tracking_number=str(number)).first()
        given = re.sub(r"\D", "", second_factor or "")
        if application is None or not hmac.compare_digest(given.encode(), application.nik.encode()):
            return None
        events = [TimelineEvent(application.created_at, _("Application registered"))]
        if application.booked_day:
            events.append(
                TimelineEvent(
                    application.created_at,
                    _("Booked for %(day)s at %(slot)s")
                    % {
                        "day": application.booked_day.strftime("%d-%m-%Y"),
                        "slot": application.booked_slot.strftime("%H:%M"),
                    },
                )
            )
        finished = LineEntry.objects.filter(ticket__application=application, state=LineEntry.DONE).order_by(
            "finished_at", "id"
        )
        for entry in finished:
            label = _("Failed: %(stage)s") if entry.outcome == LineEntry.FAILED else _("Done: %(stage)s")
            events.append(TimelineEvent(entry.finished_at, label % {"stage": rules.STAGES[entry.stage]}))
        if application.status == Application.COMPLETED:
            events.append(TimelineEvent(application.closed_at, _("SIM handed over")))
        elif application.status in (Application.EXPIRED, Application.CANCELLED):
            events.append(
                TimelineEvent(application.closed_at or application.created_at, _("Application closed"))
            )
        return events
