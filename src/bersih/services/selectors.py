"""Every read of Sipmas that views, API and reports share (see DESIGN: selectors read)."""

from __future__ import annotations

# --- Tracking: the citizen's own view of a case --------------------------------------------------


def citizen_timeline(case) -> list:
    """What the holder of a case's number and secret sees: its public steps and the officers' public
    messages (``timeline.public_events``), with the citizen's own replies among them in time order.
    Internal notes, routing, assignees and the reporter's identity never appear."""
    from django.utils.translation import gettext as _

    from bersih.core.tracking import TimelineEvent

    from .models import CaseEvent
    from .timeline import public_events

    events = public_events(case)
    replies = case.events.filter(kind=CaseEvent.REPLY).order_by("at", "id").only("at", "text")
    events += [TimelineEvent(reply.at, _("Your message"), reply.text) for reply in replies]
    return sorted(events, key=lambda event: event.at)
