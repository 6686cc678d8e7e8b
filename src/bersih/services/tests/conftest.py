"""Sipmas fixtures: the handling units' staff of Polres Bekasi."""

from __future__ import annotations

import pytest

from bersih.services.testing import sipmas_staff


@pytest.fixture
def staff(org, make_user):
    return sipmas_staff(org, make_user)
