"""Ledger: append throughput, and verify throughput against bare SHA-256 over the same bytes.

Runs against a fresh database: the SQLite file under var/bench is recreated (the ledger's triggers
refuse DELETE, so a used file is replaced rather than emptied).
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from bench.report import figure

APPENDS = 2000
VERIFY_ENTRIES = 10000


def fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.close()
        path = Path(connection.settings_dict["NAME"])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)  # the rate limits' cache: pages served need it
        return
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from bersih.ledger import triggers

    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_checkpoint")
        cursor.execute("DELETE FROM ledger_entry")


def append(count: int, offset: int = 0, per_transaction: int = 1) -> float:
    """Seconds to append ``count`` entries, ``per_transaction`` in each transaction (1: as a service
    records its one entry; more: as a sweep records many)."""
    from django.db import transaction

    from bersih import ledger
    from bersih.ledger.services import SYSTEM

    started = time.perf_counter()
    for first in range(offset, offset + count, per_transaction):
        with transaction.atomic():
            for n in range(first, min(first + per_transaction, offset + count)):
                ledger.record(
                    actor=SYSTEM,
                    action="etle.violation.approved",
                    subject=("etle.violation", n, f"ETLE-2026-{n:07d}"),
                    data={"plate": "B 1234 XYZ", "fine": 500000, "article": "UU 22/2009 Pasal 287 ayat (5)"},
                )
    return time.perf_counter() - started


def bare_insert_rate(count: int) -> float:
    """The limit for appends: one-row INSERT transactions into a scratch table, nothing else."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, body TEXT)")
    started = time.perf_counter()
    for n in range(count):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_scratch (id, body) VALUES (%s, %s)", [n + 1, "x" * 300])
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_scratch")
    return count / elapsed


def bare_hash_seconds() -> float:
    """Bare hashlib.sha256 over exactly the bytes verify hashes (previous hash ‖ body), already in memory."""
    from bersih.ledger.models import Entry

    payloads = [
        (prev + body).encode()
        for prev, body in Entry.objects.order_by("seq").values_list("prev_hash", "body")
    ]
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        best = min(best, time.perf_counter() - started)
    return best


def best_of_three(step) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - started)
    return best


def read_rows() -> None:
    """Only what any verify must do first: read every entry's (seq, prev_hash, hash, body) in order,
    exactly as the walk reads them, without looking at them."""
    from django.db import connection

    from bersih.ledger.verify import CHUNK_SIZE, WALK_SQL, read_snapshot

    with read_snapshot(), connection.chunked_cursor() as cursor:
        cursor.execute(WALK_SQL)
        while cursor.fetchmany(CHUNK_SIZE):
            pass


def read_bodies() -> None:
    """Reading one column (the bodies) in order, nothing else: less than any verify must read."""
    from django.db import connection

    from bersih.ledger.verify import CHUNK_SIZE, read_snapshot

    with read_snapshot(), connection.chunked_cursor() as cursor:
        cursor.execute("SELECT body FROM ledger_entry ORDER BY seq")
        while cursor.fetchmany(CHUNK_SIZE):
            pass


def read_and_hash() -> None:
    """Reading the rows as the walk does and hashing each (previous hash ‖ body), with no check at
    all: the ceiling for any verify that reads the rows and re-hashes them on one core."""
    from django.db import connection

    from bersih.ledger.verify import CHUNK_SIZE, WALK_SQL, read_snapshot

    sha256 = hashlib.sha256
    with read_snapshot(), connection.chunked_cursor() as cursor:
        cursor.execute(WALK_SQL)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            for _seq, prev_hash, _hash, body in rows:
                sha256((prev_hash + body).encode()).hexdigest()


def sqlite_settings() -> str:
    """The pragmas in effect on the benchmark's own connection (set by settings' init_command)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return ""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(cursor.fetchone()[0], "?")
    mode = connection.settings_dict["OPTIONS"].get("transaction_mode", "DEFERRED")
    return f" (journal_mode={journal}, synchronous={synchronous}, {mode} transactions)"


def verify_seconds() -> tuple[float, int]:
    from bersih.ledger.verify import verify_ledger

    best, count = float("inf"), 0
    for _ in range(3):
        started = time.perf_counter()
        report = verify_ledger()
        best = min(best, time.perf_counter() - started)
        assert report.ok, report.problem
        count = report.count
    return best, count


def run() -> bool:
    from django.db import connection

    fresh_database()
    print(f"   database: {connection.vendor}{sqlite_settings()}")
    limit = bare_insert_rate(APPENDS)
    ok = figure(
        "append",
        APPENDS / append(APPENDS),
        "entries/s",
        limit=limit,
        target_value=2000 if connection.vendor == "sqlite" else None,
        note="one transaction per entry; limit = bare one-row INSERT transactions",
    )
    batch = VERIFY_ENTRIES - APPENDS
    figure(
        "append, 100 per transaction",
        batch / append(batch, offset=APPENDS, per_transaction=100),
        "entries/s",
        note="for comparison: the chain's own cost without a commit per entry",
    )
    seconds, count = verify_seconds()
    bare = bare_hash_seconds()
    ok &= figure(
        "verify",
        count / seconds,
        "entries/s",
        limit=count / bare,
        target_ratio=0.5,
        note=f"{count} entries; limit = bare hashlib.sha256 over the same bytes",
    )
    # Where verify's time goes (information, no target): the walk is reading plus hashing; the rest
    # is the column check, one SQL query. The last lines bound what any verify could reach.
    from bersih.ledger.verify import find_column_mismatch, walk_chain

    for name, step, note in (
        ("  of which chain walk", walk_chain, "read in order, re-hash, check sequence and links"),
        ("  of which column check", find_column_mismatch, "one SQL query comparing columns with bodies"),
        ("  reading the rows alone", read_rows, "the floor for any verify that reads the database"),
        ("  reading the bodies alone", read_bodies, "one column: less than any verify must read"),
        ("  reading and hashing only", read_and_hash, "no checks: the ceiling for a one-core verify"),
    ):
        figure(name, count / best_of_three(step), "entries/s", limit=count / bare, note=note)
    return ok
