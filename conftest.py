"""Fixtures shared by every app's tests: the organisation tree, people in each role, API clients."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Property tests judge the code, not the machine: a busy CI host must not fail them for slowness.
settings.register_profile("bersih", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bersih")


@pytest.fixture
def org(db):
    """A small two-Polres tree under one Polda, with functional units, from the demo builder."""
    from bersih.core.testing import build_test_org

    return build_test_org()


@pytest.fixture
def make_user(db):
    from bersih.core.testing import make_user as factory

    return factory


# Transactional tests: clear the append-only ledger before the database is flushed.
from bersih.ledger.testing import ledger_flushable  # noqa: E402, F401


@pytest.fixture
def english_messages(settings):
    """Pages and errors in English, the source language, for tests that compare message texts.

    Indonesian is the default language; with the compiled catalogues those texts would be translated.
    """
    settings.LANGUAGE_CODE = "en"
