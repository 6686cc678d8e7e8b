import pytest

from bersih.ledger import keys


@pytest.fixture
def key_dir(tmp_path, settings):
    """A fresh ledger key pair in a temporary key directory (settings.KEYS_DIR points at it)."""
    directory = tmp_path / "keys"
    keys.init_keys(directory)
    settings.KEYS_DIR = directory
    return directory


@pytest.fixture
def tamper():
    """Run raw SQL as an attacker with database access would: with the append-only triggers dropped."""
    from django.db import connection

    from bersih.ledger import triggers

    def run(sql, params=()):
        with triggers.suspended(connection), connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run
