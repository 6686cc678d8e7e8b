"""Documents answer tracking-number lookups too: a document's code shows when and by whom it was issued."""

from __future__ import annotations

from django.utils.translation import gettext as _

from bersih.core.tracking import TimelineEvent, TrackingNumber

from .selectors import issued_document_by_code


class DocumentTimeline:
    """The code printed on a document is its own second factor: nothing private is behind it."""

    def public_timeline(self, number: TrackingNumber, second_factor: str = "") -> list[TimelineEvent] | None:
        document = issued_document_by_code(str(number))
        if document is None:
            return None
        events = [TimelineEvent(document.issued_at, _("Issued by %(unit)s") % {"unit": document.unit.name})]
        if document.signed and document.signed_at:
            events.append(TimelineEvent(document.signed_at, _("Signed electronically")))
        return events
