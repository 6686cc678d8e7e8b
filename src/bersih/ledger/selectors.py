"""Reads of the ledger for the staff pages: always scoped to the person, bounded and paginated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Checkpoint, Entry


@dataclass(frozen=True)
class EntryFilter:
    subject_type: str = ""
    subject_id: str = ""
    subject_ref: str = ""
    actor: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def visible_entries(user) -> QuerySet[Entry]:
    return Entry.objects.restrict(user, "view").select_related("unit")


def search_entries(user, criteria: EntryFilter) -> QuerySet[Entry]:
    """Entries the person may see matching ``criteria``, newest first."""
    entries = visible_entries(user)
    if criteria.subject_type:
        entries = entries.filter(subject_type=criteria.subject_type)
    if criteria.subject_id:
        entries = entries.filter(subject_id=criteria.subject_id)
    if criteria.subject_ref:
        entries = entries.filter(subject_ref=criteria.subject_ref)
    if criteria.actor:
        entries = entries.filter(Q(actor_label=criteria.actor) | Q(actor_id=criteria.actor))
    if criteria.action:
        entries = entries.filter(action__startswith=criteria.action)
    if criteria.date_from:
        entries = entries.filter(at__gte=_start_of(criteria.date_from))
    if criteria.date_to:
        entries = entries.filter(at__lt=_start_of(criteria.date_to) + timedelta(days=1))
    return entries.order_by("-seq")


def subject_history(user, subject_type: str, subject_id: str) -> QuerySet[Entry]:
    """One record's own history, oldest first."""
    return visible_entries(user).filter(subject_type=subject_type, subject_id=subject_id).order_by("seq")


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-seq", "-id").first()


def _start_of(day: date) -> datetime:
    """Midnight of ``day`` in the local (Jakarta) time zone, as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))
