"""The database settings: SQLite in WAL mode with IMMEDIATE transactions and a busy timeout; PostgreSQL
through a connection pool."""

from django.db.utils import ConnectionHandler

from bersih.settings import _database


def test_sqlite_connection_is_wal_immediate_with_busy_timeout(tmp_path, django_db_blocker):
    config = _database(f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    handler = ConnectionHandler({"default": config})
    connection = handler["default"]
    try:
        with (
            django_db_blocker.unblock(),
            connection.cursor() as cursor,
        ):  # its own file, not the test database
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    finally:
        connection.close()


def test_postgresql_uses_a_connection_pool_and_no_persistent_connections():
    config = _database("postgres://bersih:secret@db.example:5432/bersih")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"]["pool"]["max_size"] >= config["OPTIONS"]["pool"]["min_size"] >= 1
    assert config["CONN_MAX_AGE"] == 0
