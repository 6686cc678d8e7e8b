"""Canonical bytes and hashes of ledger entries: the one definition ``record`` and ``verify`` share."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

GENESIS_HASH = "0" * 64


def canonical_json(value) -> str:
    """Sorted keys, no whitespace, UTF-8 kept: the same data always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_bytes(
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
) -> bytes:
    entry = {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor": [actor_kind, actor_id, actor_label],
        "action": action,
        "subject": [subject_type, subject_id, subject_ref],
        "unit": unit_id,
        "data": data,
    }
    return canonical_json(entry).encode()


def entry_hash(prev_hash: str, payload: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + payload).hexdigest()
