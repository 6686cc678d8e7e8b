"""Verifying the ledger: re-walk the chain, check the columns against the hashed bodies, and check
every signed checkpoint. Reads only; ``bersih ledger verify`` prints what this returns."""

from __future__ import annotations

import base64
import hashlib
import json
from contextlib import nullcontext
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from django.db import DatabaseError, connection, transaction
from django.utils.dateparse import parse_datetime

from . import keys
from .chain import GENESIS_HASH, canonical_data, checkpoint_statement, format_time
from .models import Checkpoint, Entry

CHUNK_SIZE = 2000


@dataclass(frozen=True)
class Problem:
    seq: int | None
    reason: str

    def __str__(self) -> str:
        return f"entry #{self.seq}: {self.reason}" if self.seq is not None else self.reason


@dataclass
class Report:
    count: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problem: Problem | None = None
    checkpoints_checked: int = 0
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.checkpoint_problems


def verify_ledger(*, chunk_size: int = CHUNK_SIZE, public_key=None) -> Report:
    """Walk the whole chain and check every stored checkpoint against it."""
    report = walk_chain(chunk_size=chunk_size)
    column_problem = find_column_mismatch()
    if column_problem and (report.problem is None or column_problem.seq < (report.problem.seq or 0)):
        report.problem = column_problem
    report.checkpoints_checked, report.checkpoint_problems = check_checkpoints(public_key=public_key)
    return report


WALK_SQL = "SELECT seq, prev_hash, hash, body FROM ledger_entry ORDER BY seq"


def walk_chain(*, chunk_size: int = CHUNK_SIZE) -> Report:
    """Recompute each entry's hash from its previous hash and stored body; stop at the first break.

    Streams the table in chunks (a server-side cursor on PostgreSQL), so memory stays flat however
    long the chain; the loop is kept tight because verify speed is measured against bare hashing.
    """
    report = Report()
    expected_seq, prev = 1, GENESIS_HASH
    sha256 = hashlib.sha256
    with read_snapshot(), connection.chunked_cursor() as cursor:
        cursor.execute(WALK_SQL)
        while rows := cursor.fetchmany(chunk_size):
            for seq, prev_hash, own_hash, body in rows:
                if seq != expected_seq or prev_hash != prev:
                    report.problem = _link_problem(seq, expected_seq)
                    break
                if sha256((prev_hash + body).encode()).hexdigest() != own_hash:
                    report.problem = Problem(seq, "hash mismatch: the entry was changed after it was written")
                    break
                expected_seq, prev = seq + 1, own_hash
            if report.problem:
                break
    # The entries before the first problem (all of them, if none) are verified.
    report.count = report.head_seq = expected_seq - 1
    report.head_hash = prev
    return report


def read_snapshot():
    """On PostgreSQL, walk inside a transaction: outside one, the server-side cursor is declared WITH
    HOLD and the whole result is copied before the first row arrives. On SQLite, no transaction: the
    connection's transactions are IMMEDIATE and would take the write lock, holding up appends."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


def _link_problem(seq: int, expected_seq: int) -> Problem:
    if seq != expected_seq:
        missing = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq} to #{seq - 1}"
        return Problem(seq, f"gap in sequence: {missing} missing (deleted entries)")
    return Problem(
        seq, "broken link: its previous hash is not the hash of the entry before it (reordered or replaced)"
    )


# --- The columns must say what the hashed body says -----------------------------------------------

# SQLite: rebuild each body's canonical text from the columns with json_object and compare, without
# parsing the body. Keys in sorted order; json_object writes no whitespace and keeps UTF-8 as it is;
# the data column holds canonical JSON text, which json() passes on unchanged (only checked to be
# JSON). This is a third faster than concatenating the text piece by piece with json_quote. Any
# difference it reports is confirmed by the Python comparison before it is called a problem.
_SQLITE_MISMATCH = """
SELECT seq FROM ledger_entry WHERE seq > %s AND body IS NOT json_object(
    'action', action,
    'actor', json_array(actor_kind, actor_id, actor_label),
    'at', replace(at, ' ', 'T') || CASE WHEN length(at) = 19 THEN '.000000' ELSE '' END || '+00:00',
    'data', json(data),
    'seq', seq,
    'subject', json_array(subject_type, subject_id, subject_ref),
    'unit', unit_id
)
ORDER BY seq LIMIT 1
"""

# PostgreSQL: parse each body once. (Without OFFSET 0 the planner inlines the subquery and parses the
# body again for every comparison, which made this query five times slower.)
_POSTGRES_MISMATCH = """
SELECT seq FROM (SELECT e.*, e.body::jsonb AS b FROM ledger_entry e WHERE e.seq > %s OFFSET 0) x WHERE
    (b->>'seq')::numeric IS DISTINCT FROM seq
    OR b->>'action' IS DISTINCT FROM action
    OR b#>>'{actor,0}' IS DISTINCT FROM actor_kind
    OR b#>>'{actor,1}' IS DISTINCT FROM actor_id
    OR b#>>'{actor,2}' IS DISTINCT FROM actor_label
    OR b#>>'{subject,0}' IS DISTINCT FROM subject_type
    OR b#>>'{subject,1}' IS DISTINCT FROM subject_id
    OR b#>>'{subject,2}' IS DISTINCT FROM subject_ref
    OR (b->>'unit')::bigint IS DISTINCT FROM unit_id
    OR b->'data' IS DISTINCT FROM data
    OR (b->>'at')::timestamptz IS DISTINCT FROM at
ORDER BY seq LIMIT 1
"""

COLUMN_MISMATCH = "its columns differ from the hashed entry (changed data, time, actor, subject or sequence)"


def find_column_mismatch() -> Problem | None:
    """The first entry whose searchable columns disagree with its hashed body.

    The database compares them in one query (SQLite's JSON1, PostgreSQL's jsonb); each entry that
    query reports is compared again here (:func:`columns_agree`, the reference), so a difference in
    how the database writes JSON can cost time but never raise a false alarm. A body or data column
    that is not even JSON can make that query fail; the entries are then compared here one by one.
    """
    after = 0
    try:
        for _ in range(SQL_CLEARED_LIMIT):
            seq = sql_column_mismatch(after)
            if seq is None:
                return None
            entry = Entry.objects.filter(seq=seq).first()
            if entry is None or not columns_agree(entry):
                return Problem(seq, COLUMN_MISMATCH)
            after = seq
    except (DatabaseError, NotImplementedError):
        after = 0
    # The query failed, or kept reporting entries that agree (this database writes JSON differently
    # from Python): compare the rest here, once, rather than query again after each entry.
    return _find_column_mismatch_in_python(after=after)


# How many reported entries the Python comparison may clear before it takes over the check.
SQL_CLEARED_LIMIT = 8


def sql_column_mismatch(after: int = 0) -> int | None:
    """The sequence number of the first entry after ``after`` whose columns the database finds
    different from its body, or None."""
    sql = {"sqlite": _SQLITE_MISMATCH, "postgresql": _POSTGRES_MISMATCH}.get(connection.vendor)
    if sql is None:
        raise NotImplementedError(f"no column check in SQL for {connection.vendor}")
    # A savepoint, so that a failed query leaves a surrounding transaction usable.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [after])
        row = cursor.fetchone()
    return row[0] if row else None


def _find_column_mismatch_in_python(*, after: int = 0) -> Problem | None:
    for entry in Entry.objects.filter(seq__gt=after).order_by("seq").iterator(chunk_size=CHUNK_SIZE):
        if not columns_agree(entry):
            return Problem(entry.seq, COLUMN_MISMATCH)
    return None


def columns_agree(entry: Entry) -> bool:
    try:
        body = json.loads(entry.body)
    except ValueError:
        return False
    return body == {
        "seq": entry.seq,
        "at": format_time(entry.at),
        "actor": [entry.actor_kind, entry.actor_id, entry.actor_label],
        "action": entry.action,
        "subject": [entry.subject_type, entry.subject_id, entry.subject_ref],
        "unit": entry.unit_id,
        "data": canonical_data(entry.data),
    }


# --- Checkpoints ------------------------------------------------------------------------------------


def check_checkpoints(*, public_key=None) -> tuple[int, list[str]]:
    """Check every stored checkpoint; returns (how many were checked, problems found)."""
    checkpoints = list(Checkpoint.objects.order_by("seq", "id"))
    if not checkpoints:
        return 0, []
    if public_key is None:
        try:
            public_key = keys.load_public_key()
        except keys.KeyMissing as exc:
            return 0, [f"{len(checkpoints)} checkpoint(s) cannot be checked: {exc}"]
    hashes = dict(
        Entry.objects.filter(seq__in={c.seq for c in checkpoints}).values_list("seq", "hash").iterator()
    )
    problems = []
    for checkpoint in checkpoints:
        problem = checkpoint_problem(export_checkpoint(checkpoint), public_key, hashes.get(checkpoint.seq))
        if problem:
            problems.append(
                f"checkpoint of #{checkpoint.seq} ({format_time(checkpoint.created_at)}): {problem}"
            )
    return len(checkpoints), problems


def checkpoint_problem(exported: dict, public_key, entry_hash_now: str | None) -> str | None:
    """What is wrong with one checkpoint (as exported), or None if it holds.

    ``public_key`` is the ledger key the verifier trusts (from the key directory or a printed copy),
    never the key stored beside the checkpoint: a forger with database access could store their own.
    """
    try:
        statement = exported["statement"].encode()
        fields = json.loads(statement)
        signature = base64.b64decode(exported["signature"], validate=True)
    except (KeyError, ValueError, TypeError, AttributeError):
        return "malformed checkpoint"
    if exported.get("public_key") != keys.public_b64(public_key):
        return f"signed with another key ({exported.get('key_id', '?')}), not the ledger key"
    try:
        public_key.verify(signature, statement)
    except InvalidSignature:
        return "signature does not verify (forged or altered checkpoint)"
    at = parse_datetime(str(fields.get("at", "")))
    try:
        expected = checkpoint_statement(
            seq=int(fields["seq"]),
            head_hash=str(fields["head_hash"]),
            entry_count=int(fields["entry_count"]),
            at=at,
        )
    except (KeyError, ValueError, TypeError, AttributeError):
        return "malformed checkpoint statement"
    if expected != statement:
        return "malformed checkpoint statement"
    for name in ("seq", "head_hash", "entry_count"):
        if name in exported and exported[name] != fields[name]:
            return f"its {name} differs from what was signed"
    if entry_hash_now is None:
        return f"entry #{fields['seq']} no longer exists: the chain was cut or rewritten"
    if entry_hash_now != fields["head_hash"]:
        return f"entry #{fields['seq']} no longer has the signed hash: the chain was rewritten"
    return None


def export_checkpoint(checkpoint: Checkpoint) -> dict:
    """The small JSON document to print or store off-site."""
    return {
        "ledger": "bersih",
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "entry_count": checkpoint.entry_count,
        "created_at": format_time(checkpoint.created_at),
        "key_id": checkpoint.key_id,
        "public_key": checkpoint.public_key,
        "statement": checkpoint.statement,
        "signature": checkpoint.signature,
    }


def verify_exported_checkpoint(exported: dict, *, public_key=None) -> str | None:
    """Check a checkpoint brought back from off-site (a file or a re-typed print) against the database."""
    if public_key is None:
        public_key = keys.load_public_key()
    try:
        seq = int(json.loads(exported["statement"])["seq"])
    except (KeyError, ValueError, TypeError):
        return "malformed checkpoint"
    current = Entry.objects.filter(seq=seq).values_list("hash", flat=True).first()
    return checkpoint_problem(exported, public_key, current)
