"""Database triggers that make the ledger tables append-only (created by migration 0002; migration
0003, which rebuilds the entry table, takes them off and puts them back).

SQLite and PostgreSQL both refuse UPDATE and DELETE on ``ledger_entry`` and ``ledger_checkpoint``,
whoever issues them: the ORM, a raw cursor, or a person at the database console. (TRUNCATE is a
table-owner privilege on PostgreSQL and is revoked from the application role in production; see
docs/ledger.md.) Someone who can drop triggers can still rewrite rows: signed checkpoints catch that.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import migrations

APPEND_ONLY_TABLES = ("ledger_entry", "ledger_checkpoint")
MESSAGE = "ledger entries are append-only"


def _sqlite_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _sqlite_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]


_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE}: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def _pg_create(table: str) -> list[str]:
    return [
        _PG_FUNCTION,
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
    ]


def _pg_drop(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]


def statements(vendor: str, table: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return _sqlite_create(table) if create else _sqlite_drop(table)
    if vendor == "postgresql":
        return _pg_create(table) if create else _pg_drop(table)
    raise NotImplementedError(f"no append-only triggers for {vendor}")


def install(connection, tables=APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for sql in statements(connection.vendor, table, create=True):
                cursor.execute(sql)


def remove(connection, tables=APPEND_ONLY_TABLES) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            for sql in statements(connection.vendor, table, create=False):
                cursor.execute(sql)


@contextmanager
def suspended(connection, tables=APPEND_ONLY_TABLES):
    """Drop the triggers for the duration of the block, then put them back.

    Only for tests that simulate an attacker with database access, and for clearing a test database.
    """
    remove(connection, tables)
    try:
        yield
    finally:
        install(connection, tables)


def append_only_operation(table: str) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        install(schema_editor.connection, (table,))

    def backwards(apps, schema_editor):
        remove(schema_editor.connection, (table,))

    return migrations.RunPython(forwards, backwards, elidable=False)
