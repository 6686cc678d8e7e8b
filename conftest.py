"""Fixtures shared by every app's tests: the organisation tree, people in each role, API clients."""

from __future__ import annotations

import pytest


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
