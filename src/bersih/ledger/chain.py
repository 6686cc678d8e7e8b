"""Canonical bytes and hashes of ledger entries: the one definition ``record`` and ``verify`` share.

An entry's *body* is the canonical JSON of everything it says (sequence, time, actor, action, subject,
unit, data): sorted keys, no whitespace, UTF-8 kept. The body is stored with the entry, byte for byte as
it was hashed, and its hash is ``SHA-256(previous hash ‖ body)``. The searchable columns beside it are an
index of the body, checked against it by ``verify``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64


class CanonicalJSONEncoder(json.JSONEncoder):
    """What ``canonical_json`` writes, usable as a ``JSONField`` encoder (so the stored text is canonical)."""

    def __init__(self, **kwargs):
        kwargs.update(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        super().__init__(**kwargs)

    def default(self, o):
        return str(o)


def canonical_json(value) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same data always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_data(data) -> dict:
    """The data exactly as it will be hashed and read back: values pass through canonical JSON once
    (dates become strings, tuples lists), so what is stored is what was hashed."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError("ledger data is a JSON object (a dict)")
    text = canonical_json(data)
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        raise ValueError("ledger data must be valid Unicode text") from exc
    return _normalise(json.loads(text))


def _normalise(value):
    """Make what the databases give back equal to what was hashed.

    Whole floats become integers (1e16 → 10000000000000000), as PostgreSQL's jsonb returns them
    without a fraction; NUL characters are refused, as PostgreSQL cannot store them at all.
    """
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("ledger data cannot contain NUL characters")
        return value
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, dict):
        return {_normalise(key): _normalise(item) for key, item in value.items()}
    return value


def format_time(at: datetime) -> str:
    return at.isoformat(timespec="microseconds")


def canonical_body(
    *,
    seq: int,
    at: datetime,
    actor_kind: str,
    actor_id: str,
    actor_label: str,
    action: str,
    subject_type: str,
    subject_id: str,
    subject_ref: str,
    unit_id: int | None,
    data: dict,
) -> str:
    entry = {
        "seq": seq,
        "at": format_time(at),
        "actor": [actor_kind, actor_id, actor_label],
        "action": action,
        "subject": [subject_type, subject_id, subject_ref],
        "unit": unit_id,
        "data": data,
    }
    return canonical_json(entry)


def canonical_bytes(**fields) -> bytes:
    return canonical_body(**fields).encode()


def entry_hash(prev_hash: str, body: str | bytes) -> str:
    """SHA-256 over the previous entry's hash (hex, ASCII) followed by this entry's body (UTF-8)."""
    payload = body.encode() if isinstance(body, str) else body
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()


def checkpoint_statement(*, seq: int, head_hash: str, entry_count: int, at: datetime) -> bytes:
    """The bytes a checkpoint signs: which entry was the head, its hash, and when."""
    return canonical_json(
        {
            "statement": "bersih-ledger-checkpoint/1",
            "seq": seq,
            "head_hash": head_hash,
            "entry_count": entry_count,
            "at": format_time(at),
        }
    ).encode()
