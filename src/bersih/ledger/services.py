"""Writing to the ledger. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone

from .chain import GENESIS_HASH, canonical_bytes, canonical_json, entry_hash
from .models import Entry


@dataclass(frozen=True)
class SystemActor:
    """The actor of automatic steps (sweeps, scheduled work): ``record(actor=SYSTEM, ...)``."""

    label: str = "system"


SYSTEM = SystemActor()


def describe_actor(actor) -> tuple[str, str, str]:
    """(kind, id, label) for a person, an API client, or the system."""
    from bersih.core.models import ApiClient

    if actor is None or isinstance(actor, SystemActor):
        return "system", "", (actor or SYSTEM).label
    if isinstance(actor, ApiClient):
        return "client", str(actor.pk), actor.name
    if getattr(actor, "is_authenticated", False):
        return "user", str(actor.pk), actor.get_username()
    return "system", "", "anonymous"


def describe_subject(subject) -> tuple[str, str, str]:
    """(type, id, public reference) for a model instance, a (type, id, ref) tuple, or None."""
    if subject is None:
        return "", "", ""
    if isinstance(subject, tuple):
        type_, id_, *ref = subject
        return str(type_), str(id_), str(ref[0]) if ref else ""
    if isinstance(subject, models.Model):
        ref = getattr(subject, "public_ref", None) or getattr(subject, "tracking_number", None) or ""
        return subject._meta.label_lower, str(subject.pk), str(ref)
    raise TypeError(f"cannot describe ledger subject {subject!r}")


def record(*, actor, action: str, subject=None, data: dict | None = None, unit=None) -> Entry:
    """Append one entry to the chain.

    Must run inside the caller's transaction (the entry commits or rolls back with the change it
    describes). Appends are serialised: the head is read under a row lock (PostgreSQL) or inside the
    IMMEDIATE write transaction that SQLite already holds, so two writers cannot fork the chain.
    """
    if not action or "." not in action:
        raise ValueError("a ledger action is a dotted name such as 'etle.violation.approved'")
    actor_kind, actor_id, actor_label = describe_actor(actor)
    subject_type, subject_id, subject_ref = describe_subject(subject)
    if unit is None and isinstance(subject, models.Model):
        unit = getattr(subject, "unit", None)
    clean_data = _json_roundtrip(data or {})
    with transaction.atomic():
        head = _lock_head()
        seq = (head.seq + 1) if head else 1
        prev_hash = head.hash if head else GENESIS_HASH
        at = timezone.now()
        payload = canonical_bytes(
            seq=seq,
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_ref=subject_ref,
            unit_id=unit.pk if unit is not None else None,
            data=clean_data,
        )
        return Entry.objects.create(
            seq=seq,
            at=at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_ref=subject_ref,
            unit=unit,
            data=clean_data,
            prev_hash=prev_hash,
            hash=entry_hash(prev_hash, payload),
        )


def _lock_head() -> Entry | None:
    return Entry.objects.select_for_update().order_by("-seq").first()


def _json_roundtrip(data: dict) -> dict:
    """Store exactly what was hashed: values are canonicalised through JSON before hashing."""
    import json

    return json.loads(canonical_json(data))
