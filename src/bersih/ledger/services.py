"""Writing to the ledger. Services call :func:`record` inside their own transaction."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache

from django.db import connection, models, transaction
from django.utils import timezone

from . import keys
from .chain import (
    GENESIS_HASH,
    canonical_body,
    canonical_data,
    checkpoint_statement,
    entry_hash,
)
from .models import Checkpoint, Entry

# The PostgreSQL advisory lock that serialises appends (any constant shared by every writer;
# these are the bytes of "ledger").
APPEND_LOCK_KEY = 0x6C6564676572


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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
ACTION_PATTERN = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)+", re.IGNORECASE)


def _check_action(action: str) -> None:
    if not isinstance(action, str) or not ACTION_PATTERN.fullmatch(action):
        raise ValueError("a ledger action is a dotted name such as 'etle.violation.approved'")
    if len(action) > _max_length("action"):
        raise ValueError("ledger action name too long")


def _fit(value: str, field: str) -> str:
    """Column values lose control characters and are cut to their column width before hashing, so
    the columns generated from the body hold them whole (PostgreSQL would refuse a longer value)."""
    value = CONTROL_CHARACTERS.sub(" ", value)
    return value[: _max_length(field)]


@cache
def _max_length(field: str) -> int:
    field = Entry._meta.get_field(field)
    return getattr(field, "output_field", field).max_length


def record(*, actor, action: str, subject=None, data: dict | None = None, unit=None) -> Entry:
    """Append one entry to the chain and return it.

    Call it inside the transaction of the change it describes: the entry commits or rolls back with
    it. Appends are serialised (see :func:`_lock_chain`), so concurrent writers cannot fork the chain;
    the unique constraints on ``seq`` and ``hash`` are the last line of defence.
    """
    _check_action(action)
    actor_kind, actor_id, actor_label = describe_actor(actor)
    subject_type, subject_id, subject_ref = describe_subject(subject)
    if unit is None and isinstance(subject, models.Model):
        unit = getattr(subject, "unit", None)
    fields = {
        "actor_kind": actor_kind,
        "actor_id": _fit(actor_id, "actor_id"),
        "actor_label": _fit(actor_label, "actor_label"),
        "action": action,
        "subject_type": _fit(subject_type, "subject_type"),
        "subject_id": _fit(subject_id, "subject_id"),
        "subject_ref": _fit(subject_ref, "subject_ref"),
    }
    clean = canonical_data(data)
    # No savepoint: if the append fails, the caller's whole transaction must fail with it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        seq, prev_hash = _lock_chain_and_read_head(cursor)
        at = timezone.now()
        unit_id = unit.pk if unit is not None else None
        body = canonical_body(seq=seq, at=at, unit_id=unit_id, data=clean, **fields)
        row = {
            "seq": seq,
            "at": at,
            **fields,
            "unit_id": unit_id,
            "data": clean,
            "body": body,
            "prev_hash": prev_hash,
            "hash": entry_hash(prev_hash, body),
        }
        # Only the body and the hashes are written: the database generates the other columns from
        # the body (they are the values above, read back out of it).
        cursor.execute(INSERT_SQL, [body, prev_hash, row["hash"]])
        row["id"] = cursor.fetchone()[0]
        # The entry as it now is in the database (from_db makes a model from values in column order,
        # without the keyword handling of Entry(...)).
        attnames = _entry_attnames()
        return Entry.from_db(connection.alias, attnames, [row[name] for name in attnames])


@cache
def _entry_attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in Entry._meta.concrete_fields)


# One plain INSERT: appends are the hottest write in the system, and the ORM's per-save work (signals,
# field pre-save hooks) buys nothing for an immutable row.
INSERT_SQL = "INSERT INTO ledger_entry (body, prev_hash, hash) VALUES (%s, %s, %s) RETURNING id"


HEAD_SQL = "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1"


def _lock_chain_and_read_head(cursor) -> tuple[int, str]:
    """(next sequence number, previous hash), read under the append lock.

    Two statements on purpose: on PostgreSQL a head read in the same statement as the lock would use a
    snapshot taken before the lock was granted, and could miss the append it waited for."""
    _lock_chain(cursor)
    cursor.execute(HEAD_SQL)
    head = cursor.fetchone()
    return (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)


def _lock_chain(cursor) -> None:
    """Take the ledger's append lock until the surrounding transaction ends.

    PostgreSQL: a transaction-scoped advisory lock. A row lock on the head would not do: the first
    append has no row to lock, and two writers can read the same head before either locks it.
    SQLite: the connection runs IMMEDIATE transactions, so the transaction already holds the
    database's write lock; nothing more to take.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])


def record_read(*, actor, subject, reason: str = "", unit=None) -> Entry:
    """Record that ``actor`` opened a secret record (a child's identity, a sealed case file).

    The action is ``<app>.<model>.read``; modules call this in the view or selector that reveals it.
    """
    subject_type, _, _ = describe_subject(subject)
    if not subject_type or "." not in subject_type:
        raise ValueError("a read is recorded against a model instance or an ('app.model', id, ref) tuple")
    data = {"reason": reason} if reason else {}
    return record(actor=actor, action=f"{subject_type}.read", subject=subject, data=data, unit=unit)


def checkpoint_create(*, actor, key_directory=None) -> Checkpoint:
    """Sign the current head with the ledger key and store the checkpoint (itself recorded).

    Raises :class:`~bersih.ledger.keys.KeyMissing` when there is no signing key and ``ValueError``
    when the ledger is empty.
    """
    private = keys.load_private_key(key_directory)
    public = private.public_key()
    with transaction.atomic():
        with connection.cursor() as cursor:
            _lock_chain(cursor)
        head = Entry.objects.order_by("-seq").values_list("seq", "hash").first()
        if head is None:
            raise ValueError("the ledger is empty: nothing to checkpoint")
        seq, head_hash = head
        count = Entry.objects.count()
        at = timezone.now()
        statement = checkpoint_statement(seq=seq, head_hash=head_hash, entry_count=count, at=at)
        checkpoint = Checkpoint.objects.create(
            seq=seq,
            head_hash=head_hash,
            entry_count=count,
            created_at=at,
            statement=statement.decode(),
            signature=base64.b64encode(private.sign(statement)).decode("ascii"),
            key_id=keys.key_id(public),
            public_key=keys.public_b64(public),
        )
        record(
            actor=actor,
            action="ledger.checkpoint.created",
            subject=checkpoint,
            data={"seq": seq, "head_hash": head_hash, "key_id": checkpoint.key_id},
        )
    return checkpoint
