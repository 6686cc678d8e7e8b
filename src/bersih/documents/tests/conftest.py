from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(autouse=True)
def isolated_files(settings, tmp_path):
    """Each test signs with its own development CA and stores files in its own directory."""
    settings.KEYS_DIR = tmp_path / "keys"
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.TIMESTAMP_URL = ""
    settings.DOCUMENT_DEV_CA = True
    settings.DOCUMENT_TRUST_ROOTS = []
    return tmp_path


@pytest.fixture
def cache_table(db):
    """Rate limits live in the database cache."""
    call_command("createcachetable", verbosity=0)
    cache.clear()  # counts from earlier tests must not leak in (a Redis cache outlives transactions)


@pytest.fixture
def officer(org, make_user):
    return make_user("officer-bks", "officer", org.bks_satlantas)
