"""Test support for the ledger: its append-only triggers must not stop a test database from being reset.

A transactional test ends with a flush (DELETE FROM every table on SQLite), which the triggers refuse
once ledger rows exist. ``ledger_flushable`` (autouse, from the root conftest) clears the ledger
with the triggers briefly dropped, just before that flush.
"""

from __future__ import annotations

import pytest


def clear_ledger() -> None:
    from django.db import connection

    from . import triggers

    with triggers.suspended(connection), connection.cursor() as cursor:
        for table in ("ledger_checkpoint", "ledger_entry"):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def ledger_flushable(request):
    if not _is_transactional(request):
        yield
        return
    # Depend on the database fixture so that this teardown runs before its flush.
    request.getfixturevalue("_django_db_helper")
    yield
    clear_ledger()
