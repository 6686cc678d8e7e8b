"""Verify a chain in forked processes against a fresh SQLite file (``python -m``, for test_parallel):
an in-memory test database cannot be shared with other processes the way a real file is."""

from __future__ import annotations

import json
import sys


def main() -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bersih import ledger
    from bersih.ledger import triggers, verify
    from bersih.ledger.services import SYSTEM

    count = int(sys.argv[1])
    call_command("migrate", verbosity=0)
    for n in range(count):
        ledger.record(actor=SYSTEM, action="test.item.made", data={"n": n})
    verify.PARALLEL_MIN_ENTRIES = 10
    forked = []
    real = verify._walk_in_processes
    verify._walk_in_processes = lambda *args: forked.append(1) or real(*args)
    before = verify.verify_ledger(workers=3)
    with triggers.suspended(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET body = replace(body, '\"n\":20', '\"n\":0') WHERE seq = 21")
    after = verify.verify_ledger(workers=3)
    print(
        json.dumps(
            {
                "forked": len(forked),
                "ok": [before.ok, after.ok],
                "count": [before.count, after.count],
                "problem": str(after.problem),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
