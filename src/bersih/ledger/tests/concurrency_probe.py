"""Concurrent appends from several threads, each with its own database connection.

Used by test_concurrency: in-process on PostgreSQL, and as ``python -m`` against a fresh SQLite file
(SQLite's in-memory test database cannot be shared by threads the way a real file is).
"""

from __future__ import annotations

import json
import sys
import threading


def append_concurrently(*, threads: int, per_thread: int) -> list[str]:
    """Start ``threads`` writers at once, each appending ``per_thread`` entries; returns their errors."""
    from django.db import connection, transaction

    from bersih import ledger
    from bersih.ledger.services import SYSTEM

    barrier = threading.Barrier(threads)
    errors: list[str] = []

    def writer(number: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    ledger.record(
                        actor=SYSTEM, action="test.writer.appended", data={"writer": number, "i": i}
                    )
        except Exception as exc:  # reported to the test, which fails on any
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return errors


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from bersih.ledger.models import Entry
    from bersih.ledger.verify import verify_ledger

    threads, per_thread = int(sys.argv[1]), int(sys.argv[2])
    call_command("migrate", verbosity=0)
    errors = append_concurrently(threads=threads, per_thread=per_thread)
    report = verify_ledger()
    seqs = list(Entry.objects.order_by("seq").values_list("seq", flat=True))
    print(json.dumps({"errors": errors, "ok": report.ok, "count": report.count, "seqs": seqs}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
