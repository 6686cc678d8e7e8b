"""Verifying the ledger: check that the searchable columns are still generated from the hashed
bodies, re-walk the chain, and check every signed checkpoint. Reads only; ``bersih ledger verify``
prints what this returns.

The walk reads two values per entry, ``prev_hash ‖ body`` (the hashed bytes) and ``hash``, in sequence
order, and checks that each payload starts with the previous entry's hash and hashes to its own. The
columns need no per-entry check: the database generates them from the body (see columns.py), so
verify only checks, once, that each is still defined that way. A long chain can be walked by several
processes at once (``workers``), each over a contiguous range of sequence numbers; the ranges are
linked at their borders afterwards. Where the walk breaks, the entry is read again to say precisely
what is wrong with it.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import multiprocessing
import os
import re
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils.dateparse import parse_datetime

from . import keys
from .chain import GENESIS_HASH, checkpoint_statement, entry_hash, format_time
from .models import Checkpoint, Entry

CHUNK_SIZE = 2000
# Below this many entries one process walks the chain: starting others costs more than it saves.
PARALLEL_MIN_ENTRIES = 20_000


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
    column_problems: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0
    checkpoint_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.column_problems and not self.checkpoint_problems


def verify_ledger(*, workers: int = 1, chunk_size: int = CHUNK_SIZE, public_key=None) -> Report:
    """Check the column definitions, walk the whole chain, and check every stored checkpoint.

    ``workers`` > 1 walks a chain of at least ``PARALLEL_MIN_ENTRIES`` entries in that many forked
    processes, each with its own database connection; only for a command of its own (``bersih ledger
    verify``), never inside a web or task worker. It falls back to one process inside a transaction
    (the others could not see its uncommitted entries) and on an in-memory SQLite database.
    """
    report = walk_chain(workers=workers, chunk_size=chunk_size)
    report.column_problems = check_columns()
    report.checkpoints_checked, report.checkpoint_problems = check_checkpoints(public_key=public_key)
    return report


# --- The chain ------------------------------------------------------------------------------------

_WALK_SQL = {
    # The payload as bytes, so that Python hashes what the database hands over without encoding it.
    "sqlite": "SELECT CAST(prev_hash || body AS BLOB), hash FROM ledger_entry "
    "WHERE seq > %s AND seq <= %s ORDER BY seq",
    "postgresql": "SELECT convert_to(prev_hash || body, 'UTF8'), hash FROM ledger_entry "
    "WHERE seq > %s AND seq <= %s ORDER BY seq",
}
HEAD_SQL = "SELECT seq, hash FROM ledger_entry ORDER BY seq DESC LIMIT 1"


@dataclass(frozen=True)
class RangeWalk:
    """What walking one range of the chain found: the first entry's previous hash (to link it to the
    range before), the last verified hash, how many entries verified, and the first failure in it:
    ("link" or "hash", the stored hash of the entry that failed)."""

    first_prev: str | None
    last_hash: str | None
    count: int
    failure: tuple[str, str] | None = None


def walk_chain(*, workers: int = 1, chunk_size: int = CHUNK_SIZE) -> Report:
    """Recompute each entry's hash from its previous hash and stored body; report the first break.

    The head is fixed first, so entries appended during the walk are left for the next one. Each
    range streams its rows in chunks (a server-side cursor on PostgreSQL), so memory stays flat
    however long the chain.
    """
    with read_snapshot(), connection.cursor() as cursor:
        cursor.execute(HEAD_SQL)
        head = cursor.fetchone()
    report = Report()
    if head is None:
        return report
    head_seq = head[0]
    ranges = _split(head_seq, workers if _can_fork() else 1)
    if len(ranges) == 1:
        walks = [walk_range(*ranges[0], chunk_size=chunk_size)]
    else:
        walks = _walk_in_processes(ranges, chunk_size)
    prev = GENESIS_HASH
    for walk in walks:
        if walk.count == 0 and walk.failure is None:
            continue  # every entry of this range is gone: the next range's first link says so
        if walk.first_prev != prev:
            # The range's first entry does not follow the last verified one.
            report.problem, report.head_seq = _diagnose(walk.failure[1] if walk.count == 0 else None, prev)
            break
        report.count += walk.count
        if walk.count:
            prev = walk.last_hash
        if walk.failure:
            report.problem, report.head_seq = _diagnose(walk.failure[1], prev)
            break
    report.head_hash = prev
    if report.problem is None:
        report.head_seq = head_seq
        gap = _find_gap(head_seq) if report.count != head_seq else None
        if gap:
            # Every link holds but numbers are missing: a chain rebuilt after a deletion.
            report.problem, report.count, report.head_hash = gap
            report.head_seq = report.count
    return report


def walk_range(after: int, last: int, *, chunk_size: int = CHUNK_SIZE) -> RangeWalk:
    """Walk the entries with ``after`` < seq <= ``last`` on this process's connection.

    The loop is kept tight (verify speed is measured against bare hashing): a payload is the
    previous hash (64 ASCII bytes) followed by the body, so the link check is a slice comparison.
    """
    sha256 = hashlib.sha256
    count = 0
    with read_snapshot(), small_page_cache(), connection.chunked_cursor() as cursor:
        cursor.execute(_WALK_SQL[connection.vendor], [after, last])
        rows = cursor.fetchmany(chunk_size)
        if not rows:
            return RangeWalk(None, None, 0)
        first_prev = prev = bytes(rows[0][0][:64])
        while rows:
            for payload, own_hash in rows:
                if payload[:64] != prev:
                    return RangeWalk(first_prev.decode(), prev.decode(), count, ("link", own_hash))
                digest = sha256(payload).hexdigest()
                if digest != own_hash:
                    return RangeWalk(first_prev.decode(), prev.decode(), count, ("hash", own_hash))
                prev = digest.encode()
                count += 1
            rows = cursor.fetchmany(chunk_size)
    return RangeWalk(first_prev.decode(), prev.decode(), count)


def _split(head_seq: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous ranges (after, last] of sequence numbers covering 1..head_seq, one per process."""
    parts = 1
    if head_seq >= PARALLEL_MIN_ENTRIES:
        parts = max(1, min(workers, head_seq // (PARALLEL_MIN_ENTRIES // 2)))
    bounds = [head_seq * n // parts for n in range(parts + 1)]
    bounds[0] = -1  # the first range also takes any entry numbered 0 or less (a forged one)
    return list(itertools.pairwise(bounds))


def available_cpus() -> int:
    """The CPUs this process may run on (``bersih ledger verify``'s default number of workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _can_fork() -> bool:
    """Other processes can walk this database: not inside a transaction (they could not see its
    uncommitted rows), not an in-memory SQLite database, and where processes can be forked."""
    if connection.in_atomic_block or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _walk_in_processes(ranges: list[tuple[int, int]], chunk_size: int) -> list[RangeWalk]:
    # Forked children must not share the parent's connections: close them first; each child opens
    # its own (and the parent reopens its own on its next query).
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
        return pool.starmap(_walk_range_in_child, [(after, last, chunk_size) for after, last in ranges])


def _walk_range_in_child(after: int, last: int, chunk_size: int) -> RangeWalk:
    """In a forked process: a connection of its own (on PostgreSQL, outside the parent's pool, whose
    connections and threads belong to the parent), then the walk."""
    base = connections[DEFAULT_DB_ALIAS]
    settings = {**base.settings_dict, "OPTIONS": dict(base.settings_dict.get("OPTIONS", {}))}
    settings["OPTIONS"].pop("pool", None)
    connections[DEFAULT_DB_ALIAS] = base.__class__(settings, DEFAULT_DB_ALIAS)
    try:
        return walk_range(after, last, chunk_size=chunk_size)
    finally:
        connections[DEFAULT_DB_ALIAS].close()


def read_snapshot():
    """On PostgreSQL, walk inside a transaction: outside one, the server-side cursor is declared WITH
    HOLD and the whole result is copied before the first row arrives. On SQLite, no transaction: the
    connection's transactions are IMMEDIATE and would take the write lock, holding up appends."""
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


BROKEN_LINK = "broken link: its previous hash is not the hash of the entry before it (reordered or replaced)"
# SQLite pages read once need no cache: copying them into the connection's large page cache (see
# settings) made the walk half as slow again.
WALK_PAGE_CACHE_KIB = 2000


@contextmanager
def small_page_cache():
    """On SQLite, a small page cache for the duration of the walk (the connection's own is restored)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        size = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{WALK_PAGE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(size):d}")


_ENTRY_SQL = "SELECT seq, prev_hash, hash, body FROM ledger_entry WHERE {} ORDER BY seq{} LIMIT 1"


def _read_entry(where: str, params: list, *, descending: bool = False):
    with connection.cursor() as cursor:
        cursor.execute(_ENTRY_SQL.format(where, " DESC" if descending else ""), params)
        return cursor.fetchone()


def _diagnose(failed_hash: str | None, verified_hash: str) -> tuple[Problem, int]:
    """Read the entry where the walk broke again, and the one before it, and say what is wrong:
    (the problem, the sequence number of the last verified entry).

    ``failed_hash`` is the stored hash of the entry that failed (hashes are unique), or None when
    the failure is the first entry after the one whose hash is ``verified_hash``.
    """
    if failed_hash is not None:
        entry = _read_entry("hash = %s", [failed_hash])
    else:
        before = _read_entry("hash = %s", [verified_hash]) if verified_hash != GENESIS_HASH else None
        entry = _read_entry("seq > %s", [before[0] if before else -1])
    if entry is None:  # cannot happen to an append-only table: say so rather than guess
        return Problem(None, "an entry read during the walk could not be read again"), 0
    seq, prev_hash, own_hash, body = entry
    before = _read_entry("seq < %s", [seq], descending=True)
    expected_seq, expected_prev = (before[0] + 1, before[2]) if before else (1, GENESIS_HASH)
    if seq != expected_seq:
        return _gap_problem(seq, expected_seq), expected_seq - 1
    if prev_hash != expected_prev:
        return Problem(seq, BROKEN_LINK), seq - 1
    if entry_hash(prev_hash, body) != own_hash:
        return Problem(seq, "hash mismatch: the entry was changed after it was written"), seq - 1
    return Problem(seq, "the entry read differently during the walk (changed while being verified)"), seq - 1


def _gap_problem(seq: int, expected_seq: int) -> Problem:
    if seq < expected_seq:
        return Problem(seq, f"sequence number out of order: #{expected_seq} expected (a forged entry)")
    missing = f"#{expected_seq}" if seq == expected_seq + 1 else f"#{expected_seq} to #{seq - 1}"
    return Problem(seq, f"gap in sequence: {missing} missing (deleted entries)")


_GAP_SQL = """
SELECT seq, before_seq, before_hash FROM (
    SELECT seq, lag(seq) OVER (ORDER BY seq) AS before_seq, lag(hash) OVER (ORDER BY seq) AS before_hash
    FROM ledger_entry WHERE seq <= %s
) numbered WHERE seq <> coalesce(before_seq, 0) + 1 ORDER BY seq LIMIT 1
"""


def _find_gap(head_seq: int) -> tuple[Problem, int, str] | None:
    """The first missing sequence number up to the head: (problem, entries before it, the hash of the
    last of them), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_GAP_SQL, [head_seq])
        row = cursor.fetchone()
    if row is None:
        return None
    seq, before_seq, before_hash = row
    return _gap_problem(seq, (before_seq or 0) + 1), before_seq or 0, before_hash or GENESIS_HASH


# --- The columns must still be generated from the body ----------------------------------------------


def generated_fields() -> list:
    return [f for f in Entry._meta.concrete_fields if getattr(f, "generated", False)]


def check_columns() -> list[str]:
    """Problems with the definition of the searchable columns: each must still be a stored column
    generated by the expression of columns.py. One look at the schema, however long the chain.

    Someone who replaced a generated column by a plain one could write anything in it; a column
    defined this way holds what the hashed body says.
    """
    found = _generated_columns()  # column -> its expression as the database shows it, or None
    expected = _expected_expressions()
    problems = []
    for column, expression in expected.items():
        if column not in found:
            problems.append(f"column {column} is missing from the ledger table")
        elif found[column] is None:
            problems.append(f"column {column} is no longer a stored column generated from the hashed body")
        elif found[column] != expression:
            problems.append(f"column {column} is generated by another expression than the ledger's")
    return problems


def _generated_columns() -> dict[str, str | None]:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ledger_entry'")
            definitions = _sqlite_column_definitions(cursor.fetchone()[0])
            cursor.execute("PRAGMA table_xinfo(ledger_entry)")
            stored = {row[1] for row in cursor.fetchall() if row[6] == 3}  # 3: stored generated column
        return {
            name: _sqlite_generation(definition) if name in stored else None
            for name, definition in definitions.items()
        }
    if connection.vendor == "postgresql":
        return _postgres_generated("ledger_entry")
    raise NotImplementedError(f"no column check for {connection.vendor}")


_EXPECTED: dict[tuple, dict[str, str]] = {}


def _expected_expressions() -> dict[str, str]:
    """The expression each generated column must have, as this database writes it."""
    key = (connection.vendor, connection.alias, getattr(connection, "pg_version", None))
    if key not in _EXPECTED:
        fields = generated_fields()
        if connection.vendor == "postgresql":
            _EXPECTED[key] = _postgres_expected(fields)
        else:
            _EXPECTED[key] = {f.column: _normalise_sql(_generation_sql(f)) for f in fields}
    return _EXPECTED[key]


def _generation_sql(field) -> str:
    sql, params = field.generated_sql(connection)
    if params:
        raise ValueError("ledger column expressions carry no parameters")
    return sql


# SQLite keeps the CREATE TABLE text: split it into column definitions (outside quotes and
# parentheses, comments dropped) and take each generated column's expression from its own.
_SQLITE_PIECES = re.compile(
    r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]"""  # quoted text and names
    r"""|--[^\n]*|/\*.*?\*/"""  # comments
    r"""|[(),]|[^'"`\[(),/-]+|[/-]""",
    re.S,
)


def _sqlite_column_definitions(table_sql: str) -> dict[str, str]:
    depth, current, definitions = 0, [], []
    for piece in _SQLITE_PIECES.findall(table_sql):
        if piece.startswith(("--", "/*")):
            continue
        if piece == "(":
            depth += 1
            if depth == 1:
                continue
        elif piece == ")":
            depth -= 1
            if depth == 0:
                definitions.append("".join(current))
                break
        elif piece == "," and depth == 1:
            definitions.append("".join(current))
            current = []
            continue
        if depth >= 1:
            current.append(piece)
    columns = {}
    for definition in definitions:
        text = definition.strip()
        match = re.match(r'"((?:[^"]|"")*)"|`([^`]*)`|\[([^\]]*)\]|(\w+)', text)
        if match:
            name = next(group for group in match.groups() if group is not None).replace('""', '"')
            columns[name] = text
    return columns


def _sqlite_generation(definition: str) -> str | None:
    match = re.search(r"\bGENERATED\s+ALWAYS\s+AS\s*\((.*)\)\s*STORED\b", definition, re.S | re.I)
    if not match or len(re.findall(r"\bAS\s*\(", definition, re.I)) != 1:
        return None
    return _normalise_sql(match.group(1))


def _normalise_sql(sql: str) -> str:
    return " ".join(sql.split())


# PostgreSQL keeps the expression parsed, and shows it in its own words: the expected form is what it
# shows for the ledger's expressions in a scratch table (created and rolled back once per process).
_PG_COLUMNS_SQL = """
SELECT a.attname, a.attgenerated, pg_get_expr(d.adbin, d.adrelid)
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped
"""


def _postgres_generated(table: str) -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(_PG_COLUMNS_SQL, [table])
        return {name: expression if kind == "s" else None for name, kind, expression in cursor.fetchall()}


def _postgres_expected(fields) -> dict[str, str]:
    quote = connection.ops.quote_name
    columns = ", ".join(
        f"{quote(f.column)} {f.db_type(connection)} GENERATED ALWAYS AS ({_generation_sql(f)}) STORED"
        for f in fields
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE ledger_expected_columns (body text, {columns})")
        found = _postgres_generated("pg_temp.ledger_expected_columns")
        transaction.set_rollback(True)
    return {f.column: found[f.column] for f in fields}


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
