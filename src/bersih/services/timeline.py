"""Sipmas numbers on /lacak/: a case's public steps, opened with the secret given at intake."""

from __future__ import annotations

from bersih.core.tracking import TimelineEvent, TrackingNumber

from .models import CaseEvent
from .services import case_open_by_secret


def public_events(case) -> list[TimelineEvent]:
    """The steps and public notes of a case: what the citizen may see, never internal notes or who
    handled it."""
    events = []
    steps = case.standard.steps
    for event in case.events.filter(public=True).order_by("at", "id"):
        if event.kind in (CaseEvent.SUBMITTED, CaseEvent.STATUS):
            label = str(steps[event.status].label) if event.status in steps else event.status
            events.append(
                TimelineEvent(event.at, label, event.text if event.kind == CaseEvent.STATUS else "")
            )
        elif event.kind == CaseEvent.NOTE:
            events.append(TimelineEvent(event.at, str(_note_label()), event.text))
    return events


def _note_label():
    from django.utils.translation import gettext_lazy as _

    return _("Message from the handling officer")


class CaseTimeline:
    def public_timeline(self, number: TrackingNumber, second_factor: str) -> list[TimelineEvent] | None:
        case = case_open_by_secret(str(number), second_factor)
        return public_events(case) if case is not None else None
