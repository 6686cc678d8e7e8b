"""Sipmas numbers on /lacak/: a case's public steps, opened with the secret given at intake."""

from __future__ import annotations

from bersih.core.tracking import TimelineEvent, TrackingNumber

from . import rules
from .models import CaseEvent
from .services import secret_matches

_PUBLIC_FIELDS = ("kind", "status", "at", "text")


def _public_event(steps, kind: str, status: str, at, text: str) -> TimelineEvent | None:
    if kind in (CaseEvent.SUBMITTED, CaseEvent.STATUS):
        label = str(steps[status].label) if status in steps else status
        return TimelineEvent(at, label, text if kind == CaseEvent.STATUS else "")
    if kind == CaseEvent.NOTE:
        return TimelineEvent(at, str(_note_label()), text)
    return None


def public_events(case) -> list[TimelineEvent]:
    """The steps and public notes of a case: what the citizen may see, never internal notes or who
    handled it."""
    steps = case.standard.steps
    rows = case.events.filter(public=True).order_by("at", "id").values_list(*_PUBLIC_FIELDS)
    return [event for row in rows if (event := _public_event(steps, *row)) is not None]


def _note_label():
    from django.utils.translation import gettext_lazy as _

    return _("Message from the handling officer")


class CaseTimeline:
    def public_timeline(self, number: TrackingNumber, second_factor: str) -> list[TimelineEvent] | None:
        """One indexed query: the case's public events with its secret digest (every case has its
        public "submitted" event), then the HMAC check; an unknown number and a wrong secret alike
        give None."""
        rows = list(
            CaseEvent.objects.filter(case__tracking_number=str(number), public=True)
            .order_by("at", "id")
            .values_list("case__secret_digest", "case__service", *_PUBLIC_FIELDS)
        )
        if not rows or not secret_matches(rows[0][0], second_factor):
            return None
        steps = rules.SERVICES[rows[0][1]].steps
        return [event for row in rows if (event := _public_event(steps, *row[2:])) is not None]
